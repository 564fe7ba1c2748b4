//! The update wizard in the real app: two products to three devices of a
//! fleet simulator on loopback with mixed options, a downgrade neither
//! offered nor accepted through a crafted call, a window refused at its
//! field, a conflict cleared by Suggest slot, and the time step Devices takes
//! to show 10,000 devices.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, Local, Utc};
use rollwright::agent_client::{AgentClient, ClientOptions};
use rollwright::domain::{
    Actor, DeviceUpdateStatus, DowntimeKind, NewDevice, NewDowntime, Scope, ValidDevice,
};
use rollwright::store::Store;
use rollwright_agent::fleet::FleetSpec;
use rollwright_agent::FleetConfig;
use serde_json::{json, Value};
use thirtyfour::prelude::*;

use crate::harness::{serve_fleet, store_in, until_every_device_asked, App, DATE, SELECT};

const TOKEN: &str = "e2e-wizard-token";

fn me() -> anyhow::Result<Actor> {
    Ok(rollwright::os_user::os_actor()?)
}

/// acme-erp 2.3.0 and 2.4.0, edge-gateway 1.0.0 to 1.2.0.
fn catalog(db: &Store) -> anyhow::Result<()> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
    for file in [
        "acme-erp-2.3.0",
        "acme-erp-2.4.0",
        "edge-gateway-1.0.0",
        "edge-gateway-1.1.0",
        "edge-gateway-1.2.0",
    ] {
        let m = rollwright::manifest_file::read_manifest(&fixtures.join(format!("{file}.toml")))?;
        db.import_manifest(&me()?, &m, Utc::now())?;
    }
    Ok(())
}

