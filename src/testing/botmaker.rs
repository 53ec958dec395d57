//! A local server that answers like Botmaker's API (v2 and legacy v1).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{get, post};
use serde_json::json;

use super::server::{FakeResponse, RecordedRequest, Recorder, Running, answer, serve};
use super::webhooks::BotmakerWebhook;
use crate::event::DeliveryStatus;
use crate::secret::Secret;

mod catalog;

/// How many messages a chat's history holds in [`FakeBotmaker`].
pub const FAKE_HISTORY_LEN: usize = 5;
/// How many messages a page of [`FakeBotmaker`]'s `GET /messages` holds.
pub const FAKE_PAGE_SIZE: usize = 2;

/// A fake Botmaker. It answers, checking the `access-token` header:
///
/// - v2 `POST /v2.0/chats-actions/send-messages` and `/v2.0/chats-actions/trigger-intent`
///   with 202 `{"webhookNotificationId": …}`;
/// - v2 `GET /v2.0/chats/{chatReference}` with a chat whose window closes in 24 hours, with
///   variables and tags (queue a 404 with [`FakeBotmaker::push_response`] for an unknown chat);
/// - v2 `GET /v2.0/messages` with the [`FAKE_HISTORY_LEN`] invented messages of the chat asked
///   for (`chat-id`, or `channel-id` and `contact-id`), one a minute from
///   2026-04-17T18:00:00Z, filtered by `from` and `to`, [`FAKE_PAGE_SIZE`] a page with a
///   `nextPage` URL (a `cursor`) to the next;
/// - v2 `POST /v2.0/chats-actions/send-read-typing-feedback` with 204 (the body needs
///   `channelId` and `contactId`, and `typing` is a boolean when present);
/// - v2 `POST /v2.0/chats-actions/send-reaction` (`messageId` and `reaction`) and `DELETE`
///   on the same path (`messageId`) with 202;
/// - v2 `GET /v2.0/whatsapp/templates` (filtered by `state` and `queues`; in pages with a
///   `nextPage` once [`FakeBotmaker::page_templates`] sets a size), `POST` on the same path
///   (stores the template as `BOTMAKER_PENDING`, 201; 400 without `name` or `body.text`, or for
///   a name taken), and `GET`/`DELETE /v2.0/whatsapp/templates/{name}` (200 or 204; 404 for a
///   name it does not hold); templates are added with [`FakeBotmaker::add_template`];
/// - v2 `POST /v2.0/chats-actions/batch/trigger-intent` with 202 and one item a chat:
///   `{"webhookNotificationId": …}`, or `{"errors": […]}` for a chat without a reference, an
///   item without `intentIdOrName`, or a contact refused with [`FakeBotmaker::reject_contact`];
///   400 past 500 items;
/// - v1 `POST /api/v1.0/message/v3` with 200 `{"id": …}` and `/api/v1.0/intent/v2` with 200.
///
/// Every request is recorded; [`FakeBotmaker::push_response`] queues other answers. When a
/// webhook URL is set, each message sent is followed by `delivered` and `read` status
/// snapshots posted there with the webhook token in `auth-bm-token`, as Botmaker does.
#[derive(Debug)]
pub struct FakeBotmaker {
    state: Arc<BotmakerState>,
    running: Running,
}

#[derive(Debug)]
struct BotmakerState {
    access_token: Secret,
    recorder: Recorder,
    next_id: AtomicU64,
    webhook: std::sync::Mutex<Option<(String, Secret)>>,
    http: reqwest::Client,
    templates: std::sync::Mutex<Vec<serde_json::Value>>,
    template_page: std::sync::Mutex<Option<usize>>,
    rejected_contacts: std::sync::Mutex<Vec<String>>,
}

