//! The one error shape that crosses IPC: `{code, message}`. The UI mirrors the
//! codes in `ui/src/lib/api.ts`.

use serde::Serialize;

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct IpcError {
    pub code: &'static str,
    pub message: String,
}

impl IpcError {
    /// Details of unexpected failures go to the log, not to the UI.
    pub fn internal(detail: impl std::fmt::Display) -> IpcError {
        tracing::error!("internal error: {detail}");
        IpcError {
            code: "internal",
            message: "Something went wrong inside Rollwright; the log has the details.".into(),
        }
    }
}

impl From<rollwright::store::StoreError> for IpcError {
    fn from(e: rollwright::store::StoreError) -> IpcError {
        IpcError::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = IpcError {
            code: "invalid_input",
            message: "title: must not be empty".into(),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"invalid_input","message":"title: must not be empty"}"#
        );
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let e = IpcError::internal("disk I/O error at page 7");
        assert_eq!(e.code, "internal");
        assert!(!e.message.contains("page 7"));
    }
}
