//! The name of a provider, as events, receipts and errors carry it.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which provider a message, event, receipt or error belongs to: a short lowercase name
/// (`twilio`, `botmaker`, or the name of a provider you implement yourself).
///
/// The crate's providers define constants for theirs (`ProviderKind::TWILIO`,
/// `ProviderKind::BOTMAKER`, each under its feature). A provider implemented outside the
/// crate names itself with [`ProviderKind::new`]:
///
/// ```
/// use whatsapp_connector::ProviderKind;
///
/// const ACME: ProviderKind = ProviderKind::new("acme");
/// assert_eq!(ACME.as_str(), "acme");
/// assert_eq!(ACME, serde_json::from_str::<ProviderKind>("\"acme\"").unwrap());
/// ```
///
/// In the event JSON it is the bare name: `"provider": "twilio"`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderKind(Cow<'static, str>);

impl ProviderKind {
    /// A provider named `name`. Use a short lowercase name: it appears in the event JSON,
    /// in dedup keys and in logs, and it is the last segment of the provider's path on the
    /// webhook endpoint.
    pub const fn new(name: &'static str) -> Self {
        ProviderKind(Cow::Borrowed(name))
    }

    /// A provider named at run time (for example read back from JSON).
    pub fn from_name(name: impl Into<String>) -> Self {
        ProviderKind(Cow::Owned(name.into()))
    }

    /// The name, as in the event JSON.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ProviderKind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for ProviderKind {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq<str> for ProviderKind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ProviderKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ProviderKind> for &ProviderKind {
    fn eq(&self, other: &ProviderKind) -> bool {
        **self == *other
    }
}

impl Serialize for ProviderKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(ProviderKind::from_name(name))
    }
}
