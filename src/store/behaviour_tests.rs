//! Store behaviour on a real temporary SQLite file: what goes in comes back
//! as domain types, bad input writes nothing, and old databases upgrade.

use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::Connection;

use super::*;
use crate::domain::Actor;

/// Agent tokens of a test database, kept in memory.
pub(super) fn memory() -> std::sync::Arc<dyn crate::secrets::SecretStore> {
    std::sync::Arc::new(crate::secrets::MemoryStore::new())
}

/// The first user of every test database, hence its admin.
pub(super) fn admin() -> Actor {
    Actor::new("admin").unwrap()
}
use crate::domain::{
    DeployOption, DeviceId, DeviceUpdateStatus as S, DowntimeKind, LogEntry, LogLevel, LogSource,
    Manifest, NewDevice, NewDowntime, NewTarget, NewUpdate, ProductName, Scope, UpdateStatus,
    UpdateSummary, Version,
};

/// What only these tests need of the store, kept out of its public API.
impl Store {
    /// One status change through the batch path, read back.
    fn transition(
        &self,
        id: &DeviceUpdateId,
        to: S,
        at: DateTime<Utc>,
    ) -> Result<crate::domain::DeviceUpdate, StoreError> {
        self.apply(&[DeviceUpdateChange::Transition {
            id: id.clone(),
            to,
            at,
        }])?;
        self.device_update(id)?
            .ok_or_else(|| StoreError::not_found("device update", id))
    }

    /// Device updates in any of `statuses`.
    fn device_updates_by_status(
        &self,
        statuses: &[S],
    ) -> Result<Vec<crate::domain::DeviceUpdate>, StoreError> {
        let marks = vec!["?"; statuses.len()].join(", ");
        updates::device_updates_where(
            &*self.reader()?,
            &format!("du.status IN ({marks})"),
            rusqlite::params_from_iter(statuses),
        )
    }

    /// Records what a device is configured at and runs.
    fn set_device_versions(
        &self,
        id: DeviceId,
        product: &ProductName,
        v: &crate::domain::ProductVersions,
    ) -> Result<(), StoreError> {
        devices::put_versions(&self.writer(), id, product, v)
    }
}

pub(super) fn t(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, 0, 0).unwrap()
}

pub(super) fn fixture(name: &str) -> Manifest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/manifests")
        .join(name);
    crate::manifest_file::read_manifest(&path).unwrap()
}

pub(super) fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(DB_FILE_NAME), memory()).unwrap();
    (dir, store)
}

fn erp() -> ProductName {
    ProductName::parse("product", "acme-erp").unwrap()
}

pub(super) fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

pub(super) fn add_device(store: &Store, name: &str, site: &str, erp_version: &str) -> DeviceId {
    store
        .add_device(
            &admin(),
            &NewDevice {
                name: name.into(),
                agent_url: format!("http://127.0.0.1:9000/devices/{name}"),
                agent_token: "token".into(),
                tls_fingerprint: None,
                labels: vec![format!("site={site}")],
                products: [(
                    "acme-erp".into(),
                    (Some(erp_version.into()), Some(erp_version.into())),
                )]
                .into(),
            }
            .validate()
            .unwrap(),
        )
        .unwrap()
        .id
}

/// A catalog with acme-erp 2.3.0 and 2.4.0 and three devices at 2.3.0.
pub(super) fn seeded() -> (tempfile::TempDir, Store, Vec<DeviceId>) {
    let (dir, store) = temp_store();
    store
        .import_manifest(&admin(), &fixture("acme-erp-2.3.0.toml"), t(0))
        .unwrap();
    store
        .import_manifest(&admin(), &fixture("acme-erp-2.4.0.toml"), t(0))
        .unwrap();
    let ids = ["berlin-01", "berlin-02", "paris-01"]
        .iter()
        .map(|n| add_device(&store, n, &n[..n.len() - 3], "2.3.0"))
        .collect();
    (dir, store, ids)
}

pub(super) fn request(devices: &[DeviceId]) -> NewUpdate {
    NewUpdate {
        targets: vec![NewTarget::new("acme-erp", "2.4.0")],
        title: "ERP 2.4 rollout".into(),
        window_from: t(2),
        window_to: t(6),
        devices: devices.iter().map(|d| (*d, DeployOption::Now)).collect(),
    }
}

