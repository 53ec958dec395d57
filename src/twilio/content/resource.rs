//! What the Content API answers: [`ContentResource`], and WhatsApp approvals
//! ([`WhatsAppApproval`], [`ContentApproval`]) with the [`TemplateCategory`] they are asked
//! under.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Content resource as Twilio answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContentResource {
    /// The Content SID (`HX…`): what a send names as `ContentSid`.
    pub sid: String,
    /// The account it belongs to.
    #[serde(default)]
    pub account_sid: Option<String>,
    /// Its friendly name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Its language.
    #[serde(default)]
    pub language: Option<String>,
    /// The variables' samples.
    #[serde(default)]
    pub variables: Option<serde_json::Value>,
    /// Its kinds, as Twilio gives them (kinds this crate does not type are kept).
    #[serde(default)]
    pub types: Option<serde_json::Value>,
    /// Its URL.
    #[serde(default)]
    pub url: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub date_created: Option<String>,
    /// When it was last changed.
    #[serde(default)]
    pub date_updated: Option<String>,
}

impl ContentResource {
    /// The names of its kinds (`twilio/quick-reply`, …).
    pub fn kinds(&self) -> Vec<&str> {
        match &self.types {
            Some(serde_json::Value::Object(m)) => m.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// A WhatsApp template category, asked for when submitting content for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum TemplateCategory {
    /// About a transaction or account the user asked for.
    Utility,
    /// Promotions and offers.
    Marketing,
    /// One-time codes.
    Authentication,
}

impl TemplateCategory {
    /// The name in the API: `UTILITY`, `MARKETING` or `AUTHENTICATION`.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateCategory::Utility => "UTILITY",
            TemplateCategory::Marketing => "MARKETING",
            TemplateCategory::Authentication => "AUTHENTICATION",
        }
    }
}

impl fmt::Display for TemplateCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TemplateCategory {
    type Err = String;

    /// Reads a category in any case (`utility`, `UTILITY`).
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "UTILITY" => Ok(TemplateCategory::Utility),
            "MARKETING" => Ok(TemplateCategory::Marketing),
            "AUTHENTICATION" => Ok(TemplateCategory::Authentication),
            _ => Err(format!(
                "{s:?} is not a WhatsApp template category (utility, marketing, authentication)"
            )),
        }
    }
}

/// Where a WhatsApp approval stands. A status Twilio adds later passes through as
/// [`ApprovalStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum ApprovalStatus {
    /// Not submitted.
    Unsubmitted,
    /// Submitted, not yet under review.
    Received,
    /// Under review.
    Pending,
    /// Approved: it may be sent outside the 24-hour window.
    Approved,
    /// Rejected (see the rejection reason).
    Rejected,
    /// Paused by WhatsApp (poor quality).
    Paused,
    /// Disabled by WhatsApp.
    Disabled,
    /// Another status, as given.
    Other(String),
}

impl From<String> for ApprovalStatus {
    fn from(s: String) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "unsubmitted" => ApprovalStatus::Unsubmitted,
            "received" => ApprovalStatus::Received,
            "pending" => ApprovalStatus::Pending,
            "approved" => ApprovalStatus::Approved,
            "rejected" => ApprovalStatus::Rejected,
            "paused" => ApprovalStatus::Paused,
            "disabled" => ApprovalStatus::Disabled,
            _ => ApprovalStatus::Other(s),
        }
    }
}

impl From<ApprovalStatus> for String {
    fn from(s: ApprovalStatus) -> Self {
        match s {
            ApprovalStatus::Unsubmitted => "unsubmitted".into(),
            ApprovalStatus::Received => "received".into(),
            ApprovalStatus::Pending => "pending".into(),
            ApprovalStatus::Approved => "approved".into(),
            ApprovalStatus::Rejected => "rejected".into(),
            ApprovalStatus::Paused => "paused".into(),
            ApprovalStatus::Disabled => "disabled".into(),
            ApprovalStatus::Other(s) => s,
        }
    }
}

/// A content's WhatsApp approval: what a submission answers, and the `whatsapp` part of
/// [`ContentApproval`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WhatsAppApproval {
    /// The template name it was submitted under.
    #[serde(default)]
    pub name: Option<String>,
    /// The category (`UTILITY`, …), as Twilio gives it.
    #[serde(default)]
    pub category: Option<String>,
    /// The kind that was submitted (`twilio/quick-reply`, …).
    #[serde(default)]
    pub content_type: Option<String>,
    /// Where it stands.
    #[serde(default = "unsubmitted")]
    pub status: ApprovalStatus,
    /// Why WhatsApp rejected it (empty otherwise).
    #[serde(default)]
    pub rejection_reason: Option<String>,
    /// Whether WhatsApp may change the category.
    #[serde(default)]
    pub allow_category_change: Option<bool>,
}

fn unsubmitted() -> ApprovalStatus {
    ApprovalStatus::Unsubmitted
}

/// A content's approvals: `GET /v1/Content/{sid}/ApprovalRequests`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContentApproval {
    /// The Content SID.
    #[serde(default)]
    pub sid: Option<String>,
    /// The account.
    #[serde(default)]
    pub account_sid: Option<String>,
    /// The WhatsApp approval, when there is one.
    #[serde(default)]
    pub whatsapp: Option<WhatsAppApproval>,
}
