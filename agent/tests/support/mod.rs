//! Calls to a real agent under test, shared by the agent's integration tests.

use std::time::{Duration, Instant};

use rollwright_protocol::Deployment;

/// One authenticated call; returns the status and the raw body.
pub async fn call(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Vec<u8>) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .timeout(Duration::from_secs(5));
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(serde_json::to_vec(&b).unwrap());
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.bytes().await.unwrap().to_vec())
}

/// Follows a deployment until the agent reports an end (at most 30 s).
pub async fn wait_terminal(base: &str, token: &str, id: &str) -> Deployment {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        let path = format!("/v1/deployments/{id}");
        let (_, body) = call(base, token, reqwest::Method::GET, &path, None).await;
        let d: Deployment = serde_json::from_slice(&body).unwrap();
        if d.state.is_terminal() {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("deployment {id} did not end");
}
