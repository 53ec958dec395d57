//! The fake Twilio's account and WhatsApp senders: `GET /2010-04-01/Accounts/{Sid}.json`,
//! and the Messaging API v2's `GET /v2/Channels/Senders` and `POST /v2/Channels/Senders/{Sid}`.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{get, post};
use serde_json::{Value, json};

use super::{FakeTwilio, TwilioState, basic_auth_ok, record_get, record_post, twilio_error};
use crate::testing::server::{FakeResponse, answer};
use crate::twilio::{SenderWebhook, WhatsAppSender};

/// A call of the fake Twilio's account and senders API, to queue an answer for it alone
/// ([`FakeTwilio::push_response_to`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FakeTwilioRoute {
    /// `GET /2010-04-01/Accounts/{Sid}.json`.
    Account,
    /// `GET /v2/Channels/Senders` (each page).
    ListSenders,
    /// `POST /v2/Channels/Senders/{Sid}`.
    UpdateSender,
}

/// The senders side of the fake's state.
#[derive(Debug, Default)]
pub(super) struct SendersState {
    senders: Mutex<Vec<WhatsAppSender>>,
    updates: Mutex<Vec<(String, Value)>>,
    queues: Mutex<HashMap<FakeTwilioRoute, VecDeque<FakeResponse>>>,
    next_sid: AtomicU64,
    page_size: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The routes, on the fake's shared state.
pub(super) fn routes() -> Router<Arc<TwilioState>> {
    Router::new()
        .route("/2010-04-01/Accounts/{sid}", get(fetch_account))
        .route("/v2/Channels/Senders", get(list_senders))
        .route("/v2/Channels/Senders/{sid}", post(update_sender))
}

/// The account and WhatsApp senders (Messaging API v2), for setups such as
/// [`mammut::connect`](crate::mammut::connect):
///
/// - `GET /2010-04-01/Accounts/{Sid}.json` answers 200 with the account (`active`) for the
///   fake's account SID and auth token, 401 (code 20003) otherwise;
/// - `GET /v2/Channels/Senders?Channel=whatsapp` lists the senders added with
///   [`add_whatsapp_sender`](FakeTwilio::add_whatsapp_sender), a page at a time (`PageSize`,
///   capped by [`set_senders_page_size`](FakeTwilio::set_senders_page_size)) with a
///   `next_page_url` on the fake's own address;
/// - `POST /v2/Channels/Senders/{Sid}` with a JSON `webhook` object sets those fields of the
///   sender's webhook and answers 202 with the sender (404, code 20404, for a sender the
///   account does not have); each update is recorded
///   ([`sender_webhook_updates`](FakeTwilio::sender_webhook_updates)).
///
/// Each call answers the next queued answer of its route
/// ([`push_response_to`](FakeTwilio::push_response_to)), else the next of the shared queue
/// ([`push_response`](FakeTwilio::push_response)), else its success.
impl FakeTwilio {
    /// Adds a WhatsApp sender (`whatsapp:+E164`, or `+E164`) to the account, `ONLINE`, with
    /// no webhook, and returns its SID (`XE…`).
    pub fn add_whatsapp_sender(&self, number: &str) -> String {
        let senders = &self.state.senders;
        let n = senders.next_sid.fetch_add(1, Ordering::Relaxed) + 1;
        let sid = format!("XE{n:032x}");
        let number = number.trim();
        let sender_id = if number.starts_with("whatsapp:") {
            number.to_owned()
        } else {
            format!("whatsapp:{number}")
        };
        lock(&senders.senders).push(WhatsAppSender {
            sid: sid.clone(),
            sender_id,
            status: Some("ONLINE".into()),
            webhook: None,
        });
        sid
    }

    /// The account's WhatsApp senders as they are now, webhooks included.
    pub fn whatsapp_senders(&self) -> Vec<WhatsAppSender> {
        lock(&self.state.senders.senders).clone()
    }

    /// Every sender update received, in order: the sender's SID and the `webhook` object
    /// posted.
    pub fn sender_webhook_updates(&self) -> Vec<(String, Value)> {
        lock(&self.state.senders.updates).clone()
    }

    /// The most senders a page lists (0, the default, for no cap beyond `PageSize`).
    pub fn set_senders_page_size(&self, max: usize) {
        self.state.senders.page_size.store(max, Ordering::Relaxed);
    }

