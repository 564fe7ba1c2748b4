//! Two processes on one database: the desktop app's engine runs while
//! `rollwright-cli` approves or cancels. The running engine takes up what the
//! other wrote without a restart, and a second engine may not start.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rollwright::domain::{DeployOption, DeviceUpdateStatus};
use rollwright::engine::{EngineError, SystemClock};
use rollwright::store::DeviceUpdateChange;
use rollwright_agent::FleetConfig;

use crate::engine_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_made_elsewhere_is_carried_out_by_the_running_engine() {
    let l = landscape(3, FleetConfig::new(0)).await;
    let running = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    running.start().await.unwrap();
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    // As `rollwright-cli update approve` does: an engine that is not started.
    approve_without_running(&l, update, Arc::new(SystemClock)).await;

    eventually(
        "the running engine finished the update approved elsewhere",
        Duration::from_secs(20),
        async || l.finished(update),
    )
    .await;
    for du in l.store.device_updates_of(update).unwrap() {
        assert_eq!(du.status, DeviceUpdateStatus::Succeeded);
        let info = l.client(l.fleet_id(du.device)).device().await.unwrap();
        assert_eq!(info.products[PRODUCT].deployed_version.as_deref(), Some(TO));
    }
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_left_cancelling_elsewhere_is_cleaned_up_by_the_running_engine() {
    let l = landscape(2, FleetConfig::new(0)).await;
    let running = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    running.start().await.unwrap();
    let later = Utc::now() + chrono::Duration::minutes(30);
    let update = l.create_update(&[DeployOption::At(later)], Utc::now());
    running.approve(&admin(), update).await.unwrap();
    let device = l.devices[0].0;
    let client = l.client(l.fleet_id(device));
    eventually(
        "the device is told its target early",
        Duration::from_secs(20),
        async || {
            client.device().await.unwrap().products[PRODUCT]
                .configured_version
                .as_deref()
                == Some(TO)
        },
    )
    .await;
    // A CLI cancel stopped right after recording its intent.
    let du = l
        .store
        .device_updates_of(update)
        .unwrap()
        .into_iter()
        .find(|du| du.device == device)
        .unwrap();
    l.store
        .apply(&[DeviceUpdateChange::Transition {
            id: du.id.clone(),
            to: DeviceUpdateStatus::Cancelling,
            at: Utc::now(),
        }])
        .unwrap();

    eventually(
        "the running engine cleaned up the cancel",
        Duration::from_secs(20),
        async || {
            l.store.device_update(&du.id).unwrap().unwrap().status == DeviceUpdateStatus::Cancelled
        },
    )
    .await;
    let info = client.device().await.unwrap();
    assert_eq!(
        info.products[PRODUCT].configured_version.as_deref(),
        Some(FROM),
        "configured back to its previous version"
    );
    running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_engine_on_the_database_is_refused_until_the_first_stops() {
    let l = landscape(1, FleetConfig::new(0)).await;
    let first = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    first.start().await.unwrap();
    let second = engine(&l, Arc::new(SystemClock), Arc::new(Recorder::default()));
    match second.start().await {
        Err(EngineError::Busy(busy)) => assert!(
            busy.holder
                .starts_with(&format!("process {} (", std::process::id())),
            "names the holder: {}",
            busy.holder
        ),
        other => panic!("a second engine must be refused, got {other:?}"),
    }
    first.shutdown().await;
    second.start().await.expect("free once the first stopped");
    second.shutdown().await;
}