pub(super) fn count(store: &Store, table: &str) -> i64 {
    store
        .writer()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn upgrading_a_version_1_database_keeps_its_data_and_adds_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    {
        // Exactly what schema version 1 wrote.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
             INSERT INTO meta VALUES ('installation', 'abc-123');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let store = Store::open(&path, memory()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let kept: String = store
        .writer()
        .query_row(
            "SELECT value FROM meta WHERE key = 'installation'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "abc-123");
    store
        .import_manifest(&admin(), &fixture("acme-erp-2.3.0.toml"), t(0))
        .unwrap();
    add_device(&store, "berlin-01", "berlin", "2.2.0");
    assert_eq!(store.devices().unwrap().len(), 1);
}

#[test]
fn upgrading_a_version_5_database_keeps_device_updates_with_their_one_product_as_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    {
        // A deployment under way, as schema version 5 recorded it.
        let conn = Connection::open(&path).unwrap();
        for sql in &super::migrations::MIGRATIONS[..5] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO manifests VALUES ('acme-erp', '2.4.0', '{}', 0);
             INSERT INTO devices VALUES (1, 'berlin-01', 'http://127.0.0.1:9/devices/b', 't', '{}');
             INSERT INTO updates VALUES (1, 'acme-erp', '2.4.0', 'ERP', 'admin', 0, 0, 3600000,
                                         0, 'admin', NULL);
             INSERT INTO device_updates VALUES ('du-1', 1, 1, 'now', NULL, 0, 3600000, 'deploying',
                                                40, 1000, NULL, '2.3.0', '2.3.0', 2, 5000);
             PRAGMA user_version = 5;",
        )
        .unwrap();
    }
    let store = Store::open(&path, memory()).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let du = store
        .device_update(&crate::domain::DeviceUpdateId::parse("du-1").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            du.status,
            du.progress,
            du.attempts,
            du.resumes,
            du.progress_at
        ),
        (S::Deploying, 40, 2, 0, None)
    );
    assert_eq!(du.actual_start.map(|t| t.timestamp_millis()), Some(1000));
    // Migration 13: the one product becomes the update's only target, and the
    // device update's, with the versions it had before.
    let update = store.update(crate::domain::UpdateId(1)).unwrap().unwrap();
    assert_eq!(update.targets_words(), "acme-erp 2.4.0");
    let previous = crate::domain::ProductVersions {
        configured: Some(v("2.3.0")),
        deployed: Some(v("2.3.0")),
    };
    assert_eq!(
        du.targets,
        [crate::domain::DeviceTarget {
            product: ProductName::parse("p", "acme-erp").unwrap(),
            version: v("2.4.0"),
            previous,
        }]
    );
}

#[test]
fn the_database_runs_in_wal_mode_with_foreign_keys_on() {
    let (_dir, store) = temp_store();
    let conn = store.writer();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!((mode.as_str(), fk), ("wal", 1));
}

#[test]
fn reimporting_the_same_manifest_is_a_no_op_and_different_content_is_a_conflict() {
    let (_dir, store) = temp_store();
    let m = fixture("acme-erp-2.4.0.toml");
    assert_eq!(
        store.import_manifest(&admin(), &m, t(0)).unwrap(),
        ImportOutcome::Imported
    );
    assert_eq!(
        store.import_manifest(&admin(), &m, t(1)).unwrap(),
        ImportOutcome::Unchanged
    );
    let mut changed = m.clone();
    changed.modules[0].version = "9.9.9".into();
    let err = store.import_manifest(&admin(), &changed, t(1)).unwrap_err();
    assert_eq!(err.code(), crate::domain::ErrorCode::Conflict, "{err}");
    assert_eq!(store.manifest(&erp(), &v("2.4.0")).unwrap(), Some(m));
}

#[test]
fn products_list_versions_in_semver_order() {
    let (_dir, store) = temp_store();
    for f in [
        "acme-erp-2.5.0.toml",
        "acme-erp-2.5.0-rc.1.toml",
        "acme-erp-2.3.0.toml",
        "edge-gateway-1.0.0.toml",
    ] {
        store.import_manifest(&admin(), &fixture(f), t(0)).unwrap();
    }
    let products = store.products().unwrap();
    assert_eq!(products[0].product, erp());
    assert_eq!(
        products[0].versions,
        vec![v("2.3.0"), v("2.5.0-rc.1"), v("2.5.0")]
    );
    assert_eq!(products[1].product.as_str(), "edge-gateway");
}

