//! The fleet's admin changes on a real SQLite file: an import writes all
//! rows or none and leaves no token behind, labels are edited by their
//! rules, and removing a device with history retires it.

use std::sync::Arc;
use std::time::Instant;

use super::behaviour_tests::{admin, count, fixture, request, seeded, t};
use super::*;
use crate::domain::{
    Action, Actor, AuditOutcome, DeviceId, DeviceUpdateStatus as S, ErrorCode, NewDevice, UpdateId,
    ValidDevice,
};
use crate::secrets::{MemoryStore, SecretStore};

fn viewer() -> Actor {
    Actor::new("vic").unwrap()
}

fn device(name: &str) -> ValidDevice {
    NewDevice {
        name: name.into(),
        agent_url: format!("http://127.0.0.1:9000/devices/{name}"),
        agent_token: format!("tok-{name}"),
        tls_fingerprint: None,
        labels: vec!["site=berlin".into()],
        products: Default::default(),
    }
    .validate()
    .unwrap()
}

fn devices(names: &[&str]) -> Vec<ValidDevice> {
    names.iter().map(|n| device(n)).collect()
}

/// A store whose tokens are in `secrets`, which the test can inspect.
fn store_with(secrets: Arc<dyn SecretStore>) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(DB_FILE_NAME), secrets).unwrap();
    (dir, store)
}

fn names(store: &Store) -> Vec<String> {
    store
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect()
}

/// The newest audit entry.
fn last_entry(store: &Store) -> crate::domain::AuditRecord {
    store.audit_log(&AuditFilter::default(), 1).unwrap()[0]
        .record
        .clone()
}

fn field_of(e: &StoreError) -> &str {
    match e {
        StoreError::Invalid(v) | StoreError::Conflict(v) => &v.field,
        other => panic!("not a field error: {other}"),
    }
}

#[test]
fn an_import_adds_every_row_with_its_token_and_labels() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    let report = store
        .import_devices(&admin(), &devices(&["a", "b", "c"]))
        .unwrap();
    let added: Vec<&str> = report.added.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(added, ["a", "b", "c"]);
    assert_eq!(names(&store), ["a", "b", "c"]);
    let b = store.device_by_name("b").unwrap().unwrap();
    assert_eq!(b.id, report.added[1].id);
    assert_eq!(b.labels["site"], "berlin");
    assert_eq!(store.agent_token(b.id).unwrap().expose(), "tok-b");
    assert_eq!(secrets.len(), 3);
    let entry = last_entry(&store);
    assert_eq!(
        (entry.action, entry.outcome, entry.objects.as_str()),
        (
            Action::AddDevice,
            AuditOutcome::Done,
            "3 devices from import"
        )
    );
    assert_eq!(entry.detail, "imported 3 devices");
}

#[test]
fn a_name_taken_in_the_fleet_refuses_the_whole_import_and_stores_no_token() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    store.add_device(&admin(), &device("b")).unwrap();
    store.add_device(&admin(), &device("d")).unwrap();
    let puts = secrets.calls().put;

    let e = store
        .import_devices(&admin(), &devices(&["a", "b", "c", "d"]))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert_eq!(
        e.to_string(),
        "rows[1].name: a device named \"b\" already exists; 1 more row names a taken device: rows[3]"
    );
    assert_eq!(names(&store), ["b", "d"], "nothing written");
    assert_eq!(
        secrets.calls().put,
        puts,
        "checked before any token is stored"
    );
    assert_eq!(secrets.len(), 2);
    let entry = last_entry(&store);
    assert_eq!(entry.outcome, AuditOutcome::Failed);
    assert!(
        entry.detail.starts_with("rows[1].name: "),
        "{}",
        entry.detail
    );
}

