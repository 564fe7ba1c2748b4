//! Agent tokens live in the secret store: the database file never holds
//! one, old clear-text tokens are moved out at open, and a failing secret
//! store writes nothing.

use std::sync::Arc;

use super::behaviour_tests::{admin, count};
use super::*;
use crate::domain::NewDevice;
use crate::secrets::MemoryStore;

const TOKEN: &str = "tok-3f9a1c7e-never-in-the-file";

fn device(name: &str) -> crate::domain::ValidDevice {
    NewDevice {
        name: name.into(),
        agent_url: format!("http://127.0.0.1:9000/devices/{name}"),
        agent_token: TOKEN.into(),
        tls_fingerprint: None,
        labels: vec![],
        products: Default::default(),
    }
    .validate()
    .unwrap()
}

/// Every byte SQLite keeps for the database: the file, its WAL and shm.
fn on_disk(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        bytes.extend(std::fs::read(p).unwrap_or_default());
    }
    bytes
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn a_new_device_keeps_only_a_reference_and_its_token_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    let secrets = Arc::new(MemoryStore::new());
    let store = Store::open(&path, secrets.clone()).unwrap();
    let added = store.add_device(&admin(), &device("berlin-01")).unwrap();
    assert_eq!(store.agent_token(added.id).unwrap().expose(), TOKEN);
    assert_eq!(secrets.len(), 1);
    assert!(
        !holds(&on_disk(&path), TOKEN),
        "the token reached the database"
    );
    let shown = serde_json::to_string(&added).unwrap();
    assert!(
        !shown.contains(TOKEN) && !shown.contains("token"),
        "{shown}"
    );

    store.remove_device(&admin(), "berlin-01").unwrap();
    assert!(secrets.is_empty(), "removing a device deletes its token");
}

#[test]
fn a_failing_secret_store_adds_no_device() {
    let secrets = Arc::new(MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join(DB_FILE_NAME), secrets.clone()).unwrap();
    secrets.set_failing(Some("keyring locked"));
    let e = store
        .add_device(&admin(), &device("berlin-01"))
        .unwrap_err();
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert_eq!(count(&store, "devices"), 0);
}

#[test]
fn a_taken_name_leaves_no_orphan_secret() {
    let secrets = Arc::new(MemoryStore::new());
    let dir = tempfile::tempdir().unwrap();
    let store2 = Store::open(&dir.path().join(DB_FILE_NAME), secrets.clone()).unwrap();
    store2.add_device(&admin(), &device("a")).unwrap();
    assert!(store2.add_device(&admin(), &device("a")).is_err());
    assert_eq!(secrets.len(), 1);
}

/// A database as schema 9 left it: the token in clear text in its row.
fn clear_text_database(path: &Path) {
    let store = Store::open(path, Arc::new(MemoryStore::new())).unwrap();
    let conn = store.writer();
    conn.execute_batch(&format!(
        "INSERT INTO devices (name, agent_url, agent_token, labels)
         VALUES ('old-01', 'http://127.0.0.1:9000/devices/old-01', '{TOKEN}', '{{}}');"
    ))
    .unwrap();
}

#[test]
fn opening_moves_clear_text_tokens_out_and_blanks_them_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    clear_text_database(&path);
    assert!(holds(&on_disk(&path), TOKEN), "the fixture holds it");

    let secrets = Arc::new(MemoryStore::new());
    let store = Store::open(&path, secrets.clone()).unwrap();
    let id = store.device_by_name("old-01").unwrap().unwrap().id;
    assert_eq!(store.agent_token(id).unwrap().expose(), TOKEN);
    assert_eq!(secrets.len(), 1);
    drop(store);
    assert!(!holds(&on_disk(&path), TOKEN), "a copy stayed in the file");

    // Moving is done once: a second open finds nothing to move.
    let store = Store::open(&path, secrets.clone()).unwrap();
    assert_eq!(secrets.calls().put, 1);
    assert_eq!(store.agent_token(id).unwrap().expose(), TOKEN);
}

#[test]
fn a_token_that_cannot_move_yet_stays_usable_and_moves_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(DB_FILE_NAME);
    clear_text_database(&path);
    let secrets = Arc::new(MemoryStore::new());
    secrets.set_failing(Some("no keyring yet"));
    let store = Store::open(&path, secrets.clone()).unwrap();
    let id = store.device_by_name("old-01").unwrap().unwrap().id;
    assert_eq!(store.agent_token(id).unwrap().expose(), TOKEN);
    drop(store);

    secrets.set_failing(None);
    let store = Store::open(&path, secrets.clone()).unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(store.agent_token(id).unwrap().expose(), TOKEN);
}