/// (name, site, products as `product=version`).
type DeviceSpec<'a> = (&'a str, &'a str, &'a [&'a str]);

/// gw-berlin-1 and gw-munich-1 run acme-erp and edge-gateway;
/// erp-berlin-2 runs acme-erp only.
const DEVICES: [DeviceSpec<'static>; 3] = [
    ("erp-berlin-2", "berlin", &["acme-erp=2.3.0"]),
    (
        "gw-berlin-1",
        "berlin",
        &["acme-erp=2.3.0", "edge-gateway=1.1.0"],
    ),
    (
        "gw-munich-1",
        "munich",
        &["acme-erp=2.3.0", "edge-gateway=1.1.0"],
    ),
];

fn device(name: &str, site: &str, url: String, products: &[&str]) -> anyhow::Result<ValidDevice> {
    Ok(NewDevice {
        name: name.into(),
        agent_url: url,
        agent_token: TOKEN.into(),
        tls_fingerprint: None,
        labels: vec![format!("site={site}")],
        products: products
            .iter()
            .map(|p| {
                let (product, version) = p.split_once('=').expect("product=version");
                // Running it, never configured: what the simulator's agents
                // report, so the app's sync at start changes nothing.
                (product.to_owned(), (None, Some(version.to_owned())))
            })
            .collect(),
    }
    .validate()?)
}

/// The three devices, served by a fleet simulator on loopback, and their
/// agents' base URLs by name.
async fn fleet_landscape(db: &Store) -> anyhow::Result<Vec<(String, String)>> {
    let specs: Vec<String> = DEVICES
        .iter()
        .map(|(name, site, products)| {
            let products: Vec<String> = products
                .iter()
                .map(|p| {
                    let (product, version) = p.split_once('=').expect("product=version");
                    format!(r#""{product}": {{"version": "{version}"}}"#)
                })
                .collect();
            format!(
                r#"{{"name": "{name}", "labels": {{"site": "{site}"}}, "products": {{{}}}}}"#,
                products.join(", ")
            )
        })
        .collect();
    let mut config = FleetConfig::new(DEVICES.len());
    config.spec = Some(FleetSpec::parse(&format!(
        r#"{{"devices": [{}]}}"#,
        specs.join(", ")
    ))?);
    let addr = serve_fleet(config, TOKEN).await?;
    let mut urls = Vec::new();
    for (n, (name, site, products)) in DEVICES.iter().enumerate() {
        let url = format!("http://{addr}/devices/dev-{n:05}");
        db.add_device(&me()?, &device(name, site, url.clone(), products)?)?;
        urls.push((name.to_string(), url));
    }
    Ok(urls)
}

/// What a datetime-local input holds for `t`: local wall clock to the minute.
fn local_input(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%dT%H:%M").to_string()
}

// The wizard's controls are found by role and accessible name (issue 15:
// what a screen reader announces is what the tests use); state is read from
// `data-*` hooks.

/// Clicks the control with this role and accessible name.
async fn press(app: &App, role: &str, name: &str) -> anyhow::Result<()> {
    app.by_role(role, name).await?.click().await?;
    Ok(())
}

/// Sets the value of the input or select with this role and accessible name
/// as a script would and tells Svelte (datetime-local inputs take typed text
/// unreliably).
async fn set(app: &App, role: &str, name: &str, value: &str) -> anyhow::Result<()> {
    let el = app.by_role(role, name).await?;
    app.driver
        .execute(
            "arguments[0].value = arguments[1];
             arguments[0].dispatchEvent(new Event('input', { bubbles: true }));
             arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
            vec![el.to_json()?, Value::String(value.to_owned())],
        )
        .await?;
    Ok(())
}

async fn text(app: &App, css: &str) -> anyhow::Result<String> {
    let el = app.wait_for(By::Css(css)).await?;
    Ok(el.prop("textContent").await?.unwrap_or_default())
}

/// The option values of the select with this accessible name.
async fn options(app: &App, name: &str) -> anyhow::Result<Vec<String>> {
    let select = app.by_role(SELECT, name).await?;
    let mut out = Vec::new();
    for o in select.find_all(By::Tag("option")).await? {
        out.push(o.value().await?.unwrap_or_default());
    }
    Ok(out)
}

async fn open_wizard(app: &App) -> anyhow::Result<()> {
    press(app, "button", "Update wizard").await?;
    app.wait_for(By::Css("[data-wizard][data-wizard-step='products']"))
        .await?;
    Ok(())
}

/// Products chosen at their newest offered version, then Next.
async fn choose(app: &App, products: &[&str]) -> anyhow::Result<()> {
    for p in products {
        press(app, "checkbox", &format!("Include {p}")).await?;
    }
    Ok(())
}

async fn next(app: &App, step: &str) -> anyhow::Result<()> {
    let title = match step {
        "devices" => "Devices",
        "deployment" => "Deployment",
        "finalize" => "Finalize",
        other => panic!("no step {other}"),
    };
    press(app, "button", &format!("Next: {title}")).await?;
    app.wait_for(By::Css(format!("[data-wizard][data-wizard-step='{step}']")))
        .await?;
    Ok(())
}

/// The step's table fits the window (1200 × 760, on the 1280 × 800 screen):
/// it does not scroll sideways, and no header or select is cut.
async fn fits_the_window(app: &App) -> anyhow::Result<()> {
    let cut = app
        .driver
        .execute(
            "const cut = [];
             const scroll = document.querySelector('.vtable-scroll');
             if (scroll.scrollWidth > scroll.clientWidth)
               cut.push(`table: ${scroll.scrollWidth} px in ${scroll.clientWidth}`);
             for (const el of document.querySelectorAll('table.vtable th, table.vtable th > span:not(.sr-only)'))
               if (el.scrollWidth > el.clientWidth)
                 cut.push(`${el.textContent.trim()}: ${el.scrollWidth} px in ${el.clientWidth}`);
             // A select cuts its text inside (its scrollWidth does not
             // grow): measure the chosen option's words, plus its padding
             // and arrow (WebKitGTK: about 40 px).
             const ctx = document.createElement('canvas').getContext('2d');
             for (const el of document.querySelectorAll('table.vtable select')) {
               const style = getComputedStyle(el);
               ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
               const words = el.selectedOptions[0]?.textContent ?? '';
               const need = Math.ceil(ctx.measureText(words).width) + 40;
               if (need > el.clientWidth) cut.push(`${words}: ${need} px in ${el.clientWidth}`);
             }
             return cut;",
            vec![],
        )
        .await?;
    assert_eq!(cut.json(), &json!([]), "cut at the window's width");
    Ok(())
}

/// The plan's check settled in `state` (clear, conflicts or refused).
async fn plan_state(app: &App, state: &str) -> anyhow::Result<()> {
    app.wait_for(By::Css(format!("[data-plan-state='{state}']")))
        .await?;
    Ok(())
}

#[tokio::test]
async fn two_products_go_to_three_devices_with_mixed_options() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    catalog(&db)?;
    let urls = fleet_landscape(&db).await?;
    drop(db);
    let app = App::start_with(dir).await?;
    open_wizard(&app).await?;

    // Only versions above what some device has are offered. The agents
    // report what runs and no configuration (the simulator installs without
    // configuring), so the running versions are offered too, to configure
    // the devices at what they run; 1.0.0, below what runs, never is.
    assert_eq!(
        options(&app, "Target version of edge-gateway").await?,
        ["1.2.0", "1.1.0"]
    );
    assert_eq!(
        options(&app, "Target version of acme-erp").await?,
        ["2.4.0", "2.3.0"]
    );
    let running = text(&app, "[data-running='edge-gateway']").await?;
    assert!(
        running.contains("2") && running.contains("1.1.0"),
        "{running}"
    );
    choose(&app, &["acme-erp", "edge-gateway"]).await?;
    app.screenshot("wizard-1-products").await?;

    // A downgrade asked for past the UI is refused by the core, by field.
    let now = Utc::now();
    let db = store_in(app.data_dir())?;
    let gateway = db.device_by_name("gw-berlin-1")?.expect("gw-berlin-1").id.0;
    let crafted = app
        .invoke(
            "approve_plan",
            json!({"plan": {
                "targets": [{"product": "edge-gateway", "version": "1.0.0"}],
                "title": "Down we go",
                "from": now.to_rfc3339(),
                "to": (now + Span::hours(1)).to_rfc3339(),
                "devices": [{"id": gateway, "option": "now", "at": null}],
            }}),
        )
        .await?;
    assert_eq!(crafted["err"]["code"], "invalid_input", "{crafted}");
    assert_eq!(crafted["err"]["field"], "devices[0]", "{crafted}");
    let message = crafted["err"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("not eligible for edge-gateway"),
        "{message}"
    );
    assert!(db.recent_updates(10)?.is_empty(), "nothing was written");

    next(&app, "devices").await?;
    app.wait_for(By::Css(
        "[data-plan-devices][data-state='data'][data-count='3']",
    ))
    .await?;
    press(&app, "button", "Select all shown").await?;
    assert!(text(&app, "[data-selected-count]").await?.contains('3'));
    fits_the_window(&app).await?;
    app.screenshot("wizard-2-devices").await?;

    next(&app, "deployment").await?;
    let from = Utc::now();
    // At the start of a minute at least a minute ahead, so it is not past
    // when the check runs.
    let at = from + Span::minutes(2);
    set(&app, "textbox", "Title", "ERP 2.4 and gateways 1.2").await?;
    set(&app, DATE, "From", &local_input(from)).await?;
    set(
        &app,
        DATE,
        "Estimated to",
        &local_input(from + Span::hours(2)),
    )
    .await?;
    set(&app, SELECT, "Deploy option of gw-berlin-1", "now").await?;
    set(&app, SELECT, "Deploy option of erp-berlin-2", "config_only").await?;
    set(&app, SELECT, "Deploy option of gw-munich-1", "at").await?;
    set(
        &app,
        DATE,
        "Deploy gw-munich-1 at (local time)",
        &local_input(at),
    )
    .await?;
    plan_state(&app, "clear").await?;
    fits_the_window(&app).await?;
    app.screenshot("wizard-3-deployment").await?;

    next(&app, "finalize").await?;
    app.wait_for(By::Css("[data-change-group]")).await?;
    for (option, n) in [("now", "1"), ("config_only", "1"), ("at", "1")] {
        let counted = text(&app, &format!("[data-option-count='{option}']")).await?;
        assert!(counted.contains(n), "{option}: {counted}");
    }
    let ops = app.driver.find_all(By::Css("[data-op='modified']")).await?;
    assert!(!ops.is_empty(), "module changes are listed");
    app.screenshot("wizard-4-finalize").await?;

    press(&app, "button", "Approve Update").await?;
    let confirm = app
        .by_role("alertdialog", "Approve “ERP 2.4 and gateways 1.2”?")
        .await?;
    app.by_role_in(Some(&confirm), "button", "Approve Update")
        .await?
        .click()
        .await?;
    let row = app
        .wait_for(By::Css("tr[data-update][data-focused]"))
        .await?;
    let id: i64 = row.attr("data-update").await?.unwrap_or_default().parse()?;

    // The engine ran what was chosen: the `now` device runs both targets,
    // the config-only one is told but still runs what it ran, and the `at`
    // one waits for its time.
    let update = rollwright::domain::UpdateId(id);
    let expected = [
        ("gw-berlin-1", DeviceUpdateStatus::Succeeded),
        ("erp-berlin-2", DeviceUpdateStatus::Configured),
        ("gw-munich-1", DeviceUpdateStatus::Scheduled),
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let dus = db.device_updates_of(update)?;
        let mut got = Vec::new();
        for du in &dus {
            let name = db.device(du.device)?.expect("device").name;
            got.push((name, du.status));
        }
        got.sort();
        let mut want: Vec<(String, DeviceUpdateStatus)> =
            expected.iter().map(|(n, s)| (n.to_string(), *s)).collect();
        want.sort();
        if got == want {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "device updates: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let agent = |name: &str| {
        let url = &urls.iter().find(|(n, _)| n == name).expect("device").1;
        AgentClient::new(url, TOKEN, None, &ClientOptions::default())
    };
    let gw = agent("gw-berlin-1")?.device().await?;
    assert_eq!(
        gw.products["acme-erp"].deployed_version.as_deref(),
        Some("2.4.0")
    );
    assert_eq!(
        gw.products["edge-gateway"].deployed_version.as_deref(),
        Some("1.2.0")
    );
    let erp = agent("erp-berlin-2")?.device().await?;
    assert_eq!(
        erp.products["acme-erp"].configured_version.as_deref(),
        Some("2.4.0")
    );
    assert_eq!(
        erp.products["acme-erp"].deployed_version.as_deref(),
        Some("2.3.0")
    );
    assert!(!erp.products.contains_key("edge-gateway"));
    // The status list follows the engine's events.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let row = text(&app, &format!("tr[data-update='{id}']")).await?;
        if row.contains("1 succeeded") && row.contains("1 configured") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "status row: {row}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("wizard-5-status").await?;
    app.stop().await
}

#[tokio::test]
async fn a_bad_window_is_refused_at_its_field_and_suggest_slot_clears_a_conflict(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    catalog(&db)?;
    for (name, site, products) in DEVICES {
        let url = format!("http://127.0.0.1:9/devices/{name}");
        db.add_device(&me()?, &device(name, site, url, products)?)?;
    }
    // A freeze over the next three hours, everywhere.
    let now = Utc::now();
    let freeze_end = now + Span::hours(3);
    db.add_downtime(
        &me()?,
        NewDowntime::once(
            DowntimeKind::Freeze,
            "Quarter close",
            now - Span::hours(1),
            freeze_end,
            Scope::All,
        ),
    )?;
    drop(db);
    let app = App::start_with(dir).await?;
    open_wizard(&app).await?;
    choose(&app, &["acme-erp"]).await?;
    next(&app, "devices").await?;
    app.wait_for(By::Css(
        "[data-plan-devices][data-state='data'][data-count='3']",
    ))
    .await?;
    press(&app, "button", "Select all shown").await?;
    next(&app, "deployment").await?;
    set(&app, "textbox", "Title", "ERP 2.4").await?;
    set(&app, DATE, "From", &local_input(now)).await?;

    // An end before the start is refused at the end's field.
    set(
        &app,
        DATE,
        "Estimated to",
        &local_input(now - Span::hours(1)),
    )
    .await?;
    plan_state(&app, "refused").await?;
    let error = text(&app, "[data-field-error='to']").await?;
    assert!(error.contains("must be after from"), "{error}");
    app.screenshot("wizard-window-refused").await?;

    // Inside the freeze: every device conflicts with it.
    set(
        &app,
        DATE,
        "Estimated to",
        &local_input(now + Span::hours(1)),
    )
    .await?;
    plan_state(&app, "conflicts").await?;
    let conflicts = app.wait_for(By::Css("[data-window-conflicts]")).await?;
    assert_eq!(conflicts.attr("data-count").await?.as_deref(), Some("3"));
    let first = text(&app, "[data-plan-row='erp-berlin-2'] [data-conflict]").await?;
    assert!(first.contains("Quarter close"), "{first}");
    app.screenshot("wizard-conflict").await?;

    press(&app, "button", "Suggest slot").await?;
    plan_state(&app, "clear").await?;
    let from = app
        .wait_for(By::Css("[data-plan-field='from']"))
        .await?
        .value()
        .await?
        .unwrap_or_default();
    assert!(
        from.as_str() >= local_input(freeze_end).as_str(),
        "moved past the freeze ({}): {from}",
        local_input(freeze_end)
    );
    app.screenshot("wizard-conflict-cleared").await?;
    app.stop().await
}

#[tokio::test]
async fn figures_step_devices_shows_10000_devices() -> anyhow::Result<()> {
    const DEVICES: usize = 10_000;
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    catalog(&db)?;
    let rows: Vec<ValidDevice> = (0..DEVICES)
        .map(|i| {
            device(
                &format!("edge-{i:05}"),
                &format!("site-{:02}", i % 40),
                format!("http://127.0.0.1:9/devices/edge-{i:05}"),
                &["acme-erp=2.3.0"],
            )
        })
        .collect::<Result<_, _>>()?;
    db.import_devices(&me()?, &rows)?;
    drop(db);

    let db_path = dir.path().to_owned();
    let app = App::start_with(dir).await?;
    // The app asks every device when it starts (here 10,000 unreachable ones:
    // a few seconds of both cores). The figure is of the step, after that.
    until_every_device_asked(&store_in(&db_path)?, || Ok(())).await?;
    open_wizard(&app).await?;
    choose(&app, &["acme-erp"]).await?;
    next(&app, "devices").await?;
    app.wait_for(By::Css(format!(
        "[data-plan-devices][data-state='data'][data-count='{DEVICES}']"
    )))
    .await?;
    let measured = app
        .driver
        .execute(
            "const ms = (n) => performance.getEntriesByName(n, 'measure')[0]?.duration ?? null;
             return [ms('wizard-devices-render'), ms('wizard-devices-answer')];",
            vec![],
        )
        .await?;
    let [ms, answer_ms]: [f64; 2] =
        serde_json::from_value(measured.json().clone()).expect("the page measured step Devices");
    assert!(
        ms > 0.0 && ms.is_finite() && answer_ms <= ms,
        "{ms} {answer_ms}"
    );
    app.screenshot("wizard-devices-10000").await?;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-figures");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("wizard.json"),
        json!({ "devices": DEVICES, "devices_render_ms": ms, "devices_answer_ms": answer_ms })
            .to_string(),
    )?;
    println!(
        "wizard step Devices, {DEVICES} devices: {ms:.1} ms (answer parsed at {answer_ms:.1} ms)"
    );
    app.stop().await
}
