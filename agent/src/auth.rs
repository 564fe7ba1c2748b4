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

/// The expected bearer token.
#[derive(Clone)]
pub struct Token(Arc<[u8]>);

impl Token {
    /// Fails on an empty token: an agent must never be open to anyone.
    pub fn new(token: &str) -> anyhow::Result<Self> {
        let token = token.trim();
        anyhow::ensure!(!token.is_empty(), "the token is empty");
        Ok(Self(token.as_bytes().into()))
    }

    /// Reads the token from the first line of `path`.
    pub fn from_file(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading token file {}: {e}", path.display()))?;
        Self::new(text.lines().next().unwrap_or(""))
    }

    /// `Authorization: Bearer <token>`; the scheme is case-insensitive and
    /// may be followed by more than one space (RFC 7235 §2.1).
    fn accepts(&self, header: &[u8]) -> bool {
        let Some(space) = header.iter().position(|b| *b == b' ') else {
            return false;
        };
        let (scheme, rest) = header.split_at(space);
        let credentials = rest.trim_ascii_start();
        scheme.eq_ignore_ascii_case(b"bearer") && bool::from(credentials.ct_eq(&self.0))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_the_token_is_not() {
        let t = Token::new("s3cret").unwrap();
        for ok in [
            "Bearer s3cret",
            "bearer s3cret",
            "BEARER s3cret",
            "Bearer   s3cret",
        ] {
            assert!(t.accepts(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "Bearer S3cret",
            "Bearer s3cret ",
            "Bearers3cret",
            "Basic s3cret",
            "s3cret",
            "Bearer ",
            "",
        ] {
            assert!(!t.accepts(bad.as_bytes()), "{bad:?}");
        }
    }
}
