//! The offline quickstart: a WhatsApp echo bot on Twilio and on Botmaker, with no account and
//! no network.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It starts, on 127.0.0.1:
//!
//! - a fake Twilio API and a fake Botmaker API (from the crate's `testing-fakes` feature), which
//!   record what they are sent and answer with signed delivery-status callbacks;
//! - the crate's webhook server (feature `axum`) serving one bot on each provider from one
//!   registry, verifying every webhook with the bot's own secret;
//! - a scripted user who sends correctly signed webhooks: a text, an image with a caption, a
//!   location and a button reply, through each provider.
//!
//! The echo bot shows a typing indicator before each reply (`typing`), reacts to the first
//! message it gets on Botmaker (`react`), answers each message through its provider's `send`,
//! and the transcript shows the messages, the typing marks, the reaction, the replies and the
//! status callbacks as they arrive. Last, the Botmaker bot sends an interactive message with
//! reply buttons, and the fake Botmaker is asked what it received; then the Twilio bot sends
//! reply buttons twice: Twilio takes them as a Content resource, which the provider creates
//! once and then reuses, sending each message by its `ContentSid`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::testing::{BotmakerWebhook, FakeBotmaker, FakeTwilio, TwilioWebhook, post};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{
    Author, Content, InboundEvent, InboundMessage, Interactive, MessageContent, OutboundMessage,
    PhoneNumber, ProviderKind, ReplyButton, WhatsAppProvider,
};

// Invented credentials: the fakes accept them, nothing real does.
const TWILIO_ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
const TWILIO_AUTH_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const TWILIO_NUMBER: &str = "whatsapp:+14155238886";
const BOTMAKER_ACCESS_TOKEN: &str = "quickstart-access-token";
const BOTMAKER_WEBHOOK_TOKEN: &str = "quickstart-webhook-token";
const BOTMAKER_CHANNEL: &str = "acme-whatsapp-5491155550100";
const BOTMAKER_NUMBER: &str = "+5491155550100";
const USER: &str = "+14155550100";

