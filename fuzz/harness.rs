//! The fuzz targets' entry points, shared by the libFuzzer targets under `fuzz_targets/` and
//! by `tests/fuzz_corpus.rs`, which replays the committed corpus through them on every
//! `cargo test`.
//!
//! Each entry point takes arbitrary bytes, cuts them into the parts of a request or a
//! command line, and drives the crate's parse and verify paths. Besides "no panic", each
//! checks properties that must hold for every input: a signature made by the crate verifies,
//! `verify_and_parse` agrees with `verify` then `parse`, parsed events survive a JSON round
//! trip, and a parsed address reads back as itself.
//!
//! Input layouts (see `fuzz/README.md`):
//! - `twilio_webhook`: `URL \n CONTENT-TYPE \n SIGNATURE \n SETTINGS \n BODY`; a content type
//!   of `GET` makes it a `GET` without a body.
//! - `botmaker_webhook`: `CONTENT-TYPE \n TOKEN-HEADER \n BODY`.
//! - `meta_webhook`: `CONTENT-TYPE \n SIGNATURE \n BODY` (see `meta.rs`).
//! - `address`: the whole input is one string.
//! - `wa`: the arguments separated by NUL bytes, then a `0xFF` byte, then standard input.

#![allow(dead_code)]

use std::sync::OnceLock;

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::{BotConfig, QueryValueStyle};
use whatsapp_connector::twilio::signature::{self, Algorithm, Verifier};
use whatsapp_connector::twilio::{MessageRequest, TwilioProvider};
use whatsapp_connector::{
    Content, Error, InboundEvent, Limits, Media, MessageContent, OutboundMessage, PhoneNumber,
    Template, WebhookRequest, WhatsAppAddress, WhatsAppProvider, links,
};

// Cuts the `wa` target's input into the flags each command reads.
#[path = "args.rs"]
mod args;

// Meta's webhooks and verification request.
#[path = "meta.rs"]
mod meta;
pub use meta::meta_webhook;

/// The account, tokens and keys the targets verify with (invented values).
pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// The Twilio auth token.
pub const AUTH_TOKEN: &str = "12345";
/// The id of the Twilio shared key.
pub const SHARED_KEY_ID: &str = "k1";
/// The Twilio shared key.
pub const SHARED_KEY: &str = "shared-key-0001";
/// The Botmaker webhook token.
pub const BOTMAKER_TOKEN: &str = "bm-webhook-token-1";

/// One provider for every input: building one builds an HTTP client, which is slow.
fn twilio_provider() -> &'static TwilioProvider {
    static P: OnceLock<TwilioProvider> = OnceLock::new();
    P.get_or_init(|| {
        TwilioProvider::builder(ACCOUNT_SID)
            .auth_token(AUTH_TOKEN)
            .shared_key(SHARED_KEY_ID, SHARED_KEY)
            .from("whatsapp:+14155238886")
            .build()
            .expect("a valid configuration")
    })
}

fn botmaker_provider() -> &'static BotmakerProvider {
    static P: OnceLock<BotmakerProvider> = OnceLock::new();
    P.get_or_init(|| {
        BotmakerProvider::builder()
            .webhook_token(BOTMAKER_TOKEN)
            .build()
            .expect("a valid configuration")
    })
}

/// Cuts `data` at the first `n` newlines: `n` fields, then the rest. Missing fields are
/// empty.
fn fields(data: &[u8], n: usize) -> (Vec<&[u8]>, &[u8]) {
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    for _ in 0..n {
        match rest.iter().position(|b| *b == b'\n') {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 1..];
            }
            None => {
                out.push(rest);
                rest = &[];
            }
        }
    }
    (out, rest)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// True when an address's JSON form reads back as itself. It does not for a user id that
/// starts with `+` or a second `whatsapp:` and then reads as a phone number (or as an
/// invalid one): the event JSON has one string for both kinds.
fn lossless(a: &WhatsAppAddress) -> bool {
    let json = serde_json::to_string(a).expect("an address serializes");
    serde_json::from_str::<WhatsAppAddress>(&json).as_ref().ok() == Some(a)
}