impl FakeBotmaker {
    /// Starts a fake that accepts `access_token`, on 127.0.0.1 (a free port).
    ///
    /// # Errors
    ///
    /// The I/O error when no port on 127.0.0.1 can be bound.
    pub async fn start(access_token: &str) -> std::io::Result<Self> {
        let state = Arc::new(BotmakerState {
            access_token: Secret::new(access_token),
            recorder: Recorder::default(),
            next_id: AtomicU64::new(1),
            webhook: std::sync::Mutex::new(None),
            http: reqwest::Client::new(),
            templates: std::sync::Mutex::new(Vec::new()),
            template_page: std::sync::Mutex::new(None),
            rejected_contacts: std::sync::Mutex::new(Vec::new()),
        });
        let router = Router::new()
            .route("/v2.0/chats-actions/send-messages", post(v2_send))
            .route("/v2.0/chats-actions/trigger-intent", post(v2_send))
            .route(
                "/v2.0/chats-actions/batch/trigger-intent",
                post(catalog::batch),
            )
            .route(
                "/v2.0/whatsapp/templates",
                get(catalog::list).post(catalog::create),
            )
            .route(
                "/v2.0/whatsapp/templates/{name}",
                get(catalog::one).delete(catalog::one),
            )
            .route("/v2.0/chats/{reference}", get(v2_chat))
            .route("/v2.0/messages", get(v2_messages))
            .route(
                "/v2.0/chats-actions/send-read-typing-feedback",
                post(v2_read_typing),
            )
            .route(
                "/v2.0/chats-actions/send-reaction",
                post(v2_reaction).delete(v2_reaction),
            )
            .route("/api/v1.0/message/v3", post(v1_send))
            .route("/api/v1.0/intent/v2", post(v1_send))
            .fallback(not_found)
            .with_state(state.clone());
        let running = serve(router).await?;
        Ok(FakeBotmaker { state, running })
    }

    /// The v2 base URL to give the provider: `http://127.0.0.1:<port>/v2.0`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v2.0", self.running.addr)
    }

    /// The legacy v1 base URL: `http://127.0.0.1:<port>/api/v1.0`.
    pub fn v1_base_url(&self) -> String {
        format!("http://{}/api/v1.0", self.running.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.requests()
    }

    /// Queues the answer to the next request.
    pub fn push_response(&self, response: FakeResponse) {
        self.state.recorder.push(response);
    }

    /// Adds a template, as Botmaker would answer with it (`{"name": …, "state": "APPROVED",
    /// "body": {"text": …}, …}`).
    pub fn add_template(&self, template: serde_json::Value) {
        lock(&self.state.templates).push(template);
    }

    /// The templates the fake holds, in order.
    pub fn templates(&self) -> Vec<serde_json::Value> {
        lock(&self.state.templates).clone()
    }

    /// Lists templates in pages of `size` with a `nextPage` link (`None`: all at once, as
    /// Botmaker's OpenAPI describes the list).
    pub fn page_templates(&self, size: Option<usize>) {
        *lock(&self.state.template_page) = size;
    }

    /// Makes the batch trigger refuse every item for `contact_id` with an error item.
    pub fn reject_contact(&self, contact_id: &str) {
        lock(&self.state.rejected_contacts).push(contact_id.to_owned());
    }

    /// Where status snapshots go after each send, and the token they carry.
    pub fn set_webhook(&self, url: Option<String>, token: &str) {
        *lock(&self.state.webhook) = url.map(|u| (u, Secret::new(token)));
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        &format!("no route for {method} {uri}"),
    )
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"errors": [{"type": "fake", "source": "request", "message": message}]}).to_string(),
    )
        .into_response()
}

