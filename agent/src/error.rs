//! `ApiError`: every failure a route can answer with, rendered as the protocol's
//! `ErrorBody`. Internal details go to stderr, never to the client.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use rollwright_protocol::{codes, ErrorBody, Invalid};

/// A failure answered to the client; nothing has been written when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &str,
        message: impl Into<String>,
        field: Option<String>,
    ) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                field,
            },
        }
    }

    pub fn invalid(e: Invalid) -> Self {
        let message = format!("{}: {}", e.field, e.message);
        Self::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID,
            message,
            Some(e.field),
        )
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHORIZED,
            "missing or wrong bearer token",
            None,
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, codes::NOT_FOUND, message, None)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            codes::METHOD_NOT_ALLOWED,
            "method not allowed on this route",
            None,
        )
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            codes::CONFLICT,
            message,
            Some(field.into()),
        )
    }

    pub fn too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            codes::PAYLOAD_TOO_LARGE,
            format!(
                "request body over {} bytes",
                rollwright_protocol::MAX_BODY_BYTES
            ),
            None,
        )
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::UNAVAILABLE,
            message,
            None,
        )
    }

    /// Logs `detail` and answers a generic message.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            codes::INTERNAL,
            "internal error; see the agent's log",
            None,
        )
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        Self::invalid(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}
