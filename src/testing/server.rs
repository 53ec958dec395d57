//! The HTTP server both fakes share: recording, queued responses, graceful stop, and
//! connections it can close without answering.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use ::axum::body::Bytes;
use ::axum::extract::Request;
use ::axum::extract::connect_info::{ConnectInfo, Connected};
use ::axum::http::{HeaderMap, Method, StatusCode, header};
use ::axum::middleware::Next;
use ::axum::response::{IntoResponse, Response};
use ::axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

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
    /// The provider's success status, then a body of this many bytes, sent in chunks
    /// without a `Content-Length` (so a client learns its size only by reading it).
    LargeBody(u64),
    /// A `302 Found` to this URL (another host, for a media download).
    Redirect(String),
    /// The request is read, then the connection is closed without any answer: the
    /// provider got the request, and the client cannot know what it did.
    Reset,
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

    /// HTTP 503 with a short body, with `Retry-After` when given.
    pub fn unavailable(retry_after: Option<u64>) -> Self {
        FakeResponse::Error {
            status: 503,
            body: "service unavailable".into(),
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
        FakeResponse::LargeBody(len) => {
            let (parts, _) = success().into_parts();
            let mut resp = Response::from_parts(parts, large_body(len));
            resp.headers_mut().remove(header::CONTENT_LENGTH);
            resp
        }
        FakeResponse::Redirect(location) => {
            let mut resp = StatusCode::FOUND.into_response();
            if let Ok(v) = header::HeaderValue::from_str(&location) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
            resp
        }
        FakeResponse::Reset => {
            let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            resp.extensions_mut().insert(CutConnection);
            resp
        }
    }
}

/// `len` spaces (JSON white space), streamed in 64 KiB chunks.
fn large_body(len: u64) -> ::axum::body::Body {
    const CHUNK: usize = 64 * 1024;
    static SPACES: [u8; CHUNK] = [b' '; CHUNK];
    let chunks = futures_util::stream::unfold(len, |left| async move {
        if left == 0 {
            return None;
        }
        let n = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
        let chunk = Bytes::from_static(SPACES.get(..n).unwrap_or_default());
        Some((Ok::<_, std::io::Error>(chunk), left - n as u64))
    });
    ::axum::body::Body::from_stream(chunks)
}

/// Marks a response that is never sent: its connection is closed instead.
#[derive(Debug, Clone, Copy)]
struct CutConnection;

/// The switch that closes one connection, given to each request as its connect info.
#[derive(Debug, Clone)]
struct Cutter(Arc<AtomicBool>);

/// A TCP listener whose connections can be closed from a handler.
struct CutListener(tokio::net::TcpListener);

/// A connection that fails every read and write once its switch is set, so the server
/// drops it without writing anything more.
struct CutStream {
    io: tokio::net::TcpStream,
    cut: Arc<AtomicBool>,
}

impl CutStream {
    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
}

fn reset() -> std::io::Error {
    std::io::Error::from(std::io::ErrorKind::ConnectionReset)
}

impl AsyncRead for CutStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for CutStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(reset()));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Listener for CutListener {
    type Io = CutStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (CutStream, SocketAddr) {
        loop {
            match self.0.accept().await {
                Ok((io, addr)) => {
                    return (
                        CutStream {
                            io,
                            cut: Arc::new(AtomicBool::new(false)),
                        },
                        addr,
                    );
                }
                // Out of file descriptors and the like: wait, then accept again.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, CutListener>> for Cutter {
    fn connect_info(stream: IncomingStream<'_, CutListener>) -> Self {
        Cutter(stream.io().cut.clone())
    }
}

/// Closes the connection of a response marked [`CutConnection`] instead of sending it.
async fn cut_marked(
    ConnectInfo(cutter): ConnectInfo<Cutter>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if response.extensions().get::<CutConnection>().is_some() {
        cutter.0.store(true, Ordering::SeqCst);
    }
    response
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
    let listener = CutListener(tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?);
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let app = router
        .layer(::axum::middleware::from_fn(cut_marked))
        .into_make_service_with_connect_info::<Cutter>();
    tokio::spawn(async move {
        let _ = ::axum::serve(listener, app)
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
