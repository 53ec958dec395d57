//! The fake Twilio's Content API: `POST`/`GET /v1/Content` (with paging),
//! `GET`/`DELETE /v1/Content/{sid}`, and the WhatsApp approval requests.

use std::sync::{Arc, Mutex};

use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::server::{FakeResponse, RecordedRequest, answer};
use super::twilio::{TwilioState, basic_auth_ok, record, twilio_error};

/// The contents the fake holds, in creation order.
#[derive(Debug, Default)]
pub(super) struct ContentStore {
    items: Mutex<Vec<Stored>>,
    next: Mutex<u64>,
    deleted: Mutex<Vec<String>>,
}

#[derive(Debug, Clone)]
struct Stored {
    resource: Value,
    approval: Option<Value>,
}

impl ContentStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Stored>> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next_sid(&self) -> String {
        let mut n = self.next.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1;
        format!("HX{:032x}", *n)
    }

    /// Every stored resource.
    pub(super) fn resources(&self) -> Vec<Value> {
        self.lock().iter().map(|s| s.resource.clone()).collect()
    }

    /// True when `sid` was created here and then deleted: a send naming it is refused.
    pub(super) fn was_deleted(&self, sid: &str) -> bool {
        self.deleted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .any(|d| d == sid)
    }

    /// Sets the WhatsApp approval status of `sid`; false when there is no such content.
    pub(super) fn set_status(&self, sid: &str, status: &str) -> bool {
        let mut items = self.lock();
        let Some(s) = items.iter_mut().find(|s| s.resource["sid"] == sid) else {
            return false;
        };
        let approval = s.approval.get_or_insert_with(|| json!({}));
        approval["status"] = json!(status);
        true
    }
}

/// A send that named a Content resource: what the fake's Messages API got with a
/// `ContentSid`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContentSend {
    /// `To`.
    pub to: String,
    /// `ContentSid`.
    pub content_sid: String,
    /// `ContentVariables`, as sent (a JSON object in a string).
    pub content_variables: Option<String>,
}

impl ContentSend {
    pub(super) fn from_request(r: &RecordedRequest) -> Option<Self> {
        if r.method != Method::POST || !r.path.ends_with("/Messages.json") {
            return None;
        }
        Some(ContentSend {
            to: r.form_value("To").unwrap_or_default(),
            content_sid: r.form_value("ContentSid")?,
            content_variables: r.form_value("ContentVariables"),
        })
    }
}

