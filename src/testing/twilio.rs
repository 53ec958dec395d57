//! A local server that answers like Twilio's Messages API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{get, post};
use base64::Engine;
use serde_json::json;

use super::server::{FakeResponse, RecordedRequest, Recorder, Running, answer, serve};
use super::twilio_content::{self, ContentSend, ContentStore};
use crate::secret::Secret;

// The account and WhatsApp senders API (its routes, state and methods).
mod senders;
pub use senders::FakeTwilioRoute;

/// A fake Twilio: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` answers 201 with a
/// Message resource (checking HTTP Basic auth against the account SID and auth token), or
/// whatever was queued with [`FakeTwilio::push_response`]. Every request is recorded.
///
/// When a message names a `StatusCallback` (or [`FakeTwilio::set_status_callback`] gave a
/// default), the fake then posts signed `sent`, `delivered` and `read` callbacks to it, as
/// Twilio does.
///
/// It also answers the Messaging API v2's WhatsApp typing indicator,
/// `POST /v2/Indicators/Typing.json`, on the same address (a provider built with
/// [`base_url`](crate::twilio::TwilioBuilder::base_url) sends it there too): 200
/// `{"success": true}` when `messageId` is an `SM…` or `MM…` SID and `channel` is `whatsapp`,
/// 400 otherwise, with the same Basic auth.
///
/// It also serves media: `GET /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}`
/// (see [`FakeTwilio::media_url`]) with the same Basic auth, and `GET /cdn/{file}` without
/// any, like the CDN Twilio redirects media downloads to. Both answer
/// [`FakeTwilio::MEDIA_BYTES`] as `image/jpeg`, or the queued behaviour
/// ([`FakeResponse::Redirect`] sends the client to another host).
///
/// And the Content API on the same address (a provider built with `base_url` calls it
/// there too): `POST /v1/Content` (201 with an `HX…` SID), `GET /v1/Content` in pages
/// (`PageSize`, default 50, with `meta.next_page_url` while more remain),
/// `GET`/`DELETE /v1/Content/{sid}`, and `POST /v1/Content/{sid}/ApprovalRequests/whatsapp`
/// and `GET /v1/Content/{sid}/ApprovalRequests` (a submission is `received`;
/// [`FakeTwilio::set_approval_status`] moves it on). [`FakeTwilio::content_sends`] lists the
/// messages sent by `ContentSid`; a send naming content that was deleted gets Twilio's 400
/// with code 21655.
///
/// And it answers the account fetch and the Messaging API v2's WhatsApp senders (list and
/// webhook update): see [`FakeTwilio::add_whatsapp_sender`].
#[derive(Debug)]
pub struct FakeTwilio {
    state: Arc<TwilioState>,
    running: Running,
}

#[derive(Debug)]
pub(super) struct TwilioState {
    pub(super) account_sid: String,
    pub(super) auth_token: Secret,
    pub(super) recorder: Recorder,
    pub(super) content: ContentStore,
    next_sid: AtomicU64,
    default_callback: std::sync::Mutex<Option<String>>,
    http: reqwest::Client,
    senders: senders::SendersState,
}

impl FakeTwilio {
    /// The bytes the fake serves as a media file.
    pub const MEDIA_BYTES: &'static [u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 fake image \xff\xd9";

