//! The quick way from a webhook body to events: the body is read once, each change's
//! `value` kept as a slice of it, and a `messages` value read straight into the typed
//! [`ChangeValue`], with no JSON tree in between and no field paths tracked.
//!
//! It gives the events the typed view gives, or nothing: whatever it refuses (another
//! `object`, a wrong type anywhere, a repeated key, a key the typed view would keep in its
//! `extra`) is read again the slow way
//! ([`WebhookPayload::from_json`](super::WebhookPayload::from_json) then the events), so
//! errors are the slow way's, naming the field by its path.
//!
//! Parts of a body no event is made from are skipped, and serde_json skips a value with
//! fewer checks than it reads one (a `\ud800` without its pair, a number out of range, more
//! than 128 levels of nesting pass). So the body is first walked once as the typed view's
//! JSON tree would read it, without building anything ([`Checked`]): a body the tree would
//! refuse never goes the quick way.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::OBJECT;
use super::events::change_events;
use super::wire::{ChangeValue, opt_string};
use crate::event::InboundEvent;

/// The body, as [`WebhookPayload`](super::WebhookPayload) reads it, minus what no event is
/// made from (its fields not named here are skipped, still checked to be JSON).
#[derive(Deserialize)]
struct Body<'a> {
    #[serde(borrow)]
    object: Cow<'a, str>,
    #[serde(borrow)]
    entry: Vec<MapOnly<Entry<'a>>>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    /// Read (and dropped) so that an `id` the typed view refuses is refused here too.
    #[serde(default, deserialize_with = "opt_string")]
    #[allow(dead_code)]
    id: Option<String>,
    #[serde(default, borrow)]
    changes: Vec<MapOnly<Change<'a>>>,
}

#[derive(Deserialize)]
struct Change<'a> {
    #[serde(default, borrow)]
    field: Cow<'a, str>,
    #[serde(default, borrow)]
    value: Option<&'a RawValue>,
}

/// A struct read from a JSON object only. serde's derived structs also take an array of
/// their fields in order, which the typed view's (keeping unknown fields) refuse.
struct MapOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Objects<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Objects<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Objects(std::marker::PhantomData))
            .map(MapOnly)
    }
}

/// Any JSON value, read (strings decoded, numbers parsed, nesting counted) as serde_json
/// reads it into a [`serde_json::Value`], and dropped.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Checked)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

/// The events of `body`, as the typed view gives them; `None` when the slow way must read
/// it (for its events or for its error).
pub(super) fn events(body: &[u8], media_base: &str) -> Option<Vec<InboundEvent>> {
    serde_json::from_slice::<Checked>(body).ok()?;
    let MapOnly(body) = serde_json::from_slice::<MapOnly<Body<'_>>>(body).ok()?;
    if body.object != OBJECT {
        return None;
    }
    let mut out = Vec::new();
    for MapOnly(change) in body.entry.iter().flat_map(|e| &e.0.changes) {
        if change.field != "messages" {
            continue;
        }
        // A `messages` change without a value (or `null`) is an error the slow way names.
        let value = change.value?;
        let value: ChangeValue = serde_json::from_str(value.get()).ok()?;
        change_events(&value, media_base, &mut out);
    }
    Some(out)
}

#[cfg(test)]
#[path = "fast_tests.rs"]
mod tests;
