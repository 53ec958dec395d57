//! WhatsApp senders on Twilio's Messaging API v2: `GET /v2/Channels/Senders?Channel=whatsapp`
//! (every page) lists an account's WhatsApp numbers with their webhooks, and
//! `POST /v2/Channels/Senders/{Sid}` points a sender's webhooks elsewhere.

use serde::{Deserialize, Serialize};

use super::TwilioProvider;
use super::account::{get_json, read_json};
use super::answer::api_error;
use super::client::credentials;
use super::config::Inner;
use crate::address::WhatsAppAddress;
use crate::error::{Error, TransportError, ValidationError};
use crate::provider::ProviderKind;
use crate::retry::run_with_retries;
use crate::transport::{self, Effect};

const TWILIO: ProviderKind = ProviderKind::TWILIO;
/// The path of the senders collection.
const SENDERS_PATH: &str = "/v2/Channels/Senders";
/// Senders asked for per page.
const PAGE_SIZE: u32 = 50;
/// The most pages read before giving up (50,000 senders).
const MAX_PAGES: usize = 1000;

/// Where a WhatsApp sender's webhooks go, as the Senders API writes them. Every field is
/// optional: an update sends only the fields that are set, and leaves the others as they
/// are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SenderWebhook {
    /// Where incoming messages are posted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// `POST` or `PUT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_method: Option<String>,
    /// Where incoming messages go when the callback URL fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_url: Option<String>,
    /// `POST` or `PUT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback_method: Option<String>,
    /// Where status callbacks go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_callback_url: Option<String>,
    /// The method of status callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_callback_method: Option<String>,
}

impl SenderWebhook {
    /// Incoming messages posted to `url`: `callback_url` and `callback_method: POST`, the
    /// other fields left as they are.
    pub fn incoming(url: impl Into<String>) -> Self {
        SenderWebhook {
            callback_url: Some(url.into()),
            callback_method: Some("POST".into()),
            ..SenderWebhook::default()
        }
    }

    /// True when incoming messages are posted to `url` (Twilio's default method is `POST`).
    pub fn posts_incoming_to(&self, url: &str) -> bool {
        self.callback_url.as_deref() == Some(url)
            && self
                .callback_method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case("POST"))
    }
}

/// One WhatsApp sender of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WhatsAppSender {
    /// The sender's SID (`XE` and 32 hexadecimal digits).
    pub sid: String,
    /// The number, `whatsapp:+E164`.
    pub sender_id: String,
    /// `ONLINE`, `OFFLINE`, `CREATING`, … as Twilio gives it.
    #[serde(default)]
    pub status: Option<String>,
    /// Where its webhooks go.
    #[serde(default)]
    pub webhook: Option<SenderWebhook>,
}

impl WhatsAppSender {
    /// True when this sender is `number` (`whatsapp:+E164`, or bare `+E164`).
    pub fn is_number(&self, number: &str) -> bool {
        match (
            WhatsAppAddress::parse(&self.sender_id),
            WhatsAppAddress::parse(number),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => self.sender_id == number,
        }
    }

    /// Where incoming messages go now, when Twilio says.
    pub fn callback_url(&self) -> Option<&str> {
        self.webhook.as_ref()?.callback_url.as_deref()
    }
}

/// A sender as the API gives it: its SID and number may be null.
#[derive(Deserialize)]
struct RawSender {
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    sender_id: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    webhook: Option<SenderWebhook>,
}