fn json_answer(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Records the request, takes the queued behaviour, and checks Basic auth.
fn start(
    state: &TwilioState,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<FakeResponse, Box<Response>> {
    record(state, method, uri, headers, body);
    let behaviour = state.recorder.next();
    if !basic_auth_ok(headers, &state.account_sid, &state.auth_token) {
        return Err(Box::new(twilio_error(
            StatusCode::UNAUTHORIZED,
            20003,
            "Authenticate",
        )));
    }
    Ok(behaviour)
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn bad_request(message: &str) -> Response {
    twilio_error(StatusCode::BAD_REQUEST, 20001, message)
}

/// `POST /v1/Content`: a JSON body with `language` and at least one kind in `types`.
pub(super) async fn create(
    State(state): State<Arc<TwilioState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let behaviour = match start(&state, Method::POST, &uri, &headers, body.clone()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("the body must be a JSON object");
    };
    if !req.get("language").is_some_and(Value::is_string) {
        return bad_request("language is required");
    }
    let types = req.get("types").cloned().unwrap_or(Value::Null);
    if types.as_object().is_none_or(|t| t.is_empty()) {
        return bad_request("types must hold at least one content type");
    }
    let sid = state.content.next_sid();
    let base = origin(&headers);
    let resource = json!({
        "sid": sid,
        "account_sid": state.account_sid,
        "friendly_name": req.get("friendly_name").cloned().unwrap_or(json!("")),
        "language": req["language"],
        "variables": req.get("variables").cloned().unwrap_or(json!({})),
        "types": types,
        "url": format!("{base}/v1/Content/{sid}"),
        "date_created": "2026-01-01T00:00:00Z",
        "date_updated": "2026-01-01T00:00:00Z",
        "links": {
            "approval_create": format!("{base}/v1/Content/{sid}/ApprovalRequests/whatsapp"),
            "approval_fetch": format!("{base}/v1/Content/{sid}/ApprovalRequests"),
        },
    });
    let succeeded = matches!(behaviour, FakeResponse::Success | FakeResponse::Hang(_));
    if succeeded {
        state.content.lock().push(Stored {
            resource: resource.clone(),
            approval: None,
        });
    }
    answer(behaviour, || json_answer(StatusCode::CREATED, resource)).await
}

/// A numeric query parameter of `uri`: `None` when absent, `Err` when not a number.
fn query_number(uri: &Uri, name: &str) -> Result<Option<usize>, String> {
    let query = uri.query().unwrap_or_default();
    match url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == name) {
        None => Ok(None),
        Some((_, v)) => v
            .parse()
            .map(Some)
            .map_err(|_| format!("{name} must be a number")),
    }
}

/// `GET /v1/Content?PageSize=N&Page=P&PageToken=…`: the page, with `meta.next_page_url`
/// while more remain.
pub(super) async fn list(
    State(state): State<Arc<TwilioState>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let behaviour = match start(&state, Method::GET, &uri, &headers, Bytes::new()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let (size, page) = match (query_number(&uri, "PageSize"), query_number(&uri, "Page")) {
        (Ok(size), Ok(page)) => (size.unwrap_or(50), page.unwrap_or(0)),
        (Err(e), _) | (_, Err(e)) => return bad_request(&e),
    };
    if !(1..=1000).contains(&size) {
        return bad_request("PageSize must be between 1 and 1000");
    }
    let all = state.content.resources();
    let contents: Vec<Value> = all
        .iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .cloned()
        .collect();
    let base = format!("{}/v1/Content", origin(&headers));
    let page_url = |p: usize| format!("{base}?PageSize={size}&Page={p}&PageToken=PT{p}");
    let more = all.len() > page.saturating_add(1).saturating_mul(size);
    let body = json!({
        "contents": contents,
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": format!("{base}?PageSize={size}&Page=0"),
            "previous_page_url": if page > 0 { json!(page_url(page - 1)) } else { Value::Null },
            "url": page_url(page),
            "next_page_url": if more { json!(page_url(page.saturating_add(1))) } else { Value::Null },
            "key": "contents",
        },
    });
    answer(behaviour, || json_answer(StatusCode::OK, body)).await
}

fn not_found(sid: &str) -> Response {
    twilio_error(
        StatusCode::NOT_FOUND,
        20404,
        &format!("The requested resource /v1/Content/{sid} was not found"),
    )
}

/// `GET /v1/Content/{sid}`.
pub(super) async fn fetch(
    State(state): State<Arc<TwilioState>>,
    Path(sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let behaviour = match start(&state, Method::GET, &uri, &headers, Bytes::new()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let found = state
        .content
        .resources()
        .into_iter()
        .find(|r| r["sid"] == sid);
    match found {
        Some(r) => answer(behaviour, || json_answer(StatusCode::OK, r)).await,
        None => not_found(&sid),
    }
}

/// `DELETE /v1/Content/{sid}`: 204.
pub(super) async fn delete(
    State(state): State<Arc<TwilioState>>,
    Path(sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let behaviour = match start(&state, Method::DELETE, &uri, &headers, Bytes::new()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let removed = {
        let mut items = state.content.lock();
        let before = items.len();
        items.retain(|s| s.resource["sid"] != sid);
        before != items.len()
    };
    if !removed {
        return not_found(&sid);
    }
    state
        .content
        .deleted
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(sid);
    answer(behaviour, || StatusCode::NO_CONTENT.into_response()).await
}

/// `POST /v1/Content/{sid}/ApprovalRequests/whatsapp` with `name` and `category`: the
/// request is `received`.
pub(super) async fn submit(
    State(state): State<Arc<TwilioState>>,
    Path(sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let behaviour = match start(&state, Method::POST, &uri, &headers, body.clone()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("the body must be JSON");
    };
    let (Some(name), Some(category)) = (req["name"].as_str(), req["category"].as_str()) else {
        return bad_request("name and category are required");
    };
    let approval = {
        let mut items = state.content.lock();
        let Some(s) = items.iter_mut().find(|s| s.resource["sid"] == sid) else {
            return not_found(&sid);
        };
        let kind = s.resource["types"]
            .as_object()
            .and_then(|t| t.keys().next().cloned())
            .unwrap_or_default();
        let approval = json!({
            "name": name, "category": category, "content_type": kind,
            "status": "received", "rejection_reason": "", "allow_category_change": true,
        });
        s.approval = Some(approval.clone());
        approval
    };
    answer(behaviour, || json_answer(StatusCode::CREATED, approval)).await
}

/// `GET /v1/Content/{sid}/ApprovalRequests`.
pub(super) async fn approval(
    State(state): State<Arc<TwilioState>>,
    Path(sid): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let behaviour = match start(&state, Method::GET, &uri, &headers, Bytes::new()) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let found = state
        .content
        .lock()
        .iter()
        .find(|s| s.resource["sid"] == sid)
        .map(|s| s.approval.clone());
    let Some(approval) = found else {
        return not_found(&sid);
    };
    let mut whatsapp = approval.unwrap_or_else(|| json!({"status": "unsubmitted"}));
    whatsapp["type"] = json!("whatsapp");
    let body = json!({
        "sid": sid, "account_sid": state.account_sid, "whatsapp": whatsapp,
        "url": format!("{}/v1/Content/{sid}/ApprovalRequests", origin(&headers)),
    });
    answer(behaviour, || json_answer(StatusCode::OK, body)).await
}
