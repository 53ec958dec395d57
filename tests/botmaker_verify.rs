//! Verifying Botmaker webhooks by their `auth-bm-token` header.

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::{VerifyError, WebhookRequest, WhatsAppProvider};

const BODY: &[u8] = include_bytes!("fixtures/botmaker/a_text.json");

fn request(token: Option<&str>) -> WebhookRequest {
    let req = WebhookRequest::new("https://bot.example.com/botmaker", BODY)
        .with_header("content-type", "application/json");
    match token {
        Some(t) => req.with_header("auth-bm-token", t),
        None => req,
    }
}

fn rotating() -> BotmakerProvider {
    BotmakerProvider::builder()
        .webhook_token("old-hook-token-5f1c")
        .webhook_token("new-hook-token-9a7e")
        .build()
        .unwrap()
}

#[test]
fn the_configured_token_passes() {
    assert_eq!(
        rotating().verify(&request(Some("new-hook-token-9a7e"))),
        Ok(())
    );
}

#[test]
fn every_token_of_a_rotation_passes() {
    let p = rotating();
    assert_eq!(p.verify(&request(Some("old-hook-token-5f1c"))), Ok(()));
    assert_eq!(p.verify(&request(Some("new-hook-token-9a7e"))), Ok(()));
}

#[test]
fn a_wrong_token_fails_without_showing_any_token() {
    let p = rotating();
    for wrong in [
        "new-hook-token-9a7",
        "new-hook-token-9a7ee",
        "NEW-HOOK-TOKEN-9A7E",
        "x",
        "old-hook-token-5f1c new-hook-token-9a7e",
    ] {
        let err = p.verify(&request(Some(wrong))).unwrap_err();
        assert_eq!(
            err,
            VerifyError::TokenMismatch {
                header: "auth-bm-token"
            }
        );
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hook-token"), "{shown}");
        assert!(!shown.contains(wrong), "{shown}");
    }
}

#[test]
fn a_missing_header_fails_by_default() {
    let err = rotating().verify(&request(None)).unwrap_err();
    assert_eq!(
        err,
        VerifyError::MissingHeader {
            header: "auth-bm-token"
        }
    );
    assert_eq!(err.to_string(), "the auth-bm-token header is missing");
}

#[test]
fn unsigned_deliveries_pass_only_when_opted_in() {
    let insecure = BotmakerProvider::builder()
        .webhook_token("hook-token-1")
        .accept_unsigned_webhooks(true)
        .build()
        .unwrap();
    assert_eq!(insecure.verify(&request(None)), Ok(()));
    assert_eq!(insecure.verify(&request(Some("hook-token-1"))), Ok(()));
    assert!(insecure.verify(&request(Some("hook-token-2"))).is_err());
}

#[test]
fn no_configured_token_is_an_error_not_a_pass() {
    let p = BotmakerProvider::builder().build().unwrap();
    assert_eq!(
        p.verify(&request(Some("anything"))),
        Err(VerifyError::NoSecret)
    );
    assert_eq!(p.verify(&request(None)), Err(VerifyError::NoSecret));
}

#[test]
fn the_provider_works_behind_the_trait_object() {
    let p: Box<dyn WhatsAppProvider> = Box::new(rotating());
    let req = request(Some("old-hook-token-5f1c"));
    p.verify(&req).unwrap();
    assert_eq!(p.parse(&req).unwrap().len(), 1);
}
