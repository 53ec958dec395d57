//! Builders for correctly signed test webhooks, as Twilio and Botmaker send them.

#[cfg(feature = "botmaker")]
use serde_json::{Map, Value, json};

#[cfg(any(feature = "twilio", feature = "botmaker"))]
use crate::address::PhoneNumber;
#[cfg(any(feature = "twilio", feature = "botmaker"))]
use crate::event::DeliveryStatus;
use crate::provider::WebhookRequest;

#[cfg(feature = "twilio")]
fn random_hex32() -> String {
    format!("{:032x}", fastrand::u128(..))
}

#[cfg(feature = "botmaker")]
fn random_upper(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(ALPHABET[fastrand::usize(..ALPHABET.len())]))
        .collect()
}

#[cfg(feature = "botmaker")]
fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A Twilio webhook: form parameters in the order Twilio sends them, signed on request.
///
/// ```
/// use whatsapp_connector::testing::TwilioWebhook;
/// use whatsapp_connector::{PhoneNumber, WhatsAppProvider};
/// use whatsapp_connector::twilio::TwilioProvider;
///
/// let user = PhoneNumber::parse("+14155550100").unwrap();
/// let bot = PhoneNumber::parse("+14155238886").unwrap();
/// let token = "00112233445566778899aabbccddeeff";
/// let request = TwilioWebhook::inbound_text("AC0123456789abcdef0123456789abcdef", &user, &bot, "hola")
///     .request("https://bot.example.com/twilio", token);
///
/// let provider = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
///     .auth_token(token)
///     .from("whatsapp:+14155238886")
///     .build()
///     .unwrap();
/// provider.verify(&request).unwrap();
/// let events = provider.parse(&request).unwrap();
/// assert_eq!(events[0].as_message().unwrap().text(), Some("hola"));
/// ```
#[cfg(feature = "twilio")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioWebhook {
    params: Vec<(String, String)>,
}

