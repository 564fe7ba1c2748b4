//! Real mode fetches `http://` artifacts with reqwest and verifies them; the
//! artifact server here is a minimal HTTP/1.1 responder on 127.0.0.1:0.

mod support;

use std::sync::Arc;

use rollwright_agent::{RealAgent, RealConfig, Token};
use rollwright_protocol::{Deployment, DeploymentState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn artifact_server(body: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]);
                let resp = if head.starts_with("GET /module.bin ") {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                } else {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                };
                let _ = sock.write_all(&resp).await;
            });
        }
    });
    format!("http://{addr}")
}

const TOKEN: &str = "t";

async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Vec<u8>) {
    support::call(base, TOKEN, method, path, body).await
}

async fn deploy(base: &str, id: &str, version: &str, url: &str, sha: &str) -> Deployment {
    let manifest = serde_json::json!({"product": "p", "version": version,
        "modules": [{"name": "m", "version": version, "artifact": url, "sha256": sha}]});
    let (s, _) = call(
        base,
        reqwest::Method::PUT,
        "/v1/products/p/config",
        Some(serde_json::json!({"version": version, "manifest": manifest})),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = call(
        base,
        reqwest::Method::POST,
        "/v1/deployments",
        Some(serde_json::json!({"id": id, "product": "p", "version": version})),
    )
    .await;
    assert_eq!(s, 201);
    support::wait_terminal(base, TOKEN, id).await
}

#[tokio::test]
async fn http_artifacts_are_fetched_verified_and_refused_when_missing() {
    let payload = b"module over http\n".repeat(5000);
    let sha = rollwright_agent::sha256_hex(&payload);
    let server = artifact_server(payload.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let agent = RealAgent::open(RealConfig {
        data_dir: dir.path().to_path_buf(),
        name: "a".into(),
        labels: Default::default(),
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rollwright_agent::serve(
        listener,
        rollwright_agent::app(Arc::new(agent), Token::new(TOKEN).unwrap()),
    ));

    let d = deploy(&base, "u-1", "1.0.0", &format!("{server}/module.bin"), &sha).await;
    assert_eq!(d.state, DeploymentState::Succeeded, "{d:?}");
    assert_eq!(
        std::fs::read(dir.path().join("products/p/versions/1.0.0/m")).unwrap(),
        payload
    );

    let d = deploy(&base, "u-2", "2.0.0", &format!("{server}/gone.bin"), &sha).await;
    assert_eq!(d.state, DeploymentState::Failed);
    assert!(
        d.log
            .iter()
            .any(|e| e.message == "module m 2.0.0: import failed at step fetch"),
        "{d:?}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("products/p/current"))
            .unwrap()
            .trim(),
        "1.0.0"
    );
}
