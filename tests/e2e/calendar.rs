//! The planning calendar in the real app: the demo's items in their rows
//! with the legend, an item's details, a downtime created through the dialog
//! (refused at its field first), an .ics import through the file dialog,
//! and the month view's render time with 5,000 items (`figures_…`, which
//! `cargo xtask bench` runs and reports).

use std::path::Path;
use std::time::Duration;

use chrono::{Datelike, Utc};
use rollwright::demo::{self, DemoFleetInfo};
use rollwright::domain::{DowntimeKind, NewDowntime, Scope};
use rollwright::store::Store;
use serde_json::Value;
use thirtyfour::prelude::*;

use crate::harness::{store_in, App};

/// The demo seeded as the account the app runs as, so it is the admin.
fn seeded_demo(dir: &Path) -> anyhow::Result<Store> {
    let store = store_in(dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let actor = rollwright::os_user::os_actor()?;
    demo::seed(&store, &actor, &DemoFleetInfo::new(port), Utc::now())?;
    Ok(store)
}

async fn open_calendar(app: &App) -> anyhow::Result<()> {
    app.driver
        .find(By::Css("[data-nav='calendar']"))
        .await?
        .click()
        .await?;
    app.wait_for(By::Css("[data-calendar][data-cal-state='data']"))
        .await?;
    Ok(())
}

/// Which row (`data-cal-row`) the middle of the element lies in.
async fn row_of(app: &App, css: &str) -> anyhow::Result<String> {
    let row = app
        .driver
        .execute(
            r#"const ev = document.querySelector(arguments[0]);
               if (!ev) return null;
               const b = ev.getBoundingClientRect();
               const y = (b.top + b.bottom) / 2;
               for (const row of document.querySelectorAll('[data-cal-row]')) {
                 const r = row.getBoundingClientRect();
                 if (y >= r.top && y <= r.bottom) return row.dataset.calRow;
               }
               return '';"#,
            vec![Value::String(css.to_owned())],
        )
        .await?;
    Ok(row.json().as_str().unwrap_or("(no element)").to_owned())
}

async fn field(app: &App, name: &str) -> WebDriverResult<WebElement> {
    app.wait_for(By::Css(format!("[data-downtime-field='{name}']")))
        .await
}

async fn set(app: &App, name: &str, value: &str) -> anyhow::Result<()> {
    let input = field(app, name).await?;
    // datetime-local inputs take typed text unreliably: set the value as a
    // script would and tell Svelte it changed.
    app.driver
        .execute(
            "arguments[0].value = arguments[1];
             arguments[0].dispatchEvent(new Event('input', { bubbles: true }));
             arguments[0].dispatchEvent(new Event('change', { bubbles: true }));",
            vec![input.to_json()?, Value::String(value.to_owned())],
        )
        .await?;
    Ok(())
}

#[tokio::test]
async fn seeded_items_sit_in_their_rows_and_a_downtime_is_planned_through_the_dialog(
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = seeded_demo(dir.path())?;
    let now = Utc::now();
    let items = db.downtimes_in(
        now - chrono::Duration::days(1),
        now + chrono::Duration::days(7),
    )?;
    let berlin = items
        .iter()
        .find(|d| d.kind == DowntimeKind::Window && d.title.starts_with("Berlin"))
        .expect("the demo has Berlin's window")
        .id;
    drop(db);

    let app = App::start_with(dir).await?;
    open_calendar(&app).await?;
    let d = &app.driver;

    // Every meaning has its entry in the legend.
    let legend = app.wait_for(By::Css("[data-cal-legend]")).await?;
    for kind in ["planned", "unplanned", "window", "freeze"] {
        legend
            .find(By::Css(format!("[data-legend='{kind}']")))
            .await?;
    }
    // Berlin's weekly window, scoped to site=berlin, sits in Berlin's row.
    let item = format!("[data-cal-item='{berlin}']");
    app.wait_for(By::Css(&item)).await?;
    assert_eq!(row_of(&app, &item).await?, "berlin");
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot("calendar-week").await?;

    // Its details: the window in local time and UTC, the recurrence in words.
    d.find(By::Css(&item)).await?.click().await?;
    let details = app.wait_for(By::Css("[data-item-details]")).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.screenshot("calendar-item-details").await?;
    // textContent: WebKit's visible text leaves out the clipped heading.
    let text = details.prop("textContent").await?.unwrap_or_default();
    assert!(text.contains("Berlin maintenance window"), "{text}");
    assert!(text.contains("every week on Saturday"), "{text}");
    assert!(text.contains("UTC"), "{text}");
    if let Ok(close) = details.find(By::Css("[aria-label='Close details']")).await {
        close.click().await?;
    }

    // A new planned downtime, first with its end before its start.
    d.find(By::Css("[data-new-item]")).await?.click().await?;
    let day = (now + chrono::Duration::days(1)).date_naive();
    let at = |h: u32| format!("{}T{h:02}:00", day.format("%Y-%m-%d"));
    set(&app, "title", "E2E switch replacement").await?;
    set(&app, "from", &at(10)).await?;
    set(&app, "to", &at(9)).await?;
    d.find(By::Css("[data-downtime-submit]"))
        .await?
        .click()
        .await?;
    let error = app.wait_for(By::Css("[data-field-error='to']")).await?;
    assert!(error.text().await?.contains("must be after from"));
    app.screenshot("calendar-create-dialog").await?;
    set(&app, "to", &at(12)).await?;
    d.find(By::Css("[data-downtime-submit]"))
        .await?
        .click()
        .await?;

    let db = store_in(app.data_dir())?;
    let mut created = None;
    for _ in 0..50 {
        created = db
            .downtimes_in(now, now + chrono::Duration::days(3))?
            .into_iter()
            .find(|d| d.title == "E2E switch replacement");
        if created.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let created = created.expect("the dialog's downtime was saved");
    assert_eq!(created.to - created.from, chrono::Duration::hours(2));
    app.wait_for(By::Css(format!("[data-cal-item='{}']", created.id)))
        .await?;

    // The month view shows the whole plan.
    d.find(By::Css("[data-cal-view='month']"))
        .await?
        .click()
        .await?;
    app.wait_for(By::Css("[data-calendar][data-cal-state='data']"))
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.screenshot("calendar-month").await?;
    app.stop().await
}

#[tokio::test]
async fn an_ics_file_picked_in_the_dialog_adds_its_events() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    drop(seeded_demo(dir.path())?);
    let files = tempfile::tempdir()?;
    let answer = files.path().join("pick");
    let ics = files.path().join("outlook.ics");
    let day = (Utc::now() + chrono::Duration::days(2)).date_naive();
    let stamp = |h: u32| format!("{}T{h:02}0000", day.format("%Y%m%d"));
    std::fs::write(
        &ics,
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\n\
             BEGIN:VEVENT\r\nUID:e2e-1\r\nSUMMARY:Core switch firmware\r\n\
             DTSTART;TZID=W. Europe Standard Time:{}\r\nDTEND;TZID=W. Europe Standard Time:{}\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:e2e-2\r\nSUMMARY:Bad rule\r\nDTSTART:{}Z\r\nDTEND:{}Z\r\nRRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n",
            stamp(8),
            stamp(10),
            stamp(8),
            stamp(9)
        ),
    )?;
    std::fs::write(&answer, ics.display().to_string())?;
    let app = App::start_with_env(dir, &[("ROLLWRIGHT_E2E_PICK_FILE", answer.as_path())]).await?;
    open_calendar(&app).await?;
    let d = &app.driver;
    d.find(By::Css("[data-import-ics]")).await?.click().await?;
    // The import asks the kind and scope first, then opens the file dialog.
    if let Ok(go) = app.wait_for(By::Css("[data-import-ics-run]")).await {
        go.click().await?;
    }
    let report = app.wait_for(By::Css("[data-ics-report]")).await?;
    let text = report.prop("textContent").await?.unwrap_or_default();
    assert!(text.contains("Core switch firmware"), "{text}");
    assert!(text.contains("rrule"), "the skipped event says why: {text}");
    app.screenshot("calendar-ics-report").await?;
    let db = store_in(app.data_dir())?;
    let imported: Vec<_> = db
        .downtimes_in(Utc::now(), Utc::now() + chrono::Duration::days(5))?
        .into_iter()
        .filter(|d| d.title == "Core switch firmware")
        .collect();
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].zone.name(), "Europe/Berlin");
    app.stop().await
}