impl RawSender {
    fn into_sender(self) -> Option<WhatsAppSender> {
        Some(WhatsAppSender {
            sid: self.sid.filter(|s| !s.is_empty())?,
            sender_id: self.sender_id.filter(|s| !s.is_empty())?,
            status: self.status,
            webhook: self.webhook,
        })
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    senders: Vec<RawSender>,
    #[serde(default)]
    meta: Option<PageMeta>,
}

#[derive(Deserialize)]
struct PageMeta {
    #[serde(default)]
    next_page_url: Option<String>,
}

impl TwilioProvider {
    /// Lists the account's WhatsApp senders, every page of
    /// `GET /v2/Channels/Senders?Channel=whatsapp` on the Messaging API. A sender the API
    /// gives without a SID or number is left out.
    ///
    /// Each page's `next_page_url` is followed on the configured Messaging API origin (its
    /// path and query only), so the credentials never go to another host.
    ///
    /// # Errors
    ///
    /// - [`Error::Config`] (field `auth_token`) when no auth token or API key is configured.
    /// - [`Error::Api`] when Twilio answers with an error
    ///   ([`Unauthorized`](crate::ApiErrorKind::Unauthorized) for wrong credentials).
    /// - [`Error::Parse`] when a page is not a list of senders.
    /// - [`Error::Transport`] when a page's `next_page_url` is not a senders page, when the
    ///   pages loop or run past 1,000, or when a page went out and no complete answer came
    ///   back; [`Error::Connect`] when Twilio cannot be reached.
    pub async fn whatsapp_senders(&self) -> Result<Vec<WhatsAppSender>, Error> {
        let inner = &self.inner;
        let mut url = format!(
            "{}{SENDERS_PATH}?Channel=whatsapp&PageSize={PAGE_SIZE}",
            inner.messaging_base
        );
        let mut seen = std::collections::HashSet::new();
        let mut senders = Vec::new();
        for _ in 0..MAX_PAGES {
            seen.insert(url.clone());
            let answer = get_json(inner, &url).await?;
            let page: Page = read_json(&answer, "a page of senders")?;
            senders.extend(page.senders.into_iter().filter_map(RawSender::into_sender));
            let next = page
                .meta
                .and_then(|m| m.next_page_url)
                .filter(|n| !n.trim().is_empty());
            let Some(next) = next else {
                return Ok(senders);
            };
            let next = next_page(inner, &url, &next)?;
            if seen.contains(&next) {
                return Err(paging_error(&url, "the next page is one already read"));
            }
            url = next;
        }
        Err(paging_error(
            &url,
            &format!("more than {MAX_PAGES} pages of senders"),
        ))
    }

    /// The account's WhatsApp sender for `number` (`whatsapp:+E164`, or `+E164`), if it has
    /// one.
    ///
    /// # Errors
    ///
    /// The errors of [`whatsapp_senders`](Self::whatsapp_senders).
    pub async fn whatsapp_sender(&self, number: &str) -> Result<Option<WhatsAppSender>, Error> {
        let senders = self.whatsapp_senders().await?;
        Ok(senders.into_iter().find(|s| s.is_number(number)))
    }

