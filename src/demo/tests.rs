//! The demo landscape on real SQLite files, and its fleet on loopback.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use chrono::{Duration as Span, TimeZone};

use super::plan::MANIFESTS;
use super::*;
use crate::agent_client::{AgentClient, ClientOptions};
use crate::domain::{
    DeviceUpdateStatus, DowntimeKind, LogLevel, Manifest, ProductName, Scope, UpdateStatus, Version,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, 10, 30, 0).unwrap()
}

fn admin() -> Actor {
    Actor::new("admin").unwrap()
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        &dir.path().join("db.sqlite3"),
        std::sync::Arc::new(crate::secrets::MemoryStore::new()),
    )
    .unwrap();
    (dir, store)
}

fn seeded() -> (tempfile::TempDir, Store, DemoSummary) {
    let (dir, store) = store();
    let summary = seed(&store, &admin(), &DemoFleetInfo::new(7777), now()).unwrap();
    (dir, store, summary)
}

fn client_options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        pool_max_idle_per_host: 4,
    }
}

#[test]
fn seeding_an_empty_database_gives_three_products_and_sixty_devices() {
    let (_dir, store, summary) = seeded();
    let products = store.products().unwrap();
    let names: Vec<_> = products.iter().map(|p| p.product.as_str()).collect();
    assert_eq!(names, ["acme-erp", "edge-gateway", "vision-inspector"]);
    assert!(products.iter().all(|p| p.versions.len() == 4));
    let devices = store.devices().unwrap();
    assert_eq!(devices.len(), 60);
    assert_eq!(summary.devices, 60);
    let sites: BTreeSet<_> = devices.iter().map(|d| d.labels["site"].clone()).collect();
    assert_eq!(sites.len(), 4);
    for d in &devices {
        assert!(
            d.agent_url
                .starts_with("http://127.0.0.1:7777/devices/dev-"),
            "{}",
            d.agent_url
        );
        assert!(!d.products.is_empty(), "{} runs nothing", d.name);
        assert!(d.labels.contains_key("role") && d.labels.contains_key("group"));
    }
    assert_eq!(fleet_info(&store).unwrap().unwrap().port, 7777);
}

#[test]
fn every_product_has_devices_to_update_to_its_newest_version() {
    let (_dir, store, _) = seeded();
    for (p, v) in [
        ("acme-erp", "2.5.0"),
        ("edge-gateway", "1.2.0"),
        ("vision-inspector", "2.0.1"),
    ] {
        let p = ProductName::parse("p", p).unwrap();
        let eligible = store.eligible(&p, &Version::parse(v).unwrap()).unwrap();
        assert!(eligible.len() >= 10, "{p}: only {}", eligible.len());
    }
}

#[test]
fn downtimes_lie_within_the_next_four_weeks_with_every_kind_of_scope() {
    let (_dir, store, summary) = seeded();
    let all = store
        .downtimes_in(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)
        .unwrap();
    assert_eq!(all.len(), summary.downtimes);
    assert!(all.len() >= 6);
    for d in &all {
        assert!(d.to > now(), "{} is over", d.title);
        assert!(d.from < now() + Span::weeks(4), "{} is too late", d.title);
    }
    let kinds: BTreeSet<_> = all.iter().map(|d| d.kind.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["planned", "unplanned", "window", "freeze"])
    );
    // Every site has a weekly window that recurs in its own zone.
    let windows: Vec<_> = all
        .iter()
        .filter(|d| d.kind == DowntimeKind::Window)
        .collect();
    assert_eq!(windows.len(), 4);
    for w in windows {
        assert!(w.recurrence.is_some(), "{}", w.title);
        assert!(w.zone.name().starts_with("Europe/"), "{}", w.title);
        assert!(matches!(&w.scope, Scope::Label { key, .. } if key == "site"));
    }
    assert!(all.iter().any(|d| d.scope == Scope::All));
    assert!(all.iter().any(|d| matches!(d.scope, Scope::Label { .. })));
    assert!(all
        .iter()
        .any(|d| matches!(&d.scope, Scope::Devices { devices } if !devices.is_empty())));
}

