//! A local server that answers like Meta's WhatsApp Cloud API (the Graph API).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{get, post};
use serde_json::{Value, json};

use super::server::{FakeResponse, RecordedRequest, Recorder, Running, answer, serve};
use crate::secret::Secret;

/// A fake Cloud API. It answers, checking `Authorization: Bearer <access token>` and the
/// phone number id in the path:
///
/// - `POST /{version}/{phone-number-id}/messages`: a message (`messaging_product`, `to`
///   and `type` needed) with Meta's answer, `{"messaging_product": "whatsapp", "contacts":
///   [{"input": …, "wa_id": …}], "messages": [{"id": "wamid.…", "message_status":
///   "accepted"}]}`; a read mark or typing indicator (`status: read` and `message_id`) with
///   `{"success": true}`;
/// - `POST /{version}/{phone-number-id}/media` (multipart, a `file` part): `{"id": …}`, and
///   the file is kept;
/// - `GET /{version}/{media-id}`: the kept file's URL (on this server), MIME type, size and
///   SHA-256, as Meta answers;
/// - `GET /media-files/{media-id}`: the file's bytes (with the token, like Meta's hosts).
///
/// Every request is recorded; [`FakeMeta::push_response`] queues other answers, and
/// [`FakeMeta::graph_error`] makes a Graph API error answer with a given code.
#[derive(Debug)]
pub struct FakeMeta {
    state: Arc<MetaState>,
    running: Running,
}

#[derive(Debug)]
struct MetaState {
    access_token: Secret,
    phone_number_id: String,
    recorder: Recorder,
    next_id: AtomicU64,
    media: Mutex<HashMap<String, (String, Bytes)>>,
    origin: Mutex<String>,
}

impl FakeMeta {
    /// Starts a fake that accepts `access_token` and sends from `phone_number_id`, on
    /// 127.0.0.1 (a free port).
    ///
    /// # Errors
    ///
    /// The I/O error when no port on 127.0.0.1 can be bound.
    pub async fn start(access_token: &str, phone_number_id: &str) -> std::io::Result<Self> {
        let state = Arc::new(MetaState {
            access_token: Secret::new(access_token),
            phone_number_id: phone_number_id.to_owned(),
            recorder: Recorder::default(),
            next_id: AtomicU64::new(1),
            media: Mutex::new(HashMap::new()),
            origin: Mutex::new(String::new()),
        });
        let router = Router::new()
            .route("/{version}/{phone}/messages", post(messages))
            .route("/{version}/{phone}/media", post(upload))
            .route("/{version}/{media}", get(media_info))
            .route("/media-files/{media}", get(media_file))
            .fallback(not_found)
            .with_state(state.clone());
        let running = serve(router).await?;
        *lock(&state.origin) = format!("http://{}", running.addr);
        Ok(FakeMeta { state, running })
    }

    /// The base URL to give the provider: `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.requests()
    }

    /// Queues the answer to the next request.
    pub fn push_response(&self, response: FakeResponse) {
        self.state.recorder.push(response);
    }

    /// Keeps a file as if it had been uploaded (or received in a webhook) and returns its
    /// media id.
    pub fn add_media(&self, mime_type: &str, bytes: impl Into<Bytes>) -> String {
        let id = next_id(&self.state, "");
        lock(&self.state.media).insert(id.clone(), (mime_type.to_owned(), bytes.into()));
        id
    }

    /// A kept file: its MIME type and bytes.
    pub fn media(&self, media_id: &str) -> Option<(String, Bytes)> {
        lock(&self.state.media).get(media_id).cloned()
    }

    /// A Graph API error answer: `status`, and `{"error": {"message", "type", "code",
    /// "error_data": {"messaging_product", "details"}, "fbtrace_id"}}`, as Meta sends it.
    pub fn graph_error(status: u16, code: i64, message: &str) -> FakeResponse {
        FakeResponse::Error {
            status,
            body: graph_error_body(code, message).to_string(),
            retry_after: None,
        }
    }
}

fn graph_error_body(code: i64, message: &str) -> Value {
    json!({"error": {
        "message": format!("(#{code}) {message}"),
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message},
        "fbtrace_id": "AFakeTraceId0000",
    }})
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        graph_error_body(code, message).to_string(),
    )
        .into_response()
}

fn ok_json(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        100,
        &format!("Unsupported request: no route for {method} {uri}"),
    )
}

fn next_id(state: &MetaState, prefix: &str) -> String {
    let n = state.next_id.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}", 900_000_000_000_000 + n)
}

fn record(state: &MetaState, method: Method, uri: &Uri, headers: &HeaderMap, body: Bytes) {
    state.recorder.record(RecordedRequest {
        method,
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers.clone(),
        body,
    });
}

/// The refusal for a request without the right token or phone number id.
fn refused(state: &MetaState, headers: &HeaderMap, phone: Option<&str>) -> Option<Response> {
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| state.access_token.constant_time_eq(t));
    if !authorized {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        ));
    }
    if phone.is_some_and(|p| p != state.phone_number_id) {
        return Some(error(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported post request: unknown phone number id",
        ));
    }
    None
}

