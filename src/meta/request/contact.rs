//! Contact cards.

use serde::Serialize;

/// A contact card. Meta needs at least `name.formatted_name`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Contact {
    /// The name.
    pub name: ContactName,
    /// Phone numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<ContactPhone>,
    /// Email addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ContactEmail>,
    /// Postal addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<ContactAddress>,
    /// Web sites.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<ContactUrl>,
    /// The organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<ContactOrg>,
    /// The birthday, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
}

/// A contact's name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactName {
    /// The full name as shown (required by Meta).
    pub formatted_name: String,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Middle name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Prefix (`Dr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Suffix (`Jr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
}

/// A contact's phone number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactPhone {
    /// The number as shown.
    pub phone: String,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its WhatsApp id, which adds a "Message" button to the card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wa_id: Option<String>,
}

/// A contact's email address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactEmail {
    /// The address.
    pub email: String,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A contact's postal address.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactAddress {
    /// Street and number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Country name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Two-letter ISO country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A contact's web site.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactUrl {
    /// The URL.
    pub url: String,
    /// `HOME` or `WORK`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// A contact's organization.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ContactOrg {
    /// Company.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}
