//! Bulk template sends through Botmaker against the fake: batches of at most 500, one result a
//! chat, rate limits waited out without sending a batch twice, and the legacy v1 path.

use std::time::Duration;

use whatsapp_connector::botmaker::{
    ApiVersion, BotmakerProvider, ChatOutcome, ChatRef, MAX_BATCH_ITEMS, TriggerIntentRequest,
};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse};
use whatsapp_connector::{Error, ValidationError};

const TOKEN: &str = "bm-invented-access-token";
const CHANNEL: &str = "acme-whatsapp-5491155550100";

fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(10),
        max_elapsed: Duration::from_secs(10),
    }
}

fn provider(fake: &FakeBotmaker) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(TOKEN)
        .channel_id(CHANNEL)
        .base_url(fake.base_url())
        .retry_policy(policy(3))
        .build()
        .unwrap()
}

fn contact(n: usize) -> String {
    format!("54911{n:08}")
}

fn requests(n: usize) -> Vec<TriggerIntentRequest> {
    (0..n)
        .map(|i| {
            let chat = ChatRef::Contact {
                channel_id: CHANNEL.into(),
                contact_id: contact(i),
            };
            TriggerIntentRequest::new(chat, "pedido_listo")
                .with_variable("pedido", format!("A-{i}"))
                .with_webhook_payload(format!("envio-{i}"))
        })
        .collect()
}

fn batch_sizes(fake: &FakeBotmaker) -> Vec<usize> {
    fake.requests()
        .iter()
        .filter(|r| r.path.ends_with("/batch/trigger-intent"))
        .map(|r| r.json().unwrap()["items"].as_array().unwrap().len())
        .collect()
}

#[tokio::test]
async fn two_and_a_half_batches_are_three_requests_with_a_result_a_chat() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    fake.reject_contact(&contact(7));
    fake.reject_contact(&contact(1100));
    let n = MAX_BATCH_ITEMS * 5 / 2;
    let report = provider(&fake)
        .trigger_intent_bulk(&requests(n))
        .await
        .unwrap();

    assert_eq!(batch_sizes(&fake), [500, 500, 250]);
    assert_eq!(report.requests, 3);
    assert_eq!(report.results.len(), n);
    for (i, r) in report.results.iter().enumerate() {
        assert!(
            matches!(&r.chat, ChatRef::Contact { contact_id, .. } if *contact_id == contact(i)),
            "results keep the order of the requests"
        );
    }
    let failed: Vec<_> = report
        .failed()
        .map(|r| match &r.chat {
            ChatRef::Contact { contact_id, .. } => contact_id.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(failed, [contact(7), contact(1100)]);
    assert!(matches!(
        &report.results[7].outcome,
        ChatOutcome::Rejected { message, .. } if message.contains("cannot receive")
    ));
    assert_eq!(report.accepted().count(), n - 2);
    let ChatOutcome::Accepted { id: Some(id) } = &report.results[0].outcome else {
        panic!("{:?}", report.results[0].outcome)
    };
    assert!(id.starts_with("WN"));

    // What went on the wire: the OpenAPI's TriggerIntentRequest, item by item.
    let first = fake.requests()[0].json().unwrap();
    assert_eq!(
        first["items"][1],
        serde_json::json!({"chat": {"channelId": CHANNEL, "contactId": contact(1)},
                           "intentIdOrName": "pedido_listo",
                           "variables": {"pedido": "A-1"}, "webhookPayload": "envio-1"})
    );
}

#[tokio::test]
async fn a_rate_limited_batch_is_sent_again_after_retry_after() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    fake.push_response(FakeResponse::Error {
        status: 429,
        body: String::new(),
        retry_after: Some(1),
    });
    let started = std::time::Instant::now();
    let report = provider(&fake)
        .trigger_intent_bulk(&requests(3))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(
        batch_sizes(&fake),
        [3, 3],
        "the refused batch, then once more"
    );
    assert_eq!(report.accepted().count(), 3);
}