#[test]
fn a_name_twice_in_the_rows_is_refused_on_the_later_row() {
    let (_dir, store) = store_with(Arc::new(MemoryStore::new()));
    let e = store
        .import_devices(&admin(), &devices(&["a", "b", "a"]))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert_eq!(
        e.to_string(),
        "rows[2].name: \"a\" is also the name of rows[0]; a name may appear once"
    );
    assert!(names(&store).is_empty());
    let e = store.import_devices(&admin(), &[]).unwrap_err();
    assert_eq!(field_of(&e), "rows");
}

#[test]
fn a_token_the_secret_store_refuses_in_the_middle_writes_nothing_and_leaves_no_token() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    let mut rows = devices(&["a", "b", "c"]);
    // Passes the device rules (no whitespace) but not the secret store's.
    rows[1].agent_token = "tok\0b".into();
    let e = store.import_devices(&admin(), &rows).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput, "{e}");
    assert!(names(&store).is_empty());
    assert!(secrets.is_empty(), "the token of row 0 was deleted again");
}

#[test]
fn a_failed_insert_after_the_tokens_were_stored_forgets_them_all() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    // An insert that fails after the batch of tokens was stored.
    store
        .writer()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_c BEFORE INSERT ON devices WHEN NEW.name = 'c'
             BEGIN SELECT RAISE(ABORT, 'test: refused'); END;",
        )
        .unwrap();
    let e = store
        .import_devices(&admin(), &devices(&["a", "b", "c", "d"]))
        .unwrap_err();
    assert!(e.to_string().contains("test: refused"), "{e}");
    assert_eq!(secrets.calls().put, 4, "the tokens were stored");
    assert!(secrets.is_empty(), "and deleted again");
    assert_eq!(count(&store, "devices"), 0);
}

#[test]
fn importing_10000_devices_takes_one_transaction_and_one_secrets_file_write() {
    let rows: Vec<ValidDevice> = (0..10_000).map(|i| device(&format!("d{i:05}"))).collect();

    let (_dir, store) = store_with(Arc::new(MemoryStore::new()));
    let started = Instant::now();
    let report = store.import_devices(&admin(), &rows).unwrap();
    let in_memory = started.elapsed();
    assert_eq!(report.added.len(), 10_000);
    assert_eq!(count(&store, "devices"), 10_000);

    // The encrypted file: one rewrite for the whole batch.
    let dir = tempfile::tempdir().unwrap();
    let file = crate::secrets::file_store(dir.path()).unwrap();
    let store = Store::open(&dir.path().join(DB_FILE_NAME), file).unwrap();
    let started = Instant::now();
    store.import_devices(&admin(), &rows).unwrap();
    let with_file = started.elapsed();
    let last = store.device_by_name("d09999").unwrap().unwrap();
    assert_eq!(store.agent_token(last.id).unwrap().expose(), "tok-d09999");
    eprintln!(
        "import of 10000 devices: {} ms with tokens in memory, {} ms with the encrypted secrets file",
        in_memory.as_millis(),
        with_file.as_millis()
    );
}

#[test]
fn a_retired_name_stays_taken_for_add_and_import() {
    let (_dir, store, ids) = seeded();
    finished_update_of(&store, &ids[..1]);
    assert_eq!(
        store.remove_device(&admin(), "berlin-01").unwrap(),
        Removal::Retired
    );
    let rule =
        "a retired device keeps the name \"berlin-01\" for its update history; choose another name";
    let e = store
        .add_device(&admin(), &device("berlin-01"))
        .unwrap_err();
    assert_eq!(
        (e.code(), e.to_string()),
        (ErrorCode::Conflict, format!("name: {rule}"))
    );
    let e = store
        .import_devices(&admin(), &devices(&["new-01", "berlin-01"]))
        .unwrap_err();
    assert_eq!(e.to_string(), format!("rows[1].name: {rule}"));
    assert!(store.device_by_name("new-01").unwrap().is_none());
}

