//! Updates that carry several products against a fleet simulator: each
//! device takes the targets of the products it has, every configuration is
//! set before any deployment starts, each product deploys under its own id,
//! and a cancel cleans up every product.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rollwright::domain::{DeployOption, DeviceUpdateStatus, NewTarget, NewUpdate, UpdateId};
use rollwright::engine::{Engine, ManualClock, SystemClock};
use rollwright::store::DeviceSelection;
use rollwright_agent::fleet::FleetSpec;
use rollwright_agent::FleetConfig;

use crate::engine_support::*;

const GATEWAY: &str = "edge-gateway";
const GATEWAY_FROM: &str = "1.1.0";
const GATEWAY_TO: &str = "1.2.0";

/// dev-00000 and dev-00002 run acme-erp and edge-gateway; dev-00001 runs
/// acme-erp only. The store learns it from the agents (inventory sync).
async fn two_product_landscape(
    fleet: FleetConfig,
    engine_of: impl Fn(&Landscape) -> Engine,
) -> (Landscape, Engine) {
    let mut fleet = fleet;
    fleet.spec = Some(
        FleetSpec::parse(&format!(
            r#"{{"devices": [
                {{"labels": {{"site": "test"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}},
                  "{GATEWAY}": {{"version": "{GATEWAY_FROM}"}}}}}},
                {{"labels": {{"site": "test"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}}}}}}
            ]}}"#
        ))
        .unwrap(),
    );
    let l = landscape(3, fleet).await;
    for v in [GATEWAY_FROM, GATEWAY_TO] {
        import_manifest(&l.store, &format!("{GATEWAY}-{v}.toml"));
    }
    let engine = engine_of(&l);
    let report = engine.sync_inventory(DeviceSelection::All).await.unwrap();
    assert_eq!(report.reached, 3, "{report:?}");
    (l, engine)
}

fn create(l: &Landscape, option: DeployOption) -> UpdateId {
    let now = Utc::now();
    let (update, dus) = l
        .store
        .create_update(
            &admin(),
            NewUpdate {
                targets: vec![
                    NewTarget::new(PRODUCT, TO),
                    NewTarget::new(GATEWAY, GATEWAY_TO),
                ],
                title: "ERP and gateways".into(),
                window_from: now,
                window_to: now + chrono::Duration::hours(2),
                devices: l.devices.iter().map(|(id, _)| (*id, option)).collect(),
            },
            now,
        )
        .unwrap();
    let products: Vec<Vec<&str>> = dus
        .iter()
        .map(|du| du.targets.iter().map(|t| t.product.as_str()).collect())
        .collect();
    assert_eq!(
        products,
        [
            vec![PRODUCT, GATEWAY],
            vec![PRODUCT],
            vec![PRODUCT, GATEWAY]
        ],
        "each device takes the products it has"
    );
    update.id
}

/// `(configured, deployed)` per product, as the agent reports it.
async fn agent_versions(l: &Landscape, fleet_id: &str) -> BTreeMap<String, (String, String)> {
    let info = l.client(fleet_id).device().await.unwrap();
    info.products
        .into_iter()
        .map(|(p, v)| {
            let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
            (p, (show(v.configured_version), show(v.deployed_version)))
        })
        .collect()
}

