//! Starts tauri-driver on free ports with an isolated data directory, opens a
//! WebDriver session on the real app, and cleans up afterwards.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use thirtyfour::common::command::FormatRequestData;
use thirtyfour::prelude::*;
use thirtyfour::{ElementId, RequestData, SessionId};

/// The role WebKitGTK computes for a `datetime-local` input.
pub const DATE: &str = "textbox";
/// … and for a `select`: a pop-up button, where ARIA in HTML says combobox.
pub const SELECT: &str = "button";

pub struct App {
    pub driver: WebDriver,
    // Dropped after the session: kills tauri-driver (and with it the app).
    _tauri_driver: KillOnDrop,
    data_dir: tempfile::TempDir,
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    /// Ends the app too: closing its window only hides it (it lives in the
    /// tray), and a leftover instance would answer the next test's launch
    /// in its place (single instance).
    fn drop(&mut self) {
        let below: Vec<String> = processes_below(self.0.id())
            .into_iter()
            .map(|(pid, _)| pid.to_string())
            .collect();
        let _ = self.0.kill();
        let _ = self.0.wait();
        if !below.is_empty() {
            let _ = Command::new("kill").arg("-9").args(&below).status();
        }
    }
}

/// Every process below `root` (children, their children …), with its name.
fn processes_below(root: u32) -> Vec<(u32, String)> {
    let mut parent_of = std::collections::HashMap::new();
    let mut names = std::collections::HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": the name may hold spaces, so split after ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let ppid: u32 = rest
            .split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        parent_of.insert(pid, ppid);
        names.insert(pid, head.split_once('(').map_or("", |(_, n)| n).to_owned());
    }
    let below = |mut pid: u32| {
        while let Some(&parent) = parent_of.get(&pid) {
            if parent == root {
                return true;
            }
            if parent <= 1 {
                return false;
            }
            pid = parent;
        }
        false
    };
    names
        .into_iter()
        .filter(|&(pid, _)| pid != root && below(pid))
        .collect()
}

impl App {
    pub async fn start() -> anyhow::Result<App> {
        App::start_with(tempfile::tempdir()?).await
    }

    /// Starts the app on a data directory the test prepared.
    pub async fn start_with(data_dir: tempfile::TempDir) -> anyhow::Result<App> {
        App::start_with_env(data_dir, &[]).await
    }

    /// [`App::start_with`] with more environment for the app, e.g. the file
    /// that answers its file dialogs (`ROLLWRIGHT_E2E_PICK_FILE`).
    pub async fn start_with_env(
        data_dir: tempfile::TempDir,
        env: &[(&str, &Path)],
    ) -> anyhow::Result<App> {
        // As `cargo xtask run` starts it: an empty database gets the demo.
        App::launch(data_dir, env, &["--demo"]).await
    }

