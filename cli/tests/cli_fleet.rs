//! `rollwright-cli device|downtime|update eligible`: the fleet, the calendar
//! and eligibility, and every way their input is refused without writing.

mod cli_support;

use cli_support::{fixture, Cli};

const URL: &str = "http://127.0.0.1:7000/devices/x";

/// acme-erp 2.3.0 and 2.4.0, and two devices at 2.3.0 (one configured at 2.4.0).
fn seeded() -> Cli {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.3.0.toml")]);
    cli.ok(&["product", "import", &fixture("acme-erp-2.4.0.toml")]);
    cli.ok(&[
        "device",
        "add",
        "berlin-01",
        "--url",
        URL,
        "--token",
        "t",
        "--label",
        "site=berlin",
        "--configured",
        "acme-erp=2.4.0",
        "--deployed",
        "acme-erp=2.3.0",
    ]);
    cli.ok(&[
        "device",
        "add",
        "paris-01",
        "--url",
        URL,
        "--token",
        "t",
        "--label",
        "site=paris",
        "--configured",
        "acme-erp=2.3.0",
        "--deployed",
        "acme-erp=2.3.0",
    ]);
    cli
}

fn device_names(cli: &Cli) -> Vec<String> {
    cli.json(&["device", "list"])["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

fn downtime_count(cli: &Cli) -> usize {
    cli.json(&["downtime", "list"]).as_array().unwrap().len()
}

#[test]
fn devices_are_added_listed_and_removed() {
    let cli = seeded();
    assert_eq!(device_names(&cli), ["berlin-01", "paris-01"]);
    let list = cli.json(&["device", "list"])["devices"].clone();
    assert_eq!(list[0]["labels"]["site"], "berlin");
    assert!(
        list[0].get("agent_token").is_none(),
        "tokens are never printed"
    );
    cli.ok(&["device", "remove", "paris-01"]);
    assert_eq!(device_names(&cli), ["berlin-01"]);
}

#[test]
fn bad_device_input_is_refused_and_nothing_is_written() {
    let cli = seeded();
    cli.refused(
        &["device", "add", "x", "--url", "ftp://x", "--token", "t"],
        "agent_url",
        "http:// or https://",
    );
    cli.refused(
        &[
            "device", "add", "x", "--url", URL, "--token", "t", "--label", "berlin",
        ],
        "labels[0]",
        "key=value",
    );
    cli.refused(
        &[
            "device",
            "add",
            "x",
            "--url",
            URL,
            "--token",
            "t",
            "--configured",
            "acme-erp=2.4",
        ],
        "products.acme-erp.configured",
        "semantic version",
    );
    cli.refused(
        &["device", "add", "berlin-01", "--url", URL, "--token", "t"],
        "name",
        "already exists",
    );
    assert_eq!(device_names(&cli), ["berlin-01", "paris-01"]);
}

#[test]
fn removing_an_unknown_device_fails() {
    let cli = seeded();
    let out = cli.run(&["device", "remove", "nobody"]);
    assert!(!out.ok);
    assert!(out.stderr.contains("nobody not found"), "{}", out.stderr);
}

#[test]
fn downtimes_are_added_listed_in_range_and_removed() {
    let cli = seeded();
    let a = cli.json(&[
        "downtime",
        "add",
        "--title",
        "Berlin power work",
        "--from",
        "2030-01-01T08:00:00Z",
        "--to",
        "2030-01-01T10:00:00Z",
        "--label",
        "site=berlin",
    ]);
    assert_eq!(
        a["scope"],
        serde_json::json!({"scope": "label", "key": "site", "value": "berlin"})
    );
    cli.ok(&[
        "downtime",
        "add",
        "--kind",
        "unplanned",
        "--title",
        "Paris outage",
        "--from",
        "2030-01-02T08:00:00Z",
        "--to",
        "2030-01-02T09:00:00Z",
        "--device",
        "paris-01",
    ]);
    let day1 = cli.json(&[
        "downtime",
        "list",
        "--from",
        "2030-01-01T00:00:00Z",
        "--to",
        "2030-01-02T00:00:00Z",
    ]);
    assert_eq!(day1.as_array().unwrap().len(), 1);
    assert_eq!(downtime_count(&cli), 2);
    cli.ok(&["downtime", "remove", &a["id"].to_string()]);
    assert_eq!(downtime_count(&cli), 1);
}

#[test]
fn bad_downtime_input_is_refused_and_nothing_is_written() {
    let cli = seeded();
    let base = ["downtime", "add", "--from", "2030-01-01T08:00:00Z"];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let cases: Vec<(Vec<String>, &str, &str)> = vec![
        (
            with(&["--to", "2030-01-01T08:00:00Z", "--title", "x"]),
            "to",
            "must be after from",
        ),
        (
            with(&["--to", "2030-01-01T07:00:00Z", "--title", "x"]),
            "to",
            "must be after from",
        ),
        (
            with(&["--to", "2030-01-01T09:00:00Z", "--title", &"x".repeat(121)]),
            "title",
            "at most 120 characters (got 121)",
        ),
        (
            with(&["--to", "2030-01-01T09:00:00Z", "--title", " "]),
            "title",
            "must not be empty",
        ),
        (
            with(&[
                "--to",
                "2030-01-01T09:00:00Z",
                "--title",
                "x",
                "--label",
                "berlin",
            ]),
            "scope",
            "key=value",
        ),
        (
            with(&[
                "--to",
                "2030-01-01T09:00:00Z",
                "--title",
                "x",
                "--device",
                "ghost",
            ]),
            "device[0]",
            "unknown device",
        ),
        (
            with(&[
                "--to",
                "2030-01-01T09:00:00Z",
                "--title",
                "x",
                "--kind",
                "maybe",
            ]),
            "kind",
            "planned, unplanned, window or freeze",
        ),
    ];
    for (args, field, rule) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli.refused(&args, field, rule);
    }
    assert_eq!(downtime_count(&cli), 0);
}

#[test]
fn a_malformed_time_is_refused_by_field() {
    let cli = seeded();
    cli.refused(
        &[
            "downtime",
            "add",
            "--title",
            "x",
            "--from",
            "tomorrow",
            "--to",
            "2030-01-01T09:00:00Z",
        ],
        "from",
        "must be a time like 2030-01-05T22:00 (in UTC) or 2030-01-05T21:00:00Z",
    );
    assert_eq!(downtime_count(&cli), 0);
}

#[test]
fn removing_an_unknown_downtime_fails() {
    let cli = seeded();
    assert!(!cli.run(&["downtime", "remove", "42"]).ok);
}

#[test]
fn eligible_devices_say_which_version_is_lower() {
    let cli = seeded();
    let list = cli.json(&["update", "eligible", "acme-erp", "2.4.0"]);
    assert_eq!(list[0]["name"], "berlin-01");
    assert_eq!(list[0]["lower"], "deployed");
    assert_eq!(list[1]["name"], "paris-01");
    assert_eq!(list[1]["lower"], "both");
    let none = cli.json(&["update", "eligible", "acme-erp", "2.3.0"]);
    assert_eq!(none, serde_json::json!([]), "no device is below 2.3.0");
}

#[test]
fn eligibility_for_an_unknown_product_or_version_is_refused() {
    let cli = seeded();
    cli.refused(
        &["update", "eligible", "nope", "1.0.0"],
        "product",
        "unknown product",
    );
    cli.refused(
        &["update", "eligible", "acme-erp", "9.0.0"],
        "version",
        "unknown version",
    );
    cli.refused(
        &["update", "eligible", "acme-erp", "latest"],
        "version",
        "semantic version",
    );
}

/// A plain fleet of `n` generated devices on loopback; returns its root URL.
async fn fleet(n: usize) -> String {
    use rollwright_agent::{Fleet, FleetConfig, Token};
    let fleet = Fleet::new(FleetConfig::new(n)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(rollwright_agent::serve(
        listener,
        rollwright_agent::fleet_app(fleet, Token::new("fleet-token").unwrap()),
    ));
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_reads_the_agents_and_list_filters_and_pages_what_they_said() {
    let root = fleet(3).await;
    let cli = Cli::new();
    let run = |args: &[&str]| tokio::task::block_in_place(|| cli.json(args));
    for n in 0..3 {
        let name = format!("dev-{n:05}");
        let url = format!("{root}/devices/{name}");
        run(&[
            "device",
            "add",
            &name,
            "--url",
            &url,
            "--token",
            "fleet-token",
        ]);
    }
    // Registered but nothing answers there.
    run(&["device", "add", "gone", "--url", URL, "--token", "t"]);

    let report = run(&["device", "sync", "--all"]);
    assert_eq!(report["devices"], 4, "{report}");
    assert_eq!(report["reached"], 3, "{report}");
    assert_eq!(report["unreachable"], 1, "{report}");
    let report = run(&["device", "sync", "dev-00001"]);
    assert_eq!(report["devices"], 1, "{report}");

    let page = |args: &[&str]| {
        let mut all = vec!["device", "list"];
        all.extend_from_slice(args);
        run(&all)
    };
    let unreachable = page(&["--reach", "unreachable"]);
    assert_eq!(unreachable["total"], 1);
    assert_eq!(unreachable["devices"][0]["name"], "gone");
    assert!(unreachable["devices"][0]["reach"]["last_error"]
        .as_str()
        .unwrap()
        .contains("unreachable"));
    // The generated fleet gives every device a site label of its own.
    let site = page(&[])["devices"][0]["labels"]["site"]
        .as_str()
        .expect("the agent's site label")
        .to_owned();
    let at_site = page(&["--label", &format!("site={site}")]);
    assert!(at_site["total"].as_u64().unwrap() >= 1, "{at_site}");
    let second = page(&["--limit", "1", "--offset", "1"]);
    assert_eq!(second["total"], 4);
    assert_eq!(second["offset"], 1);
    assert_eq!(second["devices"][0]["name"], "dev-00001");

    let run_raw = |args: &[&str]| tokio::task::block_in_place(|| cli.run(args));
    let text = run_raw(&["device", "list", "--reach", "unreachable"]);
    assert!(text.ok, "{}", text.stderr);
    assert!(text.stdout.contains("devices 1–1 of 1"), "{}", text.stdout);
    let bad = run_raw(&["--json", "device", "list", "--reach", "up"]);
    assert!(!bad.ok);
    assert!(bad.stderr.contains("reach"), "{}", bad.stderr);
    let none = run_raw(&["--json", "device", "sync"]);
    assert!(!none.ok);
    assert!(none.stderr.contains("--all"), "{}", none.stderr);
}
