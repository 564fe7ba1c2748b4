//! Starts agents in-process on 127.0.0.1:0 for the agent tests, real or fleet,
//! over plain HTTP or TLS (a certificate generated into the agent's temporary
//! directory, pinned by its client), and builds valid manifests whose
//! artifacts are real files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::{sync::Arc, time::Duration};

use rollwright::agent_client::{AgentClient, ClientOptions, Fingerprint};
use rollwright_agent::tls::{TlsMaterial, TlsSource};
use rollwright_agent::{fleet::FleetSpec, Fleet, FleetConfig, RealAgent, RealConfig, Token};
use rollwright_protocol::{
    ConfigRequest, Deployment, DeploymentRequest, HealthCheck, WireManifest, WireModule,
};

pub const TOKEN: &str = "s3cret-token";
pub const PRODUCT: &str = "conformance-app";

#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Real,
    Fleet,
}

/// How the agent is reached: plain HTTP, or TLS with the client pinning the
/// agent's certificate (both on 127.0.0.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Plain,
    Tls,
}

/// A running agent and a client for (one device of) it.
pub struct Agent {
    pub client: AgentClient,
    /// Base URL of the device, e.g. `http://127.0.0.1:PORT` or `.../devices/dev-00001`.
    pub base: String,
    /// `http://127.0.0.1:PORT` (or `https://`).
    pub root: String,
    pub dir: tempfile::TempDir,
    pub mode: Mode,
    /// The agent certificate's fingerprint, over TLS.
    pub pin: Option<Fingerprint>,
}

/// A served agent: its root URL, its certificate's fingerprint over TLS, and
/// the task serving it (abort it to stop the agent).
pub struct Served {
    pub root: String,
    pub pin: Option<Fingerprint>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves `router` on `listener`, over TLS with the certificate of `tls_dir`
/// (generated there if absent) when given.
pub fn serve_on(
    listener: tokio::net::TcpListener,
    router: rollwright_agent::Router,
    tls_dir: Option<&Path>,
) -> Served {
    let addr = listener.local_addr().unwrap();
    match tls_dir {
        None => Served {
            root: format!("http://{addr}"),
            pin: None,
            task: tokio::spawn(rollwright_agent::serve(listener, router)),
        },
        Some(dir) => {
            let tls = TlsMaterial::load(&TlsSource::Dir(dir.to_path_buf())).unwrap();
            // The fingerprint as the agent prints it, parsed as the admin's
            // copy would be.
            let pin: Fingerprint = tls.fingerprint().parse().unwrap();
            let config = tls.server_config().unwrap();
            Served {
                root: format!("https://{addr}"),
                pin: Some(pin),
                task: tokio::spawn(rollwright_agent::serve_tls(listener, router, config)),
            }
        }
    }
}

async fn listen(router: rollwright_agent::Router, tls_dir: Option<&Path>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_on(listener, router, tls_dir)
}

fn tls_dir(dir: &tempfile::TempDir, transport: Transport) -> Option<PathBuf> {
    (transport == Transport::Tls).then(|| dir.path().join("tls"))
}

pub async fn start(mode: Mode) -> Agent {
    start_with(mode, Transport::Plain).await
}

pub async fn start_with(mode: Mode, transport: Transport) -> Agent {
    match mode {
        Mode::Real => {
            let dir = tempfile::tempdir().unwrap();
            let agent = RealAgent::open(real_config(&dir)).unwrap();
            let served = listen(
                rollwright_agent::app(Arc::new(agent), Token::new(TOKEN).unwrap()),
                tls_dir(&dir, transport).as_deref(),
            )
            .await;
            Agent {
                client: pinned_client(&served.root, served.pin.as_ref()),
                base: served.root.clone(),
                root: served.root,
                dir,
                mode,
                pin: served.pin,
            }
        }
        Mode::Fleet => start_fleet_with(FleetConfig::new(3), "dev-00001", transport).await,
    }
}

pub fn real_config(dir: &tempfile::TempDir) -> RealConfig {
    RealConfig {
        data_dir: dir.path().join("data"),
        name: "press-07".into(),
        labels: [("site".to_string(), "lyon".to_string())].into(),
    }
}

pub async fn start_fleet(cfg: FleetConfig, device: &str) -> Agent {
    start_fleet_with(cfg, device, Transport::Plain).await
}

pub async fn start_fleet_with(cfg: FleetConfig, device: &str, transport: Transport) -> Agent {
    let dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::new(cfg).unwrap();
    let served = listen(
        rollwright_agent::fleet_app(fleet, Token::new(TOKEN).unwrap()),
        tls_dir(&dir, transport).as_deref(),
    )
    .await;
    let base = format!("{}/devices/{device}", served.root);
    Agent {
        client: pinned_client(&base, served.pin.as_ref()),
        base,
        root: served.root,
        dir,
        mode: Mode::Fleet,
        pin: served.pin,
    }
}

pub fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    }
}

