//! The update engine against a real fleet simulator over HTTP on loopback,
//! with durable state in a real SQLite file.

mod engine_inventory;
mod engine_outside;
mod engine_products;
mod engine_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Timelike, Utc};
use engine_support::*;
use rollwright::domain::{DeployOption, DeviceUpdateStatus, LogSource, UpdateStatus};
use rollwright::engine::{
    Engine, EngineConfig, EngineError, ManualClock, Notification, SystemClock,
};
use rollwright::store::{ChangeOutcome, DeviceSelection, DeviceUpdateChange};
use rollwright_agent::FleetConfig;

use DeviceUpdateStatus::*;

fn statuses(
    l: &Landscape,
    update: rollwright::domain::UpdateId,
) -> BTreeMap<DeviceUpdateStatus, usize> {
    let mut counts = BTreeMap::new();
    for du in l.store.device_updates_of(update).unwrap() {
        *counts.entry(du.status).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollout_to_1000_devices_ends_with_all_succeeded() {
    let l = landscape(1000, FleetConfig::new(0)).await;
    let recorder = Arc::new(Recorder::default());
    let engine = engine(&l, Arc::new(SystemClock), recorder.clone());
    engine.start().await.unwrap();
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(120)).await;

    assert_eq!(statuses(&l, update), BTreeMap::from([(Succeeded, 1000)]));
    let u = l.store.update(update).unwrap().unwrap();
    let actual_end = u.actual_end.expect("the actual end replaces the estimate");
    assert!(
        actual_end < u.window_to,
        "finished well before the estimated end"
    );
    // The store's picture of the fleet follows.
    let device = l.store.device(l.devices[0].0).unwrap().unwrap();
    assert_eq!(
        device
            .versions(&rollwright::domain::ProductName::parse("product", PRODUCT).unwrap())
            .deployed
            .unwrap()
            .to_string(),
        TO
    );
    // And the devices really run it.
    let info = l.client(&l.devices[999].1).device().await.unwrap();
    assert_eq!(info.products[PRODUCT].deployed_version.as_deref(), Some(TO));
    let finished: Vec<_> = recorder
        .all()
        .into_iter()
        .filter(|n| matches!(n, Notification::UpdateFinished { .. }))
        .collect();
    assert_eq!(finished.len(), 1);
    assert!(matches!(
        finished[0],
        Notification::UpdateFinished {
            succeeded: 1000,
            failed: 0,
            cancelled: 0,
            ..
        }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_time_deploys_when_the_clock_reaches_it_and_not_before() {
    let l = landscape(3, FleetConfig::new(0)).await;
    // Whole seconds: the store keeps milliseconds.
    let t0 = Utc::now().with_nanosecond(0).unwrap();
    let clock = ManualClock::new(t0);
    let engine = engine(&l, Arc::new(clock.clone()), Arc::new(Recorder::default()));
    engine.start().await.unwrap();
    let at = t0 + chrono::Duration::minutes(30);
    let update = l.create_update(&[DeployOption::At(at)], t0);
    engine.approve(&admin(), update).await.unwrap();

    eventually(
        "all three wait for their time",
        Duration::from_secs(20),
        async || engine.waiting() == 3,
    )
    .await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Scheduled, 3)]));
    // Configured early, not deployed.
    let info = l.client(&l.devices[0].1).device().await.unwrap();
    assert_eq!(
        info.products[PRODUCT].configured_version.as_deref(),
        Some(TO)
    );
    assert_eq!(
        info.products[PRODUCT].deployed_version.as_deref(),
        Some(FROM)
    );

    clock.advance(chrono::Duration::minutes(29));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Scheduled, 3)]));

    clock.advance(chrono::Duration::minutes(1));
    settle(&engine, Duration::from_secs(30)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Succeeded, 3)]));
    for du in l.store.device_updates_of(update).unwrap() {
        assert_eq!(du.actual_start, Some(at), "started at t by the test clock");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_only_devices_end_configured_and_are_not_deployed() {
    let l = landscape(4, FleetConfig::new(0)).await;
    let engine = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    engine.start().await.unwrap();
    let update = l.create_update(&[DeployOption::ConfigOnly], Utc::now());
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;

    assert_eq!(statuses(&l, update), BTreeMap::from([(Configured, 4)]));
    for (_, fleet_id) in &l.devices {
        let client = l.client(fleet_id);
        let info = client.device().await.unwrap();
        assert_eq!(
            info.products[PRODUCT].configured_version.as_deref(),
            Some(TO)
        );
        assert_eq!(
            info.products[PRODUCT].deployed_version.as_deref(),
            Some(FROM)
        );
        assert!(client.installs().await.unwrap().installs.is_empty());
    }
    let summary = l.store.recent_updates(1).unwrap().pop().unwrap().1;
    assert_eq!(summary.status, UpdateStatus::Succeeded);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_update_mixes_now_config_only_and_at() {
    let l = landscape(9, FleetConfig::new(0)).await;
    let t0 = Utc::now();
    let clock = ManualClock::new(t0);
    let engine = engine(&l, Arc::new(clock.clone()), Arc::new(Recorder::default()));
    engine.start().await.unwrap();
    let at = t0 + chrono::Duration::minutes(10);
    let update = l.create_update(
        &[
            DeployOption::Now,
            DeployOption::ConfigOnly,
            DeployOption::At(at),
        ],
        t0,
    );
    engine.approve(&admin(), update).await.unwrap();
    eventually(
        "the `at` devices wait",
        Duration::from_secs(20),
        async || engine.waiting() == 3,
    )
    .await;
    tokio::time::timeout(Duration::from_secs(30), async {
        while statuses(&l, update).get(&Succeeded) != Some(&3) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the `now` devices finish");
    assert_eq!(
        statuses(&l, update),
        BTreeMap::from([(Scheduled, 3), (Configured, 3), (Succeeded, 3)])
    );
    assert!(!l.finished(update), "not finished yet");

    clock.advance(chrono::Duration::minutes(10));
    settle(&engine, Duration::from_secs(30)).await;
    assert_eq!(
        statuses(&l, update),
        BTreeMap::from([(Configured, 3), (Succeeded, 6)])
    );
    assert!(l.finished(update));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_of_scheduled_update_revokes_configuration() {
    let l = landscape(2, FleetConfig::new(0)).await;
    let t0 = Utc::now();
    let engine = engine(
        &l,
        Arc::new(ManualClock::new(t0)),
        Arc::new(Recorder::default()),
    );
    engine.start().await.unwrap();
    let update = l.create_update(&[DeployOption::At(t0 + chrono::Duration::hours(1))], t0);
    engine.approve(&admin(), update).await.unwrap();
    eventually("configured early", Duration::from_secs(20), async || {
        engine.waiting() == 2
    })
    .await;
    let before = l.client(&l.devices[0].1).device().await.unwrap();
    assert_eq!(
        before.products[PRODUCT].configured_version.as_deref(),
        Some(TO)
    );

    assert_eq!(engine.cancel_update(&admin(), update).await.unwrap(), 2);
    tokio::time::timeout(Duration::from_secs(30), async {
        while statuses(&l, update).get(&Cancelled) != Some(&2) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("both cancelled");
    for (_, fleet_id) in &l.devices {
        let info = l.client(fleet_id).device().await.unwrap();
        assert_eq!(
            info.products[PRODUCT].configured_version.as_deref(),
            Some(FROM),
            "configured back"
        );
        assert_eq!(
            info.products[PRODUCT].deployed_version.as_deref(),
            Some(FROM)
        );
    }
    let again = engine.cancel_update(&admin(), update).await.unwrap_err();
    assert!(again.to_string().contains("nothing to cancel"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_after_error_rolls_back_on_the_agent() {
    let mut fleet = FleetConfig::new(0);
    fleet.faults.fail_rate = 1.0;
    let l = landscape(3, fleet).await;
    let recorder = Arc::new(Recorder::default());
    // The three deployments fail together; a window of seconds holds them
    // even on a loaded machine.
    let config = EngineConfig {
        failure_group_window: Duration::from_secs(3),
        ..config()
    };
    let engine = Engine::new(
        l.store.clone(),
        Arc::new(SystemClock),
        recorder.clone(),
        config,
    )
    .unwrap();
    engine.start().await.unwrap();
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Error, 3)]));

    let du = l.store.device_updates_of(update).unwrap().remove(0);
    let log = l.store.log_of(&du.id).unwrap();
    assert!(
        log.iter().any(|e| e.source == LogSource::Agent),
        "the agent's log is copied: {log:?}"
    );
    assert!(
        log.iter()
            .any(|e| e.source == LogSource::Rollwright && e.code == "DEPLOY_FAILED"),
        "{log:?}"
    );

    engine.cancel_device_update(&admin(), &du.id).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;
    let du = l.store.device_update(&du.id).unwrap().unwrap();
    assert_eq!(du.status, Cancelled);
    let fleet_id = l.fleet_id(du.device);
    let info = l.client(fleet_id).device().await.unwrap();
    assert_eq!(
        info.products[PRODUCT].deployed_version.as_deref(),
        Some(FROM),
        "rolled back"
    );
    assert_eq!(
        info.products[PRODUCT].configured_version.as_deref(),
        Some(FROM),
        "configuration revoked"
    );
    // The grouped notification comes when its window closes.
    let failed = |r: &Recorder| -> Vec<Notification> {
        r.all()
            .into_iter()
            .filter(|n| matches!(n, Notification::DevicesFailed { .. }))
            .collect()
    };
    for _ in 0..200 {
        if !failed(&recorder).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let failed = failed(&recorder);
    assert!(
        matches!(
            failed.as_slice(),
            [Notification::DevicesFailed { count: 3, .. }]
        ),
        "three failures in a burst make one notification: {failed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_faults_injected_every_device_update_ends_terminal() {
    let mut fleet = FleetConfig::new(0);
    fleet.faults.seed = 7;
    fleet.faults.fail_rate = 0.2;
    fleet.faults.hang_rate = 0.1;
    fleet.faults.error_rate = 0.2;
    fleet.faults.install_ms = (0, 50);
    let l = landscape(200, fleet).await;
    let engine = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    engine.start().await.unwrap();
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(60)).await;

    let counts = statuses(&l, update);
    let terminal: usize = counts
        .iter()
        .filter(|(s, _)| matches!(s, Succeeded | Error))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(terminal, 200, "{counts:?}");
    assert!(
        counts.get(&Succeeded).copied().unwrap_or(0) > 100,
        "{counts:?}"
    );
    assert!(counts.get(&Error).copied().unwrap_or(0) > 10, "{counts:?}");
    assert!(l.finished(update));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_starts_a_deployment_the_agent_never_received() {
    let l = landscape(1, FleetConfig::new(0)).await;
    let now = Utc::now();
    let update = l.create_update(&[DeployOption::Now], now);
    approve_without_running(&l, update, Arc::new(SystemClock)).await;
    let du = l.store.device_updates_of(update).unwrap().remove(0);
    // A run that configured the device, recorded `deploying`, and died
    // before its POST reached the agent.
    let target = &du.targets[0];
    let manifest = l
        .store
        .manifest(&target.product, &target.version)
        .unwrap()
        .unwrap();
    let client = l.client(&l.devices[0].1);
    client
        .put_config(PRODUCT, &rollwright::engine::config_request(&manifest))
        .await
        .unwrap();
    for to in [Configuring, Configured, Deploying] {
        left_by_a_stopped_run(&l, &du, to, now);
    }

    let engine = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    assert_eq!(engine.start().await.unwrap(), 1);
    settle(&engine, Duration::from_secs(30)).await;
    assert_eq!(
        l.store.device_update(&du.id).unwrap().unwrap().status,
        Succeeded
    );
    let installs = client.installs().await.unwrap().installs;
    assert_eq!(installs.get(du.id.as_str()).copied(), Some(1));
}

/// Moves a device update as a run stopped midway would have left it.
fn left_by_a_stopped_run(
    l: &Landscape,
    du: &rollwright::domain::DeviceUpdate,
    to: DeviceUpdateStatus,
    at: chrono::DateTime<Utc>,
) {
    let change = DeviceUpdateChange::Transition {
        id: du.id.clone(),
        to,
        at,
    };
    assert_eq!(
        l.store.apply_each([&change]).unwrap(),
        [ChangeOutcome::Applied]
    );
}

// Found by tests/engine_model.rs: configuring an `at(t)` device update only
// starts at its time, so one resumed mid-configuration must deploy next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_at_time_device_update_resumed_while_configuring_deploys_once_configured() {
    let l = landscape(1, FleetConfig::new(0)).await;
    let t0 = Utc::now();
    let at = t0 + chrono::Duration::minutes(10);
    let clock = ManualClock::new(t0);
    let update = l.create_update(&[DeployOption::At(at)], t0);
    approve_without_running(&l, update, Arc::new(clock.clone())).await;
    let du = l.store.device_updates_of(update).unwrap().remove(0);
    clock.advance(chrono::Duration::minutes(10));
    left_by_a_stopped_run(&l, &du, Configuring, at);

    let engine = engine(&l, Arc::new(clock), Arc::new(Recorder::default()));
    assert_eq!(engine.start().await.unwrap(), 1);
    settle(&engine, Duration::from_secs(20)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Succeeded, 1)]));
}

// Found by tests/engine_model.rs: an admin may cancel before approving, and
// a cleanup a stopped run left under way is finished at the next start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_before_approval_left_under_way_is_finished_at_start() {
    let l = landscape(1, FleetConfig::new(0)).await;
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    let du = l.store.device_updates_of(update).unwrap().remove(0);
    left_by_a_stopped_run(&l, &du, Cancelling, Utc::now());

    let engine = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    assert_eq!(engine.start().await.unwrap(), 1);
    settle(&engine, Duration::from_secs(20)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Cancelled, 1)]));
    let info = l.client(l.fleet_id(du.device)).device().await.unwrap();
    assert_eq!(
        info.products[PRODUCT].configured_version.as_deref(),
        Some(FROM)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_is_not_started_records_an_approval_and_runs_nothing() {
    let l = landscape(2, FleetConfig::new(0)).await;
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    approve_without_running(&l, update, Arc::new(SystemClock)).await;
    let approved = l.store.update(update).unwrap().unwrap();
    assert_eq!(approved.approved_by.as_deref(), Some("admin"));
    assert_eq!(statuses(&l, update), BTreeMap::from([(Scheduled, 2)]));

    let engine = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    assert_eq!(engine.start().await.unwrap(), 2);
    settle(&engine, Duration::from_secs(20)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Succeeded, 2)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_leaves_work_at_a_durable_point_that_the_next_start_finishes() {
    let mut fleet = FleetConfig::new(0);
    // Installs outlast the shutdown, so it lands while deployments run.
    fleet.faults.install_ms = (1500, 1500);
    let l = landscape(4, fleet).await;
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    let first = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    first.start().await.unwrap();
    first.approve(&admin(), update).await.unwrap();
    eventually(
        "every device deploys",
        Duration::from_secs(10),
        async || statuses(&l, update) == BTreeMap::from([(Deploying, 4)]),
    )
    .await;

    tokio::time::timeout(Duration::from_secs(5), first.shutdown())
        .await
        .expect("shutdown does not wait for deployments to end");
    assert_eq!(first.running(), 0);
    let refused = first.approve(&admin(), update).await.unwrap_err();
    assert!(matches!(refused, EngineError::ShuttingDown), "{refused}");
    // The installs end on the agents meanwhile; the stopped engine records
    // nothing of it, and nothing of the shutdown counts as a failure.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Deploying, 4)]));

    let second = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    assert_eq!(second.start().await.unwrap(), 4);
    settle(&second, Duration::from_secs(20)).await;
    assert_eq!(statuses(&l, update), BTreeMap::from([(Succeeded, 4)]));
    for du in l.store.device_updates_of(update).unwrap() {
        let installs = l.client(l.fleet_id(du.device)).installs().await.unwrap();
        assert_eq!(
            installs.installs.get(du.id.as_str()).copied(),
            Some(1),
            "the deployment was followed again, not repeated"
        );
        assert_eq!((du.attempts, du.resumes), (1, 1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_may_not_approve_or_cancel_and_every_attempt_is_on_record() {
    use rollwright::domain::{Action, Actor, AuditOutcome, ErrorCode};
    use rollwright::store::{AuditFilter, MAX_AUDIT_PAGE};

    let l = landscape(2, FleetConfig::new(0)).await;
    let t0 = Utc::now();
    let engine = engine(
        &l,
        Arc::new(ManualClock::new(t0)),
        Arc::new(Recorder::default()),
    );
    engine.start().await.unwrap();
    let update = l.create_update(&[DeployOption::At(t0 + chrono::Duration::hours(1))], t0);
    let du = l.store.device_updates_of(update).unwrap().remove(0);
    let vic = Actor::new("vic").unwrap();

    let refusals = [
        engine.approve(&vic, update).await.unwrap_err(),
        engine.cancel_update(&vic, update).await.unwrap_err(),
        engine.cancel_device_update(&vic, &du.id).await.unwrap_err(),
    ];
    for e in &refusals {
        assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
        assert!(e.to_string().starts_with("vic is a viewer"), "{e}");
    }
    assert!(l
        .store
        .update(update)
        .unwrap()
        .unwrap()
        .approved_at
        .is_none());
    assert_eq!(statuses(&l, update).get(&Scheduled), Some(&2));

    assert_eq!(engine.cancel_update(&admin(), update).await.unwrap(), 2);
    let again = engine.cancel_update(&admin(), update).await.unwrap_err();
    assert_eq!(again.code(), ErrorCode::Conflict);

    let mut log = l
        .store
        .audit_log(&AuditFilter::default(), MAX_AUDIT_PAGE)
        .unwrap();
    log.reverse();
    let tail: Vec<_> = log[log.len() - 5..]
        .iter()
        .map(|e| (e.record.actor.as_str(), e.record.action, e.record.outcome))
        .collect();
    assert_eq!(
        tail,
        vec![
            ("vic", Action::ApproveUpdate, AuditOutcome::Refused),
            ("vic", Action::CancelUpdate, AuditOutcome::Refused),
            ("vic", Action::CancelDeviceUpdate, AuditOutcome::Refused),
            ("admin", Action::CancelUpdate, AuditOutcome::Done),
            ("admin", Action::CancelUpdate, AuditOutcome::Failed),
        ]
    );
    assert_eq!(
        log[log.len() - 2].record.detail,
        "cancelling 2 device updates"
    );
    assert!(log[log.len() - 1]
        .record
        .detail
        .contains("nothing to cancel"));
    assert_eq!(l.store.verify_audit().unwrap().broken, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_agent_is_reached_only_through_its_pinned_certificate() {
    use rollwright::domain::Fingerprint;

    let tls = tempfile::tempdir().unwrap();
    let l = landscape_over(1, FleetConfig::new(0), Some(tls.path())).await;
    let (id, name) = (l.devices[0].0, l.devices[0].1.clone());
    let real = l
        .store
        .device(id)
        .unwrap()
        .unwrap()
        .tls_fingerprint
        .unwrap();
    // As if the agent's certificate had changed since it was pinned.
    let other = Fingerprint::of_der(b"another certificate");
    l.store.trust_certificate(&admin(), &name, &other).unwrap();

    let engine = engine(
        &l,
        Arc::new(rollwright::engine::SystemClock),
        Arc::new(Recorder::default()),
    );
    engine.start().await.unwrap();
    // The inventory sync reads over a connection of its own: the same pin
    // holds there, and the device is marked, not dropped.
    let sync = engine
        .sync_inventory(DeviceSelection::Ids(vec![id]))
        .await
        .unwrap();
    assert_eq!((sync.devices, sync.unreachable), (1, 1), "{sync:?}");
    let why = &sync.failures[0].error;
    assert!(
        why.contains(&other.to_string()) && why.contains(&real.to_string()),
        "{why}"
    );
    assert!(l.store.device(id).unwrap().is_some());
    let refused = l.create_update(&[DeployOption::Now], Utc::now());
    engine.approve(&admin(), refused).await.unwrap();
    eventually(
        "refused at the handshake",
        Duration::from_secs(20),
        async || statuses(&l, refused).get(&Error) == Some(&1),
    )
    .await;
    let du = l.store.device_updates_of(refused).unwrap().remove(0);
    assert_eq!(du.attempts, 1, "a changed certificate is not retried");
    let log: Vec<String> = l
        .store
        .log_of(&du.id)
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    let said = log.join("\n");
    assert!(said.contains(&other.to_string()), "{said}");
    assert!(said.contains(&real.to_string()), "{said}");
    assert!(!said.contains(TOKEN), "{said}");

    // The admin compares and trusts the agent's certificate: the same engine
    // reads the new pin, cleans up the failed update and deploys the next.
    engine
        .trust_certificate(&admin(), &name, &real)
        .await
        .unwrap();
    let sync = engine
        .sync_inventory(DeviceSelection::Ids(vec![id]))
        .await
        .unwrap();
    assert_eq!((sync.reached, sync.unreachable), (1, 0), "{sync:?}");
    engine.cancel_update(&admin(), refused).await.unwrap();
    eventually("cleaned up", Duration::from_secs(20), async || {
        statuses(&l, refused).get(&Cancelled) == Some(&1)
    })
    .await;
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    engine.approve(&admin(), update).await.unwrap();
    eventually("deployed over TLS", Duration::from_secs(30), async || {
        statuses(&l, update).get(&Succeeded) == Some(&1)
    })
    .await;
}
