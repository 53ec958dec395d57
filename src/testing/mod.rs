//! Test helpers for your own tests.
//!
//! Feature `testing` brings builders for correctly signed webhooks of every kind, as the
//! providers send them (`TwilioWebhook` with feature `twilio`, `BotmakerWebhook` with feature
//! `botmaker`, `MetaWebhook` with feature `meta`), and `post` to send one to a running
//! server. The builders need no server, no network and no async runtime.
//!
//! Feature `testing-fakes` adds local servers that answer like Twilio, Botmaker and Meta's
//! Cloud API (`FakeTwilio`, `FakeBotmaker`, `FakeMeta`, for each provider enabled) and
//! Mammut's graph API (`FakeMammut`, with feature `mammut`): they record every request, fail
//! on demand, and (Twilio's and Botmaker's) send correctly signed webhooks. They run on tokio
//! and axum.
//!
//! Point a provider's base URL at a fake and nothing leaves the machine:
//!
//! ```
//! # #[cfg(all(feature = "testing-fakes", feature = "twilio"))]
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
//! # #[cfg(not(all(feature = "testing-fakes", feature = "twilio")))]
//! # fn main() {}
//! ```

#[cfg(all(feature = "testing-fakes", feature = "botmaker"))]
mod botmaker;
#[cfg(all(feature = "testing-fakes", feature = "mammut"))]
mod mammut;
#[cfg(all(feature = "testing-fakes", feature = "meta"))]
mod meta;
#[cfg(feature = "meta")]
mod meta_webhooks;
#[cfg(all(
    feature = "testing-fakes",
    any(feature = "twilio", feature = "botmaker", feature = "meta")
))]
mod server;
#[cfg(all(feature = "testing-fakes", feature = "twilio"))]
mod twilio;
#[cfg(all(feature = "testing-fakes", feature = "twilio"))]
mod twilio_content;
mod webhooks;

#[cfg(all(feature = "testing-fakes", feature = "botmaker"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "testing-fakes", feature = "botmaker"))))]
pub use botmaker::{FAKE_HISTORY_LEN, FAKE_PAGE_SIZE, FakeBotmaker};
#[cfg(all(feature = "testing-fakes", feature = "mammut"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "testing-fakes", feature = "mammut"))))]
pub use mammut::FakeMammut;
#[cfg(all(feature = "testing-fakes", feature = "meta"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "testing-fakes", feature = "meta"))))]
pub use meta::FakeMeta;
#[cfg(feature = "meta")]
#[cfg_attr(docsrs, doc(cfg(feature = "meta")))]
pub use meta_webhooks::MetaWebhook;
#[cfg(all(
    feature = "testing-fakes",
    any(feature = "twilio", feature = "botmaker", feature = "meta")
))]
#[cfg_attr(docsrs, doc(cfg(feature = "testing-fakes")))]
pub use server::{FakeResponse, RecordedRequest};
#[cfg(all(feature = "testing-fakes", feature = "twilio"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "testing-fakes", feature = "twilio"))))]
pub use twilio::{FakeTwilio, FakeTwilioRoute};
#[cfg(all(feature = "testing-fakes", feature = "twilio"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "testing-fakes", feature = "twilio"))))]
pub use twilio_content::ContentSend;
#[cfg(feature = "botmaker")]
#[cfg_attr(docsrs, doc(cfg(feature = "botmaker")))]
pub use webhooks::BotmakerWebhook;
#[cfg(feature = "twilio")]
#[cfg_attr(docsrs, doc(cfg(feature = "twilio")))]
pub use webhooks::TwilioWebhook;
pub use webhooks::post;
