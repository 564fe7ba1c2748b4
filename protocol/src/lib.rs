//! Wire types of the agent protocol (`docs/agent-protocol.md`): the only code
//! shared by the agent and Rollwright's client. No behaviour lives here beyond
//! small pure validation functions, so that agent and client agree on the rules.
//! It must never do I/O.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod fingerprint;
pub mod validate;

pub use fingerprint::{Fingerprint, FingerprintError};
pub use validate::Invalid;

/// Current protocol version; every route is served under `/v{PROTOCOL_VERSION}`.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest request body an agent accepts; larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Largest request head (request line and headers) an agent reads; a larger
/// one is answered `431` and its connection closed.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// How long an agent waits for a request head: an idle keep-alive
/// connection, or a client sending its headers slowly, is closed after it.
pub const HEAD_TIMEOUT_SECS: u64 = 30;

/// Deployments an agent remembers per device; beyond it the oldest finished
/// ones are forgotten (never a product's latest), and a forgotten id is
/// unknown from then on (`GET` answers 404, a `POST` with it starts anew).
pub const MAX_KEPT_DEPLOYMENTS: usize = 1000;

/// `GET /v1/health`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub status: String,
    pub agent_version: String,
    pub protocol: u32,
}

/// `GET /v1/device`: who the device is and what it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    /// Keyed by product name.
    pub products: BTreeMap<String, ProductState>,
    /// Number of installs this device has performed, over all deployments.
    pub installs: u64,
}

/// One product on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductState {
    /// The version the device is told to run (`None` once revoked).
    pub configured_version: Option<String>,
    /// The version the device actually runs.
    pub deployed_version: Option<String>,
    /// Modules of the deployed version.
    pub deployed_modules: Vec<ModuleRef>,
}

/// A deployed module, as reported by `GET /v1/device`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleRef {
    pub name: String,
    pub version: String,
}

/// `PUT /v1/products/{product}/config`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRequest {
    pub version: String,
    pub manifest: WireManifest,
}

/// What a version consists of, as sent to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireManifest {
    pub product: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_notes: Option<String>,
    pub modules: Vec<WireModule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
}

/// One installable part of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireModule {
    pub name: String,
    pub version: String,
    /// `http://`, `https://` or `file://` URL of the artifact.
    pub artifact: String,
    /// Lower-case hex sha256 of the artifact.
    pub sha256: String,
}

/// A command the agent runs after switching; exit status 0 means healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// Program and arguments; run without a shell, in the new version's directory.
    pub command: Vec<String>,
    /// Exceeding it counts as unhealthy. Default 30 000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// `POST /v1/deployments`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRequest {
    /// Chosen by the client (the device update's id); repeating it is safe.
    pub id: String,
    pub product: String,
    pub version: String,
}

/// State of a deployment; terminal states are `succeeded`, `failed`, `rolled_back`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentState {
    Pending,
    Running,
    Succeeded,
    Failed,
    RollingBack,
    RolledBack,
}

impl DeploymentState {
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::RolledBack)
    }
}

/// `GET /v1/deployments/{id}` and the answer of every deployment route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub product: String,
    pub version: String,
    /// The deployed version when the deployment started; rollback returns to it.
    pub from_version: Option<String>,
    pub state: DeploymentState,
    /// 0–100.
    pub progress: u8,
    pub log: Vec<LogEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

/// One line of a deployment's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// RFC 3339 UTC timestamp, e.g. `2026-11-23T09:18:52Z`.
    pub at: String,
    pub level: LogLevel,
    /// Machine-readable, e.g. `IMPORT_FAILED`, `HEALTH_CHECK_FAILED`.
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
}

/// Body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// The offending request field, for `invalid` and some `conflict` errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// `GET /v1/debug/installs`: installs per deployment id, so tests can check
/// that no deployment was installed twice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Installs {
    pub installs: BTreeMap<String, u32>,
}

/// `GET /devices` (fleet mode only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceList {
    pub devices: Vec<String>,
}

/// Error codes of [`ErrorBody::code`].
pub mod codes {
    pub const UNAUTHORIZED: &str = "unauthorized";
    pub const INVALID: &str = "invalid";
    pub const NOT_FOUND: &str = "not_found";
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    pub const CONFLICT: &str = "conflict";
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    pub const UNAVAILABLE: &str = "unavailable";
    pub const INTERNAL: &str = "internal";
}

/// Formats seconds since the Unix epoch as an RFC 3339 UTC timestamp.
pub fn rfc3339(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let secs = unix_secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_425_532), "2026-11-23T09:18:52Z");
    }

    #[test]
    fn error_body_shape_is_pinned() {
        let body = ErrorBody {
            code: codes::INVALID.into(),
            message: "bad".into(),
            field: Some("version".into()),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"invalid","message":"bad","field":"version"}"#
        );
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let err = serde_json::from_str::<DeploymentRequest>(
            r#"{"id":"a","product":"p","version":"1.0.0","force":true}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("force"));
    }

    #[test]
    fn states_serialize_snake_case() {
        assert_eq!(
            serde_json::to_string(&DeploymentState::RolledBack).unwrap(),
            "\"rolled_back\""
        );
        assert!(DeploymentState::Failed.is_terminal());
        assert!(!DeploymentState::RollingBack.is_terminal());
    }
}
