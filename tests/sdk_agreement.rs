//! Agreement with Twilio's official SDKs, webhook by webhook: the cases file of
//! `benches/compare/agree.sh` (600 invented webhooks, each with twilio-python's and
//! twilio-node's verdict on its `X-Twilio-Signature`, their signatures at its URL, and the
//! parameters Python's `parse_qsl` reads from its body) against [`TwilioProvider`].
//!
//! For every webhook:
//!
//! - **verdict**: [`WhatsAppProvider::verify`] must accept exactly when the SDKs do, and
//!   [`WhatsAppProvider::verify_and_parse`] must verify the same way. Where the two SDKs
//!   disagree with each other, the case names the side the crate takes, and why (the
//!   `split` of `benches/compare/agree_cases.py`): the crate must take it. A split no case
//!   names is printed, not failed (the crate then agrees with one of the two by necessity).
//!   A case marked `probe` is one where both SDKs agree and the crate is known to answer
//!   otherwise: it stays in the set, and fails, until the crate changes;
//! - **signature**: [`signature::sign`] at the URL as received equals both SDKs' (or the
//!   named side's, where they differ);
//! - **parameters**: [`Params::from_form`] reads the body to the same pairs, in the same
//!   order, as `parse_qsl(keep_blank_values=True)`;
//! - **events**: for a webhook the crate accepts, the event `verify_and_parse` gives holds
//!   what those parameters say (the first non-empty value of each name): body text, from
//!   and to, profile name, media URLs and types, location, button, status and error.
//!
//! It prints `600 webhooks: whatsapp-connector agrees with twilio-python on …, twilio-node
//! on …` and fails on any disagreement. Run it through the script, which installs the SDKs
//! and writes the file:
//!
//! ```text
//! benches/compare/agree.sh
//! SDK_CASES=.cache/compare/agree-cases.json cargo test --test sdk_agreement -- --ignored --nocapture
//! ```

use serde_json::{Value, json};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::signature;
use whatsapp_connector::twilio::webhook::Params;
use whatsapp_connector::{Error, WebhookRequest, WhatsAppProvider};

const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// One webhook of the cases file.
struct Case<'a> {
    v: &'a Value,
    params: Vec<(String, String)>,
}

impl<'a> Case<'a> {
    fn new(v: &'a Value) -> Self {
        let params = v["params"]
            .as_array()
            .unwrap_or_else(|| panic!("case {} has no params", v["id"]))
            .iter()
            .map(|p| (str_of(&p[0]).to_owned(), str_of(&p[1]).to_owned()))
            .collect();
        Case { v, params }
    }

    fn s(&self, key: &str) -> &'a str {
        self.v[key]
            .as_str()
            .unwrap_or_else(|| panic!("case {}: {key} is not a string", self.v["id"]))
    }

    fn b(&self, key: &str) -> bool {
        self.v[key].as_bool().unwrap_or_else(|| {
            panic!(
                "case {}: {key} is missing (was benches/compare/agree.js run on the file?)",
                self.v["id"]
            )
        })
    }

    /// The side the crate takes where the SDKs disagree, when the case names one.
    fn split_side(&self) -> Option<&'a str> {
        self.v["split"]["side"].as_str()
    }

    /// The first non-empty value of `name`, as the crate's typed views read it.
    fn first(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    fn request(&self) -> WebhookRequest {
        WebhookRequest::new(self.s("url"), self.s("body").as_bytes().to_vec())
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header("x-twilio-signature", self.s("signature"))
    }
}

fn str_of(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("{v} is not a string"))
}

