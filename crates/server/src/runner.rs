//! A whole server from a [`ServerConfig`]: store, spool, writer, router and listener. Used by the binary and
//! by end-to-end tests (bind to port 0).

use std::net::SocketAddr;
use std::path::PathBuf;

use racecraft_store::{Spool, Store, StoreConfig, Writer, WriterConfig};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{AppState, Limits};

/// Everything `racecraft serve` is configured with.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory for the SQLite database and the spool.
    pub data_dir: PathBuf,
    /// Database URL; `None` = SQLite at `<data_dir>/racecraft.db`.
    pub db: Option<String>,
    /// Storage writer tuning.
    pub writer: WriterConfig,
    /// Request and buffer limits.
    pub limits: Limits,
    /// Hosts and page origins served besides loopback and the listen address.
    pub access: crate::AccessPolicy,
    /// Local or team mode, logins.
    pub auth: crate::AuthConfig,
    /// Serve HTTPS with this certificate and key (login cookies then `Secure`).
    pub tls: Option<crate::TlsFiles>,
    /// The coaching chat's model endpoint; off when `None`.
    pub chat: Option<racecraft_chat::Endpoint>,
}

impl ServerConfig {
    /// Defaults with the given listen address and data directory.
    pub fn new(listen: SocketAddr, data_dir: PathBuf) -> ServerConfig {
        ServerConfig {
            listen,
            data_dir,
            db: None,
            writer: WriterConfig::default(),
            limits: Limits::default(),
            access: crate::AccessPolicy::new(listen),
            auth: crate::AuthConfig {
                mode: if listen.ip().is_loopback() { crate::AuthMode::Local } else { crate::AuthMode::Team },
                ..crate::AuthConfig::default()
            },
            tls: None,
            chat: None,
        }
    }

    /// The database URL in effect.
    pub fn db_url(&self) -> String {
        self.db.clone().unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("racecraft.db").display()))
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database URL is not usable, or the spool could not be opened.
    #[error("database: {0}")]
    Store(#[from] racecraft_store::Error),
    /// The listen address could not be bound (taken, not local, not permitted).
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the operating system refused it.
        source: std::io::Error,
    },
    /// The data directory could not be created, or the spool not opened.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Listening beyond loopback without accounts would let anyone on the network in.
    #[error(
        "{addr} is reachable beyond this machine, which needs team mode (accounts); drop --auth local, or \
         listen on 127.0.0.1"
    )]
    NeedsTeamMode {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The TLS certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    /// Team mode with nobody able to sign in.
    #[error(
        "this server requires sign-in but has no accounts yet: create the first owner with \
         `racecraft user add NAME --team TEAM` (same --data-dir/--db), then start it again"
    )]
    NoAccounts,
}

/// A server running in the background.
#[derive(Debug)]
pub struct RunningServer {
    /// The address it listens on (the real port when configured with port 0).
    pub addr: SocketAddr,
    /// Whether it speaks HTTPS.
    tls: bool,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Opens the spool, starts the writer, binds and serves. The database is connected lazily: a server
    /// whose database is down still starts (health `degraded`), serves live data and spools writes, and
    /// brings the schema up to date and drains the spool once the database answers. Only a bad database URL
    /// or a spool that cannot be opened stops it here.
    pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::connect_lazy_with(&config.db_url(), &StoreConfig::default())?;
        if config.auth.mode == crate::AuthMode::Local && !config.listen.ip().is_loopback() {
            return Err(StartError::NeedsTeamMode { addr: config.listen });
        }
        if config.auth.mode == crate::AuthMode::Team {
            match store.user_count().await {
                Ok(0) => return Err(StartError::NoAccounts),
                Ok(_) => {}
                // Nobody can sign in until the database answers; the server still serves what needs no account.
                Err(e) => tracing::warn!(error = %e, "cannot check the accounts while the database is away"),
            }
        }
        // The certificate is checked before anything else is opened: a bad file is a clear error at once.
        let acceptor = config.tls.as_ref().map(crate::tls::acceptor).transpose()?;
        let mut auth = config.auth.clone();
        auth.secure_cookies |= acceptor.is_some();
        let spool = Spool::open(config.data_dir.join("spool")).await?;
        let writer = Writer::spawn(store.clone(), spool, config.writer.clone());
        let state = AppState::with_auth(store, writer, config.limits.clone(), config.access.clone(), auth);
        if let Some(endpoint) = &config.chat {
            let coach = racecraft_chat::Coach::new(endpoint.clone());
            state.set_chat(coach.clone());
            // A wrong URL, key, certificate or model name shows in the log at once, not at the first question.
            tokio::spawn(async move {
                let model = &coach.endpoint().model;
                match coach.models().await {
                    Ok(models) if models.iter().any(|m| m == model) => {
                        tracing::info!(url = %coach.endpoint().url, %model, "coaching chat ready");
                    }
                    Ok(models) => tracing::warn!(
                        url = %coach.endpoint().url,
                        %model,
                        served = %models.join(", "),
                        "the coaching chat's model is not among those the endpoint lists"
                    ),
                    Err(e) => tracing::warn!(error = %e, "the coaching chat's endpoint does not answer"),
                }
            });
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Listen { addr: config.listen, source })?;
        let addr = listener.local_addr()?;
        let (tx, rx) = oneshot::channel();
        let stop = async move {
            let _ = rx.await;
        };
        let tls = acceptor.is_some();
        let task = match acceptor {
            Some(acceptor) => {
                let listener = crate::tls::TlsListener::new(listener, acceptor)?;
                tokio::spawn(crate::serve_tls(listener, state.clone(), stop))
            }
            None => tokio::spawn(crate::serve(listener, state.clone(), stop)),
        };
        crate::routes::analysis::prepare_recent(&state, config.limits.prepare_recent_sessions);
        Ok(RunningServer { addr, tls, state, shutdown: Some(tx), task })
    }

    /// `http://addr`, or `https://addr` over TLS.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// The server's state (metrics, store, writer).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops accepting, lets open connections finish, and flushes storage.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.state.close_connections();
        // Open WebSockets keep graceful shutdown waiting; they are not ours to wait for.
        let result = match tokio::time::timeout(std::time::Duration::from_secs(2), &mut self.task).await {
            Ok(joined) => joined.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            Err(_) => {
                self.task.abort();
                Ok(())
            }
        };
        self.state.writer().flush().await.map_err(std::io::Error::other)?;
        result
    }
}
