//! Reading Botmaker chats and their message history, against the fake Botmaker: the typed
//! chat, an unknown chat, the pages of a history and the bound on how many are read.

use std::time::Duration;

use whatsapp_connector::botmaker::{
    ApiVersion, BotmakerProvider, ChatRef, MessageQuery, NextPage, Sender,
};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FAKE_HISTORY_LEN, FAKE_PAGE_SIZE, FakeBotmaker, FakeResponse};
use whatsapp_connector::{ApiErrorKind, Error, Timestamp, WhatsAppAddress, WhatsAppProvider};

const TOKEN: &str = "bm-invented-access-token";
const CHANNEL: &str = "acme-whatsapp-5491155550100";
const USER: &str = "+5491155550123";
const CHAT_ID: &str = "KD83JQW0ZX5VR2MTNB7C";

fn provider(fake: &FakeBotmaker) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(TOKEN)
        .channel_id(CHANNEL)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap()
}

fn user() -> WhatsAppAddress {
    WhatsAppAddress::parse(USER).unwrap()
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[tokio::test]
async fn a_chat_is_read_typed() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let chat = p.chat(&user()).await.unwrap().expect("a known chat");
    assert_eq!(chat.ids.chat_id.as_deref(), Some("FAKECHAT000000000001"));
    assert_eq!(chat.ids.channel_id.as_deref(), Some(CHANNEL));
    assert_eq!(chat.ids.contact_id.as_deref(), Some("5491155550123"));
    assert_eq!(chat.first_name.as_deref(), Some("Ana"));
    assert_eq!(chat.created_at, Some(at("2026-01-05T10:00:00Z")));
    let closes = chat.window_closes_at.expect("a window time");
    let hours = (closes.unix_millis() - Timestamp::now().unix_millis()) / 3_600_000;
    assert!((23..=24).contains(&hours), "{closes}");
    assert_eq!(chat.variables.get("plan").map(String::as_str), Some("gold"));
    assert_eq!(chat.variables.len(), 2);
    assert_eq!(chat.tags, ["returningCustomer", "buyer"]);
    assert_eq!(chat.raw["isBotMuted"], false);

    let by_id = p
        .chat_by_reference(&ChatRef::chat_id(CHAT_ID))
        .await
        .unwrap();
    assert!(by_id.is_some());
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            format!("/v2.0/chats/{CHANNEL}:5491155550123"),
            format!("/v2.0/chats/{CHAT_ID}"),
        ]
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("access-token") == Some(TOKEN))
    );
}

#[tokio::test]
async fn window_closes_at_reads_the_same_chat() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let chat = p.chat(&user()).await.unwrap().unwrap();
    let window = WhatsAppProvider::window_closes_at(&p, &user())
        .await
        .unwrap()
        .expect("a window time");
    // The fake's window closes 24 hours after each answer.
    let apart = window.unix_millis() - chat.window_closes_at.unwrap().unix_millis();
    assert!((0..5_000).contains(&apart), "{apart} ms");
    assert_eq!(fake.requests()[0].path, fake.requests()[1].path);
}

#[tokio::test]
async fn an_unknown_chat_is_none_and_errors_stay_errors() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    fake.push_response(FakeResponse::Error {
        status: 404,
        body: String::new(),
        retry_after: None,
    });
    assert_eq!(p.chat(&user()).await.unwrap(), None);
    fake.push_response(FakeResponse::Error {
        status: 404,
        body: String::new(),
        retry_after: None,
    });
    assert_eq!(p.window_closes_at(&user()).await.unwrap(), None);

    fake.push_response(FakeResponse::Garbage);
    assert!(matches!(p.chat(&user()).await, Err(Error::Parse(_))));
    fake.push_response(FakeResponse::rate_limited(None));
    fake.push_response(FakeResponse::rate_limited(None));
    let limited = p.chat(&user()).await.unwrap_err();
    assert_eq!(
        limited.api().map(|a| a.kind),
        Some(ApiErrorKind::RateLimited)
    );

    let wrong = BotmakerProvider::builder()
        .access_token("another-invented-token")
        .channel_id(CHANNEL)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = wrong.chat(&user()).await.unwrap_err();
    assert_eq!(err.api().map(|a| a.status), Some(401));
    assert!(!format!("{err} {err:?}").contains("another-invented-token"));
}