    /// Starts the app with these command-line arguments, e.g. none to see
    /// the first start of an installed app.
    pub async fn launch(
        data_dir: tempfile::TempDir,
        env: &[(&str, &Path)],
        args: &[&str],
    ) -> anyhow::Result<App> {
        if std::env::var_os("DISPLAY").is_none() {
            bail!("no DISPLAY: the end-to-end tests need a display; run them with `cargo xtask test`, which uses Xvfb");
        }
        let application = app_binary()?;
        let (port, native_port) = two_free_ports()?;
        let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        let tauri_driver = KillOnDrop(
            Command::new(&driver_bin)
                .args(["--port", &port.to_string()])
                .args(["--native-port", &native_port.to_string()])
                // The app inherits this through WebKitWebDriver, so tests never touch real data.
                .env("ROLLWRIGHT_DATA_DIR", data_dir.path())
                // Tokens in the data directory, never a keyring of the machine.
                .env(rollwright::secrets::BACKEND_ENV, "file")
                .envs(env.iter().map(|(k, v)| (*k, *v)))
                .stdout(Stdio::null())
                .spawn()
                .with_context(|| {
                    format!("cannot start {driver_bin}; `cargo xtask test` installs it")
                })?,
        );
        // tauri-driver listens at once but spawns WebKitWebDriver beside it; a
        // session request sent before the native driver listens is dropped
        // (seen on a cold CI machine), so wait for both.
        wait_for_port(port, Duration::from_secs(20))?;
        wait_for_port(native_port, Duration::from_secs(20))?;

        let mut caps = Capabilities::new();
        caps.set("browserName", "wry")?;
        caps.set(
            "tauri:options",
            serde_json::json!({ "application": application, "args": args }),
        )?;
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .context("cannot open a WebDriver session on the app")?;
        let app = App {
            driver,
            _tauri_driver: tauri_driver,
            data_dir,
        };
        // The session opens before the page has drawn: a test's first `find`
        // found nothing on the first launch of a run (calendar, 2026-12-07).
        // The navigation shows on every screen, the welcome screen included.
        app.wait_for(By::Css("[data-nav]"))
            .await
            .context("the app's page did not show its navigation")?;
        Ok(app)
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// Waits for an element: the first paint comes a few seconds after the
    /// window appears.
    pub async fn wait_for(&self, by: By) -> WebDriverResult<WebElement> {
        self.driver
            .query(by)
            .wait(Duration::from_secs(15), Duration::from_millis(100))
            .first()
            .await
    }

    /// The control with this ARIA role and accessible name, found as
    /// assistive technology finds it: WebDriver's Get Computed Role and Get
    /// Computed Label ask WebKit's accessibility tree, not the DOM. Waits
    /// like [`App::wait_for`].
    pub async fn by_role(&self, role: &str, name: &str) -> anyhow::Result<WebElement> {
        self.by_role_in(None, role, name).await
    }

    /// [`App::by_role`] among the descendants of `scope` (a dialog, a row).
    pub async fn by_role_in(
        &self,
        scope: Option<&WebElement>,
        role: &str,
        name: &str,
    ) -> anyhow::Result<WebElement> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mut seen = Vec::new();
            let candidates = match scope {
                Some(scope) => scope.find_all(By::Css(role_candidates(role))).await?,
                None => self.driver.find_all(By::Css(role_candidates(role))).await?,
            };
            for el in candidates {
                // An element a redraw removed meanwhile is simply not it.
                let Ok(label) = self.computed(&el, "computedlabel").await else {
                    continue;
                };
                if label == name {
                    let computed = self.computed(&el, "computedrole").await?;
                    if computed == role {
                        return Ok(el);
                    }
                    seen.push(format!("{label:?} as {computed}"));
                } else {
                    seen.push(format!("{label:?}"));
                }
            }
            if Instant::now() > deadline {
                bail!("no {role} named {name:?}; candidates: {}", seen.join(", "));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn computed(&self, el: &WebElement, what: &'static str) -> WebDriverResult<String> {
        let value = self
            .driver
            .handle()
            .cmd(Computed {
                element: el.element_id(),
                what,
            })
            .await?
            .value_json()?;
        Ok(value.as_str().unwrap_or_default().to_owned())
    }

    /// Saves a PNG of the window under `target/e2e-screenshots/` for a human to look at.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        // WebKitGTK paints after the DOM changes; wait two animation frames so
        // the picture shows what the assertions just saw. A web view that was
        // hidden a moment ago may not run frames yet: a second at most.
        self.driver
            .execute_async(
                "const done = arguments[0]; let ended = false;
                 const end = () => { if (!ended) { ended = true; done(); } };
                 requestAnimationFrame(() => requestAnimationFrame(end));
                 setTimeout(end, 1000);",
                vec![],
            )
            .await?;
        std::fs::write(&path, self.driver.screenshot_as_png().await?)?;
        Ok(path)
    }

    /// The memory of the app and its WebKit processes (every process below
    /// tauri-driver but the WebDriver servers), in KiB of proportional set
    /// size, so libraries they share count once: the app's own process and
    /// WebKit's apart, since WebKit's alone take about 160 MiB on a blank page.
    pub fn app_pss_kib(&self) -> anyhow::Result<Pss> {
        let root = self._tauri_driver.0.id();
        let mut pss = Pss::default();
        for (pid, name) in processes_below(root) {
            if name.starts_with("WebKitWebDriver") {
                continue;
            }
            let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
                continue;
            };
            let kib: u64 = rollup
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0);
            if std::env::var_os("ROLLWRIGHT_E2E_MEMORY_DEBUG").is_some() {
                eprintln!("pss {pid} {name} {kib} KiB");
            }
            if name.starts_with("WebKit") {
                pss.webkit += kib;
            } else {
                pss.app += kib;
            }
        }
        anyhow::ensure!(
            pss.app > 0,
            "found no app process below tauri-driver {root}"
        );
        Ok(pss)
    }

    /// Calls a command the way the page does, past the UI, and returns
    /// `{"ok": answer}` or `{"err": error}`.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let answer = self
            .driver
            .execute_async(
                "const [cmd, args, done] = arguments;
                 window.__TAURI_INTERNALS__.invoke(cmd, args)
                   .then(ok => done({ ok: ok ?? null }), err => done({ err }));",
                vec![serde_json::json!(command), args],
            )
            .await?;
        Ok(answer.json().clone())
    }

    /// Each element matching `css`: its `attr` and its whole text (scrolled into
    /// view or not), read in one script so a redraw cannot fall between.
    pub async fn texts(&self, css: &str, attr: &str) -> anyhow::Result<Vec<(String, String)>> {
        let found = self
            .driver
            .execute(
                "const [css, attr] = arguments;
                 return [...document.querySelectorAll(css)]
                   .map(e => [e.getAttribute(attr) ?? '', e.textContent ?? '']);",
                vec![serde_json::json!(css), serde_json::json!(attr)],
            )
            .await?;
        Ok(serde_json::from_value(found.json().clone())?)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        self.driver.quit().await?;
        Ok(())
    }
}