/// An update of `devices`, created and then cancelled on each: history that
/// is finished.
fn finished_update_of(store: &Store, devices: &[DeviceId]) -> UpdateId {
    let (update, dus) = store
        .create_update(&admin(), request(devices), t(1))
        .unwrap();
    for du in &dus {
        for to in [S::Cancelling, S::Cancelled] {
            store
                .apply(&[DeviceUpdateChange::Transition {
                    id: du.id.clone(),
                    to,
                    at: t(1),
                }])
                .unwrap();
        }
    }
    update.id
}

#[test]
fn removal_is_refused_while_an_update_of_the_device_is_unfinished() {
    let (_dir, store, ids) = seeded();
    let (update, _) = store
        .create_update(&admin(), request(&ids[..1]), t(1))
        .unwrap();
    let e = store.remove_device(&admin(), "berlin-01").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert_eq!(
        e.to_string(),
        format!(
            "name: device \"berlin-01\" has an unfinished update: in update {} its device update is scheduled; \
             cancel it or wait until it ends, then remove the device",
            update.id
        )
    );
    assert!(store.device_by_name("berlin-01").unwrap().is_some());
    assert_eq!(last_entry(&store).outcome, AuditOutcome::Failed);
}

#[test]
fn a_device_with_finished_history_is_retired_keeping_its_history_and_dropping_its_token() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    for version in ["2.3.0", "2.4.0"] {
        let manifest = fixture(&format!("acme-erp-{version}.toml"));
        store.import_manifest(&admin(), &manifest, t(0)).unwrap();
    }
    for name in ["berlin-01", "paris-01"] {
        let mut d = device(name);
        let at = Some(crate::domain::Version::parse("2.3.0").unwrap());
        d.products.insert(
            crate::domain::ProductName::parse("product", "acme-erp").unwrap(),
            crate::domain::ProductVersions {
                configured: at.clone(),
                deployed: at,
            },
        );
        store.add_device(&admin(), &d).unwrap();
    }
    let berlin = store.device_by_name("berlin-01").unwrap().unwrap();
    let update = finished_update_of(&store, &[berlin.id]);
    assert_eq!(secrets.len(), 2);

    assert_eq!(
        store.remove_device(&admin(), "berlin-01").unwrap(),
        Removal::Retired
    );
    assert_eq!(names(&store), ["paris-01"], "out of every list");
    assert!(store.device_by_name("berlin-01").unwrap().is_none());
    // Its history keeps its subject.
    let kept = store.device(berlin.id).unwrap().expect("the row stays");
    assert_eq!(kept.name, "berlin-01");
    assert_eq!(
        store.device_updates_of(update).unwrap()[0].device,
        berlin.id
    );
    assert_eq!(secrets.len(), 1, "its token was forgotten");
    let (token_ref, retired): (Option<String>, Option<i64>) = store
        .writer()
        .query_row(
            "SELECT token_ref, retired_at_ms FROM devices WHERE id = ?1",
            [berlin.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(token_ref, None);
    assert!(retired.is_some());
    let entry = last_entry(&store);
    assert_eq!(
        entry.detail,
        "retired: kept for the history of its 1 device updates; its token forgotten"
    );
    // Gone from the admin's reach: a second removal, a label edit.
    let e = store.remove_device(&admin(), "berlin-01").unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    let e = store
        .set_labels(&admin(), "berlin-01", &[("a".into(), "b".into())], &[])
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

#[test]
fn a_device_without_history_is_deleted_with_its_token() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    store.add_device(&admin(), &device("paris-01")).unwrap();
    assert_eq!(
        store.remove_device(&admin(), "paris-01").unwrap(),
        Removal::Deleted
    );
    assert_eq!(count(&store, "devices"), 0);
    assert!(secrets.is_empty());
    let e = store.remove_device(&admin(), "paris-01").unwrap_err();
    assert_eq!(e.to_string(), "device paris-01 not found");
}

#[test]
fn labels_are_set_and_unset_and_the_edit_is_on_record() {
    let (_dir, store) = store_with(Arc::new(MemoryStore::new()));
    store.add_device(&admin(), &device("berlin-01")).unwrap();
    let d = store
        .set_labels(
            &admin(),
            "berlin-01",
            &[
                ("group".into(), "line-2".into()),
                ("rack".into(), "r1".into()),
            ],
            &[],
        )
        .unwrap();
    assert_eq!(d.labels.len(), 3);
    let d = store
        .set_labels(
            &admin(),
            "berlin-01",
            &[("group".into(), "line-3".into())],
            &["site".into()],
        )
        .unwrap();
    let stored = store.device_by_name("berlin-01").unwrap().unwrap();
    assert_eq!(stored.labels, d.labels);
    let pairs: Vec<(&str, &str)> = stored
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(pairs, [("group", "line-3"), ("rack", "r1")]);
    let entry = last_entry(&store);
    assert_eq!(
        (entry.action, entry.objects.as_str(), entry.detail.as_str()),
        (
            Action::EditDevice,
            "device berlin-01",
            "labels: set group=line-3; unset site"
        )
    );
}

#[test]
fn a_bad_label_edit_changes_nothing_and_names_its_field() {
    let (_dir, store) = store_with(Arc::new(MemoryStore::new()));
    store.add_device(&admin(), &device("berlin-01")).unwrap();
    let before = store.device_by_name("berlin-01").unwrap();
    let e = store
        .set_labels(&admin(), "berlin-01", &[], &["rack".into()])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unset[0]: no label \"rack\" is set on this device (its label keys: site)"
    );
    let e = store
        .set_labels(
            &admin(),
            "berlin-01",
            &[("ok".into(), "1".into()), ("bad key".into(), "x".into())],
            &[],
        )
        .unwrap_err();
    assert_eq!(field_of(&e), "set[1]");
    let many: Vec<(String, String)> = (0..32).map(|i| (format!("k{i}"), "v".into())).collect();
    let e = store
        .set_labels(&admin(), "berlin-01", &many, &[])
        .unwrap_err();
    assert_eq!(e.to_string(), "labels: at most 32 labels (got 33)");
    assert_eq!(store.device_by_name("berlin-01").unwrap(), before);
    let e = store
        .set_labels(&admin(), "ghost", &[("a".into(), "b".into())], &[])
        .unwrap_err();
    assert_eq!(
        (e.code(), e.to_string()),
        (ErrorCode::NotFound, "device ghost not found".to_owned())
    );
}

