//! The one error shape that crosses IPC: `{code, message}`, with the core's
//! [`ErrorCode`]. Messages of refused input name the field and the rule;
//! unexpected failures keep their detail in the log.

use rollwright::domain::{ErrorCode, ValidationError};
use rollwright::engine::EngineError;
use rollwright::store::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field the error is about (`agent_url`, `rows[3].name`), so
    /// the screen can show it there.
    pub field: Option<String>,
}

impl IpcError {
    /// An error with the core's code; internal failures hide their detail.
    fn new(code: ErrorCode, detail: impl std::fmt::Display) -> IpcError {
        if code != ErrorCode::Internal {
            return IpcError {
                code,
                message: detail.to_string(),
                field: None,
            };
        }
        tracing::error!("internal error: {detail}");
        IpcError {
            code,
            message: "Something went wrong inside Rollwright; the log has the details.".into(),
            field: None,
        }
    }

    pub fn internal(detail: impl std::fmt::Display) -> IpcError {
        IpcError::new(ErrorCode::Internal, detail)
    }

    fn at(mut self, field: Option<&str>) -> IpcError {
        self.field = field.map(str::to_owned);
        self
    }
}

impl From<ValidationError> for IpcError {
    fn from(e: ValidationError) -> IpcError {
        IpcError::new(ErrorCode::InvalidInput, &e).at(Some(&e.field))
    }
}

impl From<StoreError> for IpcError {
    fn from(e: StoreError) -> IpcError {
        IpcError::new(e.code(), &e).at(e.field())
    }
}

impl From<EngineError> for IpcError {
    fn from(e: EngineError) -> IpcError {
        IpcError::new(e.code(), &e).at(e.field())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_code_and_message() {
        let e = IpcError {
            code: ErrorCode::InvalidInput,
            message: "title: must not be empty".into(),
            field: Some("title".into()),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"invalid_input","message":"title: must not be empty","field":"title"}"#
        );
    }

    #[test]
    fn refused_input_keeps_the_core_code_and_names_the_field() {
        let e = IpcError::from(StoreError::from(ValidationError::new(
            "title",
            "must not be empty",
        )));
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert_eq!(e.message, "title: must not be empty");
        assert_eq!(e.field.as_deref(), Some("title"));
        let e = IpcError::from(StoreError::not_found("update", 7));
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::NotFound, "update 7 not found")
        );
        let e = IpcError::from(EngineError::Refused("nothing to cancel".into()));
        assert_eq!(e.code, ErrorCode::Conflict);
    }

    #[test]
    fn internal_errors_hide_their_detail() {
        let e = IpcError::internal("disk I/O error at page 7");
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(!e.message.contains("page 7"));
        let e = IpcError::from(StoreError::Corrupt("row 9 of page 7".into()));
        assert_eq!(e.code, ErrorCode::Internal);
        assert!(!e.message.contains("page 7"));
    }
}
