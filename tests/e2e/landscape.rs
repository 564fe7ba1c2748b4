//! The landscape in the real app: the devices table of the demo, adding a
//! device from a fleet simulator on loopback (a wrong token refused at its
//! field first, then its identity and inventory shown), its detail with the
//! modules the agent reports, and a version imported into the catalog from
//! a manifest file picked in the file dialog.

use std::path::Path;

use rollwright::domain::{ProductName, Version};
use rollwright::store::Store;
use rollwright_agent::fleet::FleetSpec;
use rollwright_agent::FleetConfig;
use thirtyfour::prelude::*;

use crate::harness::{serve_fleet, store_in, until_every_device_asked, App, Pss, SELECT};

const TOKEN: &str = "e2e-fleet-token";

/// One simulated device running vision-inspector with two modules.
async fn fleet() -> anyhow::Result<String> {
    let mut config = FleetConfig::new(1);
    config.spec = Some(FleetSpec::parse(
        r#"{"devices": [{"name": "line-4-camera", "labels": {"site": "e2e-lab"},
            "products": {"vision-inspector": {"version": "1.9.0", "modules": [
                {"name": "inspector-core", "version": "1.9.0"},
                {"name": "model-pack", "version": "2026.10"}]}}}]}"#,
    )?);
    let addr = serve_fleet(config, TOKEN).await?;
    Ok(format!("http://{addr}/devices/dev-00000"))
}

