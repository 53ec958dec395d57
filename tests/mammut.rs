//! Mammut: bot config validation, create and update requests, TaskResult.

use serde_json::json;
use whatsapp_connector::mammut::TaskFailed;
use whatsapp_connector::mammut::{
    BotConfig, DEFAULT_BASE_URL, ElementType, QueryValueStyle, TaskResult, TaskStatus,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";

fn config_json() -> serde_json::Value {
    json!({
        "user-type": "machine",
        "name": "Botwi",
        "twilio-account-sid": SID,
        "twilio-auth-token": TOKEN,
        "main-whatsapp-phone-number": "whatsapp:+14155238886",
        "locale": "es"
    })
}

fn field_of(value: serde_json::Value) -> String {
    BotConfig::from_value(value).unwrap_err().field
}

#[test]
fn valid_config_builds_the_canonical_create_body() {
    let c = BotConfig::from_value(config_json()).unwrap();
    assert_eq!(c.name(), Some("Botwi"));
    assert_eq!(c.twilio_account_sid(), SID);
    assert_eq!(c.twilio_auth_token().expose(), TOKEN);
    assert_eq!(c.whatsapp_number(), "whatsapp:+14155238886");
    assert_eq!(c.extra()["locale"], "es");
    let req = c.create_request(DEFAULT_BASE_URL);
    assert_eq!(req.method, http::Method::POST);
    assert_eq!(req.url, "https://api.mammut.io/app:mammut-1/graph/user");
    assert_eq!(req.body, config_json());
}

#[test]
fn a_bare_number_is_normalized() {
    let mut v = config_json();
    v["main-whatsapp-phone-number"] = json!("+1 415 523 8886");
    let c = BotConfig::from_value(v).unwrap();
    assert_eq!(
        c.to_create_body()["main-whatsapp-phone-number"],
        "whatsapp:+14155238886"
    );
}

#[test]
fn user_type_defaults_to_machine_and_must_be_machine() {
    let mut v = config_json();
    v.as_object_mut().unwrap().remove("user-type");
    let c = BotConfig::from_value(v).unwrap();
    assert_eq!(c.to_create_body()["user-type"], "machine");
    let mut v = config_json();
    v["user-type"] = json!("normal");
    assert_eq!(field_of(v), "user-type");
}

#[test]
fn each_invalid_field_is_named() {
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "twilio-account-sid",
            json!("ACCOUNT_SID"),
            "AC followed by 32",
        ),
        ("twilio-account-sid", json!("AC0123"), "34 characters"),
        (
            "twilio-account-sid",
            json!(42),
            "must be a string, got a number",
        ),
        ("twilio-auth-token", json!("AUTH_TOKEN"), "32 hexadecimal"),
        ("twilio-auth-token", json!(["x"]), "got an array"),
        (
            "main-whatsapp-phone-number",
            json!("4155238886"),
            "must start with '+'",
        ),
        (
            "main-whatsapp-phone-number",
            json!("whatsapp:+12"),
            "at least 7",
        ),
        ("main-whatsapp-phone-number", json!(null), "got null"),
        ("name", json!(""), "empty"),
        ("name", json!(true), "got a boolean"),
        ("mammut-id", json!(-4), "whole number"),
    ];
    for (field, value, reason) in cases {
        let mut v = config_json();
        v[field] = value.clone();
        let e = BotConfig::from_value(v).unwrap_err();
        assert_eq!(e.field, field, "{field} = {value}");
        assert!(e.reason.contains(reason), "{field} = {value}: {}", e.reason);
    }
    for field in [
        "twilio-account-sid",
        "twilio-auth-token",
        "main-whatsapp-phone-number",
    ] {
        let mut v = config_json();
        v.as_object_mut().unwrap().remove(field);
        let e = BotConfig::from_value(v).unwrap_err();
        assert_eq!((e.field.as_str(), e.reason.as_str()), (field, "is missing"));
    }
}

#[test]
fn bad_documents_are_typed_errors() {
    let e = BotConfig::from_json(b"not json").unwrap_err();
    assert_eq!(e.field, "config");
    assert!(e.reason.contains("not valid JSON"));
    let e = BotConfig::from_json(b"[1, 2]").unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.reason.as_str()),
        ("config", "must be a JSON object, got an array")
    );
    assert!(BotConfig::from_json(b"").is_err());
    assert!(BotConfig::from_json(&[0xff, 0xfe]).is_err());
}

#[test]
fn the_secret_never_shows() {
    let mut v = config_json();
    v["facebook-access-token"] = json!("fb-secret-value");
    let c = BotConfig::from_value(v).unwrap();
    let debug = format!("{c:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(!debug.contains("fb-secret-value"), "{debug}");
    assert!(debug.contains("facebook-access-token"));
    let mut bad = config_json();
    bad["twilio-auth-token"] = json!("ffffffffffffffffffffffffffffffffff");
    let e = BotConfig::from_value(bad).unwrap_err();
    assert!(!e.to_string().contains("ffffffff"), "{e}");
    let req = c.update_request(1, DEFAULT_BASE_URL, QueryValueStyle::Plain);
    assert!(!format!("{req:?}").contains(TOKEN));
}

/// The create example of Mammut's Spanish WhatsApp page, placeholders and mistakes included.
const SPANISH_PAGE_EXAMPLE: &str = r#"{
    "user-type": "machine",
    "twilio-account-sid": "ACCOUNT_SID",
    "slack-bot-token": "AUTH_TOKEN",
    "main-whatsapp-phone-number": "+11234567890"
    "name": "Botwi"
}"#;

