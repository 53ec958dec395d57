//! A builder for correctly signed test webhooks, as Meta's WhatsApp Cloud API sends them.

use serde_json::{Value, json};

use crate::address::{PhoneNumber, WhatsAppAddress};
use crate::event::DeliveryStatus;
use crate::meta::SIGNATURE_HEADER;
use crate::meta::signature::sign;
use crate::provider::WebhookRequest;

/// A Meta webhook for one business phone number: a `messages` change holding the messages
/// and statuses added to it, signed with the app secret on request.
///
/// ```
/// use whatsapp_connector::meta::MetaProvider;
/// use whatsapp_connector::testing::MetaWebhook;
/// use whatsapp_connector::{PhoneNumber, WhatsAppProvider};
///
/// let user = PhoneNumber::parse("+5491122223333").unwrap();
/// let business = PhoneNumber::parse("+15550001111").unwrap();
/// let request = MetaWebhook::new("100200300400500", &business)
///     .text(&user, "hola")
///     .request("https://bot.example.com/meta", "an-app-secret");
///
/// let provider = MetaProvider::builder().app_secret("an-app-secret").build().unwrap();
/// provider.verify(&request).unwrap();
/// let events = provider.parse(&request).unwrap();
/// assert_eq!(events[0].as_message().unwrap().text(), Some("hola"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MetaWebhook {
    account_id: String,
    phone_number_id: String,
    display_phone_number: String,
    contacts: Vec<Value>,
    messages: Vec<Value>,
    statuses: Vec<Value>,
}

/// A message id shaped like Meta's (`wamid.` and base64).
fn random_wamid() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let tail: String = (0..40)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect();
    format!("wamid.{tail}")
}

fn now_secs() -> String {
    time::OffsetDateTime::now_utc().unix_timestamp().to_string()
}

impl MetaWebhook {
    /// An empty webhook for the business phone number `phone_number_id`, displayed as
    /// `business`.
    pub fn new(phone_number_id: &str, business: &PhoneNumber) -> Self {
        MetaWebhook {
            account_id: "900000000000001".to_owned(),
            phone_number_id: phone_number_id.to_owned(),
            display_phone_number: business.digits().to_owned(),
            contacts: Vec::new(),
            messages: Vec::new(),
            statuses: Vec::new(),
        }
    }

    /// Sets the WhatsApp Business Account id of the entry.
    pub fn account_id(mut self, id: &str) -> Self {
        self.account_id = id.to_owned();
        self
    }

    /// Adds a message from `from` (named "Test User") of `kind`, with `object` as its
    /// `kind` object (`{"body": "hola"}` for `text`). Returns the builder; the message id
    /// is random (read it back with [`MetaWebhook::json`]).
    pub fn message(mut self, from: &PhoneNumber, kind: &str, object: Value) -> Self {
        let wa_id = from.digits();
        if !self.contacts.iter().any(|c| c["wa_id"] == wa_id) {
            self.contacts
                .push(json!({"profile": {"name": "Test User"}, "wa_id": wa_id}));
        }
        self.messages.push(json!({
            "from": wa_id,
            "id": random_wamid(),
            "timestamp": now_secs(),
            "type": kind,
            kind: object,
        }));
        self
    }

    /// Adds a text message.
    pub fn text(self, from: &PhoneNumber, text: &str) -> Self {
        self.message(from, "text", json!({"body": text}))
    }

    /// Adds an image by media id, with a caption.
    pub fn image(self, from: &PhoneNumber, media_id: &str, mime_type: &str, caption: &str) -> Self {
        self.message(
            from,
            "image",
            json!({"id": media_id, "mime_type": mime_type,
                   "sha256": "dGVzdC1tZWRpYS1zaGEyNTY=", "caption": caption}),
        )
    }

    /// Adds a shared location.
    pub fn location(self, from: &PhoneNumber, latitude: f64, longitude: f64, name: &str) -> Self {
        self.message(
            from,
            "location",
            json!({"latitude": latitude, "longitude": longitude, "name": name, "address": ""}),
        )
    }

    /// Adds the press of a reply button (`interactive` `button_reply`).
    pub fn button_reply(self, from: &PhoneNumber, id: &str, title: &str) -> Self {
        self.message(
            from,
            "interactive",
            json!({"type": "button_reply", "button_reply": {"id": id, "title": title}}),
        )
    }

    /// Adds a reaction to `message_id` (`None` removes it).
    pub fn reaction(self, from: &PhoneNumber, message_id: &str, emoji: Option<&str>) -> Self {
        let mut object = json!({"message_id": message_id});
        if let Some(e) = emoji {
            object["emoji"] = e.into();
        }
        self.message(from, "reaction", object)
    }

    /// Adds a delivery status of the business's message `message_id` to `recipient`.
    pub fn status(
        mut self,
        message_id: &str,
        recipient: &WhatsAppAddress,
        status: DeliveryStatus,
    ) -> Self {
        let mut s = json!({
            "id": message_id,
            "status": status.as_str(),
            "timestamp": now_secs(),
            "recipient_id": recipient.wa_id(),
        });
        if status == DeliveryStatus::Failed {
            s["errors"] = json!([{"code": 131026, "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "The recipient cannot receive this message."}}]);
        }
        self.statuses.push(s);
        self
    }

    /// The JSON body.
    pub fn json(&self) -> Value {
        let mut value = json!({
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone_number,
                "phone_number_id": self.phone_number_id,
            },
        });
        if !self.messages.is_empty() {
            value["contacts"] = Value::Array(self.contacts.clone());
            value["messages"] = Value::Array(self.messages.clone());
        }
        if !self.statuses.is_empty() {
            value["statuses"] = Value::Array(self.statuses.clone());
        }
        json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": self.account_id, "changes": [{"value": value, "field": "messages"}]}],
        })
    }

    /// The body as Meta sends it.
    pub fn body(&self) -> String {
        self.json().to_string()
    }

    /// The whole request as Meta would POST it to `url`, signed with `app_secret`.
    pub fn request(&self, url: &str, app_secret: &str) -> WebhookRequest {
        signed_request(url, self.body(), app_secret)
    }

    /// Meta's verification request (a `GET`) for `url` with `verify_token` and `challenge`.
    pub fn handshake_request(url: &str, verify_token: &str, challenge: &str) -> WebhookRequest {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "subscribe")
            .append_pair("hub.challenge", challenge)
            .append_pair("hub.verify_token", verify_token)
            .finish();
        let sep = if url.contains('?') { '&' } else { '?' };
        WebhookRequest::new(format!("{url}{sep}{query}"), "").with_method(http::Method::GET)
    }
}

/// `body` as a Meta webhook POST to `url`, signed with `app_secret`.
pub(crate) fn signed_request(url: &str, body: String, app_secret: &str) -> WebhookRequest {
    let signature = sign(app_secret, body.as_bytes());
    WebhookRequest::new(url, body)
        .with_header("content-type", "application/json")
        .with_header(SIGNATURE_HEADER, &signature)
}