/// A client of a loopback agent over plain HTTP.
pub fn client(base: &str) -> AgentClient {
    pinned_client(base, None)
}

pub fn pinned_client(base: &str, pin: Option<&Fingerprint>) -> AgentClient {
    AgentClient::new(base, TOKEN, pin, &options()).unwrap()
}

/// For raw requests, which test what the agent answers, not pinning: any
/// certificate is accepted.
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

/// A TCP forwarder on 127.0.0.1 in front of `target` that counts the
/// connections made through it.
pub async fn counting_proxy(
    target: std::net::SocketAddr,
) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, count)
}

pub fn spec(json: &str) -> FleetSpec {
    FleetSpec::parse(json).unwrap()
}

impl Agent {
    /// Writes artifacts for `version` and returns a valid config request.
    pub fn config(&self, version: &str) -> ConfigRequest {
        self.config_with(version, None)
    }

    pub fn config_with(&self, version: &str, health_check: Option<Vec<&str>>) -> ConfigRequest {
        let modules = ["ocr-engine", "camera-driver"]
            .iter()
            .map(|name| {
                let content = format!("{name} {version} payload\n").repeat(100);
                let path: PathBuf = self.dir.path().join(format!("{name}-{version}.bin"));
                std::fs::write(&path, &content).unwrap();
                WireModule {
                    name: name.to_string(),
                    version: version.into(),
                    artifact: format!("file://{}", path.display()),
                    sha256: rollwright_agent::sha256_hex(content.as_bytes()),
                }
            })
            .collect();
        ConfigRequest {
            version: version.into(),
            manifest: WireManifest {
                product: PRODUCT.into(),
                version: version.into(),
                release_notes: Some("conformance".into()),
                modules,
                health_check: health_check.map(|c| HealthCheck {
                    command: c.into_iter().map(String::from).collect(),
                    timeout_ms: Some(5_000),
                }),
            },
        }
    }

    /// Configures and deploys `version` under `id`, and waits until terminal.
    pub async fn deploy(&self, id: &str, version: &str) -> Deployment {
        self.client
            .put_config(PRODUCT, &self.config(version))
            .await
            .unwrap();
        self.client
            .start_deployment(&request(id, version))
            .await
            .unwrap();
        self.wait(id).await
    }

    /// Polls the deployment until it is terminal (at most 10 s).
    pub async fn wait(&self, id: &str) -> Deployment {
        for _ in 0..500 {
            let d = self.client.deployment(id).await.unwrap();
            if d.state.is_terminal() {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("deployment {id} did not end within 10 s");
    }

    /// A raw request, for what the typed client cannot send.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (u16, serde_json::Value) {
        let (status, _, json) = raw_url(method, &format!("{}{path}", self.base), token, body).await;
        (status, json)
    }
    /// Whether the device has heard of [`PRODUCT`] at all.
    pub async fn knows_product(&self) -> bool {
        self.client
            .device()
            .await
            .unwrap()
            .products
            .contains_key(PRODUCT)
    }

    pub async fn deployed(&self) -> Option<String> {
        let info = self.client.device().await.unwrap();
        info.products
            .get(PRODUCT)
            .and_then(|p| p.deployed_version.clone())
    }
}

pub fn request(id: &str, version: &str) -> DeploymentRequest {
    DeploymentRequest {
        id: id.into(),
        product: PRODUCT.into(),
        version: version.into(),
    }
}

/// A raw request to a whole URL: status, `Content-Type` and the body as JSON
/// (`Null` when it is not JSON). The token goes in as `Bearer <token>`.
pub async fn raw_url(
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> (u16, Option<String>, serde_json::Value) {
    let mut req = raw_client().request(method, url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = resp.bytes().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}