#[cfg(feature = "twilio")]
impl TwilioWebhook {
    fn inbound(
        account_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        message_type: &str,
        body: &str,
    ) -> Self {
        let sid = format!("SM{}", random_hex32());
        let (to, from_address) = (to.whatsapp(), from.whatsapp());
        let params = [
            ("SmsMessageSid", sid.as_str()),
            ("NumMedia", "0"),
            ("ProfileName", "Test User"),
            ("MessageType", message_type),
            ("SmsSid", sid.as_str()),
            ("WaId", from.digits()),
            ("SmsStatus", "received"),
            ("Body", body),
            ("To", to.as_str()),
            ("NumSegments", "1"),
            ("ReferralNumMedia", "0"),
            ("MessageSid", sid.as_str()),
            ("AccountSid", account_sid),
            ("From", from_address.as_str()),
            ("ApiVersion", "2010-04-01"),
        ];
        TwilioWebhook {
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// A text message from `from` (the user) to `to` (the business number).
    pub fn inbound_text(
        account_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        body: &str,
    ) -> Self {
        Self::inbound(account_sid, from, to, "text", body)
    }

    /// A media message with a caption (which Twilio puts in `Body`).
    pub fn inbound_media(
        account_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        media_url: &str,
        content_type: &str,
        caption: &str,
    ) -> Self {
        let kind = content_type.split('/').next().unwrap_or("document");
        let mut w = Self::inbound(account_sid, from, to, kind, caption);
        w.set("NumMedia", "1");
        w.set("MediaUrl0", media_url);
        w.set("MediaContentType0", content_type);
        w
    }

    /// A shared location.
    pub fn inbound_location(
        account_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        latitude: f64,
        longitude: f64,
        label: Option<&str>,
    ) -> Self {
        let mut w = Self::inbound(account_sid, from, to, "location", "");
        w.set("Latitude", &latitude.to_string());
        w.set("Longitude", &longitude.to_string());
        if let Some(l) = label {
            w.set("Label", l);
        }
        w
    }

    /// A shared contact card: Twilio delivers it as a vCard media item.
    pub fn inbound_contact_card(
        account_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        vcard_url: &str,
    ) -> Self {
        Self::inbound_media(account_sid, from, to, vcard_url, "text/vcard", "")
            .with("MessageType", "contacts")
    }

    /// A tapped quick-reply button.
    pub fn inbound_button(
        account_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        text: &str,
        payload: &str,
    ) -> Self {
        let mut w = Self::inbound(account_sid, from, to, "button", text);
        w.set("ButtonText", text);
        w.set("ButtonPayload", payload);
        w
    }

    /// A status callback for `message_sid`, sent by the business number `from` to the user
    /// `to`; `error` is `(code, message)` for failures.
    pub fn status(
        account_sid: &str,
        message_sid: &str,
        from: &PhoneNumber,
        to: &PhoneNumber,
        status: &DeliveryStatus,
        error: Option<(&str, &str)>,
    ) -> Self {
        let mut w = TwilioWebhook { params: Vec::new() };
        w.set("ChannelPrefix", "whatsapp");
        w.set("ApiVersion", "2010-04-01");
        w.set("MessageStatus", status.as_str());
        w.set("SmsSid", message_sid);
        w.set("SmsStatus", status.as_str());
        w.set("To", &to.whatsapp());
        w.set("From", &from.whatsapp());
        w.set("MessageSid", message_sid);
        w.set("AccountSid", account_sid);
        if *status == DeliveryStatus::Read {
            w.set("EventType", "READ");
        }
        if let Some((code, message)) = error {
            w.set("ErrorCode", code);
            w.set("ChannelStatusMessage", message);
        }
        w
    }

    /// Sets a parameter (replacing it if present).
    pub fn set(&mut self, name: &str, value: &str) {
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some(p) => p.1 = value.to_owned(),
            None => self.params.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Adds or replaces a parameter.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.set(name, value);
        self
    }

    /// The parameters, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// The value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The form-encoded body.
    pub fn body(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.params)
            .finish()
    }

    /// The `X-Twilio-Signature` for a POST to `url` with `auth_token`.
    pub fn signature(&self, url: &str, auth_token: &str) -> String {
        crate::twilio::signature::sign(auth_token, url, &self.params)
    }

    /// The whole signed request, as Twilio would POST it to `url`.
    pub fn request(&self, url: &str, auth_token: &str) -> WebhookRequest {
        WebhookRequest::new(url, self.body())
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header("x-twilio-signature", &self.signature(url, auth_token))
            .with_header("user-agent", "TwilioProxy/1.1")
    }
}

/// A Botmaker webhook body (JSON), sent with its token in `auth-bm-token`.
///
/// ```
/// use whatsapp_connector::testing::BotmakerWebhook;
/// use whatsapp_connector::{PhoneNumber, WhatsAppProvider};
/// use whatsapp_connector::botmaker::BotmakerProvider;
///
/// let user = PhoneNumber::parse("+5491155550123").unwrap();
/// let line = PhoneNumber::parse("+5491155550100").unwrap();
/// let request = BotmakerWebhook::inbound_text(&user, &line, "hola")
///     .request("https://bot.example.com/botmaker", "webhook-token-1");
///
/// let provider = BotmakerProvider::builder()
///     .access_token("api-token")
///     .channel_id("acme-whatsapp-5491155550100")
///     .webhook_token("webhook-token-1")
///     .build()
///     .unwrap();
/// provider.verify(&request).unwrap();
/// let events = provider.parse(&request).unwrap();
/// assert_eq!(events[0].as_message().unwrap().text(), Some("hola"));
/// ```
#[cfg(feature = "botmaker")]
#[derive(Debug, Clone, PartialEq)]
pub struct BotmakerWebhook {
    json: Value,
}

#[cfg(feature = "botmaker")]
impl BotmakerWebhook {
    fn inbound(from: &PhoneNumber, line: &PhoneNumber) -> Map<String, Value> {
        let now = now_rfc3339();
        let customer = chat_id_for(from);
        json!({
            "date": now,
            "chatPlatform": "whatsapp",
            "contactId": from.digits(),
            "_id_": random_upper(20),
            "sessionId": format!("{customer}_{now}"),
            "sessionCreationTime": now,
            "fromName": "Test User",
            "customerId": customer,
            "from": "user",
            "operatorId": null,
            "fromCustomer": true,
            "queue": "_default_",
            "WHATSAPP_NUMBER": line.digits(),
        })
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    /// A text message from the user `from` to the business line `line` (Format A).
    pub fn inbound_text(from: &PhoneNumber, line: &PhoneNumber, text: &str) -> Self {
        let mut m = Self::inbound(from, line);
        m.insert("message".into(), text.into());
        BotmakerWebhook {
            json: Value::Object(m),
        }
    }

    /// An image with a caption.
    pub fn inbound_image(from: &PhoneNumber, line: &PhoneNumber, url: &str, caption: &str) -> Self {
        let mut m = Self::inbound(from, line);
        m.insert("hasAttachment".into(), true.into());
        m.insert("image".into(), url.into());
        m.insert("caption".into(), caption.into());
        BotmakerWebhook {
            json: Value::Object(m),
        }
    }

    /// A shared location.
    pub fn inbound_location(
        from: &PhoneNumber,
        line: &PhoneNumber,
        latitude: f64,
        longitude: f64,
        name: &str,
    ) -> Self {
        let mut m = Self::inbound(from, line);
        m.insert(
            "location".into(),
            json!({"latitude": latitude, "longitude": longitude, "name": name, "address": ""}),
        );
        BotmakerWebhook {
            json: Value::Object(m),
        }
    }

    /// Shared contact cards, in WhatsApp's contact format.
    pub fn inbound_contacts(
        from: &PhoneNumber,
        line: &PhoneNumber,
        contacts: &[crate::Contact],
    ) -> Self {
        let mut m = Self::inbound(from, line);
        let cards: Vec<Value> = contacts
            .iter()
            .map(|c| {
                json!({
                    "name": {"formatted_name": c.name.clone().unwrap_or_default()},
                    "phones": c.phones.iter().map(|p| json!({"phone": p})).collect::<Vec<_>>(),
                    "emails": c.emails.iter().map(|e| json!({"email": e})).collect::<Vec<_>>(),
                })
            })
            .collect();
        m.insert("contacts".into(), Value::Array(cards));
        BotmakerWebhook {
            json: Value::Object(m),
        }
    }

    /// A tapped button.
    pub fn inbound_button(from: &PhoneNumber, line: &PhoneNumber, text: &str) -> Self {
        let mut m = Self::inbound(from, line);
        m.insert("message".into(), text.into());
        m.insert("isButton".into(), true.into());
        m.insert("buttonName".into(), text.into());
        BotmakerWebhook {
            json: Value::Object(m),
        }
    }

    /// A status snapshot of the chat with `contact` on `channel` (line `business`), whose
    /// last message is the bot's `message_id` with `text`.
    pub fn status_snapshot(
        channel: &str,
        business: &str,
        contact: &str,
        status: DeliveryStatus,
        message_id: &str,
        text: &str,
    ) -> Self {
        let now = now_rfc3339();
        let chat = PhoneNumber::parse(contact)
            .map(|p| chat_id_for(&p))
            .unwrap_or_else(|_| random_upper(20));
        let read = if status == DeliveryStatus::Read {
            now.clone()
        } else {
            String::new()
        };
        BotmakerWebhook {
            json: json!({
                "_id_": chat,
                "STATUS": status.as_str(),
                "STATUS_CHANGE_TIME": now,
                "USER_LAST_MSG_RECEIVED": now,
                "USER_LAST_MSG_READ": read,
                "CHAT_PLATFORM_ID": "whatsapp",
                "chatChannelId": channel,
                "WHATSAPP_NUMBER": business,
                "PLATFORM_CONTACT_ID": contact,
                "LAST_MESSAGE": {
                    "_id_": message_id,
                    "date": now,
                    "chatPlatform": "whatsapp",
                    "contactId": contact,
                    "customerId": chat,
                    "message": text,
                    "fromName": "Bot",
                    "from": "bot",
                    "operatorId": null,
                },
            }),
        }
    }

    /// The JSON body.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// Sets a top-level field.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        if let Value::Object(m) = &mut self.json {
            m.insert(key.to_owned(), value);
        }
        self
    }

