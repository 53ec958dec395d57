//! The webhook endpoint for [axum](https://docs.rs/axum) (feature `axum`).
//!
//! One router serves every bot of every provider, each provider under its name:
//! `/twilio`, `/botmaker`, or `/<name>` for a provider of yours (see
//! [`ProviderKind`](crate::ProviderKind)). For each webhook it
//!
//! 1. reads the body under a size limit and a time limit: 413 at once when the declared
//!    `Content-Length` is over the limit (the body is not read), 413 when the bytes received
//!    pass it, 408 when the whole body has not arrived in time
//!    ([`WebhookServer::with_body_limit`], default 1 MiB;
//!    [`WebhookServer::with_body_timeout`], default 30 s);
//! 2. answers a provider's subscription handshake
//!    ([`WhatsAppProvider::handshake`](crate::WhatsAppProvider::handshake), through
//!    [`Registry::handshake`]): the provider's answer when a bot accepts it, else 400 or 403;
//! 3. finds the bot in the [`Registry`] by the business number or channel (404 when none,
//!    405 for a method the provider does not use);
//! 4. verifies it with that bot's own secret (403 with a generic body; the reason goes to
//!    `tracing` at warn level, never a secret);
//! 5. parses it (400 on malformed input);
//! 6. takes a handler slot: at most [`WebhookServer::DEFAULT_MAX_HANDLERS`] handler tasks run
//!    at once ([`WebhookServer::with_max_concurrent_handlers`]). When every slot is busy the
//!    request waits for one, at most [`WebhookServer::DEFAULT_HANDLER_WAIT`]
//!    ([`WebhookServer::with_handler_wait`]), then gets **503** with `Retry-After: 1`, and
//!    nothing of it is recorded: when the provider redelivers it (Botmaker retries until it
//!    gets a 200) it is handled as new. Nothing acknowledged is ever dropped for want of a
//!    slot;
//! 7. drops events already seen, by [`dedup_key`](crate::InboundEvent::dedup_key)
//!    (a redelivery is acknowledged without a second dispatch);
//! 8. hands the new events to your handler on a spawned task holding the slot, in order,
//!    without holding the response: Botmaker wants its 200 within 10 seconds, Twilio within
//!    15;
//! 9. answers what the provider expects
//!    ([`WhatsAppProvider::acknowledgement`](crate::WhatsAppProvider::acknowledgement)): an
//!    empty TwiML `<Response/>` for Twilio, an empty 200 for Botmaker.
//!
//! Because the provider gets its 200 before your handler runs, a handler that fails loses
//! that event: the provider will not redeliver it. When an event must not be lost, have the
//! handler put it on a durable queue first (events serialize to JSON for that).
//!
//! The URL checked against Twilio's signature is the public one: [`PublicUrl::Origin`]
//! (recommended) joins your configured origin with the path and query as received;
//! [`PublicUrl::Forwarded`] rebuilds it from proxy headers (see its trust caveat).
//!
//! # Serving it
//!
//! [`WebhookServer::serve`] is the recommended way to run the endpoint. It serves HTTP/1.1
//! only, closes a connection whose request headers have not all arrived within
//! [`WebhookServer::DEFAULT_HEADER_TIMEOUT`] ([`WebhookServer::with_header_timeout`]; idle
//! keep-alive connections too), and on shutdown stops accepting, lets requests in progress
//! and running handlers finish, up to [`WebhookServer::DEFAULT_SHUTDOWN_TIMEOUT`]
//! ([`WebhookServer::with_shutdown_timeout`]).
//!
//! Mounting [`WebhookServer::router`] in your own app keeps the body limits, the body timeout
//! and the handler bound, which are part of the router. But `axum::serve` alone leaves you
//! with:
//!
//! - no header timeout: a client that sends its headers one byte at a time holds a
//!   connection (and its task) open for as long as it likes;
//! - cleartext HTTP/2 (h2c, prior knowledge) is answered whenever any crate in the build turns
//!   on hyper's `http2` feature (this crate's HTTP client does), whatever features your app
//!   asked axum for;
//! - no wait for handler tasks at shutdown: use [`WebhookServer::handler_tasks`] and
//!   [`HandlerTasks::shutdown`] after `axum::serve(...).with_graceful_shutdown(...)` returns.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ::axum::Router;
use ::axum::body::{Body, Bytes, HttpBody};
use ::axum::extract::{OriginalUri, Path, Request, State};
use ::axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{any, get};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::OwnedSemaphorePermit;
use tracing::Instrument;

