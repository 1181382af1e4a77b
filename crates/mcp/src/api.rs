//! The Racecraft server's REST API, as the tools read it.

use racecraft_protocol::analysis::{LapAnalysis, LapCompare, References, SessionAnalysisBody};
use racecraft_protocol::rest::{Lap, LapFrames, Session};
use serde::de::DeserializeOwned;

/// Why a request to the Racecraft server gave no answer to use.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The configured server URL cannot be used.
    #[error("server URL {0:?} is not an http:// or https:// URL")]
    Url(String),
    /// The server could not be reached or its body not read.
    #[error("no answer from the Racecraft server at {url}: {reason}")]
    Unreachable {
        /// The request's URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server answered with an error status (an unknown session or lap is 404).
    #[error("the Racecraft server answered {status} to {path}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The request's path.
        path: String,
        /// The error body's message.
        message: String,
    },
    /// The body is not what the protocol says (a server of another version).
    #[error("unexpected body from {path}: {reason}")]
    Body {
        /// The request's path.
        path: String,
        /// Why it did not parse.
        reason: String,
    },
}

/// A way to GET a path of the Racecraft API: over HTTP, or in the server's own process (the coaching chat asks
/// the server's router with the asking user's credentials, so its tools see what that user may see).
pub trait Fetch: Send + Sync + std::fmt::Debug {
    /// GETs `path` (`/api/...`), answering the status and the body, or why there is no answer.
    fn get<'a>(&'a self, path: &'a str) -> BoxFuture<'a, Result<(u16, bytes::Bytes), String>>;
}

/// A boxed future, as [`Fetch`] returns it.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

#[derive(Debug, Clone)]
enum Source {
    Http(reqwest::Client),
    Custom(std::sync::Arc<dyn Fetch>),
}

/// A client of one Racecraft server.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    source: Source,
    /// The login cookie (`name=value`) after [`Api::sign_in`].
    cookie: Option<String>,
}

impl Api {
    /// A client of the server at `base` (`http://127.0.0.1:8080`).
    pub fn new(base: &str) -> Result<Api, ApiError> {
        let base = base.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(ApiError::Url(base.to_string()));
        }
        Ok(Api { base: base.to_string(), source: Source::Http(reqwest::Client::new()), cookie: None })
    }

    /// A client that GETs through `fetch`; `base` names it in error messages.
    pub fn with_fetch(base: &str, fetch: std::sync::Arc<dyn Fetch>) -> Api {
        Api { base: base.trim_end_matches('/').to_string(), source: Source::Custom(fetch), cookie: None }
    }

    /// Signs in to a team server as `name` (`POST /api/login`); every later request carries the login, so the
    /// tools read what that user may read.
    pub async fn sign_in(&mut self, name: &str, password: &str) -> Result<(), ApiError> {
        let Source::Http(http) = &self.source else {
            return Ok(());
        };
        let path = "/api/login";
        let url = format!("{}{path}", self.base);
        let body = serde_json::json!({"name": name, "password": password});
        let response = http
            .post(&url)
            .json(&body)
            .send()
            .await
            .map_err(|e| ApiError::Unreachable { url: url.clone(), reason: e.to_string() })?;
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_string);
        if status != 200 {
            let bytes = response.bytes().await.unwrap_or_default();
            let message = serde_json::from_slice::<racecraft_protocol::rest::ErrorBody>(&bytes)
                .map(|b| b.error)
                .unwrap_or_else(|_| format!("status {status}"));
            return Err(ApiError::Status { status, path: path.to_string(), message });
        }
        self.cookie = Some(cookie.ok_or_else(|| ApiError::Body {
            path: path.to_string(),
            reason: "signed in, but no login cookie came back (is this a team server?)".to_string(),
        })?);
        Ok(())
    }

    /// GETs `path` and parses the body as `T`.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let url = format!("{}{path}", self.base);
        let unreachable = |reason: String| ApiError::Unreachable { url: url.clone(), reason };
        let (status, bytes) = match &self.source {
            Source::Http(http) => {
                let mut request = http.get(&url);
                if let Some(cookie) = &self.cookie {
                    request = request.header(reqwest::header::COOKIE, cookie);
                }
                let response = request.send().await.map_err(|e| unreachable(e.to_string()))?;
                let status = response.status().as_u16();
                (status, response.bytes().await.map_err(|e| unreachable(e.to_string()))?)
            }
            Source::Custom(fetch) => fetch.get(path).await.map_err(unreachable)?,
        };
        if !(200..300).contains(&status) {
            let message = serde_json::from_slice::<racecraft_protocol::rest::ErrorBody>(&bytes)
                .map(|body| body.error)
                .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).chars().take(200).collect());
            return Err(ApiError::Status { status, path: path.to_string(), message });
        }
        serde_json::from_slice(&bytes).map_err(|e| ApiError::Body { path: path.to_string(), reason: e.to_string() })
    }

    /// `GET /api/sessions`.
    pub async fn sessions(&self) -> Result<Vec<Session>, ApiError> {
        self.get("/api/sessions").await
    }

    /// `GET /api/sessions/{id}`.
    pub async fn session(&self, id: i64) -> Result<Session, ApiError> {
        self.get(&format!("/api/sessions/{id}")).await
    }

    /// `GET /api/sessions/{id}/laps`.
    pub async fn laps(&self, session_id: i64) -> Result<Vec<Lap>, ApiError> {
        self.get(&format!("/api/sessions/{session_id}/laps")).await
    }

    /// `GET /api/sessions/{id}/analysis`.
    pub async fn analysis(&self, session_id: i64) -> Result<SessionAnalysisBody, ApiError> {
        self.get(&format!("/api/sessions/{session_id}/analysis")).await
    }

    /// `GET /api/laps/{id}/compare/{ref_id}`.
    pub async fn compare(&self, lap_id: i64, reference_lap_id: i64) -> Result<LapCompare, ApiError> {
        self.get(&format!("/api/laps/{lap_id}/compare/{reference_lap_id}")).await
    }

    /// `GET /api/laps/{id}/analysis?ref=...`: `reference` a lap id, or the session's best lap when `None`.
    pub async fn lap_analysis(&self, lap_id: i64, reference: Option<i64>) -> Result<LapAnalysis, ApiError> {
        let reference = reference.map_or_else(|| "best".to_string(), |r| r.to_string());
        self.get(&format!("/api/laps/{lap_id}/analysis?ref={reference}")).await
    }

    /// `GET /api/sessions/{id}/references`: other sessions on the same track.
    pub async fn references(&self, session_id: i64) -> Result<References, ApiError> {
        self.get(&format!("/api/sessions/{session_id}/references")).await
    }

    /// `GET /api/laps/{id}?channels=...`: the lap's frames, for the channels named (comma-separated).
    pub async fn lap_frames(&self, lap_id: i64, channels: &str) -> Result<LapFrames, ApiError> {
        self.get(&format!("/api/laps/{lap_id}?channels={channels}")).await
    }
}
