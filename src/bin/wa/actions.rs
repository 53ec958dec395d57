//! `wa typing twilio|botmaker` and `wa react botmaker`: the chat actions that are not
//! messages.

use clap::Args;
use whatsapp_connector::{
    Error, InboundMessage, MessageContent, ProviderKind, WhatsAppAddress, WhatsAppProvider,
};

use super::common::{
    BotmakerAuth, Failure, TwilioAuth, botmaker_channel, error_chain, http_url, print_line, usage,
};

#[derive(Debug, Args)]
pub struct TwilioTypingArgs {
    /// The SID of the user's message to answer (SM… or MM…, the webhook's MessageSid).
    #[arg(long, value_name = "ID")]
    message_id: String,
    /// The user who sent it: +E.164, or whatsapp:+E.164.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: WhatsAppAddress,
    #[command(flatten)]
    auth: TwilioAuth,
    /// Call this Messaging API host instead of Twilio's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

/// `wa typing twilio`: Twilio's typing indicator (a public beta at Twilio), which also marks
/// the message read.
pub async fn twilio_typing(args: TwilioTypingArgs) -> Result<(), Failure> {
    let mut builder = args.auth.builder()?;
    if let Some(b) = args.base_url {
        builder = builder.messaging_base_url(b);
    }
    let twilio = builder
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    let message = inbound(ProviderKind::TWILIO, &args.message_id, args.to.clone());
    twilio.typing(&message).await.map_err(failure)?;
    print_line(&format!(
        "typing: shown to {} in reply to {}",
        args.to, args.message_id
    ))
}

#[derive(Debug, Args)]
pub struct BotmakerTypingArgs {
    /// The id of the user's message to answer (the webhook's _id_).
    #[arg(long, value_name = "ID")]
    message_id: String,
    /// The user to show it to: their phone number, in international form.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: WhatsAppAddress,
    #[command(flatten)]
    auth: BotmakerAuth,
    /// The WhatsApp channel the user wrote to.
    #[arg(long, value_name = "ID", env = "BOTMAKER_CHANNEL_ID")]
    channel_id: Option<String>,
    /// Call this API host instead of Botmaker's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

/// `wa typing botmaker`: Botmaker's read/typing feedback with `typing: true`.
pub async fn botmaker_typing(args: BotmakerTypingArgs) -> Result<(), Failure> {
    let builder = args.auth.builder()?;
    let mut builder = builder.channel_id(botmaker_channel(args.channel_id)?);
    if let Some(url) = args.base_url {
        builder = builder.base_url(url);
    }
    let provider = builder
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    let message = inbound(ProviderKind::BOTMAKER, &args.message_id, args.to.clone());
    provider.typing(&message).await.map_err(failure)?;
    print_line(&format!(
        "typing: shown to {} in reply to {}",
        args.to, args.message_id
    ))
}

#[derive(Debug, Args)]
pub struct BotmakerReactArgs {
    /// The id of the message to react to (the webhook's _id_).
    #[arg(long, value_name = "ID")]
    message_id: String,
    /// React with this emoji (exactly one). Give exactly one of --emoji or --remove.
    #[arg(
        long,
        value_name = "E",
        required_unless_present = "remove",
        conflicts_with = "remove"
    )]
    emoji: Option<String>,
    /// Remove the reaction instead.
    #[arg(long)]
    remove: bool,
    /// The user whose chat the message is in. Botmaker finds the chat from the message, so
    /// it is only shown in the output.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: Option<WhatsAppAddress>,
    #[command(flatten)]
    auth: BotmakerAuth,
    /// Call this API host instead of Botmaker's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

/// `wa react botmaker`: sets or removes a reaction.
pub async fn botmaker_react(args: BotmakerReactArgs) -> Result<(), Failure> {
    let mut builder = args.auth.builder()?;
    if let Some(url) = args.base_url {
        builder = builder.base_url(url);
    }
    let provider = builder
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    let reaction = if args.remove {
        None
    } else {
        args.emoji.as_deref()
    };
    provider
        .react_to_message(&args.message_id, reaction)
        .await
        .map_err(failure)?;
    let chat = args
        .to
        .map(|t| format!(" in the chat with {t}"))
        .unwrap_or_default();
    print_line(&match reaction {
        Some(e) => format!("reaction: {e} on {}{chat}", args.message_id),
        None => format!("reaction: removed from {}{chat}", args.message_id),
    })
}

/// The inbound message the typing indicator answers, as far as the command line names it.
fn inbound(provider: ProviderKind, id: &str, from: WhatsAppAddress) -> InboundMessage {
    let mut message = InboundMessage::new(
        provider,
        id,
        MessageContent::Text {
            body: String::new(),
        },
    );
    message.from = Some(from);
    message
}

/// A failed call as `wa` reports it: what was refused before the call, or why the call
/// failed.
fn failure(e: Error) -> Failure {
    match e {
        Error::Invalid(v) => usage("invalid input", v),
        other => usage("cannot send", error_chain(&other)),
    }
}