/// Events must serialize, read back as themselves (see [`lossless`]), and have a dedup key.
fn check_events(events: &[InboundEvent]) {
    for e in events {
        let _ = e.dedup_key();
        let json = serde_json::to_string(e).expect("an event serializes");
        let addresses: Vec<&WhatsAppAddress> = match e {
            InboundEvent::Message(m) => m.from.iter().chain(m.to.iter()).collect(),
            InboundEvent::Status(s) => s.recipient.iter().collect(),
            _ => Vec::new(),
        };
        if addresses.into_iter().all(lossless) {
            let mut back: InboundEvent = serde_json::from_str(&json)
                .unwrap_or_else(|err| panic!("an event reads back from {json}: {err}"));
            same_coordinates(&mut back, e);
            assert_eq!(&back, e, "the event changed through JSON: {json}");
        }
    }
}

/// serde_json's default float parser may read a printed `f64` back one unit in the last
/// place off (for long mantissas with large exponents). Coordinates that close are taken as
/// the same; any other difference still fails.
fn same_coordinates(back: &mut InboundEvent, original: &InboundEvent) {
    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= a.abs().max(b.abs()) * 1e-15
    }
    if let (InboundEvent::Message(b), InboundEvent::Message(o)) = (back, original)
        && let (
            MessageContent::Location {
                latitude: bl,
                longitude: bo,
                ..
            },
            MessageContent::Location {
                latitude: ol,
                longitude: oo,
                ..
            },
        ) = (&mut b.content, &o.content)
        && close(*bl, *ol)
        && close(*bo, *oo)
    {
        *bl = *ol;
        *bo = *oo;
    }
}

/// Twilio: form (or JSON, or GET) webhooks through the provider's verify, parse and
/// verify_and_parse, and the signer against the verifier.
pub fn twilio_webhook(data: &[u8]) {
    let (f, body) = fields(data, 4);
    let url = text(f[0]);
    let content_type = text(f[1]);
    let signature_header = text(f[2]);
    let settings = text(f[3]);
    let get = content_type == "GET";

    let mut request = WebhookRequest::new(url.clone(), if get { &[][..] } else { body }.to_vec());
    if get {
        request = request.with_method(http::Method::GET);
    } else if !content_type.is_empty() {
        request = request.with_header("content-type", &content_type);
    }
    if !signature_header.is_empty() {
        request = request.with_header(signature::SIGNATURE_HEADER, &signature_header);
    }
    if !settings.is_empty() {
        request = request.with_header(signature::SETTINGS_HEADER, &settings);
    }

    let provider = twilio_provider();
    let verified = provider.verify(&request);
    let parsed = provider.parse(&request);
    if let Ok(events) = &parsed {
        check_events(events);
    }
    // verify_and_parse decodes once; it must agree with verify followed by parse.
    match (verified, parsed, provider.verify_and_parse(&request)) {
        (Err(v), _, Err(Error::Verify(both))) => assert_eq!(v, both),
        (Ok(()), Ok(events), Ok(both)) => assert_eq!(events, both),
        (Ok(()), Err(p), Err(Error::Parse(both))) => assert_eq!(p, both),
        (v, p, both) => panic!("verify_and_parse disagrees: {v:?} / {p:?} / {both:?}"),
    }

    // What the crate signs, it verifies: sign the received body at the received URL.
    if get || url.contains(signature::BODY_HASH_PARAM) {
        return;
    }
    let is_json = request
        .content_type()
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase())
        .is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"));
    for algorithm in [Algorithm::HmacSha1, Algorithm::HmacSha256] {
        let (key, verifier) = match algorithm {
            Algorithm::HmacSha1 => (AUTH_TOKEN, Verifier::new().with_auth_token(AUTH_TOKEN)),
            _ => (
                SHARED_KEY,
                Verifier::new().with_shared_key(SHARED_KEY_ID, SHARED_KEY),
            ),
        };
        let (signed_url, sig) = if is_json {
            let u = signature::url_with_body_hash(&url, body);
            let none: [(&str, &str); 0] = [];
            let s = signature::sign_with(algorithm, key, &u, &none);
            (u, s)
        } else {
            match signature::sign_form_body(algorithm, key, &url, body) {
                Ok(s) => (url.clone(), s),
                Err(_) => continue,
            }
        };
        let mut signed = WebhookRequest::new(signed_url, body.to_vec())
            .with_header(signature::SIGNATURE_HEADER, &sig);
        if let Some(ct) = request.content_type() {
            signed = signed.with_header("content-type", ct);
        }
        if algorithm != Algorithm::HmacSha1 {
            signed = signed.with_header(
                signature::SETTINGS_HEADER,
                &format!(
                    "key={SHARED_KEY_ID},algorithm={}",
                    algorithm.settings_name()
                ),
            );
        }
        if let Err(e) = verifier.verify(&signed) {
            panic!(
                "a signature made by the crate over {:?} did not verify: {e}",
                signed.url()
            );
        }
    }
}

