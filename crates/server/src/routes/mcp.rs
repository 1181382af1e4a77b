//! `POST /mcp`: the Model Context Protocol over Streamable HTTP, for MCP clients that reach the server over the
//! network (`racecraft mcp` serves the same tools on stdio). Stateless: every request stands alone, its tools
//! reading with that request's credentials, so a team server's permissions hold for every call.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use super::in_process::InProcess;
use crate::state::AppState;

/// `POST /mcp`. (A stateless server has no stream for a `GET` to open: that is 405.)
pub(super) async fn serve(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<crate::ClientAddr>>>,
    request: Request,
) -> Response {
    let fetch = InProcess::new(&state, request.headers(), peer.map(|Extension(peer)| peer));
    match racecraft_mcp::http_service(Arc::new(fetch)).oneshot(request).await {
        Ok(response) => response.map(axum::body::Body::new).into_response(),
        Err(never) => match never {},
    }
}
