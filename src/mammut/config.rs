//! A bot's config ([`BotConfig`]): its validation, the requests that create and update its
//! vertex, and the Twilio provider built from it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{MACHINE, USER_COLLECTION_PATH, fields};
use crate::address::PhoneNumber;
use crate::address::WhatsAppAddress;
use crate::error::ConfigError;
use crate::links::encode_component;
use crate::secret::Secret;
use crate::twilio::{Sender, TwilioBuilder, TwilioProvider, is_sid};

/// A bot's WhatsApp-through-Twilio settings: the fields of its Mammut `user` vertex.
///
/// It is built only through validation ([`BotConfig::new`], [`BotConfig::from_json`] or
/// serde), so a value always holds a well-formed account SID, auth token and number. Other
/// fields of the vertex (`locale`, other channels' fields, …) are kept as given. `Debug`
/// never shows the auth token, nor the values of the other fields (they can hold other
/// channels' tokens).
#[derive(Clone, PartialEq)]
pub struct BotConfig {
    name: Option<String>,
    twilio_account_sid: String,
    twilio_auth_token: Secret,
    main_whatsapp_phone_number: PhoneNumber,
    mammut_id: Option<u64>,
    extra: Map<String, Value>,
}

impl BotConfig {
    /// A config from its three required values. The number may be `whatsapp:+E164` or bare
    /// `+E164`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] whose `field` is the key the value is stored under:
    ///
    /// - `twilio-account-sid` when the SID is not `AC` followed by 32 hexadecimal digits;
    /// - `twilio-auth-token` when the token is not 32 hexadecimal digits;
    /// - `main-whatsapp-phone-number` when the number is not an E.164 number starting with `+`
    ///   (with or without `whatsapp:`).
    pub fn new(
        twilio_account_sid: &str,
        twilio_auth_token: impl Into<Secret>,
        main_whatsapp_phone_number: &str,
    ) -> Result<Self, ConfigError> {
        let token = twilio_auth_token.into();
        check_account_sid(twilio_account_sid)?;
        check_auth_token(&token)?;
        Ok(BotConfig {
            name: None,
            twilio_account_sid: twilio_account_sid.to_owned(),
            twilio_auth_token: token,
            main_whatsapp_phone_number: parse_number(main_whatsapp_phone_number)?,
            mammut_id: None,
            extra: Map::new(),
        })
    }

    /// Sets the bot's name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the id of the bot's vertex.
    pub fn with_mammut_id(mut self, id: u64) -> Self {
        self.mammut_id = Some(id);
        self
    }

    /// Parses and validates a config from JSON. An error names the field.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with the field `config` when the bytes are not valid JSON; otherwise the
    /// errors of [`from_value`](Self::from_value).
    pub fn from_json(json: &[u8]) -> Result<Self, ConfigError> {
        let value: Value = serde_json::from_slice(json)
            .map_err(|e| ConfigError::new("config", format!("not valid JSON: {e}")))?;
        Self::from_value(value)
    }

