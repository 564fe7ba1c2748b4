//! End-to-end tests of the real desktop app: tauri-driver starts the debug
//! build under WebKitWebDriver, and thirtyfour drives it like a user would.
//!
//! Run by `cargo xtask test` under Xvfb after it has built the UI and the app.
//! Without a display or a built app these tests fail loudly; they never pass
//! by doing nothing.

mod access;
mod calendar;
mod harness;
mod landscape;
mod notifications;
mod status;
mod wizard;
mod x11;

use harness::App;
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

const SCREENS: &[(&str, &str)] = &[
    ("calendar", "Planning calendar"),
    ("wizard", "Update wizard"),
    ("status", "Update status"),
    ("landscape", "Landscape"),
    ("access", "Users & audit"),
];

#[tokio::test]
async fn every_screen_is_reachable_from_the_navigation() -> anyhow::Result<()> {
    let app = App::start().await?;
    let d = &app.driver;
    assert_eq!(d.title().await?, "Rollwright");
    for (id, heading) in SCREENS {
        d.find(By::Css(format!("[data-nav='{id}']")))
            .await?
            .click()
            .await?;
        let h1 = app.wait_for(By::Tag("h1")).await?;
        assert_eq!(h1.text().await?, *heading, "heading of screen {id}");
        app.screenshot(&format!("screen-{id}")).await?;
    }
    app.stop().await
}

#[tokio::test]
async fn about_shows_the_version_and_the_database_path() -> anyhow::Result<()> {
    let app = App::start().await?;
    let d = &app.driver;
    d.find(By::Css("[data-nav='about']")).await?.click().await?;
    let db_path = app.wait_for(By::Css("[data-about='db-path']")).await?;
    let expected = app.data_dir().join("rollwright.sqlite3");
    assert_eq!(db_path.text().await?, expected.display().to_string());
    assert!(expected.is_file(), "the app created its database at start");
    let version = d.find(By::Css("[data-about='version']")).await?;
    assert_eq!(version.text().await?, env!("CARGO_PKG_VERSION"));
    app.screenshot("about").await?;
    d.find(By::Css("[data-about='close']"))
        .await?
        .click()
        .await?;
    app.stop().await
}

#[tokio::test]
async fn quitting_while_work_runs_asks_first() -> anyhow::Result<()> {
    let app = App::start().await?;
    let d = &app.driver;
    app.wait_for(By::Tag("h1")).await?;
    // What the tray's Quit sends when the engine is busy (a tray menu cannot
    // be clicked without a tray host under Xvfb). The page may not emit
    // events itself (its capability grants listening only), so the test
    // hands the event to the page's listener the way Tauri delivers one.
    let delivered = d
        .execute(
            "const [event, payload] = arguments;
             for (const name of Object.getOwnPropertyNames(window)) {
               let listeners;
               try { listeners = window[name]; } catch { continue; }
               if (!listeners || typeof listeners !== 'object'
                   || !Object.getOwnPropertyNames(listeners).includes(event)) continue;
               const byId = listeners[event];
               for (const id of Object.getOwnPropertyNames(byId)) {
                 window.__TAURI_INTERNALS__.runCallback(byId[id].handlerId,
                   { event, payload, id: Number(id) });
               }
               return true;
             }
             return false;",
            vec![
                serde_json::json!("app://confirm-quit"),
                serde_json::json!({ "running": 3, "waiting": 12 }),
            ],
        )
        .await?;
    assert_eq!(
        delivered.json(),
        &serde_json::json!(true),
        "the page listens"
    );
    let emit = d
        .execute_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('plugin:event|emit',
               { event: 'app://confirm-quit', payload: { running: 1, waiting: 0 } })
               .then(() => done('emitted'), e => done(String(e)));",
            vec![],
        )
        .await?;
    assert!(
        emit.json().to_string().contains("not allowed"),
        "the page may not emit: {:?}",
        emit.json()
    );
    let dialog = app.wait_for(By::Css("[role='alertdialog']")).await?;
    let text = dialog.text().await?;
    assert!(
        text.contains("3 device updates are running and 12 are waiting"),
        "{text}"
    );
    app.screenshot("confirm-quit").await?;
    d.find(By::XPath("//button[text()='Keep running']"))
        .await?
        .click()
        .await?;
    assert!(d
        .find_all(By::Css("[role='alertdialog']"))
        .await?
        .is_empty());
    assert_eq!(d.title().await?, "Rollwright", "still running");
    app.stop().await
}

