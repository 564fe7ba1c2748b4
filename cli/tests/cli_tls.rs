//! Adding an https agent from the CLI: the certificate is shown for the
//! admin to compare, and pinned only with the fingerprint they give; a
//! changed certificate is trusted only by an explicit `device trust`.

mod cli_support;

use cli_support::Cli;
use rollwright_agent::tls::{TlsMaterial, TlsSource};
use rollwright_agent::{Fleet, FleetConfig, Token};

/// A one-device fleet over TLS on loopback; returns its device URL and the
/// fingerprint the agent prints.
async fn tls_fleet(dir: &std::path::Path) -> (String, String) {
    let fleet = Fleet::new(FleetConfig::new(1)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tls = TlsMaterial::load(&TlsSource::Dir(dir.to_path_buf())).unwrap();
    tokio::spawn(rollwright_agent::serve_tls(
        listener,
        rollwright_agent::fleet_app(fleet, Token::new("tls-token").unwrap()),
        tls.server_config().unwrap(),
    ));
    (
        format!("https://{addr}/devices/dev-00000"),
        tls.fingerprint(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_device_is_added_only_with_the_fingerprint_the_admin_compared() {
    let cli = Cli::new();
    let tls = tempfile::tempdir().unwrap();
    let (url, printed) = tls_fleet(tls.path()).await;
    let add = [
        "device",
        "add",
        "edge-7",
        "--url",
        &url,
        "--token",
        "tls-token",
    ];

    let shown = tokio::task::block_in_place(|| cli.run(&add));
    assert!(!shown.ok, "nothing is saved before the admin compares");
    assert!(
        shown.stderr.contains(&format!("sha256 {printed}")),
        "{}",
        shown.stderr
    );
    assert!(!shown.stderr.contains("tls-token"), "{}", shown.stderr);
    let list = tokio::task::block_in_place(|| cli.json(&["device", "list"]));
    assert_eq!(list["devices"].as_array().unwrap().len(), 0);

    let mut pinned = add.to_vec();
    pinned.extend(["--tls-fingerprint", &printed]);
    let added = tokio::task::block_in_place(|| cli.json(&pinned));
    assert_eq!(added["tls_fingerprint"], printed);

    // The pin is compared, not the URL: a wrong one is refused by the
    // agent's handshake, and trust shows both before anything changes.
    let other = rollwright::domain::Fingerprint::of_der(b"another").to_string();
    let trust_other = ["device", "trust", "edge-7", "--fingerprint", &other];
    tokio::task::block_in_place(|| cli.ok(&trust_other));
    let shown = tokio::task::block_in_place(|| cli.run(&["device", "trust", "edge-7"]));
    assert!(!shown.ok);
    assert!(
        shown
            .stderr
            .contains(&format!("presents the certificate\n  sha256 {printed}")),
        "{}",
        shown.stderr
    );
    assert!(
        shown
            .stderr
            .contains(&format!("pinned is\n  sha256 {other}")),
        "{}",
        shown.stderr
    );
    let trusted = tokio::task::block_in_place(|| {
        cli.json(&["device", "trust", "edge-7", "--fingerprint", &printed])
    });
    assert_eq!(trusted["tls_fingerprint"], printed);

    let plain = tokio::task::block_in_place(|| {
        cli.run(&[
            "device",
            "add",
            "far",
            "--url",
            "http://192.0.2.7:7000",
            "--token",
            "t",
        ])
    });
    assert!(!plain.ok);
    assert!(
        plain
            .stderr
            .contains("agent_url: plain http:// reaches only agents on this machine"),
        "{}",
        plain.stderr
    );
}
