//! Roles in the real app: the sidebar names the user and role, an admin
//! grants from the Users & audit screen and finds it in the audit log; a
//! viewer sees why they may not, and the commands themselves refuse a
//! crafted call with `forbidden`, whatever the UI shows.

use std::time::Duration;

use rollwright::domain::{Action, Actor, AuditOutcome, Role};
use rollwright::store::{AuditFilter, Store};
use serde_json::json;
use thirtyfour::prelude::*;

use crate::harness::{store_in, App};

fn me() -> String {
    rollwright::os_user::os_actor()
        .expect("the account running the tests")
        .name()
        .to_owned()
}

#[tokio::test]
async fn an_admin_grants_a_role_and_finds_it_in_the_verified_audit_log() -> anyhow::Result<()> {
    let app = App::start().await?;
    let d = &app.driver;
    let badge = app.wait_for(By::Css("[data-me] [data-role]")).await?;
    assert_eq!(badge.attr("data-role").await?.as_deref(), Some("admin"));
    let me_el = d.find(By::Css("[data-me]")).await?;
    assert_eq!(me_el.attr("data-me").await?, Some(me()));

    d.find(By::Css("[data-nav='access']"))
        .await?
        .click()
        .await?;
    let name = app.wait_for(By::Css("[data-grant-name]")).await?;
    name.send_keys("carol").await?;
    d.find(By::Css("[data-grant]")).await?.click().await?;
    let row = app.wait_for(By::Css("[data-user='carol']")).await?;
    assert!(row.text().await?.contains("viewer"));

    d.find(By::Css("[data-verify]")).await?.click().await?;
    let chain = app.wait_for(By::Css("[data-chain='intact']")).await?;
    assert!(chain.text().await?.contains("intact"));
    app.screenshot("access-admin").await?;
    let entries = d.find_all(By::Css("[data-audit] [data-seq]")).await?;
    assert!(!entries.is_empty());
    // The whole row, clipped cells included (their full text is in tooltips).
    let newest = entries[0].prop("textContent").await?.unwrap_or_default();
    assert!(
        newest.contains("role.grant") && newest.contains("carol"),
        "{newest}"
    );

    // Crafted calls get field-level errors, and write nothing but the log.
    let bad_role = app
        .invoke("grant_role", json!({"name": "dan", "role": "root"}))
        .await?;
    assert_eq!(bad_role["err"]["code"], "invalid_input", "{bad_role}");
    assert!(
        bad_role["err"]["message"]
            .as_str()
            .unwrap()
            .starts_with("role: "),
        "{bad_role}"
    );
    let empty = app
        .invoke("grant_role", json!({"name": " ", "role": "admin"}))
        .await?;
    assert_eq!(empty["err"]["code"], "invalid_input", "{empty}");
    assert!(empty["err"]["message"]
        .as_str()
        .unwrap()
        .starts_with("name: "));
    let query = json!({"actor": null, "action": "update.delete", "outcome": null, "text": null, "before": null});
    let bad_filter = app.invoke("audit_log", json!({ "query": query })).await?;
    assert_eq!(bad_filter["err"]["code"], "invalid_input", "{bad_filter}");
    assert!(bad_filter["err"]["message"]
        .as_str()
        .unwrap()
        .starts_with("action: "));
    let users: Vec<String> = store_in(app.data_dir())?
        .users()?
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(users, vec!["carol".to_owned(), me()]);

    // The webview may call the app's own commands, not plugins' (lockdown).
    let plugin = app
        .invoke("plugin:dialog|open", json!({"options": {}}))
        .await?;
    assert!(
        plugin["err"].to_string().contains("not allowed"),
        "{plugin}"
    );
    app.stop().await
}

#[tokio::test]
async fn a_viewer_sees_why_and_a_crafted_call_is_forbidden() -> anyhow::Result<()> {
    // Someone else opened this database first: they are its admin.
    let dir = tempfile::tempdir()?;
    let secrets = rollwright::secrets::file_store(dir.path())?;
    let db = Store::open(&dir.path().join("rollwright.sqlite3"), secrets)?;
    assert_eq!(db.sign_in(&Actor::new("someone-else")?)?, Role::Admin);
    drop(db);

    let app = App::start_with(dir).await?;
    let d = &app.driver;
    let badge = app.wait_for(By::Css("[data-me] [data-role]")).await?;
    assert_eq!(badge.attr("data-role").await?.as_deref(), Some("viewer"));

    d.find(By::Css("[data-nav='access']"))
        .await?
        .click()
        .await?;
    let grant = app.wait_for(By::Css("[data-grant]")).await?;
    assert!(!grant.is_enabled().await?, "a viewer's Grant is disabled");
    let why = grant.attr("title").await?.unwrap_or_default();
    assert!(
        why.contains("Only an admin"),
        "the reason is given: {why:?}"
    );
    let revoke = d.find(By::Css("[data-revoke='someone-else']")).await?;
    assert!(!revoke.is_enabled().await?);
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot("access-viewer").await?;

    // The wizard is read-only for a viewer, saying why.
    app.by_role("button", "Update wizard")
        .await?
        .click()
        .await?;
    let denied = app.wait_for(By::Css("[data-wizard] [data-denied]")).await?;
    let why = denied.prop("textContent").await?.unwrap_or_default();
    assert!(why.contains("Only an admin"), "{why:?}");
    app.screenshot("wizard-viewer").await?;

    let me = me();
    let refused = app
        .invoke("grant_role", json!({"name": me, "role": "admin"}))
        .await?;
    assert_eq!(refused["err"]["code"], "forbidden", "{refused}");
    assert_eq!(
        refused["err"]["message"],
        format!("{me} is a viewer; only an admin may grant or revoke roles")
    );
    let refused = app
        .invoke("revoke_role", json!({"name": "someone-else"}))
        .await?;
    assert_eq!(refused["err"]["code"], "forbidden", "{refused}");
    let refused = app
        .invoke(
            "approve_plan",
            json!({"plan": {"targets": [{"product": "acme-erp", "version": "2.4.0"}],
                "title": "Sneaky", "from": "2030-01-01T10:00:00Z", "to": "2030-01-01T12:00:00Z",
                "devices": [{"id": 1, "option": "now", "at": null}]}}),
        )
        .await?;
    assert_eq!(refused["err"]["code"], "forbidden", "{refused}");

    let store = store_in(app.data_dir())?;
    assert_eq!(store.users()?.len(), 1, "nothing granted or revoked");
    let on_record = store.audit_log(
        &AuditFilter {
            outcome: Some(AuditOutcome::Refused),
            ..Default::default()
        },
        10,
    )?;
    let actions: Vec<Action> = on_record.iter().map(|e| e.record.action).collect();
    assert_eq!(
        actions,
        vec![Action::CreateUpdate, Action::RevokeRole, Action::GrantRole]
    );
    assert!(on_record.iter().all(|e| e.record.actor == me));
    // A viewer's app does not seed the demo into someone else's database.
    assert!(store.devices()?.is_empty());
    app.stop().await
}
