//! `Backend`: what the routes need from a device, so one set of routes serves
//! both the real agent and the fleet simulator. Requests reach it validated.

use axum::body::Bytes;
use rollwright_protocol::{ConfigRequest, Deployment, DeploymentRequest, Installs, ProductState};

use crate::error::ApiError;

/// Which device a request is for: `None` on a real agent, the `{device}` path
/// segment in fleet mode.
pub type DeviceKey<'a> = Option<&'a str>;

pub trait Backend: Send + Sync + 'static {
    /// `GET /v1/device`, already serialized (fleet mode caches it).
    fn device(&self, dev: DeviceKey) -> Result<Bytes, ApiError>;
    fn put_config(
        &self,
        dev: DeviceKey,
        product: &str,
        req: ConfigRequest,
    ) -> Result<ProductState, ApiError>;
    fn revoke_config(&self, dev: DeviceKey, product: &str) -> Result<ProductState, ApiError>;
    /// `Ok((true, _))` when the deployment was created by this call.
    fn start_deployment(
        &self,
        dev: DeviceKey,
        req: DeploymentRequest,
    ) -> Result<(bool, Deployment), ApiError>;
    fn deployment(&self, dev: DeviceKey, id: &str) -> Result<Deployment, ApiError>;
    fn rollback(&self, dev: DeviceKey, id: &str) -> Result<Deployment, ApiError>;
    fn installs(&self, dev: DeviceKey) -> Result<Installs, ApiError>;
    /// Checks the device exists (and, in fleet mode, injects transient faults).
    fn check(&self, dev: DeviceKey) -> Result<(), ApiError>;
    /// Fleet mode only: every device id.
    fn device_ids(&self) -> Option<Vec<String>> {
        None
    }
}
