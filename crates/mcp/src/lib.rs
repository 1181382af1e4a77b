//! The Model Context Protocol server: Racecraft's analysis as read-only tools for any MCP client (desktop
//! assistants, editors, the coaching chat).
//!
//! The tools answer from a Racecraft server's REST API, so what a model is told is exactly what the UI shows:
//! the same lap table, the same corners and mistakes, the same comparison. Units are in every field's name.
//!
//! - [`api`]: the REST client, reading the bodies `racecraft-protocol` defines.
//! - [`tools`]: the tools, their parameters and their results (the one definition of what MCP clients get).
//!
//! `racecraft mcp --server URL` serves them on stdio ([`serve_stdio`]); a Racecraft server serves them over
//! Streamable HTTP at `/mcp` ([`http_service`]), each request's tools reading with that request's credentials.

pub mod api;
pub mod tools;

pub use api::{Api, ApiError};
pub use tools::{Racecraft, ToolError};

/// What can stop the MCP server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server URL is not an `http(s)://` URL.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The MCP session failed (the client sent something that is not MCP, or went away mid-handshake).
    #[error("MCP: {0}")]
    Protocol(String),
}

/// Serves the tools on stdin/stdout until the client closes them, answering from the Racecraft server at
/// `server_url`, signed in as `login` (name, password) on a team server.
pub async fn serve_stdio(server_url: &str, login: Option<(&str, &str)>) -> Result<(), Error> {
    use rmcp::ServiceExt;
    let mut api = Api::new(server_url)?;
    if let Some((name, password)) = login {
        api.sign_in(name, password).await?;
    }
    let service =
        Racecraft::new(api).serve(rmcp::transport::stdio()).await.map_err(|e| Error::Protocol(e.to_string()))?;
    service.waiting().await.map_err(|e| Error::Protocol(e.to_string()))?;
    Ok(())
}

/// The tools over MCP's Streamable HTTP transport, statelessly (each request stands alone, so no session is kept
/// between them), answering through `fetch`. The caller checks the request's host and origin: this service
/// checks neither.
pub fn http_service(
    fetch: std::sync::Arc<dyn api::Fetch>,
) -> rmcp::transport::streamable_http_server::StreamableHttpService<
    Racecraft,
    rmcp::transport::streamable_http_server::session::never::NeverSessionManager,
> {
    use rmcp::transport::streamable_http_server::StreamableHttpServerConfig;
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None);
    rmcp::transport::streamable_http_server::StreamableHttpService::new(
        move || Ok(Racecraft::new(Api::with_fetch("racecraft", fetch.clone()))),
        Default::default(),
        config,
    )
}
