//! A local server that answers like Mammut's graph API for bots.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::post;
use serde_json::{Map, Value, json};

use super::server::{FakeResponse, RecordedRequest, Recorder, Running, answer, serve};
use crate::mammut::{USER_COLLECTION_PATH, fields};
use crate::secret::Secret;

/// The id the fake gives its first bot.
const FIRST_ID: u64 = 4136;
/// The id of the system bot every new bot's room is shared with, as on Mammut's cloud.
const SYSTEM_BOT_ID: i64 = 8288;

/// A fake Mammut. It answers, as Mammut's WhatsApp page says:
///
/// - `POST /app:mammut-1/graph/user` with a bot's JSON body: 200 with a `Success`
///   `TaskResult` listing the new `user` vertex first (then its room, the system bot and the
///   edges, as Mammut lists them), or a `Failed` one naming the field when `user-type` is not
///   `machine` or a Twilio field is missing;
/// - `POST /app:mammut-1/graph/user:<id>?<fields>`: 200 with a `Success` `TaskResult` after
///   setting the fields on bot `id`, or a `Failed` one for a bot it does not have.
///
/// Every request is recorded. [`FakeMammut::push_task_failed`] makes the next answer a
/// `Failed` `TaskResult` (HTTP 200) and [`FakeMammut::push_response`] queues any other
/// (a 5xx, a hang). With [`FakeMammut::start_requiring`], a request without the header
/// gets 401.
pub struct FakeMammut {
    state: Arc<MammutState>,
    running: Running,
}

impl fmt::Debug for FakeMammut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bots hold auth tokens: only the address is shown.
        f.debug_struct("FakeMammut")
            .field("addr", &self.running.addr)
            .finish_non_exhaustive()
    }
}

struct MammutState {
    auth: Option<(String, Secret)>,
    recorder: Recorder,
    next_id: AtomicU64,
    bots: Mutex<BTreeMap<u64, Map<String, Value>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeMammut {
    /// Starts a fake that asks for no authentication, on 127.0.0.1 (a free port).
    ///
    /// # Errors
    ///
    /// The I/O error when no port on 127.0.0.1 can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(None).await
    }

    /// Starts a fake that answers 401 unless a request carries the header `name` with
    /// `value` (`authorization` and `Bearer <token>` for a bearer token).
    ///
    /// # Errors
    ///
    /// The I/O error when no port on 127.0.0.1 can be bound.
    pub async fn start_requiring(name: &str, value: &str) -> std::io::Result<Self> {
        Self::start_with(Some((name.to_ascii_lowercase(), Secret::new(value)))).await
    }

    async fn start_with(auth: Option<(String, Secret)>) -> std::io::Result<Self> {
        let state = Arc::new(MammutState {
            auth,
            recorder: Recorder::default(),
            next_id: AtomicU64::new(FIRST_ID),
            bots: Mutex::new(BTreeMap::new()),
        });
        let router = Router::new()
            .route("/{app}/graph/{vertex}", post(write))
            .fallback(not_found)
            .with_state(state.clone());
        let running = serve(router).await?;
        Ok(FakeMammut { state, running })
    }

    /// The base URL to give the client: `http://127.0.0.1:<port>`.
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

    /// Makes the next answer HTTP 200 with a `Failed` `TaskResult` whose `message` is
    /// `reason`; nothing is written.
    pub fn push_task_failed(&self, reason: &str) {
        self.push_response(FakeResponse::Error {
            status: 200,
            body: failed(reason).to_string(),
            retry_after: None,
        });
    }

    /// Adds a bot with these fields, as if created earlier, and returns its id.
    pub fn add_bot(&self, fields: Map<String, Value>) -> u64 {
        let id = self.state.next_id.fetch_add(1, Ordering::Relaxed);
        lock(&self.state.bots).insert(id, fields);
        id
    }

    /// The fields of bot `id` as the fake holds them now.
    pub fn bot(&self, id: u64) -> Option<Map<String, Value>> {
        lock(&self.state.bots).get(&id).cloned()
    }

