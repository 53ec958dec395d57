//! Webhook times: the ISO 8601 forms and epoch milliseconds Botmaker writes, always
//! writable as RFC 3339.

use time::format_description::well_known::Iso8601;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::event::Timestamp;

/// Parses a webhook time: RFC 3339 or another ISO 8601 form (a time without an offset is
/// UTC), or milliseconds since the Unix epoch written as digits.
///
/// The result is always writable as RFC 3339 (as the event JSON requires): an offset RFC
/// 3339 cannot write (24 hours or more, or with seconds) is turned into UTC, and a time
/// whose year is not between 0 and 9999 is refused.
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    rfc3339_writable(parse_any_time(s)?.as_offset_date_time())
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
