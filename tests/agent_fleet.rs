//! Fleet mode: device listing, spec files, simulated install time, and
//! deterministic fault injection, through the desktop's client.

mod agent_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use agent_support::{client, counting_proxy, request, spec, start_fleet, PRODUCT, TOKEN};
use rollwright::agent_client::{AgentClient, AgentError, ClientOptions, InventoryReader};
use rollwright_agent::server::{serve_with, ConnectionLimits};
use rollwright_agent::{fleet::faults::Faults, Fleet, FleetConfig, Token};
use rollwright_protocol::{DeploymentState, DeviceList, LogLevel};

fn faulty(devices: usize, fail: f64, hang: f64, error: f64, install_ms: (u64, u64)) -> FleetConfig {
    FleetConfig {
        faults: Faults {
            seed: 42,
            install_ms,
            fail_rate: fail,
            hang_rate: hang,
            error_rate: error,
        },
        ..FleetConfig::new(devices)
    }
}

#[tokio::test]
async fn devices_are_listed_with_the_same_token() {
    let a = start_fleet(FleetConfig::new(5), "dev-00000").await;
    let resp = reqwest::Client::new()
        .get(format!("{}/devices", a.root))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let list: DeviceList = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(
        list.devices,
        [
            "dev-00000",
            "dev-00001",
            "dev-00002",
            "dev-00003",
            "dev-00004"
        ]
    );
    let anon = reqwest::Client::new()
        .get(format!("{}/devices", a.root))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let missing = client(&format!("{}/devices/dev-00005", a.root));
    assert_eq!(missing.device().await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn generated_inventory_is_deterministic_per_seed() {
    let a = start_fleet(faulty(20, 0.0, 0.0, 0.0, (0, 0)), "dev-00007").await;
    let b = start_fleet(faulty(20, 0.0, 0.0, 0.0, (0, 0)), "dev-00007").await;
    let (x, y) = (
        a.client.device().await.unwrap(),
        b.client.device().await.unwrap(),
    );
    assert_eq!(x, y);
    assert_eq!(x.id, "dev-00007");
    assert!(x.labels.contains_key("site") && x.labels.contains_key("group"));
    assert!(x.products["acme-erp"].deployed_version.is_some());
}

#[tokio::test]
async fn spec_file_gives_labels_and_inventory() {
    let cfg = FleetConfig {
        spec: Some(spec(
            r#"{"devices": [
                {"name": "press-{n}", "labels": {"site": "lyon"},
                 "products": {"conformance-app": {"version": "1.0.0", "modules": [{"name": "m", "version": "1.0.0"}]}}},
                {"labels": {"site": "osaka"}}
            ]}"#,
        )),
        ..FleetConfig::new(4)
    };
    let a = start_fleet(cfg, "dev-00002").await;
    let info = a.client.device().await.unwrap();
    assert_eq!(info.name, "press-00002");
    assert_eq!(info.labels["site"], "lyon");
    assert_eq!(a.deployed().await.as_deref(), Some("1.0.0"));
    let other = client(&format!("{}/devices/dev-00003", a.root))
        .device()
        .await
        .unwrap();
    assert_eq!(
        (other.name.as_str(), other.labels["site"].as_str()),
        ("dev-00003", "osaka")
    );
}

#[tokio::test]
async fn failed_deployment_logs_module_step_and_reason() {
    let a = start_fleet(faulty(2, 1.0, 0.0, 0.0, (0, 0)), "dev-00001").await;
    let d = a.deploy("u-1", "1.0.0").await;
    assert_eq!(d.state, DeploymentState::Failed);
    let err = d
        .log
        .iter()
        .find(|e| e.code == "IMPORT_FAILED")
        .expect("IMPORT_FAILED entry");
    assert_eq!(err.level, LogLevel::Error);
    assert!(
        err.message
            .starts_with("module ocr-engine 1.0.0: import failed at step ")
            || err
                .message
                .starts_with("module camera-driver 1.0.0: import failed at step "),
        "{}",
        err.message
    );
    assert!(err.detail.as_deref().is_some_and(|d| !d.is_empty()));
    assert_eq!(
        a.deployed().await,
        None,
        "a failed deployment leaves the device unchanged"
    );
    let r = a.client.rollback("u-1").await.unwrap();
    assert_eq!(r.state, DeploymentState::RolledBack);
}

