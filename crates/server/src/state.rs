//! Shared server state.

use std::sync::Arc;

use racecraft_store::{Store, Writer};

use crate::access::AccessPolicy;
use crate::live::LiveRegistry;
use crate::metrics::Metrics;

/// Tunables with their units.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest HTTP body accepted, bytes.
    pub max_body_bytes: usize,
    /// Largest WebSocket message an agent may send on `/ws/ingest`, bytes: the largest batch the codec writes
    /// (`wire::max_frames_message_len(wire::MAX_BATCH_FRAMES)`, about 0.74 MB) with some margin.
    pub max_ingest_message_bytes: usize,
    /// Most points (frames) one JSON ingest request may carry: a 4 MiB body of real points holds about
    /// 16 k, and the frames it becomes must stay a few MiB whatever the body looks like.
    pub max_points_per_request: usize,
    /// Live messages buffered per session before a slow viewer has to skip ahead.
    pub viewer_buffer_messages: usize,
    /// The most recent sessions analysed in the background when the server starts (0: none).
    pub prepare_recent_sessions: usize,
    /// A viewer whose connection takes no data for this long is disconnected (and counted): its kernel
    /// buffers and its place in the fan-out are not kept for a client that stopped reading.
    pub viewer_stall_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 4 << 20,
            max_ingest_message_bytes: 1 << 20,
            max_points_per_request: 16_384,
            viewer_buffer_messages: 1024,
            prepare_recent_sessions: 2,
            viewer_stall_timeout: std::time::Duration::from_secs(10),
        }
    }
}

/// Everything a handler needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) writer: Writer,
    pub(crate) live: LiveRegistry,
    pub(crate) metrics: Metrics,
    pub(crate) limits: Limits,
    /// Which hosts and page origins are served.
    pub(crate) access: AccessPolicy,
    /// Recent session analyses.
    pub(crate) analyses: crate::routes::analysis::AnalysisCache,
    /// The first frames of the laps of the pit wall's sessions.
    pub(crate) lap_starts: crate::routes::pitwall::LapStartsCache,
    /// Local or team mode, logins, revoked tokens.
    pub(crate) auth: crate::auth::Auth,
    /// The coaching chat's model, when configured.
    pub(crate) chat: std::sync::OnceLock<racecraft_chat::Coach>,
    /// Set once at shutdown; long-lived connections (WebSockets) watch it and close.
    pub(crate) closing: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// State over a connected store and its writer, serving loopback names only.
    pub fn new(store: Store, writer: Writer, limits: Limits) -> AppState {
        AppState::with_access(store, writer, limits, AccessPolicy::default())
    }

    /// State over a connected store and its writer, serving what `access` allows.
    pub fn with_access(store: Store, writer: Writer, limits: Limits, access: AccessPolicy) -> AppState {
        AppState::with_auth(store, writer, limits, access, crate::AuthConfig::default())
    }

    /// State over a connected store and its writer, serving what `access` allows to whom `auth` lets in.
    pub fn with_auth(
        store: Store,
        writer: Writer,
        limits: Limits,
        access: AccessPolicy,
        auth: crate::AuthConfig,
    ) -> AppState {
        let live = LiveRegistry::new(limits.viewer_buffer_messages);
        let (closing, _) = tokio::sync::watch::channel(false);
        AppState {
            inner: Arc::new(Inner {
                store,
                writer,
                live,
                metrics: Metrics::new(),
                limits,
                access,
                auth: crate::auth::Auth::new(auth),
                analyses: Default::default(),
                lap_starts: Default::default(),
                chat: std::sync::OnceLock::new(),
                closing,
            }),
        }
    }

    /// Turns the coaching chat on, asking `coach`'s model (once; later calls change nothing).
    pub fn set_chat(&self, coach: racecraft_chat::Coach) {
        let _ = self.inner.chat.set(coach);
    }

    /// The coaching chat's model, if configured.
    pub fn chat(&self) -> Option<&racecraft_chat::Coach> {
        self.inner.chat.get()
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Which hosts and page origins are served.
    pub fn access(&self) -> &AccessPolicy {
        &self.inner.access
    }

    /// Whether requests must say who they are.
    pub fn auth_mode(&self) -> crate::AuthMode {
        self.inner.auth.config.mode
    }

    pub(crate) fn auth(&self) -> &crate::auth::Auth {
        &self.inner.auth
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The storage writer.
    pub fn writer(&self) -> &Writer {
        &self.inner.writer
    }

    /// Tells every WebSocket connection to close (graceful shutdown would otherwise wait for them).
    pub fn close_connections(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves once [`AppState::close_connections`] has been called.
    pub(crate) fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.inner.closing.subscribe();
        async move {
            // Err means the state is gone, which is a close too.
            let _ = rx.wait_for(|closing| *closing).await;
        }
    }

    /// The live sessions.
    pub fn live(&self) -> &LiveRegistry {
        &self.inner.live
    }

    /// Recent session analyses.
    pub(crate) fn analyses(&self) -> &crate::routes::analysis::AnalysisCache {
        &self.inner.analyses
    }
}
