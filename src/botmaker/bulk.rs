//! Sending to many chats at once: [`BotmakerProvider::trigger_intent_bulk`] sends v2
//! `POST /chats-actions/batch/trigger-intent` in batches of at most [`MAX_BATCH_ITEMS`]
//! (one `/intent/v2` call a chat through the legacy v1 API), and reports each chat's outcome.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::BotmakerProvider;
use super::mapping::v1_line;
use super::request::{ApiVersion, ChatRef, TriggerIntentRequest};
use super::wire;
use crate::error::{Error, excerpt};
use crate::message::ValidationError;
use crate::provider::ProviderKind;
use crate::transport::{Effect, unconfirmed_send};

/// The most chats one `batch/trigger-intent` request may carry. Botmaker's OpenAPI: "Trigger
/// intent in many (up to 500) chats", and a 400 "Request count is greater than 500".
pub const MAX_BATCH_ITEMS: usize = 500;

/// What happened to one chat of a bulk send.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ChatOutcome {
    /// Botmaker took the chat's request; `id` is its `webhookNotificationId` (v1: the message
    /// id), when the answer gives one. Delivery is asynchronous.
    Accepted {
        /// The id to follow the request by in webhook notifications.
        id: Option<String>,
    },
    /// Botmaker refused this chat's request (its item of the answer carried errors).
    Rejected {
        /// Botmaker's error type (`errors[0].type`), or v1's code.
        code: Option<String>,
        /// Botmaker's messages.
        message: String,
    },
    /// The request that carried this chat failed as a whole; the error says whether it may
    /// have been sent ([`Error::may_have_been_sent`]) or may be retried
    /// ([`Error::is_retryable`]). Every chat of one request shares the same error.
    Failed(Arc<Error>),
}

impl ChatOutcome {
    /// True when Botmaker took the chat's request.
    pub fn is_accepted(&self) -> bool {
        matches!(self, ChatOutcome::Accepted { .. })
    }
}

/// One chat of a bulk send and its outcome.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ChatResult {
    /// The chat, as it was given.
    pub chat: ChatRef,
    /// What happened to it.
    pub outcome: ChatOutcome,
}

/// The outcome of [`BotmakerProvider::trigger_intent_bulk`]: one [`ChatResult`] a request
/// given, in the same order.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct BulkReport {
    /// One result a request, in order.
    pub results: Vec<ChatResult>,
    /// How many HTTP requests were sent (retries of rate-limited requests not counted).
    pub requests: usize,
}

impl BulkReport {
    /// The chats Botmaker took.
    pub fn accepted(&self) -> impl Iterator<Item = &ChatResult> {
        self.results.iter().filter(|r| r.outcome.is_accepted())
    }

    /// The chats Botmaker did not take (refused, or in a request that failed).
    pub fn failed(&self) -> impl Iterator<Item = &ChatResult> {
        self.results.iter().filter(|r| !r.outcome.is_accepted())
    }
}

#[derive(Serialize)]
struct Batch<'a> {
    items: Vec<wire::TriggerIntent<'a>>,
}

