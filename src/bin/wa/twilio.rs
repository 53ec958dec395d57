//! `wa twilio …`, `wa parse twilio` and `wa send twilio`.

use clap::{Args, Subcommand, ValueEnum};
use whatsapp_connector::twilio::signature::{
    self, Algorithm, BODY_HASH_PARAM, SETTINGS_HEADER, SIGNATURE_HEADER, Verifier,
};
use whatsapp_connector::twilio::webhook::parse_request;
use whatsapp_connector::{
    Error, OutboundMessage, Template, VerifyError, WebhookRequest, WhatsAppAddress,
    WhatsAppProvider,
};

use super::common::{
    ContentArgs, Failure, TwilioAuth, credential, error_chain, header_value, http_url, invalid,
    non_empty, print_json, print_line, read_stdin, usage,
};

const FORM: &str = "application/x-www-form-urlencoded";
/// The key id `wa twilio verify --algorithm sha256` registers its key under.
const CLI_KEY_ID: &str = "wa";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the X-Twilio-Signature Twilio would send with the body on standard input.
    ///
    /// A JSON body is signed over the URL alone, which must then carry the body's hash as
    /// bodySHA256 in its query string; wa prints the URL Twilio would call when it does not.
    Sign(SignArgs),
    /// Check an X-Twilio-Signature against the body on standard input.
    ///
    /// Exit 0 when it is valid; 1 when it is not, naming the URL variants tried (with and
    /// without the default port), never the token.
    Verify(VerifyArgs),
}

/// The signature algorithm.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum AlgorithmArg {
    /// HMAC-SHA1 with the account's auth token.
    Sha1,
    /// HMAC-SHA256 with a shared key.
    Sha256,
}

impl From<AlgorithmArg> for Algorithm {
    fn from(a: AlgorithmArg) -> Self {
        match a {
            AlgorithmArg::Sha1 => Algorithm::HmacSha1,
            AlgorithmArg::Sha256 => Algorithm::HmacSha256,
        }
    }
}

/// What signing and verifying share.
#[derive(Debug, Args)]
pub struct Signing {
    /// The account's auth token (sha1), or the shared key (sha256).
    #[arg(long, value_name = "TOKEN", value_parser = non_empty)]
    token: String,
    /// The URL the webhook is sent to, exactly as Twilio calls it, query string included.
    #[arg(long, value_parser = http_url)]
    url: String,
    /// The signature algorithm.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Sha1)]
    algorithm: AlgorithmArg,
    /// The body's content type.
    #[arg(long, value_name = "CT", default_value = FORM, value_parser = header_value)]
    content_type: String,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    signing: Signing,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    signing: Signing,
    /// The X-Twilio-Signature header's value.
    #[arg(long, value_name = "SIG", value_parser = header_value)]
    signature: String,
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Sign(a) => sign(a),
        Command::Verify(a) => verify(a),
    }
}

fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/json")
        || media
            .rsplit_once('+')
            .is_some_and(|(_, s)| s.eq_ignore_ascii_case("json"))
}

/// `wa twilio sign`: prints the `X-Twilio-Signature` Twilio would send.
fn sign(args: SignArgs) -> Result<(), Failure> {
    let Signing {
        token,
        url,
        algorithm,
        content_type,
    } = args.signing;
    let algorithm = Algorithm::from(algorithm);
    let body = read_stdin("the webhook body")?;
    let sig = if is_json(&content_type) {
        // Twilio signs a JSON webhook's URL alone, with the body's hash in it.
        let hash = signature::body_sha256_hex(&body);
        let given = url
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or(""))
            .and_then(|q| {
                q.split('&')
                    .find_map(|p| p.strip_prefix(BODY_HASH_PARAM)?.strip_prefix('='))
            });
        match given {
            None => {
                return Err(usage(
                    "--url",
                    format!(
                        "a JSON body is signed with its hash in the URL, and this URL has no \
                         {BODY_HASH_PARAM}; Twilio would call {}",
                        signature::url_with_body_hash(&url, &body)
                    ),
                ));
            }
            Some(h) if !h.eq_ignore_ascii_case(&hash) => {
                return Err(usage(
                    "--url",
                    format!("{BODY_HASH_PARAM} does not match the body, whose SHA-256 is {hash}"),
                ));
            }
            Some(_) => {}
        }
        let none: [(&str, &str); 0] = [];
        signature::sign_with(algorithm, &token, &url, &none)
    } else {
        signature::sign_form_body(algorithm, &token, &url, &body)
            .map_err(|e| usage("invalid webhook", e))?
    };
    print_line(&sig)
}

