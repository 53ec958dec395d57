//! The webhook endpoint for [axum](https://docs.rs/axum) (feature `axum`).
//!
//! One router serves every bot of every provider, each provider under its name:
//! `/twilio`, `/botmaker`, or `/<name>` for a provider of yours (see
//! [`ProviderKind`](crate::ProviderKind)). For each webhook it
//!
//! 1. reads the body under a size limit (413 past it);
//! 2. finds the bot in the [`Registry`] by the business number or channel (404 when none,
//!    405 for a method the provider does not use);
//! 3. verifies it with that bot's own secret (403 with a generic body; the reason goes to
//!    `tracing` at warn level, never a secret);
//! 4. parses it (400 on malformed input);
//! 5. drops events already seen, by [`dedup_key`](crate::InboundEvent::dedup_key)
//!    (a redelivery is acknowledged without a second dispatch);
//! 6. hands the new events to your handler on a spawned task, in order, without holding the
//!    response: Botmaker wants its 200 within 10 seconds, Twilio within 15;
//! 7. answers what the provider expects
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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ::axum::Router;
use ::axum::body::Bytes;
use ::axum::extract::{DefaultBodyLimit, OriginalUri, Path, State};
use ::axum::http::{HeaderMap, Method, StatusCode, header};
use ::axum::response::{IntoResponse, Response};
use ::axum::routing::{any, get};
use tracing::Instrument;

use crate::dedup::{DedupStore, MemoryDedupStore};
use crate::error::Error;
use crate::event::InboundEvent;
use crate::provider::{Acknowledgement, WebhookRequest, url_from_forwarded_headers};
use crate::registry::{Bot, Registry, RouteError};

/// One event for your handler, with the bot it is for (whose provider you reply through).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The bot the webhook was for.
    pub bot: Arc<Bot>,
    /// The event.
    pub event: InboundEvent,
}

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

/// The webhook endpoint's settings. Build it, then call [`WebhookServer::router`].
///
/// ```
/// use std::sync::Arc;
/// use whatsapp_connector::registry::Registry;
/// use whatsapp_connector::server::{PublicUrl, WebhookServer};
///
/// let registry = Arc::new(Registry::new());
/// let app = WebhookServer::new(registry, PublicUrl::Origin("https://bot.example.com".into()), |d| async move {
///     println!("{} got {:?}", d.bot.id, d.event.dedup_key());
/// })
/// .router();
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
}

impl std::fmt::Debug for WebhookServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookServer")
            .field("registry", &self.registry)
            .field("public_url", &self.public_url)
            .field("dedup_ttl", &self.dedup_ttl)
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl WebhookServer {
    /// Largest body accepted by default: 1 MiB (webhooks are a few KiB).
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    /// An endpoint for the bots of `registry` that hands each new event to `handler`. Dedup
    /// uses an in-memory store of 100,000 keys for a day; see [`WebhookServer::with_dedup`].
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
        }
    }

    /// Uses another dedup store (a shared one when several instances serve the same URL),
    /// remembering keys for `ttl`.
    pub fn with_dedup(mut self, store: Arc<dyn DedupStore>, ttl: Duration) -> Self {
        self.dedup = store;
        self.dedup_ttl = ttl;
        self
    }

    /// Sets the largest body accepted (413 past it).
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The router: `/{provider}` for the webhooks of each provider that has a bot in the
    /// registry (`/twilio`, `/botmaker`, …), and `GET /healthz`. Nest or merge it into your
    /// app; the URL checked is the path as the provider called it, prefix included.
    pub fn router(self) -> Router {
        let limit = self.body_limit;
        let state = Arc::new(self);
        Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/{provider}", any(endpoint))
            .layer(DefaultBodyLimit::max(limit))
            .with_state(state)
    }

    /// Handles one webhook for the provider named `provider` (the router calls this; it is
    /// public for other frameworks).
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
        let url = match &self.public_url {
            PublicUrl::Origin(origin) => {
                format!("{}{}", origin.trim_end_matches('/'), path_and_query)
            }
            PublicUrl::Forwarded => match url_from_forwarded_headers(&headers, path_and_query) {
                Some(u) => u,
                None => {
                    tracing::warn!("no host in the forwarded headers");
                    return plain(StatusCode::BAD_REQUEST, "bad request");
                }
            },
        };
        let request = WebhookRequest::from_parts(method, url, headers, body);
        let bot = match self.registry.route(provider, &request) {
            Ok(bot) => bot,
            Err(e @ RouteError::UnknownBot { .. }) => {
                tracing::warn!(error = %e, "webhook for an unknown bot");
                return plain(StatusCode::NOT_FOUND, "unknown bot");
            }
            Err(e @ RouteError::UnknownProvider { .. }) => {
                tracing::warn!(error = %e, "webhook for an unknown provider");
                return plain(StatusCode::NOT_FOUND, "not found");
            }
            Err(e @ RouteError::MethodNotAllowed { .. }) => {
                tracing::warn!(error = %e, "webhook with an unexpected method");
                return plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            }
            Err(e) => {
                tracing::warn!(error = %e, "webhook names no bot");
                return plain(StatusCode::BAD_REQUEST, "bad request");
            }
        };
        tracing::Span::current().record("bot", bot.id.as_str());
        let events = match bot.provider.verify_and_parse(&request) {
            Ok(events) => events,
            Err(Error::Verify(e)) => {
                tracing::warn!(reason = %e, "webhook verification failed");
                return plain(StatusCode::FORBIDDEN, "forbidden");
            }
            Err(Error::Parse(e)) => {
                tracing::warn!(error = %e, "webhook could not be parsed");
                return plain(StatusCode::BAD_REQUEST, "bad request");
            }
            // Not returned by this crate's providers; another provider's is refused alike.
            Err(e) => {
                tracing::warn!(error = %e, "webhook could not be parsed");
                return plain(StatusCode::BAD_REQUEST, "bad request");
            }
        };
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
        tracing::info!(events = fresh.len(), "webhook accepted");
        let ack = bot.provider.acknowledgement();
        if !fresh.is_empty() {
            let handler = self.handler.clone();
            let task = async move {
                for event in fresh {
                    handler(Delivery {
                        bot: bot.clone(),
                        event,
                    })
                    .await;
                }
            };
            tokio::spawn(task.in_current_span());
        }
        acknowledge(&ack)
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

fn path_and_query(uri: &::axum::http::Uri) -> &str {
    uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
}

/// The route of every provider's webhooks: `/{provider}`, any method (the registry answers
/// 405 for a method the provider does not use).
async fn endpoint(
    State(s): State<Arc<WebhookServer>>,
    Path(provider): Path<String>,
    OriginalUri(uri): OriginalUri,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.handle(&provider, method, path_and_query(&uri), headers, body)
        .await
}
