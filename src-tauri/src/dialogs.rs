//! Native file dialogs, opened from the Rust side so the page never handles
//! a path of its choosing.
//!
//! End-to-end tests cannot click a GTK dialog through WebDriver. A debug
//! build reads the answer from the file named by `ROLLWRIGHT_E2E_PICK_FILE`
//! instead (its content is the path to pick; empty for "cancelled"), so a
//! test can change the answer between picks. Release builds have no such
//! door.

use std::path::PathBuf;

use tauri_plugin_dialog::{DialogExt, FilePath};

use crate::error::IpcError;

/// The test's answer to a dialog, in debug builds when it set one.
fn test_answer() -> Option<Result<Option<PathBuf>, IpcError>> {
    #[cfg(debug_assertions)]
    if let Some(answer) = std::env::var_os("ROLLWRIGHT_E2E_PICK_FILE") {
        return Some(
            std::fs::read_to_string(&answer)
                .map_err(|e| IpcError::internal(format!("test dialog answer: {e}")))
                .map(|path| {
                    let path = path.trim();
                    (!path.is_empty()).then(|| PathBuf::from(path))
                }),
        );
    }
    None
}

/// Asks for an existing file of the given kind; `None` when cancelled.
pub(crate) async fn pick_file(
    app: &tauri::AppHandle,
    kind: &str,
    extensions: &[&str],
) -> Result<Option<PathBuf>, IpcError> {
    if let Some(answer) = test_answer() {
        return answer;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter(kind, extensions)
        .pick_file(move |path| {
            let _ = tx.send(path);
        });
    chosen(rx).await
}

/// Asks where to save a file of the given kind; `None` when cancelled.
pub(crate) async fn save_file(
    app: &tauri::AppHandle,
    kind: &str,
    extensions: &[&str],
    suggested_name: &str,
) -> Result<Option<PathBuf>, IpcError> {
    if let Some(answer) = test_answer() {
        return answer;
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter(kind, extensions)
        .set_file_name(suggested_name)
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    chosen(rx).await
}

/// The path the dialog answered with, once it closed.
async fn chosen(
    rx: tokio::sync::oneshot::Receiver<Option<FilePath>>,
) -> Result<Option<PathBuf>, IpcError> {
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    path.into_path()
        .map(Some)
        .map_err(|e| IpcError::internal(format!("unusable file path: {e}")))
}
