//! The fake Botmaker's WhatsApp templates (`/whatsapp/templates`) and its batch trigger
//! (`/chats-actions/batch/trigger-intent`).

use std::sync::Arc;

use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{BotmakerState, authorized, error, lock, next_id, record};
use crate::testing::server::answer;

/// The most items the fake's batch takes, as Botmaker's OpenAPI says.
const MAX_BATCH: usize = 500;

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `GET /whatsapp/templates`: `state` and `queues` filter; pages of the configured size
/// (a `cursor` in `nextPage`), else every template at once.
pub(super) async fn list(
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
    let wanted_state = query.iter().find(|(k, _)| k == "state").map(|(_, v)| v);
    if wanted_state.is_some_and(|s| s != "APPROVED" && s != "REJECTED") {
        return error(
            StatusCode::BAD_REQUEST,
            "state must be APPROVED or REJECTED",
        );
    }
    let queues: Vec<&String> = query
        .iter()
        .filter(|(k, _)| k == "queues")
        .map(|(_, v)| v)
        .collect();
    let all: Vec<Value> = lock(&state.templates)
        .iter()
        .filter(|t| wanted_state.is_none_or(|s| t["state"].as_str() == Some(s.as_str())))
        .filter(|t| {
            queues.is_empty()
                || t["allowedQueues"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|q| queues.iter().any(|w| q == w.as_str())))
        })
        .cloned()
        .collect();
    let cursor: usize = query
        .iter()
        .find(|(k, _)| k == "cursor")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let size = lock(&state.template_page).unwrap_or(usize::MAX).max(1);
    let items: Vec<Value> = all.iter().skip(cursor).take(size).cloned().collect();
    let mut body = json!({ "items": items });
    if cursor.saturating_add(size) < all.len() {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        let mut next = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.iter().filter(|(k, _)| k != "cursor") {
            next.append_pair(k, v);
        }
        next.append_pair("cursor", &(cursor + size).to_string());
        body["nextPage"] = json!(format!(
            "http://{host}/v2.0/whatsapp/templates?{}",
            next.finish()
        ));
    }
    answer(behaviour, || json_response(StatusCode::OK, &body)).await
}

/// `POST /whatsapp/templates`: stores the template, pending Botmaker's review, and answers
/// 201 with it; 400 without `body.text` or `name`, or for a name already taken.
pub(super) async fn create(
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
    let Some(Value::Object(mut t)) = r.json() else {
        return error(StatusCode::BAD_REQUEST, "the body is not a JSON object");
    };
    if !t
        .get("body")
        .and_then(|b| b.get("text"))
        .is_some_and(Value::is_string)
    {
        return error(StatusCode::BAD_REQUEST, "body.text is required");
    }
    let Some(name) = t.get("name").and_then(Value::as_str).map(str::to_owned) else {
        return error(StatusCode::BAD_REQUEST, "name is required");
    };
    if lock(&state.templates)
        .iter()
        .any(|x| x["name"].as_str() == Some(name.as_str()))
    {
        return error(StatusCode::BAD_REQUEST, &format!("template {name} exists"));
    }
    if let Some(line) = t.remove("phoneLineNumber") {
        t.insert("phoneLinesNumbers".into(), json!([line]));
    }
    t.insert("state".into(), json!("BOTMAKER_PENDING"));
    let stored = Value::Object(t);
    answer(behaviour, || {
        lock(&state.templates).push(stored.clone());
        json_response(StatusCode::CREATED, &stored)
    })
    .await
}

/// `GET` and `DELETE /whatsapp/templates/{idOrName}`: the template (200) or 204 after
/// deleting it; 404 for a name the fake does not hold.
pub(super) async fn one(
    State(state): State<Arc<BotmakerState>>,
    Path(name): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    record(&state, method.clone(), &uri, &headers, Bytes::new());
    let behaviour = state.recorder.next();
    if !authorized(&state, &headers) {
        return error(StatusCode::UNAUTHORIZED, "invalid access-token");
    }
    let found = lock(&state.templates)
        .iter()
        .find(|t| t["name"].as_str() == Some(name.as_str()))
        .cloned();
    let Some(template) = found else {
        return error(StatusCode::NOT_FOUND, "WhatsApp template not found.");
    };
    answer(behaviour, || {
        if method == Method::DELETE {
            lock(&state.templates).retain(|t| t["name"].as_str() != Some(name.as_str()));
            StatusCode::NO_CONTENT.into_response()
        } else {
            json_response(StatusCode::OK, &template)
        }
    })
    .await
}

/// `POST /chats-actions/batch/trigger-intent`: one answer item a request item, an error for
/// a chat without a reference or whose contact is rejected; 400 past 500 items.
pub(super) async fn batch(
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
    let Some(items) = r
        .json()
        .and_then(|j| j.get("items").and_then(Value::as_array).cloned())
    else {
        return error(StatusCode::BAD_REQUEST, "items is required");
    };
    if items.len() > MAX_BATCH {
        return error(
            StatusCode::BAD_REQUEST,
            "Request count is greater than 500.",
        );
    }
    let rejected = lock(&state.rejected_contacts).clone();
    let answers: Vec<Value> = items
        .iter()
        .map(|item| {
            let chat = &item["chat"];
            let contact = chat["contactId"].as_str();
            let known = chat["chatId"].as_str().is_some()
                || (contact.is_some() && chat["channelId"].as_str().is_some());
            let reason = if !known {
                Some("chat needs chatId or channelId and contactId")
            } else if contact.is_some_and(|c| rejected.iter().any(|x| x == c)) {
                Some("the contact cannot receive WhatsApp messages")
            } else if !item["intentIdOrName"].is_string() {
                Some("intentIdOrName is required")
            } else {
                None
            };
            match reason {
                Some(m) => json!({"errors": [{"type": "fake", "source": "chat", "message": m}]}),
                None => json!({"webhookNotificationId": next_id(&state, "WN")}),
            }
        })
        .collect();
    answer(behaviour, || {
        json_response(StatusCode::ACCEPTED, &json!({ "items": answers }))
    })
    .await
}
