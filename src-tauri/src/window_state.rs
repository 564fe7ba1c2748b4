//! The window's size and position, remembered across starts
//! (tauri-plugin-window-state). Kept in the data directory when one is set,
//! so tests never read a user's saved window; visibility is never restored,
//! since a window hidden in the tray at quit must still open at the next
//! start (unless started in the tray on purpose).

use tauri::plugin::TauriPlugin;
use tauri::Wry;
use tauri_plugin_window_state::{Builder, StateFlags};

use crate::state::DATA_DIR_ENV;

const FILE_NAME: &str = "window-state.json";

pub fn plugin() -> TauriPlugin<Wry> {
    let mut builder = Builder::default().with_state_flags(StateFlags::all() - StateFlags::VISIBLE);
    // The plugin joins the name to the app's config directory; an absolute
    // path replaces it.
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        builder =
            builder.with_filename(std::path::Path::new(&dir).join(FILE_NAME).to_string_lossy());
    }
    builder.build()
}