#[tokio::test]
async fn an_approved_update_runs_in_the_background_and_its_end_is_notified() -> anyhow::Result<()> {
    let data_dir = tempfile::tempdir()?;
    let update = notifications::approved_demo_update(data_dir.path()).await?;
    let watch = notifications::Watch::start()?;
    let app = App::start_with(data_dir).await?;
    app.wait_for(By::Tag("h1")).await?;
    // The window closes at once; the rollout carries on in the background.
    let display = x11::Display::open()?;
    let window = display.find_window("Rollwright")?;
    display.request_close(window)?;
    display.wait_viewable(window, false).await?;
    let secrets = rollwright::secrets::file_store(app.data_dir())?;
    let store =
        rollwright::store::Store::open(&app.data_dir().join("rollwright.sqlite3"), secrets)?;
    assert!(
        store
            .device_updates_of(update)?
            .iter()
            .all(|du| du.actual_start.is_none()),
        "no deployment began before the window closed (they wait {} s)",
        notifications::DEPLOY_AFTER_S
    );

    let body = watch
        .wait_for("Update finished: E2E rollout", Duration::from_secs(60))
        .await?;
    assert!(body.contains("succeeded"), "{body}");
    let finished = store.update(update)?.expect("the update exists");
    assert!(
        finished.actual_end.is_some(),
        "the actual end replaced the estimate"
    );

    // The status list shows it, finished, beside the demo's history, once
    // the window is back.
    launch_again(&app).await?;
    // A hidden web view paints nothing; the screenshot below waits for paints.
    display.wait_viewable(window, true).await?;
    app.driver
        .find(By::Css("[data-nav='status']"))
        .await?
        .click()
        .await?;
    let row = format!("[data-update='{}']", update.0);
    app.wait_for(By::Css(&row)).await?;
    let (_, text) = app.texts(&row, "data-update").await?.remove(0);
    assert!(text.contains("E2E rollout"), "{text}");
    assert!(text.contains("succeeded"), "{text}");
    assert!(text.contains("actual end"), "{text}");
    let rows = app.driver.find_all(By::Css("[data-update]")).await?;
    assert_eq!(
        rows.len(),
        4,
        "three updates of the demo's history and this one"
    );
    app.screenshot("status-list").await?;
    app.stop().await
}

/// Starts the app a second time, as a user would from the menu: the
/// single-instance plugin hands over to the running app, which shows its
/// window, and the second process exits.
async fn launch_again(app: &App) -> anyhow::Result<()> {
    let second = std::process::Command::new(harness::app_binary()?)
        .env("ROLLWRIGHT_DATA_DIR", app.data_dir())
        .env(rollwright::secrets::BACKEND_ENV, "file")
        .env("NO_AT_BRIDGE", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let out = tokio::task::spawn_blocking(move || second.wait_with_output()).await??;
    assert!(
        out.status.success(),
        "the second launch hands over and exits: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

#[tokio::test]
async fn closing_the_window_hides_it_and_a_second_launch_shows_it_again() -> anyhow::Result<()> {
    let app = App::start().await?;
    app.wait_for(By::Tag("h1")).await?;
    let display = x11::Display::open()?;
    let window = display.find_window("Rollwright")?;
    display.request_close(window)?;
    display.wait_viewable(window, false).await?;
    // The process is alive: its web view still answers.
    assert_eq!(app.driver.title().await?, "Rollwright");

    let launched = Instant::now();
    launch_again(&app).await?;
    assert!(
        launched.elapsed() < Duration::from_secs(20),
        "the second launch took {:?}",
        launched.elapsed()
    );
    display.wait_viewable(window, true).await?;
    // Still the first app, with its web view: nothing started twice.
    assert_eq!(app.driver.title().await?, "Rollwright");
    app.stop().await
}

#[tokio::test]
async fn a_first_start_offers_the_demo_or_a_device_and_seeds_nothing_unasked() -> anyhow::Result<()>
{
    // As the installed app starts: no `--demo`.
    let app = App::launch(tempfile::tempdir()?, &[], &[]).await?;
    let d = &app.driver;
    app.wait_for(By::Css("[data-welcome]")).await?;
    let db = harness::store_in(app.data_dir())?;
    assert_eq!(db.device_count()?, 0, "nothing seeded unasked");
    app.screenshot("welcome").await?;

    // Add a device whose agent does not answer: a clear error, nothing saved.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    d.find(By::Css("[data-welcome-action='add']"))
        .await?
        .click()
        .await?;
    let field = |name: &'static str| app.wait_for(By::Css(format!("[data-add-field='{name}']")));
    field("name").await?.send_keys("first-device").await?;
    field("agent_url")
        .await?
        .send_keys(format!("http://{closed}"))
        .await?;
    field("agent_token").await?.send_keys("some-token").await?;
    d.find(By::Css("[data-check-agent]")).await?.click().await?;
    let error = app
        .wait_for(By::Css(
            "[role='dialog'] [role='alert'], [data-field-error]",
        ))
        .await?
        .text()
        .await?;
    assert!(!error.is_empty(), "the add dialog says why");
    app.screenshot("welcome-add-error").await?;
    assert_eq!(db.device_count()?, 0, "nothing saved");
    d.action_chain().send_keys(Key::Escape).perform().await?;

    // The demo, asked for.
    d.find(By::Css("[data-welcome-action='demo']"))
        .await?
        .click()
        .await?;
    let started = Instant::now();
    loop {
        let mut titles = Vec::new();
        for h1 in d.find_all(By::Tag("h1")).await? {
            titles.push(h1.text().await.unwrap_or_default());
        }
        if titles.iter().any(|t| t == "Planning calendar") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the demo did not open: {titles:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(db.device_count()?, 60, "the demo landscape");
    app.stop().await
}
