//! `wa botmaker …`, `wa parse botmaker` and `wa send botmaker`.
//!
//! ```text
//! wa botmaker verify --token T [--token T2]... --header VALUE
//! wa parse botmaker [--content-type CT] < BODY
//! wa send botmaker --to NUMBER (--text T | --media URL [--caption C] [--mime-type M]
//!     | --template NAME [--var K=V]...) [--reference R] [--api v2|v1] [--base-url URL]
//! ```
//!
//! `send` reads `BOTMAKER_ACCESS_TOKEN` and `BOTMAKER_CHANNEL_ID` from the environment.

use whatsapp_connector::botmaker::{ApiVersion, BotmakerProvider};
use whatsapp_connector::{
    Content, Error, Media, OutboundMessage, PhoneNumber, Template, WebhookRequest, WhatsAppProvider,
};

use crate::args::{Args, Failure, read_stdin, usage};

/// The URL the webhook is taken to have arrived at: Botmaker's token does not cover it.
const WEBHOOK_URL: &str = "https://localhost/botmaker";

pub fn run(command: &str, rest: &[String]) -> Result<(), Failure> {
    match command {
        "verify" => verify(rest),
        other => Err(usage(format!(
            "unknown command 'botmaker {other}'; usage: wa botmaker verify --token T --header VALUE"
        ))),
    }
}

fn verify(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let tokens = args.all("token");
    let header = args.req("header")?;
    args.finish()?;
    if tokens.is_empty() {
        return Err(usage("--token is required"));
    }
    if http::HeaderValue::from_str(&header).is_err() {
        return Err(usage(
            "--header holds characters an HTTP header cannot carry",
        ));
    }
    let mut builder = BotmakerProvider::builder();
    for t in tokens {
        builder = builder.webhook_token(t);
    }
    let provider = builder
        .build()
        .map_err(|e| usage(format!("invalid --token: {e}")))?;
    let request =
        WebhookRequest::new(WEBHOOK_URL, Vec::new()).with_header("auth-bm-token", &header);
    match provider.verify(&request) {
        Ok(()) => {
            println!("valid");
            Ok(())
        }
        Err(e) => Err(Failure::Invalid(format!("invalid: {e}"))),
    }
}

pub fn parse(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let content_type = args
        .opt("content-type")?
        .unwrap_or_else(|| "application/json".to_owned());
    args.finish()?;
    let body = read_stdin()?;
    let request = WebhookRequest::new(WEBHOOK_URL, body).with_header("content-type", &content_type);
    let provider = BotmakerProvider::builder()
        .build()
        .map_err(|e| usage(e.to_string()))?;
    let events = provider
        .parse(&request)
        .map_err(|e| usage(format!("cannot parse the body: {e}")))?;
    let json = serde_json::to_string_pretty(&events)
        .map_err(|e| usage(format!("cannot print the events: {e}")))?;
    println!("{json}");
    Ok(())
}

fn env(name: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(usage(format!("the environment variable {name} is not set"))),
    }
}

fn content(args: &mut Args) -> Result<Content, Failure> {
    let text = args.opt("text")?;
    let media = args.opt("media")?;
    let template = args.opt("template")?;
    let caption = args.opt("caption")?;
    let mime = args.opt("mime-type")?;
    let vars = args.all("var");
    let given = [text.is_some(), media.is_some(), template.is_some()]
        .iter()
        .filter(|g| **g)
        .count();
    if given != 1 {
        return Err(usage("give exactly one of --text, --media or --template"));
    }
    if media.is_none() && (caption.is_some() || mime.is_some()) {
        return Err(usage("--caption and --mime-type go with --media"));
    }
    if template.is_none() && !vars.is_empty() {
        return Err(usage("--var goes with --template"));
    }
    if let Some(body) = text {
        return Ok(Content::Text { body });
    }
    if let Some(url) = media {
        let mut m = Media::new(url);
        if let Some(c) = caption {
            m = m.with_caption(c);
        }
        if let Some(t) = mime {
            m = m.with_mime_type(t);
        }
        return Ok(Content::Media(m));
    }
    let mut t = Template::named(template.unwrap_or_default());
    for v in vars {
        let Some((k, val)) = v.split_once('=') else {
            return Err(usage(format!("--var {v:?} is not K=V")));
        };
        t = t.with_variable(k, val);
    }
    Ok(Content::Template(t))
}

pub async fn send(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let to = args.req("to")?;
    let content = content(&mut args)?;
    let reference = args.opt("reference")?;
    let base_url = args.opt("base-url")?;
    let version = match args.opt("api")?.as_deref() {
        None | Some("v2") => ApiVersion::V2,
        Some("v1") => ApiVersion::V1,
        Some(other) => return Err(usage(format!("--api must be v2 or v1, not {other:?}"))),
    };
    args.finish()?;
    let to = PhoneNumber::parse(&to).map_err(|e| usage(format!("--to: {e}")))?;
    let mut builder = BotmakerProvider::builder()
        .access_token(env("BOTMAKER_ACCESS_TOKEN")?)
        .channel_id(env("BOTMAKER_CHANNEL_ID")?)
        .api_version(version);
    if let Some(url) = base_url {
        builder = builder.base_url(url);
    }
    let provider = builder.build().map_err(|e| usage(e.to_string()))?;
    let mut message = OutboundMessage::new(to, content);
    if let Some(r) = reference {
        message = message.with_reference(r);
    }
    let receipt = provider.send(&message).await.map_err(|e| match e {
        Error::Invalid(v) => usage(format!("invalid message: {v}")),
        other => usage(format!("send failed: {other}")),
    })?;
    let json = serde_json::to_string_pretty(&receipt)
        .map_err(|e| usage(format!("cannot print the receipt: {e}")))?;
    println!("{json}");
    Ok(())
}
