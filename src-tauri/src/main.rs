//! The Rollwright desktop app: window, tray and the commands the UI calls.
//! Everything here is wiring; the work happens in the `rollwright` core.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[cfg(test)]
mod bindings;
mod commands;
mod dialogs;
mod dto;
mod error;
mod lockdown;
mod notifier;
mod process_memory;
mod state;
mod tray;
mod window_state;

use tauri::{Manager, RunEvent, WindowEvent};

fn main() {
    process_memory::limit_malloc_arenas();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let (seed_demo, in_tray) = (flag(state::DEMO_FLAG), flag(state::IN_TRAY_FLAG));

    tauri::Builder::default()
        // First: a second launch hands over to the running app and exits
        // before it opens the database or starts an engine.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main_window(app);
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![state::IN_TRAY_FLAG]),
        ))
        .plugin(window_state::plugin())
        .setup(move |app| {
            let state = state::AppState::open(app.handle(), seed_demo)?;
            tracing::info!(db = %state.store.path().display(), "database ready");
            app.manage(state);
            tray::install(app.handle())?;
            if in_tray {
                if let Some(window) = app.get_webview_window("main") {
                    window.hide()?;
                }
            }
            Ok(())
        })
        .on_window_event(|window, event| match event {
            // Closing the window only hides it: updates keep running in the
            // background and the tray brings the window back.
            WindowEvent::CloseRequested { api, .. } => {
                api.prevent_close();
                let _ = window.hide();
            }
            // Whoever looks at the window has seen the failures.
            WindowEvent::Focused(true) => {
                if let Some(tray) = window.try_state::<tray::Tray>() {
                    tray.clear_attention();
                }
                tray::refresh(window.app_handle());
            }
            _ => {}
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::desktop::engine_status,
            commands::desktop::open_demo,
            commands::desktop::autostart_enabled,
            commands::desktop::set_autostart,
            commands::status::list_updates,
            commands::status::update_devices,
            commands::status::device_update_log,
            commands::status::cancel_update,
            commands::status::cancel_device_update,
            commands::quit_app,
            commands::whoami,
            commands::list_users,
            commands::grant_role,
            commands::revoke_role,
            commands::audit_log,
            commands::verify_audit,
            commands::export_audit_csv,
            commands::landscape::list_devices,
            commands::landscape::device_detail,
            commands::landscape::version_spread,
            commands::landscape::sync_devices,
            commands::landscape::check_device_agent,
            commands::landscape::add_device,
            commands::landscape::list_catalog,
            commands::landscape::module_diff,
            commands::landscape::import_manifest_file,
            commands::landscape::import_devices_csv,
            commands::landscape::set_device_labels,
            commands::landscape::remove_device,
            commands::calendar::calendar_range,
            commands::calendar::add_downtime,
            commands::calendar::edit_downtime,
            commands::calendar::remove_downtime,
            commands::calendar::import_ics,
            commands::calendar::export_ics,
            commands::wizard::update_choices,
            commands::wizard::plan_devices,
            commands::wizard::check_plan,
            commands::wizard::learned_duration,
            commands::wizard::suggest_slot,
            commands::wizard::approve_plan
        ])
        .build(tauri::generate_context!())
        .expect("error while building Rollwright")
        .run(|app, event| {
            if let RunEvent::Exit = event {
                // In-flight work stops at a durable point; the next start resumes it.
                if let Some(state) = app.try_state::<state::AppState>() {
                    tauri::async_runtime::block_on(state.shutdown());
                }
            }
        });
}