use crate::dedup::{DedupStore, MemoryDedupStore};
use crate::error::Error;
use crate::event::InboundEvent;
use crate::inbox::{Inbox, InboxEntry};
use crate::log_gate::LogGate;
use crate::provider::{Acknowledgement, WebhookRequest, url_from_forwarded_headers};
use crate::registry::{Registry, RouteError};

mod serve;
mod tasks;

pub use tasks::HandlerTasks;

pub use crate::inbox::Delivery;

type Handler = Arc<dyn Fn(Delivery) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// How the public URL of a webhook is known.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicUrl {
    /// The scheme, host and port the providers call (`https://bot.example.com`); the path and
    /// query are taken as received. The safe choice.
    Origin(String),
    /// Rebuilt from `X-Forwarded-Proto`, `X-Forwarded-Host` and `Host` (see
    /// [`url_from_forwarded_headers`]). Only behind a proxy you control that sets these
    /// headers: otherwise a client chooses the URL that is checked.
    Forwarded,
}

/// The webhook endpoint's settings. Build it, then call [`WebhookServer::serve`] (or mount
/// [`WebhookServer::router`] in your app; see the [module docs](self) for the difference).
///
/// Clones share their handler slots: the bound on running handlers is one for all of them.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use whatsapp_connector::registry::Registry;
/// use whatsapp_connector::server::{PublicUrl, WebhookServer};
///
/// let registry = Arc::new(Registry::new());
/// let server = WebhookServer::new(registry, PublicUrl::Origin("https://bot.example.com".into()), |d| async move {
///     println!("{} got {:?}", d.bot.id, d.event.dedup_key());
/// })
/// .with_max_concurrent_handlers(64)
/// .with_body_timeout(Duration::from_secs(10));
/// let app = server.router();
/// # let _: axum::Router = app;
/// ```
#[derive(Clone)]
pub struct WebhookServer {
    registry: Arc<Registry>,
    public_url: PublicUrl,
    handler: Handler,
    dedup: Arc<dyn DedupStore>,
    dedup_ttl: Duration,
    body_limit: usize,
    body_timeout: Duration,
    header_timeout: Duration,
    handler_wait: Duration,
    shutdown_timeout: Duration,
    tasks: HandlerTasks,
    inbox: Option<Arc<dyn Inbox>>,
    inbox_timeout: Duration,
    inbox_log: Arc<LogGate>,
}

impl std::fmt::Debug for WebhookServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookServer")
            .field("registry", &self.registry)
            .field("public_url", &self.public_url)
            .field("dedup_ttl", &self.dedup_ttl)
            .field("body_limit", &self.body_limit)
            .field("body_timeout", &self.body_timeout)
            .field("header_timeout", &self.header_timeout)
            .field("handler_wait", &self.handler_wait)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("tasks", &self.tasks)
            .field("inbox", &self.inbox)
            .field("inbox_timeout", &self.inbox_timeout)
            .finish_non_exhaustive()
    }
}

