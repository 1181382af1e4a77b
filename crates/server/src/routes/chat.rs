//! The coaching chat: `GET /api/chat` says whether a model is configured and where the data goes;
//! `POST /api/sessions/{id}/chat` answers a question about a session as server-sent events.
//!
//! The model's tools are answered by this server's own router, asked in-process with the asking user's
//! credentials: a tool sees exactly what the user may see, through the same handlers the UI reads.

use std::convert::Infallible;
use std::sync::Arc;

use axum::{Extension, Json};
use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use racecraft_chat::SessionContext;
use racecraft_mcp::api::{BoxFuture, Fetch};
use racecraft_mcp::{Api, Racecraft};
use racecraft_protocol::chat::{AskEvent, AskRequest, ChatInfo};
use tower::ServiceExt;

use super::api::json_rejection;
use crate::AppError;
use crate::error::PathParam;
use crate::state::AppState;

/// What the UI shows while the chat is off.
const HOW_TO_ENABLE: &str = "racecraft serve --llm-url http://127.0.0.1:11434/v1 --llm-model qwen2.5:7b \
(any OpenAI-compatible endpoint: Ollama, llama.cpp's server, LM Studio, vLLM, OpenAI; a key goes in \
RACECRAFT_LLM_API_KEY)";
/// Largest REST answer a tool reads in-process, bytes (a lap's frames at full rate are a few MiB).
const MAX_TOOL_BODY_BYTES: usize = 64 << 20;
/// Events buffered between the model and a slow browser.
const EVENT_BUFFER: usize = 64;

/// `GET /api/chat`.
pub(super) async fn info(State(state): State<AppState>) -> Json<ChatInfo> {
    let endpoint = state.chat().map(|c| c.endpoint().clone());
    Json(ChatInfo {
        enabled: endpoint.is_some(),
        endpoint: endpoint.as_ref().map(|e| e.url.clone()),
        model: endpoint.map(|e| e.model),
        how_to_enable: HOW_TO_ENABLE.to_string(),
    })
}

/// This server's router, asked in-process with one request's credentials.
#[derive(Debug)]
struct InProcess {
    router: axum::Router,
    headers: HeaderMap,
    peer: Option<ConnectInfo<crate::ClientAddr>>,
}

impl Fetch for InProcess {
    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<(u16, bytes::Bytes), String>> {
        Box::pin(async move {
            let mut request = Request::get(path).body(Body::empty()).map_err(|e| e.to_string())?;
            *request.headers_mut() = self.headers.clone();
            if let Some(peer) = &self.peer {
                request.extensions_mut().insert(peer.clone());
            }
            let response = match self.router.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), MAX_TOOL_BODY_BYTES).await.map_err(|e| e.to_string())?;
            Ok((status, body))
        })
    }
}

/// `POST /api/sessions/{id}/chat`.
pub(super) async fn ask(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    peer: Option<Extension<ConnectInfo<crate::ClientAddr>>>,
    request_headers: HeaderMap,
    Extension(principal): Extension<racecraft_auth::Principal>,
    body: Result<Json<AskRequest>, JsonRejection>,
) -> Result<Response, AppError> {
    // The model is the team's (its cost, its data leaving the machine): a share link reads, it does not ask.
    if matches!(principal, racecraft_auth::Principal::Share { .. }) {
        return Err(AppError::Forbidden("a share link can read the session but not ask the coaching chat".into()));
    }
    let Some(coach) = state.chat().cloned() else {
        return Err(AppError::Unavailable(format!("the coaching chat is off; turn it on with: {HOW_TO_ENABLE}")));
    };
    let Json(body) = body.map_err(json_rejection)?;
    racecraft_chat::check_turns(&body.messages).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    // The credentials that let this request in, and nothing else, go with the tools' requests.
    let mut headers = HeaderMap::new();
    for name in [header::HOST, header::COOKIE, header::AUTHORIZATION, header::ORIGIN] {
        if let Some(value) = request_headers.get(&name) {
            headers.insert(name, value.clone());
        }
    }
    if let Some(value) = request_headers.get("x-forwarded-for") {
        headers.insert("x-forwarded-for", value.clone());
    }
    let fetch = InProcess {
        router: super::app(state.clone()),
        headers,
        peer: peer.map(|Extension(peer)| peer),
    };
    let tools = Racecraft::new(Api::with_fetch("racecraft", Arc::new(fetch)));
    let context = SessionContext::load(&tools, id).await.map_err(|e| match e {
        racecraft_mcp::ToolError::Api(racecraft_mcp::ApiError::Status { status: 404, message, .. }) => {
            AppError::NotFound(message)
        }
        other => AppError::Unavailable(format!("cannot read the session's analysis: {other}")),
    })?;
    let (tx, rx) = tokio::sync::mpsc::channel::<AskEvent>(EVENT_BUFFER);
    // The answer runs while the browser listens; when it goes away (Stop), the next send fails, the task ends,
    // and the model's request is dropped with it.
    tokio::spawn(async move {
        coach.ask(&tools, &context, &body.messages, tx).await;
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        let event = rx.recv().await?;
        let sse = Event::default().json_data(&event).unwrap_or_else(|_| Event::default().data("{}"));
        Some((Ok::<_, Infallible>(sse), rx))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}
