//! Rollwright's HTTP client for the agent protocol (`docs/agent-protocol.md`).
//! Speaks only the wire types of `rollwright-protocol`; knows nothing of the
//! store. It never validates for the agent: the agent is the judge of a
//! request, and its `ErrorBody` comes back in [`AgentError::Rejected`].
//!
//! One [`AgentClient`] per device, all sharing connection pools (see
//! [`AgentClient::for_device`]). A fleet device is just a base URL
//! `http://127.0.0.1:PORT/devices/{id}`; the client appends `/v1/...`.
//!
//! Transport ([`pin`]): plain `http://` only to a loopback host; `https://`
//! only with the agent certificate's pinned [`Fingerprint`], which replaces
//! CA and host name checks as SSH's known hosts do. A device presenting
//! another certificate fails with [`AgentError::CertificateChanged`] until the
//! admin trusts the new one ([`probe_certificate`] shows it). The token is
//! never part of an error or a log line.

mod pin;
mod reader;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{Method, StatusCode, Url};
use rollwright_protocol::{
    ConfigRequest, Deployment, DeploymentRequest, DeviceInfo, ErrorBody, Health, Installs,
    ProductState,
};
use serde::{de::DeserializeOwned, Serialize};

pub use reader::InventoryReader;
pub use rollwright_protocol::{Fingerprint, FingerprintError};

/// Settings shared by every device's client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Whole-request timeout; exceeding it is a transient error.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Idle pooled connections kept per agent host.
    pub pool_max_idle_per_host: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            pool_max_idle_per_host: 256,
        }
    }
}

/// A configuration request serialised once, to send to many devices.
#[derive(Debug, Clone)]
pub struct PreparedConfig(bytes::Bytes);

impl PreparedConfig {
    pub fn new(req: &ConfigRequest) -> PreparedConfig {
        PreparedConfig(
            serde_json::to_vec(req)
                .expect("wire types always serialise")
                .into(),
        )
    }
}

/// Why a call failed. [`AgentError::is_transient`] says whether retrying the
/// same call may succeed (every call is idempotent, so retrying is safe).
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No answer: connection refused or reset, DNS, TLS. Transient.
    #[error("agent unreachable: {0}")]
    Unreachable(String),
    /// No answer in time. Transient.
    #[error("agent did not answer in time")]
    Timeout,
    /// The agent answered 5xx. Transient.
    #[error("agent failed ({status}): {}: {}", body.code, body.message)]
    Server { status: u16, body: ErrorBody },
    /// The agent refused the request (4xx). Permanent: the same call fails again.
    #[error("agent refused ({status}): {}: {}", body.code, body.message)]
    Rejected { status: u16, body: ErrorBody },
    /// The answer was not what the protocol says. Permanent.
    #[error("unexpected answer from agent: {0}")]
    Protocol(String),
    /// The base URL or options are unusable. Permanent.
    #[error("bad client configuration: {0}")]
    Config(String),
    /// The agent presented another TLS certificate than the one pinned for
    /// it: a reinstalled device, or someone in between. Permanent: the
    /// device stays refused until the admin trusts the new certificate.
    #[error(
        "the device's TLS certificate changed: pinned {pinned}, presented {presented}. \
         Compare the presented fingerprint with the one the device shows \
         (`rollwright-agent fingerprint --tls-dir DIR` on the device) and, only \
         if they match, trust the new certificate"
    )]
    CertificateChanged {
        pinned: Fingerprint,
        presented: Fingerprint,
    },
}