/// A line of the transcript.
enum Line {
    User(ProviderKind, String),
    Bot(ProviderKind, String),
    /// A typing mark or a reaction.
    Action(ProviderKind, String),
    Status(ProviderKind, String),
    Problem(String),
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<bool, Box<dyn std::error::Error>> {
    // 1. The providers' fake APIs.
    let fake_twilio = FakeTwilio::start(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN).await?;
    let fake_botmaker = FakeBotmaker::start(BOTMAKER_ACCESS_TOKEN).await?;

    // 2. The bots, as a platform stores them, in one registry.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let registry = Arc::new(Registry::new());

    let config = BotConfig::new(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER)?
        .with_name("Echo on Twilio");
    let twilio = TwilioProvider::builder_from_bot_config(&config)
        .base_url(fake_twilio.base_url())
        .build()?;
    registry.insert(
        &config.whatsapp_number(),
        Arc::new(Bot::new("echo-twilio", Arc::new(twilio.clone()))),
    );

    let botmaker = BotmakerProvider::builder()
        .access_token(BOTMAKER_ACCESS_TOKEN)
        .channel_id(BOTMAKER_CHANNEL)
        .webhook_token(BOTMAKER_WEBHOOK_TOKEN)
        .base_url(fake_botmaker.base_url())
        .build()?;
    let botmaker = Arc::new(botmaker);
    let botmaker_bot = Arc::new(Bot::new("echo-botmaker", botmaker.clone()));
    registry.insert(BOTMAKER_NUMBER, botmaker_bot.clone());
    registry.insert(BOTMAKER_CHANNEL, botmaker_bot);

    // 3. The webhook server, with the echo bot as its handler.
    let (tx, mut rx) = mpsc::unbounded_channel::<Line>();
    let twilio_callback = format!("{origin}/twilio");
    let reacted = Arc::new(AtomicBool::new(false));
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), move |d| {
        echo(d, tx.clone(), twilio_callback.clone(), reacted.clone())
    });
    tokio::spawn(async move {
        server.serve(listener, std::future::pending()).await;
    });
    fake_twilio.set_status_callback(Some(format!("{origin}/twilio")));
    fake_botmaker.set_webhook(Some(format!("{origin}/botmaker")), BOTMAKER_WEBHOOK_TOKEN);

    println!(
        "whatsapp-connector quickstart: an echo bot on Twilio and on Botmaker, all on {origin}\n"
    );

    // 4. The scripted user.
    let user = PhoneNumber::parse(USER)?;
    let twilio_number = PhoneNumber::parse(TWILIO_NUMBER)?;
    let botmaker_number = PhoneNumber::parse(BOTMAKER_NUMBER)?;
    let sid = TWILIO_ACCOUNT_SID;
    let twilio_script = [
        TwilioWebhook::inbound_text(sid, &user, &twilio_number, "Hola, ¿están abiertos hoy?"),
        TwilioWebhook::inbound_media(
            sid,
            &user,
            &twilio_number,
            "https://media.example.com/receipt-0042.jpg",
            "image/jpeg",
            "Here's the receipt",
        ),
        TwilioWebhook::inbound_location(
            sid,
            &user,
            &twilio_number,
            37.7793,
            -122.4193,
            Some("City Hall"),
        ),
        TwilioWebhook::inbound_button(sid, &user, &twilio_number, "Yes, book it", "book_confirm"),
    ];
    let botmaker_script = [
        BotmakerWebhook::inbound_text(&user, &botmaker_number, "Hola, quiero un turno"),
        BotmakerWebhook::inbound_image(
            &user,
            &botmaker_number,
            "https://media.example.com/orden-medica.jpg",
            "La orden médica",
        ),
        BotmakerWebhook::inbound_location(&user, &botmaker_number, -34.6037, -58.3816, "Obelisco"),
        BotmakerWebhook::inbound_button(&user, &botmaker_number, "Confirmar turno"),
    ];
    let http = reqwest::Client::new();
    let mut stats = Stats::default();
    for (name, provider) in [
        ("Twilio", ProviderKind::TWILIO),
        ("Botmaker", ProviderKind::BOTMAKER),
    ] {
        println!("── {name} ─────────────────────────────────────────────");
        let requests: Vec<_> = match &provider {
            p if *p == ProviderKind::TWILIO => twilio_script
                .iter()
                .map(|w| w.request(&format!("{origin}/twilio"), TWILIO_AUTH_TOKEN))
                .collect(),
            _ => botmaker_script
                .iter()
                .map(|w| w.request(&format!("{origin}/botmaker"), BOTMAKER_WEBHOOK_TOKEN))
                .collect(),
        };
        // Twilio reports sent, delivered and read; Botmaker delivered and read.
        let statuses = if provider == ProviderKind::TWILIO {
            3
        } else {
            2
        };
        for (i, request) in requests.into_iter().enumerate() {
            let code = post(&http, &request).await?;
            if code != 200 {
                println!("  ! the webhook server answered {code}");
                stats.problems += 1;
                continue;
            }
            // Wait for the message, the typing mark, the reply and its status callbacks (and
            // on Botmaker, the reaction to the first message).
            let reaction = usize::from(provider == ProviderKind::BOTMAKER && i == 0);
            let want = 3 + reaction + statuses;
            let mut got = 0;
            while got < want {
                match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                    Ok(Some(line)) => {
                        got += 1;
                        stats.print(line);
                    }
                    _ => {
                        println!("  ! timed out waiting for the conversation");
                        stats.problems += 1;
                        break;
                    }
                }
            }
        }
        println!();
    }

    // 5. Reply buttons on Botmaker: sent through the provider, checked at the fake API.
    println!("── Botmaker: an interactive message ─────────────────");
    if !send_buttons(&botmaker, &fake_botmaker, &user, &mut rx, &mut stats).await? {
        stats.problems += 1;
    }
    println!();

    // 6. Reply buttons on Twilio: one Content resource, created once, then sent by its SID.
    println!("── Twilio: reply buttons ──────────────────────────────");
    fake_twilio.set_status_callback(None);
    let buttons = OutboundMessage::new(
        user.clone(),
        Content::Interactive(Interactive::buttons(
            "¿Te reservo el turno de mañana a las 10?",
            vec![
                ReplyButton::new("book_yes", "Sí, reservá"),
                ReplyButton::new("book_no", "No, gracias"),
            ],
        )),
    );
    for _ in 0..2 {
        let receipt = twilio.send(&buttons).await?;
        println!(
            "  bot  ← twilio   buttons [{}, by ContentSid]",
            receipt.message_id
        );
    }
    let content_sends = fake_twilio.content_sends();
    let created = fake_twilio.contents();
    let content_sid = created
        .first()
        .and_then(|c| c["sid"].as_str())
        .unwrap_or_default();
    println!(
        "  the fake Twilio got {} Content create and {} sends by ContentSid {content_sid}\n",
        fake_twilio.content_creates(),
        content_sends.len()
    );
    let interactive_ok = fake_twilio.content_creates() == 1
        && content_sends.len() == 2
        && content_sends
            .iter()
            .all(|s| s.content_sid == content_sid && s.to == format!("whatsapp:{USER}"));

    let twilio_requests = fake_twilio.requests();
    let botmaker_requests = fake_botmaker.requests();
    let count = |requests: &[whatsapp_connector::testing::RecordedRequest], end: &[&str]| {
        requests
            .iter()
            .filter(|r| end.iter().any(|e| r.path.ends_with(e)))
            .count()
    };
    let twilio_sends = count(&twilio_requests, &["/Messages.json"]);
    let botmaker_sends = count(&botmaker_requests, &["/send-messages", "/trigger-intent"]);
    let typing = count(&twilio_requests, &["/Indicators/Typing.json"])
        + count(&botmaker_requests, &["/send-read-typing-feedback"]);
    let reactions = count(&botmaker_requests, &["/send-reaction"]);
    println!(
        "Summary: {} user messages, {} bot replies, {} status callbacks, {} typing marks and {} reaction; the fake APIs received {} Twilio and {} Botmaker sends.",
        stats.user, stats.bot, stats.status, typing, reactions, twilio_sends, botmaker_sends
    );
    let ok = stats.problems == 0
        && interactive_ok
        && stats.user == 8
        && stats.bot == 9
        && stats.status == 22
        && stats.actions == 9
        && typing == 8
        && reactions == 1
        && twilio_sends == 6
        && botmaker_sends == 5;
    println!(
        "{}",
        if ok {
            "All good."
        } else {
            "Something went wrong: see above."
        }
    );
    Ok(ok)
}

