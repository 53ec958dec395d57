//! The bound on running handler tasks, and the wait for them at shutdown.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The handler tasks of a [`WebhookServer`](super::WebhookServer): each running task holds one
/// of a fixed number of slots
/// ([`with_max_concurrent_handlers`](super::WebhookServer::with_max_concurrent_handlers)).
///
/// [`WebhookServer::serve`](super::WebhookServer::serve) waits for them at shutdown by itself;
/// when you serve the router another way, call [`HandlerTasks::shutdown`] once your server
/// has stopped taking requests.
///
/// ```no_run
/// # async fn run(server: whatsapp_connector::server::WebhookServer) -> std::io::Result<()> {
/// use std::time::Duration;
///
/// let tasks = server.handler_tasks();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// axum::serve(listener, server.router())
///     .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap_or(()) })
///     .await?;
/// if !tasks.shutdown(Duration::from_secs(30)).await {
///     eprintln!("{} handlers still running", tasks.running());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct HandlerTasks {
    slots: Arc<Semaphore>,
    limit: u32,
}

impl std::fmt::Debug for HandlerTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerTasks")
            .field("limit", &self.limit)
            .field("running", &self.running())
            .finish()
    }
}

impl HandlerTasks {
    pub(super) fn new(limit: usize) -> Self {
        let most = Semaphore::MAX_PERMITS.min(u32::MAX as usize);
        let limit = limit.clamp(1, most);
        HandlerTasks {
            slots: Arc::new(Semaphore::new(limit)),
            // At most `u32::MAX` by the clamp above.
            limit: u32::try_from(limit).unwrap_or(u32::MAX),
        }
    }

    /// How many handler tasks may run at once.
    pub fn limit(&self) -> usize {
        self.limit as usize
    }

    /// How many handler tasks are running now.
    pub fn running(&self) -> usize {
        self.limit().saturating_sub(self.slots.available_permits())
    }

    /// Whether [`HandlerTasks::shutdown`] was called: new webhooks are answered 503.
    pub fn is_shut_down(&self) -> bool {
        self.slots.is_closed()
    }

    /// Stops starting handlers and waits up to `deadline` for the running ones to finish;
    /// `true` when none is left running.
    ///
    /// From the call on, a webhook that needs a handler is answered 503 (the provider may
    /// redeliver it to another instance, or to this one once restarted) and nothing of it is
    /// recorded as seen. Handlers still running at the deadline are not cancelled: they run
    /// on until they end or the runtime stops. A second call waits the same way.
    pub async fn shutdown(&self, deadline: Duration) -> bool {
        // Fair semaphore: once this waits for every slot, later webhooks queue behind it.
        let all = self.slots.acquire_many(self.limit);
        match tokio::time::timeout(deadline, all).await {
            Ok(Ok(_every_slot)) => {
                self.slots.close();
                true
            }
            // Already shut down: wait for what still runs, which gives its slot back as it
            // ends.
            Ok(Err(_closed)) => self.wait_closed(deadline).await,
            Err(_elapsed) => {
                self.slots.close();
                false
            }
        }
    }

    /// After a shutdown: polls until no handler runs, up to `deadline`.
    async fn wait_closed(&self, deadline: Duration) -> bool {
        let wait = async {
            while self.running() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        tokio::time::timeout(deadline, wait).await.is_ok()
    }

    /// A slot for one handler task, waiting at most `wait` for one; `None` when none came
    /// free in time or the tasks are shut down (the caller answers 503).
    pub(super) async fn acquire(&self, wait: Duration) -> Option<OwnedSemaphorePermit> {
        match tokio::time::timeout(wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Some(slot),
            Ok(Err(_closed)) => {
                tracing::warn!("shutting down: webhook answered 503");
                None
            }
            Err(_elapsed) => {
                tracing::warn!(
                    limit = self.limit,
                    "every handler slot busy: webhook answered 503"
                );
                None
            }
        }
    }
}
