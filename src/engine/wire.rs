//! Domain manifests into the agent protocol's wire types, by hand, so the
//! wire format never follows an internal rename by accident.

use rollwright_protocol::{ConfigRequest, HealthCheck, WireManifest, WireModule};

use crate::domain::Manifest;

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
