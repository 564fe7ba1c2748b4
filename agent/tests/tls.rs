//! The agent binary over TLS on 127.0.0.1: it prints its certificate's
//! fingerprint after `listening on`, keeps the certificate it generated across
//! restarts, and serves HTTPS only; a TLS client that never finishes its
//! handshake is disconnected after the head timeout.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use rollwright_agent::server::{serve_tls_with, ConnectionLimits};
use rollwright_agent::tls::{TlsMaterial, TlsSource};
use rollwright_agent::{fleet_app, Fleet, FleetConfig, Token};
use tokio::io::AsyncReadExt;

const TOKEN: &str = "tls-token";

struct Agent {
    child: Child,
    addr: String,
    /// The second line: `tls https://ADDR sha256 FINGERPRINT`.
    tls_line: String,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_fleet(dir: &Path, tls_dir: &Path) -> Agent {
    std::fs::write(dir.join("token"), TOKEN).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rollwright-agent"))
        .args(["fleet", "--devices", "2", "--listen", "127.0.0.1:0"])
        .arg("--token-file")
        .arg(dir.join("token"))
        .arg("--tls-dir")
        .arg(tls_dir)
        .stdout(Stdio::piped())
        .spawn()
        .expect("agent starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .strip_prefix("listening on ")
        .expect("first line names the address")
        .to_string();
    let tls_line = lines.next().unwrap().unwrap();
    Agent {
        child,
        addr,
        tls_line,
    }
}

fn fingerprint_command(tls_dir: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rollwright-agent"))
        .arg("fingerprint")
        .arg("--tls-dir")
        .arg(tls_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Any certificate is accepted: this test checks what the agent serves, the
/// client's pinning is tested in the core's tests.
fn insecure_client() -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn fleet_over_tls_prints_its_fingerprint_and_keeps_its_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let agent = spawn_fleet(dir.path(), &tls_dir);
    let fingerprint = agent
        .tls_line
        .strip_prefix(&format!("tls https://{} sha256 ", agent.addr))
        .unwrap_or_else(|| panic!("second line: {}", agent.tls_line))
        .to_string();
    assert_eq!(fingerprint.len(), 95, "{fingerprint}");
    assert_eq!(fingerprint_command(&tls_dir), fingerprint);

    let resp = insecure_client()
        .get(format!("https://{}/devices", agent.addr))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let plain = reqwest::Client::new()
        .get(format!("http://{}/devices", agent.addr))
        .bearer_auth(TOKEN)
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(
        !plain.is_ok_and(|r| r.status().is_success()),
        "no plain HTTP beside TLS"
    );
    drop(agent);

    let again = spawn_fleet(dir.path(), &tls_dir);
    assert!(
        again.tls_line.ends_with(&fingerprint),
        "the certificate is reused: {}",
        again.tls_line
    );
}

#[tokio::test]
async fn a_tls_client_that_never_says_hello_is_closed_after_the_head_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let tls = TlsMaterial::load(&TlsSource::Dir(dir.path().to_path_buf()))
        .unwrap()
        .server_config()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = fleet_app(
        Fleet::new(FleetConfig::new(1)).unwrap(),
        Token::new(TOKEN).unwrap(),
    );
    let limits = ConnectionLimits {
        head_timeout: Duration::from_millis(300),
        ..ConnectionLimits::default()
    };
    tokio::spawn(serve_tls_with(
        listener,
        app,
        Some(tls),
        limits,
        std::future::pending(),
    ));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out))
        .await
        .expect("the agent closes the connection in time")
        .unwrap();
    assert!(out.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(250));

    // A real client is served meanwhile.
    let resp = insecure_client()
        .get(format!("https://{addr}/devices/dev-00000/v1/health"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
}
