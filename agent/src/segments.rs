//! `Segments`: a route's path parameters, percent-decoded. A segment that is
//! not UTF-8 once decoded is answered with the protocol's `400 invalid` naming
//! it, not with the web framework's plain-text rejection.

use axum::{
    extract::{rejection::RawPathParamsRejection, FromRequestParts, RawPathParams},
    http::request::Parts,
};
use rollwright_protocol::Invalid;

use crate::error::ApiError;

pub struct Segments(RawPathParams);

impl Segments {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Segments {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match RawPathParams::from_request_parts(parts, state).await {
            Ok(params) => Ok(Segments(params)),
            Err(RawPathParamsRejection::InvalidUtf8InPathParam(e)) => {
                // The rejection names the parameter only in its text:
                // "Invalid UTF-8 in `product`".
                let text = e.body_text();
                let field = text.split('`').nth(1).unwrap_or("path");
                Err(ApiError::invalid(Invalid::new(
                    field,
                    "must be UTF-8 once percent-decoded",
                )))
            }
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}