impl AgentError {
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Unreachable(_) | Self::Timeout | Self::Server { .. }
        )
    }

    /// What an admin adding or checking a device should read: unreachable,
    /// a wrong token and "not a Rollwright agent" told apart.
    pub fn for_admin(&self) -> String {
        match self {
            Self::Rejected { status: 401, .. } => {
                "the agent refused the token (401): check the device's agent token".into()
            }
            Self::Rejected { status: 404, .. } | Self::Protocol(_) => format!(
                "does not answer as a Rollwright agent at this URL ({self}); check the URL, including any /devices/NAME path"
            ),
            _ => self.to_string(),
        }
    }

    /// The agent's error body, when it answered with one.
    pub fn body(&self) -> Option<&ErrorBody> {
        match self {
            Self::Server { body, .. } | Self::Rejected { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The HTTP status, when the agent answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server { status, .. } | Self::Rejected { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn from_reqwest(e: reqwest::Error) -> Self {
        if let Some(m) = pin::mismatch_in(&e) {
            m.into()
        } else if e.is_timeout() {
            Self::Timeout
        } else if e.is_builder() {
            Self::Config(e.to_string())
        } else if e.is_decode() {
            Self::Protocol(e.to_string())
        } else {
            Self::Unreachable(e.to_string())
        }
    }
}

impl From<pin::Mismatch> for AgentError {
    fn from(m: pin::Mismatch) -> Self {
        Self::CertificateChanged {
            pinned: m.pinned,
            presented: m.presented,
        }
    }
}

/// The `reqwest` clients that every device's [`AgentClient`] made from one
/// [`AgentClient::new`] shares: one for plain HTTP, one per pinned
/// certificate (a fleet's devices share one certificate, hence one pool).
#[derive(Clone)]
struct Pools {
    options: ClientOptions,
    plain: reqwest::Client,
    /// Built on first use of each pin, kept for the pool's life.
    pinned: Arc<Mutex<HashMap<Fingerprint, reqwest::Client>>>,
}

impl Pools {
    fn new(options: &ClientOptions) -> Result<Pools, AgentError> {
        let plain = builder(options)
            .build()
            .map_err(|e| AgentError::Config(e.to_string()))?;
        Ok(Pools {
            options: options.clone(),
            plain,
            pinned: Arc::default(),
        })
    }

    /// The client for `pin`: plain HTTP without one.
    fn client(&self, pin: Option<&Fingerprint>) -> Result<reqwest::Client, AgentError> {
        let Some(pin) = pin else {
            return Ok(self.plain.clone());
        };
        let mut pinned = self.pinned.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = pinned.get(pin) {
            return Ok(c.clone());
        }
        let client = tls_client(&self.options, Some(*pin), Arc::default())?;
        pinned.insert(*pin, client.clone());
        Ok(client)
    }
}

fn builder(options: &ClientOptions) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.connect_timeout)
        .pool_max_idle_per_host(options.pool_max_idle_per_host)
        .tcp_nodelay(true)
        // The protocol has no redirects; following one could leave loopback
        // or the pinned agent.
        .redirect(reqwest::redirect::Policy::none())
}

/// A client that speaks only HTTPS and accepts only `pin` (any certificate
/// with `None`), recording the certificate presented in `presented`.
fn tls_client(
    options: &ClientOptions,
    pin: Option<Fingerprint>,
    presented: pin::Presented,
) -> Result<reqwest::Client, AgentError> {
    let tls = pin::client_config(pin, presented).map_err(|e| AgentError::Config(e.to_string()))?;
    builder(options)
        .https_only(true)
        .use_preconfigured_tls(tls)
        .build()
        .map_err(|e| AgentError::Config(e.to_string()))
}

/// Connects to the agent at `base_url` (`https://…`), accepting whatever
/// certificate it presents, and returns that certificate's fingerprint: what
/// the admin compares with the one the device shows before pinning it, when
/// adding a device or trusting a changed certificate (trust on first use, as
/// SSH does). The token is not sent: the agent is not trusted yet.
pub async fn probe_certificate(
    base_url: &str,
    options: &ClientOptions,
) -> Result<Fingerprint, AgentError> {
    let url = parse_base(base_url)?;
    if url.scheme() != "https" {
        return Err(AgentError::Config(
            "only an https:// agent URL has a certificate to probe".into(),
        ));
    }
    let presented = pin::Presented::default();
    let http = tls_client(options, None, presented.clone())?;
    let mut health = url.clone();
    health.set_path(&format!("{}/v1/health", url.path().trim_end_matches('/')));
    // Any answer, 401 included, means the handshake is done; a failure after
    // it still leaves the certificate recorded.
    let answer = http.get(health).send().await;
    let seen = *presented.lock().unwrap_or_else(|p| p.into_inner());
    match (seen, answer) {
        (Some(f), _) => Ok(f),
        (None, Err(e)) => Err(AgentError::from_reqwest(e)),
        (None, Ok(_)) => Err(AgentError::Protocol(
            "the agent answered without presenting a certificate".into(),
        )),
    }
}

/// `base_url` parsed and checked for shape: http(s), a host, no query,
/// fragment or credentials (the token travels in a header, never in a URL).
fn parse_base(base_url: &str) -> Result<Url, AgentError> {
    let base = base_url.trim_end_matches('/');
    let parsed = Url::parse(base)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .filter(|u| u.query().is_none() && u.fragment().is_none());
    let Some(parsed) = parsed else {
        return Err(AgentError::Config(format!(
            "{base_url:?} is not an http(s) URL without query or fragment"
        )));
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(AgentError::Config(
            "an agent URL must not carry a user name or password".into(),
        ));
    }
    Ok(parsed)
}

/// Whether `url`'s host is loopback: 127.0.0.0/8, ::1 or `localhost`.
fn is_loopback(url: &Url) -> bool {
    url.host_str()
        .is_some_and(rollwright_protocol::validate::is_loopback_host)
}

/// The client of one device's agent: a cheap `Clone` handle.
#[derive(Clone)]
pub struct AgentClient {
    /// This device's client, taken from `pools`: plain, or pinned to its
    /// certificate.
    http: reqwest::Client,
    /// Shared by every device's client made from the same [`AgentClient::new`].
    pools: Pools,
    /// Parsed once: a request only sets the path (the base path without its
    /// trailing slash, then `/v1/...`), so the host is not parsed again for
    /// every call of a rollout.
    base_url: Url,
    /// The full `Authorization` header value, marked sensitive so that it is
    /// never logged.
    auth: HeaderValue,
    /// The agent certificate's fingerprint, for `https://`.
    pin: Option<Fingerprint>,
}

impl std::fmt::Debug for AgentClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentClient")
            .field("base", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl AgentClient {
    /// A client for the agent at `base_url` (e.g. `http://127.0.0.1:7878`, or
    /// `http://127.0.0.1:7878/devices/dev-00042` for a fleet device).
    /// `https://` needs `pin`, the fingerprint of the agent's certificate;
    /// `http://` is for a loopback host only, without a pin. Nothing is
    /// connected before the first call.
    pub fn new(
        base_url: &str,
        token: &str,
        pin: Option<&Fingerprint>,
        options: &ClientOptions,
    ) -> Result<Self, AgentError> {
        Self::with_pools(Pools::new(options)?, base_url, token, pin)
    }

    /// A client for another device that shares this one's connection pools.
    pub fn for_device(
        &self,
        base_url: &str,
        token: &str,
        pin: Option<&Fingerprint>,
    ) -> Result<Self, AgentError> {
        Self::with_pools(self.pools.clone(), base_url, token, pin)
    }

    fn with_pools(
        pools: Pools,
        base_url: &str,
        token: &str,
        pin: Option<&Fingerprint>,
    ) -> Result<Self, AgentError> {
        let parsed = parse_base(base_url)?;
        match (parsed.scheme(), pin) {
            ("https", None) => {
                return Err(AgentError::Config(format!(
                    "{} is https:// without a pinned certificate: probe its \
                     fingerprint and let the admin compare and trust it first",
                    parsed.as_str().trim_end_matches('/')
                )))
            }
            ("http", Some(_)) => {
                return Err(AgentError::Config(format!(
                    "{} is plain http://: a pinned certificate needs https://",
                    parsed.as_str().trim_end_matches('/')
                )))
            }
            ("http", None) if !is_loopback(&parsed) => {
                return Err(AgentError::Config(format!(
                    "{} is plain http:// to a host that is not loopback: plain HTTP \
                     is loopback-only, use https:// with a pinned certificate",
                    parsed.as_str().trim_end_matches('/')
                )))
            }
            _ => {}
        }
        let http = pools.client(pin)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| AgentError::Config("the token must be visible ASCII characters".into()))?;
        auth.set_sensitive(true);
        Ok(Self {
            http,
            pools,
            base_url: parsed,
            auth,
            pin: pin.copied(),
        })
    }

    /// `path` (`/v1/...`) under the base URL's path.
    fn path_to(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.path().trim_end_matches('/'))
    }

    /// The agent's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    /// `GET /v1/health`
    pub async fn health(&self) -> Result<Health, AgentError> {
        self.call(Method::GET, "/v1/health", None::<&()>).await
    }

    /// `GET /v1/device`
    pub async fn device(&self) -> Result<DeviceInfo, AgentError> {
        self.call(Method::GET, "/v1/device", None::<&()>).await
    }

    /// `PUT /v1/products/{product}/config`: sets the configured version (any
    /// version, lower ones too). Idempotent.
    pub async fn put_config(
        &self,
        product: &str,
        req: &ConfigRequest,
    ) -> Result<ProductState, AgentError> {
        let path = format!("/v1/products/{}/config", segment(product));
        self.call(Method::PUT, &path, Some(req)).await
    }

    /// `DELETE /v1/products/{product}/config`: revokes the configured version. Idempotent.
    pub async fn revoke_config(&self, product: &str) -> Result<ProductState, AgentError> {
        let path = format!("/v1/products/{}/config", segment(product));
        self.call(Method::DELETE, &path, None::<&()>).await
    }

    /// `POST /v1/deployments`: starts deploying the configured version; a
    /// repeated id returns the existing deployment and installs nothing.
    pub async fn start_deployment(
        &self,
        req: &DeploymentRequest,
    ) -> Result<Deployment, AgentError> {
        self.call(Method::POST, "/v1/deployments", Some(req)).await
    }

    /// `GET /v1/deployments/{id}`
    pub async fn deployment(&self, id: &str) -> Result<Deployment, AgentError> {
        let path = format!("/v1/deployments/{}", segment(id));
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// `POST /v1/deployments/{id}/rollback`: aborts if running and returns the
    /// device to the previous deployed version. Idempotent.
    pub async fn rollback(&self, id: &str) -> Result<Deployment, AgentError> {
        let path = format!("/v1/deployments/{}/rollback", segment(id));
        self.call(Method::POST, &path, None::<&()>).await
    }

    /// `GET /v1/debug/installs`: installs per deployment id.
    pub async fn installs(&self) -> Result<Installs, AgentError> {
        self.call(Method::GET, "/v1/debug/installs", None::<&()>)
            .await
    }

    /// `PUT /v1/products/{product}/config` with a body serialised once by
    /// [`PreparedConfig::new`]: a rollout sends the same manifest to every device.
    pub async fn put_prepared_config(
        &self,
        product: &str,
        config: &PreparedConfig,
    ) -> Result<ProductState, AgentError> {
        let path = format!("/v1/products/{}/config", segment(product));
        self.send(Method::PUT, &path, Some(config.0.clone())).await
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, AgentError> {
        let body = match body {
            Some(b) => Some(bytes::Bytes::from(
                serde_json::to_vec(b).map_err(|e| AgentError::Config(e.to_string()))?,
            )),
            None => None,
        };
        self.send(method, path, body).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<bytes::Bytes>,
    ) -> Result<T, AgentError> {
        let mut url = self.base_url.clone();
        url.set_path(&self.path_to(path));
        let mut req = self
            .http
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, self.auth.clone());
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b);
        }
        let resp = req.send().await.map_err(AgentError::from_reqwest)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(AgentError::from_reqwest)?;
        decode(status, &bytes)
    }
}

