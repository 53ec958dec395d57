//! `wa simulate twilio|botmaker`: send a correctly signed webhook to a running server, as the
//! provider would, to test a deployment.

use whatsapp_connector::PhoneNumber;
use whatsapp_connector::testing::{BotmakerWebhook, TwilioWebhook, post};

use crate::args::{Args, Failure, usage};

/// The account SID put in simulated Twilio webhooks when none is given.
const PLACEHOLDER_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";

pub async fn run(provider: &str, rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let target = args.req("target")?;
    let token = args.req("token")?;
    let from = number(&args.req("from")?, "--from")?;
    let to = number(&args.req("to")?, "--to")?;
    let text = args.req("text")?;
    let account_sid = args.opt("account-sid")?;
    args.finish()?;
    match url::Url::parse(&target) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
        _ => {
            return Err(usage(format!(
                "--target must be an http(s) URL, got {target:?}"
            )));
        }
    }
    let request = match provider {
        "twilio" => {
            let sid = account_sid.as_deref().unwrap_or(PLACEHOLDER_ACCOUNT_SID);
            TwilioWebhook::inbound_text(sid, &from, &to, &text).request(&target, &token)
        }
        "botmaker" => {
            if account_sid.is_some() {
                return Err(usage("--account-sid is for twilio only"));
            }
            BotmakerWebhook::inbound_text(&from, &to, &text).request(&target, &token)
        }
        other => {
            return Err(usage(format!(
                "unknown provider {other:?}; expected twilio or botmaker"
            )));
        }
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| usage(format!("could not build an HTTP client: {e}")))?;
    let status = post(&http, &request)
        .await
        .map_err(|e| usage(format!("could not reach {target}: {e}")))?;
    if (200..300).contains(&status) {
        println!("{status}");
        Ok(())
    } else if status == 403 {
        Err(Failure::Invalid(format!(
            "{target} answered 403: it refused the signature (check the token and that the URL is exactly the public one it verifies)"
        )))
    } else {
        Err(Failure::Invalid(format!("{target} answered {status}")))
    }
}

fn number(s: &str, flag: &str) -> Result<PhoneNumber, Failure> {
    PhoneNumber::parse(s).map_err(|e| usage(format!("{flag}: {e}")))
}