#[test]
fn module_diff_between_stored_versions() {
    let (_dir, store) = temp_store();
    store
        .import_manifest(&admin(), &fixture("acme-erp-2.4.0.toml"), t(0))
        .unwrap();
    store
        .import_manifest(&admin(), &fixture("acme-erp-2.5.0.toml"), t(0))
        .unwrap();
    let d = store.module_diff(&erp(), &v("2.4.0"), &v("2.5.0")).unwrap();
    let names: Vec<_> = d.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "db-migrations",
            "erp-api",
            "erp-core",
            "erp-reports",
            "erp-web",
            "reports-legacy"
        ]
    );
    let e = store
        .module_diff(&erp(), &v("2.4.0"), &v("3.0.0"))
        .unwrap_err();
    assert!(e.to_string().starts_with("to:"), "{e}");
}

#[test]
fn devices_round_trip_and_names_are_unique() {
    let (_dir, store, ids) = seeded();
    let d = store.device(ids[0]).unwrap().unwrap();
    assert_eq!(d.name, "berlin-01");
    assert_eq!(d.labels["site"], "berlin");
    assert_eq!(d.versions(&erp()).deployed, Some(v("2.3.0")));
    let again = NewDevice {
        name: "berlin-01".into(),
        agent_url: "http://127.0.0.1:1".into(),
        agent_token: "t".into(),
        tls_fingerprint: None,
        labels: vec![],
        products: Default::default(),
    };
    let e = store
        .add_device(&admin(), &again.validate().unwrap())
        .unwrap_err();
    assert_eq!(e.code(), crate::domain::ErrorCode::Conflict);
    assert_eq!(store.devices().unwrap().len(), 3);
}

#[test]
fn eligibility_reports_which_version_is_lower() {
    let (_dir, store, ids) = seeded();
    store
        .set_device_versions(
            ids[1],
            &erp(),
            &crate::domain::ProductVersions {
                configured: Some(v("2.4.0")),
                deployed: Some(v("2.3.0")),
            },
        )
        .unwrap();
    store
        .set_device_versions(
            ids[2],
            &erp(),
            &crate::domain::ProductVersions {
                configured: Some(v("2.4.0")),
                deployed: Some(v("2.4.0")),
            },
        )
        .unwrap();
    let e = store.eligible(&erp(), &v("2.4.0")).unwrap();
    let got: Vec<_> = e.iter().map(|e| (e.name.as_str(), e.lower)).collect();
    use crate::domain::Lower;
    assert_eq!(
        got,
        vec![("berlin-01", Lower::Both), ("berlin-02", Lower::Deployed)]
    );
    assert!(store.eligible(&erp(), &v("7.0.0")).is_err());
}

#[test]
fn downtimes_are_created_edited_listed_by_range_and_removed() {
    let (_dir, store, ids) = seeded();
    let new = |title: &str, from, to, scope| {
        NewDowntime::once(DowntimeKind::Planned, title, t(from), t(to), scope)
    };
    let a = store
        .add_downtime(
            &admin(),
            new(
                "Berlin power work",
                1,
                3,
                Scope::label("site=berlin").unwrap(),
            ),
        )
        .unwrap();
    let b = store
        .add_downtime(
            &admin(),
            new(
                "Line 2 retool",
                5,
                7,
                Scope::Devices {
                    devices: vec![ids[2], ids[0]],
                },
            ),
        )
        .unwrap();
    assert_eq!(
        b.scope,
        Scope::Devices {
            devices: vec![ids[0], ids[2]]
        }
    );
    let listed: Vec<_> = store
        .downtimes_in(t(2), t(6))
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, vec![a.id, b.id]);
    assert!(
        store.downtimes_in(t(3), t(5)).unwrap().is_empty(),
        "touching windows do not overlap"
    );

    let edited = store
        .edit_downtime(
            &admin(),
            a.id,
            new("Berlin power work (moved)", 8, 9, Scope::All),
        )
        .unwrap();
    assert_eq!(
        (edited.title.as_str(), edited.scope.clone()),
        ("Berlin power work (moved)", Scope::All)
    );
    assert_eq!(
        store
            .edit_downtime(&admin(), a.id, new("x", 9, 8, Scope::All))
            .unwrap_err()
            .to_string(),
        format!(
            "to: must be after from (from {}, to {})",
            t(9).to_rfc3339(),
            t(8).to_rfc3339()
        )
    );

    store.remove_downtime(&admin(), b.id).unwrap();
    assert_eq!(count(&store, "downtime_devices"), 0);
    assert!(store.remove_downtime(&admin(), b.id).is_err());
    let e = store
        .add_downtime(
            &admin(),
            new(
                "ghost",
                1,
                2,
                Scope::Devices {
                    devices: vec![DeviceId(999)],
                },
            ),
        )
        .unwrap_err();
    assert!(e.to_string().starts_with("scope.devices[0]"), "{e}");
    assert_eq!(
        count(&store, "downtimes"),
        1,
        "the refused downtime left nothing behind"
    );
}

