//! An echo bot on real WhatsApp webhooks, through Twilio, Botmaker and/or Meta's WhatsApp
//! Cloud API.
//!
//! The same bot as the offline quickstart, served to the real providers. It answers every
//! user message with what it received, and logs delivery statuses.
//!
//! # Twilio, step by step (the sandbox needs no WhatsApp Business account)
//!
//! 1. In the Twilio console, open Messaging → Try it out → Send a WhatsApp message. Join the
//!    sandbox from your phone by sending the `join <keyword>` shown there to the sandbox
//!    number (+1 415 523 8886).
//! 2. Expose this bot on a public HTTPS URL, for example with a tunnel to
//!    `http://127.0.0.1:3000`. Call that URL `PUBLIC_URL` (no trailing slash).
//! 3. In the sandbox settings, set "When a message comes in" to `PUBLIC_URL/twilio`
//!    (method POST). Status callbacks for the bot's replies go to the same URL.
//! 4. Run, with your Account SID and Auth Token (Console → Account info):
//!
//!    ```text
//!    TWILIO_ACCOUNT_SID=AC… TWILIO_AUTH_TOKEN=… TWILIO_FROM=whatsapp:+14155238886 \
//!    PUBLIC_URL=https://your-tunnel.example cargo run --example echo_bot
//!    ```
//!
//! 5. Write to the sandbox number from WhatsApp: the bot answers, and the log shows `sent`,
//!    `delivered` and `read` for each reply. A webhook whose signature does not match (a
//!    wrong token, or a URL that differs from `PUBLIC_URL/twilio` by a slash or a port) is
//!    answered 403 and the reason is logged.
//!
//! # Botmaker
//!
//! Set `BOTMAKER_ACCESS_TOKEN` (Settings → Integrations → Botmaker API), `BOTMAKER_CHANNEL_ID`
//! (for example `acme-whatsapp-5491100000000`, from `GET /channels`), and the webhook's
//! token as `BOTMAKER_WEBHOOK_TOKEN`; point the Botmaker webhook at `PUBLIC_URL/botmaker`.
//!
//! # Meta's WhatsApp Cloud API
//!
//! 1. In your Meta app's dashboard, WhatsApp → API Setup gives an access token (a temporary
//!    one, or a system user's) and the *phone number id* of the number to send from (an id
//!    such as `106540352242922`, not the number itself): set them as `META_ACCESS_TOKEN` and
//!    `META_PHONE_NUMBER_ID`. App settings → Basic shows the app secret, which signs Meta's
//!    webhooks: `META_APP_SECRET`.
//! 2. Choose a verify token of your own and set it as `META_VERIFY_TOKEN`, then start the bot.
//! 3. In WhatsApp → Configuration, set the callback URL to `PUBLIC_URL/meta` with the same
//!    verify token: Meta calls it with a `GET` verification request, which the bot answers
//!    with its challenge. Subscribe the webhook to the `messages` field.
//! 4. Write to the business number from WhatsApp: the bot answers, and the log shows `sent`,
//!    `delivered` and `read` for each reply as Meta reports them.
//!
//! # Settings
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `PUBLIC_URL` | the origin the providers call | required |
//! | `BIND` | the address to listen on | `127.0.0.1:3000` |
//! | `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_FROM` | the Twilio bot | Twilio off |
//! | `BOTMAKER_ACCESS_TOKEN`, `BOTMAKER_CHANNEL_ID`, `BOTMAKER_WEBHOOK_TOKEN` | the Botmaker bot | Botmaker off |
//! | `META_ACCESS_TOKEN`, `META_APP_SECRET`, `META_VERIFY_TOKEN`, `META_PHONE_NUMBER_ID` | the Meta bot | Meta off |
//!
//! A provider's bot is added only when all of its variables are set.
//!
//! Why a webhook was refused (signature, routing, parsing, a verification request with
//! another token) is logged at warn level, never
//! with a secret.

use std::process::ExitCode;
use std::sync::Arc;

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{Author, InboundEvent, MessageContent, OutboundMessage, ProviderKind};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_bot: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .init();
    let public = env("PUBLIC_URL").ok_or("set PUBLIC_URL to the public origin the providers call (see the docs at the top of examples/echo_bot.rs)")?;
    let public = public.trim_end_matches('/').to_owned();
    let bind = env("BIND").unwrap_or_else(|| "127.0.0.1:3000".into());
    let registry = Arc::new(Registry::new());

    add_twilio(&registry, &public)?;
    add_botmaker(&registry, &public)?;
    add_meta(&registry, &public)?;
    if registry.is_empty() {
        return Err("no bot configured: set the TWILIO_*, BOTMAKER_* or META_* variables (see the docs at the top of examples/echo_bot.rs)".into());
    }

    let callback = format!("{public}/twilio");
    let server = WebhookServer::new(registry, PublicUrl::Origin(public), move |d| {
        echo(d, callback.clone())
    });
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on {}", listener.local_addr()?);
    // HTTP/1.1 with header and body timeouts; Ctrl-C lets running handlers finish.
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if !server.serve(listener, shutdown).await {
        eprintln!("shut down with handlers still running");
    }
    Ok(())
}

