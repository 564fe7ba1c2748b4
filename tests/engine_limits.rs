//! A deployment that hangs cannot hold a device longer than its limits, even
//! when the engine restarts in between: the deploy timeout counts from the
//! device update's recorded start and the stall limit from its last recorded
//! progress change. Time is a manual clock; the first engine runs in a
//! runtime of its own, dropped to end it as a crash would.

mod engine_support;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use engine_support::*;
use rollwright::domain::{DeployOption, DeviceUpdate, DeviceUpdateStatus, LogSource};
use rollwright::engine::{Clock, Engine, EngineConfig, ManualClock};
use rollwright_agent::FleetConfig;
use rollwright_protocol::DeploymentState;

use DeviceUpdateStatus::*;

fn limits(deploy_timeout_min: u64, stall_min: u64) -> EngineConfig {
    EngineConfig {
        deploy_timeout: Duration::from_secs(60 * deploy_timeout_min),
        stall_limit: Duration::from_secs(60 * stall_min),
        ..config()
    }
}

/// A landscape of one device whose deployments hang at 40 %.
async fn hanging() -> Landscape {
    let mut fleet = FleetConfig::new(0);
    fleet.faults.hang_rate = 1.0;
    landscape(1, fleet).await
}

fn the_device_update(l: &Landscape) -> DeviceUpdate {
    let (update, _) = l.store.recent_updates(1).unwrap().remove(0);
    l.store.device_updates_of(update.id).unwrap().remove(0)
}

/// Approves an update of the one device on a first engine, waits until its
/// deployment hangs at 40 % with that progress recorded, then ends the engine
/// by dropping its runtime.
async fn hang_then_crash(l: &Landscape, clock: &ManualClock, config: EngineConfig) {
    let update = l.create_update(&[DeployOption::Now], clock.now());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (store, clock2) = (l.store.clone(), clock.clone());
    rt.spawn(async move {
        let engine = Engine::new(
            store,
            Arc::new(clock2),
            Arc::new(Recorder::default()),
            config,
        )
        .unwrap();
        engine.start().await.unwrap();
        engine.approve(&admin(), update).await.unwrap();
        std::future::pending::<()>().await;
    });
    eventually(
        "the deployment hangs at 40 %",
        Duration::from_secs(20),
        async || {
            let du = the_device_update(l);
            du.status == Deploying && du.progress == 40
        },
    )
    .await;
    tokio::task::spawn_blocking(move || rt.shutdown_timeout(Duration::from_secs(5)))
        .await
        .unwrap();
}

async fn restart(l: &Landscape, clock: &ManualClock, config: EngineConfig) -> Engine {
    let engine = Engine::new(
        l.store.clone(),
        Arc::new(clock.clone()),
        Arc::new(Recorder::default()),
        config,
    )
    .unwrap();
    assert_eq!(
        engine.start().await.unwrap(),
        1,
        "the hung deployment is resumed"
    );
    engine
}

/// Hangs a deployment on a first engine that then crashes, restarts the
/// engine `quiet` minutes after the start, checks the deployment is still
/// followed after a few polls, then lets one more minute pass and waits for
/// the resumed engine to settle. Returns the engine and the device update.
async fn one_minute_past_the_limit(
    l: &Landscape,
    config: EngineConfig,
    quiet: i64,
) -> (Engine, DeviceUpdate) {
    let clock = ManualClock::new(t0());
    hang_then_crash(l, &clock, config.clone()).await;
    clock.advance(chrono::Duration::minutes(quiet));
    let engine = restart(l, &clock, config).await;
    // A few polls of the agent by the resumed engine.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        the_device_update(l).status,
        Deploying,
        "{quiet} minutes in, the limit is not reached yet"
    );
    clock.advance(chrono::Duration::minutes(1));
    settle(&engine, Duration::from_secs(20)).await;
    let du = the_device_update(l);
    (engine, du)
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .unwrap()
        .to_utc()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_deployment_goes_to_error_after_the_stall_limit_across_a_restart() {
    let l = hanging().await;
    let (engine, du) = one_minute_past_the_limit(&l, limits(30, 5), 4).await;
    assert_eq!(du.status, Error);
    assert_eq!(
        (du.attempts, du.resumes),
        (1, 1),
        "a resume is not an attempt"
    );
    let log = l.store.log_of(&du.id).unwrap();
    let stalled = log
        .iter()
        .find(|e| e.code == "DEPLOY_STALLED")
        .unwrap_or_else(|| panic!("a log entry says it stalled: {log:?}"));
    assert_eq!(stalled.source, LogSource::Rollwright);
    assert!(
        stalled.message.contains("5 min") && stalled.message.contains("40 %"),
        "{}",
        stalled.message
    );

    // From error, cancel aborts the hung deployment and rolls the device back.
    engine.cancel_device_update(&admin(), &du.id).await.unwrap();
    settle(&engine, Duration::from_secs(20)).await;
    assert_eq!(the_device_update(&l).status, Cancelled);
    let client = l.client(l.fleet_id(du.device));
    let deployment = client.deployment(du.id.as_str()).await.unwrap();
    assert_eq!(deployment.state, DeploymentState::RolledBack);
    let product = &client.device().await.unwrap().products[PRODUCT];
    assert_eq!(
        (
            product.configured_version.as_deref(),
            product.deployed_version.as_deref()
        ),
        (Some(FROM), Some(FROM))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_times_out_from_its_recorded_start_across_a_restart() {
    let l = hanging().await;
    // The stall limit is out of the way: only the deploy timeout can fire.
    let (_engine, du) = one_minute_past_the_limit(&l, limits(30, 120), 29).await;
    assert_eq!(du.status, Error);
    let log = l.store.log_of(&du.id).unwrap();
    assert!(
        log.iter()
            .any(|e| e.code == "DEPLOY_TIMED_OUT" && e.message.contains("30 min")),
        "{log:?}"
    );
}

/// Updates every device of `l` now on a wall-clock engine, until idle.
async fn roll_out(l: &Landscape) -> Vec<DeviceUpdate> {
    let runner = engine(
        l,
        Arc::new(rollwright::engine::SystemClock),
        Arc::new(Recorder::default()),
    );
    runner.start().await.unwrap();
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    runner.approve(&admin(), update).await.unwrap();
    settle(&runner, Duration::from_secs(60)).await;
    l.store.device_updates_of(update).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempts_count_retried_agent_calls_and_nothing_else() {
    let mut fleet = FleetConfig::new(0);
    fleet.faults.seed = 11;
    fleet.faults.error_rate = 0.3;
    let dus = roll_out(&landscape(40, fleet).await).await;
    assert!(
        dus.iter().all(|du| du.attempts >= 1 && du.resumes == 0),
        "{dus:?}"
    );
    assert!(
        dus.iter().any(|du| du.attempts > 1),
        "with 30 % of calls answered 503, some calls were retried"
    );

    for du in roll_out(&landscape(5, FleetConfig::new(0)).await).await {
        assert_eq!((du.status, du.attempts, du.resumes), (Succeeded, 1, 0));
    }
}