    /// Validates a config given as a JSON value. An error names the field.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] whose `field` is the key at fault:
    ///
    /// - `config` when the value is not a JSON object;
    /// - `user-type` when it is present and not `"machine"`;
    /// - `twilio-account-sid`, `twilio-auth-token` or `main-whatsapp-phone-number` when it is
    ///   missing, not a string, or not a valid value (as [`BotConfig::new`] checks them);
    /// - `name` when it is empty or not a string;
    /// - `mammut-id` when it is not a whole number of 0 or more;
    /// - `slack-bot-token` when it is a plain string (the Twilio auth token belongs in
    ///   `twilio-auth-token`).
    pub fn from_value(value: Value) -> Result<Self, ConfigError> {
        let Value::Object(mut map) = value else {
            return Err(ConfigError::new(
                "config",
                format!(
                    "must be a JSON object, got {}",
                    crate::error::json_kind(&value)
                ),
            ));
        };
        match map.remove(fields::USER_TYPE) {
            None => {}
            Some(Value::String(s)) if s == MACHINE => {}
            Some(Value::String(s)) => {
                return Err(ConfigError::new(
                    fields::USER_TYPE,
                    format!("must be \"machine\" for a bot, got {s:?}"),
                ));
            }
            Some(other) => return Err(wrong_type(fields::USER_TYPE, &other)),
        }
        let name = match map.remove(fields::NAME) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                return Err(ConfigError::new(fields::NAME, "is empty"));
            }
            Some(Value::String(s)) => Some(s),
            Some(other) => return Err(wrong_type(fields::NAME, &other)),
        };
        let sid = take_string(&mut map, fields::TWILIO_ACCOUNT_SID)?;
        check_account_sid(&sid)?;
        let token = match map.remove(fields::TWILIO_AUTH_TOKEN) {
            Some(Value::String(s)) => Secret::new(s),
            Some(other) => return Err(wrong_type(fields::TWILIO_AUTH_TOKEN, &other)),
            None if map.contains_key(fields::SLACK_BOT_TOKEN) => {
                return Err(ConfigError::new(
                    fields::TWILIO_AUTH_TOKEN,
                    "is missing; the config has slack-bot-token instead, which is the Slack \
                     channel's field (an erratum of Mammut's WhatsApp page): put the Twilio \
                     auth token in twilio-auth-token",
                ));
            }
            None => return Err(ConfigError::new(fields::TWILIO_AUTH_TOKEN, "is missing")),
        };
        check_auth_token(&token)?;
        let number = take_string(&mut map, fields::MAIN_WHATSAPP_PHONE_NUMBER)?;
        let number = parse_number(&number)?;
        let mammut_id = match map.remove(fields::MAMMUT_ID) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_u64().ok_or_else(|| {
                ConfigError::new(fields::MAMMUT_ID, "must be a whole number of 0 or more")
            })?),
            Some(Value::String(s)) => Some(s.trim().parse().map_err(|_| {
                ConfigError::new(fields::MAMMUT_ID, "must be a whole number of 0 or more")
            })?),
            Some(other) => return Err(wrong_type(fields::MAMMUT_ID, &other)),
        };
        if let Some(Value::String(_)) = map.get(fields::SLACK_BOT_TOKEN) {
            return Err(ConfigError::new(
                fields::SLACK_BOT_TOKEN,
                "is a plain string; it is the Slack channel's field (an array of \
                 \"(workspace, token)\" tuples), and the Twilio auth token goes in \
                 twilio-auth-token",
            ));
        }
        Ok(BotConfig {
            name,
            twilio_account_sid: sid,
            twilio_auth_token: token,
            main_whatsapp_phone_number: number,
            mammut_id,
            extra: map,
        })
    }

    /// The bot's name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The Twilio Account SID (`AC…`).
    pub fn twilio_account_sid(&self) -> &str {
        &self.twilio_account_sid
    }

    /// The Twilio auth token.
    pub fn twilio_auth_token(&self) -> &Secret {
        &self.twilio_auth_token
    }

    /// The bot's WhatsApp number.
    pub fn phone_number(&self) -> &PhoneNumber {
        &self.main_whatsapp_phone_number
    }

    /// The bot's WhatsApp number as Mammut stores it and Twilio sends it in `To`:
    /// `whatsapp:+14155238886`.
    pub fn whatsapp_number(&self) -> String {
        self.main_whatsapp_phone_number.whatsapp()
    }

    /// The id of the bot's vertex, if the config carries one.
    pub fn mammut_id(&self) -> Option<u64> {
        self.mammut_id
    }

    /// The other fields of the vertex, as given.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// The canonical create body: `user-type` (`machine`), `name`, the three Twilio fields
    /// (the number as `whatsapp:+E164`) and every other field as given, keys in byte order.
    /// It holds the auth token: send it, do not log it.
    pub fn to_create_body(&self) -> Value {
        let mut body = Map::new();
        body.insert(fields::USER_TYPE.into(), MACHINE.into());
        if let Some(n) = &self.name {
            body.insert(fields::NAME.into(), n.clone().into());
        }
        for (k, v) in self.twilio_fields() {
            body.insert(k.into(), v.into());
        }
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }

    fn twilio_fields(&self) -> [(&'static str, String); 3] {
        [
            (fields::TWILIO_ACCOUNT_SID, self.twilio_account_sid.clone()),
            (
                fields::TWILIO_AUTH_TOKEN,
                self.twilio_auth_token.expose().to_owned(),
            ),
            (fields::MAIN_WHATSAPP_PHONE_NUMBER, self.whatsapp_number()),
        ]
    }

    /// The request that creates the bot: `POST {base}/app:mammut-1/graph/user` with the
    /// canonical body.
    pub fn create_request(&self, base_url: &str) -> MammutRequest {
        MammutRequest {
            method: http::Method::POST,
            url: format!("{}{}", base_url.trim_end_matches('/'), USER_COLLECTION_PATH),
            path_and_query: USER_COLLECTION_PATH.to_owned(),
            body: self.to_create_body(),
        }
    }

    /// The query string of an update: `name` (when set) and the three Twilio fields, then
    /// the other fields in key order, each value percent-encoded (strings as they are, other
    /// JSON values as compact JSON).
    ///
    /// The number goes under `main-whatsapp-phone-number`, never `main-phone-number` (the
    /// SMS field the Mammut page's example mistakenly uses).
    pub fn update_query(&self, style: QueryValueStyle) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(n) = &self.name {
            pairs.push((fields::NAME.into(), n.clone()));
        }
        for (k, v) in self.twilio_fields() {
            pairs.push((k.into(), v));
        }
        for (k, v) in &self.extra {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            pairs.push((k.clone(), text));
        }
        pairs
            .iter()
            .map(|(k, v)| {
                let v = match style {
                    QueryValueStyle::Plain => v.clone(),
                    QueryValueStyle::JsonQuoted => Value::String(v.clone()).to_string(),
                };
                format!("{}={}", encode_component(k), encode_component(&v))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The request that updates the bot's vertex `id`: `POST
    /// {base}/app:mammut-1/graph/user:<id>?<fields>` with an empty JSON object as body (as
    /// Mammut's own clients send it).
    pub fn update_request(&self, id: u64, base_url: &str, style: QueryValueStyle) -> MammutRequest {
        let path_and_query = format!("{USER_COLLECTION_PATH}:{id}?{}", self.update_query(style));
        MammutRequest {
            method: http::Method::POST,
            url: format!("{}{}", base_url.trim_end_matches('/'), path_and_query),
            path_and_query,
            body: Value::Object(Map::new()),
        }
    }
}

impl fmt::Debug for BotConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotConfig")
            .field("name", &self.name)
            .field("twilio_account_sid", &self.twilio_account_sid)
            .field("twilio_auth_token", &self.twilio_auth_token)
            .field(
                "main_whatsapp_phone_number",
                &self.main_whatsapp_phone_number,
            )
            .field("mammut_id", &self.mammut_id)
            .field("extra_fields", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Serialize for BotConfig {
    /// Serializes as the canonical create body, auth token included, plus `mammut-id` when
    /// set: what a store of bot configs needs to keep.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = self.to_create_body();
        if let (Some(id), Value::Object(map)) = (self.mammut_id, &mut body) {
            map.insert(fields::MAMMUT_ID.into(), id.into());
        }
        body.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for BotConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        BotConfig::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// How update query values are written. Mammut's docs are unclear: its own Go client sends
/// plain percent-encoded values, while some of its examples quote them as JSON strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryValueStyle {
    /// `twilio-account-sid=AC…` (what Mammut's own client sends).
    #[default]
    Plain,
    /// `twilio-account-sid=%22AC…%22` (the value as a JSON string).
    JsonQuoted,
}

/// A request to Mammut's graph API, ready to send with any HTTP client.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct MammutRequest {
    /// Always `POST`.
    pub method: http::Method,
    /// The full URL.
    pub url: String,
    /// The path and query alone.
    pub path_and_query: String,
    /// The JSON body (with `Content-Type: application/json`).
    pub body: Value,
}

impl fmt::Debug for MammutRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Both the body and the query can hold the auth token.
        f.debug_struct("MammutRequest")
            .field("method", &self.method)
            .field("path", &self.path_and_query.split('?').next().unwrap_or(""))
            .finish_non_exhaustive()
    }
}

