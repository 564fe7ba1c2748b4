//! The rows of docs/bad-input.md that no other CLI test held in full: each
//! bad input through the real binary gets its code, names its field and
//! rule, prints nothing on stdout, and leaves the landscape as it was; the
//! refusals the store makes are on record in the audit log as `failed`.

mod cli_support;

use cli_support::{fixture, manifest, Cli, SHA};
use serde_json::Value;

const URL: &str = "http://127.0.0.1:7000/devices/x";

/// acme-erp 2.3.0 and 2.4.0, berlin-01 and paris-01 at 2.3.0, one downtime,
/// and update 1 (not approved) of berlin-01 to 2.4.0.
fn seeded() -> Cli {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.3.0.toml")]);
    cli.ok(&["product", "import", &fixture("acme-erp-2.4.0.toml")]);
    for name in ["berlin-01", "paris-01"] {
        cli.ok(&[
            "device",
            "add",
            name,
            "--url",
            URL,
            "--token",
            "t",
            "--label",
            "site=berlin",
            "--configured",
            "acme-erp=2.3.0",
            "--deployed",
            "acme-erp=2.3.0",
        ]);
    }
    cli.ok(&[
        "downtime",
        "add",
        "--title",
        "power work",
        "--from",
        "2099-01-01T08:00:00Z",
        "--to",
        "2099-01-01T09:00:00Z",
    ]);
    cli.ok(&[
        "update",
        "create",
        "--product",
        "acme-erp",
        "--version",
        "2.4.0",
        "--title",
        "ERP 2.4",
        "--from",
        "2099-02-01T08:00:00Z",
        "--to",
        "2099-02-01T12:00:00Z",
        "--device",
        "berlin-01",
    ]);
    cli
}

/// Everything an admin action may change, as the CLI shows it.
fn landscape(cli: &Cli) -> Value {
    serde_json::json!({
        "products": cli.json(&["product", "list"]),
        "devices": cli.json(&["device", "list"])["devices"],
        "downtimes": cli.json(&["downtime", "list"]),
        "users": cli.json(&["user", "list"]),
        "updates": cli.json(&["status"]),
    })
}

/// Runs a command in JSON mode that must fail with `code`, and checks that
/// stdout is empty and the message starts with `field: ` and contains
/// `rule`. Returns the message.
fn refused_with(cli: &Cli, args: &[&str], code: &str, field: &str, rule: &str) -> String {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cli.run(&all);
    assert!(!out.ok, "{args:?} should fail; stdout: {}", out.stdout);
    assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
    let err: Value = serde_json::from_str(out.stderr.trim())
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stderr));
    assert_eq!(err["code"], code, "{args:?}: {err}");
    let message = err["message"].as_str().unwrap().to_owned();
    // A not-found message names the object instead: "device ghost not found".
    assert!(
        field.is_empty() || message.starts_with(&format!("{field}: ")),
        "{args:?} should name {field:?}: {message}"
    );
    assert!(
        message.contains(rule),
        "{args:?} should say {rule:?}: {message}"
    );
    message
}

#[test]
fn bad_device_fields_are_refused_by_name_and_add_nothing() {
    let cli = seeded();
    let before = landscape(&cli);
    let long = "x".repeat(65);
    let labels: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
    let mut many = vec!["device", "add", "x", "--url", URL, "--token", "t"];
    for l in &labels {
        many.extend(["--label", l]);
    }
    let pin = rollwright::domain::Fingerprint::of_der(b"cert").to_string();
    let add = |name: &'static str, extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["device", "add", name, "--url", URL, "--token", "t"];
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["device", "add", "x", "--url", URL, "--token", ""],
            "agent_token",
            "must be non-empty and without spaces",
        ),
        (
            vec!["device", "add", "x", "--url", URL, "--token", "a b"],
            "agent_token",
            "without spaces",
        ),
        (add("a/b", &[]), "name", "must not contain '/'"),
        (
            vec!["device", "add", &long, "--url", URL, "--token", "t"],
            "name",
            "must be 1 to 64 characters (got 65)",
        ),
        (
            vec![
                "device",
                "add",
                "x",
                "--url",
                "http://192.0.2.7:7000",
                "--token",
                "t",
            ],
            "agent_url",
            "plain http:// reaches only agents on this machine",
        ),
        (
            vec![
                "device",
                "add",
                "x",
                "--url",
                URL,
                "--token",
                "t",
                "--tls-fingerprint",
                &pin,
            ],
            "tls_fingerprint",
            "only an https:// agent has a certificate to pin",
        ),
        (
            vec![
                "device",
                "add",
                "x",
                "--url",
                "https://192.0.2.7:7443",
                "--token",
                "t",
                "--tls-fingerprint",
                "AB:CD",
            ],
            "tls_fingerprint",
            "not a SHA-256 fingerprint",
        ),
        (
            add("x", &["--label", "site=ber lin"]),
            "labels[0]",
            "key and value must each be 1 to 64",
        ),
        (many.clone(), "labels", "at most 32 labels (got 33)"),
        (
            add("x", &["--configured", "acme-erp"]),
            "configured[0]",
            "must be product=version",
        ),
        (
            add("x", &["--deployed", "Acme=1.0.0"]),
            "products",
            "must be lower-case letters",
        ),
        (
            add("x", &["--deployed", "acme-erp=latest"]),
            "products.acme-erp.deployed",
            "must be a semantic version",
        ),
    ];
    for (args, field, rule) in &cases {
        refused_with(&cli, args, "invalid_input", field, rule);
    }
    assert_eq!(
        landscape(&cli),
        before,
        "a refused device changed something"
    );
}