#[test]
fn an_update_of_two_products_is_written_whole_or_not_at_all() {
    let (_dir, store, ids) = seeded();
    for file in ["edge-gateway-1.1.0.toml", "edge-gateway-1.2.0.toml"] {
        store
            .import_manifest(&admin(), &fixture(file), t(0))
            .unwrap();
    }
    let two = |gateway: &str| NewUpdate {
        targets: vec![
            NewTarget::new("acme-erp", "2.4.0"),
            NewTarget::new("edge-gateway", gateway),
        ],
        ..request(&ids)
    };
    let rows = || -> Vec<i64> {
        [
            "updates",
            "update_targets",
            "device_updates",
            "device_update_targets",
        ]
        .iter()
        .map(|t| count(&store, t))
        .collect()
    };
    let before = rows();
    let e = store
        .create_update(&admin(), two("9.9.9"), t(1))
        .unwrap_err();
    assert!(e.to_string().contains("targets[1].version"), "{e}");
    assert_eq!(before, rows(), "nothing written");

    // None of the seeded devices has edge-gateway: each takes acme-erp only.
    let (u, dus) = store.create_update(&admin(), two("1.2.0"), t(1)).unwrap();
    assert_eq!(u.targets_words(), "acme-erp 2.4.0, edge-gateway 1.2.0");
    assert!(dus.iter().all(|du| du.targets.len() == 1));
    assert_eq!(store.update(u.id).unwrap().unwrap(), u);
    assert_eq!(count(&store, "update_targets"), 2);
    assert_eq!(count(&store, "device_update_targets"), 3);
}

#[test]
fn creating_an_update_writes_one_device_update_per_device() {
    let (_dir, store, ids) = seeded();
    let (u, dus) = store.create_update(&admin(), request(&ids), t(1)).unwrap();
    assert_eq!(u.title, "ERP 2.4 rollout");
    assert_eq!(dus.len(), 3);
    assert!(dus
        .iter()
        .all(|d| d.status == S::Scheduled && d.targets[0].previous.deployed == Some(v("2.3.0"))));
    assert!(dus.iter().all(|d| d.id.as_str().starts_with("du-")));
    let mut distinct: Vec<_> = dus.iter().map(|d| d.id.clone()).collect();
    distinct.dedup();
    assert_eq!(distinct.len(), 3);
}

#[test]
fn an_invalid_update_writes_nothing() {
    let (_dir, store, ids) = seeded();
    let mut bad = request(&ids);
    bad.devices.push((DeviceId(999), DeployOption::Now));
    let e = store.create_update(&admin(), bad, t(1)).unwrap_err();
    assert!(e.to_string().starts_with("devices[3]"), "{e}");
    let mut bad = request(&ids);
    bad.devices[1].1 = DeployOption::At(t(0));
    assert!(store.create_update(&admin(), bad, t(1)).is_err());
    assert_eq!(
        (count(&store, "updates"), count(&store, "device_updates")),
        (0, 0)
    );
}

#[test]
fn transitions_follow_the_state_machine_and_stamp_times() {
    let (_dir, store, ids) = seeded();
    let (_, dus) = store
        .create_update(&admin(), request(&ids[..1]), t(1))
        .unwrap();
    let id = &dus[0].id;
    let du = store.transition(id, S::Configuring, t(2)).unwrap();
    assert_eq!((du.status, du.actual_start), (S::Configuring, Some(t(2))));
    let e = store.transition(id, S::Succeeded, t(3)).unwrap_err();
    assert!(matches!(e, StoreError::Transition { .. }), "{e}");
    assert_eq!(
        store.device_update(id).unwrap().unwrap().status,
        S::Configuring,
        "refused transition changed nothing"
    );
    store.transition(id, S::Configured, t(3)).unwrap();
    store.transition(id, S::Deploying, t(4)).unwrap();
    let du = store.transition(id, S::Succeeded, t(5)).unwrap();
    assert_eq!(
        (du.progress, du.actual_start, du.actual_end),
        (100, Some(t(2)), Some(t(5)))
    );
}

