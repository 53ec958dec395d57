//! Serving the endpoint: HTTP/1.1 only, with a header timeout and a graceful shutdown.

use std::future::Future;
use std::io;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use super::WebhookServer;

/// The longest header timeout applied; a longer one counts as this (the clock must be able to
/// add it).
const MAX_HEADER_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// How long to pause accepting after an error that is not one connection's (such as running
/// out of file descriptors), so as not to spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(250);

impl WebhookServer {
    /// Serves the endpoint on `listener` until `shutdown` completes, then shuts down
    /// gracefully; returns `true` when everything in progress finished in time.
    ///
    /// Each connection speaks HTTP/1.1 only (an HTTP/2 preface is refused, whatever features
    /// the build turned on in hyper), and is closed when a request's headers have not all
    /// arrived within the header timeout ([`WebhookServer::with_header_timeout`], default
    /// [`WebhookServer::DEFAULT_HEADER_TIMEOUT`]), idle keep-alive connections included. The
    /// body limits, body timeout and handler bound are the [router](WebhookServer::router)'s.
    ///
    /// Once `shutdown` completes it stops accepting connections, lets requests in progress
    /// finish (and closes idle connections), then waits for running handler tasks, all
    /// within the shutdown timeout ([`WebhookServer::with_shutdown_timeout`], default
    /// [`WebhookServer::DEFAULT_SHUTDOWN_TIMEOUT`]). Past it, it returns `false`, leaving what
    /// still runs to the runtime. Webhooks that arrive on open connections during the wait
    /// for handlers are answered 503.
    ///
    /// ```no_run
    /// # async fn run(server: whatsapp_connector::server::WebhookServer) -> std::io::Result<()> {
    /// let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
    /// let shutdown = async { tokio::signal::ctrl_c().await.unwrap_or(()) };
    /// if !server.serve(listener, shutdown).await {
    ///     eprintln!("shut down with handlers still running");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve<F>(self, listener: TcpListener, shutdown: F) -> bool
    where
        F: Future<Output = ()> + Send,
    {
        let tasks = self.handler_tasks();
        let shutdown_timeout = self.shutdown_timeout;
        let mut http = http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout.min(MAX_HEADER_TIMEOUT))
            .keep_alive(true);
        let service = TowerToHyperService::new(self.router());
        let connections = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);

        loop {
            let accepted = tokio::select! {
                biased;
                () = &mut shutdown => break,
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::select! {
                        biased;
                        () = &mut shutdown => break,
                        () = tokio::time::sleep(ACCEPT_PAUSE) => continue,
                    }
                }
            };
            // Best effort: webhooks answers are small and latency matters more than batching.
            let _ = stream.set_nodelay(true);
            let connection = http.serve_connection(TokioIo::new(stream), service.clone());
            let connection = connections.watch(connection);
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
            });
        }
        drop(listener);
        tracing::info!(
            connections = connections.count(),
            handlers = tasks.running(),
            "shutting down"
        );

        let started = tokio::time::Instant::now();
        let connections_done = tokio::time::timeout(shutdown_timeout, connections.shutdown())
            .await
            .is_ok();
        let left = shutdown_timeout.saturating_sub(started.elapsed());
        let handlers_done = tasks.shutdown(left).await;
        if connections_done && handlers_done {
            tracing::info!("shut down");
        } else {
            tracing::warn!(
                connections_done,
                handlers_running = tasks.running(),
                "shutdown timeout passed with work still running"
            );
        }
        connections_done && handlers_done
    }
}

/// An accept error that concerns one connection only: go on accepting at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
