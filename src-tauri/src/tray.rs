//! The tray icon: the app lives here while its window is closed. Its icon
//! says idle, running or attention (a failure nobody has looked at yet), and
//! its tooltip and first menu line say how many device updates run and wait.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Wry};

use crate::dto::Activity;
use crate::state::AppState;

/// Asks the UI to confirm quitting while the engine works.
pub const CONFIRM_QUIT_EVENT: &str = "app://confirm-quit";

/// Asks the UI to show the status screen (the tray's *Show*).
pub const SHOW_STATUS_EVENT: &str = "app://show-status";

const TRAY_ID: &str = "main";

/// The palette's colours for "deploying" and "error" (ui/src/app.css).
const RUNNING_RGB: [u8; 3] = [0x1d, 0x4f, 0xd0];
const ATTENTION_RGB: [u8; 3] = [0xb4, 0x23, 0x18];

/// What the tray shows, kept to redraw only on change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shown {
    updates: usize,
    running: usize,
    waiting: usize,
    attention: bool,
}

/// The tray's parts that change, managed by Tauri.
pub struct Tray {
    summary: MenuItem<Wry>,
    icons: Option<[Image<'static>; 3]>,
    attention: AtomicBool,
    shown: Mutex<Option<Shown>>,
}

impl Tray {
    /// A failure was reported: the icon asks for attention until the
    /// window is next shown or focused.
    pub fn flag_attention(&self) {
        self.attention.store(true, Ordering::SeqCst);
    }

    pub fn clear_attention(&self) {
        self.attention.store(false, Ordering::SeqCst);
    }
}

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let summary = MenuItem::with_id(app, "summary", "Idle", false, None::<&str>)?;
    let show = MenuItem::with_id(app, "show", "Show", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&summary, &show, &quit])?;
    let icons = app.default_window_icon().map(|base| {
        [
            base.clone().to_owned(),
            with_dot(base, RUNNING_RGB),
            with_dot(base, ATTENTION_RGB),
        ]
    });
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Rollwright")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_status(app),
            "quit" => request_quit(app),
            _ => {}
        });
    if let Some([idle, ..]) = &icons {
        tray = tray.icon(idle.clone());
    }
    tray.build(app)?;
    app.manage(Tray {
        summary,
        icons,
        attention: AtomicBool::new(false),
        shown: Mutex::new(None),
    });
    keep_current(app.clone());
    Ok(())
}

/// Redraws the tray every second: the engine's counts change without an
/// event when a deployment's time comes.
fn keep_current(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            every.tick().await;
            refresh(&app);
        }
    });
}

/// Redraws the tray from the engine's counts, when they changed.
pub fn refresh(app: &AppHandle) {
    let (Some(tray), Some(state)) = (app.try_state::<Tray>(), app.try_state::<AppState>()) else {
        return;
    };
    let now = Shown {
        updates: state.engine.updates_in_progress(),
        running: state.engine.running(),
        waiting: state.engine.waiting(),
        attention: tray.attention.load(Ordering::SeqCst),
    };
    {
        let mut shown = tray.shown.lock().unwrap_or_else(|p| p.into_inner());
        if *shown == Some(now) {
            return;
        }
        *shown = Some(now);
    }
    let words = summary_words(now);
    let _ = tray.summary.set_text(&words);
    if let Some(icon) = app.tray_by_id(TRAY_ID) {
        let _ = icon.set_tooltip(Some(format!("Rollwright: {words}")));
        if let Some(icons) = &tray.icons {
            let which = if now.attention {
                2
            } else if now.updates + now.running + now.waiting > 0 {
                1
            } else {
                0
            };
            let _ = icon.set_icon(Some(icons[which].clone()));
        }
    }
}

/// "1 update in progress: 2 device updates working, 5 waiting for their
/// time" / "Idle", and "failures to look at".
fn summary_words(s: Shown) -> String {
    let mut words = if s.updates + s.running + s.waiting == 0 {
        "Idle".to_owned()
    } else {
        format!(
            "{}: {} working, {} waiting for their time",
            count(s.updates, "update in progress", "updates in progress"),
            count(s.running, "device update", "device updates"),
            s.waiting
        )
    };
    if s.attention {
        words.push_str(" · failures to look at");
    }
    words
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The app icon with a filled dot in its lower right corner.
fn with_dot(base: &Image<'_>, rgb: [u8; 3]) -> Image<'static> {
    let (w, h) = (base.width(), base.height());
    let mut rgba = base.rgba().to_vec();
    let r = w.min(h) as f32 * 0.24;
    let (cx, cy) = (w as f32 - r - 0.5, h as f32 - r - 0.5);
    let ring = (r + w as f32 * 0.04).powi(2);
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            let d = dx * dx + dy * dy;
            let px = ((y * w + x) * 4) as usize;
            if d <= r * r {
                rgba[px..px + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
            } else if d <= ring {
                rgba[px..px + 4].copy_from_slice(&[255, 255, 255, 255]);
            }
        }
    }
    Image::new_owned(rgba, w, h)
}

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// The tray's *Show*: the window, on the status screen.
fn show_status(app: &AppHandle) {
    show_main_window(app);
    let _ = app.emit(SHOW_STATUS_EVENT, ());
}

/// Quits at once when the engine is idle; otherwise shows the window and
/// lets the user confirm, since quitting pauses running updates until the
/// next start.
fn request_quit(app: &AppHandle) {
    let engine = &app.state::<AppState>().engine;
    if engine.is_idle() {
        app.exit(0);
        return;
    }
    show_main_window(app);
    let activity = Activity {
        running: engine.running(),
        waiting: engine.waiting(),
    };
    if app.emit(CONFIRM_QUIT_EVENT, activity).is_err() {
        app.exit(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_work_and_flags_failures() {
        let s = |updates, running, waiting, attention| {
            summary_words(Shown {
                updates,
                running,
                waiting,
                attention,
            })
        };
        assert_eq!(s(0, 0, 0, false), "Idle");
        assert_eq!(
            s(1, 2, 5, false),
            "1 update in progress: 2 device updates working, 5 waiting for their time"
        );
        assert_eq!(
            s(3, 1, 0, false),
            "3 updates in progress: 1 device update working, 0 waiting for their time"
        );
        assert_eq!(s(0, 0, 0, true), "Idle · failures to look at");
    }

    #[test]
    fn the_dot_colours_the_lower_right_corner_and_leaves_the_rest() {
        let base = Image::new_owned(vec![10; 32 * 32 * 4], 32, 32);
        let dotted = with_dot(&base, ATTENTION_RGB);
        let px = |x: u32, y: u32| {
            let i = ((y * 32 + x) * 4) as usize;
            dotted.rgba()[i..i + 4].to_vec()
        };
        assert_eq!(px(26, 26), [0xb4, 0x23, 0x18, 255]);
        assert_eq!(px(2, 2), [10, 10, 10, 10]);
    }
}
