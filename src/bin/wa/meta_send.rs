//! `wa send meta`, `wa typing meta` and `wa react meta`: calls to Meta's Cloud API.

use clap::Args;
use whatsapp_connector::meta::{MetaBuilder, MetaProvider};
use whatsapp_connector::{
    Error, InboundMessage, MessageContent, OutboundMessage, ProviderKind, Template,
    WhatsAppAddress, WhatsAppProvider,
};

use super::common::{
    ContentArgs, Failure, credential, error_chain, http_url, print_json, print_line, usage,
};

/// Meta's access token and the phone number id to send from, from the flags or the
/// environment.
#[derive(Debug, Args)]
pub struct MetaAuth {
    /// The Cloud API access token. Prefer the environment variable: command lines can be
    /// seen by other users of the machine.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "META_ACCESS_TOKEN",
        hide_env_values = true
    )]
    access_token: Option<String>,
    /// The id of the business phone number to send from (not the number itself).
    #[arg(long, value_name = "ID", env = "META_PHONE_NUMBER_ID")]
    phone_number_id: Option<String>,
    /// The Graph API version.
    #[arg(long, value_name = "VERSION", default_value = "v23.0")]
    api_version: String,
    /// Call this host instead of the Graph API (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

impl MetaAuth {
    /// The provider, or the usage failure saying what is missing or wrong.
    fn provider(self) -> Result<MetaProvider, Failure> {
        let token = credential(
            self.access_token,
            "access token",
            "META_ACCESS_TOKEN",
            "--access-token",
        )?;
        let phone = credential(
            self.phone_number_id,
            "phone number id",
            "META_PHONE_NUMBER_ID",
            "--phone-number-id",
        )?;
        let mut builder: MetaBuilder = MetaProvider::builder()
            .access_token(token)
            .phone_number_id(phone)
            .api_version(self.api_version);
        if let Some(url) = self.base_url {
            builder = builder.base_url(url);
        }
        builder
            .build()
            .map_err(|e| usage("invalid configuration", e))
    }
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The recipient's phone number, in international form.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: WhatsAppAddress,
    #[command(flatten)]
    content: ContentArgs,
    /// The media's MIME type, when its URL does not tell (image/jpeg, video/mp4, …).
    #[arg(long, value_name = "TYPE", requires = "media")]
    mime_type: Option<String>,
    /// The template's language, as approved (en_US, es, pt_BR).
    #[arg(
        long,
        value_name = "CODE",
        default_value = "en_US",
        requires = "template"
    )]
    language: String,
    #[command(flatten)]
    auth: MetaAuth,
}

/// `wa send meta`: sends one message and prints the receipt as JSON.
pub async fn send(args: SendArgs) -> Result<(), Failure> {
    let language = args.language;
    let content = args.content.into_content(
        |name| Template::named(name).with_language(language),
        args.mime_type,
    )?;
    let provider = args.auth.provider()?;
    let receipt = provider
        .send(&OutboundMessage::new(args.to, content))
        .await
        .map_err(failure)?;
    print_json("the receipt", &receipt)
}

#[derive(Debug, Args)]
pub struct TypingArgs {
    /// The id of the user's message to answer (the webhook's wamid.…).
    #[arg(long, value_name = "ID")]
    message_id: String,
    /// The user who sent it, in international form.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: WhatsAppAddress,
    #[command(flatten)]
    auth: MetaAuth,
}

/// `wa typing meta`: marks the message read and shows "typing…".
pub async fn typing(args: TypingArgs) -> Result<(), Failure> {
    let provider = args.auth.provider()?;
    let mut message = InboundMessage::new(
        ProviderKind::META,
        &args.message_id,
        MessageContent::Text {
            body: String::new(),
        },
    );
    message.from = Some(args.to.clone());
    provider.typing(&message).await.map_err(failure)?;
    print_line(&format!(
        "typing: shown to {} in reply to {}",
        args.to, args.message_id
    ))
}

#[derive(Debug, Args)]
pub struct ReactArgs {
    /// The id of the message to react to (wamid.…).
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
    /// The user whose chat the message is in, in international form. Meta needs it.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: Option<WhatsAppAddress>,
    #[command(flatten)]
    auth: MetaAuth,
}

/// `wa react meta`: sets or removes a reaction.
pub async fn react(args: ReactArgs) -> Result<(), Failure> {
    let Some(to) = args.to else {
        return Err(usage(
            "--to",
            "Meta sends a reaction into a chat: name the user with --to",
        ));
    };
    let reaction = if args.remove {
        None
    } else {
        args.emoji.as_deref()
    };
    let provider = args.auth.provider()?;
    provider
        .react(&args.message_id, &to, reaction)
        .await
        .map_err(failure)?;
    print_line(&match reaction {
        Some(e) => format!("reaction: {e} on {} in the chat with {to}", args.message_id),
        None => format!(
            "reaction: removed from {} in the chat with {to}",
            args.message_id
        ),
    })
}

/// A failed call as `wa` reports it.
fn failure(e: Error) -> Failure {
    match e {
        Error::Invalid(v) => usage("invalid input", v),
        other => usage("cannot send", error_chain(&other)),
    }
}
