//! The offline quickstart: a WhatsApp echo bot on Twilio, on Botmaker and on Meta's Cloud
//! API, with no account and no network.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! It starts, on 127.0.0.1:
//!
//! - a fake Twilio API, a fake Botmaker API and a fake Meta Cloud API (from the crate's
//!   `testing-fakes` feature), which record what they are sent; the Twilio and Botmaker fakes
//!   also answer with signed delivery-status callbacks (the Meta fake sends none);
//! - the crate's webhook server (feature `axum`) serving one bot on each provider from one
//!   registry, verifying every webhook with the bot's own secret;
//! - a scripted user who sends correctly signed webhooks: a text, an image with a caption, a
//!   location and a button reply, through each provider (on Meta the image comes by media
//!   id, as Meta sends it).
//!
//! First, Meta's verification request (`GET /meta?hub.mode=subscribe&…`) is answered with
//! its challenge. The echo bot shows a typing indicator before each reply (`typing`), reacts
//! to the first message it gets on Botmaker (`react`), answers each message through its
//! provider's `send`, and the transcript shows the messages, the typing marks, the reaction,
//! the replies and the status callbacks as they arrive. Last, the Botmaker bot and the Meta
//! bot each send an interactive message with reply buttons, and the fake APIs are asked what
//! they received (on Meta, the quickstart posts the `delivered` and `read` status webhooks
//! itself, signed as Meta signs them); then the Twilio bot sends reply buttons twice: Twilio
//! takes them as a Content resource, which the provider creates once and then reuses,
//! sending each message by its `ContentSid`.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::testing::{
    BotmakerWebhook, FakeBotmaker, FakeMeta, FakeTwilio, MetaWebhook, RecordedRequest,
    TwilioWebhook, post,
};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{
    Author, Content, DeliveryStatus, InboundEvent, InboundMessage, Interactive, MessageContent,
    OutboundMessage, PhoneNumber, ProviderKind, ReplyButton, WebhookRequest, WhatsAppAddress,
    WhatsAppProvider,
};

// Invented credentials: the fakes accept them, nothing real does.
const TWILIO_ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
const TWILIO_AUTH_TOKEN: &str = "0123456789abcdef0123456789abcdef";
const TWILIO_NUMBER: &str = "whatsapp:+14155238886";
const BOTMAKER_ACCESS_TOKEN: &str = "quickstart-access-token";
const BOTMAKER_WEBHOOK_TOKEN: &str = "quickstart-webhook-token";
const BOTMAKER_CHANNEL: &str = "acme-whatsapp-5491155550100";
const BOTMAKER_NUMBER: &str = "+5491155550100";
const META_ACCESS_TOKEN: &str = "quickstart-meta-access-token";
const META_APP_SECRET: &str = "quickstart-app-secret";
const META_VERIFY_TOKEN: &str = "quickstart-verify-token";
const META_PHONE_NUMBER_ID: &str = "100000000000042";
const META_NUMBER: &str = "+15550001111";
const USER: &str = "+14155550100";

type Fallible<T> = Result<T, Box<dyn Error>>;

/// A line of the transcript.
enum Line {
    User(ProviderKind, String),
    Bot(ProviderKind, String),
    /// A typing mark or a reaction.
    Action(ProviderKind, String),
    Status(ProviderKind, String),
    Problem(String),
}

/// The fake APIs, the providers that send to them, and the transcript the echo bot writes.
struct World {
    origin: String,
    fake_twilio: FakeTwilio,
    fake_botmaker: FakeBotmaker,
    fake_meta: FakeMeta,
    twilio: TwilioProvider,
    botmaker: Arc<BotmakerProvider>,
    meta: Arc<MetaProvider>,
    rx: mpsc::UnboundedReceiver<Line>,
}

/// The providers of the three bots.
struct Providers {
    twilio: TwilioProvider,
    botmaker: Arc<BotmakerProvider>,
    meta: Arc<MetaProvider>,
}