async fn messages(
    State(state): State<Arc<MetaState>>,
    Path((_version, phone)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&state, Method::POST, &uri, &headers, body.clone());
    let behaviour = state.recorder.next();
    if let Some(r) = refused(&state, &headers, Some(&phone)) {
        return r;
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, 100, "the body is not JSON");
    };
    if json["messaging_product"] != "whatsapp" {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            "The parameter messaging_product is required.",
        );
    }
    if json["status"] == "read" {
        if json["message_id"].as_str().is_none_or(str::is_empty) {
            return error(
                StatusCode::BAD_REQUEST,
                100,
                "The parameter message_id is required.",
            );
        }
        let typing = &json["typing_indicator"];
        if !(typing.is_null() || typing["type"] == "text") {
            return error(
                StatusCode::BAD_REQUEST,
                100,
                "typing_indicator.type must be text",
            );
        }
        return answer(behaviour, || ok_json(json!({"success": true}))).await;
    }
    let (Some(to), Some(kind)) = (json["to"].as_str(), json["type"].as_str()) else {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            "The parameters to and type are required.",
        );
    };
    if json[kind].is_null() {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            &format!("The parameter {kind} is required."),
        );
    }
    let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
    let reply = json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": wa_id}],
        "messages": [{"id": next_id(&state, "wamid.FAKE"), "message_status": "accepted"}],
    });
    answer(behaviour, || ok_json(reply)).await
}

async fn upload(
    State(state): State<Arc<MetaState>>,
    Path((_version, phone)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&state, Method::POST, &uri, &headers, body.clone());
    let behaviour = state.recorder.next();
    if let Some(r) = refused(&state, &headers, Some(&phone)) {
        return r;
    }
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("multipart/form-data; boundary="))
        .map(str::to_owned);
    let parts = boundary.map(|b| multipart_parts(&body, &b));
    let Some(parts) = parts else {
        return error(StatusCode::BAD_REQUEST, 100, "the body is not multipart");
    };
    let field = |name: &str| parts.iter().find(|(n, _, _)| n == name);
    if field("messaging_product").is_none_or(|(_, _, v)| &v[..] != b"whatsapp") {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            "The parameter messaging_product is required.",
        );
    }
    let Some((_, file_type, file)) = field("file") else {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            "The parameter file is required.",
        );
    };
    let mime = field("type")
        .map(|(_, _, v)| String::from_utf8_lossy(v).into_owned())
        .or_else(|| file_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    let id = next_id(&state, "");
    lock(&state.media).insert(id.clone(), (mime, file.clone()));
    answer(behaviour, || ok_json(json!({"id": id}))).await
}

/// The parts of a multipart body: name, content type, bytes.
fn multipart_parts(body: &[u8], boundary: &str) -> Vec<(String, Option<String>, Bytes)> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut rest = body;
    while let Some(start) = find(rest, delimiter.as_bytes()) {
        rest = &rest[start + delimiter.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        let Some(end) = find(rest, delimiter.as_bytes()) else {
            break;
        };
        let part = rest[..end].strip_prefix(b"\r\n").unwrap_or(&rest[..end]);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        if let Some(split) = find(part, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&part[..split]);
            let name = between(&head, "name=\"", "\"");
            let content_type = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Type: "))
                .map(str::to_owned);
            if let Some(name) = name {
                let value = Bytes::copy_from_slice(&part[split + 4..]);
                parts.push((name, content_type, value));
            }
        }
        rest = &rest[end..];
    }
    parts
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn between(s: &str, open: &str, close: &str) -> Option<String> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(s[start..start + len].to_owned())
}

async fn media_info(
    State(state): State<Arc<MetaState>>,
    Path((version, media)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, Method::GET, &uri, &headers, Bytes::new());
    let behaviour = state.recorder.next();
    if let Some(r) = refused(&state, &headers, None) {
        return r;
    }
    let _ = version;
    let Some((mime, bytes)) = lock(&state.media).get(&media).cloned() else {
        return error(
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported get request: no media with this id",
        );
    };
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let origin = lock(&state.origin).clone();
    let reply = json!({
        "messaging_product": "whatsapp",
        "url": format!("{origin}/media-files/{media}"),
        "mime_type": mime,
        "sha256": sha,
        "file_size": bytes.len(),
        "id": media,
    });
    answer(behaviour, || ok_json(reply)).await
}

async fn media_file(
    State(state): State<Arc<MetaState>>,
    Path(media): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, Method::GET, &uri, &headers, Bytes::new());
    let behaviour = state.recorder.next();
    if let Some(r) = refused(&state, &headers, None) {
        return r;
    }
    let Some((mime, bytes)) = lock(&state.media).get(&media).cloned() else {
        return (StatusCode::NOT_FOUND, "no such media").into_response();
    };
    answer(behaviour, || {
        (StatusCode::OK, [(header::CONTENT_TYPE, mime)], bytes).into_response()
    })
    .await
}
