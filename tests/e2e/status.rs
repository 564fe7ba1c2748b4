//! The status screen in the real app against a fleet simulator on loopback
//! whose deployments all fail: the list and its filter, an update expanded
//! to its devices, the error log of a failed device with an entry's detail,
//! a cancel of a scheduled update that revokes the agents' configuration,
//! and an approval made outside the app (as `rollwright-cli update approve`
//! makes it) carried out by the app's running engine.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rollwright::agent_client::{AgentClient, ClientOptions};
use rollwright::domain::{
    Actor, DeployOption, DeviceId, NewDevice, NewTarget, NewUpdate, UpdateId,
};
use rollwright::engine::{Engine, EngineConfig, Silent, SystemClock};
use rollwright::store::Store;
use rollwright_agent::fleet::FleetSpec;
use rollwright_agent::FleetConfig;
use thirtyfour::prelude::*;

use crate::harness::{serve_fleet, store_in, App};

const TOKEN: &str = "e2e-status-token";

fn me() -> anyhow::Result<Actor> {
    Ok(rollwright::os_user::os_actor()?)
}

/// acme-erp 2.3.0 → 2.4.0 on `n` fleet devices; their agents' URLs.
async fn landscape(
    db: &Store,
    n: usize,
    fail_rate: f64,
) -> anyhow::Result<Vec<(DeviceId, String)>> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
    for file in ["acme-erp-2.3.0", "acme-erp-2.4.0"] {
        let m = rollwright::manifest_file::read_manifest(&fixtures.join(format!("{file}.toml")))?;
        db.import_manifest(&me()?, &m, Utc::now())?;
    }
    // Every device runs acme-erp 2.3.0 (a generated fleet runs any version).
    let specs: Vec<String> = (1..=n)
        .map(|i| {
            format!(
                r#"{{"name": "line-{i}", "labels": {{"site": "berlin"}}, "products": {{"acme-erp": {{"version": "2.3.0"}}}}}}"#
            )
        })
        .collect();
    let mut config = FleetConfig::new(n);
    config.spec = Some(FleetSpec::parse(&format!(
        r#"{{"devices": [{}]}}"#,
        specs.join(", ")
    ))?);
    config.faults.fail_rate = fail_rate;
    config.faults.install_ms = (300, 600);
    let addr = serve_fleet(config, TOKEN).await?;
    let mut devices = Vec::new();
    for i in 0..n {
        let url = format!("http://{addr}/devices/dev-{i:05}");
        let device = NewDevice {
            name: format!("line-{}", i + 1),
            agent_url: url.clone(),
            agent_token: TOKEN.into(),
            tls_fingerprint: None,
            labels: vec!["site=berlin".into()],
            products: [("acme-erp".into(), (None, Some("2.3.0".into())))].into(),
        }
        .validate()?;
        devices.push((db.add_device(&me()?, &device)?.id, url));
    }
    Ok(devices)
}

/// Creates and approves an update as `rollwright-cli update approve` does:
/// through an engine that is not started, so only a running one carries it out.
async fn approved(
    db: &Store,
    title: &str,
    devices: &[(DeviceId, String)],
    option: DeployOption,
) -> anyhow::Result<UpdateId> {
    let now = Utc::now();
    let (update, _) = db.create_update(
        &me()?,
        NewUpdate {
            targets: vec![NewTarget::new("acme-erp", "2.4.0")],
            title: title.into(),
            window_from: now,
            window_to: now + chrono::Duration::hours(4),
            devices: devices.iter().map(|(id, _)| (*id, option)).collect(),
        },
        now,
    )?;
    let engine = Engine::new(
        db.clone(),
        Arc::new(SystemClock),
        Arc::new(Silent),
        EngineConfig::default(),
    )?;
    engine.approve(&me()?, update.id).await?;
    engine.shutdown().await;
    Ok(update.id)
}

async fn configured_version(url: &str) -> anyhow::Result<Option<String>> {
    let client = AgentClient::new(url, TOKEN, None, &ClientOptions::default())?;
    Ok(client.device().await?.products["acme-erp"]
        .configured_version
        .clone())
}

