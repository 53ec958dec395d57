//! `wa templates botmaker …`, run as the built binary against the fake Botmaker.

use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse};

const TOKEN: &str = "bm-invented-access-token";

async fn wa(args: Vec<String>, token: Option<&str>) -> Output {
    let token = token.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wa"));
        cmd.args(&args)
            .env_remove("BOTMAKER_ACCESS_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(t) = token {
            cmd.env("BOTMAKER_ACCESS_TOKEN", t);
        }
        cmd.output().expect("cargo test builds the wa binary")
    })
    .await
    .unwrap()
}

fn args(fake: &FakeBotmaker, words: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["templates", "botmaker"]
        .iter()
        .chain(words)
        .map(|s| s.to_string())
        .collect();
    v.push("--base-url".into());
    v.push(fake.base_url());
    v
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_prints_json_and_filters() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    fake.add_template(
        json!({"name": "pedido_listo", "state": "APPROVED", "body": {"text": "Hola {{1}}"}}),
    );
    fake.add_template(json!({"name": "promo", "state": "REJECTED", "body": {"text": "Oferta"}}));
    fake.page_templates(Some(1));
    let out = wa(args(&fake, &["list"]), Some(TOKEN)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(printed.as_array().map(Vec::len), Some(2), "both pages");
    assert_eq!(printed[0]["name"], "pedido_listo");

    let out = wa(args(&fake, &["list", "--state", "approved"]), Some(TOKEN)).await;
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        json!([{"name": "pedido_listo", "state": "APPROVED", "body": {"text": "Hola {{1}}"}}])
    );
    assert!(
        fake.requests()
            .last()
            .unwrap()
            .path
            .contains("state=APPROVED")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_get_and_delete() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let create = args(
        &fake,
        &[
            "create",
            "--name",
            "turno_confirmado",
            "--body",
            "Hola {{1}}, tu turno es el {{2}}.",
            "--category",
            "utility",
            "--locale",
            "es_AR",
            "--footer",
            "Clínica Ejemplo",
            "--quick-reply",
            "Confirmar=confirmar_turno",
            "--quick-reply",
            "Cancelar",
        ],
    );
    let out = wa(create, Some(TOKEN)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["state"], "BOTMAKER_PENDING");
    let sent = fake.requests()[0].json().unwrap();
    assert_eq!(sent["category"], "UTILITY");
    assert_eq!(
        sent["buttons"],
        json!([{"type": "QUICK_REPLY", "text": "Confirmar", "intentIdOrName": "confirmar_turno"},
               {"type": "QUICK_REPLY", "text": "Cancelar"}])
    );

    let out = wa(args(&fake, &["get", "turno_confirmado"]), Some(TOKEN)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = wa(args(&fake, &["delete", "turno_confirmado"]), Some(TOKEN)).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = wa(args(&fake, &["get", "turno_confirmado"]), Some(TOKEN)).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no such template"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_exits_2_naming_the_field_before_any_request() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["create", "--name", "aviso", "--body", "Hola {{1}} {{3}}"],
            "body.text",
        ),
        (
            &[
                "create",
                "--name",
                "aviso",
                "--body",
                "Hola",
                "--category",
                "PROMO",
            ],
            "category",
        ),
        (&["create", "--name", "Aviso", "--body", "Hola"], "name"),
        (
            &[
                "create", "--name", "aviso", "--body", "Hola", "--locale", "spanish",
            ],
            "locale",
        ),
    ];
    for (words, field) in cases {
        let out = wa(args(&fake, words), Some(TOKEN)).await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{words:?}: {err}");
        assert!(
            err.starts_with("wa: invalid template: ") && err.contains(field),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(fake.requests().is_empty());

    // No token: a usage error that names where it comes from.
    let out = wa(args(&fake, &["list"]), None).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("BOTMAKER_ACCESS_TOKEN"),
        "{}",
        text(&out.stderr)
    );

    // Botmaker refusing: exit 2 with its reason, and never the token.
    fake.push_response(FakeResponse::Error {
        status: 401,
        body: r#"{"errors": [{"type": "auth", "message": "invalid access-token"}]}"#.into(),
        retry_after: None,
    });
    let out = wa(args(&fake, &["list"]), Some(TOKEN)).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot list the templates") && !err.contains(TOKEN),
        "{err}"
    );
    let out = wa(
        vec!["templates".into(), "botmaker".into(), "--help".into()],
        None,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
}