/// What the scripted user sends through one provider.
struct Script {
    name: &'static str,
    provider: ProviderKind,
    requests: Vec<WebhookRequest>,
    /// The status callbacks that follow each reply.
    statuses: usize,
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

async fn run() -> Fallible<bool> {
    let mut world = start().await?;
    println!(
        "whatsapp-connector quickstart: an echo bot on Twilio, on Botmaker and on Meta, all on {}\n",
        world.origin
    );
    let http = reqwest::Client::new();
    let mut stats = Stats::default();
    let user = PhoneNumber::parse(USER)?;

    // Meta checks the webhook URL before it sends anything to it.
    println!("── Meta: the verification request ───────────────────");
    let handshake_ok = handshake(&http, &world.origin).await?;
    println!();

    for script in scripts(&world, &user)? {
        println!("── {} {}", script.name, "─".repeat(52 - script.name.len()));
        if script.statuses == 0 {
            println!(
                "  (the fake Meta sends no status webhooks: the quickstart posts Meta's own for the interactive message below)"
            );
        }
        converse(&http, &script, &mut world.rx, &mut stats).await?;
        println!();
    }

    println!("── Botmaker: an interactive message ─────────────────");
    let botmaker_ok = send_buttons(&mut world, &user, &mut stats).await?;
    println!();

    println!("── Meta: an interactive message ─────────────────────");
    let meta_ok = meta_buttons(&mut world, &http, &user, &mut stats).await?;
    println!();

    println!("── Twilio: reply buttons ──────────────────────────────");
    let twilio_ok = twilio_buttons(&world, &user).await?;
    println!();

    let ok = summary(&world, &stats) && handshake_ok && botmaker_ok && meta_ok && twilio_ok;
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

/// Starts the fake APIs and the webhook server with the echo bot on each provider.
async fn start() -> Fallible<World> {
    let fake_twilio = FakeTwilio::start(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN).await?;
    let fake_botmaker = FakeBotmaker::start(BOTMAKER_ACCESS_TOKEN).await?;
    let fake_meta = FakeMeta::start(META_ACCESS_TOKEN, META_PHONE_NUMBER_ID).await?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let registry = Arc::new(Registry::new());
    let providers = register_bots(&registry, &fake_twilio, &fake_botmaker, &fake_meta)?;

    let (tx, rx) = mpsc::unbounded_channel::<Line>();
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
    // The fake Meta sends no status webhooks: the quickstart posts Meta's itself.

    Ok(World {
        origin,
        fake_twilio,
        fake_botmaker,
        fake_meta,
        twilio: providers.twilio,
        botmaker: providers.botmaker,
        meta: providers.meta,
        rx,
    })
}

/// The bots, as a platform stores them, in one registry: each under the addresses its
/// provider's webhooks name.
fn register_bots(
    registry: &Registry,
    fake_twilio: &FakeTwilio,
    fake_botmaker: &FakeBotmaker,
    fake_meta: &FakeMeta,
) -> Fallible<Providers> {
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

    // Meta's webhooks name the phone number id (and the number, as displayed).
    let meta = MetaProvider::builder()
        .access_token(META_ACCESS_TOKEN)
        .phone_number_id(META_PHONE_NUMBER_ID)
        .app_secret(META_APP_SECRET)
        .verify_token(META_VERIFY_TOKEN)
        .base_url(fake_meta.base_url())
        .build()?;
    let meta = Arc::new(meta);
    let meta_bot = Arc::new(Bot::new("echo-meta", meta.clone()));
    registry.insert(META_PHONE_NUMBER_ID, meta_bot.clone());
    registry.insert(META_NUMBER, meta_bot);

    Ok(Providers {
        twilio,
        botmaker,
        meta,
    })
}

/// Meta's verification request, as Meta sends it when the callback URL is set in the app
/// dashboard: answered with the challenge for the right verify token, refused for another.
async fn handshake(http: &reqwest::Client, origin: &str) -> Fallible<bool> {
    let url = format!("{origin}/meta");
    let challenge = "1158201444";
    let mut ok = true;
    for (token, shown, want) in [
        (META_VERIFY_TOKEN, "…", 200),
        ("a-guessed-token", "a-guessed-token", 403),
    ] {
        let request = MetaWebhook::handshake_request(&url, token, challenge);
        let response = http.get(request.url()).send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        println!(
            "  meta ⇢ GET /meta?hub.mode=subscribe&hub.verify_token={shown}&hub.challenge={challenge}"
        );
        println!("  bot  ⇠ {status} {body:?}");
        ok &= status == want && (want != 200 || body == challenge);
    }
    if ok {
        println!("  the challenge came back for the verify token, and a guessed token was refused");
    } else {
        println!("  ! the verification request was not answered as Meta expects");
    }
    Ok(ok)
}

/// The scripted user's webhooks: a text, an image with a caption, a location and a button
/// reply, through each provider.
fn scripts(world: &World, user: &PhoneNumber) -> Fallible<Vec<Script>> {
    let origin = &world.origin;
    let twilio = twilio_script(user)?
        .iter()
        .map(|w| w.request(&format!("{origin}/twilio"), TWILIO_AUTH_TOKEN))
        .collect();
    let botmaker = botmaker_script(user)?
        .iter()
        .map(|w| w.request(&format!("{origin}/botmaker"), BOTMAKER_WEBHOOK_TOKEN))
        .collect();
    let meta = meta_script(&world.fake_meta, user)?
        .iter()
        .map(|w| w.request(&format!("{origin}/meta"), META_APP_SECRET))
        .collect();
    Ok(vec![
        // Twilio reports sent, delivered and read.
        Script {
            name: "Twilio",
            provider: ProviderKind::TWILIO,
            requests: twilio,
            statuses: 3,
        },
        // Botmaker reports delivered and read.
        Script {
            name: "Botmaker",
            provider: ProviderKind::BOTMAKER,
            requests: botmaker,
            statuses: 2,
        },
        // The fake Meta sends no status webhooks.
        Script {
            name: "Meta",
            provider: ProviderKind::META,
            requests: meta,
            statuses: 0,
        },
    ])
}

fn twilio_script(user: &PhoneNumber) -> Fallible<[TwilioWebhook; 4]> {
    let number = PhoneNumber::parse(TWILIO_NUMBER)?;
    let sid = TWILIO_ACCOUNT_SID;
    Ok([
        TwilioWebhook::inbound_text(sid, user, &number, "Hola, ¿están abiertos hoy?"),
        TwilioWebhook::inbound_media(
            sid,
            user,
            &number,
            "https://media.example.com/receipt-0042.jpg",
            "image/jpeg",
            "Here's the receipt",
        ),
        TwilioWebhook::inbound_location(sid, user, &number, 37.7793, -122.4193, Some("City Hall")),
        TwilioWebhook::inbound_button(sid, user, &number, "Yes, book it", "book_confirm"),
    ])
}

fn botmaker_script(user: &PhoneNumber) -> Fallible<[BotmakerWebhook; 4]> {
    let number = PhoneNumber::parse(BOTMAKER_NUMBER)?;
    Ok([
        BotmakerWebhook::inbound_text(user, &number, "Hola, quiero un turno"),
        BotmakerWebhook::inbound_image(
            user,
            &number,
            "https://media.example.com/orden-medica.jpg",
            "La orden médica",
        ),
        BotmakerWebhook::inbound_location(user, &number, -34.6037, -58.3816, "Obelisco"),
        BotmakerWebhook::inbound_button(user, &number, "Confirmar turno"),
    ])
}

/// On Meta an image comes by media id; the fake Meta keeps the file under that id, as Meta
/// does, so a bot could download it.
fn meta_script(fake: &FakeMeta, user: &PhoneNumber) -> Fallible<[MetaWebhook; 4]> {
    let number = PhoneNumber::parse(META_NUMBER)?;
    let hook = || MetaWebhook::new(META_PHONE_NUMBER_ID, &number);
    let media_id = fake.add_media("image/jpeg", &b"\xff\xd8\xff\xe0 an invented JPEG"[..]);
    Ok([
        hook().text(user, "Hi! Do you deliver on Sundays?"),
        hook().image(user, &media_id, "image/jpeg", "The parcel label"),
        hook().location(user, 40.7484, -73.9857, "Front desk"),
        hook().button_reply(user, "deliver_sunday", "Sunday, please"),
    ])
}

/// Posts each webhook of `script` and prints what follows: the message, the typing mark, the
/// reply and its status callbacks (and on Botmaker, the reaction to the first message).
async fn converse(
    http: &reqwest::Client,
    script: &Script,
    rx: &mut mpsc::UnboundedReceiver<Line>,
    stats: &mut Stats,
) -> Fallible<()> {
    for (i, request) in script.requests.iter().enumerate() {
        let code = post(http, request).await?;
        if code != 200 {
            println!("  ! the webhook server answered {code}");
            stats.problems += 1;
            continue;
        }
        let reaction = usize::from(script.provider == ProviderKind::BOTMAKER && i == 0);
        if !receive(rx, 3 + reaction + script.statuses, stats).await {
            println!("  ! timed out waiting for the conversation");
            stats.problems += 1;
        }
    }
    Ok(())
}

/// Prints the next `n` lines of the transcript; false when one does not come within 5 s.
async fn receive(rx: &mut mpsc::UnboundedReceiver<Line>, n: usize, stats: &mut Stats) -> bool {
    for _ in 0..n {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(line)) => stats.print(line),
            _ => return false,
        }
    }
    true
}