/// What the crate says beside both SDKs, for one question.
#[derive(Default)]
struct Tally {
    python: usize,
    node: usize,
    /// Cases where the SDKs disagree: those the crate settles like Python, like Node.
    split_python: usize,
    split_node: usize,
    /// Splits no case names (printed).
    unexplained: Vec<String>,
    /// Named splits by kind: how many, and the side the crate took on each.
    by_kind: std::collections::BTreeMap<String, (usize, std::collections::BTreeSet<&'static str>)>,
}

impl Tally {
    /// Counts `mine` beside the SDKs' answers; an error when the crate disagrees with both,
    /// or where they split, with the side the case names.
    fn add<T: PartialEq + std::fmt::Debug>(
        &mut self,
        case: &Case,
        what: &str,
        mine: T,
        python: T,
        node: T,
    ) -> Result<(), String> {
        self.python += usize::from(mine == python);
        self.node += usize::from(mine == node);
        if python == node {
            return if mine == python {
                Ok(())
            } else {
                Err(format!(
                    "{what}: the crate says {mine:?}, both SDKs {python:?}"
                ))
            };
        }
        let took = if mine == python {
            self.split_python += 1;
            "twilio-python"
        } else {
            self.split_node += 1;
            "twilio-node"
        };
        if case.split_side().is_some() {
            let kind = self.by_kind.entry(format!("{what}, {}", case.s("detail")));
            let (count, sides) = kind.or_default();
            *count += 1;
            sides.insert(took);
        }
        let side = match case.split_side() {
            Some(side) => side,
            None => {
                self.unexplained.push(format!(
                    "{} ({what}): twilio-python {python:?}, twilio-node {node:?}, the crate {mine:?}",
                    case.s("id")
                ));
                return Ok(());
            }
        };
        let expected = if side == "python" { &python } else { &node };
        if &mine == expected {
            Ok(())
        } else {
            Err(format!(
                "{what}: the SDKs split and the crate should side with twilio-{side} ({expected:?}), \
                 it says {mine:?}"
            ))
        }
    }
}

#[derive(Default)]
struct Report {
    verdicts: Tally,
    signatures: Tally,
    decoded: usize,
    node_decodes_alike: usize,
    events_checked: usize,
    failures: Vec<String>,
}

#[test]
#[ignore = "needs the cases file benches/compare/agree.sh writes (SDK_CASES)"]
fn the_crate_agrees_with_twilio_python_and_twilio_node() {
    let path = std::env::var("SDK_CASES").unwrap_or_else(|_| {
        panic!(
            "SDK_CASES must name the cases file that benches/compare/agree.sh writes \
             (.cache/compare/agree-cases.json): run benches/compare/agree.sh"
        )
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let data: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases = data["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has no cases"));
    assert!(!cases.is_empty(), "{path} holds no webhook");
    let python = data["twilio_python"].as_str().unwrap_or("?");
    let node = data["twilio_node"]
        .as_str()
        .unwrap_or_else(|| panic!("{path} has no twilio-node verdicts: run agree.js on it"));

    let mut report = Report::default();
    let client = reqwest::Client::new();
    for v in cases {
        let case = Case::new(v);
        if let Err(why) = check(&case, &client, &mut report) {
            let probe = v["probe"]
                .as_str()
                .map(|p| format!("\n    known: {p}"))
                .unwrap_or_default();
            report.failures.push(format!(
                "{} [{}]: {why}{probe}\n    url: {}\n    body: {}\n    signature: {:?}",
                case.s("id"),
                case.s("detail"),
                case.s("url"),
                case.s("body"),
                case.s("signature"),
            ));
        }
    }

    let n = cases.len();
    let (verdicts, signatures) = (&report.verdicts, &report.signatures);
    println!(
        "{n} webhooks: whatsapp-connector agrees with twilio-python on {}, twilio-node on {}",
        verdicts.python, verdicts.node
    );
    println!(
        "  (twilio-python {python}, twilio-node {node}) where the SDKs disagree with each other \
         ({} webhooks), the crate sides with twilio-python on {} and twilio-node on {}",
        verdicts.split_python + verdicts.split_node,
        verdicts.split_python,
        verdicts.split_node
    );
    println!(
        "  signature at the URL as received: the crate's equals twilio-python's on {}, \
         twilio-node's on {}",
        signatures.python, signatures.node
    );
    println!(
        "  parameters: the crate reads {} of {n} bodies exactly as parse_qsl does \
         (querystring.parse reads {} alike)",
        report.decoded, report.node_decodes_alike
    );
    println!(
        "  events: {} accepted webhooks give the event their parameters describe",
        report.events_checked
    );
    for (kind, (count, sides)) in verdicts.by_kind.iter().chain(&signatures.by_kind) {
        let sides: Vec<&str> = sides.iter().copied().collect();
        println!(
            "  the SDKs split on the {kind} ({count}): the crate sides with {}",
            sides.join(" and ")
        );
    }
    for s in verdicts.unexplained.iter().chain(&signatures.unexplained) {
        println!("  the SDKs split, no case says why: {s}");
    }
    assert!(
        report.failures.is_empty(),
        "{} of {n} webhooks disagree:\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}

/// Checks one webhook; counts what agrees, and says what does not.
fn check(case: &Case, client: &reqwest::Client, report: &mut Report) -> Result<(), String> {
    let token = case.s("auth_token");
    // One HTTP client for all: nothing is sent, and each would cost more than the checks.
    let provider = TwilioProvider::builder(AC)
        .http_client(client.clone())
        .auth_token(token)
        .build()
        .map_err(|e| format!("the provider does not build: {e}"))?;
    let request = case.request();
    let mut problems = Vec::new();

    // The verdict, by verify and by verify_and_parse.
    let verified = provider.verify(&request).is_ok();
    let combined = provider.verify_and_parse(&request);
    if matches!(combined, Err(Error::Verify(_))) == verified {
        problems.push(format!(
            "verify says {verified}, verify_and_parse {:?}",
            combined
                .as_ref()
                .map(|_| "verified")
                .map_err(|e| e.to_string())
        ));
    }
    if let Err(e) = report.verdicts.add(
        case,
        "verdict",
        verified,
        case.b("python_valid"),
        case.b("node_valid"),
    ) {
        problems.push(e);
    }

    // The signature at the URL as received.
    let mine = signature::sign(token, case.s("url"), &case.params);
    if let Err(e) = report.signatures.add(
        case,
        "signature",
        mine.as_str(),
        case.s("python_signature"),
        case.s("node_signature"),
    ) {
        problems.push(e);
    }

    // The parameters.
    report.node_decodes_alike += usize::from(case.b("node_params_match"));
    match Params::from_form(case.s("body").as_bytes()) {
        Ok(params) => {
            let pairs: Vec<(String, String)> = params
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            if pairs == case.params {
                report.decoded += 1;
            } else {
                problems.push(format!(
                    "the body decodes to {pairs:?}, parse_qsl reads {:?}",
                    case.params
                ));
            }
        }
        Err(e) => problems.push(format!("the body does not decode: {e}")),
    }

    // The event of an accepted webhook.
    if verified {
        match &combined {
            Ok(events) if events.len() == 1 => {
                let got = serde_json::to_value(&events[0]).map_err(|e| e.to_string())?;
                let want = expected_event(case);
                let wrong: Vec<String> = want
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(k, v)| got.get(k.as_str()) != Some(v))
                    .map(|(k, v)| format!("{k}: {} instead of {v}", got[k.as_str()]))
                    .collect();
                if wrong.is_empty() {
                    report.events_checked += 1;
                } else {
                    problems.push(format!("event {}", wrong.join("; ")));
                }
            }
            Ok(events) => problems.push(format!("{} events instead of 1", events.len())),
            Err(e) => problems.push(format!("accepted, then not parsed: {e}")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The fields of the event the SDK-read parameters describe.
fn expected_event(case: &Case) -> Value {
    let address = |name: &str| {
        case.first(name)
            .map(|v| v.strip_prefix("whatsapp:").unwrap_or(v))
    };
    if case.s("kind") == "status" {
        let status = match case.first("EventType") {
            Some(e) if e.eq_ignore_ascii_case("read") => "read",
            _ => case.first("MessageStatus").unwrap_or_default(),
        };
        let error = case.first("ErrorCode").map(|code| {
            json!({"code": code,
                   "message": case.first("ErrorMessage").or(case.first("ChannelStatusMessage"))})
        });
        return json!({"type": "status", "provider": "twilio",
                      "message_id": case.first("MessageSid"), "recipient": address("To"),
                      "status": status, "error": error});
    }
    let content = match case.s("content") {
        "media" => {
            let n: usize = case
                .first("NumMedia")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            let items: Vec<Value> = (0..n)
                .map(|i| {
                    json!({"url": case.first(&format!("MediaUrl{i}")),
                           "content_type": case.first(&format!("MediaContentType{i}"))})
                })
                .collect();
            json!({"type": "media", "items": items, "caption": case.first("Body")})
        }
        "location" => {
            let coordinate = |name| case.first(name).and_then(|v| v.parse::<f64>().ok());
            json!({"type": "location", "latitude": coordinate("Latitude"),
                   "longitude": coordinate("Longitude"), "name": case.first("Label"),
                   "address": case.first("Address")})
        }
        "button" => json!({"type": "button", "text": case.first("ButtonText"),
                           "payload": case.first("ButtonPayload")}),
        _ => json!({"type": "text", "body": case.first("Body").unwrap_or_default()}),
    };
    json!({"type": "message", "provider": "twilio", "id": case.first("MessageSid"),
           "from": address("From"), "to": address("To"),
           "profile_name": case.first("ProfileName"),
           "reply_to": case.first("OriginalRepliedMessageSid"), "content": content})
}
