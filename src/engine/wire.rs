//! Every conversion between the domain and the agent protocol's wire types,
//! by hand, so the wire format never follows an internal rename by accident.

use chrono::{DateTime, Utc};
use rollwright_protocol::{
    ConfigRequest, DeploymentRequest, HealthCheck, WireManifest, WireModule,
};

use crate::domain::{DeviceUpdate, LogEntry, LogLevel, LogSource, Manifest};

/// The body of `PUT /v1/products/{p}/config` for a manifest.
pub fn config_request(m: &Manifest) -> ConfigRequest {
    ConfigRequest {
        version: m.version.to_string(),
        manifest: WireManifest {
            product: m.product.to_string(),
            version: m.version.to_string(),
            release_notes: (!m.release_notes.is_empty()).then(|| m.release_notes.clone()),
            modules: m
                .modules
                .iter()
                .map(|module| WireModule {
                    name: module.name.clone(),
                    version: module.version.clone(),
                    artifact: module.artifact.clone(),
                    sha256: module.sha256.clone(),
                })
                .collect(),
            health_check: m.health_check.as_ref().map(|h| HealthCheck {
                command: h.command.clone(),
                timeout_ms: h.timeout_ms,
            }),
        },
    }
}

/// The body of `POST /v1/deployments` for a device update's `k`-th target:
/// its id is fixed by the device update and product, which is what makes a
/// repeated start harmless.
pub(super) fn deployment_request(du: &DeviceUpdate, k: usize) -> DeploymentRequest {
    let target = &du.targets[k];
    DeploymentRequest {
        id: du.deployment_id(k),
        product: target.product.to_string(),
        version: target.version.to_string(),
    }
}

/// An agent's log line as a line of the device update's log; a time the
/// agent wrote badly becomes `now`.
pub(super) fn log_entry(l: &rollwright_protocol::LogEntry, now: DateTime<Utc>) -> LogEntry {
    LogEntry {
        at: DateTime::parse_from_rfc3339(&l.at).map_or(now, |t| t.with_timezone(&Utc)),
        level: match l.level {
            rollwright_protocol::LogLevel::Info => LogLevel::Info,
            rollwright_protocol::LogLevel::Warn => LogLevel::Warn,
            rollwright_protocol::LogLevel::Error => LogLevel::Error,
        },
        code: l.code.clone(),
        message: l.message.clone(),
        detail: l.detail.clone(),
        source: LogSource::Agent,
    }
}