#[tokio::test]
async fn a_batch_that_may_have_been_taken_is_never_sent_again() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    // First batch: Botmaker keeps rate limiting past the retries. Second: a 500 (it may have
    // run). Third: an answer that cannot be read. Fourth: fine.
    for _ in 0..2 {
        fake.push_response(FakeResponse::Error {
            status: 429,
            body: String::new(),
            retry_after: Some(0),
        });
    }
    fake.push_response(FakeResponse::server_error());
    fake.push_response(FakeResponse::Garbage);
    let p = BotmakerProvider::builder()
        .access_token(TOKEN)
        .base_url(fake.base_url())
        .retry_policy(policy(2))
        .build()
        .unwrap();
    let report = p
        .trigger_intent_bulk(&requests(MAX_BATCH_ITEMS * 3 + 1))
        .await
        .unwrap();
    assert_eq!(batch_sizes(&fake), [500, 500, 500, 500, 1]);
    assert_eq!(report.requests, 4);
    let outcome = |i: usize| &report.results[i].outcome;
    let ChatOutcome::Failed(limited) = outcome(0) else {
        panic!("{:?}", outcome(0))
    };
    assert!(limited.is_retryable() && !limited.may_have_been_sent());
    let ChatOutcome::Failed(server) = outcome(500) else {
        panic!("{:?}", outcome(500))
    };
    assert!(server.may_have_been_sent() && !server.is_retryable());
    let ChatOutcome::Failed(garbage) = outcome(1000) else {
        panic!("{:?}", outcome(1000))
    };
    assert!(matches!(**garbage, Error::MaybeSent(_)), "{garbage:?}");
    assert!(outcome(1500).is_accepted());
    assert_eq!(report.accepted().count(), 1);
}

#[tokio::test]
async fn a_bad_chat_stops_the_whole_send_before_any_request() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let mut reqs = requests(10);
    reqs[6] = TriggerIntentRequest::new(
        ChatRef::Contact {
            channel_id: CHANNEL.into(),
            contact_id: "+5491100000006".into(),
        },
        "pedido_listo",
    );
    let e = provider(&fake)
        .trigger_intent_bulk(&reqs)
        .await
        .unwrap_err();
    match &e {
        Error::Invalid(ValidationError::Invalid { field, reason }) => {
            assert_eq!(*field, "chat");
            assert!(reason.starts_with("item 6:"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    reqs[6] = TriggerIntentRequest::new(ChatRef::chat_id(""), "pedido_listo");
    assert!(provider(&fake).trigger_intent_bulk(&reqs).await.is_err());
    assert!(fake.requests().is_empty());
    let empty = provider(&fake).trigger_intent_bulk(&[]).await.unwrap();
    assert_eq!((empty.requests, empty.results.len()), (0, 0));
}

#[tokio::test]
async fn the_legacy_api_sends_one_notification_a_chat() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let v1 = BotmakerProvider::builder()
        .access_token(TOKEN)
        .api_version(ApiVersion::V1)
        .base_url(fake.v1_base_url())
        .retry_policy(policy(3))
        .build()
        .unwrap();
    fake.push_response(FakeResponse::Success);
    fake.push_response(FakeResponse::Error {
        status: 429,
        body: String::new(),
        retry_after: Some(0),
    });
    fake.push_response(FakeResponse::Success);
    fake.push_response(FakeResponse::Error {
        status: 400,
        body: r#"{"error": {"code": 201, "message": "User window is over 24 hours"}}"#.into(),
        retry_after: None,
    });
    let report = v1.trigger_intent_bulk(&requests(3)).await.unwrap();
    let sent = fake.requests();
    assert_eq!(sent.len(), 4, "one a chat, and the rate-limited one again");
    assert!(sent.iter().all(|r| r.path == "/api/v1.0/intent/v2"));
    assert_eq!(
        sent[0].json().unwrap(),
        serde_json::json!({"chatPlatform": "whatsapp", "chatChannelNumber": "5491155550100",
                           "platformContactId": contact(0), "ruleNameOrId": "pedido_listo",
                           "params": {"pedido": "A-0"}, "clientPayload": "envio-0"})
    );
    assert_eq!(report.requests, 3);
    assert!(report.results[0].outcome.is_accepted());
    assert!(report.results[1].outcome.is_accepted());
    assert!(matches!(
        &report.results[2].outcome,
        ChatOutcome::Rejected { code: Some(c), .. } if c == "201"
    ));

    let by_chat_id = [TriggerIntentRequest::new(
        ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"),
        "x",
    )];
    let e = v1.trigger_intent_bulk(&by_chat_id).await.unwrap_err();
    assert!(matches!(
        e,
        Error::Invalid(ValidationError::Invalid { field: "chat", .. })
    ));
}
