//! The connection limits of the protocol, on a fleet served over real TCP on
//! 127.0.0.1: a request head over the size limit is refused, and a client
//! that sends nothing (an idle keep-alive connection, or one that never
//! finishes its headers) is disconnected after the head timeout.

use std::time::{Duration, Instant};

use rollwright_agent::server::{serve_with, ConnectionLimits};
use rollwright_agent::{fleet_app, Fleet, FleetConfig, Token};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "limits-token";

async fn fleet(limits: ConnectionLimits) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = fleet_app(
        Fleet::new(FleetConfig::new(1)).unwrap(),
        Token::new(TOKEN).unwrap(),
    );
    tokio::spawn(serve_with(listener, app, limits, std::future::pending()));
    addr
}

fn get_health(extra_header: &str) -> String {
    format!(
        "GET /devices/dev-00000/v1/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n{extra_header}\r\n"
    )
}

/// Reads until the server closes the connection (at most `limit`), returning
/// what it sent.
async fn read_to_close(stream: &mut TcpStream, limit: Duration) -> String {
    let mut out = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut out))
        .await
        .expect("the agent closes the connection in time")
        .unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn a_request_head_over_the_limit_is_refused_with_431() {
    let addr = fleet(ConnectionLimits::default()).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let padding = format!(
        "X-Padding: {}\r\n",
        "a".repeat(rollwright_protocol::MAX_HEAD_BYTES)
    );
    stream
        .write_all(get_health(&padding).as_bytes())
        .await
        .unwrap();
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

    // Just under the limit is served.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let padding = format!(
        "X-Padding: {}\r\nConnection: close\r\n",
        "a".repeat(8 * 1024)
    );
    stream
        .write_all(get_health(&padding).as_bytes())
        .await
        .unwrap();
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed_after_the_head_timeout() {
    let limits = ConnectionLimits {
        head_timeout: Duration::from_millis(500),
        ..ConnectionLimits::default()
    };
    let addr = fleet(limits).await;

    // Keep-alive: one request served, then the connection idles.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(get_health("").as_bytes()).await.unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "kept alive for a while first"
    );

    // Headers that never end.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /devices/dev-00000/v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_to_close(&mut stream, Duration::from_secs(5)).await;
    assert!(!answer.contains("200 OK"), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(400));
}