impl WebhookServer {
    /// Largest body accepted by default: 1 MiB (webhooks are a few KiB).
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
    /// How long the whole body may take to arrive, once the headers are in, by default: 30 s.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
    /// How long a request's headers may take to arrive under [`WebhookServer::serve`], by
    /// default: 10 s.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// How many handler tasks may run at once by default: 256.
    pub const DEFAULT_MAX_HANDLERS: usize = 256;
    /// How long a webhook waits for a handler slot by default before it is answered 503: 5 s,
    /// well within the providers' own timeouts.
    pub const DEFAULT_HANDLER_WAIT: Duration = Duration::from_secs(5);
    /// How long [`WebhookServer::serve`] waits at shutdown, by default, for requests in
    /// progress and running handlers: 30 s.
    pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
    /// How long storing a webhook's events in the inbox may take, by default, before the
    /// webhook is answered 503: 4 s, so that the answer comes within 5 s.
    pub const DEFAULT_INBOX_TIMEOUT: Duration = Duration::from_secs(4);

    /// An endpoint for the bots of `registry` that hands each new event to `handler`, in this
    /// process, after answering the provider. Dedup uses an in-memory store of 100,000 keys
    /// for a day; see [`WebhookServer::with_dedup`]. Every limit starts at its `DEFAULT_*`
    /// value.
    ///
    /// Events handed to `handler` this way live only in memory: an event whose handler fails,
    /// or that is in flight when the process crashes or is redeployed, is lost (the provider
    /// got its 200). For events stored durably before the answer, see
    /// [`WebhookServer::new_inbox`].
    pub fn new<F, Fut>(registry: Arc<Registry>, public_url: PublicUrl, handler: F) -> Self
    where
        F: Fn(Delivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        WebhookServer {
            registry,
            public_url,
            handler: Arc::new(move |d| Box::pin(handler(d))),
            dedup: Arc::new(MemoryDedupStore::new(100_000)),
            dedup_ttl: Duration::from_secs(24 * 3600),
            body_limit: Self::DEFAULT_BODY_LIMIT,
            body_timeout: Self::DEFAULT_BODY_TIMEOUT,
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            handler_wait: Self::DEFAULT_HANDLER_WAIT,
            shutdown_timeout: Self::DEFAULT_SHUTDOWN_TIMEOUT,
            tasks: HandlerTasks::new(Self::DEFAULT_MAX_HANDLERS),
            inbox: None,
            inbox_timeout: Self::DEFAULT_INBOX_TIMEOUT,
            inbox_log: Arc::new(LogGate::new(Duration::from_secs(10))),
        }
    }

    /// An endpoint for the bots of `registry` that stores each new event in `inbox` before it
    /// answers the provider, and runs no handler itself: a [`Worker`](crate::inbox::Worker)
    /// takes the events from the inbox. The same as [`WebhookServer::new`] followed by
    /// [`WebhookServer::with_inbox`].
    pub fn new_inbox(
        registry: Arc<Registry>,
        public_url: PublicUrl,
        inbox: Arc<dyn Inbox>,
    ) -> Self {
        Self::new(registry, public_url, |_| async {}).with_inbox(inbox)
    }

    /// Stores each verified, parsed event in `inbox` before answering, instead of running the
    /// handler: the handler given to [`WebhookServer::new`] is not called, and the dedup
    /// store is not used (the inbox checks and stores each event in one step, remembering
    /// its key for the dedup TTL, a day unless [`WebhookServer::with_dedup`] says otherwise).
    ///
    /// When the inbox cannot store every event of a webhook within the inbox timeout
    /// ([`WebhookServer::with_inbox_timeout`]), the webhook is answered **503** with
    /// `Retry-After: 1`: nothing is acknowledged that is not stored. The events stored before
    /// the failure are remembered, so the provider's redelivery stores only the rest.
    pub fn with_inbox(mut self, inbox: Arc<dyn Inbox>) -> Self {
        self.inbox = Some(inbox);
        self
    }

    /// Sets how long storing one webhook's events may take before it is answered 503,
    /// default [`WebhookServer::DEFAULT_INBOX_TIMEOUT`]. Keep it under the providers'
    /// timeouts (10 s for Botmaker).
    pub fn with_inbox_timeout(mut self, timeout: Duration) -> Self {
        self.inbox_timeout = timeout;
        self
    }