    /// The whole request as Botmaker would POST it to `url` with `token`.
    pub fn request(&self, url: &str, token: &str) -> WebhookRequest {
        WebhookRequest::new(url, self.json.to_string())
            .with_header("content-type", "application/json")
            .with_header(crate::botmaker::auth::TOKEN_HEADER, token)
    }
}

/// A stable 20-character chat id for a contact, as Botmaker's are shaped.
#[cfg(feature = "botmaker")]
fn chat_id_for(contact: &PhoneNumber) -> String {
    format!("CHAT{:0>16}", contact.digits())
        .chars()
        .take(20)
        .collect()
}

/// POSTs a webhook request to its URL, as the provider would; returns the answer's status.
///
/// # Errors
///
/// The HTTP client's error when the request cannot be sent or no answer comes (connection refused,
/// a timeout). Any answer, whatever its status, is `Ok`.
pub async fn post(http: &reqwest::Client, request: &WebhookRequest) -> reqwest::Result<u16> {
    let response = http
        .request(request.method().clone(), request.url())
        .headers(request.headers().clone())
        .body(request.body().clone())
        .send()
        .await?;
    Ok(response.status().as_u16())
}

/// POSTs a signed Twilio webhook with `params` to `url`.
#[cfg(all(feature = "testing-fakes", feature = "twilio"))]
pub(crate) async fn post_twilio(
    http: &reqwest::Client,
    url: &str,
    auth_token: &str,
    params: &[(String, String)],
) -> reqwest::Result<u16> {
    let hook = TwilioWebhook {
        params: params.to_vec(),
    };
    post(http, &hook.request(url, auth_token)).await
}