/// A manifest of a version no landscape has: acme-erp 2.6.0.
fn manifest(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
    let text = std::fs::read_to_string(fixtures.join("acme-erp-2.5.0.toml"))?
        .replace("version = \"2.5.0\"", "version = \"2.6.0\"");
    let path = dir.join("acme-erp-2.6.0.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// The landscape screen, once its table shows devices.
async fn open_devices(app: &App) -> anyhow::Result<()> {
    // The shell may still be starting (100,000 devices): wait for the navigation.
    app.wait_for(By::Css("[data-nav='landscape']"))
        .await?
        .click()
        .await?;
    app.wait_for(By::Css("[data-devices] tr[data-device]"))
        .await?;
    Ok(())
}

async fn field(app: &App, name: &str) -> WebDriverResult<WebElement> {
    app.wait_for(By::Css(format!("[data-add-field='{name}']")))
        .await
}

#[tokio::test]
async fn add_a_device_from_its_agent_see_its_inventory_and_import_a_version() -> anyhow::Result<()>
{
    let url = fleet().await?;
    let files = tempfile::tempdir()?;
    // The file dialog's answer: nothing picked until the test says.
    let answer = files.path().join("pick");
    std::fs::write(&answer, "")?;
    let app = App::start_with_env(
        tempfile::tempdir()?,
        &[("ROLLWRIGHT_E2E_PICK_FILE", answer.as_path())],
    )
    .await?;
    let d = &app.driver;
    // The demo landscape's devices, read from its fleet at start.
    open_devices(&app).await?;
    app.screenshot("landscape-table").await?;

    // A wrong token is refused at the token field, and nothing is saved.
    d.find(By::Css("[data-add-device]")).await?.click().await?;
    field(&app, "name")
        .await?
        .send_keys("line-4-camera")
        .await?;
    field(&app, "agent_url").await?.send_keys(&url).await?;
    field(&app, "agent_token")
        .await?
        .send_keys("not-the-token")
        .await?;
    field(&app, "labels").await?.send_keys("rack=r7").await?;
    d.find(By::Css("[data-check-agent]")).await?.click().await?;
    let error = app
        .wait_for(By::Css("[data-field-error='agent_token']"))
        .await?;
    assert!(
        error.text().await?.contains("refused the token"),
        "{}",
        error.text().await?
    );
    app.screenshot("landscape-add-error").await?;

    // The right token: the agent says who it is and what it runs.
    let token = field(&app, "agent_token").await?;
    token.clear().await?;
    token.send_keys(TOKEN).await?;
    d.find(By::Css("[data-check-agent]")).await?.click().await?;
    let agent = app.wait_for(By::Css("[data-checked-agent]")).await?;
    assert_eq!(agent.text().await?, "dev-00000");
    d.find(By::Css("[data-add-submit]")).await?.click().await?;

    // Its detail shows the modules the agent reported.
    let product = app
        .wait_for(By::Css(
            "[data-device-detail] [data-detail-product='vision-inspector']",
        ))
        .await?;
    app.screenshot("landscape-detail").await?;
    let text = product.prop("textContent").await?.unwrap_or_default();
    assert!(
        text.contains("inspector-core") && text.contains("model-pack"),
        "{text}"
    );
    let store = store(&app)?;
    let added = store.device_by_name("line-4-camera")?.expect("saved");
    assert_eq!(added.reach.agent_id.as_deref(), Some("dev-00000"));
    assert_eq!(added.labels["rack"], "r7");
    assert_eq!(added.labels["site"], "e2e-lab", "the agent's label too");

    // A manifest picked in the file dialog becomes a catalog version.
    std::fs::write(&answer, manifest(files.path())?.display().to_string())?;
    d.find(By::Css("[data-tab='catalog']"))
        .await?
        .click()
        .await?;
    app.wait_for(By::Css("[data-import-version]"))
        .await?
        .click()
        .await?;
    let imported = app.wait_for(By::Css("[data-imported]")).await?;
    assert!(
        imported.text().await?.contains("acme-erp 2.6.0"),
        "{}",
        imported.text().await?
    );
    app.wait_for(By::Css(
        "[data-catalog-product='acme-erp'] [data-catalog-version='2.6.0']",
    ))
    .await?;
    app.screenshot("landscape-catalog").await?;
    let product = ProductName::parse("product", "acme-erp")?;
    let v260 = Version::parse("2.6.0")?;
    assert!(store.versions_of(&product)?.contains(&v260));
    // The wizard's version list offers it at once.
    app.by_role("button", "Update wizard")
        .await?
        .click()
        .await?;
    let versions = app.by_role(SELECT, "Target version of acme-erp").await?;
    versions
        .query(By::Css("option[value='2.6.0']"))
        .first()
        .await?;
    app.stop().await
}

#[tokio::test]
async fn figures_memory_while_scrolling_100000_devices() -> anyhow::Result<()> {
    const DEVICES: usize = 100_000;
    const JUMPS: usize = 40;
    let dir = tempfile::tempdir()?;
    {
        let db = store_in(dir.path())?;
        let actor = rollwright::os_user::os_actor()?;
        let rows = (0..DEVICES)
            .map(|i| {
                rollwright::domain::NewDevice {
                    name: format!("edge-{i:06}"),
                    agent_url: format!("http://127.0.0.1:9/devices/edge-{i:06}"),
                    agent_token: TOKEN.into(),
                    tls_fingerprint: None,
                    labels: vec![format!("site=site-{:02}", i % 40)],
                    products: [(
                        "acme-erp".to_owned(),
                        (Some("2.3.0".to_owned()), Some("2.3.0".to_owned())),
                    )]
                    .into(),
                }
                .validate()
            })
            .collect::<Result<Vec<_>, _>>()?;
        db.import_devices(&actor, &rows)?;
    }
    let db_path = dir.path().to_owned();
    let app = App::start_with(dir).await?;
    let d = &app.driver;
    // The app asks every device when it starts; what that costs is a figure
    // of its own, and the scrolling is measured after it.
    let mut sync_peak = Pss::default();
    let mut sync_peak_total = 0;
    until_every_device_asked(&store_in(&db_path)?, || {
        let now = app.app_pss_kib()?;
        sync_peak = sync_peak.max(now);
        sync_peak_total = sync_peak_total.max(now.total());
        Ok(())
    })
    .await?;
    // The sync's last batch is written before it ends: let it end.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    open_devices(&app).await?;
    let start = app.app_pss_kib()?;
    let (mut peak, mut peak_total) = (start, start.total());
    let scroller = app.wait_for(By::Css("[data-devices-scroll]")).await?;
    for jump in 1..=JUMPS {
        // Evenly down to the last row; each stop waits for its rows' page.
        let index = (DEVICES - 1) * jump / JUMPS;
        d.execute(
            "const [el, index] = arguments;
             const row = el.querySelector('tr[data-index]');
             const h = row ? row.getBoundingClientRect().height : 34;
             el.scrollTop = index * h;",
            vec![scroller.to_json()?, serde_json::json!(index)],
        )
        .await?;
        app.wait_for(By::Css(format!(
            "[data-devices] tr[data-index='{index}'][data-device]"
        )))
        .await?;
        let now = app.app_pss_kib()?;
        peak = peak.max(now);
        peak_total = peak_total.max(now.total());
    }
    let end = app.app_pss_kib()?;
    app.screenshot("landscape-100000-scrolled").await?;
    let mib = |kib: u64| kib as f64 / 1024.0;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-figures");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("landscape.json"),
        serde_json::json!({
            "devices": DEVICES,
            "jumps": JUMPS,
            "pss_startup_sync_peak_mib": mib(sync_peak_total),
            "pss_app_startup_sync_peak_mib": mib(sync_peak.app),
            "pss_start_mib": mib(start.total()),
            "pss_peak_mib": mib(peak_total),
            "pss_end_mib": mib(end.total()),
            "pss_app_start_mib": mib(start.app),
            "pss_app_peak_mib": mib(peak.app),
            "pss_webkit_peak_mib": mib(peak.webkit),
        })
        .to_string(),
    )?;
    println!(
        "landscape, {DEVICES} devices scrolled: PSS of the app's process {:.1} MiB at start, peak {:.1} MiB (during the start-up sync {:.1} MiB); with WebKit's processes {:.1} MiB at start, peak {:.1} MiB (during the start-up sync {:.1} MiB)",
        mib(start.app),
        mib(peak.app),
        mib(sync_peak.app),
        mib(start.total()),
        mib(peak_total),
        mib(sync_peak_total)
    );
    app.stop().await
}

fn store(app: &App) -> anyhow::Result<Store> {
    store_in(app.data_dir())
}