/// `wa twilio verify`: exit 0 when the signature is valid, 1 (with the URLs tried) when
/// not.
fn verify(args: VerifyArgs) -> Result<(), Failure> {
    let Signing {
        token,
        url,
        algorithm,
        content_type,
    } = args.signing;
    let algorithm = Algorithm::from(algorithm);
    let body = read_stdin("the webhook body")?;
    let mut request = WebhookRequest::new(url, body)
        .with_header("content-type", &content_type)
        .with_header(SIGNATURE_HEADER, &args.signature);
    let verifier = match algorithm {
        Algorithm::HmacSha1 => Verifier::new().with_auth_token(token),
        _ => {
            request = request.with_header(
                SETTINGS_HEADER,
                &format!("key={CLI_KEY_ID},algorithm={}", algorithm.settings_name()),
            );
            Verifier::new().with_shared_key(CLI_KEY_ID, token)
        }
    };
    match verifier.verify_detailed(&request) {
        Ok(v) => print_line(&format!("valid: signed over {}", v.masked_url())),
        Err(e @ VerifyError::UnreadableBody { .. }) => Err(usage("invalid webhook", e)),
        Err(e) => Err(invalid("invalid signature", e)),
    }
}

#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The body's content type.
    #[arg(long, value_name = "CT", default_value = FORM, value_parser = header_value)]
    content_type: String,
}

/// `wa parse twilio`: prints the events as a JSON array.
pub fn parse(args: ParseArgs) -> Result<(), Failure> {
    let body = read_stdin("the webhook body")?;
    let request = WebhookRequest::new("https://localhost/", body)
        .with_header("content-type", &args.content_type);
    let events = parse_request(&request).map_err(|e| usage("invalid webhook", e))?;
    print_json("the events", &events)
}

#[derive(Debug, Args)]
pub struct SendArgs {
    /// The recipient: +E.164, or whatsapp:+E.164.
    #[arg(long, value_name = "NUMBER", value_parser = WhatsAppAddress::parse)]
    to: WhatsAppAddress,
    #[command(flatten)]
    content: ContentArgs,
    #[command(flatten)]
    auth: TwilioAuth,
    /// The sender: the bot's WhatsApp number, whatsapp:+E.164.
    #[arg(long, value_name = "NUMBER", env = "TWILIO_FROM")]
    from: Option<String>,
    /// Send to this API host instead of Twilio's (a test server).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    base_url: Option<String>,
}

/// `wa send twilio`: sends one message and prints the receipt as JSON.
pub async fn send(args: SendArgs) -> Result<(), Failure> {
    let builder = args.auth.builder()?;
    let from = credential(args.from, "sender", "TWILIO_FROM", "--from")?;
    let content = args.content.into_content(
        |name| {
            if name.starts_with("HX") {
                Template::content_sid(name)
            } else {
                Template::named(name)
            }
        },
        None,
    )?;
    let mut builder = builder.from(&from);
    if let Some(b) = args.base_url {
        builder = builder.base_url(b);
    }
    let twilio = builder
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    let receipt = twilio
        .send(&OutboundMessage::new(args.to, content))
        .await
        .map_err(|e| match e {
            Error::Invalid(v) => usage("invalid message", v),
            other => usage("cannot send", error_chain(&other)),
        })?;
    print_json("the receipt", &receipt)
}