/// Botmaker: JSON webhooks through verify, parse and the typed payload.
pub fn botmaker_webhook(data: &[u8]) {
    let (f, body) = fields(data, 2);
    let content_type = text(f[0]);
    let token = text(f[1]);
    let mut request = WebhookRequest::new("https://bot.example.com/botmaker", body.to_vec());
    if !content_type.is_empty() {
        request = request.with_header("content-type", &content_type);
    }
    if !token.is_empty() {
        request = request.with_header("auth-bm-token", &token);
    }
    let provider = botmaker_provider();
    let verified = provider.verify(&request);
    if token == BOTMAKER_TOKEN {
        assert_eq!(verified, Ok(()), "the configured token was refused");
    } else {
        assert!(verified.is_err(), "a wrong token {token:?} was accepted");
    }
    let parsed = provider.parse(&request);
    if let Ok(events) = &parsed {
        check_events(events);
    }
    // parse takes a quicker way than the typed payload; both must give the same events,
    // and the same error.
    let payload = provider.parse_payload(&request);
    match &payload {
        Ok(p) => assert_eq!(p.to_events(), parsed, "parse disagrees with parse_payload"),
        Err(e) => assert_eq!(
            parsed.as_ref(),
            Err(e),
            "parse read what the payload refuses"
        ),
    }
    let _ = whatsapp_connector::botmaker::webhook::WebhookPayload::from_json(body)
        .and_then(|p| p.to_events());
}

/// Phone numbers and WhatsApp addresses: parsing, the forms each provider uses, links.
pub fn address(data: &[u8]) {
    let s = text(data);
    for number in [PhoneNumber::parse(&s), PhoneNumber::parse_international(&s)]
        .into_iter()
        .flatten()
    {
        for form in [
            number.e164().to_owned(),
            number.whatsapp(),
            number.to_string(),
        ] {
            assert_eq!(PhoneNumber::parse(&form).as_ref(), Ok(&number), "{form}");
            assert_eq!(
                PhoneNumber::parse_international(&form).as_ref(),
                Ok(&number),
                "{form}"
            );
        }
        assert_eq!(PhoneNumber::parse(number.digits()).as_ref(), Ok(&number));
        let json = serde_json::to_string(&number).expect("a number serializes");
        assert_eq!(
            serde_json::from_str::<PhoneNumber>(&json).ok(),
            Some(number.clone())
        );
        let _ = links::wa_me(&number, Some(&s));
        let _ = links::app_send(&number, Some(&s));
    }
    if let Ok(address) = WhatsAppAddress::parse(&s) {
        let twilio = address.whatsapp();
        assert_eq!(
            WhatsAppAddress::parse(&twilio).as_ref(),
            Ok(&address),
            "{twilio}"
        );
        let json = serde_json::to_string(&address).expect("an address serializes");
        let back = serde_json::from_str::<WhatsAppAddress>(&json);
        if lossless(&address) {
            assert_eq!(back.ok().as_ref(), Some(&address), "{json}");
        } else {
            // The one ambiguity: a user id that starts with a second `whatsapp:`.
            assert!(
                matches!(&address, WhatsAppAddress::UserId(id) if id.to_ascii_lowercase().starts_with("whatsapp:")),
                "{json}"
            );
        }
        // An all-digit string in JSON is a user id, and reads back as one.
        if let WhatsAppAddress::Phone(p) = &address {
            let digits = p.e164().trim_start_matches('+');
            let id: WhatsAppAddress =
                serde_json::from_str(&format!("\"{digits}\"")).expect("digits are a user id");
            assert_eq!(id, WhatsAppAddress::UserId(digits.to_owned()));
        }
        let _ = address.wa_id();
    }
}