/// How many entries the audit log holds.
fn audit_entries(cli: &Cli) -> u64 {
    cli.json(&["audit", "verify"])["entries"].as_u64().unwrap()
}

fn me() -> String {
    rollwright::os_user::os_actor().unwrap().name().to_owned()
}

#[test]
fn refusals_the_store_makes_change_nothing_but_one_failed_audit_entry_each() {
    let cli = seeded();
    let me = me();
    let long = "x".repeat(65);
    let pin = rollwright::domain::Fingerprint::of_der(b"cert").to_string();
    let changed = cli.file("b.toml", &manifest("2.4.0", &[("core", SHA)]));
    let create = |product: &'static str, title: &'static str| -> Vec<&'static str> {
        vec![
            "update",
            "create",
            "--product",
            product,
            "--version",
            "2.4.0",
            "--title",
            title,
            "--from",
            "2099-03-01T08:00:00Z",
            "--to",
            "2099-03-01T12:00:00Z",
            "--device",
            "paris-01",
        ]
    };
    let downtime = |verb: &'static str, id: Option<&'static str>, to: &'static str| {
        let mut args = vec!["downtime", verb];
        args.extend(id);
        args.extend(["--title", "x", "--from", "2099-01-05T08:00:00Z", "--to", to]);
        args
    };
    // (args, code, field ("" for not found), rule, audit action)
    let cases: Vec<(Vec<&str>, &str, &str, &str, &str)> = vec![
        (
            vec!["device", "add", "berlin-01", "--url", URL, "--token", "t"],
            "conflict",
            "name",
            "already exists",
            "device.add",
        ),
        (
            vec!["device", "remove", "ghost"],
            "not_found",
            "",
            "device ghost not found",
            "device.remove",
        ),
        (
            vec!["device", "remove", "berlin-01"],
            "conflict",
            "name",
            "has an unfinished update: in update 1 its device update is scheduled; cancel it or wait",
            "device.remove",
        ),
        (
            vec!["device", "trust", "paris-01", "--fingerprint", &pin],
            "conflict",
            "name",
            "no certificate to trust",
            "device.edit",
        ),
        (
            downtime("add", None, "2099-01-05T08:00:00Z"),
            "invalid_input",
            "to",
            "must be after from",
            "downtime.add",
        ),
        (
            downtime("edit", Some("99"), "2099-01-05T09:00:00Z"),
            "not_found",
            "",
            "downtime 99 not found",
            "downtime.edit",
        ),
        (
            vec!["downtime", "remove", "99"],
            "not_found",
            "",
            "downtime 99 not found",
            "downtime.remove",
        ),
        (
            create("acme-erp", " "),
            "invalid_input",
            "title",
            "must not be empty",
            "update.create",
        ),
        (
            create("Acme/ERP", "x"),
            "invalid_input",
            "targets[0].product",
            "must not contain '/'",
            "update.create",
        ),
        (
            vec!["update", "approve", "99"],
            "not_found",
            "",
            "update 99 not found",
            "update.approve",
        ),
        (
            vec!["update", "cancel", "99"],
            "not_found",
            "",
            "update 99 not found",
            "update.cancel",
        ),
        (
            vec!["user", "grant", " "],
            "invalid_input",
            "name",
            "must be 1 to 64 characters",
            "role.grant",
        ),
        (
            vec!["user", "grant", &long],
            "invalid_input",
            "name",
            "must be 1 to 64 characters",
            "role.grant",
        ),
        (
            vec!["user", "revoke", "nobody"],
            "not_found",
            "",
            "nobody not found",
            "role.revoke",
        ),
        (
            vec!["user", "revoke", &me],
            "conflict",
            "name",
            "is the last admin",
            "role.revoke",
        ),
        (
            vec!["user", "grant", &me, "--role", "viewer"],
            "conflict",
            "name",
            "is the last admin",
            "role.grant",
        ),
        (
            vec!["product", "import", &changed],
            "conflict",
            "version",
            "already imported with different content",
            "version.import",
        ),
    ];
    let before = landscape(&cli);
    for (args, code, field, rule, action) in &cases {
        let entries = audit_entries(&cli);
        let message = refused_with(&cli, args, code, field, rule);
        assert_eq!(audit_entries(&cli), entries + 1, "{args:?}: one entry");
        let newest = &cli.json(&["audit", "list", "--limit", "1"])[0];
        assert_eq!(newest["action"], *action, "{args:?}: {newest}");
        assert_eq!(newest["outcome"], "failed", "{args:?}: {newest}");
        assert_eq!(newest["actor"], me.as_str(), "{args:?}: {newest}");
        assert_eq!(newest["detail"], message.as_str(), "{args:?}: {newest}");
    }
    assert_eq!(landscape(&cli), before, "a refusal changed the landscape");
    assert!(cli.json(&["audit", "verify"])["broken"].is_null());
}

