//! Webhook times: the ISO 8601 forms and epoch milliseconds Botmaker writes, always
//! writable as RFC 3339.

use time::format_description::well_known::Iso8601;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::event::Timestamp;

/// Parses a webhook time: RFC 3339 or another ISO 8601 form (a time without an offset is
/// UTC), or milliseconds since the Unix epoch written as digits.
///
/// The result is always writable as RFC 3339 (as the event JSON requires): an offset RFC
/// 3339 cannot write (24 hours or more, or with seconds) is turned into UTC, and a time
/// whose year is not between 0 and 9999 is refused.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    if let Some(t) = utc_millis_form(s.as_bytes()) {
        return Some(t);
    }
    rfc3339_writable(parse_any_time(s)?.as_offset_date_time())
}

/// The form Botmaker writes, `2026-03-02T14:05:09.118Z` (one to nine digits of fraction, or
/// none), read directly; `None` for any other form, or a date or time out of range, which
/// the general parser then reads (or refuses) as before.
fn utc_millis_form(b: &[u8]) -> Option<Timestamp> {
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let punct = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20 || b.last() != Some(&b'Z') || punct.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            num(20..b.len() - 1)? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let month = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let date = Date::from_calendar_date(num(0..4)? as i32, month, num(8..10)? as u8).ok()?;
    let (h, m, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let time = Time::from_hms_nano(h as u8, m as u8, sec as u8, nanos).ok()?;
    Some(date.with_time(time).assume_utc().into())
}

/// `t` as a time RFC 3339 can write: in UTC when its offset is 24 hours or more or has
/// seconds; `None` when its year is not between 0 and 9999.
fn rfc3339_writable(t: OffsetDateTime) -> Option<Timestamp> {
    let offset = t.offset();
    let t = if offset.seconds_past_minute() != 0 || offset.whole_hours().unsigned_abs() >= 24 {
        t.checked_to_offset(UtcOffset::UTC)?
    } else {
        t
    };
    (0..=9999).contains(&t.year()).then(|| t.into())
}

fn parse_any_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().and_then(Timestamp::from_unix_millis);
    }
    if let Some(t) = Timestamp::parse_rfc3339(s) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.into());
    }
    if let Ok(t) = PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.assume_utc().into());
    }
    // `2026-04-17 18:37:32` and the like.
    if s.len() > 10 && s.as_bytes().get(10) == Some(&b' ') {
        let t = format!("{}T{}", &s[..10], &s[11..]);
        if t != s {
            return parse_any_time(&t);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_come_out_writable_as_rfc_3339() {
        use time::{Date, Month, Time};
        let at = |year: i32, offset: UtcOffset| {
            Date::from_calendar_date(year, Month::August, 28)
                .unwrap()
                .with_time(Time::from_hms(14, 0, 0).unwrap())
                .assume_offset(offset)
        };
        // -24:00 (what newer `time` releases read from `1730240T14-24`) and an offset with
        // seconds are given in UTC; the instant is kept.
        for offset in [
            UtcOffset::from_hms(-24, 0, 0).unwrap(),
            UtcOffset::from_hms(25, 30, 0).unwrap(),
            UtcOffset::from_hms(1, 0, 30).unwrap(),
        ] {
            let t = rfc3339_writable(at(1730, offset)).unwrap();
            assert!(t.as_offset_date_time().offset().is_utc(), "{offset}");
            assert_eq!(t.as_offset_date_time(), at(1730, offset));
            assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
        }
        let minus_three = UtcOffset::from_hms(-3, 0, 0).unwrap();
        assert_eq!(
            rfc3339_writable(at(2026, minus_three)).unwrap().to_string(),
            "2026-08-28T14:00:00-03:00"
        );
        // A year RFC 3339 cannot write, in the given offset or once in UTC.
        assert_eq!(rfc3339_writable(at(-1, UtcOffset::UTC)), None);
        assert!(rfc3339_writable(at(0, UtcOffset::UTC)).is_some());
    }

    #[test]
    fn the_usual_form_reads_as_the_general_parser_reads_it() {
        for s in [
            "2026-03-02T14:05:09.118Z",
            "2026-03-02T14:05:09Z",
            "2026-03-02T14:05:09.1Z",
            "2026-03-02T14:05:09.123456789Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
            "2024-02-29T12:00:00.5Z",
        ] {
            let fast = utc_millis_form(s.as_bytes());
            assert!(fast.is_some(), "{s}");
            assert_eq!(
                fast,
                rfc3339_writable(parse_any_time(s).unwrap().as_offset_date_time()),
                "{s}"
            );
        }
        // Not this form, or out of range: left to the general parser.
        for s in [
            "2026-03-02T14:05:09.118+00:00",
            "2026-03-02t14:05:09Z",
            "2026-03-02T14:05:60Z",
            "2026-02-30T14:05:09Z",
            "2026-13-02T14:05:09Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T14:05:09.Z",
            "2026-03-02T14:05:09.1234567890Z",
            "2026-03-02 14:05:09Z",
            " 2026-03-02T14:05:09Z",
            "+026-03-02T14:05:09Z",
        ] {
            assert_eq!(utc_millis_form(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn times_in_every_documented_form() {
        let iso = parse_time("2026-04-17T18:37:32.032Z").unwrap();
        assert_eq!(iso.unix_millis(), 1_776_451_052_032);
        assert_eq!(parse_time("1776451052032"), Some(iso));
        assert_eq!(parse_time("2026-04-17T15:37:32.032-03:00"), Some(iso));
        assert_eq!(parse_time("2026-04-17T18:37:32.032"), Some(iso));
        assert_eq!(parse_time("2026-04-17 18:37:32.032Z"), Some(iso));
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("99999999999999999999999"), None);
    }
}
