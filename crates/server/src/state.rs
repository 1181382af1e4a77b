//! Shared server state.

use std::sync::Arc;

use racecraft_store::{Store, Writer};

use crate::live::LiveRegistry;
use crate::metrics::Metrics;

/// Tunables with their units.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest HTTP body accepted, bytes.
    pub max_body_bytes: usize,
    /// Live messages buffered per session before a slow viewer has to skip ahead.
    pub viewer_buffer_messages: usize,
    /// The most recent sessions analysed in the background when the server starts (0: none).
    pub prepare_recent_sessions: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_body_bytes: 4 << 20, viewer_buffer_messages: 1024, prepare_recent_sessions: 2 }
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
    /// Recent session analyses.
    pub(crate) analyses: crate::routes::analysis::AnalysisCache,
    /// Set once at shutdown; long-lived connections (WebSockets) watch it and close.
    pub(crate) closing: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// State over a connected store and its writer.
    pub fn new(store: Store, writer: Writer, limits: Limits) -> AppState {
        let live = LiveRegistry::new(limits.viewer_buffer_messages);
        let (closing, _) = tokio::sync::watch::channel(false);
        AppState {
            inner: Arc::new(Inner {
                store,
                writer,
                live,
                metrics: Metrics::new(),
                limits,
                analyses: Default::default(),
                closing,
            }),
        }
    }

    /// The metrics registry.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
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