/// Clicks `css`, found again when a refresh drew it anew in between.
async fn click(app: &App, css: &str) -> anyhow::Result<()> {
    let mut tries = 0;
    loop {
        match app.wait_for(By::Css(css)).await?.click().await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 3 && e.to_string().to_lowercase().contains("stale") => tries += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Waits until the element `css` has `attr` = `value`.
async fn wait_attr(app: &App, css: &str, attr: &str, value: &str) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    loop {
        let found = app.texts(css, attr).await?;
        if found.first().is_some_and(|(v, _)| v == value) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(60) {
            app.screenshot("status-timeout").await?;
            anyhow::bail!("{css} did not get {attr}={value} within 60 s; it shows {found:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_failed_device_shows_its_error_log_and_a_scheduled_update_is_cancelled(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    let devices = landscape(&db, 3, 1.0).await?;
    let failing = approved(&db, "Line 1 now", &devices[..1], DeployOption::Now).await?;
    let later = Utc::now() + chrono::Duration::hours(2);
    let scheduled = approved(
        &db,
        "Lines 2 and 3 tonight",
        &devices[1..],
        DeployOption::At(later),
    )
    .await?;
    let app = App::start_with(dir).await?;
    click(&app, "[data-nav='status']").await?;

    // The failing rollout ends failed; the other waits, told its target early.
    wait_attr(
        &app,
        &format!("tr[data-update='{}']", failing.0),
        "data-status",
        "failed",
    )
    .await?;
    wait_attr(
        &app,
        &format!("tr[data-update='{}']", scheduled.0),
        "data-status",
        "scheduled",
    )
    .await?;
    for (_, url) in &devices[1..] {
        let started = std::time::Instant::now();
        while configured_version(url).await?.as_deref() != Some("2.4.0") {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(30),
                "not configured early"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    app.wait_for(By::Css("[data-updated-at]")).await?;
    let (_, updated) = app
        .texts("[data-updated-at]", "data-updated-at")
        .await?
        .remove(0);
    assert!(updated.contains("Updated"), "{updated}");
    app.screenshot("status-overview").await?;

    // The failed device's error log: the agent's entries and Rollwright's.
    click(&app, &format!("[data-expand='{}']", failing.0)).await?;
    wait_attr(
        &app,
        &format!("[data-device-list='{}']", failing.0),
        "data-state",
        "data",
    )
    .await?;
    app.wait_for(By::Css("tr[data-device-update][data-status='error']"))
        .await?;
    let du = app
        .texts(
            "tr[data-device-update][data-status='error']",
            "data-device-update",
        )
        .await?
        .remove(0)
        .0;
    app.screenshot("status-expanded").await?;
    click(&app, &format!("[data-error-log='{du}']")).await?;
    app.wait_for(By::Css("[data-log-dialog] tr[data-log-entry]"))
        .await?;
    app.screenshot("status-error-log").await?;
    let entries = app.texts("tr[data-log-entry]", "data-log-entry").await?;
    assert!(
        entries.len() >= 2,
        "the agent's entries and Rollwright's: {entries:?}"
    );
    let all: String = entries.iter().map(|(_, t)| t.as_str()).collect();
    assert!(all.contains("IMPORT_FAILED"), "the agent's entry: {all}");
    assert!(all.contains("DEPLOY_FAILED"), "Rollwright's entry: {all}");
    let index = &entries
        .iter()
        .find(|(_, t)| t.contains("IMPORT_FAILED"))
        .expect("an IMPORT_FAILED row")
        .0;
    click(&app, &format!("tr[data-log-entry='{index}'] td:last-child")).await?;
    app.wait_for(By::Css(format!("[data-log-detail='{index}']")))
        .await?;
    let detail = app
        .texts("[data-log-detail]", "data-log-detail")
        .await?
        .remove(0)
        .1;
    assert!(
        detail.contains("import failed at step"),
        "the module and step: {detail}"
    );
    app.screenshot("status-error-log-entry").await?;
    click(&app, "[data-copy-log]").await?;
    app.wait_for(By::Css("[data-copy-result]")).await?;
    let copied = app
        .texts("[data-copy-result]", "role")
        .await?
        .pop()
        .map(|(_, text)| text)
        .unwrap_or_default();
    assert!(copied.starts_with("Copied the whole log"), "{copied}");
    // What the clipboard holds now, pasted as another program would.
    let pasted = crate::x11::Display::open()?.clipboard_text()?;
    assert!(
        pasted.contains("IMPORT_FAILED"),
        "the log as text: {pasted}"
    );
    app.driver
        .action_chain()
        .send_keys(Key::Escape)
        .perform()
        .await?;

    // Cancel the scheduled update: the confirmation says what happens, and
    // the agents are configured back.
    click(&app, &format!("[data-cancel-update='{}']", scheduled.0)).await?;
    app.wait_for(By::Css("[data-confirm='confirm']")).await?;
    let words = app
        .texts("[role='alertdialog'], [role='dialog']", "role")
        .await?
        .remove(0)
        .1;
    assert!(
        words.to_lowercase().contains("revoke"),
        "says what happens: {words}"
    );
    app.screenshot("status-cancel-confirm").await?;
    click(&app, "[data-confirm='confirm']").await?;
    wait_attr(
        &app,
        &format!("tr[data-update='{}']", scheduled.0),
        "data-status",
        "cancelled",
    )
    .await?;
    for (_, url) in &devices[1..] {
        assert_eq!(
            configured_version(url).await?.as_deref(),
            None,
            "the configuration change is revoked: the devices had none"
        );
    }

    // The status filter keeps only failed updates.
    app.wait_for(By::Css("[data-status-filter]")).await?;
    app.driver
        .execute(
            "const select = document.querySelector('[data-status-filter]');
             select.value = 'failed';
             select.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await?;
    let started = std::time::Instant::now();
    loop {
        let ids: Vec<String> = app
            .texts("tr[data-update]", "data-update")
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if ids == [failing.0.to_string()] {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(10),
            "filtered rows: {ids:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await
}

#[tokio::test]
async fn an_approval_made_outside_the_app_is_carried_out_by_its_engine() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    let devices = landscape(&db, 2, 0.0).await?;
    let app = App::start_with(dir).await?;
    click(&app, "[data-nav='status']").await?;
    app.wait_for(By::Css("[data-status-list], [data-updated-at]"))
        .await?;

    // While the app runs, as `rollwright-cli update approve` does.
    let update = approved(&db, "Approved with the CLI", &devices, DeployOption::Now).await?;
    wait_attr(
        &app,
        &format!("tr[data-update='{}']", update.0),
        "data-status",
        "succeeded",
    )
    .await?;
    for du in db.device_updates_of(update)? {
        assert_eq!(du.status, rollwright::domain::DeviceUpdateStatus::Succeeded);
    }
    app.stop().await
}

#[tokio::test]
async fn the_app_says_whose_engine_runs_while_another_process_holds_the_database(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    landscape(&db, 1, 0.0).await?;
    // This test's process plays `rollwright-cli run`.
    let holder = Engine::new(
        db.clone(),
        Arc::new(SystemClock),
        Arc::new(Silent),
        EngineConfig::default(),
    )?;
    holder.start().await?;
    let app = App::start_with(dir).await?;
    app.wait_for(By::Css("[data-engine-banner]")).await?;
    let (_, text) = app.texts("[data-engine-banner]", "role").await?.remove(0);
    assert!(
        text.contains(&format!("process {}", std::process::id())),
        "names the holder: {text}"
    );
    app.screenshot("engine-elsewhere").await?;

    holder.shutdown().await;
    let started = std::time::Instant::now();
    while !app
        .driver
        .find_all(By::Css("[data-engine-banner]"))
        .await?
        .is_empty()
    {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "the app did not take over"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.stop().await
}