    /// Starts a fake for one account on 127.0.0.1 (a free port).
    ///
    /// # Errors
    ///
    /// The I/O error when no port on 127.0.0.1 can be bound.
    pub async fn start(account_sid: &str, auth_token: &str) -> std::io::Result<Self> {
        let state = Arc::new(TwilioState {
            account_sid: account_sid.to_owned(),
            auth_token: Secret::new(auth_token),
            recorder: Recorder::default(),
            content: ContentStore::default(),
            next_sid: AtomicU64::new(1),
            default_callback: std::sync::Mutex::new(None),
            http: reqwest::Client::new(),
            senders: senders::SendersState::default(),
        });
        let router = Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                post(create_message),
            )
            .route(
                "/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}",
                get(api_media),
            )
            .route("/v2/Indicators/Typing.json", post(typing_indicator))
            .route(
                "/v1/Content",
                post(twilio_content::create).get(twilio_content::list),
            )
            .route(
                "/v1/Content/{sid}",
                get(twilio_content::fetch).delete(twilio_content::delete),
            )
            .route(
                "/v1/Content/{sid}/ApprovalRequests/whatsapp",
                post(twilio_content::submit),
            )
            .route(
                "/v1/Content/{sid}/ApprovalRequests",
                get(twilio_content::approval),
            )
            .route("/cdn/{*file}", get(cdn_media))
            .merge(senders::routes())
            .fallback(not_found)
            .with_state(state.clone());
        let running = serve(router).await?;
        Ok(FakeTwilio { state, running })
    }

    /// The base URL to give the provider: `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// The URL of a media file on the fake's API, as Twilio puts it in `MediaUrl0`.
    pub fn media_url(&self, message_sid: &str, media_sid: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages/{message_sid}/Media/{media_sid}",
            self.base_url(),
            self.state.account_sid
        )
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.requests()
    }

    /// Queues the answer to the next request.
    pub fn push_response(&self, response: FakeResponse) {
        self.state.recorder.push(response);
    }

    /// Every Content resource the fake holds (created and not deleted), as it answers them.
    pub fn contents(&self) -> Vec<serde_json::Value> {
        self.state.content.resources()
    }

    /// How many Content creates (`POST /v1/Content`) it received, failed ones included.
    pub fn content_creates(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == Method::POST && r.path == "/v1/Content")
            .count()
    }

    /// The sends that named a Content resource (`ContentSid`), in order.
    pub fn content_sends(&self) -> Vec<ContentSend> {
        self.requests()
            .iter()
            .filter_map(ContentSend::from_request)
            .collect()
    }

    /// Sets a content's WhatsApp approval status (`approved`, `rejected`, …), as WhatsApp's
    /// review would. False when the fake holds no content `sid`.
    pub fn set_approval_status(&self, sid: &str, status: &str) -> bool {
        self.state.content.set_status(sid, status)
    }

    /// Where status callbacks go for messages that name none.
    pub fn set_status_callback(&self, url: Option<String>) {
        *self
            .state
            .default_callback
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = url;
    }
}

async fn not_found(method: Method, uri: Uri) -> Response {
    twilio_error(
        StatusCode::NOT_FOUND,
        20404,
        &format!("The requested resource {method} {uri} was not found"),
    )
}

pub(super) fn twilio_error(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"code": code, "message": message,
               "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
               "status": status.as_u16()})
        .to_string(),
    )
        .into_response()
}

pub(super) fn basic_auth_ok(headers: &HeaderMap, user: &str, password: &Secret) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(value.trim()) else {
        return false;
    };
    let Ok(text) = String::from_utf8(decoded) else {
        return false;
    };
    match text.split_once(':') {
        Some((u, p)) => u == user && password.constant_time_eq(p),
        None => false,
    }
}

async fn create_message(
    State(state): State<Arc<TwilioState>>,
    Path(sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = record_post(&state, &uri, &headers, body);
    let behaviour = state.recorder.next();
    if sid != state.account_sid || !basic_auth_ok(&headers, &state.account_sid, &state.auth_token) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let to = recorded.form_value("To");
    let Some(to) = to.filter(|t| !t.is_empty()) else {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            21604,
            "A 'To' phone number is required.",
        );
    };
    if let Some(content) = recorded.form_value("ContentSid")
        && state.content.was_deleted(&content)
    {
        return twilio_error(StatusCode::BAD_REQUEST, 21655, "The ContentSid is Invalid");
    }
    let n = state.next_sid.fetch_add(1, Ordering::Relaxed);
    let message_sid = format!("SM{n:032x}");
    let from = recorded.form_value("From");
    let callback = recorded.form_value("StatusCallback").or_else(|| {
        state
            .default_callback
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    });
    let resource = message_resource(&state.account_sid, &message_sid, &recorded, &to);
    let succeeded = matches!(behaviour, FakeResponse::Success | FakeResponse::Hang(_));
    let response = answer(behaviour, || {
        (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            resource.to_string(),
        )
            .into_response()
    })
    .await;
    if succeeded && let Some(url) = callback {
        let from = from.unwrap_or_default();
        tokio::spawn(send_status_callbacks(
            state.clone(),
            url,
            message_sid,
            to,
            from,
        ));
    }
    response
}

