//! Inventory sync against a fleet simulator whose devices differ from what
//! the database was told: drift is found, an unreachable device is marked
//! and kept, a device answering as another is flagged and not overwritten.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rollwright::domain::{
    DeployOption, Lower, NewDevice, ProductName, RawDeviceQuery, Reachability, Version,
};
use rollwright::engine::{Engine, Silent, SystemClock};
use rollwright::store::DeviceSelection;
use rollwright_agent::fleet::FleetSpec;
use rollwright_agent::FleetConfig;

use crate::engine_support::*;

/// dev-00000 was updated by hand to TO; dev-00001 is as recorded;
/// dev-00002 runs a second product; dev-00003 is as recorded.
fn drifted_fleet() -> FleetConfig {
    let mut fleet = FleetConfig::new(0);
    fleet.spec = Some(
        FleetSpec::parse(&format!(
            r#"{{"devices": [
                {{"labels": {{"site": "berlin", "rack": "r1"}},
                  "products": {{"{PRODUCT}": {{"version": "{TO}", "modules": [{{"name": "erp-core", "version": "{TO}"}}]}}}}}},
                {{"labels": {{"site": "berlin"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}}}}}},
                {{"labels": {{"site": "lyon"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}},
                  "vision-inspector": {{"version": "2.0.0"}}}}}},
                {{"labels": {{"site": "lyon"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}}}}}}
            ]}}"#
        ))
        .unwrap(),
    );
    fleet
}

fn product() -> ProductName {
    ProductName::parse("product", PRODUCT).unwrap()
}

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn engine(l: &Landscape) -> Engine {
    Engine::new(
        l.store.clone(),
        Arc::new(SystemClock),
        Arc::new(Silent),
        config(),
    )
    .unwrap()
}