/// The `wa` tool: the library paths each command drives with the arguments and standard
/// input, without printing and without the network.
pub fn wa(data: &[u8]) {
    let (argv, stdin) = match data.iter().position(|b| *b == 0xff) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let argv: Vec<String> = if argv.is_empty() {
        Vec::new()
    } else {
        argv.split(|b| *b == 0).map(text).collect()
    };
    let _ = wa_run(&argv, stdin);
}

type Outcome = Result<(), args::Failure>;

fn wa_run(argv: &[String], stdin: &[u8]) -> Outcome {
    let words: Vec<&str> = argv.iter().take(2).map(String::as_str).collect();
    let rest = argv.get(2..).unwrap_or(&[]);
    match words.as_slice() {
        ["twilio", "sign"] => wa_twilio_sign(rest, stdin),
        ["twilio", "verify"] => wa_twilio_verify(rest, stdin),
        ["botmaker", "verify"] => wa_botmaker_verify(rest),
        ["parse", "twilio"] => wa_parse(rest, stdin, true),
        ["parse", "botmaker"] => wa_parse(rest, stdin, false),
        ["send", "twilio"] => wa_send(rest, true),
        ["send", "botmaker"] => wa_send(rest, false),
        ["mammut", "check"] => {
            args::Args::parse(rest, &[])?.finish()?;
            let config = wa_config(stdin)?;
            let _ = serde_json::to_string_pretty(&config.to_create_body());
            Ok(())
        }
        ["mammut", "update"] => {
            let mut a = args::Args::parse(rest, &[])?;
            let id = a.req("id")?;
            let style = match a.opt("style")?.as_deref() {
                None | Some("plain") => QueryValueStyle::Plain,
                Some("json") => QueryValueStyle::JsonQuoted,
                Some(_) => return Err(args::usage("--style")),
            };
            a.finish()?;
            let id: u64 = id.trim().parse().map_err(|_| args::usage("--id"))?;
            let config = wa_config(stdin)?;
            let request = config.update_request(id, "", style);
            assert!(
                request
                    .path_and_query
                    .starts_with("/app:mammut-1/graph/user:")
            );
            Ok(())
        }
        _ => Err(args::usage("unknown command")),
    }
}

fn wa_config(stdin: &[u8]) -> Result<BotConfig, args::Failure> {
    let config = BotConfig::from_json(stdin).map_err(|e| args::usage(e.to_string()))?;
    // A stored config reads back as itself.
    let json = serde_json::to_vec(&config).expect("a config serializes");
    assert_eq!(BotConfig::from_json(&json).as_ref(), Ok(&config));
    Ok(config)
}

fn wa_algorithm(a: &mut args::Args) -> Result<Algorithm, args::Failure> {
    match a.opt("algorithm")?.as_deref() {
        None | Some("sha1") => Ok(Algorithm::HmacSha1),
        Some("sha256") => Ok(Algorithm::HmacSha256),
        Some(_) => Err(args::usage("--algorithm")),
    }
}