impl BotmakerProvider {
    /// Triggers an intent, or sends an approved WhatsApp template, in many chats: each request
    /// is one chat's (its template, variables, reference). The whole list is checked first;
    /// then it goes out in batches of at most [`MAX_BATCH_ITEMS`] through v2's
    /// `POST /chats-actions/batch/trigger-intent` (2.5 × 500 chats are three requests). Through
    /// the legacy v1 API, where no batch call is documented, each chat is one `POST /intent/v2`.
    ///
    /// A rate-limited request (HTTP 429, which Botmaker did not process) is sent again after
    /// its `Retry-After`, as the provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    /// A request that may have been processed (a timeout, a 5xx, an answer that cannot be
    /// read) is never sent again: its chats are [`ChatOutcome::Failed`] with an error that
    /// [`may have been sent`](Error::may_have_been_sent). A failed request does not stop the
    /// ones after it.
    ///
    /// ```no_run
    /// # async fn run(provider: whatsapp_connector::botmaker::BotmakerProvider)
    /// # -> Result<(), whatsapp_connector::Error> {
    /// use whatsapp_connector::botmaker::{ChatOutcome, ChatRef, TriggerIntentRequest};
    ///
    /// let requests: Vec<_> = ["5491122223333", "5491144445555"]
    ///     .into_iter()
    ///     .map(|contact| {
    ///         let chat = ChatRef::Contact {
    ///             channel_id: "acme-whatsapp-5491100000000".into(),
    ///             contact_id: contact.into(),
    ///         };
    ///         TriggerIntentRequest::new(chat, "pedido_listo").with_variable("pedido", "A-17")
    ///     })
    ///     .collect();
    /// let report = provider.trigger_intent_bulk(&requests).await?;
    /// for r in report.failed() {
    ///     eprintln!("{:?}: {:?}", r.chat, r.outcome);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// Only for problems found before any request; what happens to each chat afterwards is in
    /// the report.
    ///
    /// - [`Error::Invalid`] (field `chat` or `intentIdOrName`, the reason naming the item's
    ///   index) for an empty intent, or a chat with an empty id, white space, or a contact id
    ///   starting with `+` (Botmaker's contact ids are digits: a `+` addresses another,
    ///   empty chat); through v1, also a chat given by Botmaker chat id.
    /// - [`Error::Unsupported`] through v1 for tags or a following intent, which v1 does not
    ///   take.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    pub async fn trigger_intent_bulk(
        &self,
        requests: &[TriggerIntentRequest],
    ) -> Result<BulkReport, Error> {
        for (i, r) in requests.iter().enumerate() {
            validate_item(i, r, self.version)?;
        }
        if self.client.access_token.is_none() {
            return Err(Error::Config(crate::error::ConfigError::new(
                "access_token",
                "is not configured; calling Botmaker's API needs it",
            )));
        }
        let mut report = BulkReport::default();
        match self.version {
            ApiVersion::V1 => {
                for r in requests {
                    let outcome = self.v1_intent(r).await;
                    report.requests += 1;
                    report.results.push(ChatResult {
                        chat: r.chat().clone(),
                        outcome,
                    });
                }
            }
            _ => {
                for chunk in requests.chunks(MAX_BATCH_ITEMS) {
                    let outcomes = self.v2_batch(chunk).await;
                    report.requests += 1;
                    report
                        .results
                        .extend(chunk.iter().zip(outcomes).map(|(r, outcome)| ChatResult {
                            chat: r.chat().clone(),
                            outcome,
                        }));
                }
            }
        }
        Ok(report)
    }

    /// One batch: each chat's outcome, in order.
    async fn v2_batch(&self, chunk: &[TriggerIntentRequest]) -> Vec<ChatOutcome> {
        let failed = |e: Error| {
            let e = Arc::new(e);
            vec![ChatOutcome::Failed(e); chunk.len()]
        };
        let url = match self
            .client
            .url(&["chats-actions", "batch", "trigger-intent"])
        {
            Ok(u) => u,
            Err(e) => return failed(e),
        };
        let body = Batch {
            items: chunk.iter().map(TriggerIntentRequest::wire).collect(),
        };
        tracing::debug!(chats = chunk.len(), "botmaker: batch trigger-intent");
        let answer = match self
            .client
            .call(http::Method::POST, &url, Some(&body), Effect::Sends)
            .await
        {
            Ok(a) => a,
            Err(e) => return failed(e),
        };
        let text = answer.text();
        match batch_items(&text, chunk.len()) {
            Ok(outcomes) => outcomes,
            Err(why) => failed(Error::MaybeSent(unconfirmed_send(
                &ProviderKind::BOTMAKER,
                url.as_str(),
                answer.status,
                why,
                &excerpt(text.trim(), 200),
            ))),
        }
    }

    /// One chat through v1's `/intent/v2`.
    async fn v1_intent(&self, r: &TriggerIntentRequest) -> ChatOutcome {
        let ChatRef::Contact {
            channel_id,
            contact_id,
        } = r.chat()
        else {
            // Refused by `validate_item` before any request.
            return ChatOutcome::Rejected {
                code: None,
                message: "the legacy v1 API needs a channel and a contact".into(),
            };
        };
        let body = wire::V1Send {
            chat_platform: "whatsapp",
            chat_channel_number: v1_line(channel_id),
            platform_contact_id: contact_id.clone(),
            message_text: None,
            image_url: None,
            audio_url: None,
            file_url: None,
            rule_name_or_id: Some(r.intent().to_owned()),
            params: Some(r.variables().clone()),
            client_payload: r.webhook_payload().map(str::to_owned),
        };
        match self.client.post("/intent/v2", &body).await {
            Ok(receipt) => ChatOutcome::Accepted {
                id: Some(receipt.message_id),
            },
            Err(Error::Api(a)) if (400..500).contains(&a.status) && !a.is_retryable() => {
                ChatOutcome::Rejected {
                    code: a.code.clone(),
                    message: a.message.clone(),
                }
            }
            Err(e) => ChatOutcome::Failed(Arc::new(e)),
        }
    }
}