#[test]
fn history_holds_finished_updates_that_end_in_final_statuses() {
    let (_dir, store, summary) = seeded();
    let updates = store.recent_updates(10).unwrap();
    assert_eq!(updates.len(), 3);
    assert_eq!(summary.updates, 3);
    let mut seen = BTreeSet::new();
    for (u, s) in &updates {
        assert!(u.approved_at.is_some(), "{} not approved", u.title);
        let end = u.actual_end.expect("finished");
        assert!(end < now());
        assert!(matches!(
            s.status,
            UpdateStatus::Succeeded | UpdateStatus::Failed
        ));
        for du in store.device_updates_of(u.id).unwrap() {
            seen.insert(du.status);
            assert!(du.is_settled(), "{:?}", du.status);
            assert!(du.actual_end.unwrap() <= end);
            match du.status {
                DeviceUpdateStatus::Succeeded | DeviceUpdateStatus::Error => {
                    assert_eq!(du.attempts, 1, "a replayed run is one attempt");
                    let took = du.actual_end.unwrap() - du.actual_start.unwrap();
                    assert!(
                        took >= Span::minutes(3) && took <= Span::minutes(10),
                        "took {took}"
                    );
                }
                DeviceUpdateStatus::Cancelled => {
                    assert_eq!((du.actual_start, du.attempts), (None, 0));
                }
                other => panic!("not a final status: {other}"),
            }
            if du.status == DeviceUpdateStatus::Error {
                let log = store.log_of(&du.id).unwrap();
                assert!(log.iter().any(|e| e.level == LogLevel::Error));
            }
        }
    }
    assert_eq!(
        seen,
        BTreeSet::from([
            DeviceUpdateStatus::Succeeded,
            DeviceUpdateStatus::Error,
            DeviceUpdateStatus::Cancelled
        ])
    );
}

#[test]
fn seeding_twice_is_refused_and_writes_nothing() {
    let (_dir, store, _) = seeded();
    let before = (
        store.devices().unwrap().len(),
        store.recent_updates(100).unwrap().len(),
    );
    let err = seed(&store, &admin(), &DemoFleetInfo::new(1), now()).unwrap_err();
    assert!(
        matches!(err, DemoError::NotEmpty { devices: 60, .. }),
        "{err}"
    );
    let after = (
        store.devices().unwrap().len(),
        store.recent_updates(100).unwrap().len(),
    );
    assert_eq!(before, after);
    assert_eq!(fleet_info(&store).unwrap().unwrap().port, 7777);
}

#[test]
fn a_database_with_only_a_product_is_not_seeded() {
    let (_dir, store) = store();
    store
        .import_manifest(&admin(), &Manifest::parse(MANIFESTS[0]).unwrap(), now())
        .unwrap();
    let err = seed(&store, &admin(), &DemoFleetInfo::new(1), now()).unwrap_err();
    assert!(
        matches!(err, DemoError::NotEmpty { products: 1, .. }),
        "{err}"
    );
    assert!(store.devices().unwrap().is_empty());
    assert!(fleet_info(&store).unwrap().is_none());
}