/// `POST /v2/Indicators/Typing.json`: checks the auth and the form, answers
/// `{"success": true}`.
async fn typing_indicator(
    State(state): State<Arc<TwilioState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let recorded = record_post(&state, &uri, &headers, body);
    let behaviour = state.recorder.next();
    if !basic_auth_ok(&headers, &state.account_sid, &state.auth_token) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let id = recorded.form_value("messageId").unwrap_or_default();
    let sid = |prefix| crate::twilio::is_sid(&id, prefix);
    if !(sid("SM") || sid("MM")) {
        return twilio_error(
            StatusCode::BAD_REQUEST,
            20422,
            "messageId must be an SM or MM message SID",
        );
    }
    if recorded.form_value("channel").as_deref() != Some("whatsapp") {
        return twilio_error(StatusCode::BAD_REQUEST, 20422, "channel must be whatsapp");
    }
    answer(behaviour, || {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json!({"success": true}).to_string(),
        )
            .into_response()
    })
    .await
}

/// The Message resource Twilio answers a create with.
fn message_resource(
    account_sid: &str,
    message_sid: &str,
    recorded: &RecordedRequest,
    to: &str,
) -> serde_json::Value {
    let service = recorded.form_value("MessagingServiceSid");
    json!({
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": recorded.form_value("Body").unwrap_or_default(),
        "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
        "date_sent": null,
        "date_updated": "Thu, 01 Jan 2026 00:00:00 +0000",
        "direction": "outbound-api",
        "error_code": null,
        "error_message": null,
        "from": recorded.form_value("From"),
        "num_media": recorded.form_values("MediaUrl").len().to_string(),
        "num_segments": "1",
        "price": null,
        "price_unit": null,
        "sid": message_sid,
        "status": if service.is_some() { "accepted" } else { "queued" },
        "messaging_service_sid": service,
        "subresource_uris": {"media": format!("/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}/Media.json")},
        "to": to,
        "uri": format!("/2010-04-01/Accounts/{account_sid}/Messages/{message_sid}.json"),
    })
}

/// Records a request and returns what was recorded.
pub(super) fn record(
    state: &TwilioState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> RecordedRequest {
    let recorded = RecordedRequest {
        method,
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers.clone(),
        body,
    };
    state.recorder.record(recorded.clone());
    recorded
}

/// Records a `POST` and returns what was recorded.
fn record_post(
    state: &TwilioState,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> RecordedRequest {
    record(state, Method::POST, uri, headers, body)
}

fn record_get(state: &TwilioState, uri: &Uri, headers: &HeaderMap) {
    record(state, Method::GET, uri, headers, Bytes::new());
}

fn media_answer() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "image/jpeg")],
        FakeTwilio::MEDIA_BYTES,
    )
        .into_response()
}

async fn api_media(
    State(state): State<Arc<TwilioState>>,
    Path((sid, _message, _media)): Path<(String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record_get(&state, &uri, &headers);
    let behaviour = state.recorder.next();
    if sid != state.account_sid || !basic_auth_ok(&headers, &state.account_sid, &state.auth_token) {
        return twilio_error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    answer(behaviour, media_answer).await
}

async fn cdn_media(
    State(state): State<Arc<TwilioState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record_get(&state, &uri, &headers);
    let behaviour = state.recorder.next();
    answer(behaviour, media_answer).await
}

/// Posts signed `sent`, `delivered` and `read` callbacks, in that order, shaped as Twilio
/// sends them for WhatsApp: the read receipt is `MessageStatus=delivered` with
/// `EventType=READ`, and the delivery carries `EventType=DELIVERED`.
async fn send_status_callbacks(
    state: Arc<TwilioState>,
    url: String,
    message_sid: String,
    to: String,
    from: String,
) {
    for (status, event_type) in [
        ("sent", None),
        ("delivered", Some("DELIVERED")),
        ("delivered", Some("READ")),
    ] {
        // Twilio's callbacks come after its answer, not with it.
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        let mut params = vec![
            ("AccountSid".to_owned(), state.account_sid.clone()),
            ("ApiVersion".to_owned(), "2010-04-01".to_owned()),
            ("ChannelPrefix".to_owned(), "whatsapp".to_owned()),
            ("From".to_owned(), from.clone()),
            ("MessageSid".to_owned(), message_sid.clone()),
            ("MessageStatus".to_owned(), status.to_owned()),
            ("SmsSid".to_owned(), message_sid.clone()),
            ("SmsStatus".to_owned(), status.to_owned()),
            ("To".to_owned(), to.clone()),
        ];
        if let Some(event_type) = event_type {
            params.push(("EventType".to_owned(), event_type.to_owned()));
        }
        if super::webhooks::post_twilio(&state.http, &url, state.auth_token.expose(), &params)
            .await
            .is_err()
        {
            return;
        }
    }
}
