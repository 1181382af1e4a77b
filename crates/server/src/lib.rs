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
//! - [`tls`]: HTTPS straight from the server (`--tls-cert`, `--tls-key`), handshakes off the accept loop.
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
pub mod tls;

pub use access::AccessPolicy;
pub use auth::{AuthConfig, AuthMode, Policy};
pub use error::AppError;
pub use routes::{app, route_table};
pub use runner::{RunningServer, ServerConfig, StartError};
pub use state::{AppState, Limits};
pub use tls::TlsFiles;

/// The address a connection comes from, as handlers see it (`ConnectInfo<ClientAddr>`), whatever the listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub std::net::SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Tcp>> for ClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, Tcp>) -> ClientAddr {
        *stream.remote_addr()
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tls::TlsListener>> for ClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tls::TlsListener>) -> ClientAddr {
        *stream.remote_addr()
    }
}

/// A TCP listener whose connections have `TCP_NODELAY` set, reporting each peer as a [`ClientAddr`].
#[derive(Debug)]
struct Tcp(tokio::net::TcpListener);

impl axum::serve::Listener for Tcp {
    type Io = tokio::net::TcpStream;
    type Addr = ClientAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((stream, peer)) => {
                    // Small live messages must leave at once: without TCP_NODELAY, Nagle's algorithm meets the
                    // viewer's delayed ACK and holds frames for tens of milliseconds.
                    if let Err(e) = stream.set_nodelay(true) {
                        tracing::debug!(error = %e, "could not set TCP_NODELAY");
                    }
                    return (stream, ClientAddr(peer));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr().map(ClientAddr)
    }
}

/// Runs the app on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(Tcp(listener), app(state).into_make_service_with_connect_info::<ClientAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// [`serve`] over TLS: connections are handed over once their handshake is done.
pub async fn serve_tls(
    listener: tls::TlsListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state).into_make_service_with_connect_info::<ClientAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
