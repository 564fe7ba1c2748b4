//! Validation errors that name the field and the rule, and the coarse error
//! codes the IPC layer speaks. Never carries internal detail meant for logs.

use std::fmt;

/// A rejected input: which field, and which rule it broke.
///
/// `field` is a path such as `title` or `modules[2].sha256`, so a user can find
/// the offending input without reading code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: String,
    pub rule: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// The protocol's rules (names, manifests, labels) are the catalog's too.
impl From<rollwright_protocol::Invalid> for ValidationError {
    fn from(e: rollwright_protocol::Invalid) -> Self {
        ValidationError::new(e.field, e.message)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// The answers a front end needs to tell apart. Kept coarse on purpose:
/// the message says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    NotFound,
    Conflict,
    /// The actor's role does not allow the action.
    Forbidden,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_field_then_rule() {
        let e = ValidationError::new("title", "must be at most 120 characters (got 131)");
        assert_eq!(
            e.to_string(),
            "title: must be at most 120 characters (got 131)"
        );
    }

    #[test]
    fn error_codes_serialize_as_snake_case() {
        assert_eq!(
            serde_json::to_string(&ErrorCode::InvalidInput).unwrap(),
            "\"invalid_input\""
        );
        assert_eq!(ErrorCode::NotFound.as_str(), "not_found");
    }

    #[test]
    fn an_error_code_displays_as_its_wire_name() {
        assert_eq!(ErrorCode::Conflict.to_string(), "conflict");
        assert_eq!(ErrorCode::InvalidInput.to_string(), "invalid_input");
    }
}
