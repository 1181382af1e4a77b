//! This server's own router asked in-process, with one request's credentials: how the coaching chat's and the
//! MCP endpoint's tools read the analysis. A tool sees exactly what the asking caller may see, through the
//! handlers the UI reads, with no socket and no second copy of any rule.

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, header};
use racecraft_mcp::api::{BoxFuture, Fetch};
use tower::ServiceExt;

use crate::state::AppState;

/// Largest REST answer a tool reads in-process, bytes (a lap's frames at full rate are a few MiB).
const MAX_TOOL_BODY_BYTES: usize = 64 << 20;

/// The router and the credentials of the request the tools answer.
#[derive(Debug)]
pub(crate) struct InProcess {
    router: axum::Router,
    headers: HeaderMap,
    peer: Option<ConnectInfo<crate::ClientAddr>>,
}

impl InProcess {
    /// Asks `state`'s router with the credentials of a request that carried `headers` from `peer`: its host,
    /// origin, cookie, authorization and forwarded address, and nothing else.
    pub(crate) fn new(
        state: &AppState,
        headers: &HeaderMap,
        peer: Option<ConnectInfo<crate::ClientAddr>>,
    ) -> InProcess {
        let mut forwarded = HeaderMap::new();
        for name in [header::HOST, header::ORIGIN, header::COOKIE, header::AUTHORIZATION] {
            if let Some(value) = headers.get(&name) {
                forwarded.insert(name, value.clone());
            }
        }
        if let Some(value) = headers.get("x-forwarded-for") {
            forwarded.insert("x-forwarded-for", value.clone());
        }
        InProcess { router: super::app(state.clone()), headers: forwarded, peer }
    }
}

impl Fetch for InProcess {
    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<(u16, bytes::Bytes), String>> {
        Box::pin(async move {
            let mut request = Request::get(path).body(Body::empty()).map_err(|e| e.to_string())?;
            *request.headers_mut() = self.headers.clone();
            if let Some(peer) = self.peer {
                request.extensions_mut().insert(peer);
            }
            let response = match self.router.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let status = response.status().as_u16();
            let body =
                axum::body::to_bytes(response.into_body(), MAX_TOOL_BODY_BYTES).await.map_err(|e| e.to_string())?;
            Ok((status, body))
        })
    }
}