    /// Queues the answer to the next call of `route` alone.
    pub fn push_response_to(&self, route: FakeTwilioRoute, response: FakeResponse) {
        lock(&self.state.senders.queues)
            .entry(route)
            .or_default()
            .push_back(response);
    }
}

/// The next answer of `route`: its own queue first, then the shared one.
fn next_answer(state: &TwilioState, route: FakeTwilioRoute) -> FakeResponse {
    let queued = lock(&state.senders.queues)
        .get_mut(&route)
        .and_then(VecDeque::pop_front);
    queued.unwrap_or_else(|| state.recorder.next())
}

fn json_answer(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn fetch_account(
    State(state): State<Arc<TwilioState>>,
    Path(file): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record_get(&state, &uri, &headers);
    let behaviour = next_answer(&state, FakeTwilioRoute::Account);
    let sid = file.strip_suffix(".json").unwrap_or(&file);
    if sid != state.account_sid || !basic_auth_ok(&headers, &state.account_sid, &state.auth_token) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let account = json!({
        "sid": state.account_sid,
        "owner_account_sid": state.account_sid,
        "friendly_name": "Fake account",
        "status": "active",
        "type": "Full",
        "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
        "date_updated": "Thu, 01 Jan 2026 00:00:00 +0000",
        "uri": format!("/2010-04-01/Accounts/{}.json", state.account_sid),
    });
    answer(behaviour, || json_answer(StatusCode::OK, &account)).await
}

async fn list_senders(
    State(state): State<Arc<TwilioState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record_get(&state, &uri, &headers);
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let behaviour = next_answer(&state, FakeTwilioRoute::ListSenders);
    if !basic_auth_ok(&headers, &state.account_sid, &state.auth_token) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    if query.get("Channel").map(String::as_str) != Some("whatsapp") {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            20001,
            "Channel is required (whatsapp)",
        );
    }
    let number = |k: &str, default: usize| {
        query.get(k).map_or(Ok(default), |v| {
            v.parse::<usize>().map_err(|_| k.to_owned())
        })
    };
    let (size, page) = match (number("PageSize", 50), number("Page", 0)) {
        (Ok(s), Ok(p)) if (1..=1000).contains(&s) => (s, p),
        (Err(k), _) | (_, Err(k)) => {
            return twilio_error(StatusCode::BAD_REQUEST, 20001, &format!("{k} is invalid"));
        }
        _ => return twilio_error(StatusCode::BAD_REQUEST, 20001, "PageSize is invalid"),
    };
    let cap = state.senders.page_size.load(Ordering::Relaxed);
    let size = if cap > 0 { size.min(cap) } else { size };
    let all = lock(&state.senders.senders).clone();
    let items: Vec<&WhatsAppSender> = all.iter().skip(page * size).take(size).collect();
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let page_url = |p: usize| {
        format!("http://{host}/v2/Channels/Senders?Channel=whatsapp&PageSize={size}&Page={p}")
    };
    let next = ((page + 1) * size < all.len()).then(|| page_url(page + 1));
    let body = json!({
        "senders": items,
        "meta": {
            "page": page, "page_size": size, "key": "senders",
            "first_page_url": page_url(0), "url": page_url(page),
            "previous_page_url": page.checked_sub(1).map(page_url),
            "next_page_url": next,
        }
    });
    answer(behaviour, || json_answer(StatusCode::OK, &body)).await
}

async fn update_sender(
    State(state): State<Arc<TwilioState>>,
    Path(sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record_post(&state, &uri, &headers, body.clone());
    let behaviour = next_answer(&state, FakeTwilioRoute::UpdateSender);
    if !basic_auth_ok(&headers, &state.account_sid, &state.auth_token) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let parsed = serde_json::from_slice::<Value>(&body)
        .ok()
        .filter(|_| is_json);
    let Some(Value::Object(request)) = parsed else {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            20001,
            "the body must be a JSON object",
        );
    };
    let webhook = request.get("webhook").cloned().unwrap_or(Value::Null);
    let update = match serde_json::from_value::<Option<SenderWebhook>>(webhook.clone()) {
        Ok(u) => u.unwrap_or_default(),
        Err(e) => {
            return twilio_error(
                StatusCode::BAD_REQUEST,
                20001,
                &format!("webhook is invalid: {e}"),
            );
        }
    };
    let resource = {
        let mut senders = lock(&state.senders.senders);
        let Some(sender) = senders.iter_mut().find(|s| s.sid == sid) else {
            return twilio_error(
                StatusCode::NOT_FOUND,
                20404,
                &format!("The requested resource /v2/Channels/Senders/{sid} was not found"),
            );
        };
        if !matches!(behaviour, FakeResponse::Error { .. }) {
            merge(
                sender.webhook.get_or_insert_with(SenderWebhook::default),
                update,
            );
            lock(&state.senders.updates).push((sid.clone(), webhook));
        }
        json!(sender)
    };
    answer(behaviour, || json_answer(StatusCode::ACCEPTED, &resource)).await
}

/// Sets the fields `update` sets.
fn merge(webhook: &mut SenderWebhook, update: SenderWebhook) {
    let fields = [
        (&mut webhook.callback_url, update.callback_url),
        (&mut webhook.callback_method, update.callback_method),
        (&mut webhook.fallback_url, update.fallback_url),
        (&mut webhook.fallback_method, update.fallback_method),
        (&mut webhook.status_callback_url, update.status_callback_url),
        (
            &mut webhook.status_callback_method,
            update.status_callback_method,
        ),
    ];
    for (field, value) in fields {
        if value.is_some() {
            *field = value;
        }
    }
}