/// Sends reply buttons to `user` through the Botmaker bot, prints the receipt and the status
/// callbacks that follow, and says whether the fake Botmaker received them as an interactive
/// message with both buttons.
async fn send_buttons(world: &mut World, user: &PhoneNumber, stats: &mut Stats) -> Fallible<bool> {
    let question = "¿Confirmamos tu turno del jueves a las 10:00?";
    let buttons = Interactive::buttons(
        question,
        vec![
            ReplyButton::new("turno_si", "Sí, confirmo"),
            ReplyButton::new("turno_cambiar", "Cambiar turno"),
        ],
    );
    let message = OutboundMessage::new(user.clone(), Content::Interactive(buttons));
    let receipt = world.botmaker.send(&message).await?;
    stats.print(Line::Bot(
        ProviderKind::BOTMAKER,
        format!(
            "interactive: {question:?} [Sí, confirmo | Cambiar turno] [{} {}]",
            receipt.message_id, receipt.status
        ),
    ));
    // Botmaker reports delivered, then read.
    if !receive(&mut world.rx, 2, stats).await {
        println!("  ! timed out waiting for the status callbacks");
        return Ok(false);
    }
    let arrived = world.fake_botmaker.requests().iter().rev().find_map(|r| {
        let body = r.json()?;
        let interactive = body["messages"][0].get("whatsappInteractive")?.clone();
        r.path.ends_with("/send-messages").then_some(interactive)
    });
    let labels = texts(arrived.as_ref(), "label");
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

/// The `field` of each button of an interactive object (Meta's nest it under `reply`).
fn texts(interactive: Option<&serde_json::Value>, field: &str) -> Vec<String> {
    interactive
        .and_then(|i| i["action"]["buttons"].as_array())
        .map(|b| {
            b.iter()
                .filter_map(|b| b[field].as_str().or(b["reply"][field].as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Sends reply buttons to `user` through the Meta bot, posts Meta's `delivered` and `read`
/// status webhooks for it (the fake Meta sends none), and says whether the fake Meta received
/// an interactive message with both buttons.
async fn meta_buttons(
    world: &mut World,
    http: &reqwest::Client,
    user: &PhoneNumber,
    stats: &mut Stats,
) -> Fallible<bool> {
    let question = "Your parcel is ready. When should we bring it?";
    let buttons = Interactive::buttons(
        question,
        vec![
            ReplyButton::new("deliver_today", "Today"),
            ReplyButton::new("deliver_sunday", "On Sunday"),
        ],
    );
    let message = OutboundMessage::new(user.clone(), Content::Interactive(buttons));
    let receipt = world.meta.send(&message).await?;
    stats.print(Line::Bot(
        ProviderKind::META,
        format!(
            "interactive: {question:?} [Today | On Sunday] [{} {}]",
            receipt.message_id, receipt.status
        ),
    ));
    // What Meta posts once the user's phone has the message, then once it is read.
    let to = WhatsAppAddress::from(user.clone());
    let statuses = MetaWebhook::new(META_PHONE_NUMBER_ID, &PhoneNumber::parse(META_NUMBER)?)
        .status(&receipt.message_id, &to, DeliveryStatus::Delivered)
        .status(&receipt.message_id, &to, DeliveryStatus::Read)
        .request(&format!("{}/meta", world.origin), META_APP_SECRET);
    let code = post(http, &statuses).await?;
    if code != 200 || !receive(&mut world.rx, 2, stats).await {
        println!("  ! the status webhook was not handled (answered {code})");
        return Ok(false);
    }
    let arrived = world.fake_meta.requests().iter().rev().find_map(|r| {
        let body = r.json()?;
        (r.path.ends_with("/messages") && body["type"] == "interactive")
            .then(|| body["interactive"].clone())
    });
    let titles = texts(arrived.as_ref(), "title");
    let ok = arrived
        .as_ref()
        .is_some_and(|i| i["type"] == "button" && i["body"]["text"] == question)
        && titles == ["Today", "On Sunday"];
    if ok {
        println!(
            "  the fake Meta received the buttons: {}",
            titles.join(" | ")
        );
    } else {
        println!("  ! the fake Meta did not receive the buttons: {arrived:?}");
    }
    Ok(ok)
}

/// Reply buttons on Twilio, twice: one Content resource, created once, then sent by its SID.
async fn twilio_buttons(world: &World, user: &PhoneNumber) -> Fallible<bool> {
    world.fake_twilio.set_status_callback(None);
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
        let receipt = world.twilio.send(&buttons).await?;
        println!(
            "  bot  ← twilio   buttons [{}, by ContentSid]",
            receipt.message_id
        );
    }
    let fake = &world.fake_twilio;
    let content_sends = fake.content_sends();
    let created = fake.contents();
    let content_sid = created
        .first()
        .and_then(|c| c["sid"].as_str())
        .unwrap_or_default();
    println!(
        "  the fake Twilio got {} Content create and {} sends by ContentSid {content_sid}",
        fake.content_creates(),
        content_sends.len()
    );
    Ok(fake.content_creates() == 1
        && content_sends.len() == 2
        && content_sends
            .iter()
            .all(|s| s.content_sid == content_sid && s.to == format!("whatsapp:{USER}")))
}

/// Prints the summary from the transcript and from what the fake APIs received, and says
/// whether every count is the expected one.
fn summary(world: &World, stats: &Stats) -> bool {
    let twilio_requests = world.fake_twilio.requests();
    let botmaker_requests = world.fake_botmaker.requests();
    let meta_requests = world.fake_meta.requests();
    let count = |requests: &[RecordedRequest], end: &[&str]| {
        requests
            .iter()
            .filter(|r| end.iter().any(|e| r.path.ends_with(e)))
            .count()
    };
    // On Meta both go to `/messages`: a typing mark is a read mark with a typing indicator.
    let meta_bodies: Vec<_> = meta_requests
        .iter()
        .filter(|r| r.path.ends_with("/messages"))
        .filter_map(RecordedRequest::json)
        .collect();
    let meta_typing = meta_bodies
        .iter()
        .filter(|b| b["status"] == "read" && b["typing_indicator"]["type"] == "text")
        .count();
    let meta_sends = meta_bodies.iter().filter(|b| b["to"].is_string()).count();
    let twilio_sends = count(&twilio_requests, &["/Messages.json"]);
    let botmaker_sends = count(&botmaker_requests, &["/send-messages", "/trigger-intent"]);
    let typing = count(&twilio_requests, &["/Indicators/Typing.json"])
        + count(&botmaker_requests, &["/send-read-typing-feedback"])
        + meta_typing;
    let reactions = count(&botmaker_requests, &["/send-reaction"]);
    println!(
        "Summary: {} user messages, {} bot replies, {} status callbacks, {} typing marks and {} reaction; the fake APIs received {} Twilio, {} Botmaker and {} Meta sends.",
        stats.user,
        stats.bot,
        stats.status,
        typing,
        reactions,
        twilio_sends,
        botmaker_sends,
        meta_sends
    );
    stats.problems == 0
        && stats.user == 12
        && stats.bot == 14
        && stats.status == 24
        && stats.actions == 13
        && typing == 12
        && reactions == 1
        && twilio_sends == 6
        && botmaker_sends == 5
        && meta_sends == 5
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
            // Meta sends media by id; Twilio and Botmaker by URL.
            items
                .first()
                .map(|i| match &i.id {
                    Some(id) => format!("id {id}"),
                    None => i.url.clone(),
                })
                .unwrap_or_else(|| "?".to_owned()),
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
            // "typing…" while the reply is prepared (on Twilio and Meta it also marks the message
            // read).
            let line = match delivery.bot.provider.typing(m).await {
                Ok(()) => Line::Action(provider.clone(), format!("typing… (in reply to {})", m.id)),
                Err(e) => Line::Problem(format!("typing failed: {e}")),
            };
            let _ = tx.send(line);
            // A wave on the first message the Botmaker bot gets.
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