#[test]
fn the_spanish_page_example_is_rejected_with_its_reasons() {
    // As printed: a comma is missing, so it is not JSON.
    let e = BotConfig::from_json(SPANISH_PAGE_EXAMPLE.as_bytes()).unwrap_err();
    assert_eq!(e.field, "config");
    assert!(e.reason.contains("line 6"), "{}", e.reason);

    // With the comma, the placeholders are not a Twilio account SID.
    let with_comma = SPANISH_PAGE_EXAMPLE.replace("\"+11234567890\"", "\"+11234567890\",");
    let e = BotConfig::from_json(with_comma.as_bytes()).unwrap_err();
    assert_eq!(e.field, "twilio-account-sid");

    // With a real-shaped SID, the token is under the Slack field.
    let with_sid = with_comma.replace("ACCOUNT_SID", SID);
    let e = BotConfig::from_json(with_sid.as_bytes()).unwrap_err();
    assert_eq!(e.field, "twilio-auth-token");
    assert!(e.reason.contains("slack-bot-token"), "{}", e.reason);

    // Fixed as the page's own field table says: the number gains its whatsapp: prefix.
    let fixed = with_sid.replace(
        "\"slack-bot-token\": \"AUTH_TOKEN\"",
        &format!("\"twilio-auth-token\": \"{TOKEN}\""),
    );
    let c = BotConfig::from_json(fixed.as_bytes()).unwrap();
    assert_eq!(c.whatsapp_number(), "whatsapp:+11234567890");
    assert_eq!(c.name(), Some("Botwi"));
    assert!(c.to_create_body().get("slack-bot-token").is_none());

    // A Slack token as a plain string next to the Twilio one is still the erratum.
    let mut v = config_json();
    v["slack-bot-token"] = json!("AUTH_TOKEN");
    assert_eq!(field_of(v), "slack-bot-token");
}

#[test]
fn update_uses_the_whatsapp_field_and_a_plain_id() {
    let c = BotConfig::from_value(config_json()).unwrap();
    let req = c.update_request(
        125678,
        "https://mammut.example.com/",
        QueryValueStyle::Plain,
    );
    assert_eq!(req.method, http::Method::POST);
    assert_eq!(req.body, json!({}));
    assert_eq!(
        req.path_and_query,
        format!(
            "/app:mammut-1/graph/user:125678?name=Botwi&twilio-account-sid={SID}\
             &twilio-auth-token={TOKEN}\
             &main-whatsapp-phone-number=whatsapp%3A%2B14155238886&locale=es"
        )
    );
    assert_eq!(
        req.url,
        format!("https://mammut.example.com{}", req.path_and_query)
    );
    assert!(!req.url.contains("main-phone-number"));
    assert!(!req.url.contains('['));
    let quoted = c.update_query(QueryValueStyle::JsonQuoted);
    assert!(quoted.starts_with("name=%22Botwi%22&"), "{quoted}");
}

#[test]
fn update_encodes_every_reserved_character() {
    let c = BotConfig::new(SID, TOKEN, "+14155238886")
        .unwrap()
        .with_name("Bot & Co / 100% ñ");
    let q = c.update_query(QueryValueStyle::Plain);
    assert!(
        q.starts_with("name=Bot%20%26%20Co%20%2F%20100%25%20%C3%B1&"),
        "{q}"
    );
}

#[test]
fn serde_round_trips_with_the_mammut_id() {
    let c = BotConfig::from_value(config_json())
        .unwrap()
        .with_mammut_id(77);
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["mammut-id"], 77);
    assert_eq!(json["twilio-auth-token"], TOKEN);
    let back: BotConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back, c);
    assert_eq!(back.mammut_id(), Some(77));
    let from_string: BotConfig = serde_json::from_value({
        let mut v = config_json();
        v["mammut-id"] = json!("78");
        v
    })
    .unwrap();
    assert_eq!(from_string.mammut_id(), Some(78));
}

#[test]
fn task_result_finds_the_new_user() {
    let r = TaskResult::from_json(include_bytes!("fixtures/mammut/create_reply.json")).unwrap();
    assert!(r.is_success());
    assert_eq!(r.task_result.len(), 5);
    assert_eq!(r.created_user_id(), Some(5120));
    assert_eq!(r.task_result[2].element_type, ElementType::Edge);
    assert_eq!(
        r.task_result[0].task_ids.as_deref(),
        Some(&["Trigger: user-chat-in-room-created - Vertex: user(5120)".to_owned()][..])
    );
    assert!(r.clone().into_success().is_ok());
}

#[test]
fn a_failed_task_is_an_error_even_with_200() {
    let r = TaskResult::from_json(br#"{"status": "Failed", "taskResult": []}"#).unwrap();
    assert!(!r.is_success());
    assert_eq!(r.status, TaskStatus::Failed);
    assert_eq!(r.created_user_id(), None);
    assert!(matches!(r.into_success(), Err(TaskFailed { status, .. }) if status == "Failed"));
    let odd = TaskResult::from_json(br#"{"status": "Pending"}"#).unwrap();
    assert_eq!(odd.status, TaskStatus::Other("Pending".into()));
    assert!(odd.into_success().is_err());
}

#[test]
fn malformed_task_results_name_the_problem() {
    let e = TaskResult::from_json(b"<html>502</html>").unwrap_err();
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    let e = TaskResult::from_json(
        br#"{"status": "Success", "taskResult": [{"affectedElementId": "x", "affectedElementName": "user", "affectedElementType": "Vertex"}]}"#,
    )
    .unwrap_err();
    assert_eq!(e.field(), Some("taskResult[0].affectedElementId"), "{e}");
    let e = TaskResult::from_json(br#"{"taskResult": []}"#).unwrap_err();
    assert!(e.to_string().contains("status"), "{e}");
    assert!(TaskResult::from_json(br#"{"status": "Success"} trailing"#).is_err());
    assert!(TaskResult::from_json(b"").is_err());
}
