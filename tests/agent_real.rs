//! Real mode: artifacts are verified and staged, the pointer switches, a
//! failing health check switches back, and state survives a restart.

mod agent_support;

use std::sync::Arc;
use std::time::Duration;

use agent_support::{client, real_config, request, start, Mode, PRODUCT, TOKEN};
use rollwright_agent::{RealAgent, Token};
use rollwright_protocol::DeploymentState;

fn pointer(a: &agent_support::Agent) -> Option<String> {
    let p = a
        .dir
        .path()
        .join("data/products")
        .join(PRODUCT)
        .join("current");
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

#[tokio::test]
async fn deployment_stages_verified_artifacts_and_switches_the_pointer() {
    let a = start(Mode::Real).await;
    a.deploy("u-1", "1.0.0").await;
    assert_eq!(pointer(&a).as_deref(), Some("1.0.0"));
    let dir = a
        .dir
        .path()
        .join("data/products")
        .join(PRODUCT)
        .join("versions/1.0.0");
    let cfg = a.config("1.0.0");
    for m in &cfg.manifest.modules {
        let bytes = std::fs::read(dir.join(&m.name)).unwrap();
        assert_eq!(rollwright_agent::sha256_hex(&bytes), m.sha256);
    }
    let d = a.deploy("u-2", "2.0.0").await;
    assert_eq!(d.state, DeploymentState::Succeeded);
    assert_eq!(pointer(&a).as_deref(), Some("2.0.0"));
    a.client.rollback("u-2").await.unwrap();
    assert_eq!(pointer(&a).as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn sha256_mismatch_fails_at_verify_and_leaves_the_device_unchanged() {
    let a = start(Mode::Real).await;
    a.deploy("u-1", "1.0.0").await;
    let mut cfg = a.config("2.0.0");
    cfg.manifest.modules[1].sha256 = "0".repeat(64);
    a.client.put_config(PRODUCT, &cfg).await.unwrap();
    a.client
        .start_deployment(&request("u-2", "2.0.0"))
        .await
        .unwrap();
    let d = a.wait("u-2").await;
    assert_eq!(d.state, DeploymentState::Failed);
    let e = d.log.iter().find(|e| e.code == "IMPORT_FAILED").unwrap();
    assert_eq!(
        e.message,
        "module camera-driver 2.0.0: import failed at step verify"
    );
    assert!(e
        .detail
        .as_deref()
        .unwrap()
        .starts_with("sha256 mismatch: expected 0000"));
    assert_eq!(pointer(&a).as_deref(), Some("1.0.0"));
    assert_eq!(a.deployed().await.as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn missing_artifact_fails_at_fetch() {
    let a = start(Mode::Real).await;
    let mut cfg = a.config("1.0.0");
    cfg.manifest.modules[0].artifact = format!("file://{}/nope.bin", a.dir.path().display());
    a.client.put_config(PRODUCT, &cfg).await.unwrap();
    a.client
        .start_deployment(&request("u-1", "1.0.0"))
        .await
        .unwrap();
    let d = a.wait("u-1").await;
    assert_eq!(d.state, DeploymentState::Failed);
    assert!(d
        .log
        .iter()
        .any(|e| e.message.ends_with("import failed at step fetch")));
    assert_eq!(pointer(&a), None);
}

#[tokio::test]
async fn failing_health_check_switches_back() {
    let a = start(Mode::Real).await;
    a.deploy("u-1", "1.0.0").await;
    let cfg = a.config_with(
        "2.0.0",
        Some(vec![
            "sh",
            "-c",
            "test -f ocr-engine && echo broken >&2 && exit 3",
        ]),
    );
    a.client.put_config(PRODUCT, &cfg).await.unwrap();
    a.client
        .start_deployment(&request("u-2", "2.0.0"))
        .await
        .unwrap();
    let d = a.wait("u-2").await;
    assert_eq!(d.state, DeploymentState::Failed, "{d:?}");
    let e = d
        .log
        .iter()
        .find(|e| e.code == "HEALTH_CHECK_FAILED")
        .unwrap();
    assert!(e.detail.as_deref().unwrap().contains("broken"));
    assert_eq!(pointer(&a).as_deref(), Some("1.0.0"));
    assert_eq!(a.deployed().await.as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn passing_health_check_runs_in_the_new_version() {
    let a = start(Mode::Real).await;
    let cfg = a.config_with(
        "1.0.0",
        Some(vec![
            "sh",
            "-c",
            "test -f camera-driver && test \"$ROLLWRIGHT_VERSION\" = 1.0.0",
        ]),
    );
    a.client.put_config(PRODUCT, &cfg).await.unwrap();
    a.client
        .start_deployment(&request("u-1", "1.0.0"))
        .await
        .unwrap();
    let d = a.wait("u-1").await;
    assert_eq!(d.state, DeploymentState::Succeeded, "{d:?}");
    assert!(d.log.iter().any(|e| e.code == "HEALTHY"));
}

#[tokio::test]
async fn rollback_during_a_slow_health_check_returns_to_the_previous_version() {
    let a = start(Mode::Real).await;
    a.deploy("u-1", "1.0.0").await;
    let cfg = a.config_with("2.0.0", Some(vec!["sleep", "1"]));
    a.client.put_config(PRODUCT, &cfg).await.unwrap();
    a.client
        .start_deployment(&request("u-2", "2.0.0"))
        .await
        .unwrap();
    // Once switched, the one-second health check is running.
    let mut switched = false;
    for _ in 0..200 {
        let d = a.client.deployment("u-2").await.unwrap();
        if d.log.iter().any(|e| e.code == "SWITCHED") {
            switched = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(switched, "u-2 did not switch within 2 s");
    let r = a.client.rollback("u-2").await.unwrap();
    assert_eq!(r.state, DeploymentState::RollingBack, "{r:?}");
    let d = a.wait("u-2").await;
    assert_eq!(d.state, DeploymentState::RolledBack);
    assert_eq!(pointer(&a).as_deref(), Some("1.0.0"));
    assert_eq!(a.deployed().await.as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn state_survives_a_restart() {
    let a = start(Mode::Real).await;
    a.deploy("u-1", "1.0.0").await;
    a.client
        .put_config(PRODUCT, &a.config("2.0.0"))
        .await
        .unwrap();

    let agent = RealAgent::open(real_config(&a.dir)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(rollwright_agent::serve(
        listener,
        rollwright_agent::app(Arc::new(agent), Token::new(TOKEN).unwrap()),
    ));
    let c = client(&base);
    let info = c.device().await.unwrap();
    let p = &info.products[PRODUCT];
    assert_eq!(p.deployed_version.as_deref(), Some("1.0.0"));
    assert_eq!(p.configured_version.as_deref(), Some("2.0.0"));
    assert_eq!(
        c.deployment("u-1").await.unwrap().state,
        DeploymentState::Succeeded
    );
    assert_eq!(
        c.start_deployment(&request("u-1", "1.0.0"))
            .await
            .unwrap()
            .state,
        DeploymentState::Succeeded
    );
    assert_eq!(c.installs().await.unwrap().installs["u-1"], 1);
}