fn wa_token(a: &mut args::Args) -> Result<String, args::Failure> {
    let t = a.req("token")?;
    if t.is_empty() {
        return Err(args::usage("--token is empty"));
    }
    Ok(t)
}

fn wa_twilio_sign(rest: &[String], body: &[u8]) -> Outcome {
    let mut a = args::Args::parse(rest, &[])?;
    let token = wa_token(&mut a)?;
    let url = a.req("url")?;
    let algorithm = wa_algorithm(&mut a)?;
    let content_type = a.opt("content-type")?.unwrap_or_default();
    a.finish()?;
    if content_type.to_ascii_lowercase().contains("json") {
        let u = signature::url_with_body_hash(&url, body);
        let none: [(&str, &str); 0] = [];
        let _ = signature::sign_with(algorithm, &token, &u, &none);
    } else {
        let sig = signature::sign_form_body(algorithm, &token, &url, body)
            .map_err(|e| args::usage(e.to_string()))?;
        // `wa twilio verify` accepts what `wa twilio sign` printed.
        let mut request = WebhookRequest::new(url, body.to_vec())
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header(signature::SIGNATURE_HEADER, &sig);
        let verifier = if algorithm == Algorithm::HmacSha1 {
            Verifier::new().with_auth_token(token)
        } else {
            request = request.with_header(
                signature::SETTINGS_HEADER,
                &format!("key=wa,algorithm={}", algorithm.settings_name()),
            );
            Verifier::new().with_shared_key("wa", token)
        };
        if let Err(e) = verifier.verify(&request) {
            panic!("wa's own signature did not verify: {e}");
        }
    }
    Ok(())
}

fn wa_twilio_verify(rest: &[String], body: &[u8]) -> Outcome {
    let mut a = args::Args::parse(rest, &[])?;
    let token = wa_token(&mut a)?;
    let url = a.req("url")?;
    let sig = a.req("signature")?;
    let algorithm = wa_algorithm(&mut a)?;
    let content_type = a
        .opt("content-type")?
        .unwrap_or_else(|| "application/x-www-form-urlencoded".to_owned());
    a.finish()?;
    if http::HeaderValue::from_str(&sig).is_err()
        || http::HeaderValue::from_str(&content_type).is_err()
    {
        return Err(args::usage("not a header value"));
    }
    let mut request = WebhookRequest::new(url, body.to_vec())
        .with_header("content-type", &content_type)
        .with_header(signature::SIGNATURE_HEADER, &sig);
    let verifier = match algorithm {
        Algorithm::HmacSha1 => Verifier::new().with_auth_token(token),
        _ => {
            request = request.with_header(
                signature::SETTINGS_HEADER,
                &format!("key=wa,algorithm={}", algorithm.settings_name()),
            );
            Verifier::new().with_shared_key("wa", token)
        }
    };
    match verifier.verify_detailed(&request) {
        Ok(v) => assert!(!v.url.is_empty()),
        Err(e) => {
            // A failure never shows the key it was checked with.
            let shown = e.to_string();
            assert!(
                verifier_token_absent(&shown, rest, body),
                "a verify error shows the token: {shown}"
            );
        }
    }
    Ok(())
}

/// True when no `--token` value of at least 8 characters appears in `shown`. Shorter values
/// can appear by chance, and so can a value that is also part of another option's value or
/// of the body (the error may quote those).
fn verifier_token_absent(shown: &str, rest: &[String], body: &[u8]) -> bool {
    let body = String::from_utf8_lossy(body);
    // The values exactly as `wa` reads them.
    let Ok(mut a) = args::Args::parse(rest, &[]) else {
        return true;
    };
    let tokens = a.all("token");
    let others: Vec<String> = ["url", "signature", "algorithm", "content-type"]
        .iter()
        .flat_map(|name| a.all(name))
        .collect();
    tokens
        .iter()
        .filter(|t| {
            t.len() >= 8
                && !body.contains(t.as_str())
                && !others.iter().any(|o| o.contains(t.as_str()))
        })
        .all(|t| !shown.contains(t.as_str()))
}