/// 5,000 one-off items in the current month over 40 sites: the month view's
/// render, from handing the events to the calendar to the next frame, read
/// from the page's performance marks. Written under target/e2e-figures/ for
/// `cargo xtask bench`.
#[tokio::test]
async fn figures_month_view_renders_5000_items() -> anyhow::Result<()> {
    const ITEMS: usize = 5_000;
    let dir = tempfile::tempdir()?;
    let db = store_in(dir.path())?;
    let actor = rollwright::os_user::os_actor()?;
    let now = Utc::now();
    let month = now
        .date_naive()
        .with_day(1)
        .expect("day 1")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let items: Vec<NewDowntime> = (0..ITEMS)
        .map(|i| {
            let from = month + chrono::Duration::minutes((i as i64 * 37) % (60 * 24 * 27));
            NewDowntime::once(
                if i % 2 == 0 {
                    DowntimeKind::Planned
                } else {
                    DowntimeKind::Unplanned
                },
                format!("item {i}"),
                from,
                from + chrono::Duration::hours(2),
                Scope::Label {
                    key: "site".into(),
                    value: format!("site-{:02}", i % 40),
                },
            )
        })
        .collect();
    db.add_downtimes(&actor, items, "the e2e figure")?;
    // A catalog entry, so the app does not take the database for a
    // newcomer's and seed the demo into it.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
    let manifest = rollwright::manifest_file::read_manifest(&fixtures.join("acme-erp-2.3.0.toml"))?;
    db.import_manifest(&actor, &manifest, now)?;
    drop(db);

    let app = App::start_with(dir).await?;
    open_calendar(&app).await?;
    app.driver
        .find(By::Css("[data-cal-view='month']"))
        .await?
        .click()
        .await?;
    let shown = app
        .wait_for(By::Css(format!(
            "[data-calendar][data-cal-occurrences='{ITEMS}']"
        )))
        .await?;
    assert_eq!(shown.attr("data-cal-state").await?.as_deref(), Some("data"));
    let measured = app
        .driver
        .execute(
            "const m = performance.getEntriesByName('calendar-render', 'measure');
             return m.length ? m[m.length - 1].duration : null;",
            vec![],
        )
        .await?;
    let ms = measured
        .json()
        .as_f64()
        .expect("the page measured its render");
    assert!(ms > 0.0 && ms.is_finite(), "{ms}");
    app.screenshot("calendar-month-5000").await?;
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-figures");
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("calendar.json"),
        serde_json::json!({ "items": ITEMS, "month_render_ms": ms }).to_string(),
    )?;
    println!("calendar month view, {ITEMS} items: {ms:.1} ms");
    app.stop().await
}