/// An agent's answer: the value on success (exactly one JSON value, nothing
/// after it), else the error body as the agent sent it.
fn decode<T: DeserializeOwned>(status: StatusCode, bytes: &[u8]) -> Result<T, AgentError> {
    if status.is_success() {
        return serde_json::from_slice(bytes).map_err(|e| AgentError::Protocol(e.to_string()));
    }
    let body = serde_json::from_slice::<ErrorBody>(bytes).unwrap_or_else(|_| ErrorBody {
        code: if status.is_server_error() {
            "internal"
        } else {
            "unknown"
        }
        .into(),
        message: String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned(),
        field: None,
    });
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Err(AgentError::Server {
            status: status.as_u16(),
            body,
        })
    } else {
        Err(AgentError::Rejected {
            status: status.as_u16(),
            body,
        })
    }
}

/// Percent-encodes a path segment, so an odd name reaches the agent intact
/// (and is refused there) instead of changing the route.
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_with_data_after_its_json_value_is_a_protocol_error() {
        let health = br#"{"status":"ok","agent_version":"0.1.0","protocol":1}"#;
        assert!(decode::<Health>(StatusCode::OK, health).is_ok());
        assert!(decode::<Health>(StatusCode::OK, &[&health[..], b" \n"].concat()).is_ok());
        for tail in [&b" garbage"[..], b"{}", b"]"] {
            let answer = [&health[..], tail].concat();
            let e = decode::<Health>(StatusCode::OK, &answer).unwrap_err();
            assert!(matches!(e, AgentError::Protocol(_)), "{e:?}");
        }
    }

    #[test]
    fn path_segments_are_escaped() {
        assert_eq!(segment("acme-erp"), "acme-erp");
        assert_eq!(segment("a/b"), "a%2Fb");
        assert_eq!(segment("u 1"), "u%201");
    }

    #[test]
    fn only_unanswered_calls_and_server_errors_are_transient() {
        let body = ErrorBody {
            code: "x".into(),
            message: "y".into(),
            field: None,
        };
        assert!(AgentError::Timeout.is_transient());
        assert!(AgentError::Server {
            status: 503,
            body: body.clone()
        }
        .is_transient());
        assert!(!AgentError::Rejected { status: 400, body }.is_transient());
    }

    fn new(url: &str, pin: Option<&Fingerprint>) -> Result<AgentClient, AgentError> {
        AgentClient::new(url, "t0ken", pin, &ClientOptions::default())
    }

    fn config_error(r: Result<AgentClient, AgentError>) -> String {
        match r {
            Err(AgentError::Config(m)) => m,
            other => panic!("expected a Config error, got {other:?}"),
        }
    }

    #[test]
    fn base_url_must_be_http() {
        assert!(new("ftp://x", None).is_err());
        assert!(new("http://", None).is_err());
        assert!(new("http://h/?q=1", None).is_err());
        let c = new("http://127.0.0.1:1/devices/dev-00001/", None).unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:1/devices/dev-00001");
    }

    #[test]
    fn plain_http_is_for_loopback_hosts_only() {
        for ok in [
            "http://127.0.0.1:1",
            "http://127.8.9.10:1",
            "http://[::1]:1",
            "http://localhost:1",
            "http://LOCALHOST:1/devices/d",
        ] {
            assert!(new(ok, None).is_ok(), "{ok}");
        }
        for far in [
            "http://192.0.2.1:1",
            "http://[2001:db8::1]:1",
            "http://agent.example:1",
            "http://0.0.0.0:1",
        ] {
            let e = config_error(new(far, None));
            assert!(e.contains("loopback-only"), "{far}: {e}");
        }
    }

    #[test]
    fn https_needs_a_pin_and_a_pin_needs_https() {
        let pin = Fingerprint::of_der(b"cert");
        let e = config_error(new("https://192.0.2.1:1", None));
        assert!(e.contains("without a pinned certificate"), "{e}");
        let e = config_error(new("http://127.0.0.1:1", Some(&pin)));
        assert!(e.contains("needs https://"), "{e}");
        assert!(new("https://192.0.2.1:1", Some(&pin)).is_ok());
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_never_echoed() {
        let e = config_error(new("http://admin:hunter2@127.0.0.1:1", None));
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn the_token_is_in_no_error_or_debug_output() {
        let c = new("http://127.0.0.1:1", None).unwrap();
        assert!(!format!("{c:?}").contains("t0ken"));
        let e = config_error(AgentClient::new(
            "http://192.0.2.1:1",
            "t0ken",
            None,
            &ClientOptions::default(),
        ));
        assert!(!e.contains("t0ken"), "{e}");
    }

    #[test]
    fn a_changed_certificate_is_permanent_and_names_both_fingerprints() {
        let (pinned, presented) = (Fingerprint::of_der(b"a"), Fingerprint::of_der(b"b"));
        let e = AgentError::CertificateChanged { pinned, presented };
        assert!(!e.is_transient());
        let m = e.to_string();
        assert!(m.contains(&pinned.to_string()) && m.contains(&presented.to_string()));
        assert!(m.contains("certificate changed") && m.contains("trust the new certificate"));
    }

    #[tokio::test]
    async fn probing_needs_https() {
        let e = probe_certificate("http://127.0.0.1:1", &ClientOptions::default())
            .await
            .unwrap_err();
        assert!(matches!(e, AgentError::Config(_)), "{e:?}");
    }
}