#[test]
fn a_batch_is_written_in_one_transaction_or_not_at_all() {
    let (_dir, store, ids) = seeded();
    let (u, dus) = store.create_update(&admin(), request(&ids), t(1)).unwrap();
    let go = |id: &crate::domain::DeviceUpdateId, to| DeviceUpdateChange::Transition {
        id: id.clone(),
        to,
        at: t(2),
    };
    // The last change is illegal (scheduled -> deploying): nothing applies.
    let bad = [
        go(&dus[0].id, S::Configuring),
        go(&dus[1].id, S::Configuring),
        go(&dus[2].id, S::Deploying),
    ];
    assert!(store.apply(&bad).is_err());
    assert_eq!(
        store
            .device_updates_by_status(&[S::Scheduled])
            .unwrap()
            .len(),
        3
    );

    let log = LogEntry {
        at: t(2),
        level: LogLevel::Error,
        code: "HEALTH_CHECK_FAILED".into(),
        message: "health check failed".into(),
        detail: Some("exit 1".into()),
        source: LogSource::Agent,
    };
    let mut batch: Vec<_> = dus.iter().map(|d| go(&d.id, S::Configuring)).collect();
    batch.push(go(&dus[0].id, S::Error));
    batch.push(DeviceUpdateChange::Progress {
        id: dus[1].id.clone(),
        progress: 40,
        at: t(2),
    });
    batch.push(DeviceUpdateChange::Retried {
        id: dus[1].id.clone(),
        retries: 2,
        at: t(2),
    });
    batch.push(DeviceUpdateChange::Resumed {
        id: dus[1].id.clone(),
        at: t(2),
    });
    batch.push(DeviceUpdateChange::Log {
        id: dus[0].id.clone(),
        entry: log.clone(),
    });
    store.apply(&batch).unwrap();

    assert_eq!(
        store
            .device_updates_by_status(&[S::Configuring])
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.log_of(&dus[0].id).unwrap(), vec![log]);
    let du1 = store.device_update(&dus[1].id).unwrap().unwrap();
    // Entering configuring is the first try; two retried calls make three.
    // A resume is not a try.
    assert_eq!((du1.progress, du1.attempts, du1.resumes), (40, 3, 1));
    let du2 = store.device_update(&dus[2].id).unwrap().unwrap();
    assert_eq!(
        (du2.attempts, du2.resumes),
        (1, 0),
        "one run is one attempt"
    );
    let recent = store.recent_updates(10).unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].0.id, u.id);
    assert_eq!(recent[0].1.status, UpdateStatus::Running);
}

#[test]
fn a_stored_manifest_with_data_after_its_json_is_refused_as_corrupt() {
    let (_dir, store, _) = seeded();
    assert!(store.manifest(&erp(), &v("2.4.0")).unwrap().is_some());
    store
        .writer()
        .execute(
            "UPDATE manifests SET body = body || ' garbage' WHERE version = '2.4.0'",
            [],
        )
        .unwrap();
    let e = store.manifest(&erp(), &v("2.4.0")).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
}

#[test]
fn progress_at_moves_on_entering_deploying_and_on_a_change_of_progress_only() {
    let (_dir, store, ids) = seeded();
    let (_, dus) = store.create_update(&admin(), request(&ids), t(1)).unwrap();
    let id = &dus[0].id;
    for to in [S::Configuring, S::Configured] {
        store.transition(id, to, t(2)).unwrap();
    }
    assert_eq!(store.device_update(id).unwrap().unwrap().progress_at, None);
    store.transition(id, S::Deploying, t(3)).unwrap();
    let progress_at = || store.device_update(id).unwrap().unwrap().progress_at;
    assert_eq!(progress_at(), Some(t(3)));
    let progress = |p: u8, at| {
        store
            .apply(&[DeviceUpdateChange::Progress {
                id: id.clone(),
                progress: p,
                at,
            }])
            .unwrap()
    };
    progress(40, t(4));
    assert_eq!(progress_at(), Some(t(4)));
    progress(40, t(5));
    assert_eq!(
        progress_at(),
        Some(t(4)),
        "the same progress again is no change"
    );
    progress(60, t(6));
    assert_eq!(progress_at(), Some(t(6)));
}