    /// Uses another dedup store (a shared one when several instances serve the same URL),
    /// remembering keys for `ttl`.
    pub fn with_dedup(mut self, store: Arc<dyn DedupStore>, ttl: Duration) -> Self {
        self.dedup = store;
        self.dedup_ttl = ttl;
        self
    }

    /// Sets the largest body accepted, default [`WebhookServer::DEFAULT_BODY_LIMIT`]. A
    /// request declaring a longer `Content-Length` is answered 413 before its body is read;
    /// one whose bytes pass the limit, 413 as soon as they do.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Sets how long the whole body may take to arrive once the headers are in, default
    /// [`WebhookServer::DEFAULT_BODY_TIMEOUT`]; past it the request is answered 408 and the
    /// connection closed.
    pub fn with_body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Sets how long the headers of a request may take to arrive under
    /// [`WebhookServer::serve`], default [`WebhookServer::DEFAULT_HEADER_TIMEOUT`]; past it
    /// the connection is closed. It also bounds how long an idle keep-alive connection stays
    /// open. (A router mounted elsewhere cannot see headers arrive: the server it runs in
    /// must set this.)
    pub fn with_header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// Sets how many handler tasks may run at once (at least 1), default
    /// [`WebhookServer::DEFAULT_MAX_HANDLERS`]. One webhook's events run in order on one task,
    /// so this is also how many webhooks are handled at once.
    ///
    /// Call it before [`WebhookServer::handler_tasks`] and [`WebhookServer::router`]: it
    /// starts a new set of slots.
    pub fn with_max_concurrent_handlers(mut self, max: usize) -> Self {
        self.tasks = HandlerTasks::new(max);
        self
    }

    /// Sets how long a webhook waits for a handler slot when every one is busy, default
    /// [`WebhookServer::DEFAULT_HANDLER_WAIT`]; past it the webhook is answered 503 with
    /// `Retry-After: 1` and none of its events is recorded as seen, so the provider's
    /// redelivery is handled. `Duration::ZERO` answers 503 at once when no slot is free.
    /// Keep it well under the providers' timeouts (10 s for Botmaker).
    pub fn with_handler_wait(mut self, wait: Duration) -> Self {
        self.handler_wait = wait;
        self
    }

    /// Sets how long [`WebhookServer::serve`] waits at shutdown for requests in progress and
    /// running handlers, default [`WebhookServer::DEFAULT_SHUTDOWN_TIMEOUT`].
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The handler tasks this endpoint runs: how many are running, and a way to wait for them
    /// at shutdown when you serve [`WebhookServer::router`] yourself.
    pub fn handler_tasks(&self) -> HandlerTasks {
        self.tasks.clone()
    }

    /// The router: `/{provider}` for the webhooks of each provider that has a bot in the
    /// registry (`/twilio`, `/botmaker`, …), and `GET /healthz`. Nest or merge it into your
    /// app; the URL checked is the path as the provider called it, prefix included. The body
    /// limit, body timeout and handler bound apply wherever it is mounted.
    pub fn router(self) -> Router {
        let state = Arc::new(self);
        Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/{provider}", any(endpoint))
            .with_state(state)
    }

    /// Handles one webhook for the provider named `provider` (the router calls this; it is
    /// public for other frameworks). It applies the handler bound; reading the body within
    /// limits is the caller's part here.
    pub async fn handle(
        &self,
        provider: impl AsRef<str>,
        method: Method,
        path_and_query: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let provider = provider.as_ref();
        let span =
            tracing::info_span!("webhook", provider = %provider, bot = tracing::field::Empty);
        self.handle_inner(provider, method, path_and_query, headers, body)
            .instrument(span)
            .await
    }