fn wrong_type(field: &str, got: &Value) -> ConfigError {
    ConfigError::new(
        field,
        format!("must be a string, got {}", crate::error::json_kind(got)),
    )
}

fn take_string(map: &mut Map<String, Value>, field: &str) -> Result<String, ConfigError> {
    match map.remove(field) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(wrong_type(field, &other)),
        None => Err(ConfigError::new(field, "is missing")),
    }
}

fn check_account_sid(sid: &str) -> Result<(), ConfigError> {
    if is_sid(sid, "AC") {
        Ok(())
    } else {
        // An account SID is not a secret: its start may be shown.
        let got = if sid.is_empty() {
            "it is empty".to_owned()
        } else if !sid.starts_with("AC") {
            let start: String = sid.chars().take(2).collect();
            format!("it starts with {start:?}")
        } else if sid.len() != 34 {
            format!("got {} characters", sid.chars().count())
        } else {
            "it holds characters that are not hexadecimal digits".to_owned()
        };
        Err(ConfigError::new(
            fields::TWILIO_ACCOUNT_SID,
            format!("must be AC followed by 32 hexadecimal digits (34 characters); {got}"),
        ))
    }
}

fn check_auth_token(token: &Secret) -> Result<(), ConfigError> {
    let t = token.expose();
    if t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        // Only the length is reported: the value is a secret.
        Err(ConfigError::new(
            fields::TWILIO_AUTH_TOKEN,
            format!(
                "must be 32 hexadecimal digits, got {} characters",
                t.chars().count()
            ),
        ))
    }
}

