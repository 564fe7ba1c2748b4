//! Turns the engine's notifications into desktop notifications from the
//! tray; a failure also sets the tray's attention mark.

use rollwright::engine::{Notification, Notifier};
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::tray::{self, Tray};

pub struct DesktopNotifier {
    pub app: AppHandle,
}

impl Notifier for DesktopNotifier {
    fn notify(&self, n: Notification) {
        let failed = match &n {
            Notification::DevicesFailed { .. } => true,
            Notification::UpdateFinished { failed, .. } => *failed > 0,
        };
        if failed {
            if let Some(tray) = self.app.try_state::<Tray>() {
                tray.flag_attention();
            }
            tray::refresh(&self.app);
        }
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
