//! Bearer-token check for every route, compared in constant time. A request
//! that fails it is answered 401 before any handler runs, so nothing changes.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::header::AUTHORIZATION,
    middleware::Next,
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// The expected `Authorization` header value, `Bearer <token>`.
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl Token {
    /// Fails on an empty token: an agent must never be open to anyone.
    pub fn new(token: &str) -> anyhow::Result<Self> {
        let token = token.trim();
        anyhow::ensure!(!token.is_empty(), "the token is empty");
        Ok(Self(format!("Bearer {token}").into_bytes().into()))
    }

    /// Reads the token from the first line of `path`.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading token file {}: {e}", path.display()))?;
        Self::new(text.lines().next().unwrap_or(""))
    }

    fn accepts(&self, header: &[u8]) -> bool {
        header.ct_eq(&self.0).into()
    }
}

pub async fn require_token(State(token): State<Token>, req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get(AUTHORIZATION)
        .is_some_and(|h| token.accepts(h.as_bytes()));
    if ok {
        next.run(req).await
    } else {
        ApiError::unauthorized().into_response()
    }
}