fn parse_number(s: &str) -> Result<PhoneNumber, ConfigError> {
    PhoneNumber::parse_international(s).map_err(|e| {
        ConfigError::new(
            fields::MAIN_WHATSAPP_PHONE_NUMBER,
            format!("must be whatsapp:+<E.164 number>: {e}"),
        )
    })
}

/// Building a Twilio provider from a bot's config.
impl TwilioProvider {
    /// A builder preset from a Mammut bot's config: its account SID, auth token (for
    /// requests and webhooks) and WhatsApp number as the sender.
    ///
    /// A platform with many bots should give them all one HTTP client
    /// ([`TwilioBuilder::http_client`]; cloning a `reqwest::Client` shares its pool), since
    /// building a client per bot is slow.
    pub fn builder_from_bot_config(config: &BotConfig) -> TwilioBuilder {
        Self::builder(config.twilio_account_sid())
            .auth_token(config.twilio_auth_token().clone())
            .sender(Sender::From(WhatsAppAddress::Phone(
                config.phone_number().clone(),
            )))
    }

    /// A provider for a Mammut bot, with the default settings.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with the field `http_client` when the crate's HTTP client cannot be built
    /// (its TLS backend fails to start). The config's own values were checked when it was made.
    ///
    /// # Examples
    ///
    /// ```
    /// use whatsapp_connector::mammut::BotConfig;
    /// use whatsapp_connector::twilio::TwilioProvider;
    ///
    /// let config = BotConfig::new("AC0123456789abcdef0123456789abcdef",
    ///     "0123456789abcdef0123456789abcdef", "whatsapp:+14155238886").unwrap();
    /// let twilio = TwilioProvider::from_bot_config(&config).unwrap();
    /// assert_eq!(twilio.account_sid(), "AC0123456789abcdef0123456789abcdef");
    /// ```
    pub fn from_bot_config(config: &BotConfig) -> Result<Self, ConfigError> {
        Self::builder_from_bot_config(config).build()
    }
}
