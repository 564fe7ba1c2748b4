//! Serves a router over HTTP/1.1 with the protocol's connection limits: a
//! request head of at most `MAX_HEAD_BYTES`, sent within `HEAD_TIMEOUT_SECS`
//! (which also closes idle keep-alive connections). `axum::serve` enforces
//! neither, so a client could hold a connection open for ever. Over TLS the
//! handshake gets the same time limit as a request head.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rollwright_protocol::{HEAD_TIMEOUT_SECS, MAX_HEAD_BYTES};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::Router;

/// What one connection may take before it is closed.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Largest request head; at least 8 KiB (hyper's smallest buffer).
    pub head_bytes: usize,
    /// Time to send a request head, idle keep-alive time included.
    pub head_timeout: Duration,
}

impl Default for ConnectionLimits {
    /// The protocol's limits.
    fn default() -> Self {
        Self {
            head_bytes: MAX_HEAD_BYTES,
            head_timeout: Duration::from_secs(HEAD_TIMEOUT_SECS),
        }
    }
}

/// Serves `router` on `listener` with the protocol's limits until `shutdown`
/// completes, then lets the connections finish the request they are on.
pub async fn serve_until(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with(listener, router, ConnectionLimits::default(), shutdown).await
}

/// [`serve_until`] with other limits, for tests that cannot wait 30 s.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_tls_with(listener, router, None, limits, shutdown).await
}

/// Serves `router` as [`serve_with`] does, over TLS when `tls` is given
/// (every connection, no plain HTTP beside it).
pub async fn serve_tls_with(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .max_buf_size(limits.head_bytes.max(8192));
    let tls = tls.map(TlsAcceptor::from);
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: pass, then go on
                    // serving the connections that exist.
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (http, router, closing) = (http.clone(), router.clone(), closing_rx.clone());
        match tls.clone() {
            None => connections.spawn(serve_connection(http, stream, router, closing)),
            Some(acceptor) => connections.spawn(async move {
                // A handshake that does not finish in time, or fails, just
                // closes the connection; the agent logs nothing per request.
                let handshake = tokio::time::timeout(limits.head_timeout, acceptor.accept(stream));
                if let Ok(Ok(stream)) = handshake.await {
                    serve_connection(http, stream, router, closing).await;
                }
            }),
        };
        // Reap finished connections so the set follows the open ones.
        while connections.try_join_next().is_some() {}
    }
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// Serves one connection until it ends, or until `closing` asks it to finish
/// the request it is on.
async fn serve_connection<I>(
    http: hyper::server::conn::http1::Builder,
    io: I,
    router: Router,
    mut closing: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(router));
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = closing.wait_for(|c| *c) => conn.as_mut().graceful_shutdown(),
    }
    let _ = conn.await;
}
