//! The protocol's routes (`docs/agent-protocol.md`), shared by real and fleet
//! mode. Handlers parse and validate fully, then hand off to the `Backend`;
//! they never write anything themselves.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{rejection::BytesRejection, State},
    http::{header::CONTENT_TYPE, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post, put},
    Router,
};
use rollwright_protocol::{
    validate, ConfigRequest, DeploymentRequest, DeviceList, Health, Invalid, PROTOCOL_VERSION,
};
use serde::{de::DeserializeOwned, Serialize};

use crate::{backend::Backend, error::ApiError, segments::Segments};

pub type Shared = Arc<dyn Backend>;

/// Routes of one device, to be nested under `/v1` (real) or
/// `/devices/{device}/v1` (fleet).
pub fn device_routes() -> Router<Shared> {
    Router::new()
        .route("/health", get(health))
        .route("/device", get(device))
        .route(
            "/products/{product}/config",
            put(put_config).delete(revoke_config),
        )
        .route("/deployments", post(start_deployment))
        .route("/deployments/{id}", get(deployment))
        .route("/deployments/{id}/rollback", post(rollback))
        .route("/debug/installs", get(installs))
}

/// `GET /devices` (fleet mode).
pub async fn list_devices(State(b): State<Shared>) -> Result<Response, ApiError> {
    let devices = b
        .device_ids()
        .ok_or_else(|| ApiError::not_found("not a fleet"))?;
    Ok(json(StatusCode::OK, &DeviceList { devices }))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Parses a JSON body, exactly one value and nothing after it but
/// whitespace; errors name the offending field.
fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large()
        } else {
            ApiError::invalid(Invalid::new("body", r.body_text()))
        }
    })?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut *de)
        .map_err(|e| ApiError::invalid(field_error(&e)))?;
    // Trailing data would mean the client sent something other than it meant.
    de.end().map_err(|e| {
        ApiError::invalid(Invalid::new("body", format!("{e}: one JSON value only")))
    })?;
    Ok(value)
}

fn field_error(e: &serde_path_to_error::Error<serde_json::Error>) -> Invalid {
    let path = e.path().to_string();
    let msg = e.inner().to_string();
    let named = |prefix: &str| {
        msg.strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    };
    let field = if let Some(f) = named("unknown field `").or_else(|| named("missing field `")) {
        if path == "." || path.is_empty() {
            f
        } else if path.ends_with(&f) {
            path.clone()
        } else {
            format!("{path}.{f}")
        }
    } else if path == "." || path.is_empty() {
        "body".to_string()
    } else {
        path
    };
    Invalid::new(field, msg)
}

async fn health(State(b): State<Shared>, params: Segments) -> Result<Response, ApiError> {
    b.check(params.get("device"))?;
    Ok(json(
        StatusCode::OK,
        &Health {
            status: "ok".into(),
            agent_version: env!("CARGO_PKG_VERSION").into(),
            protocol: PROTOCOL_VERSION,
        },
    ))
}

async fn device(State(b): State<Shared>, params: Segments) -> Result<Response, ApiError> {
    let bytes = b.device(params.get("device"))?;
    Ok(([(CONTENT_TYPE, "application/json")], bytes).into_response())
}

async fn put_config(
    State(b): State<Shared>,
    params: Segments,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let dev = params.get("device");
    b.check(dev)?;
    let product = params.get("product").unwrap_or_default();
    validate::name("product", product)?;
    let req: ConfigRequest = parse(body)?;
    validate::config(product, &req)?;
    Ok(json(StatusCode::OK, &b.put_config(dev, product, req)?))
}

async fn revoke_config(State(b): State<Shared>, params: Segments) -> Result<Response, ApiError> {
    let dev = params.get("device");
    b.check(dev)?;
    let product = params.get("product").unwrap_or_default();
    validate::name("product", product)?;
    Ok(json(StatusCode::OK, &b.revoke_config(dev, product)?))
}

async fn start_deployment(
    State(b): State<Shared>,
    params: Segments,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let dev = params.get("device");
    b.check(dev)?;
    let req: DeploymentRequest = parse(body)?;
    validate::deployment(&req)?;
    let (created, dep) = b.start_deployment(dev, req)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(json(status, &dep))
}

async fn deployment(State(b): State<Shared>, params: Segments) -> Result<Response, ApiError> {
    let dev = params.get("device");
    b.check(dev)?;
    let id = params.get("id").unwrap_or_default();
    validate::deployment_id("id", id)?;
    Ok(json(StatusCode::OK, &b.deployment(dev, id)?))
}

async fn rollback(State(b): State<Shared>, params: Segments) -> Result<Response, ApiError> {
    let dev = params.get("device");
    b.check(dev)?;
    let id = params.get("id").unwrap_or_default();
    validate::deployment_id("id", id)?;
    Ok(json(StatusCode::OK, &b.rollback(dev, id)?))
}

async fn installs(State(b): State<Shared>, params: Segments) -> Result<Response, ApiError> {
    let dev = params.get("device");
    b.check(dev)?;
    Ok(json(StatusCode::OK, &b.installs(dev)?))
}
