//! Twilio's Content API (`https://content.twilio.com/v1`): the templates WhatsApp sends
//! outside the 24-hour window, and the rich messages (reply buttons, lists) Twilio sends
//! only as Content resources.
//!
//! [`TwilioProvider::content`] gives a [`ContentApi`]: create content of the kinds WhatsApp
//! uses ([`NewContent`], with its variables and their samples), list every page, fetch,
//! delete, submit for WhatsApp approval and read the approval status. Every input is
//! checked against the documented limits before any call (see [`validate`](NewContent::validate)
//! for the limits and where each comes from); errors are the crate's [`Error`], an
//! [`Error::Api`] classified as for sends.
//!
//! # Interactive messages
//!
//! [`WhatsAppProvider::send`](crate::WhatsAppProvider::send) with
//! [`Content::Interactive`](crate::Content::Interactive) turns reply buttons into a
//! `twilio/quick-reply` and a list into a `twilio/list-picker`
//! ([`interactive_content`]), creates it once, remembers its SID in a [`ContentCache`]
//! (by [`content_key`], a hash of the content), and sends it by `ContentSid`. When Twilio
//! answers that a remembered SID is no longer valid (error 21655: someone deleted the
//! content), nothing was sent, so the content is created again and the message sent once
//! more. These need
//! no WhatsApp approval inside the 24-hour window: Twilio's *Content Types Overview*
//! (`https://www.twilio.com/docs/content/content-types-overview`, "WhatsApp approval
//! requirements") lists `twilio/quick-reply` and `twilio/list-picker` as "No Approval
//! Required to Send Messages" in a user-initiated 24-hour session. Outside it, a list
//! picker cannot be sent at all and a quick reply only once approved (Twilio answers
//! 63016, [`ApiErrorKind::OutsideWindow`](crate::ApiErrorKind::OutsideWindow)); in session,
//! WhatsApp shows at most three quick-reply buttons, the crate's
//! [`MAX_BUTTONS`](crate::message::MAX_BUTTONS).
//!
//! ```
//! # #[cfg(feature = "testing-fakes")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use whatsapp_connector::testing::FakeTwilio;
//! use whatsapp_connector::twilio::TwilioProvider;
//! use whatsapp_connector::twilio::content::{NewContent, TemplateCategory, Text};
//!
//! let (sid, token) = ("AC0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff");
//! let fake = FakeTwilio::start(sid, token).await?;
//! let twilio = TwilioProvider::builder(sid).auth_token(token).base_url(fake.base_url()).build()?;
//!
//! let reminder = NewContent::new("es", Text::new("Hola {{1}}, tu turno es el {{2}}. Respondé SI para confirmar."))
//!     .with_friendly_name("recordatorio_turno")
//!     .with_variable("1", "Ana")
//!     .with_variable("2", "martes 3");
//! let created = twilio.content().create(&reminder).await?;
//! let approval = twilio
//!     .content()
//!     .submit_for_whatsapp(&created.sid, "recordatorio_turno", TemplateCategory::Utility)
//!     .await?;
//! println!("{} is {:?}", created.sid, approval.status);
//! assert_eq!(twilio.content().list().await?.len(), 1);
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "testing-fakes"))]
//! # fn main() {}
//! ```

mod cache;
mod client;
mod model;
mod resource;
mod validate;

pub use cache::{
    ContentCache, ContentCacheError, INTERACTIVE_LANGUAGE, MemoryContentCache, content_key,
    interactive_content,
};
pub(crate) use cache::{CreateLocks, send_interactive};
pub use model::{
    Action, ActionType, CallToAction, Card, ContentTypes, ListItem, ListPicker, MediaContent,
    NewContent, QuickReply, Text,
};
pub use resource::{
    ApprovalStatus, ContentApproval, ContentResource, TemplateCategory, WhatsAppApproval,
};
pub use validate::{
    MAX_LIST_ITEMS, MAX_QUICK_REPLIES, MAX_TEMPLATE_NAME_CHARS, MAX_VARIABLE_KEY_CHARS,
    MAX_VARIABLE_VALUE_CHARS, MAX_VARIABLES,
};

use crate::error::{Error, ValidationError};
use crate::twilio::TwilioProvider;

/// The default page size of [`ContentApi::list`] (Twilio's maximum is 1,000).
pub const DEFAULT_PAGE_SIZE: u32 = 50;

