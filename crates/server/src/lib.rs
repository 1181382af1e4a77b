//! The Racecraft server.
//!
//! # Layout
//! - [`app`] builds the axum [`axum::Router`] from an [`AppState`]; tests drive it without sockets, and
//!   [`serve`] runs it on a listener.
//! - [`live`]: per-session ingest state ([`live::LiveSession`]): sequence numbers and de-duplication, lap
//!   tracking, the current lap's backlog for late joiners, and the broadcast that fans frames out to viewers.
//! - `routes`: one module per endpoint family: agent ingest WebSocket, viewer WebSocket, JSON ingest,
//!   sessions and laps, health and metrics, the embedded web UI.
//! - [`access`]: the browser guard on every request: `Host` allow-list, `Origin` check on writes and
//!   WebSocket upgrades, JSON-only bodies, security headers, JSON error bodies ([`AccessPolicy`]).
//! - [`auth`]: who is asking (login cookie, agent token, share link, or the local owner) and the [`Policy`]
//!   every route carries ([`route_table`]).
//! - [`metrics::Metrics`]: the typed counters behind `/metrics`.
//!
//! The live path never waits for storage: frames go to the viewers' broadcast and to the storage
//! [`racecraft_store::Writer`]'s queue; the writer batches them into chunks and acks what is durable.

pub mod access;
pub mod auth;
mod error;
pub mod live;
mod messages;
pub mod metrics;
mod routes;
mod runner;
mod state;

pub use access::AccessPolicy;
pub use auth::{AuthConfig, AuthMode, Policy};
pub use error::AppError;
pub use routes::{app, route_table};
pub use runner::{RunningServer, ServerConfig, StartError};
pub use state::{AppState, Limits};

/// Runs the app on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // Small live messages must leave at once: without TCP_NODELAY, Nagle's algorithm meets the viewer's
    // delayed ACK and holds frames for tens of milliseconds.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
