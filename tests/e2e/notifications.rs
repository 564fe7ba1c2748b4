//! Desktop notifications as a test sees them: `dbus-monitor` on the session
//! bus the app runs on, watching for `Notify` calls with a given summary.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use chrono::Utc;
use rollwright::demo::{self, DemoFleetInfo};
use rollwright::domain::{DeployOption, NewTarget, NewUpdate, UpdateId};
use rollwright::engine::{Engine, EngineConfig, Silent, SystemClock};
use rollwright::store::Store;

/// How long after the approval the devices deploy: past the app's start and
/// the closing of its window.
pub const DEPLOY_AFTER_S: i64 = 20;

/// Seeds the demo into `data_dir` and approves an update of acme-erp to its
/// newest version on every eligible device, for the app to carry out.
pub async fn approved_demo_update(data_dir: &Path) -> anyhow::Result<UpdateId> {
    // The app runs with `ROLLWRIGHT_SECRETS=file`: the same file store.
    let secrets = rollwright::secrets::file_store(data_dir)?;
    let store = Store::open(&data_dir.join("rollwright.sqlite3"), secrets)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let now = Utc::now();
    // As the account the app runs as, so the app finds its user an admin.
    let actor = rollwright::os_user::os_actor()?;
    demo::seed(&store, &actor, &DemoFleetInfo::new(port), now)?;
    let product = rollwright::domain::ProductName::parse("product", "acme-erp")?;
    let version = rollwright::domain::parse_version("version", "2.5.0")?;
    let devices = store
        .eligible(&product, &version)?
        .into_iter()
        .take(5)
        // Deployments start after the app's window has been closed.
        .map(|e| {
            (
                e.device,
                DeployOption::At(now + chrono::Duration::seconds(DEPLOY_AFTER_S)),
            )
        })
        .collect();
    let (update, _) = store.create_update(
        &actor,
        NewUpdate {
            targets: vec![NewTarget::new("acme-erp", "2.5.0")],
            title: "E2E rollout".into(),
            window_from: now,
            window_to: now + chrono::Duration::hours(1),
            devices,
        },
        now,
    )?;
    // An engine that is not started records the approval and runs nothing:
    // the app's engine carries the update out.
    let engine = Engine::new(
        store,
        Arc::new(SystemClock),
        Arc::new(Silent),
        EngineConfig::default(),
    )?;
    engine.approve(&actor, update.id).await?;
    engine.shutdown().await;
    Ok(update.id)
}

/// `dbus-monitor` watching `Notify` calls; the lines arrive on a channel.
pub struct Watch {
    monitor: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    pub fn start() -> anyhow::Result<Watch> {
        if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
            bail!("no session bus: run the end-to-end tests with `cargo xtask test` (dbus-run-session)");
        }
        let mut monitor = Command::new("dbus-monitor")
            .args([
                "--session",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start dbus-monitor (Debian package dbus)")?;
        let stdout = monitor.stdout.take().expect("piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Watch { monitor, lines })
    }

    /// Waits for a notification whose summary is `summary`; returns its body.
    pub async fn wait_for(&self, summary: &str, limit: Duration) -> anyhow::Result<String> {
        let deadline = std::time::Instant::now() + limit;
        let quoted = format!("string \"{summary}\"");
        let mut after_summary = false;
        while std::time::Instant::now() < deadline {
            match self.lines.try_recv() {
                Ok(line) if after_summary && line.trim_start().starts_with("string \"") => {
                    return Ok(line.trim().to_owned());
                }
                Ok(line) => after_summary |= line.trim() == quoted,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        bail!("no notification {summary:?} within {limit:?}")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.monitor.kill();
        let _ = self.monitor.wait();
    }
}
