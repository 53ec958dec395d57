//! Test doubles for your own tests (feature `testing`): local servers that answer like Twilio
//! and Botmaker, record every request, fail on demand, and send correctly signed webhooks;
//! and builders for signed webhooks of every kind.
//!
//! Point a provider's base URL at a fake and nothing leaves the machine:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use whatsapp_connector::testing::{FakeResponse, FakeTwilio};
//!
//! let fake = FakeTwilio::start("AC0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff").await?;
//! fake.push_response(FakeResponse::rate_limited(Some(1)));
//! // ... build a TwilioProvider with `fake.base_url()` and send ...
//! assert!(fake.requests().is_empty());
//! # Ok(())
//! # }
//! ```

mod botmaker;
mod server;
mod twilio;
mod webhooks;

pub use botmaker::FakeBotmaker;
pub use server::{FakeResponse, RecordedRequest};
pub use twilio::FakeTwilio;
pub use webhooks::{BotmakerWebhook, TwilioWebhook, post};