fn wa_botmaker_verify(rest: &[String]) -> Outcome {
    let mut a = args::Args::parse(rest, &[])?;
    let tokens = a.all("token");
    let header = a.req("header")?;
    a.finish()?;
    if tokens.is_empty() || http::HeaderValue::from_str(&header).is_err() {
        return Err(args::usage("bad arguments"));
    }
    if tokens.iter().any(String::is_empty) {
        return Err(args::usage("invalid --token"));
    }
    // What the provider's verify does with these tokens (building a provider per input
    // would build an HTTP client each time).
    let verifier = tokens
        .iter()
        .fold(whatsapp_connector::botmaker::Verifier::new(), |v, t| {
            v.with_token(t.as_str())
        });
    let request = WebhookRequest::new("https://localhost/botmaker", Vec::new())
        .with_header("auth-bm-token", &header);
    let verified = verifier.verify(&request);
    if tokens.contains(&header) {
        assert_eq!(verified, Ok(()), "a configured token was refused");
    } else {
        assert!(verified.is_err(), "an unknown token was accepted");
    }
    Ok(())
}

fn wa_parse(rest: &[String], body: &[u8], twilio: bool) -> Outcome {
    let mut a = args::Args::parse(rest, &[])?;
    let content_type = a.opt("content-type")?.unwrap_or_else(|| {
        if twilio {
            "application/x-www-form-urlencoded".to_owned()
        } else {
            "application/json".to_owned()
        }
    });
    a.finish()?;
    let request = WebhookRequest::new("https://localhost/", body.to_vec())
        .with_header("content-type", &content_type);
    let events = if twilio {
        whatsapp_connector::twilio::webhook::parse_request(&request)
    } else {
        botmaker_provider().parse(&request)
    }
    .map_err(|e| args::usage(e.to_string()))?;
    check_events(&events);
    let _ = serde_json::to_string_pretty(&events);
    Ok(())
}

/// `wa send`: everything up to the network call.
fn wa_send(rest: &[String], twilio: bool) -> Outcome {
    let mut a = args::Args::parse(rest, &[])?;
    let to = a.req("to")?;
    let text = a.opt("text")?;
    let media = a.opt("media")?;
    let caption = a.opt("caption")?;
    let mime = if twilio { None } else { a.opt("mime-type")? };
    let template = a.opt("template")?;
    let vars = a.all("var");
    let _reference = if twilio { None } else { a.opt("reference")? };
    let _base_url = a.opt("base-url")?;
    if !twilio {
        let _ = a.opt("api")?;
    }
    a.finish()?;
    let to: WhatsAppAddress = if twilio {
        WhatsAppAddress::parse(&to).map_err(|e| args::usage(e.to_string()))?
    } else {
        PhoneNumber::parse(&to)
            .map_err(|e| args::usage(e.to_string()))?
            .into()
    };
    let content = match (text, media, template) {
        (Some(t), None, None) => Content::Text { body: t },
        (None, Some(url), None) => {
            let mut m = Media::new(url);
            if let Some(c) = caption {
                m = m.with_caption(c);
            }
            if let Some(t) = mime {
                m = m.with_mime_type(t);
            }
            Content::Media(m)
        }
        (None, None, Some(name)) => {
            let mut t = if twilio && name.starts_with("HX") {
                Template::content_sid(name)
            } else {
                Template::named(name)
            };
            for var in vars {
                let (k, v) = var.split_once('=').ok_or_else(|| args::usage("--var"))?;
                t = t.with_variable(k, v);
            }
            Content::Template(t)
        }
        _ => return Err(args::usage("one of --text, --media or --template")),
    };
    let message = OutboundMessage::new(to, content);
    if twilio {
        let _ = MessageRequest::from_outbound(&message);
    } else {
        let _ = message.validate_with(&Limits::WHATSAPP);
        if let Content::Media(m) = &message.content {
            let _ = whatsapp_connector::botmaker::media_mime_type(m);
        }
    }
    Ok(())
}
