//! Roles and the audit log on a real SQLite file: who may act, that a
//! refusal changes nothing but the log, and that the chain catches edits.

use super::behaviour_tests::{admin, count, fixture, request, seeded, t, temp_store};
use super::*;
use crate::domain::{
    Action, Actor, AuditOutcome, DowntimeId, DowntimeKind, NewDevice, NewDowntime, Role, Scope,
};

fn viewer() -> Actor {
    Actor::new("vic").unwrap()
}

/// Every entry, oldest first.
fn log(store: &Store) -> Vec<crate::domain::AuditEntry> {
    let mut all = store
        .audit_log(&AuditFilter::default(), MAX_AUDIT_PAGE)
        .unwrap();
    all.reverse();
    all
}

fn downtime() -> NewDowntime {
    NewDowntime::once(DowntimeKind::Planned, "power work", t(1), t(2), Scope::All)
}

/// Row counts of every table an admin action may write.
fn landscape(store: &Store) -> Vec<i64> {
    [
        "devices",
        "device_products",
        "downtime_devices",
        "downtimes",
        "manifests",
        "updates",
        "device_updates",
        "users",
    ]
    .iter()
    .map(|table| count(store, table))
    .collect()
}

#[test]
fn the_first_user_of_a_database_is_its_admin_and_later_ones_are_viewers() {
    let (_dir, store) = temp_store();
    assert_eq!(store.sign_in(&admin()).unwrap(), Role::Admin);
    assert_eq!(store.sign_in(&viewer()).unwrap(), Role::Viewer);
    assert_eq!(store.sign_in(&admin()).unwrap(), Role::Admin);
    let users = store.users().unwrap();
    assert_eq!(users.len(), 1, "a viewer gets no row: {users:?}");
    assert_eq!(
        (users[0].name.as_str(), users[0].role),
        ("admin", Role::Admin)
    );
    let entries = log(&store);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].record.action, Action::GrantRole);
    assert!(entries[0].record.detail.contains("first user"));
}

#[test]
fn the_first_user_to_act_becomes_admin_even_without_signing_in() {
    let (_dir, store) = temp_store();
    store
        .import_manifest(&viewer(), &fixture("acme-erp-2.3.0.toml"), t(0))
        .unwrap();
    assert_eq!(store.sign_in(&viewer()).unwrap(), Role::Admin);
    assert_eq!(store.sign_in(&admin()).unwrap(), Role::Viewer);
}