    async fn handle_inner(
        &self,
        provider: &str,
        method: Method,
        path_and_query: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Response {
        let Some(url) = self.public_url(&headers, path_and_query) else {
            tracing::warn!("no host in the forwarded headers");
            return plain(StatusCode::BAD_REQUEST, "bad request");
        };
        let request = WebhookRequest::from_parts(method, url, headers, body);
        if let Some(answer) = self.registry.handshake(provider, &request) {
            return match answer {
                Ok(ack) => {
                    tracing::info!("handshake accepted");
                    acknowledge(&ack)
                }
                Err(e) => {
                    tracing::warn!(reason = %e, "handshake refused");
                    plain(e.status(), "handshake refused")
                }
            };
        }
        let bot = match self.registry.route(provider, &request) {
            Ok(bot) => bot,
            Err(e) => return refuse_route(&e),
        };
        tracing::Span::current().record("bot", bot.id.as_str());
        let events = match bot.provider.verify_and_parse(&request) {
            Ok(events) => events,
            Err(e) => return refuse_webhook(&e),
        };
        let ack = bot.provider.acknowledgement();
        if events.is_empty() {
            tracing::info!(events = 0, "webhook accepted");
            return acknowledge(&ack);
        }
        if let Some(inbox) = &self.inbox {
            return self.store(inbox.as_ref(), &bot.id, events, &ack).await;
        }
        // The slot comes before the dedup: a webhook refused for want of one leaves no trace,
        // so its redelivery is handled.
        let Some(slot) = self.tasks.acquire(self.handler_wait).await else {
            return busy();
        };
        let fresh = self.fresh(events).await;
        tracing::info!(events = fresh.len(), "webhook accepted");
        if !fresh.is_empty() {
            let handler = self.handler.clone();
            let task = async move {
                // Held until the last event is handled (or the handler panics).
                let _slot: OwnedSemaphorePermit = slot;
                for event in fresh {
                    handler(Delivery::new(bot.clone(), event)).await;
                }
            };
            tokio::spawn(task.in_current_span());
        }
        acknowledge(&ack)
    }

    /// The URL the provider called: the configured origin, or the forwarded headers'.
    fn public_url(&self, headers: &HeaderMap, path_and_query: &str) -> Option<String> {
        match &self.public_url {
            PublicUrl::Origin(origin) => Some(format!(
                "{}{}",
                origin.trim_end_matches('/'),
                path_and_query
            )),
            PublicUrl::Forwarded => url_from_forwarded_headers(headers, path_and_query),
        }
    }

    /// The events not seen before. A dedup store that fails lets the event through: a
    /// rare second handling is better than a lost message.
    async fn fresh(&self, events: Vec<InboundEvent>) -> Vec<InboundEvent> {
        let mut fresh = Vec::with_capacity(events.len());
        for event in events {
            let key = event.dedup_key();
            match self.dedup.first_seen(&key, self.dedup_ttl).await {
                Ok(true) => fresh.push(event),
                Ok(false) => tracing::debug!(key = %key, "redelivery dropped"),
                Err(e) => {
                    tracing::warn!(error = %e, "dedup store failed; handling the event");
                    fresh.push(event);
                }
            }
        }
        fresh
    }
}

/// The answer to a webhook no bot takes: 404 for an unknown bot or provider, 405 for a
/// method the provider does not use, 400 for a webhook that names no bot.
fn refuse_route(e: &RouteError) -> Response {
    match e {
        RouteError::UnknownBot { .. } => {
            tracing::warn!(error = %e, "webhook for an unknown bot");
            plain(StatusCode::NOT_FOUND, "unknown bot")
        }
        RouteError::UnknownProvider { .. } => {
            tracing::warn!(error = %e, "webhook for an unknown provider");
            plain(StatusCode::NOT_FOUND, "not found")
        }
        RouteError::MethodNotAllowed { .. } => {
            tracing::warn!(error = %e, "webhook with an unexpected method");
            plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => {
            tracing::warn!(error = %e, "webhook names no bot");
            plain(StatusCode::BAD_REQUEST, "bad request")
        }
    }
}

/// The answer to a webhook that fails verification (403, with the reason in the log only)
/// or parsing (400).
fn refuse_webhook(e: &Error) -> Response {
    match e {
        Error::Verify(e) => {
            tracing::warn!(reason = %e, "webhook verification failed");
            plain(StatusCode::FORBIDDEN, "forbidden")
        }
        // A parse error, or another provider's error of its own: refused alike.
        _ => {
            tracing::warn!(error = %e, "webhook could not be parsed");
            plain(StatusCode::BAD_REQUEST, "bad request")
        }
    }
}

impl WebhookServer {
    /// Stores a webhook's events in the inbox within the inbox timeout: the provider's
    /// acknowledgement when every one is stored (or was seen before), else 503.
    async fn store(
        &self,
        inbox: &dyn Inbox,
        bot_id: &str,
        events: Vec<crate::InboundEvent>,
        ack: &Acknowledgement,
    ) -> Response {
        let count = events.len();
        let store_all = async {
            let mut stored = 0usize;
            for event in events {
                let entry = InboxEntry::new(bot_id, event);
                if inbox.store(&entry, self.dedup_ttl).await? {
                    stored += 1;
                } else {
                    tracing::debug!(key = %entry.dedup_key(), "redelivery dropped");
                }
            }
            Ok::<usize, crate::inbox::InboxError>(stored)
        };
        let failure = match tokio::time::timeout(self.inbox_timeout, store_all).await {
            Ok(Ok(stored)) => {
                tracing::info!(events = count, stored, "webhook stored");
                return acknowledge(ack);
            }
            Ok(Err(e)) => e,
            Err(_) => crate::inbox::InboxError::timeout("storing the webhook", self.inbox_timeout),
        };
        if let Some(held_back) = self.inbox_log.check() {
            tracing::warn!(error = %failure, held_back, "inbox failed: webhook answered 503");
        }
        busy()
    }
}

/// The provider's acknowledgement as an axum response.
fn acknowledge(ack: &Acknowledgement) -> Response {
    let mut response = (ack.status(), ack.body().clone()).into_response();
    if let Some(ct) = ack.content_type()
        && let Ok(value) = header::HeaderValue::from_str(ct)
    {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// An answer after which the connection is closed: the rest of the body is not read.
fn closing(status: StatusCode, body: &'static str) -> Response {
    let mut response = plain(status, body);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// 503 for a webhook that found no handler slot: the provider may redeliver it.
fn busy() -> Response {
    let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, "busy, retry later");
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

fn path_and_query(uri: &::axum::http::Uri) -> &str {
    uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
}

/// The `Content-Length` a request declares, when it declares a valid one.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

impl WebhookServer {
    /// Reads the body within the size and time limits, or says why not.
    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, Response> {
        let limit = u64::try_from(self.body_limit).unwrap_or(u64::MAX);
        let declared = declared_length(headers).unwrap_or(0);
        if declared > limit || body.size_hint().lower() > limit {
            tracing::warn!(declared, limit, "webhook body declared over the limit");
            return Err(closing(StatusCode::PAYLOAD_TOO_LARGE, "payload too large"));
        }
        let read = Limited::new(body, self.body_limit).collect();
        match tokio::time::timeout(self.body_timeout, read).await {
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<LengthLimitError>() => {
                tracing::warn!(limit, "webhook body over the limit");
                Err(closing(StatusCode::PAYLOAD_TOO_LARGE, "payload too large"))
            }
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "webhook body could not be read");
                Err(closing(StatusCode::BAD_REQUEST, "bad request"))
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = u64::try_from(self.body_timeout.as_millis()).unwrap_or(u64::MAX),
                    "webhook body not received in time"
                );
                Err(closing(StatusCode::REQUEST_TIMEOUT, "request timeout"))
            }
        }
    }
}

/// The route of every provider's webhooks: `/{provider}`, any method (the registry answers
/// 405 for a method the provider does not use).
async fn endpoint(
    State(s): State<Arc<WebhookServer>>,
    Path(provider): Path<String>,
    OriginalUri(uri): OriginalUri,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = match s.read_body(&parts.headers, body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    s.handle(
        &provider,
        parts.method,
        path_and_query(&uri),
        parts.headers,
        body,
    )
    .await
}