impl NewContent {
    /// Checks the content before it is sent: each kind's documented limits and the
    /// variables. The limits and their sources are listed in this module's `validate`
    /// source: Twilio's pages for each kind (`twilio-text`, `twilio-quick-reply`,
    /// `twiliolist-picker`, `twilio-call-to-action`, `twiliocard` under
    /// `https://www.twilio.com/docs/content/`) and *Using Variables with Content Templates*.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the field:
    ///
    /// - [`Empty`](ValidationError::Empty) for no kind (`types`), a blank body, title or button;
    /// - [`TooLong`](ValidationError::TooLong) for a text over its kind's limit (a quick-reply body
    ///   over 1,024 characters, a button title over 20, a list item over 24, …);
    /// - [`TooMany`](ValidationError::TooMany) for more than 10 quick-reply buttons or list items,
    ///   more than 2 URL buttons, more than 100 variables;
    /// - [`NotHttpUrl`](ValidationError::NotHttpUrl) for a media or button URL that is not
    ///   `http(s)`;
    /// - [`Invalid`](ValidationError::Invalid) (`variables`) for a malformed placeholder, numbered
    ///   variables with a gap (`{{1}}` and `{{3}}` without `{{2}}`), a placeholder without a
    ///   sample or a sample without a placeholder; (`language`) for a language that is not a code.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate::validate(self)
    }

    /// Reads the JSON body of a Content API create (`friendly_name`, `language`,
    /// `variables`, `types`), refusing a kind this crate does not create.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Invalid`] naming `types` for an unknown kind (`twilio/carousel`,
    /// a typo), or naming the part of the JSON that does not fit.
    pub fn from_json(json: &str) -> Result<Self, ValidationError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| ValidationError::Invalid {
                field: "content",
                reason: format!("not JSON: {e}"),
            })?;
        if let Some(types) = value.get("types").and_then(serde_json::Value::as_object) {
            if let Some(unknown) = types
                .keys()
                .find(|k| !ContentTypes::KNOWN.contains(&k.as_str()))
            {
                return Err(ValidationError::Invalid {
                    field: "types",
                    reason: format!(
                        "unknown content kind {unknown:?}; the kinds are {}",
                        ContentTypes::KNOWN.join(", ")
                    ),
                });
            }
        }
        serde_json::from_value(value).map_err(|e| ValidationError::Invalid {
            field: "content",
            reason: e.to_string(),
        })
    }
}

/// The Content API of a provider's account: [`TwilioProvider::content`].
#[derive(Debug, Clone, Copy)]
pub struct ContentApi<'a> {
    provider: &'a TwilioProvider,
}

impl TwilioProvider {
    /// The account's Content API (at [`content_base`](Self::content_base)).
    pub fn content(&self) -> ContentApi<'_> {
        ContentApi { provider: self }
    }

    /// The Content API origin (`https://content.twilio.com`).
    pub fn content_base(&self) -> &str {
        &self.inner.content_base
    }
}

impl ContentApi<'_> {
    /// Creates a Content resource: `POST /v1/Content`.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when the content breaks a limit ([`NewContent::validate`]), before
    ///   any call.
    /// - [`Error::Config`] (field `auth_token`) when no credentials are configured.
    /// - [`Error::Api`] when Twilio refuses it.
    /// - [`Error::Connect`] when Twilio cannot be reached (nothing was created);
    ///   [`Error::MaybeSent`] when the call went out and no usable answer came back (the
    ///   content may have been created).
    pub async fn create(&self, content: &NewContent) -> Result<ContentResource, Error> {
        client::create(&self.provider.inner, content).await
    }

    /// Every Content resource of the account, following the pages Twilio gives
    /// ([`DEFAULT_PAGE_SIZE`] at a time).
    ///
    /// # Errors
    ///
    /// [`Error::Api`] when Twilio answers with an error, [`Error::Connect`] or
    /// [`Error::Transport`] when a page cannot be read, [`Error::Parse`] when a page is not
    /// Twilio's list JSON or its next page leads back to one already read.
    pub async fn list(&self) -> Result<Vec<ContentResource>, Error> {
        self.list_with_page_size(DEFAULT_PAGE_SIZE).await
    }

    /// As [`list`](Self::list), `page_size` (1 to 1,000) at a time. Each next page is asked
    /// of the configured origin: only the path and query of Twilio's `next_page_url` are used.
    ///
    /// # Errors
    ///
    /// Those of [`list`](Self::list), and [`Error::Invalid`] for a page size out of range.
    pub async fn list_with_page_size(&self, page_size: u32) -> Result<Vec<ContentResource>, Error> {
        client::list(&self.provider.inner, page_size).await
    }

    /// One Content resource: `GET /v1/Content/{sid}`.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a SID that is not `HX` and 32 hexadecimal digits;
    /// [`Error::Api`] ([`NotFound`](crate::ApiErrorKind::NotFound) when there is none);
    /// [`Error::Connect`], [`Error::Transport`], [`Error::Parse`] as for [`list`](Self::list).
    pub async fn fetch(&self, sid: &str) -> Result<ContentResource, Error> {
        client::fetch(&self.provider.inner, sid).await
    }

    /// Deletes a Content resource: `DELETE /v1/Content/{sid}`. An interactive message's
    /// cached SID is not forgotten by this; use a fresh cache after deleting those.
    ///
    /// # Errors
    ///
    /// As for [`fetch`](Self::fetch).
    pub async fn delete(&self, sid: &str) -> Result<(), Error> {
        client::delete(&self.provider.inner, sid).await
    }

    /// Submits content for WhatsApp approval under `name` (lowercase letters, digits and
    /// underscores) and `category`: `POST /v1/Content/{sid}/ApprovalRequests/whatsapp`.
    /// Twilio does not take list pickers for approval (they are sent only inside the 24-hour
    /// window); it answers such a submission with an error.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] for a SID or name of the wrong form, before any call; the others
    /// as for [`create`](Self::create).
    pub async fn submit_for_whatsapp(
        &self,
        sid: &str,
        name: &str,
        category: TemplateCategory,
    ) -> Result<WhatsAppApproval, Error> {
        client::submit(&self.provider.inner, sid, name, category).await
    }

    /// Where the content's approvals stand: `GET /v1/Content/{sid}/ApprovalRequests`.
    ///
    /// # Errors
    ///
    /// As for [`fetch`](Self::fetch).
    pub async fn approval(&self, sid: &str) -> Result<ContentApproval, Error> {
        client::approval(&self.provider.inner, sid).await
    }
}