#[test]
fn refusals_of_reads_and_front_door_arguments_change_nothing() {
    let cli = seeded();
    let pin = rollwright::domain::Fingerprint::of_der(b"cert").to_string();
    let cases: Vec<(Vec<&str>, &str, &str, &str)> = vec![
        (
            vec!["device", "trust", "berlin-01", "--fingerprint", "AB:CD"],
            "invalid_input",
            "--fingerprint",
            "not a SHA-256 fingerprint",
        ),
        (
            vec!["device", "trust", "ghost", "--fingerprint", &pin],
            "not_found",
            "",
            "device ghost not found",
        ),
        (
            vec!["update", "cancel", "1", "--device-update", "nope"],
            "invalid_input",
            "device_update_id",
            "must look like du-",
        ),
        (
            vec!["update", "show", "99"],
            "not_found",
            "",
            "update 99 not found",
        ),
        (
            vec![
                "downtime",
                "list",
                "--from",
                "2030-01-02T00:00:00Z",
                "--to",
                "2030-01-01T00:00:00Z",
            ],
            "invalid_input",
            "to",
            "must be after from",
        ),
        (
            vec!["audit", "list", "--action", "update.delete"],
            "invalid_input",
            "--action",
            "unknown action \"update.delete\"; one of update.create",
        ),
        (
            vec!["audit", "list", "--outcome", "maybe"],
            "invalid_input",
            "--outcome",
            "must be done, refused or failed",
        ),
        (
            vec!["audit", "export", "--outcome", "maybe"],
            "invalid_input",
            "--outcome",
            "must be done, refused or failed",
        ),
        (
            vec!["audit", "list", "--limit", "0"],
            "invalid_input",
            "limit",
            "must be 1 to 1000, not 0",
        ),
        (
            vec!["audit", "list", "--limit", "1001"],
            "invalid_input",
            "limit",
            "must be 1 to 1000, not 1001",
        ),
    ];
    let before = landscape(&cli);
    let entries = audit_entries(&cli);
    for (args, code, field, rule) in &cases {
        refused_with(&cli, args, code, field, rule);
    }
    assert_eq!(landscape(&cli), before);
    assert_eq!(audit_entries(&cli), entries, "nothing reached the store");
}