fn record(
    state: &BotmakerState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> RecordedRequest {
    let r = RecordedRequest {
        method,
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers.clone(),
        body,
    };
    state.recorder.record(r.clone());
    r
}

fn authorized(state: &BotmakerState, headers: &HeaderMap) -> bool {
    headers
        .get("access-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| state.access_token.constant_time_eq(t))
}

fn next_id(state: &BotmakerState, prefix: &str) -> String {
    let n = state.next_id.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{n:016}").chars().take(20).collect()
}

async fn v2_send(
    State(state): State<Arc<BotmakerState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let r = record(&state, Method::POST, &uri, &headers, body);
    let behaviour = state.recorder.next();
    if !authorized(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "invalid access-token");
    }
    let Some(json) = r.json() else {
        return error(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let chat = &json["chat"];
    let contact = chat["contactId"].as_str().map(str::to_owned);
    let channel = chat["channelId"].as_str().map(str::to_owned);
    if contact.is_none() && chat["chatId"].as_str().is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "chat needs chatId or channelId and contactId",
        );
    }
    let id = next_id(&state, "WN");
    let succeeded = matches!(behaviour, FakeResponse::Success | FakeResponse::Hang(_));
    let id2 = id.clone();
    let response = answer(behaviour, move || {
        (
            StatusCode::ACCEPTED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"webhookNotificationId": id2}).to_string(),
        )
            .into_response()
    })
    .await;
    if succeeded && let (Some(contact), Some(channel)) = (contact, channel) {
        let text = json["messages"][0]["text"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        tokio::spawn(send_snapshots(state.clone(), channel, contact, id, text));
    }
    response
}

/// Answers a chat action that needs the given string fields: `status` with no body.
async fn chat_action(
    state: &BotmakerState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
    fields: &[&str],
    status: StatusCode,
) -> Response {
    let r = record(state, method, uri, headers, body);
    let behaviour = state.recorder.next();
    if !authorized(state, headers) {
        return error(StatusCode::UNAUTHORIZED, "invalid access-token");
    }
    let Some(json) = r.json() else {
        return error(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    for field in fields {
        if json[*field].as_str().is_none_or(str::is_empty) {
            return error(StatusCode::BAD_REQUEST, &format!("{field} is required"));
        }
    }
    if !(json["typing"].is_null() || json["typing"].is_boolean()) {
        return error(StatusCode::BAD_REQUEST, "typing must be a boolean");
    }
    answer(behaviour, || status.into_response()).await
}

async fn v2_read_typing(
    State(state): State<Arc<BotmakerState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = ["channelId", "contactId"];
    let status = StatusCode::NO_CONTENT;
    chat_action(&state, Method::POST, &uri, &headers, body, &fields, status).await
}

async fn v2_reaction(
    State(state): State<Arc<BotmakerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields: &[&str] = if method == Method::DELETE {
        &["messageId"]
    } else {
        &["messageId", "reaction"]
    };
    let status = StatusCode::ACCEPTED;
    chat_action(&state, method, &uri, &headers, body, fields, status).await
}

async fn v2_chat(
    State(state): State<Arc<BotmakerState>>,
    Path(reference): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, Method::GET, &uri, &headers, Bytes::new());
    let behaviour = state.recorder.next();
    if !authorized(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "invalid access-token");
    }
    let closes = time::OffsetDateTime::now_utc() + time::Duration::hours(24);
    let closes = closes
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let (channel, contact) = reference
        .split_once(':')
        .unwrap_or(("", reference.as_str()));
    let body = json!({
        "chat": {"chatId": "FAKECHAT000000000001", "channelId": channel, "contactId": contact},
        "creationTime": "2026-01-05T10:00:00Z",
        "firstName": "Ana",
        "whatsAppWindowCloseDatetime": closes,
        "variables": {"plan": "gold", "visits": "3"},
        "tags": ["returningCustomer", "buyer"],
        "isBotMuted": false,
    });
    answer(behaviour, || {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    })
    .await
}

