//! The Mammut bot platform's side: a bot's WhatsApp-through-Twilio settings as Mammut stores
//! them on the bot's `user` vertex, the requests that create and update that vertex, the
//! `TaskResult` Mammut answers with, a client that sends them, and [`connect()`], which
//! connects a bot to its WhatsApp number end to end.
//!
//! # The Mammut channel page, and what this module corrects
//!
//! Mammut's Spanish "Canal Whatsapp" page documents these requests, but its examples were
//! copied from the SMS and Slack pages and carry their mistakes. The models here follow the
//! page's own field tables and Mammut's code instead:
//!
//! 1. The create example sends `"slack-bot-token": "AUTH_TOKEN"`. That is the Slack
//!    channel's field (an array of `"(workspace, token)"` tuples); the Twilio auth token goes
//!    in `twilio-auth-token`. A config with a plain-string `slack-bot-token` is rejected.
//! 2. The create example gives the number as `"+11234567890"`, without `whatsapp:`. The
//!    field must be `whatsapp:+<E.164>` (Mammut finds the bot by Twilio's `To`, which carries
//!    the prefix); a bare E.164 number is accepted here and normalized to that form.
//! 3. The create example misses a comma between two fields, so it is not JSON. Parsing it
//!    fails with the position.
//! 4. The update example writes the path as `user:[125678]`: the brackets belong to the
//!    placeholder. The path is `/app:mammut-1/graph/user:125678`.
//! 5. The update example's query uses `main-phone-number`, which is the SMS channel's
//!    number: writing the WhatsApp number there would configure SMS, not WhatsApp. Updates
//!    built here use `main-whatsapp-phone-number`, as the page's own update table lists.
//!
//! ```
//! use whatsapp_connector::mammut::{BotConfig, TaskResult};
//!
//! let config = BotConfig::from_json(br#"{
//!     "user-type": "machine",
//!     "name": "Botwi",
//!     "twilio-account-sid": "AC0123456789abcdef0123456789abcdef",
//!     "twilio-auth-token": "0123456789abcdef0123456789abcdef",
//!     "main-whatsapp-phone-number": "+14155238886"
//! }"#).unwrap();
//! assert_eq!(config.whatsapp_number(), "whatsapp:+14155238886");
//!
//! let create = config.create_request("https://api.mammut.io");
//! assert_eq!(create.url, "https://api.mammut.io/app:mammut-1/graph/user");
//!
//! let reply = TaskResult::from_json(br#"{"status": "Success", "taskResult": [
//!     {"affectedElementId": 4136, "affectedElementName": "user", "affectedElementType": "Vertex"}
//! ]}"#).unwrap();
//! assert_eq!(reply.created_user_id(), Some(4136));
//! ```
//!
//! # Sending to Mammut, and connecting a bot end to end
//!
//! [`MammutClient`] sends the create and update requests and reads the `TaskResult`: a
//! `Failed` one is an error even with HTTP 200 ([`MammutError::TaskFailed`], with Mammut's
//! reason). Mammut's public pages document no authentication, so it is up to the deployment:
//! [`MammutAuth`] sends a bearer token or a header of its own, never shown in `Debug` or
//! errors.
//!
//! [`connect()`] walks the steps of Mammut's WhatsApp page for one bot: (a) Twilio accepts the
//! account SID and auth token, (b) the number is a WhatsApp sender of the account, (c) the
//! bot is created on Mammut (updated when the config has a `mammut-id`), (d) the sender's
//! incoming webhook points at Mammut's WhatsApp channel URL. Unless
//! [`ConnectOptions::apply`] is set it changes nothing: it runs (a) and (b) and says what (c)
//! and (d) would do. A failure names its step and what was already changed
//! ([`ConnectError`]). Here against local fakes of Twilio and Mammut (feature
//! `testing-fakes`):
//!
//! ```
//! # #[cfg(feature = "testing-fakes")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use whatsapp_connector::mammut::{BotChange, BotConfig, ConnectOptions, MammutClient, connect};
//! use whatsapp_connector::testing::{FakeMammut, FakeTwilio};
//!
//! let (sid, token) = ("AC0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff");
//! let twilio = FakeTwilio::start(sid, token).await?;
//! twilio.add_whatsapp_sender("whatsapp:+14155550123");
//! let mammut = FakeMammut::start().await?;
//!
//! let config = BotConfig::new(sid, token, "whatsapp:+14155550123")?.with_name("Botwi");
//! let options = ConnectOptions::new(MammutClient::builder().base_url(mammut.base_url()).build()?)
//!     .twilio_base_url(twilio.base_url());
//!
//! let dry = connect(&config, &options).await?;
//! assert!(!dry.changed_anything());
//! for step in &dry.steps {
//!     println!("{step}"); // (c) Mammut bot: would do: would create the bot: POST …
//! }
//!
//! let done = connect(&config, &options.apply(true)).await?;
//! assert_eq!(done.bot, BotChange::Created(4136));
//! assert_eq!(done.changes(), "bot 4136 created on Mammut, webhook updated");
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "testing-fakes"))]
//! # fn main() {}
//! ```

mod client;
mod config;
mod connect;
mod report;
mod task;

pub use client::{CreatedBot, MammutAuth, MammutClient, MammutClientBuilder, MammutError};
pub use config::{BotConfig, MammutRequest, QueryValueStyle};
pub use connect::{ConnectError, ConnectFailure, ConnectOptions, connect};
pub use report::{BotChange, ConnectReport, Outcome, Step, StepReport, WebhookChange};
pub use task::{AffectedElement, ElementType, TaskFailed, TaskResult, TaskStatus};

/// Mammut's API on its own cloud. Self-hosted deployments have their own.
pub const DEFAULT_BASE_URL: &str = "https://api.mammut.io";
/// The URL Mammut's cloud receives Twilio's WhatsApp webhooks on (the trailing slash is
/// part of it, and signatures cover it).
pub const DEFAULT_WEBHOOK_URL: &str = "https://api.mammut.io/channels/whatsapp/";
/// The graph path of the `user` collection.
pub const USER_COLLECTION_PATH: &str = "/app:mammut-1/graph/user";

/// The field names, as Mammut stores them.
pub mod fields {
    /// `user-type`: `machine` for a bot.
    pub const USER_TYPE: &str = "user-type";
    /// `name`.
    pub const NAME: &str = "name";
    /// `twilio-account-sid`.
    pub const TWILIO_ACCOUNT_SID: &str = "twilio-account-sid";
    /// `twilio-auth-token`.
    pub const TWILIO_AUTH_TOKEN: &str = "twilio-auth-token";
    /// `main-whatsapp-phone-number`.
    pub const MAIN_WHATSAPP_PHONE_NUMBER: &str = "main-whatsapp-phone-number";
    /// `mammut-id`: the numeric id of the bot's vertex (a path segment, not a property).
    pub const MAMMUT_ID: &str = "mammut-id";
    /// `slack-bot-token`: the Slack channel's field.
    pub const SLACK_BOT_TOKEN: &str = "slack-bot-token";
}

/// The `user-type` of a bot.
pub const MACHINE: &str = "machine";
