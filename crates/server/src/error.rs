//! One error type for every HTTP handler: a status and a clear JSON message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error answered to an HTTP client as `{"error": "..."}`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400: the request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: the request says nobody (or an unknown or revoked token) where someone is needed.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the request comes from a page or host this server does not serve.
    #[error("{0}")]
    Forbidden(String),
    /// 404: the thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 413: the body is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// 415: a body that is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed JSON of the wrong shape or types.
    #[error("{0}")]
    Unprocessable(String),
    /// 400: the client speaks another protocol version.
    #[error("{0}")]
    Version(String),
    /// 429: too many failed attempts; try again later.
    #[error("{0}")]
    TooManyRequests(String),
    /// 503: a part this request needs is not configured or not answering (the coaching chat's model).
    #[error("{0}")]
    Unavailable(String),
    /// 503: the database is unavailable for a read that needs it.
    #[error("storage unavailable: {0}")]
    Storage(#[from] racecraft_store::Error),
}

impl AppError {
    /// HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::Version(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Storage(_) | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Short label for the `ingest_rejected_total{reason}` counter.
    pub fn reason(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Version(_) => "version",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::TooLarge(_) => "too_large",
            AppError::UnsupportedMediaType(_) => "not_json",
            AppError::Unprocessable(_) => "unprocessable",
            AppError::TooManyRequests(_) => "throttled",
            AppError::Storage(_) => "storage",
            AppError::Unavailable(_) => "unavailable",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Storage(e) = &self {
            tracing::warn!(error = %e, "request failed on storage");
        }
        (self.status(), axum::Json(racecraft_protocol::rest::ErrorBody { error: self.to_string() })).into_response()
    }
}

/// Maps a JSON body error to 400 (syntax, truncation) or 422 (valid JSON, wrong shape).
pub(crate) fn json_error(e: &serde_json::Error) -> AppError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => AppError::Unprocessable(format!("invalid body: {e}")),
        Category::Syntax | Category::Eof | Category::Io => AppError::BadRequest(format!("malformed JSON: {e}")),
    }
}

/// `axum::extract::Path` whose rejection is an [`AppError`] (a JSON 400), not axum's plain-text one.
#[derive(Debug)]
pub(crate) struct PathParam<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S> for PathParam<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(t)| PathParam(t))
            .map_err(|e| AppError::BadRequest(e.body_text()))
    }
}