#[test]
fn a_viewer_is_refused_import_label_edit_and_removal_and_only_the_refusal_is_written() {
    let secrets = Arc::new(MemoryStore::new());
    let (_dir, store) = store_with(secrets.clone());
    store.add_device(&admin(), &device("berlin-01")).unwrap();
    let before = store.devices().unwrap();
    let vic = viewer();
    let attempts = [
        (
            Action::AddDevice,
            store
                .import_devices(&vic, &devices(&["a", "b"]))
                .unwrap_err(),
        ),
        (
            Action::EditDevice,
            store
                .set_labels(&vic, "berlin-01", &[("a".into(), "b".into())], &[])
                .unwrap_err(),
        ),
        (
            Action::RemoveDevice,
            store.remove_device(&vic, "berlin-01").unwrap_err(),
        ),
    ];
    for (action, e) in &attempts {
        assert_eq!(e.code(), ErrorCode::Forbidden, "{action}: {e}");
    }
    assert_eq!(store.devices().unwrap(), before);
    assert_eq!(secrets.len(), 1);
    let entries = store.audit_log(&AuditFilter::default(), 3).unwrap();
    let refused: Vec<(Action, AuditOutcome, &str)> = entries
        .iter()
        .rev()
        .map(|e| (e.record.action, e.record.outcome, e.record.objects.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            (
                Action::AddDevice,
                AuditOutcome::Refused,
                "2 devices from import"
            ),
            (
                Action::EditDevice,
                AuditOutcome::Refused,
                "device berlin-01"
            ),
            (
                Action::RemoveDevice,
                AuditOutcome::Refused,
                "device berlin-01"
            ),
        ]
    );
}