/// Sends reply buttons to `user` through the Botmaker bot, prints the receipt and the status
/// callbacks that follow, and says whether the fake Botmaker received them as an interactive
/// message with both buttons.
async fn send_buttons(
    botmaker: &BotmakerProvider,
    fake: &FakeBotmaker,
    user: &PhoneNumber,
    rx: &mut mpsc::UnboundedReceiver<Line>,
    stats: &mut Stats,
) -> Result<bool, Box<dyn std::error::Error>> {
    let question = "¿Confirmamos tu turno del jueves a las 10:00?";
    let buttons = Interactive::buttons(
        question,
        vec![
            ReplyButton::new("turno_si", "Sí, confirmo"),
            ReplyButton::new("turno_cambiar", "Cambiar turno"),
        ],
    );
    let message = OutboundMessage::new(user.clone(), Content::Interactive(buttons));
    let receipt = botmaker.send(&message).await?;
    stats.print(Line::Bot(
        ProviderKind::BOTMAKER,
        format!(
            "interactive: {question:?} [Sí, confirmo | Cambiar turno] [{} {}]",
            receipt.message_id, receipt.status
        ),
    ));
    // Botmaker reports delivered, then read.
    for _ in 0..2 {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(line)) => stats.print(line),
            _ => {
                println!("  ! timed out waiting for the status callbacks");
                return Ok(false);
            }
        }
    }
    let arrived = fake.requests().iter().rev().find_map(|r| {
        let body = r.json()?;
        let interactive = body["messages"][0].get("whatsappInteractive")?.clone();
        r.path.ends_with("/send-messages").then_some(interactive)
    });
    let labels: Vec<String> = arrived
        .as_ref()
        .and_then(|i| i["action"]["buttons"].as_array())
        .map(|b| {
            b.iter()
                .filter_map(|b| b["label"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let ok = arrived.as_ref().is_some_and(|i| i["body"] == question)
        && labels == ["Sí, confirmo", "Cambiar turno"];
    if ok {
        println!(
            "  the fake Botmaker received the buttons: {}",
            labels.join(" | ")
        );
    } else {
        println!("  ! the fake Botmaker did not receive the buttons: {arrived:?}");
    }
    Ok(ok)
}

#[derive(Default)]
struct Stats {
    user: usize,
    bot: usize,
    actions: usize,
    status: usize,
    problems: usize,
}

impl Stats {
    fn print(&mut self, line: Line) {
        match line {
            Line::User(p, text) => {
                self.user += 1;
                println!("  user → {p:<8} {text}");
            }
            Line::Bot(p, text) => {
                self.bot += 1;
                println!("  bot  ← {p:<8} {text}");
            }
            Line::Action(p, text) => {
                self.actions += 1;
                println!("  bot  ⋯ {p:<8} {text}");
            }
            Line::Status(p, text) => {
                self.status += 1;
                println!("         {p:<8} ✓ {text}");
            }
            Line::Problem(text) => {
                self.problems += 1;
                println!("  ! {text}");
            }
        }
    }
}

/// What the user sent, in a few words.
fn describe(m: &InboundMessage) -> String {
    match &m.content {
        MessageContent::Text { body } => format!("text: {body:?}"),
        MessageContent::Media { items, caption } => format!(
            "media: {} ({}) with caption {:?}",
            items.first().map(|i| i.url.as_str()).unwrap_or("?"),
            items
                .first()
                .and_then(|i| i.content_type.as_deref())
                .unwrap_or("unknown type"),
            caption.as_deref().unwrap_or("")
        ),
        MessageContent::Location {
            latitude,
            longitude,
            name,
            ..
        } => format!(
            "location: {latitude}, {longitude} ({})",
            name.as_deref().unwrap_or("no name")
        ),
        MessageContent::Button { text, payload } => match payload {
            Some(p) => format!(
                "button: {:?} (payload {p:?})",
                text.as_deref().unwrap_or("")
            ),
            None => format!("button: {:?}", text.as_deref().unwrap_or("")),
        },
        other => format!("{other:?}"),
    }
}

/// The echo bot: shows it is typing, reacts to the first message on Botmaker, answers each
/// user message, and reports status changes.
async fn echo(
    delivery: Delivery,
    tx: mpsc::UnboundedSender<Line>,
    twilio_callback: String,
    reacted: Arc<AtomicBool>,
) {
    let provider = delivery.bot.provider.kind();
    match &delivery.event {
        InboundEvent::Message(m) if m.author == Author::User => {
            let said = describe(m);
            let _ = tx.send(Line::User(provider.clone(), said.clone()));
            let Some(to) = m.from.clone() else {
                let _ = tx.send(Line::Problem("a message without a sender".into()));
                return;
            };
            // "typing…" while the reply is prepared (on Twilio it also marks the message read).
            let line = match delivery.bot.provider.typing(m).await {
                Ok(()) => Line::Action(provider.clone(), format!("typing… (in reply to {})", m.id)),
                Err(e) => Line::Problem(format!("typing failed: {e}")),
            };
            let _ = tx.send(line);
            // A wave on the first message the Botmaker bot gets (Twilio sends no reactions).
            if provider == ProviderKind::BOTMAKER && !reacted.swap(true, Ordering::SeqCst) {
                let line = match delivery.bot.provider.react(&m.id, &to, Some("👋")).await {
                    Ok(()) => Line::Action(provider.clone(), format!("reacted 👋 to {}", m.id)),
                    Err(e) => Line::Problem(format!("reaction failed: {e}")),
                };
                let _ = tx.send(line);
            }
            let reply = format!("You sent {said}");
            let mut message = OutboundMessage::text(to, reply.clone());
            if provider == ProviderKind::TWILIO {
                message = message.with_status_callback(twilio_callback);
            }
            match delivery.bot.provider.send(&message).await {
                Ok(receipt) => {
                    let _ = tx.send(Line::Bot(
                        provider,
                        format!("{reply:?} [{} {}]", receipt.message_id, receipt.status),
                    ));
                }
                Err(e) => {
                    let _ = tx.send(Line::Problem(format!("send failed: {e}")));
                }
            }
        }
        InboundEvent::Status(s) => {
            let what = s
                .message_id
                .as_deref()
                .or(s.conversation_id.as_deref())
                .unwrap_or("?");
            let _ = tx.send(Line::Status(provider, format!("{} ({what})", s.status)));
        }
        _ => {}
    }
}
