//! rollwright-agent: the device agent of the Rollwright protocol
//! (`docs/agent-protocol.md`) and its fleet simulator, as a library so tests can
//! start either in-process on `127.0.0.1:0`.
//!
//! - [`routes`]: the protocol's routes, shared by both modes; validate, then
//!   hand off to a [`backend::Backend`].
//! - [`auth`]: constant-time bearer token check in front of every route.
//! - [`device`]: one device's state and the protocol's rules (idempotent
//!   starts, rollback). No I/O.
//! - [`real`]: real mode: fetch, verify, stage, switch atomically, health
//!   check, recover after a crash.
//! - [`fleet`]: fleet mode: N simulated devices with deterministic faults.
//! - [`segments`]: path parameters, refusing non-UTF-8 ones as `400 invalid`.
//! - [`server`]: HTTP/1.1 serving, plain or over TLS, with the protocol's
//!   head size and time limits.
//! - [`tls`]: the certificate (self-signed into a directory, or the admin's),
//!   its fingerprint, and the rule "off loopback only over TLS".
//! - [`cli`]: command-line arguments of the binary.
//!
//! The agent serves plain HTTP on loopback only; any other address is served
//! over TLS. It never logs per request.

pub mod auth;
pub mod backend;
pub mod cli;
pub mod device;
pub mod error;
pub mod fleet;
pub mod real;
pub mod routes;
pub mod segments;
pub mod server;
pub mod tls;

use std::sync::Arc;

use axum::{extract::DefaultBodyLimit, middleware, routing::get};
use tokio::net::TcpListener;

pub use auth::Token;
pub use axum::Router;
pub use fleet::{Fleet, FleetConfig};
pub use real::{RealAgent, RealConfig};

/// The router of a real agent: routes under `/v1`.
pub fn app(backend: Arc<dyn backend::Backend>, token: Token) -> Router {
    finish(
        Router::new().nest("/v1", routes::device_routes()),
        backend,
        token,
    )
}

/// The router of a fleet: `GET /devices` and each device under `/devices/{device}/v1`.
pub fn fleet_app(fleet: Fleet, token: Token) -> Router {
    let routes = Router::new()
        .route("/devices", get(routes::list_devices))
        .nest("/devices/{device}/v1", routes::device_routes());
    finish(routes, Arc::new(fleet), token)
}

fn finish(routes: Router<routes::Shared>, backend: routes::Shared, token: Token) -> Router {
    routes
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .with_state(backend)
        .layer(DefaultBodyLimit::max(rollwright_protocol::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(token, auth::require_token))
}

/// Serves `router` on `listener` until the process ends.
pub async fn serve(listener: TcpListener, router: Router) -> std::io::Result<()> {
    server::serve_until(listener, router, std::future::pending()).await
}

/// Serves `router` on `listener` over TLS until the process ends.
pub async fn serve_tls(
    listener: TcpListener,
    router: Router,
    tls: Arc<rustls::ServerConfig>,
) -> std::io::Result<()> {
    server::serve_tls_with(
        listener,
        router,
        Some(tls),
        server::ConnectionLimits::default(),
        std::future::pending(),
    )
    .await
}

/// Lower-case hex sha256 of `bytes`, as manifests carry it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