/// The app under test: `ROLLWRIGHT_APP`, else the debug build.
pub fn app_binary() -> anyhow::Result<PathBuf> {
    let path = std::env::var_os("ROLLWRIGHT_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/debug/rollwright"));
    if !path.is_file() {
        bail!(
            "{} is missing: build the app first (`cargo xtask test` does)",
            path.display()
        );
    }
    Ok(path)
}

/// Both listeners are held at once so the two ports cannot be the same.
fn two_free_ports() -> anyhow::Result<(u16, u16)> {
    let first = TcpListener::bind("127.0.0.1:0")?;
    let second = TcpListener::bind("127.0.0.1:0")?;
    Ok((first.local_addr()?.port(), second.local_addr()?.port()))
}

fn wait_for_port(port: u16, limit: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > limit {
            bail!("the WebDriver server did not listen on port {port} within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Serves a fleet simulator on a free loopback port, for as long as the
/// test's runtime lives; its devices are under `http://ADDR/devices/…`.
pub async fn serve_fleet(
    config: rollwright_agent::FleetConfig,
    token: &str,
) -> anyhow::Result<std::net::SocketAddr> {
    let fleet = rollwright_agent::Fleet::new(config)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(rollwright_agent::serve(
        listener,
        rollwright_agent::fleet_app(fleet, rollwright_agent::Token::new(token)?),
    ));
    Ok(addr)
}

/// The app's database in `dir`, opened as the app opens it (file secrets).
/// Waits until the app's start-up inventory sync has asked every device
/// (none is left "not synced yet"), a minute at most, calling `meanwhile`
/// every 200 ms.
pub async fn until_every_device_asked(
    db: &rollwright::store::Store,
    mut meanwhile: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let unasked = rollwright::domain::RawDeviceQuery {
        reach: Some("unknown".into()),
        limit: Some(1),
        ..Default::default()
    }
    .validate()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.device_page(&unasked)?.total > 0 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the start-up sync asks every device within a minute"
        );
        meanwhile()?;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

pub fn store_in(dir: &Path) -> anyhow::Result<rollwright::store::Store> {
    let secrets = rollwright::secrets::file_store(dir)?;
    Ok(rollwright::store::Store::open(
        &dir.join("rollwright.sqlite3"),
        secrets,
    )?)
}

/// WebDriver's `GET …/element/{id}/computedrole` or `…/computedlabel`.
#[derive(Debug)]
struct Computed {
    element: ElementId,
    what: &'static str,
}

impl FormatRequestData for Computed {
    fn format_request(&self, session_id: &SessionId) -> RequestData {
        RequestData::new(
            reqwest::Method::GET,
            format!(
                "/session/{session_id}/element/{}/{}",
                self.element, self.what
            ),
        )
    }
}

/// The elements that may have `role`: the computed role decides.
fn role_candidates(role: &str) -> String {
    match role {
        // WebKitGTK computes `button` for a `select` (a pop-up button).
        "button" => "button, [role='button'], input[type='button'], input[type='submit'], select".into(),
        "checkbox" => "input[type='checkbox'], [role='checkbox']".into(),
        "combobox" => "select, [role='combobox'], input[list]".into(),
        "textbox" => "input:not([type]), input[type='text'], input[type='datetime-local'], textarea, [role='textbox']".into(),
        "searchbox" => "input[type='search'], [role='searchbox']".into(),
        "link" => "a[href], [role='link']".into(),
        "dialog" | "alertdialog" => "dialog, [role='dialog'], [role='alertdialog']".into(),
        other => format!("[role='{other}']"),
    }
}

/// Proportional set sizes in KiB: the app's process, and WebKit's web and
/// network processes.
#[derive(Debug, Default, Clone, Copy)]
pub struct Pss {
    pub app: u64,
    pub webkit: u64,
}

impl Pss {
    pub fn total(self) -> u64 {
        self.app + self.webkit
    }

    /// Each part's largest value of the two.
    pub fn max(self, other: Pss) -> Pss {
        Pss {
            app: self.app.max(other.app),
            webkit: self.webkit.max(other.webkit),
        }
    }
}