/// The Twilio bot, when `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` and `TWILIO_FROM` are set.
fn add_twilio(registry: &Registry, public: &str) -> Result<(), Box<dyn std::error::Error>> {
    if let (Some(sid), Some(token), Some(from)) = (
        env("TWILIO_ACCOUNT_SID"),
        env("TWILIO_AUTH_TOKEN"),
        env("TWILIO_FROM"),
    ) {
        let config = BotConfig::new(&sid, token.as_str(), &from)?;
        let provider = TwilioProvider::from_bot_config(&config)?;
        registry.insert(
            &config.whatsapp_number(),
            Arc::new(Bot::new("echo-twilio", Arc::new(provider))),
        );
        println!(
            "Twilio bot on {}: webhook {public}/twilio",
            config.whatsapp_number()
        );
    }
    Ok(())
}

/// The Botmaker bot, when `BOTMAKER_ACCESS_TOKEN`, `BOTMAKER_CHANNEL_ID` and
/// `BOTMAKER_WEBHOOK_TOKEN` are set.
fn add_botmaker(registry: &Registry, public: &str) -> Result<(), Box<dyn std::error::Error>> {
    if let (Some(access), Some(channel), Some(hook)) = (
        env("BOTMAKER_ACCESS_TOKEN"),
        env("BOTMAKER_CHANNEL_ID"),
        env("BOTMAKER_WEBHOOK_TOKEN"),
    ) {
        let provider = BotmakerProvider::builder()
            .access_token(access)
            .channel_id(channel.clone())
            .webhook_token(hook)
            .build()?;
        let bot = Arc::new(Bot::new("echo-botmaker", Arc::new(provider)));
        registry.insert(&channel, bot.clone());
        // Botmaker names the line's number in WHATSAPP_NUMBER: the channel id ends with it.
        if let Some(number) = channel.rsplit('-').next() {
            registry.insert(number, bot);
        }
        println!("Botmaker bot on {channel}: webhook {public}/botmaker");
    }
    Ok(())
}

/// The Meta bot, when `META_ACCESS_TOKEN`, `META_APP_SECRET`, `META_VERIFY_TOKEN` and
/// `META_PHONE_NUMBER_ID` are set.
fn add_meta(registry: &Registry, public: &str) -> Result<(), Box<dyn std::error::Error>> {
    if let (Some(access), Some(secret), Some(verify), Some(phone_number_id)) = (
        env("META_ACCESS_TOKEN"),
        env("META_APP_SECRET"),
        env("META_VERIFY_TOKEN"),
        env("META_PHONE_NUMBER_ID"),
    ) {
        let provider = MetaProvider::builder()
            .access_token(access)
            .app_secret(secret)
            .verify_token(verify)
            .phone_number_id(phone_number_id.clone())
            .build()?;
        // Meta's webhooks name the business number by its phone number id.
        registry.insert(
            &phone_number_id,
            Arc::new(Bot::new("echo-meta", Arc::new(provider))),
        );
        println!("Meta bot on phone number id {phone_number_id}: webhook {public}/meta");
    }
    Ok(())
}

async fn echo(delivery: Delivery, twilio_callback: String) {
    let provider = delivery.bot.provider.kind();
    match &delivery.event {
        InboundEvent::Message(m) if m.author == Author::User => {
            let Some(to) = m.from.clone() else { return };
            let reply = match &m.content {
                MessageContent::Text { body } => format!("You said: {body}"),
                MessageContent::Media { items, caption } => format!(
                    "Got {} file(s){}",
                    items.len(),
                    caption
                        .as_deref()
                        .map(|c| format!(" captioned “{c}”"))
                        .unwrap_or_default()
                ),
                MessageContent::Location {
                    latitude,
                    longitude,
                    ..
                } => {
                    format!("You are at {latitude}, {longitude}")
                }
                MessageContent::Button { text, .. } => {
                    format!("You pressed {}", text.as_deref().unwrap_or("a button"))
                }
                _ => "I can't read that kind of message yet".to_owned(),
            };
            let mut message = OutboundMessage::text(to, reply);
            if provider == ProviderKind::TWILIO {
                message = message.with_status_callback(twilio_callback);
            }
            match delivery.bot.provider.send(&message).await {
                Ok(r) => println!(
                    "[{provider}] replied to {}: {} {}",
                    m.id, r.message_id, r.status
                ),
                Err(e) => eprintln!("[{provider}] reply to {} failed: {e}", m.id),
            }
        }
        InboundEvent::Status(s) => println!(
            "[{provider}] {} is {}{}",
            s.message_id
                .as_deref()
                .or(s.conversation_id.as_deref())
                .unwrap_or("?"),
            s.status,
            s.error
                .as_ref()
                .map(|e| format!(" (error {})", e.code))
                .unwrap_or_default()
        ),
        _ => {}
    }
}
