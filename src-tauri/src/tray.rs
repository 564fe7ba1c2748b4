//! The tray icon: the app lives here while its window is closed.

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager};

use crate::dto::Activity;
use crate::state::AppState;

/// Asks the UI to confirm quitting while the engine works.
pub const CONFIRM_QUIT_EVENT: &str = "app://confirm-quit";

pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&show, &quit])?;
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("Rollwright")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_main_window(app),
            "quit" => request_quit(app),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

pub fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
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
