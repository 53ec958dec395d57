//! `wa twilio …`, `wa parse twilio` and `wa send twilio`.

use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::signature::{
    self, Algorithm, BODY_HASH_PARAM, SETTINGS_HEADER, SIGNATURE_HEADER, Verifier,
};
use whatsapp_connector::twilio::webhook::parse_request;
use whatsapp_connector::{
    Content, Media, OutboundMessage, Template, VerifyError, WebhookRequest, WhatsAppAddress,
    WhatsAppProvider,
};

use crate::args::{Args, Failure, read_stdin, usage};

const FORM: &str = "application/x-www-form-urlencoded";
/// The key id `wa twilio verify --algorithm sha256` registers its key under.
const CLI_KEY_ID: &str = "wa";

pub fn run(command: &str, rest: &[String]) -> Result<(), Failure> {
    match command {
        "sign" => sign(rest),
        "verify" => verify(rest),
        other => Err(usage(format!(
            "unknown twilio command {other:?}; expected sign or verify"
        ))),
    }
}

fn algorithm(args: &mut Args) -> Result<Algorithm, Failure> {
    match args.opt("algorithm")?.as_deref() {
        None | Some("sha1") => Ok(Algorithm::HmacSha1),
        Some("sha256") => Ok(Algorithm::HmacSha256),
        Some(other) => Err(usage(format!(
            "--algorithm must be sha1 or sha256, got {other:?}"
        ))),
    }
}

fn is_json(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/json")
        || media
            .rsplit_once('+')
            .is_some_and(|(_, s)| s.eq_ignore_ascii_case("json"))
}

fn token(args: &mut Args) -> Result<String, Failure> {
    let t = args.req("token")?;
    if t.is_empty() {
        return Err(usage("--token is empty"));
    }
    Ok(t)
}

/// `wa twilio sign`: prints the `X-Twilio-Signature` Twilio would send.
fn sign(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let token = token(&mut args)?;
    let url = args.req("url")?;
    let algorithm = algorithm(&mut args)?;
    let content_type = args.opt("content-type")?.unwrap_or_else(|| FORM.to_owned());
    args.finish()?;
    let body = read_stdin()?;
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
                return Err(usage(format!(
                    "a JSON body is signed with its hash in the URL, and --url has no \
                     {BODY_HASH_PARAM}; Twilio would call {}",
                    signature::url_with_body_hash(&url, &body)
                )));
            }
            Some(h) if !h.eq_ignore_ascii_case(&hash) => {
                return Err(usage(format!(
                    "{BODY_HASH_PARAM} in --url does not match the body, whose SHA-256 is {hash}"
                )));
            }
            Some(_) => {}
        }
        let none: [(&str, &str); 0] = [];
        signature::sign_with(algorithm, &token, &url, &none)
    } else {
        signature::sign_form_body(algorithm, &token, &url, &body)
            .map_err(|e| usage(format!("invalid body: {e}")))?
    };
    println!("{sig}");
    Ok(())
}

/// `wa twilio verify`: exit 0 when the signature is valid, 1 (with the URLs tried) when
/// not.
fn verify(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let token = token(&mut args)?;
    let url = args.req("url")?;
    let sig = args.req("signature")?;
    let algorithm = algorithm(&mut args)?;
    let content_type = args.opt("content-type")?.unwrap_or_else(|| FORM.to_owned());
    args.finish()?;
    if http::HeaderValue::from_str(&sig).is_err() {
        return Err(usage("--signature is not a valid header value"));
    }
    if http::HeaderValue::from_str(&content_type).is_err() {
        return Err(usage("--content-type is not a valid header value"));
    }
    let body = read_stdin()?;
    let mut request = WebhookRequest::new(url, body)
        .with_header("content-type", &content_type)
        .with_header(SIGNATURE_HEADER, &sig);
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
        Ok(v) => {
            println!("valid: signed over {}", v.masked_url());
            Ok(())
        }
        Err(e @ VerifyError::UnreadableBody { .. }) => Err(usage(e.to_string())),
        Err(e) => Err(Failure::Invalid(format!("invalid signature: {e}"))),
    }
}

/// `wa parse twilio`: prints the events as a JSON array.
pub fn parse(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let content_type = args.opt("content-type")?.unwrap_or_else(|| FORM.to_owned());
    args.finish()?;
    if http::HeaderValue::from_str(&content_type).is_err() {
        return Err(usage("--content-type is not a valid header value"));
    }
    let body = read_stdin()?;
    let request =
        WebhookRequest::new("https://localhost/", body).with_header("content-type", &content_type);
    let events = parse_request(&request).map_err(|e| usage(format!("invalid webhook: {e}")))?;
    let json = serde_json::to_string_pretty(&events)
        .map_err(|e| usage(format!("could not write the events: {e}")))?;
    println!("{json}");
    Ok(())
}

fn env(name: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(usage(format!("the environment variable {name} is not set"))),
    }
}

/// `wa send twilio`: sends one message and prints the receipt as JSON.
pub async fn send(rest: &[String]) -> Result<(), Failure> {
    let mut args = Args::parse(rest, &[])?;
    let to = args.req("to")?;
    let text = args.opt("text")?;
    let media = args.opt("media")?;
    let caption = args.opt("caption")?;
    let template = args.opt("template")?;
    let vars = args.all("var");
    let base_url = args.opt("base-url")?;
    args.finish()?;

    let to = WhatsAppAddress::parse(&to).map_err(|e| usage(format!("--to: {e}")))?;
    if caption.is_some() && media.is_none() {
        return Err(usage("--caption goes with --media"));
    }
    if !vars.is_empty() && template.is_none() {
        return Err(usage("--var goes with --template"));
    }
    let content = match (text, media, template) {
        (Some(t), None, None) => Content::Text { body: t },
        (None, Some(url), None) => {
            let mut m = Media::new(url);
            if let Some(c) = caption {
                m = m.with_caption(c);
            }
            Content::Media(m)
        }
        (None, None, Some(name)) => {
            let mut t = if name.starts_with("HX") {
                Template::content_sid(name)
            } else {
                Template::named(name)
            };
            for var in vars {
                let (k, v) = var
                    .split_once('=')
                    .ok_or_else(|| usage(format!("--var must be KEY=VALUE, got {var:?}")))?;
                t = t.with_variable(k, v);
            }
            Content::Template(t)
        }
        _ => {
            return Err(usage("give exactly one of --text, --media or --template"));
        }
    };

    let sid = env("TWILIO_ACCOUNT_SID")?;
    let token = env("TWILIO_AUTH_TOKEN")?;
    let from = env("TWILIO_FROM")?;
    let mut builder = TwilioProvider::builder(sid).auth_token(token).from(&from);
    if let Some(b) = base_url {
        builder = builder.base_url(b);
    }
    let twilio = builder
        .build()
        .map_err(|e| usage(format!("invalid configuration: {e}")))?;
    let receipt = twilio
        .send(&OutboundMessage::new(to, content))
        .await
        .map_err(|e| usage(format!("send failed: {e}")))?;
    let json = serde_json::to_string_pretty(&receipt)
        .map_err(|e| usage(format!("could not write the receipt: {e}")))?;
    println!("{json}");
    Ok(())
}