#[tokio::test]
async fn reads_are_refused_before_any_request_when_they_cannot_work() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    assert!(matches!(
        p.chat_by_reference(&ChatRef::chat_id("")).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        p.messages_page(&MessageQuery::all().limit(10)).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        p.messages(&MessageQuery::all(), 0).await,
        Err(Error::Invalid(_))
    ));
    let v1 = BotmakerProvider::builder()
        .api_version(ApiVersion::V1)
        .access_token(TOKEN)
        .channel_id(CHANNEL)
        .base_url(fake.v1_base_url())
        .build()
        .unwrap();
    assert!(matches!(
        v1.chat(&user()).await,
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        v1.messages_page(&MessageQuery::all()).await,
        Err(Error::Unsupported { .. })
    ));
    let no_channel = BotmakerProvider::builder()
        .access_token(TOKEN)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    assert!(matches!(
        no_channel.chat(&user()).await,
        Err(Error::Config(_))
    ));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn history_comes_in_pages() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let query = MessageQuery::chat(ChatRef::contact(CHANNEL, &user()));
    let first = p.messages_page(&query).await.unwrap();
    assert_eq!(first.messages.len(), FAKE_PAGE_SIZE);
    let m = &first.messages[0];
    assert_eq!(m.id.as_deref(), Some("FAKEMSG0000000000000"));
    assert_eq!(m.created_at, Some(at("2026-04-17T18:00:00Z")));
    assert_eq!(m.from, Some(Sender::User));
    assert_eq!(m.chat.contact_id.as_deref(), Some("5491155550123"));
    assert_eq!(m.content.kind.as_deref(), Some("text"));
    assert_eq!(m.content.text.as_deref(), Some("mensaje 1"));
    assert_eq!(first.messages[1].from, Some(Sender::Bot));

    let mut texts = Vec::new();
    let mut page = first;
    let mut pages = 1;
    loop {
        texts.extend(page.messages.iter().filter_map(|m| m.content.text.clone()));
        match &page.next {
            Some(next) => {
                page = p.next_messages_page(next).await.unwrap();
                pages += 1;
            }
            None => break,
        }
    }
    assert_eq!(pages, FAKE_HISTORY_LEN.div_ceil(FAKE_PAGE_SIZE));
    let expected: Vec<String> = (1..=FAKE_HISTORY_LEN)
        .map(|i| format!("mensaje {i}"))
        .collect();
    assert_eq!(texts, expected);

    let requests = fake.requests();
    assert_eq!(
        requests[0].path,
        format!("/v2.0/messages?channel-id={CHANNEL}&contact-id=5491155550123")
    );
    assert!(
        requests[1].path.ends_with("&cursor=2"),
        "{}",
        requests[1].path
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("access-token") == Some(TOKEN))
    );
}

#[tokio::test]
async fn walking_stops_at_the_bound_and_resumes() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let query = MessageQuery::chat(ChatRef::chat_id(CHAT_ID));
    let all = p.messages(&query, 100).await.unwrap();
    assert_eq!(all.messages.len(), FAKE_HISTORY_LEN);
    assert_eq!(all.next, None);
    assert!(
        all.messages
            .iter()
            .all(|m| m.chat.chat_id.as_deref() == Some(CHAT_ID))
    );
    let walked = fake.requests().len();
    assert_eq!(walked, FAKE_HISTORY_LEN.div_ceil(FAKE_PAGE_SIZE));

    let bounded = p.messages(&query, 2).await.unwrap();
    assert_eq!(bounded.messages.len(), 2 * FAKE_PAGE_SIZE);
    assert_eq!(fake.requests().len(), walked + 2);
    let next = bounded.next.expect("more pages are left");
    // A stored token resumes the walk.
    let rest = p
        .next_messages_page(&NextPage::new(next.as_str()))
        .await
        .unwrap();
    assert_eq!(rest.messages.len(), FAKE_HISTORY_LEN - 2 * FAKE_PAGE_SIZE);
    assert_eq!(rest.messages[0].id, all.messages[2 * FAKE_PAGE_SIZE].id);
}

#[tokio::test]
async fn history_is_filtered_by_time() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let query = MessageQuery::chat(ChatRef::chat_id(CHAT_ID))
        .from(at("2026-04-17T18:01:00Z"))
        .to(at("2026-04-17T18:03:00Z"));
    let page = p.messages(&query, 10).await.unwrap();
    let times: Vec<String> = page
        .messages
        .iter()
        .map(|m| m.created_at.unwrap().to_string())
        .collect();
    assert_eq!(
        times,
        [
            "2026-04-17T18:01:00Z",
            "2026-04-17T18:02:00Z",
            "2026-04-17T18:03:00Z"
        ]
    );
    assert_eq!(
        fake.requests()[0].path,
        format!(
            "/v2.0/messages?chat-id={CHAT_ID}&from=2026-04-17T18%3A01%3A00Z&to=2026-04-17T18%3A03%3A00Z"
        )
    );
}

#[tokio::test]
async fn a_next_page_elsewhere_gets_no_token() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let elsewhere = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    for url in [
        format!("{}/messages?cursor=2", elsewhere.base_url()),
        "https://attacker.example.com/v2.0/messages?cursor=2".to_owned(),
        "//attacker.example.com/x".to_owned(),
    ] {
        let err = p
            .next_messages_page(&NextPage::new(url.clone()))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Parse(_)), "{url}: {err:?}");
    }
    assert!(elsewhere.requests().is_empty());
    assert!(fake.requests().is_empty());
    // A failing page fails the walk.
    fake.push_response(FakeResponse::server_error());
    fake.push_response(FakeResponse::server_error());
    let err = p
        .messages(&MessageQuery::chat(ChatRef::chat_id(CHAT_ID)), 3)
        .await
        .unwrap_err();
    assert_eq!(err.api().map(|a| a.kind), Some(ApiErrorKind::ServerError));
}