#[test]
fn malformed_arguments_are_refused_by_name_before_anything_runs() {
    let cli = seeded();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec![
                "update",
                "create",
                "--product",
                "acme-erp",
                "--version",
                "2.4.0",
                "--title",
                "x",
                "--from",
                "tomorrow",
                "--to",
                "2099-03-01T12:00:00Z",
                "--device",
                "paris-01",
            ],
            "--from",
            "RFC 3339",
        ),
        (
            vec!["user", "grant", "bob", "--role", "root"],
            "--role",
            "'root'",
        ),
        (
            vec!["run", "--deploy-timeout-minutes", "0"],
            "--deploy-timeout-minutes",
            "1..=10080",
        ),
        (
            vec!["run", "--stall-minutes", "10081"],
            "--stall-minutes",
            "1..=10080",
        ),
        (vec!["update", "approve", "one"], "<ID>", "'one'"),
        (vec!["audit", "list", "--before", "x"], "--before", "'x'"),
    ];
    let before = landscape(&cli);
    let entries = audit_entries(&cli);
    for (args, arg, rule) in &cases {
        let out = cli.run(args);
        assert!(!out.ok, "{args:?} should fail");
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        assert!(
            out.stderr.contains(arg) && out.stderr.contains(rule),
            "{args:?} should name {arg} and say {rule}: {}",
            out.stderr
        );
    }
    assert_eq!(landscape(&cli), before);
    assert_eq!(audit_entries(&cli), entries);
}

#[test]
fn without_db_the_cli_refuses_and_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rollwright-cli"))
        .env(rollwright::secrets::BACKEND_ENV, "file")
        .current_dir(dir.path())
        .args(["--json", "device", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("--db: is required"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn every_manifest_rule_is_refused_through_the_cli_with_an_empty_catalog() {
    let ok = manifest("2.4.0", &[("core", SHA)]);
    let modules: Vec<(String, &str)> = (0..257).map(|i| (format!("m{i}"), SHA)).collect();
    let modules: Vec<(&str, &str)> = modules.iter().map(|(n, s)| (n.as_str(), *s)).collect();
    let cases: Vec<(String, &str, &str)> = vec![
        (
            ok.replace("\"acme-erp\"", "\"Acme-ERP\""),
            "product",
            "must be lower-case letters",
        ),
        (
            "product = \"acme-erp\"\nversion = \"2.4.0\"\nmodules = []\n".into(),
            "modules",
            "must list 1 to 256 modules (got 0)",
        ),
        (
            manifest("2.4.0", &modules),
            "modules",
            "must list 1 to 256 modules (got 257)",
        ),
        (
            ok.replace(
                "release_notes = \"test\"",
                &format!("release_notes = \"{}\"", "x".repeat(65_537)),
            ),
            "release_notes",
            "must be at most 65536 bytes (got 65537)",
        ),
        (
            manifest("2.4.0", &[(&"m".repeat(65), SHA)]),
            "modules[0].name",
            "must be 1 to 64 characters (got 65)",
        ),
        (
            ok.replace("https://a.example/m.tgz", "ftp://a.example/m.tgz"),
            "modules[0].artifact",
            "http://, https:// or file://",
        ),
        (
            ok.replace("version = \"1.0\"", "version = \"1/0\""),
            "modules[0].version",
            "must be 1 to 64 of letters",
        ),
        (
            ok.clone() + "\n[health_check]\ncommand = []\n",
            "health_check.command",
            "must name a program",
        ),
        (
            ok.clone() + "\n[health_check]\ncommand = [\"x\"]\ntimeout_ms = 0\n",
            "health_check.timeout_ms",
            "must be greater than 0",
        ),
        (
            ok.replace(&format!("sha256 = \"{SHA}\"\n"), ""),
            "manifest",
            "missing field `sha256`",
        ),
        ("product = \n".into(), "manifest", "must be valid TOML"),
    ];
    for (content, field, rule) in &cases {
        let cli = Cli::new();
        let path = cli.file("m.toml", content);
        refused_with(
            &cli,
            &["product", "import", &path],
            "invalid_input",
            field,
            rule,
        );
        assert_eq!(cli.json(&["product", "list"]), serde_json::json!([]));
    }

    let cli = Cli::new();
    let path = cli.dir.path().join("latin1.toml");
    std::fs::write(&path, b"product = \"caf\xe9\"\n").unwrap();
    let path = path.to_string_lossy().into_owned();
    refused_with(
        &cli,
        &["product", "import", &path],
        "invalid_input",
        "manifest",
        "must be UTF-8 text",
    );
    let missing = cli.dir.path().join("missing.toml");
    refused_with(
        &cli,
        &["product", "import", missing.to_str().unwrap()],
        "not_found",
        "",
        "cannot read",
    );
    assert_eq!(cli.json(&["product", "list"]), serde_json::json!([]));
}