#[test]
fn a_viewer_is_refused_every_admin_action_and_only_the_refusal_is_written() {
    let (_dir, store, ids) = seeded();
    let (update, _) = store.create_update(&admin(), request(&ids), t(1)).unwrap();
    let dt = store.add_downtime(&admin(), downtime()).unwrap();
    let before = landscape(&store);
    let entries_before = log(&store).len();
    let vic = viewer();
    let device = NewDevice {
        name: "lyon-01".into(),
        agent_url: "http://127.0.0.1:9000/devices/lyon-01".into(),
        agent_token: "token".into(),
        tls_fingerprint: None,
        labels: vec![],
        products: Default::default(),
    }
    .validate()
    .unwrap();

    let attempts: Vec<(Action, StoreError)> = vec![
        (
            Action::CreateUpdate,
            store.create_update(&vic, request(&ids), t(1)).unwrap_err(),
        ),
        (
            Action::ApproveUpdate,
            store.approve_update(&vic, update.id, t(1)).unwrap_err(),
        ),
        (
            Action::AddDevice,
            store.add_device(&vic, &device).unwrap_err(),
        ),
        (
            Action::RemoveDevice,
            store.remove_device(&vic, "paris-01").unwrap_err(),
        ),
        (
            Action::AddDowntime,
            store.add_downtime(&vic, downtime()).unwrap_err(),
        ),
        (
            Action::EditDowntime,
            store.edit_downtime(&vic, dt.id, downtime()).unwrap_err(),
        ),
        (
            Action::RemoveDowntime,
            store.remove_downtime(&vic, dt.id).unwrap_err(),
        ),
        (
            Action::ImportVersion,
            store
                .import_manifest(&vic, &fixture("acme-erp-2.5.0.toml"), t(0))
                .unwrap_err(),
        ),
        (
            Action::GrantRole,
            store.grant_role(&vic, "vic", Role::Admin).unwrap_err(),
        ),
        (
            Action::RevokeRole,
            store.revoke_role(&vic, "admin").unwrap_err(),
        ),
        (
            Action::CancelUpdate,
            store
                .authorize(&vic, Action::CancelUpdate, "update 1".into())
                .unwrap_err(),
        ),
    ];
    for (action, e) in &attempts {
        assert_eq!(e.code(), ErrorCode::Forbidden, "{action}: {e}");
        assert_eq!(
            e.to_string(),
            format!("vic is a viewer; only an admin may {}", action.describe()),
        );
    }
    assert_eq!(landscape(&store), before, "a refusal must change nothing");
    assert!(store
        .update(update.id)
        .unwrap()
        .unwrap()
        .approved_at
        .is_none());

    let entries = log(&store);
    let refusals = &entries[entries_before..];
    assert_eq!(refusals.len(), attempts.len());
    for (entry, (action, _)) in refusals.iter().zip(&attempts) {
        let r = &entry.record;
        assert_eq!(
            (r.actor.as_str(), r.role, r.action, r.outcome),
            ("vic", Role::Viewer, *action, AuditOutcome::Refused)
        );
    }
    assert_eq!(store.verify_audit().unwrap().broken, None);
}

#[test]
fn an_admin_action_is_recorded_with_its_objects_and_what_it_did() {
    let (_dir, store, ids) = seeded();
    let (update, _) = store.create_update(&admin(), request(&ids), t(1)).unwrap();
    store.approve_update(&admin(), update.id, t(1)).unwrap();
    let entries = log(&store);
    let created = &entries[entries.len() - 2].record;
    assert_eq!(created.action, Action::CreateUpdate);
    assert_eq!(created.outcome, AuditOutcome::Done);
    assert_eq!(created.objects, "acme-erp 2.4.0 (3 devices)");
    assert_eq!(created.detail, format!("created update {}", update.id));
    let approved = &entries[entries.len() - 1].record;
    assert_eq!(
        (
            approved.action,
            approved.objects.as_str(),
            approved.detail.as_str()
        ),
        (
            Action::ApproveUpdate,
            &*format!("update {}", update.id),
            "approved"
        )
    );
    assert_eq!(
        store
            .update(update.id)
            .unwrap()
            .unwrap()
            .approved_by
            .as_deref(),
        Some("admin")
    );
    assert_eq!(
        store.update(update.id).unwrap().unwrap().created_by,
        "admin"
    );
}

