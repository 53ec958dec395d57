//! The HTTP server both fakes share: recording, queued responses, graceful stop.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use ::axum::body::Bytes;
use ::axum::http::{HeaderMap, Method, StatusCode, header};
use ::axum::response::{IntoResponse, Response};

/// A request a fake received.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method.
    pub method: Method,
    /// The path and query.
    pub path: String,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RecordedRequest {
    /// The body read as a form (`application/x-www-form-urlencoded`), in order, repeated
    /// keys included.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Every value of a form field.
    pub fn form_values(&self, name: &str) -> Vec<String> {
        self.form()
            .into_iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// The first value of a form field.
    pub fn form_value(&self, name: &str) -> Option<String> {
        self.form_values(name).into_iter().next()
    }

    /// The body read as JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What a fake answers to the next request. Queue them with `push_response`; when the queue
/// is empty the fake answers like the provider does on success.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FakeResponse {
    /// The provider's success answer.
    Success,
    /// Any status, body and `Retry-After` (seconds).
    Error {
        /// The HTTP status.
        status: u16,
        /// The body (JSON or not).
        body: String,
        /// A `Retry-After` header, in seconds.
        retry_after: Option<u64>,
    },
    /// Waits this long before answering with success: long enough, it is a hang past the
    /// client's timeout.
    Hang(Duration),
    /// A success status with a body that is not JSON.
    Garbage,
    /// A success status and headers, then the connection breaks before the body ends.
    BrokenBody,
}

impl FakeResponse {
    /// HTTP 429, with `Retry-After` when given.
    pub fn rate_limited(retry_after: Option<u64>) -> Self {
        FakeResponse::Error {
            status: 429,
            body: r#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#.into(),
            retry_after,
        }
    }

    /// HTTP 500 with a short body.
    pub fn server_error() -> Self {
        FakeResponse::Error {
            status: 500,
            body: "internal error".into(),
            retry_after: None,
        }
    }
}

/// Shared state of a fake server.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    requests: Mutex<Vec<RecordedRequest>>,
    queue: Mutex<VecDeque<FakeResponse>>,
}

impl Recorder {
    pub(crate) fn record(&self, r: RecordedRequest) {
        lock(&self.requests).push(r);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    pub(crate) fn push(&self, r: FakeResponse) {
        lock(&self.queue).push_back(r);
    }

    pub(crate) fn next(&self) -> FakeResponse {
        lock(&self.queue)
            .pop_front()
            .unwrap_or(FakeResponse::Success)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Answers a request with a queued behaviour; `success` builds the provider's success answer.
pub(crate) async fn answer(
    behaviour: FakeResponse,
    success: impl FnOnce() -> Response,
) -> Response {
    match behaviour {
        FakeResponse::Success => success(),
        FakeResponse::Hang(d) => {
            tokio::time::sleep(d).await;
            success()
        }
        FakeResponse::Error {
            status,
            body,
            retry_after,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp =
                (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
            if let Some(secs) = retry_after
                && let Ok(v) = secs.to_string().parse()
            {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
        FakeResponse::Garbage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "<html>not json",
        )
            .into_response(),
        FakeResponse::BrokenBody => {
            let broken = futures_util::stream::once(async {
                Err::<Bytes, std::io::Error>(std::io::Error::other("connection broken on purpose"))
            });
            let mut resp = Response::new(::axum::body::Body::from_stream(broken));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            resp.headers_mut().insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from_static("512"),
            );
            resp
        }
    }
}

/// A running server: its address and the handle that stops it when dropped.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `router` on 127.0.0.1 with a free port.
pub(crate) async fn serve(router: ::axum::Router) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = ::axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        stop: Some(tx),
    })
}
