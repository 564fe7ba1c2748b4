//! Turns the engine's notifications into desktop notifications from the tray.

use rollwright::engine::{Notification, Notifier};
use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub struct DesktopNotifier {
    pub app: AppHandle,
}

impl Notifier for DesktopNotifier {
    fn notify(&self, n: Notification) {
        let shown = self
            .app
            .notification()
            .builder()
            .title(n.summary())
            .body(n.body())
            .show();
        if let Err(e) = shown {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}
