//! `rollwright-cli demo`: seeds an empty database, serves the demo fleet on
//! loopback, and leaves any other landscape alone.

mod cli_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use cli_support::{fixture, Cli};

/// Kills the demo process when the test ends, whatever happens.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn demo_seeds_an_empty_database_and_serves_its_devices() {
    let cli = Cli::new();
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_rollwright-cli"))
            .arg("--db")
            .arg(&cli.db)
            .args(["--json", "demo", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // The process prints one JSON line once serving, or exits (closing stdout).
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(report["seeded"]["products"], 3);
    assert_eq!(report["seeded"]["devices"], 60);
    assert!(report["seeded"]["downtimes"].as_u64().unwrap() > 0);
    assert_eq!(report["seeded"]["updates"], 3);
    let url = report["fleet_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    // The same database, read by another process while the demo runs.
    let page = cli.json(&["device", "list"]);
    assert_eq!(page["total"], 60);
    let devices = page["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 60);
    assert!(devices.iter().all(|d| d["agent_url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{url}/devices/"))));

    // The fleet answers, and refuses a request without its token.
    assert_eq!(status_without_token(&format!("{url}/devices")), 401);
}

/// The status code of a bounded `GET` without a token, over a plain socket
/// (the test has no async runtime).
fn status_without_token(url: &str) -> u16 {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn demo_refuses_a_database_that_holds_another_landscape() {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.3.0.toml")]);
    let out = cli.run(&["demo", "--port", "0"]);
    assert!(!out.ok);
    assert!(out.stderr.contains("not empty"), "{}", out.stderr);
    assert_eq!(
        cli.json(&["device", "list"])["devices"],
        serde_json::json!([])
    );
}
