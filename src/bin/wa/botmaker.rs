//! `wa botmaker …`, `wa parse botmaker` and `wa send botmaker`.

use clap::{Args, Subcommand, ValueEnum};
use whatsapp_connector::botmaker::{ApiVersion, BotmakerProvider};
use whatsapp_connector::{
    Error, OutboundMessage, PhoneNumber, Template, WebhookRequest, WhatsAppProvider,
};

use super::common::{
    BotmakerAuth, ContentArgs, Failure, botmaker_channel, error_chain, header_value, http_url,
    invalid, non_empty, parse_json_webhook, print_json, print_line, usage,
};

/// The URL the webhook is taken to have arrived at: Botmaker's token does not cover it.
const WEBHOOK_URL: &str = "https://localhost/botmaker";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a webhook's auth-bm-token header against the webhook tokens.
    ///
    /// Exit 0 when it matches one of them; 1 when it matches none, never printing a token.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A webhook token the bot accepts; repeat it while tokens are being rotated.
    #[arg(long, value_name = "TOKEN", required = true, value_parser = non_empty)]
    token: Vec<String>,
    /// The auth-bm-token header's value, as received.
    #[arg(long, value_name = "VALUE")]
    header: String,
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Verify(a) => verify(a),
    }
}

fn verify(args: VerifyArgs) -> Result<(), Failure> {
    // Checked here rather than by the parser, whose message would show the value: it may
    // be a token.
    if http::HeaderValue::from_str(&args.header).is_err() {
        return Err(usage(
            "--header",
            "holds characters an HTTP header cannot carry",
        ));
    }
    let mut builder = BotmakerProvider::builder();
    for t in args.token {
        builder = builder.webhook_token(t);
    }
    let provider = builder.build().map_err(|e| usage("--token", e))?;
    let request =
        WebhookRequest::new(WEBHOOK_URL, Vec::new()).with_header("auth-bm-token", &args.header);
    match provider.verify(&request) {
        Ok(()) => print_line("valid"),
        Err(e) => Err(invalid("invalid signature", e)),
    }
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The body's content type.
    #[arg(long, value_name = "CT", default_value = "application/json", value_parser = header_value)]
    content_type: String,
}

/// `wa parse botmaker`: prints the events as a JSON array.
pub fn parse(args: ParseArgs) -> Result<(), Failure> {
    let provider = BotmakerProvider::builder()
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    parse_json_webhook(&provider, WEBHOOK_URL, &args.content_type)
}

/// Botmaker's API version.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ApiArg {
    /// The current API.
    V2,
    /// The legacy API.
    V1,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The recipient's phone number, in international form.
    #[arg(long, value_name = "NUMBER", value_parser = PhoneNumber::parse)]
    to: PhoneNumber,
    #[command(flatten)]
    content: ContentArgs,
    /// The media's MIME type, when its URL does not tell.
    #[arg(long, value_name = "TYPE", requires = "media")]
    mime_type: Option<String>,
    /// Your own reference for the message, echoed in its status notifications.
    #[arg(long, value_name = "REF")]
    reference: Option<String>,
    /// The Botmaker API version.
    #[arg(long, value_enum, default_value_t = ApiArg::V2)]
    api: ApiArg,
    #[command(flatten)]
    auth: BotmakerAuth,
    /// The WhatsApp channel to send from.
    #[arg(long, value_name = "ID", env = "BOTMAKER_CHANNEL_ID")]
    channel_id: Option<String>,
    /// Send to this API host instead of Botmaker's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

/// `wa send botmaker`: sends one message and prints the receipt as JSON.
pub async fn send(args: SendArgs) -> Result<(), Failure> {
    let builder = args.auth.builder()?;
    let channel = botmaker_channel(args.channel_id)?;
    let content = args.content.into_content(Template::named, args.mime_type)?;
    let version = match args.api {
        ApiArg::V2 => ApiVersion::V2,
        ApiArg::V1 => ApiVersion::V1,
    };
    let mut builder = builder.channel_id(channel).api_version(version);
    if let Some(url) = args.base_url {
        builder = builder.base_url(url);
    }
    let provider = builder
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    let mut message = OutboundMessage::new(args.to, content);
    if let Some(r) = args.reference {
        message = message.with_reference(r);
    }
    let receipt = provider.send(&message).await.map_err(|e| match e {
        Error::Invalid(v) => usage("invalid message", v),
        other => usage("cannot send", error_chain(&other)),
    })?;
    print_json("the receipt", &receipt)
}