fn pair(configured: &str, deployed: &str) -> (String, String) {
    (configured.to_owned(), deployed.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_device_gets_every_product_it_has_and_succeeds_when_all_are_deployed() {
    let (l, engine) = two_product_landscape(FleetConfig::new(0), |l| {
        engine(l, Arc::new(SystemClock), Arc::new(Recorder::default()))
    })
    .await;
    engine.start().await.unwrap();
    let update = create(&l, DeployOption::Now);
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;

    let dus = l.store.device_updates_of(update).unwrap();
    assert!(dus
        .iter()
        .all(|du| du.status == DeviceUpdateStatus::Succeeded && du.progress == 100));
    assert!(l.finished(update));
    for du in &dus {
        let fleet_id = l.fleet_id(du.device);
        let versions = agent_versions(&l, fleet_id).await;
        assert_eq!(versions[PRODUCT], pair(TO, TO), "{fleet_id}");
        if du.targets.len() == 2 {
            assert_eq!(
                versions[GATEWAY],
                pair(GATEWAY_TO, GATEWAY_TO),
                "{fleet_id}"
            );
            // The second product's deployment has its own id, the first keeps
            // the device update's.
            let client = l.client(fleet_id);
            let first = client.deployment(du.id.as_str()).await.unwrap();
            assert_eq!(first.product, PRODUCT);
            let second = client.deployment(&du.deployment_id(1)).await.unwrap();
            assert_eq!(second.product, GATEWAY);
            assert_eq!(second.id, format!("{}:{GATEWAY}", du.id));
        } else {
            assert!(!versions.contains_key(GATEWAY), "{fleet_id}: {versions:?}");
        }
        // The store's picture follows the agents'.
        let device = l.store.device(du.device).unwrap().unwrap();
        for t in &du.targets {
            let v = device.versions(&t.product);
            assert_eq!(
                v.deployed.as_ref(),
                Some(&t.version),
                "{fleet_id} {}",
                t.product
            );
        }
    }
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_scheduled_update_configures_every_product_back() {
    let t0 = Utc::now();
    let (l, engine) = two_product_landscape(FleetConfig::new(0), |l| {
        engine(
            l,
            Arc::new(ManualClock::new(t0)),
            Arc::new(Recorder::default()),
        )
    })
    .await;
    let both = l.fleet_id(l.devices[0].0).to_owned();
    let before = agent_versions(&l, &both).await;
    engine.start().await.unwrap();
    let update = create(&l, DeployOption::At(t0 + chrono::Duration::hours(1)));
    engine.approve(&admin(), update).await.unwrap();
    eventually("configured early", Duration::from_secs(20), async || {
        let v = agent_versions(&l, &both).await;
        v[PRODUCT].0 == TO && v[GATEWAY].0 == GATEWAY_TO
    })
    .await;

    assert_eq!(engine.cancel_update(&admin(), update).await.unwrap(), 3);
    eventually("all cancelled", Duration::from_secs(30), async || {
        let dus = l.store.device_updates_of(update).unwrap();
        dus.iter()
            .all(|du| du.status == DeviceUpdateStatus::Cancelled)
    })
    .await;
    assert_eq!(agent_versions(&l, &both).await, before, "configured back");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_after_an_error_rolls_back_and_configures_back_every_product() {
    let mut fleet = FleetConfig::new(0);
    fleet.faults.fail_rate = 1.0;
    let (l, engine) = two_product_landscape(fleet, |l| {
        engine(l, Arc::new(SystemClock), Arc::new(Recorder::default()))
    })
    .await;
    let before = agent_versions(&l, l.fleet_id(l.devices[0].0)).await;
    engine.start().await.unwrap();
    let update = create(&l, DeployOption::Now);
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;
    let du = l.store.device_updates_of(update).unwrap().remove(0);
    assert_eq!(du.status, DeviceUpdateStatus::Error);
    let fleet_id = l.fleet_id(du.device).to_owned();
    // Both were configured before the first deployment failed.
    let versions = agent_versions(&l, &fleet_id).await;
    assert_eq!(versions[GATEWAY].0, GATEWAY_TO, "{versions:?}");
    let log = l.store.log_of(&du.id).unwrap();
    assert!(
        log.iter()
            .any(|e| e.message.contains(&format!("deployment of {PRODUCT}"))),
        "the log names the product: {log:?}"
    );

    engine.cancel_device_update(&admin(), &du.id).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;
    let du = l.store.device_update(&du.id).unwrap().unwrap();
    assert_eq!(du.status, DeviceUpdateStatus::Cancelled);
    assert_eq!(
        agent_versions(&l, &fleet_id).await,
        before,
        "rolled back and configured back"
    );
    let device = l.store.device(du.device).unwrap().unwrap();
    for t in &du.targets {
        assert_eq!(device.versions(&t.product), t.previous, "{}", t.product);
    }
    engine.shutdown().await;
}