/// Checks one request of a bulk send, before any is sent.
fn validate_item(i: usize, r: &TriggerIntentRequest, version: ApiVersion) -> Result<(), Error> {
    let bad = |field: &'static str, reason: &str| {
        Error::Invalid(ValidationError::Invalid {
            field,
            reason: format!("item {i}: {reason}"),
        })
    };
    let blank = |s: &str| s.trim().is_empty();
    let spaced = |s: &str| s.chars().any(|c| c.is_whitespace() || c.is_control());
    if blank(r.intent()) {
        return Err(bad("intentIdOrName", "is empty"));
    }
    match r.chat() {
        ChatRef::Contact {
            channel_id,
            contact_id,
        } => {
            if blank(channel_id) || spaced(channel_id) {
                return Err(bad("chat", "the channel id is empty or holds white space"));
            }
            if blank(contact_id) || spaced(contact_id) {
                return Err(bad("chat", "the contact id is empty or holds white space"));
            }
            if contact_id.starts_with('+') {
                return Err(bad(
                    "chat",
                    "the contact id starts with '+': give the number's digits only, as a '+' addresses another, empty chat",
                ));
            }
        }
        ChatRef::Chat { chat_id } => {
            if blank(chat_id) || spaced(chat_id) {
                return Err(bad("chat", "the chat id is empty or holds white space"));
            }
            if version == ApiVersion::V1 {
                return Err(bad(
                    "chat",
                    "the legacy v1 API addresses chats by channel and contact, not by chat id",
                ));
            }
        }
    }
    if version == ApiVersion::V1 && (!r.tags().is_empty() || r.next_intent().is_some()) {
        return Err(Error::Unsupported {
            provider: ProviderKind::BOTMAKER,
            what: "tags or a following intent through the legacy v1 API",
        });
    }
    Ok(())
}

/// Each chat's outcome from a batch answer (`{"items": [RequestIdResponse | ErrorResponse]}`),
/// or why it cannot be read: then which chats were taken is unknown.
fn batch_items(body: &str, expected: usize) -> Result<Vec<ChatOutcome>, &'static str> {
    let v: Value = serde_json::from_str(body).map_err(|_| "the body is not JSON")?;
    let items = v
        .get("items")
        .and_then(Value::as_array)
        .ok_or("the body has no items")?;
    if items.len() != expected {
        return Err("the body has not one item a chat");
    }
    Ok(items.iter().map(item_outcome).collect())
}

fn item_outcome(item: &Value) -> ChatOutcome {
    let errors = item.get("errors").and_then(Value::as_array);
    if let Some(errors) = errors.filter(|e| !e.is_empty()) {
        let text = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
        let code = errors.first().and_then(|e| text(e, "type"));
        let message = errors
            .iter()
            .filter_map(|e| match (text(e, "source"), text(e, "message")) {
                (Some(s), Some(m)) => Some(format!("{s}: {m}")),
                (s, m) => m.or(s),
            })
            .collect::<Vec<_>>()
            .join("; ");
        return ChatOutcome::Rejected { code, message };
    }
    let id = ["webhookNotificationId", "requestId"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str))
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned);
    ChatOutcome::Accepted { id }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(chat: ChatRef) -> TriggerIntentRequest {
        TriggerIntentRequest::new(chat, "pedido_listo")
    }

    fn contact(c: &str) -> ChatRef {
        ChatRef::Contact {
            channel_id: "acme-whatsapp-5491100000000".into(),
            contact_id: c.into(),
        }
    }

    #[test]
    fn items_are_checked() {
        let field = |r: &TriggerIntentRequest, v| match validate_item(3, r, v) {
            Err(Error::Invalid(ValidationError::Invalid { field, reason })) => {
                assert!(reason.starts_with("item 3: "), "{reason}");
                field
            }
            other => panic!("{other:?}"),
        };
        validate_item(0, &req(contact("5491122223333")), ApiVersion::V2).unwrap();
        assert_eq!(
            field(&req(contact("+5491122223333")), ApiVersion::V2),
            "chat"
        );
        assert_eq!(field(&req(contact("")), ApiVersion::V2), "chat");
        assert_eq!(field(&req(contact("549 11")), ApiVersion::V2), "chat");
        assert_eq!(field(&req(ChatRef::chat_id(" ")), ApiVersion::V2), "chat");
        assert_eq!(
            field(&req(ChatRef::chat_id("KD83")), ApiVersion::V1),
            "chat"
        );
        let no_intent = TriggerIntentRequest::new(contact("54911"), " ");
        assert_eq!(field(&no_intent, ApiVersion::V2), "intentIdOrName");
        let tagged = req(contact("54911")).with_tag("vip", true);
        assert!(matches!(
            validate_item(0, &tagged, ApiVersion::V1),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn answers_are_read_item_by_item() {
        let out = batch_items(
            r#"{"items": [{"webhookNotificationId": "WN1"}, {"errors": [{"type": "VALIDATION", "source": "chat", "message": "unknown contact"}]}, {}]}"#,
            3,
        )
        .unwrap();
        assert!(matches!(&out[0], ChatOutcome::Accepted { id: Some(id) } if id == "WN1"));
        assert!(
            matches!(&out[1], ChatOutcome::Rejected { code: Some(c), message }
            if c == "VALIDATION" && message == "chat: unknown contact")
        );
        assert!(matches!(&out[2], ChatOutcome::Accepted { id: None }));
        assert!(batch_items(r#"{"items": [{}]}"#, 2).is_err());
        assert!(batch_items("<html>", 1).is_err());
        assert!(batch_items("{}", 1).is_err());
    }
}
