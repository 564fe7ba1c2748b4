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
mod state;
mod tray;

use tauri::{Manager, RunEvent, WindowEvent};

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let state = state::AppState::open(app.handle())?;
            tracing::info!(db = %state.store.path().display(), "database ready");
            app.manage(state);
            tray::install(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window only hides it: updates keep running in the
            // background and the tray brings the window back.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::list_updates,
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
        .build(tauri::generate_context!("../tauri.conf.json"))
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
