//! Starts agents in-process on 127.0.0.1:0 for the agent tests, real or fleet,
//! and builds valid manifests whose artifacts are real files.
#![allow(dead_code)]

use std::{path::PathBuf, sync::Arc, time::Duration};

use rollwright::agent_client::{AgentClient, ClientOptions};
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

/// A running agent and a client for (one device of) it.
pub struct Agent {
    pub client: AgentClient,
    /// Base URL of the device, e.g. `http://127.0.0.1:PORT` or `.../devices/dev-00001`.
    pub base: String,
    /// `http://127.0.0.1:PORT`.
    pub root: String,
    pub dir: tempfile::TempDir,
    pub mode: Mode,
}

async fn listen(router: rollwright_agent::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rollwright_agent::serve(listener, router));
    format!("http://{addr}")
}

pub async fn start(mode: Mode) -> Agent {
    match mode {
        Mode::Real => {
            let dir = tempfile::tempdir().unwrap();
            let agent = RealAgent::open(real_config(&dir)).unwrap();
            let root = listen(rollwright_agent::app(
                Arc::new(agent),
                Token::new(TOKEN).unwrap(),
            ))
            .await;
            Agent {
                client: client(&root),
                base: root.clone(),
                root,
                dir,
                mode,
            }
        }
        Mode::Fleet => start_fleet(FleetConfig::new(3), "dev-00001").await,
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
    let dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::new(cfg).unwrap();
    let root = listen(rollwright_agent::fleet_app(
        fleet,
        Token::new(TOKEN).unwrap(),
    ))
    .await;
    let base = format!("{root}/devices/{device}");
    Agent {
        client: client(&base),
        base,
        root,
        dir,
        mode: Mode::Fleet,
    }
}

pub fn client(base: &str) -> AgentClient {
    let opts = ClientOptions {
        timeout: Duration::from_secs(5),
        ..ClientOptions::default()
    };
    AgentClient::new(base, TOKEN, &opts).unwrap()
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
    let mut req = reqwest::Client::new().request(method, url);
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
