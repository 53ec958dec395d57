//! `wa simulate twilio|botmaker|meta`: send a correctly signed webhook to a running server, as the
//! provider would, to test a deployment.

use std::time::Duration;

use clap::Args;
use whatsapp_connector::testing::{BotmakerWebhook, MetaWebhook, TwilioWebhook};
use whatsapp_connector::{PhoneNumber, WebhookRequest};

use super::common::{
    Failure, error_chain, http_url, invalid, non_empty, print_line, shown_url, usage,
};

/// The phone number id put in simulated Meta webhooks when none is given.
const PLACEHOLDER_PHONE_NUMBER_ID: &str = "100000000000000";
/// The account SID put in simulated Twilio webhooks when none is given.
const PLACEHOLDER_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// How long the server has to answer.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The most of an error answer's body that is shown.
const BODY_SHOWN: usize = 200;

/// What both providers' simulated webhooks take.
#[derive(Debug, Args)]
pub struct Webhook {
    /// The webhook URL of the running server, exactly as the provider is configured to call
    /// it (the signature covers it).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    target: String,
    /// The secret the server verifies with: for Twilio the auth token, for Botmaker the
    /// webhook token.
    #[arg(long, value_name = "TOKEN", value_parser = non_empty)]
    token: String,
    /// The user who writes, in international form.
    #[arg(long, value_name = "NUMBER", value_parser = PhoneNumber::parse)]
    from: PhoneNumber,
    /// The bot's number (Twilio) or WhatsApp line (Botmaker) the message is sent to.
    #[arg(long, value_name = "NUMBER", value_parser = PhoneNumber::parse)]
    to: PhoneNumber,
    /// The message's text.
    #[arg(long, value_name = "TEXT")]
    text: String,
}

#[derive(Debug, Args)]
pub struct TwilioArgs {
    #[command(flatten)]
    webhook: Webhook,
    /// The account SID put in the webhook.
    #[arg(long, value_name = "SID", default_value = PLACEHOLDER_ACCOUNT_SID)]
    account_sid: String,
}

#[derive(Debug, Args)]
pub struct BotmakerArgs {
    #[command(flatten)]
    webhook: Webhook,
}

#[derive(Debug, Args)]
pub struct MetaArgs {
    /// The webhook URL of the running server (the callback URL configured at Meta).
    #[arg(long, value_name = "URL", value_parser = http_url)]
    target: String,
    /// The app secret the server verifies with.
    #[arg(long, value_name = "SECRET", value_parser = non_empty)]
    app_secret: String,
    /// The user who writes, in international form.
    #[arg(long, value_name = "NUMBER", value_parser = PhoneNumber::parse)]
    from: PhoneNumber,
    /// The business number the message is sent to (the webhook's display_phone_number).
    #[arg(long, value_name = "NUMBER", value_parser = PhoneNumber::parse)]
    to: PhoneNumber,
    /// The business number's phone number id (the webhook's phone_number_id), which the
    /// server may route by.
    #[arg(long, value_name = "ID", default_value = PLACEHOLDER_PHONE_NUMBER_ID)]
    phone_number_id: String,
    /// The message's text.
    #[arg(long, value_name = "TEXT")]
    text: String,
}

/// `wa simulate twilio`.
pub async fn twilio(args: TwilioArgs) -> Result<(), Failure> {
    let w = &args.webhook;
    let request = TwilioWebhook::inbound_text(&args.account_sid, &w.from, &w.to, &w.text)
        .request(&w.target, &w.token);
    deliver(&w.target, &request, &format!("the number {}", w.to)).await
}

/// `wa simulate botmaker`.
pub async fn botmaker(args: BotmakerArgs) -> Result<(), Failure> {
    let w = &args.webhook;
    let request =
        BotmakerWebhook::inbound_text(&w.from, &w.to, &w.text).request(&w.target, &w.token);
    deliver(&w.target, &request, &format!("the channel of {}", w.to)).await
}

/// `wa simulate meta`.
pub async fn meta(args: MetaArgs) -> Result<(), Failure> {
    let request = MetaWebhook::new(&args.phone_number_id, &args.to)
        .text(&args.from, &args.text)
        .request(&args.target, &args.app_secret);
    let bot = format!(
        "the phone number id {} or the number {}",
        args.phone_number_id, args.to
    );
    deliver(&args.target, &request, &bot).await
}

/// POSTs the webhook and reports the answer: its status on success, a hint on failure.
async fn deliver(target: &str, request: &WebhookRequest, bot: &str) -> Result<(), Failure> {
    let http = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| usage("cannot build an HTTP client", error_chain(&e)))?;
    let response = http
        .request(request.method().clone(), request.url())
        .headers(request.headers().clone())
        .body(request.body().clone())
        .send()
        .await
        .map_err(|e| {
            let target = shown_url(target);
            usage(format!("cannot reach {target}"), error_chain(&e))
        })?;
    let status = response.status();
    if status.is_success() {
        return print_line(&status.as_u16().to_string());
    }
    let said = response.text().await.unwrap_or_default();
    let said = one_line(&said);
    let mut why = match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    };
    if !said.is_empty() {
        why.push_str(&format!(" ({said:?})"));
    }
    let hint = match status.as_u16() {
        404 => {
            format!("; no bot is registered for {bot} at that URL (check --to and the URL's path)")
        }
        403 => "; the server refused the signature: the URL or the token does not match what \
                the server verifies with (the URL must be exactly the public one it sees)"
            .to_owned(),
        _ => String::new(),
    };
    Err(invalid(shown_url(target), format!("answered {why}{hint}")))
}

/// Up to `BODY_SHOWN` characters of a body, on one line.
fn one_line(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(BODY_SHOWN) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}