/// The DB's deployed version per device name and product.
fn deployed_in_db(store: &Store) -> BTreeMap<(String, String), Option<String>> {
    store
        .devices()
        .unwrap()
        .into_iter()
        .flat_map(|d| {
            d.products.into_iter().map(move |(p, v)| {
                (
                    (d.name.clone(), p.to_string()),
                    v.deployed.map(|v| v.to_string()),
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn the_fleet_answers_for_exactly_the_devices_the_database_knows() {
    let (dir, store) = store();
    let ensured = ensure_with(
        &store,
        &admin(),
        &DemoConfig {
            state_dir: dir.path().join("state"),
            port: None,
            seed: true,
        },
        now(),
    )
    .await
    .unwrap()
    .expect("an empty database becomes the demo");
    assert!(ensured.seeded.is_some());
    let fleet = ensured.fleet;

    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let list: serde_json::Value = http
        .get(format!("{}/devices", fleet.url()))
        .bearer_auth(fleet.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fleet_ids: BTreeSet<String> = list["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    let devices = store.devices().unwrap();
    let db_ids: BTreeSet<String> = devices
        .iter()
        .map(|d| d.agent_url.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(fleet_ids, db_ids);

    let token = |d: &crate::domain::Device| store.agent_token(d.id).unwrap();
    let base = AgentClient::new(
        &devices[0].agent_url,
        token(&devices[0]).expose(),
        None,
        &client_options(),
    )
    .unwrap();
    let mut from_agents = BTreeMap::new();
    for d in &devices {
        let info = base
            .for_device(&d.agent_url, token(d).expose(), None)
            .unwrap()
            .device()
            .await
            .unwrap();
        assert_eq!(info.name, d.name);
        assert_eq!(info.labels, d.labels);
        for (p, s) in info.products {
            assert!(
                !s.deployed_modules.is_empty(),
                "{} {p} has no modules",
                d.name
            );
            from_agents.insert((d.name.clone(), p), s.deployed_version);
        }
    }
    assert_eq!(from_agents, deployed_in_db(&store));
    fleet.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_restart_on_a_taken_port_moves_the_fleet_and_the_device_urls() {
    let (dir, store) = store();
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    seed(&store, &admin(), &DemoFleetInfo::new(port), now()).unwrap();

    let fleet = start_fleet(&store, dir.path()).await.unwrap();
    assert_ne!(fleet.port(), port);
    assert_eq!(fleet_info(&store).unwrap().unwrap().port, fleet.port());
    let d = &store.devices().unwrap()[0];
    assert!(
        d.agent_url
            .starts_with(&format!("{}/devices/", fleet.url())),
        "{}",
        d.agent_url
    );
    let token = store.agent_token(d.id).unwrap();
    let client = AgentClient::new(&d.agent_url, token.expose(), None, &client_options()).unwrap();
    assert_eq!(client.device().await.unwrap().name, d.name);
}

#[tokio::test]
async fn an_empty_database_gets_the_demo_only_when_asked() {
    let (dir, store) = store();
    let unasked = ensure(&store, &admin(), dir.path(), false, now())
        .await
        .unwrap();
    assert!(unasked.is_none());
    assert!(store.recent_updates(100).unwrap().is_empty());
    let asked = ensure(&store, &admin(), dir.path(), true, now())
        .await
        .unwrap()
        .expect("seeded when asked");
    asked.shutdown().await.unwrap();
    let restarted = ensure(&store, &admin(), dir.path(), false, now())
        .await
        .unwrap()
        .expect("a demo database gets its fleet without asking");
    restarted.shutdown().await.unwrap();
}

#[tokio::test]
async fn ensure_leaves_a_real_landscape_alone_and_does_not_reseed_the_demo() {
    let (dir, store) = store();
    store
        .import_manifest(&admin(), &Manifest::parse(MANIFESTS[0]).unwrap(), now())
        .unwrap();
    assert!(ensure(&store, &admin(), dir.path(), true, now())
        .await
        .unwrap()
        .is_none());

    let (dir, store) = super::tests::store();
    let config = DemoConfig {
        state_dir: dir.path().to_path_buf(),
        port: None,
        seed: true,
    };
    let first = ensure_with(&store, &admin(), &config, now())
        .await
        .unwrap()
        .unwrap();
    assert!(first.seeded.is_some());
    let port = first.fleet.port();
    first.fleet.shutdown().await.unwrap();
    let again = ensure_with(&store, &admin(), &config, now())
        .await
        .unwrap()
        .unwrap();
    assert!(again.seeded.is_none(), "seeded twice");
    assert_eq!(store.recent_updates(100).unwrap().len(), 3);
    // The old listener is gone, so the same port comes back.
    assert_eq!(again.fleet.port(), port);
}
