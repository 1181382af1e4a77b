//! The coaching chat: `GET /api/chat` says whether a model is configured and where the data goes;
//! `POST /api/sessions/{id}/chat` answers a question about a session as server-sent events.
//!
//! The model's tools are answered by this server's own router, asked in-process with the asking user's
//! credentials: a tool sees exactly what the user may see, through the same handlers the UI reads.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use racecraft_chat::SessionContext;
use racecraft_mcp::{Api, Racecraft};
use racecraft_protocol::chat::{AskEvent, AskRequest, ChatInfo};

use super::api::json_rejection;
use super::in_process::InProcess;
use crate::AppError;
use crate::error::PathParam;
use crate::state::AppState;

/// What the UI shows while the chat is off.
const HOW_TO_ENABLE: &str = "racecraft serve --llm-url http://127.0.0.1:11434/v1 --llm-model qwen2.5:7b \
(any OpenAI-compatible endpoint: Ollama, llama.cpp's server, LM Studio, vLLM, OpenAI; a key goes in \
RACECRAFT_LLM_API_KEY)";
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
    let fetch = InProcess::new(&state, &request_headers, peer.map(|Extension(peer)| peer));
    let tools = Racecraft::new(Api::with_fetch("racecraft", Arc::new(fetch)));
    let context = SessionContext::load(&tools, id).await.map_err(|e| match e {
        racecraft_mcp::ToolError::Api(racecraft_mcp::ApiError::Status { status: 404, message, .. }) => {
            AppError::NotFound(message)
        }
        // Nothing to talk about yet (no complete lap): the analysis's own 422, not an outage.
        racecraft_mcp::ToolError::Api(racecraft_mcp::ApiError::Status { status: 422, message, .. }) => {
            AppError::Unprocessable(message)
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
