//! Real mode under SIGKILL: the agent binary is killed in the middle of a
//! switch, or after it while the health check runs, and restarted. The device
//! must always hold one whole version, and the deployment must end cleanly.

mod support;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use rollwright_protocol::{Deployment, DeploymentState, Installs};

const TOKEN: &str = "crash-token";
const PRODUCT: &str = "press-control";

struct Agent {
    child: Child,
    base: String,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(dir: &Path, switch_delay_ms: Option<u64>) -> Agent {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rollwright-agent"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--name", "press-01"])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--token-file")
        .arg(dir.join("token"))
        .stdout(Stdio::piped())
        .env_remove("ROLLWRIGHT_AGENT_SWITCH_DELAY_MS");
    if let Some(ms) = switch_delay_ms {
        cmd.env("ROLLWRIGHT_AGENT_SWITCH_DELAY_MS", ms.to_string());
    }
    let mut child = cmd.spawn().expect("agent starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("first line names the address")
        .to_string();
    Agent {
        child,
        base: format!("http://{addr}"),
    }
}

async fn call(
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, Vec<u8>) {
    support::call(base, TOKEN, method, path, body).await
}

/// Writes two modules of ~2 MiB for `version` and configures it.
async fn configure(
    base: &str,
    dir: &Path,
    version: &str,
    health: Option<&str>,
) -> Vec<(String, String)> {
    let mut modules = vec![];
    let mut shas = vec![];
    for name in ["plc-runtime", "hmi"] {
        let content = format!("{name} {version}\n").repeat(120_000);
        let path = dir.join(format!("{name}-{version}.bin"));
        std::fs::write(&path, &content).unwrap();
        let sha = rollwright_agent::sha256_hex(content.as_bytes());
        shas.push((name.to_string(), sha.clone()));
        modules.push(serde_json::json!({
            "name": name, "version": version,
            "artifact": format!("file://{}", path.display()), "sha256": sha,
        }));
    }
    let mut manifest =
        serde_json::json!({"product": PRODUCT, "version": version, "modules": modules});
    if let Some(h) = health {
        manifest["health_check"] =
            serde_json::json!({"command": ["sh", "-c", h], "timeout_ms": 20000});
    }
    let body = serde_json::json!({"version": version, "manifest": manifest});
    let (status, _) = call(
        base,
        reqwest::Method::PUT,
        &format!("/v1/products/{PRODUCT}/config"),
        Some(body),
    )
    .await;
    assert_eq!(status, 200);
    shas
}

async fn start(base: &str, id: &str, version: &str) {
    let body = serde_json::json!({"id": id, "product": PRODUCT, "version": version});
    let (status, body) = call(base, reqwest::Method::POST, "/v1/deployments", Some(body)).await;
    assert!(
        status == 200 || status == 201,
        "{status} {}",
        String::from_utf8_lossy(&body)
    );
}

async fn wait_terminal(base: &str, id: &str) -> Deployment {
    support::wait_terminal(base, TOKEN, id).await
}

fn product_dir(dir: &Path) -> PathBuf {
    dir.join("data/products").join(PRODUCT)
}

fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let until = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The pointer names a version whose directory holds every module, verified.
fn assert_whole(dir: &Path, shas_by_version: &[(&str, &[(String, String)])]) -> String {
    let current =
        std::fs::read_to_string(product_dir(dir).join("current")).expect("a pointer exists");
    let current = current.trim().to_string();
    let (_, shas) = shas_by_version
        .iter()
        .find(|(v, _)| *v == current)
        .expect("pointer names a known version");
    for (name, sha) in *shas {
        let bytes =
            std::fs::read(product_dir(dir).join("versions").join(&current).join(name)).unwrap();
        assert_eq!(
            &rollwright_agent::sha256_hex(&bytes),
            sha,
            "module {name} of {current} is whole"
        );
    }
    current
}

async fn installs(base: &str) -> Installs {
    let (_, body) = call(base, reqwest::Method::GET, "/v1/debug/installs", None).await;
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_switch_leaves_one_whole_version_and_restart_completes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let mut agent = spawn(dir.path(), Some(1500));
    let v1 = configure(&agent.base, dir.path(), "1.0.0", None).await;
    start(&agent.base, "u-1", "1.0.0").await;
    assert_eq!(
        wait_terminal(&agent.base, "u-1").await.state,
        DeploymentState::Succeeded
    );

    let v2 = configure(&agent.base, dir.path(), "2.0.0", None).await;
    start(&agent.base, "u-2", "2.0.0").await;
    let tmp = product_dir(dir.path()).join("current.tmp");
    wait_for("the switch to begin", || tmp.exists());
    agent.child.kill().unwrap(); // SIGKILL
    agent.child.wait().unwrap();
    let versions: [(&str, &[(String, String)]); 2] = [("1.0.0", &v1), ("2.0.0", &v2)];
    assert_eq!(
        assert_whole(dir.path(), &versions),
        "1.0.0",
        "killed before the rename"
    );

    let agent = spawn(dir.path(), None);
    assert!(!tmp.exists(), "the half-written pointer is cleaned up");
    let d = wait_terminal(&agent.base, "u-2").await;
    assert_eq!(d.state, DeploymentState::Succeeded, "{d:?}");
    assert!(d.log.iter().any(|e| e.code == "RESUMED"));
    assert_eq!(assert_whole(dir.path(), &versions), "2.0.0");
    assert_eq!(installs(&agent.base).await.installs["u-2"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_health_check_switches_back_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let mut agent = spawn(dir.path(), None);
    let v1 = configure(&agent.base, dir.path(), "1.0.0", None).await;
    start(&agent.base, "u-1", "1.0.0").await;
    assert_eq!(
        wait_terminal(&agent.base, "u-1").await.state,
        DeploymentState::Succeeded
    );

    let v2 = configure(
        &agent.base,
        dir.path(),
        "2.0.0",
        Some("sleep 1; echo unhealthy >&2; exit 1"),
    )
    .await;
    start(&agent.base, "u-2", "2.0.0").await;
    let current = product_dir(dir.path()).join("current");
    wait_for("the switch to 2.0.0", || {
        std::fs::read_to_string(&current).is_ok_and(|s| s.trim() == "2.0.0")
    });
    agent.child.kill().unwrap();
    agent.child.wait().unwrap();
    let versions: [(&str, &[(String, String)]); 2] = [("1.0.0", &v1), ("2.0.0", &v2)];
    assert_eq!(assert_whole(dir.path(), &versions), "2.0.0");

    let agent = spawn(dir.path(), None);
    let d = wait_terminal(&agent.base, "u-2").await;
    assert_eq!(d.state, DeploymentState::Failed, "{d:?}");
    assert!(d.log.iter().any(|e| e.code == "HEALTH_CHECK_FAILED"));
    // The agent records the end before it switches back (after a crash the
    // recorded state wins), so the pointer follows a moment later.
    wait_for("the switch back to 1.0.0", || {
        std::fs::read_to_string(&current).is_ok_and(|s| s.trim() == "1.0.0")
    });
    assert_eq!(assert_whole(dir.path(), &versions), "1.0.0");
    let (_, body) = call(&agent.base, reqwest::Method::GET, "/v1/device", None).await;
    let info: rollwright_protocol::DeviceInfo = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        info.products[PRODUCT].deployed_version.as_deref(),
        Some("1.0.0")
    );
    assert_eq!(installs(&agent.base).await.installs["u-2"], 1);
}
