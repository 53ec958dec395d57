//! `wa meta …` and `wa parse meta`.

use clap::{Args, Subcommand};
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::meta::signature::{SIGNATURE_HEADER, sign};
use whatsapp_connector::{WebhookRequest, WhatsAppProvider};

use super::common::{
    Failure, header_value, invalid, non_empty, parse_json_webhook, print_line, read_stdin, usage,
};

/// The URL the webhook is taken to have arrived at: Meta's signature does not cover it.
const WEBHOOK_URL: &str = "https://localhost/meta";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the X-Hub-Signature-256 Meta would send with the body on standard input:
    /// sha256= and the HMAC-SHA256 of the body with the app secret, in hexadecimal.
    Sign(SignArgs),
    /// Check an X-Hub-Signature-256 against the body on standard input.
    ///
    /// Exit 0 when one of the app secrets signed the body; 1 when none did or the signature
    /// is malformed (saying which), never printing a secret.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The app secret (App settings › Basic in Meta's app dashboard).
    #[arg(long, value_name = "SECRET", value_parser = non_empty)]
    app_secret: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An app secret the bot accepts; repeat it while secrets are being rotated.
    #[arg(long, value_name = "SECRET", required = true, value_parser = non_empty)]
    app_secret: Vec<String>,
    /// The X-Hub-Signature-256 header's value, as received (sha256=…).
    #[arg(long, value_name = "SIG")]
    signature: String,
}

pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Sign(a) => {
            let body = read_stdin("the webhook body")?;
            print_line(&sign(&a.app_secret, &body))
        }
        Command::Verify(a) => verify(a),
    }
}

fn verify(args: VerifyArgs) -> Result<(), Failure> {
    if http::HeaderValue::from_str(&args.signature).is_err() {
        return Err(usage(
            "--signature",
            "holds characters an HTTP header cannot carry",
        ));
    }
    let mut builder = MetaProvider::builder();
    for s in args.app_secret {
        builder = builder.app_secret(s);
    }
    let provider = builder.build().map_err(|e| usage("--app-secret", e))?;
    let body = read_stdin("the webhook body")?;
    let request =
        WebhookRequest::new(WEBHOOK_URL, body).with_header(SIGNATURE_HEADER, &args.signature);
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

/// `wa parse meta`: prints the events as a JSON array.
pub fn parse(args: ParseArgs) -> Result<(), Failure> {
    let provider = MetaProvider::builder()
        .build()
        .map_err(|e| usage("invalid configuration", e))?;
    parse_json_webhook(&provider, WEBHOOK_URL, &args.content_type)
}