#[test]
fn recent_updates_come_newest_first_and_respect_the_limit() {
    let (_dir, store, ids) = seeded();
    for (i, d) in ids.iter().enumerate() {
        store
            .create_update(
                &admin(),
                request(&[*d]),
                t(1) - Duration::minutes(10 - i as i64),
            )
            .unwrap();
    }
    let recent = store.recent_updates(2).unwrap();
    assert_eq!(recent.len(), 2);
    assert!(recent[0].0.created_at > recent[1].0.created_at);
    assert!(recent
        .iter()
        .all(|(_, s)| s.total == 1 && s.status == UpdateStatus::Scheduled));
}

/// The status list's summary of each update, and the summary of its device
/// updates as read one by one: the counts the triggers keep must match.
fn summaries(store: &Store) -> Vec<(UpdateSummary, UpdateSummary)> {
    store
        .recent_updates(100)
        .unwrap()
        .into_iter()
        .map(|(u, listed)| {
            let counted = UpdateSummary::of(&store.device_updates_of(u.id).unwrap());
            (listed, counted)
        })
        .collect()
}

#[test]
fn the_status_list_counts_follow_every_insert_transition_and_progress_change() {
    let (_dir, store, ids) = seeded();
    let mut req = request(&ids);
    req.devices[2].1 = DeployOption::ConfigOnly;
    let (_, dus) = store.create_update(&admin(), req, t(1)).unwrap();
    let (_, other) = store
        .create_update(&admin(), request(&ids[..1]), t(1))
        .unwrap();
    let go = |du: &crate::domain::DeviceUpdate, to, at| DeviceUpdateChange::Transition {
        id: du.id.clone(),
        to,
        at,
    };
    let progress = |du: &crate::domain::DeviceUpdate, progress| DeviceUpdateChange::Progress {
        id: du.id.clone(),
        progress,
        at: t(3),
    };
    let steps: Vec<Vec<DeviceUpdateChange>> = vec![
        vec![],
        dus.iter().map(|du| go(du, S::Configuring, t(2))).collect(),
        dus.iter().map(|du| go(du, S::Configured, t(2))).collect(),
        vec![
            go(&dus[0], S::Deploying, t(3)),
            go(&dus[1], S::Deploying, t(3)),
        ],
        vec![
            progress(&dus[0], 30),
            progress(&dus[1], 70),
            progress(&dus[1], 70),
        ],
        vec![go(&dus[0], S::Succeeded, t(4)), go(&dus[1], S::Error, t(4))],
        vec![go(&other[0], S::Cancelling, t(4))],
    ];
    for (i, batch) in steps.iter().enumerate() {
        store.apply(batch).unwrap();
        let all = summaries(&store);
        assert_eq!(all.len(), 2);
        for (listed, counted) in all {
            assert_eq!(listed, counted, "after step {i}");
        }
    }
    let (listed, _) = summaries(&store).remove(0);
    assert_eq!(
        listed.status,
        UpdateStatus::Running,
        "one update still cancelling"
    );
}

#[test]
fn upgrading_to_kept_counts_counts_the_device_updates_already_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    {
        let conn = Connection::open(&path).unwrap();
        for sql in &super::migrations::MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(
            "INSERT INTO manifests VALUES ('acme-erp', '2.4.0', '{}', 0);
             INSERT INTO devices VALUES (1, 'b1', 'http://127.0.0.1:9/devices/b1', 't', '{}');
             INSERT INTO devices VALUES (2, 'b2', 'http://127.0.0.1:9/devices/b2', 't', '{}');
             INSERT INTO updates VALUES (1, 'acme-erp', '2.4.0', 'ERP', 'admin', 0, 0, 3600000,
                                         0, 'admin', NULL);
             INSERT INTO device_updates VALUES ('du-1', 1, 1, 'now', NULL, 0, 3600000, 'deploying',
                                                40, 1000, NULL, '2.3.0', '2.3.0', 1, 5000, 0, 5000);
             INSERT INTO device_updates VALUES ('du-2', 1, 2, 'now', NULL, 0, 3600000, 'succeeded',
                                                100, 1000, 9000, '2.3.0', '2.3.0', 1, 9000, 0, 8000);
             PRAGMA user_version = 6;",
        )
        .unwrap();
    }
    let store = Store::open(&path, memory()).unwrap();
    let (listed, counted) = summaries(&store).remove(0);
    assert_eq!(listed, counted);
    assert_eq!((listed.total, listed.progress), (2, 70));
}