#[tokio::test]
async fn hung_deployment_runs_until_rolled_back() {
    let a = start_fleet(faulty(2, 0.0, 1.0, 0.0, (0, 0)), "dev-00001").await;
    a.client
        .put_config(PRODUCT, &a.config("1.0.0"))
        .await
        .unwrap();
    let d = a
        .client
        .start_deployment(&request("u-1", "1.0.0"))
        .await
        .unwrap();
    assert_eq!(d.state, DeploymentState::Running);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        a.client.deployment("u-1").await.unwrap().state,
        DeploymentState::Running
    );
    let busy = a
        .client
        .start_deployment(&request("u-2", "1.0.0"))
        .await
        .unwrap_err();
    assert_eq!(busy.status(), Some(409));
    assert_eq!(
        a.client.rollback("u-1").await.unwrap().state,
        DeploymentState::RolledBack
    );
    assert_eq!(
        a.client.rollback("u-1").await.unwrap().state,
        DeploymentState::RolledBack
    );
    assert_eq!(a.deployed().await, None);
}

#[tokio::test]
async fn install_time_shows_progress_in_quarters_then_succeeds() {
    let a = start_fleet(faulty(1, 0.0, 0.0, 0.0, (800, 800)), "dev-00000").await;
    a.client
        .put_config(PRODUCT, &a.config("1.0.0"))
        .await
        .unwrap();
    let d = a
        .client
        .start_deployment(&request("u-1", "1.0.0"))
        .await
        .unwrap();
    assert_eq!((d.state, d.progress), (DeploymentState::Running, 0));
    // Polled every 20 ms, a step every 200 ms: each quarter is seen.
    let mut seen = vec![0];
    for _ in 0..250 {
        let d = a.client.deployment("u-1").await.unwrap();
        if seen.last() != Some(&d.progress) {
            seen.push(d.progress);
        }
        if d.state.is_terminal() {
            assert_eq!(d.state, DeploymentState::Succeeded);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, [0, 25, 50, 75, 100]);
    assert_eq!(a.client.installs().await.unwrap().installs["u-1"], 1);
}

#[tokio::test]
async fn rollback_aborts_a_running_install() {
    let a = start_fleet(faulty(1, 0.0, 0.0, 0.0, (400, 400)), "dev-00000").await;
    a.client
        .put_config(PRODUCT, &a.config("1.0.0"))
        .await
        .unwrap();
    a.client
        .start_deployment(&request("u-1", "1.0.0"))
        .await
        .unwrap();
    assert_eq!(
        a.client.rollback("u-1").await.unwrap().state,
        DeploymentState::RolledBack
    );
    // Past the install's end: an install that was not aborted would have
    // finished by now and switched the device to 1.0.0.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let d = a.client.deployment("u-1").await.unwrap();
    assert_eq!(d.state, DeploymentState::RolledBack);
    assert!(d.progress < 100, "progress {}", d.progress);
    assert_eq!(a.deployed().await, None);
}

#[tokio::test]
async fn outcomes_are_deterministic_for_a_seed() {
    async fn outcomes() -> Vec<DeploymentState> {
        let a = start_fleet(faulty(16, 0.4, 0.2, 0.0, (0, 0)), "dev-00000").await;
        let mut out = vec![];
        for n in 0..16 {
            let c = client(&format!("{}/devices/dev-{n:05}", a.root));
            c.put_config(PRODUCT, &a.config("1.0.0")).await.unwrap();
            out.push(
                c.start_deployment(&request("u-1", "1.0.0"))
                    .await
                    .unwrap()
                    .state,
            );
        }
        out
    }
    let (x, y) = (outcomes().await, outcomes().await);
    assert_eq!(x, y);
    assert!(
        x.contains(&DeploymentState::Failed) && x.contains(&DeploymentState::Succeeded),
        "{x:?}"
    );
}

#[tokio::test]
async fn injected_errors_are_transient_503s_that_change_nothing() {
    let a = start_fleet(faulty(1, 0.0, 0.0, 0.5, (0, 0)), "dev-00000").await;
    let (mut errors, mut ok) = (0, 0);
    for _ in 0..40 {
        match a.client.put_config(PRODUCT, &a.config("1.0.0")).await {
            Ok(_) => ok += 1,
            Err(e @ AgentError::Server { .. }) => {
                assert!(e.is_transient());
                assert_eq!(
                    (e.status(), e.body().unwrap().code.as_str()),
                    (Some(503), "unavailable")
                );
                errors += 1;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(errors > 5 && ok > 5, "{errors} errors, {ok} ok");
    // A start that answered 503 installed nothing: retry until it goes through.
    let mut tries = 0;
    let d = loop {
        tries += 1;
        match a.client.start_deployment(&request("u-1", "1.0.0")).await {
            Ok(d) => break d,
            Err(e) if e.is_transient() && tries < 50 => continue,
            Err(e) => panic!("{e:?}"),
        }
    };
    assert_eq!(d.state, DeploymentState::Succeeded);
    // The installs route is behind the same injected 503s: retried, bounded.
    let mut tries = 0;
    let installs = loop {
        tries += 1;
        match a.client.installs().await {
            Ok(i) => break i,
            Err(e) if e.is_transient() && tries < 50 => continue,
            Err(e) => panic!("{e:?}"),
        }
    };
    assert_eq!(installs.installs["u-1"], 1);
}

#[tokio::test]
async fn state_file_keeps_inventory_and_installs_across_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    let cfg = FleetConfig {
        state_file: Some(file.clone()),
        ..FleetConfig::new(3)
    };
    let fleet = rollwright_agent::Fleet::new(cfg.clone()).unwrap();
    let router =
        rollwright_agent::fleet_app(fleet.clone(), rollwright_agent::Token::new(TOKEN).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let root = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(rollwright_agent::serve(listener, router));
    let a = agent_support::Agent {
        client: client(&format!("{root}/devices/dev-00002")),
        base: format!("{root}/devices/dev-00002"),
        root,
        dir,
        mode: agent_support::Mode::Fleet,
        pin: None,
    };
    a.deploy("u-1", "1.0.0").await;
    rollwright_agent::fleet::persist::save_if_dirty(&fleet).unwrap();
    server.abort();

    let b = start_fleet(cfg, "dev-00002").await;
    assert_eq!(b.deployed().await.as_deref(), Some("1.0.0"));
    assert_eq!(b.client.installs().await.unwrap().installs["u-1"], 1);
    let again = b
        .client
        .start_deployment(&request("u-1", "1.0.0"))
        .await
        .unwrap();
    assert_eq!(again.state, DeploymentState::Succeeded);
    assert_eq!(b.client.installs().await.unwrap().installs["u-1"], 1);
}

/// A fleet whose agent closes a connection idle for `idle`, and a proxy in
/// front of it that counts the connections made.
async fn counted_fleet(devices: usize, idle: Duration) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let agent = listener.local_addr().unwrap();
    let app = rollwright_agent::fleet_app(
        Fleet::new(FleetConfig::new(devices)).unwrap(),
        Token::new(TOKEN).unwrap(),
    );
    let limits = ConnectionLimits {
        head_timeout: idle,
        ..ConnectionLimits::default()
    };
    tokio::spawn(serve_with(listener, app, limits, std::future::pending()));
    let (proxy, connections) = counting_proxy(agent).await;
    (format!("http://{proxy}"), connections)
}

#[tokio::test]
async fn the_inventory_reader_keeps_one_connection_and_replaces_a_closed_one() {
    let (root, connections) = counted_fleet(3, Duration::from_millis(300)).await;
    let device = |n: usize| client(&format!("{root}/devices/dev-{n:05}"));
    let mut reader = InventoryReader::new();
    for n in 0..3 {
        let info = reader
            .read(&device(n), Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(info.id, format!("dev-{n:05}"));
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection for the fleet"
    );

    // The agent closes the idle connection: the next read opens another.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let info = reader
        .read(&device(1), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(info.id, "dev-00001");
    assert_eq!(connections.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_inventory_reader_tells_a_wrong_token_a_missing_device_and_silence_apart() {
    let (root, _) = counted_fleet(1, Duration::from_secs(5)).await;
    let mut reader = InventoryReader::new();
    let within = Duration::from_secs(5);

    let wrong = AgentClient::new(
        &format!("{root}/devices/dev-00000"),
        "another-token",
        None,
        &ClientOptions::default(),
    )
    .unwrap();
    let e = reader.read(&wrong, within).await.unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    let missing = client(&format!("{root}/devices/dev-00001"));
    let e = reader.read(&missing, within).await.unwrap_err();
    assert_eq!(e.status(), Some(404), "{e}");
    // After two refusals the same reader still reads.
    let found = client(&format!("{root}/devices/dev-00000"));
    assert_eq!(reader.read(&found, within).await.unwrap().id, "dev-00000");

    // Accepted and never answered: a timeout, within the bound.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let _held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let started = std::time::Instant::now();
    let e = reader
        .read(
            &client(&format!("http://{silent_addr}")),
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AgentError::Timeout), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3));

    // Nobody listening: unreachable.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let e = reader
        .read(&client(&format!("http://{closed_addr}")), within)
        .await
        .unwrap_err();
    assert!(matches!(e, AgentError::Unreachable(_)), "{e}");
}

#[tokio::test]
async fn the_inventory_reader_takes_an_answer_followed_by_the_connection_closing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let body = r#"{"id":"solo-1","name":"solo","labels":{},"products":{},"installs":0}"#;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut head = [0u8; 4096];
            let _ = stream.read(&mut head).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            // Answer and close in one go: the reader sees the answer and the
            // end of the connection in the same read.
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let device = client(&format!("http://{addr}"));
    for _ in 0..20 {
        // A new reader each time: no earlier connection to fall back on.
        let mut reader = InventoryReader::new();
        let info = reader.read(&device, Duration::from_secs(5)).await.unwrap();
        assert_eq!(info.id, "solo-1");
    }
}