async fn v2_messages(
    State(state): State<Arc<BotmakerState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, Method::GET, &uri, &headers, Bytes::new());
    let behaviour = state.recorder.next();
    if !authorized(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "invalid access-token");
    }
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let time = |name: &str| param(name).map(crate::event::Timestamp::parse_rfc3339);
    let (from, to) = match (time("from"), time("to")) {
        (Some(None), _) | (_, Some(None)) => {
            return error(StatusCode::BAD_REQUEST, "from and to must be date-times");
        }
        (from, to) => (from.flatten(), to.flatten()),
    };
    let chat = match (param("chat-id"), param("channel-id"), param("contact-id")) {
        (Some(chat), _, _) => json!({"chatId": chat}),
        (None, Some(channel), Some(contact)) => json!({
            "chatId": "FAKECHAT000000000001", "channelId": channel, "contactId": contact
        }),
        (None, None, None) => json!({"chatId": "FAKECHAT000000000001"}),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "channel-id and contact-id go together",
            );
        }
    };
    let history = fake_history(&chat, from, to);
    let cursor: usize = param("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let items: Vec<_> = history
        .iter()
        .skip(cursor)
        .take(FAKE_PAGE_SIZE)
        .cloned()
        .collect();
    let mut body = json!({ "items": items });
    if cursor + FAKE_PAGE_SIZE < history.len() {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.iter().filter(|(k, _)| k != "cursor") {
            next.append_pair(k, v);
        }
        next.append_pair("cursor", &(cursor + FAKE_PAGE_SIZE).to_string());
        body["nextPage"] = json!(format!("http://{host}/v2.0/messages?{}", next.finish()));
    }
    answer(behaviour, || {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    })
    .await
}

/// The fake's message history of a chat: `FAKE_HISTORY_LEN` messages a minute apart, user
/// and bot in turn, those between `from` and `to`.
fn fake_history(
    chat: &serde_json::Value,
    from: Option<crate::event::Timestamp>,
    to: Option<crate::event::Timestamp>,
) -> Vec<serde_json::Value> {
    let start = time::macros::datetime!(2026-04-17 18:00 UTC);
    (0..FAKE_HISTORY_LEN)
        .filter_map(|i| {
            let at: crate::event::Timestamp = (start + time::Duration::minutes(i as i64)).into();
            if from.is_some_and(|f| at < f) || to.is_some_and(|t| at > t) {
                return None;
            }
            let from_user = i % 2 == 0;
            Some(json!({
                "id": format!("FAKEMSG{i:013}"),
                "creationTime": at.to_string(),
                "from": if from_user { "user" } else { "bot" },
                "chat": chat,
                "sessionId": format!("{}_2026-04-17T18:00:00Z", chat["chatId"].as_str().unwrap_or("")),
                "sessionCreationTime": "2026-04-17T18:00:00Z",
                "content": {"type": "text", "text": format!("mensaje {}", i + 1)},
            }))
        })
        .collect()
}

async fn v1_send(
    State(state): State<Arc<BotmakerState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&state, Method::POST, &uri, &headers, body);
    let behaviour = state.recorder.next();
    if !authorized(&state, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"error": {"code": 401, "message": "invalid access-token"}}).to_string(),
        )
            .into_response();
    }
    let id = next_id(&state, "V1");
    answer(behaviour, || {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"id": id}).to_string(),
        )
            .into_response()
    })
    .await
}

/// Posts `delivered` then `read` snapshots of the chat, the sent message as its last one.
async fn send_snapshots(
    state: Arc<BotmakerState>,
    channel: String,
    contact: String,
    message_id: String,
    text: String,
) {
    let Some((url, token)) = state
        .webhook
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
    else {
        return;
    };
    let business = channel.rsplit('-').next().unwrap_or("").to_owned();
    for status in [DeliveryStatus::Delivered, DeliveryStatus::Read] {
        // Botmaker's notifications come after its answer, not with it.
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        let hook = BotmakerWebhook::status_snapshot(
            &channel,
            &business,
            &contact,
            status,
            &message_id,
            &text,
        );
        let request = hook.request(&url, token.expose());
        if super::webhooks::post(&state.http, &request).await.is_err() {
            return;
        }
    }
}