    /// Sets a WhatsApp sender's webhooks: `POST /v2/Channels/Senders/{Sid}` on the Messaging
    /// API with `{"webhook": {…}}`, only the fields set in `webhook`. Twilio answers with
    /// the updated sender. Setting the same webhook twice is harmless, so a rate-limited call
    /// is retried as the provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when `sender_sid` is not `XE` followed by 32 hexadecimal digits,
    ///   before any network call.
    /// - [`Error::Config`] (field `auth_token`) when no auth token or API key is configured.
    /// - [`Error::Api`] when Twilio answers with an error
    ///   ([`NotFound`](crate::ApiErrorKind::NotFound) for a sender the account does not have;
    ///   a 5xx may have applied the change).
    /// - [`Error::Parse`] when the success answer is not a sender (the change was made).
    /// - [`Error::Connect`] when Twilio cannot be reached (nothing changed);
    ///   [`Error::Transport`] when the call went out and no complete answer came back (the
    ///   change may have been made).
    pub async fn update_sender_webhook(
        &self,
        sender_sid: &str,
        webhook: &SenderWebhook,
    ) -> Result<WhatsAppSender, Error> {
        if !super::is_sid(sender_sid, "XE") {
            return Err(Error::Invalid(ValidationError::Invalid {
                field: "sender sid",
                reason: "must be XE followed by 32 hexadecimal digits".into(),
            }));
        }
        let inner = &self.inner;
        let (user, password) = credentials(inner)?;
        let url = format!("{}{SENDERS_PATH}/{sender_sid}", inner.messaging_base);
        let body = serde_json::json!({ "webhook": webhook }).to_string();
        let answer = run_with_retries(&inner.http.retry, |_| async {
            let request = inner
                .http
                .request(http::Method::POST, &url)
                .basic_auth(user, Some(password))
                .header(http::header::ACCEPT, "application/json")
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            let answer = transport::exchange(&TWILIO, &url, Effect::Reads, request).await?;
            if answer.is_success() {
                Ok(answer)
            } else {
                Err(api_error(answer.status, &answer.text(), answer.retry_after).into())
            }
        })
        .await?;
        let raw: RawSender = read_json(&answer, "a sender")?;
        raw.into_sender().ok_or_else(|| {
            Error::Parse(crate::error::ParseError::malformed(
                "the updated sender has no sid or sender_id",
            ))
        })
    }
}

/// The URL of the next page: the path and query Twilio gave, on the configured origin.
fn next_page(inner: &Inner, current: &str, next: &str) -> Result<String, Error> {
    let base = url::Url::parse(current).map_err(|_| paging_error(current, "bad URL"))?;
    let parsed = base
        .join(next.trim())
        .map_err(|_| paging_error(current, "next_page_url is not a URL"))?;
    if parsed.path() != SENDERS_PATH {
        return Err(paging_error(
            current,
            &format!(
                "next_page_url leads to {:?}, not a page of senders",
                parsed.path()
            ),
        ));
    }
    let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
    Ok(format!("{}{SENDERS_PATH}{query}", inner.messaging_base))
}

fn paging_error(url: &str, what: &str) -> Error {
    Error::Transport(TransportError::new(TWILIO, url, what.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_write_only_what_is_set() {
        let w = SenderWebhook::incoming("https://api.mammut.io/channels/whatsapp/");
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            serde_json::json!({"callback_url": "https://api.mammut.io/channels/whatsapp/",
                               "callback_method": "POST"})
        );
        assert!(w.posts_incoming_to("https://api.mammut.io/channels/whatsapp/"));
        assert!(!w.posts_incoming_to("https://api.mammut.io/channels/whatsapp"));
        let put = SenderWebhook {
            callback_method: Some("PUT".into()),
            ..w
        };
        assert!(!put.posts_incoming_to("https://api.mammut.io/channels/whatsapp/"));
    }

    #[test]
    fn next_pages_stay_on_the_configured_origin() {
        let twilio = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
            .auth_token("00112233445566778899aabbccddeeff")
            .messaging_base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let inner = &twilio.inner;
        let current = "http://127.0.0.1:9/v2/Channels/Senders?Channel=whatsapp&PageSize=50";
        assert_eq!(
            next_page(
                inner,
                current,
                "https://messaging.twilio.com/v2/Channels/Senders?Channel=whatsapp&PageSize=50&Page=1&PageToken=PT1"
            )
            .unwrap(),
            "http://127.0.0.1:9/v2/Channels/Senders?Channel=whatsapp&PageSize=50&Page=1&PageToken=PT1"
        );
        assert_eq!(
            next_page(inner, current, "/v2/Channels/Senders?Page=2").unwrap(),
            "http://127.0.0.1:9/v2/Channels/Senders?Page=2"
        );
        let e = next_page(inner, current, "https://evil.test/steal").unwrap_err();
        assert!(matches!(e, Error::Transport(_)), "{e:?}");
    }

    #[test]
    fn senders_match_numbers_with_or_without_prefix() {
        let s = WhatsAppSender {
            sid: "XE0123456789abcdef0123456789abcdef".into(),
            sender_id: "whatsapp:+14155238886".into(),
            status: None,
            webhook: None,
        };
        assert!(s.is_number("+14155238886"));
        assert!(s.is_number("whatsapp:+14155238886"));
        assert!(!s.is_number("whatsapp:+14155238887"));
        let raw = RawSender {
            sid: None,
            sender_id: Some("whatsapp:+1".into()),
            status: None,
            webhook: None,
        };
        assert!(raw.into_sender().is_none());
    }
}