    /// The ids of every bot the fake holds.
    pub fn bot_ids(&self) -> Vec<u64> {
        lock(&self.state.bots).keys().copied().collect()
    }
}

fn failed(reason: &str) -> Value {
    json!({"status": "Failed", "taskResult": [], "message": reason})
}

fn json_answer(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn not_found(method: Method, uri: Uri) -> Response {
    json_answer(
        StatusCode::NOT_FOUND,
        &json!({"status": "Failed", "message": format!("no route for {method} {uri}")}),
    )
}

async fn write(
    State(state): State<Arc<MammutState>>,
    Path((app, vertex)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.recorder.record(RecordedRequest {
        method: Method::POST,
        path: uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: headers.clone(),
        body: body.clone(),
    });
    let behaviour = state.recorder.next();
    if let Some((name, value)) = &state.auth {
        let given = headers.get(name.as_str()).and_then(|v| v.to_str().ok());
        if !given.is_some_and(|g| value.constant_time_eq(g)) {
            return json_answer(
                StatusCode::UNAUTHORIZED,
                &json!({"status": "Failed", "message": "unauthorized"}),
            );
        }
    }
    let collection = USER_COLLECTION_PATH.trim_start_matches('/');
    if format!("{app}/graph/user") != collection {
        return not_found(Method::POST, uri).await;
    }
    // A queued error (a 5xx, a Failed TaskResult) or redirect replaces the write: it
    // changes nothing. The others (a hang, a broken answer) come after the write.
    if matches!(
        behaviour,
        FakeResponse::Error { .. } | FakeResponse::Redirect(_)
    ) {
        return answer(behaviour, || StatusCode::OK.into_response()).await;
    }
    let result = match vertex.strip_prefix("user") {
        Some("") => create(&state, &body),
        Some(id) => match id.strip_prefix(':').and_then(|i| i.parse::<u64>().ok()) {
            Some(id) => update(&state, id, uri.query().unwrap_or_default()),
            None => failed(&format!("{vertex:?} is not a user vertex")),
        },
        None => failed(&format!("{vertex:?} is not a user vertex")),
    };
    answer(behaviour, || json_answer(StatusCode::OK, &result)).await
}

fn create(state: &MammutState, body: &[u8]) -> Value {
    let Ok(Value::Object(bot)) = serde_json::from_slice::<Value>(body) else {
        return failed("the body is not a JSON object");
    };
    if bot.get(fields::USER_TYPE).and_then(Value::as_str) != Some("machine") {
        return failed("user-type must be machine");
    }
    for field in [
        fields::TWILIO_ACCOUNT_SID,
        fields::TWILIO_AUTH_TOKEN,
        fields::MAIN_WHATSAPP_PHONE_NUMBER,
    ] {
        if !bot.get(field).is_some_and(Value::is_string) {
            return failed(&format!("{field} is missing"));
        }
    }
    let id = state.next_id.fetch_add(1, Ordering::Relaxed);
    lock(&state.bots).insert(id, bot);
    let id = i64::try_from(id).unwrap_or(i64::MAX);
    let element = |id: i64, name: &str, kind: &str| json!({"affectedElementId": id, "affectedElementName": name, "affectedElementType": kind});
    json!({"status": "Success", "taskResult": [
        element(id, "user", "Vertex"),
        element(id + 1_000_000, "room", "Vertex"),
        element(SYSTEM_BOT_ID, "user", "Vertex"),
        element(id + 2_000_000, "create", "Edge"),
        element(id + 2_000_001, "chat-in", "Edge"),
    ]})
}

fn update(state: &MammutState, id: u64, query: &str) -> Value {
    let mut bots = lock(&state.bots);
    let Some(bot) = bots.get_mut(&id) else {
        return failed(&format!("there is no user vertex {id}"));
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        bot.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    let id = i64::try_from(id).unwrap_or(i64::MAX);
    json!({"status": "Success", "taskResult": [
        {"affectedElementId": id, "affectedElementName": "user", "affectedElementType": "Vertex"}
    ]})
}