fn add(l: &Landscape, name: &str, url: &str, token: &str) -> rollwright::domain::DeviceId {
    let d = NewDevice {
        name: name.into(),
        agent_url: url.into(),
        agent_token: token.into(),
        tls_fingerprint: None,
        labels: vec![],
        products: [(PRODUCT.to_string(), (Some(FROM.into()), Some(FROM.into())))].into(),
    };
    l.store
        .add_device(&admin(), &d.validate().unwrap())
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_finds_drift_marks_the_unreachable_and_flags_another_identity() {
    let l = landscape(4, drifted_fleet()).await;
    // Nothing listens on port 1 of loopback: refused at once.
    let gone = add(&l, "gone-01", "http://127.0.0.1:1/devices/gone", TOKEN);
    let wrong_token = add(
        &l,
        "wrong-token",
        &format!("{}/devices/dev-00001", l.root),
        "not-the-token",
    );
    let not_agent = add(
        &l,
        "not-an-agent",
        &format!("{}/nothing/here", l.root),
        TOKEN,
    );
    let engine = engine(&l);

    let report = engine.sync_inventory(DeviceSelection::All).await.unwrap();
    assert_eq!(
        (
            report.devices,
            report.reached,
            report.unreachable,
            report.mismatched
        ),
        (7, 4, 3, 0),
        "{report:?}"
    );
    // Every reached device differs from what was typed: the fleet's boxes
    // carry no configuration and labels of their own.
    assert_eq!(report.changed, 4, "{report:?}");
    let told = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let again = {
        let told = told.clone();
        engine
            .sync_inventory_reporting(DeviceSelection::All, move |p| {
                told.lock().unwrap().push((p.written, p.devices));
            })
            .await
            .unwrap()
    };
    assert_eq!(
        (again.reached, again.changed),
        (4, 0),
        "nothing new: {again:?}"
    );
    let told = told.lock().unwrap().clone();
    assert_eq!(
        told.first(),
        Some(&(0, 7)),
        "progress starts at none: {told:?}"
    );
    assert_eq!(told.last(), Some(&(7, 7)), "and ends at all: {told:?}");
    assert!(told.windows(2).all(|w| w[0].0 <= w[1].0), "{told:?}");

    let hand_updated = l.store.device(l.devices[0].0).unwrap().unwrap();
    let pv = hand_updated.versions(&product());
    assert_eq!(
        pv.deployed,
        Some(v(TO)),
        "the agent's truth replaced the typed version"
    );
    assert_eq!(
        pv.configured, None,
        "nothing configured it: no configuration on the box"
    );
    assert_eq!(hand_updated.reach.state(), Reachability::Reachable);
    assert_eq!(hand_updated.reach.agent_id.as_deref(), Some("dev-00000"));
    assert!(hand_updated.reach.latency_ms.is_some());
    // The admin's label wins over the agent's; the agent's others are added.
    assert_eq!(hand_updated.labels["site"], "test");
    assert_eq!(hand_updated.labels["rack"], "r1");
    let modules = l.store.device_modules(hand_updated.id).unwrap();
    assert_eq!(modules[&product()][0].name, "erp-core");

    // Eligibility uses the synced versions: the hand-updated device already
    // runs TO, so only its configuration is behind; the others run FROM.
    let lower: std::collections::BTreeMap<_, _> = l
        .store
        .eligible(&product(), &v(TO))
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.lower))
        .collect();
    assert_eq!(lower["dev-00000"], Lower::Configured, "{lower:?}");
    assert_eq!(lower["dev-00001"], Lower::Both, "{lower:?}");

    // The unreachable are marked, kept, and say why in an admin's words.
    for (id, why) in [
        (gone, "unreachable"),
        (wrong_token, "refused the token"),
        (not_agent, "does not answer as a Rollwright agent"),
    ] {
        let d = l.store.device(id).unwrap().expect("never dropped");
        assert_eq!(d.reach.state(), Reachability::Unreachable, "{}", d.name);
        let error = d.reach.last_error.clone().unwrap();
        assert!(error.contains(why), "{}: {error}", d.name);
        assert_eq!(d.reach.last_seen, None);
        assert_eq!(
            d.versions(&product()).deployed,
            Some(v(FROM)),
            "kept as recorded"
        );
    }
    let page = |raw: RawDeviceQuery| l.store.device_page(&raw.validate().unwrap()).unwrap();
    let unreachable = page(RawDeviceQuery {
        reach: Some("unreachable".into()),
        ..RawDeviceQuery::default()
    });
    assert_eq!(unreachable.total, 3);
    let second_product = page(RawDeviceQuery {
        product: Some("vision-inspector".into()),
        version: Some("2.0.0".into()),
        ..RawDeviceQuery::default()
    });
    assert_eq!(second_product.devices[0].name, "dev-00002");
    let racked = page(RawDeviceQuery {
        labels: vec!["rack=r1".into()],
        ..RawDeviceQuery::default()
    });
    assert_eq!(racked.total, 1);

    // dev-00001's address now answers as dev-00003: a replaced box.
    let old = format!("{}/devices/dev-00001", l.root);
    let new = format!("{}/devices/dev-00003", l.root);
    l.store.rebase_agent_urls(&old, &new).unwrap();
    let engine = engine_again(engine, &l).await;
    let report = engine
        .sync_inventory(DeviceSelection::Ids(vec![l.devices[1].0]))
        .await
        .unwrap();
    assert_eq!((report.devices, report.mismatched), (1, 1), "{report:?}");
    let replaced = l.store.device(l.devices[1].0).unwrap().unwrap();
    assert_eq!(replaced.reach.state(), Reachability::IdentityMismatch);
    assert_eq!(replaced.reach.reported_id.as_deref(), Some("dev-00003"));
    assert_eq!(
        replaced.reach.agent_id.as_deref(),
        Some("dev-00001"),
        "not overwritten"
    );
    assert!(report.failures[0].error.contains("dev-00003"), "{report:?}");
    engine.shutdown().await;
}

/// A fresh engine, so clients are built again from the rebased URLs.
async fn engine_again(old: Engine, l: &Landscape) -> Engine {
    old.shutdown().await;
    engine(l)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_is_read_again_right_after_its_deployment_ends() {
    let l = landscape(2, FleetConfig::new(0)).await;
    let engine = engine(&l);
    engine.start().await.unwrap();
    let mut events = engine.subscribe();
    let update = l.create_update(&[DeployOption::Now], Utc::now());
    engine.approve(&admin(), update).await.unwrap();
    settle(&engine, Duration::from_secs(30)).await;

    for (id, _) in &l.devices {
        let d = l.store.device(*id).unwrap().unwrap();
        assert!(
            d.reach.last_seen.is_some(),
            "{} was read after its deployment",
            d.name
        );
        let modules = l.store.device_modules(*id).unwrap();
        // erp-web 4.0.0 is a module of TO's manifest, not of FROM's.
        assert!(
            modules[&product()]
                .iter()
                .any(|m| m.name == "erp-web" && m.version == "4.0.0"),
            "the modules of {TO}: {modules:?}"
        );
    }
    let mut synced = false;
    while let Ok(e) = events.try_recv() {
        synced |= matches!(e, rollwright::engine::EngineEvent::InventorySynced { reached, .. } if reached > 0);
    }
    assert!(synced, "an InventorySynced event tells the screens");
    engine.shutdown().await;
}