#[test]
fn a_failed_admin_action_writes_nothing_but_its_entry_saying_why() {
    let (_dir, store, ids) = seeded();
    let before = landscape(&store);
    let mut bad = request(&ids);
    bad.title = String::new();
    let e = store.create_update(&admin(), bad, t(1)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let e2 = store
        .remove_downtime(&admin(), DowntimeId(404))
        .unwrap_err();
    assert_eq!(e2.code(), ErrorCode::NotFound);
    assert_eq!(landscape(&store), before);
    let entries = log(&store);
    let [.., created, removed] = entries.as_slice() else {
        panic!("two entries expected")
    };
    assert_eq!(created.record.outcome, AuditOutcome::Failed);
    assert_eq!(created.record.detail, e.to_string());
    assert_eq!(removed.record.outcome, AuditOutcome::Failed);
    assert_eq!(removed.record.objects, "downtime 404");
}

#[test]
fn objects_and_details_quoting_input_are_clipped() {
    let (_dir, store, _ids) = seeded();
    let mut d = downtime();
    d.title = "x".repeat(100_000);
    store.add_downtime(&admin(), d).unwrap_err();
    let last = log(&store).pop().unwrap().record;
    assert!(
        last.objects.chars().count() <= 257,
        "{}",
        last.objects.len()
    );
    assert!(last.detail.chars().count() <= 1025);
}

#[test]
fn admins_grant_and_revoke_but_never_remove_the_last_admin() {
    let (_dir, store) = temp_store();
    assert_eq!(store.sign_in(&admin()).unwrap(), Role::Admin);
    let e = store.revoke_role(&admin(), "admin").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("last admin"), "{e}");
    let e = store
        .grant_role(&admin(), "admin", Role::Viewer)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);

    store.grant_role(&admin(), "vic", Role::Admin).unwrap();
    assert_eq!(store.sign_in(&viewer()).unwrap(), Role::Admin);
    store.revoke_role(&viewer(), "admin").unwrap();
    assert_eq!(store.sign_in(&admin()).unwrap(), Role::Viewer);
    let e = store
        .grant_role(&admin(), "admin", Role::Admin)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);

    store.grant_role(&viewer(), "ops", Role::Viewer).unwrap();
    let users: Vec<_> = store
        .users()
        .unwrap()
        .into_iter()
        .map(|u| (u.name, u.role, u.granted_by))
        .collect();
    assert_eq!(
        users,
        vec![
            ("ops".into(), Role::Viewer, "vic".into()),
            ("vic".into(), Role::Admin, "admin".into()),
        ]
    );
    let e = store.revoke_role(&viewer(), "nobody").unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    let e = store.grant_role(&viewer(), " ", Role::Admin).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
}

/// Opens the file behind the app's back, as someone editing it would,
/// with the append-only triggers dropped.
fn tamper(dir: &tempfile::TempDir, sql: &str) {
    let conn = rusqlite::Connection::open(dir.path().join(DB_FILE_NAME)).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_append_only_update; DROP TRIGGER audit_log_append_only_delete;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
}

fn five_entries() -> (tempfile::TempDir, Store) {
    let (dir, store) = temp_store();
    store.sign_in(&admin()).unwrap();
    for i in 0..4 {
        store
            .grant_role(&admin(), &format!("user{i}"), Role::Viewer)
            .unwrap();
    }
    assert_eq!(store.verify_audit().unwrap().entries, 5);
    (dir, store)
}

#[test]
fn the_audit_log_refuses_updates_and_deletes_from_the_app() {
    let (_dir, store) = five_entries();
    let conn = store.writer();
    for sql in [
        "UPDATE audit_log SET actor = 'x' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 2",
    ] {
        let e = conn.execute(sql, []).unwrap_err();
        assert!(e.to_string().contains("append-only"), "{e}");
    }
}

#[test]
fn verify_finds_an_edited_entry_and_a_deleted_one() {
    let (dir, store) = five_entries();
    let intact = store.verify_audit().unwrap();
    assert_eq!(intact.broken, None);
    assert_eq!(intact.head.as_ref().unwrap().0, 5);

    tamper(
        &dir,
        "UPDATE audit_log SET outcome = 'refused' WHERE seq = 3",
    );
    let broken = store.verify_audit().unwrap().broken.unwrap();
    assert_eq!(broken.0, 3);
    assert!(broken.1.contains("edited"), "{}", broken.1);

    let (dir, store) = five_entries();
    tamper(&dir, "DELETE FROM audit_log WHERE seq = 2");
    assert_eq!(store.verify_audit().unwrap().broken.unwrap().0, 3);

    let (dir, store) = five_entries();
    tamper(&dir, "UPDATE audit_log SET action = 'bogus' WHERE seq = 4");
    let broken = store.verify_audit().unwrap().broken.unwrap();
    assert_eq!(broken.0, 4, "{}", broken.1);
}

#[test]
fn the_log_filters_pages_and_exports_as_csv() {
    let (_dir, store, ids) = seeded();
    store.create_update(&admin(), request(&ids), t(1)).unwrap();
    store.add_downtime(&viewer(), downtime()).unwrap_err();
    let all = log(&store);
    let by = |f: AuditFilter| -> Vec<i64> {
        store
            .audit_log(&f, MAX_AUDIT_PAGE)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    let refused = by(AuditFilter {
        outcome: Some(AuditOutcome::Refused),
        ..Default::default()
    });
    assert_eq!(refused, vec![all.last().unwrap().seq]);
    assert_eq!(
        by(AuditFilter {
            actor: Some("vic".into()),
            ..Default::default()
        }),
        refused
    );
    let imports = by(AuditFilter {
        action: Some(Action::ImportVersion),
        ..Default::default()
    });
    assert_eq!(imports.len(), 2);
    assert_eq!(
        by(AuditFilter {
            text: Some("ACME-ERP 2.4".into()),
            ..Default::default()
        })
        .len(),
        2,
        "the import of 2.4.0 and the update to it"
    );
    assert!(by(AuditFilter {
        text: Some("%".into()),
        ..Default::default()
    })
    .is_empty());
    // Pages: newest first, then older than the last seen.
    let page = store.audit_log(&AuditFilter::default(), 2).unwrap();
    let next = store
        .audit_log(
            &AuditFilter {
                before: Some(page[1].seq),
                ..Default::default()
            },
            2,
        )
        .unwrap();
    assert_eq!(next[0].seq, page[1].seq - 1);
    assert_eq!(
        store
            .audit_log(&AuditFilter::default(), 0)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidInput
    );

    let mut csv = Vec::new();
    let n = store
        .export_audit_csv(&AuditFilter::default(), &mut csv)
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(n as usize, all.len());
    assert_eq!(lines.len(), all.len() + 1);
    assert_eq!(lines[0], crate::domain::audit::CSV_HEADER);
    assert!(lines[1].starts_with("1,"), "oldest first: {}", lines[1]);
    assert!(lines.last().unwrap().contains(",vic,viewer,downtime.add,"));
}

#[test]
fn an_admin_trusts_a_new_certificate_and_the_old_pin_is_on_record() {
    use crate::domain::Fingerprint;
    let (_dir, store) = temp_store();
    let (old, new) = (Fingerprint::of_der(b"old"), Fingerprint::of_der(b"new"));
    let device = NewDevice {
        name: "edge-7".into(),
        agent_url: "https://edge-7.plant.example:7443".into(),
        agent_token: "t".into(),
        tls_fingerprint: Some(old.to_string()),
        labels: vec![],
        products: Default::default(),
    }
    .validate()
    .unwrap();
    let added = store.add_device(&admin(), &device).unwrap();
    assert_eq!(added.tls_fingerprint, Some(old));

    let e = store
        .trust_certificate(&viewer(), "edge-7", &new)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Forbidden);
    let trusted = store.trust_certificate(&admin(), "edge-7", &new).unwrap();
    assert_eq!(trusted.tls_fingerprint, Some(new));
    assert_eq!(
        store.device(added.id).unwrap().unwrap().tls_fingerprint,
        Some(new)
    );
    let entry = log(&store).pop().unwrap().record;
    assert_eq!(entry.action, Action::EditDevice);
    assert_eq!(
        entry.detail,
        format!("trusted certificate {new} (was {old})")
    );
    let e = store
        .trust_certificate(&admin(), "nowhere", &new)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
}

#[test]
fn a_loopback_device_has_no_certificate_to_trust() {
    let (_dir, store, _ids) = seeded();
    let e = store
        .trust_certificate(
            &admin(),
            "berlin-01",
            &crate::domain::Fingerprint::of_der(b"x"),
        )
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(e.to_string().contains("no certificate"), "{e}");
}
