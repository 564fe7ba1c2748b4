//! `rollwright-cli update create` and `downtime edit`: planning an update by
//! device name and option, and every way a plan is refused without writing.

mod cli_support;

use cli_support::{fixture, Cli};

const URL: &str = "http://127.0.0.1:7000/devices/x";
const FROM: &str = "2099-01-01T08:00:00Z";
const TO: &str = "2099-01-01T12:00:00Z";

/// acme-erp 2.3.0 and 2.4.0; berlin-01 and paris-01 run 2.3.0, lyon-01 runs 2.4.0.
fn seeded() -> Cli {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.3.0.toml")]);
    cli.ok(&["product", "import", &fixture("acme-erp-2.4.0.toml")]);
    for (name, v) in [
        ("berlin-01", "2.3.0"),
        ("paris-01", "2.3.0"),
        ("lyon-01", "2.4.0"),
    ] {
        cli.ok(&[
            "device",
            "add",
            name,
            "--url",
            URL,
            "--token",
            "t",
            "--configured",
            &format!("acme-erp={v}"),
            "--deployed",
            &format!("acme-erp={v}"),
        ]);
    }
    cli
}

/// `update create` with the given overrides of the valid defaults.
fn create_args<'a>(overrides: &[(&'a str, &'a str)], devices: &[&'a str]) -> Vec<&'a str> {
    let mut fields = vec![
        ("--product", "acme-erp"),
        ("--version", "2.4.0"),
        ("--title", "ERP 2.4"),
        ("--from", FROM),
        ("--to", TO),
    ];
    for (k, v) in overrides {
        fields.iter_mut().find(|(f, _)| f == k).unwrap().1 = v;
    }
    let mut args = vec!["update", "create"];
    for (k, v) in fields {
        args.extend([k, v]);
    }
    for d in devices {
        args.extend(["--device", d]);
    }
    args
}

#[test]
fn an_update_is_created_with_one_device_update_per_chosen_device() {
    let cli = seeded();
    let v = cli.json(&create_args(
        &[],
        &["berlin-01", "paris-01:at=2099-01-01T09:30:00Z"],
    ));
    assert_eq!(
        v["update"]["targets"],
        serde_json::json!([{"product": "acme-erp", "version": "2.4.0"}])
    );
    // Who created it is the account that ran the command.
    let me = rollwright::os_user::os_actor().unwrap();
    assert_eq!(v["update"]["created_by"], me.name());
    let dus = v["device_updates"].as_array().unwrap();
    assert_eq!(dus.len(), 2);
    assert_eq!(dus[0]["option"]["kind"], "now");
    assert_eq!(dus[1]["option"]["kind"], "at");
    assert!(dus.iter().all(|d| d["status"] == "scheduled"));
    assert_eq!(dus[0]["targets"][0]["previous"]["deployed"], "2.3.0");
}

#[test]
fn targets_add_products_and_each_device_takes_those_it_has() {
    let cli = seeded();
    for v in ["1.1.0", "1.2.0"] {
        cli.ok(&[
            "product",
            "import",
            &fixture(&format!("edge-gateway-{v}.toml")),
        ]);
    }
    cli.ok(&[
        "device",
        "add",
        "gw-01",
        "--url",
        URL,
        "--token",
        "t",
        "--configured",
        "edge-gateway=1.1.0",
        "--deployed",
        "edge-gateway=1.1.0",
    ]);
    let mut args = create_args(&[], &["berlin-01", "gw-01"]);
    args.extend(["--target", "edge-gateway=1.2.0"]);
    let v = cli.json(&args);
    assert_eq!(
        v["update"]["targets"],
        serde_json::json!([
            {"product": "acme-erp", "version": "2.4.0"},
            {"product": "edge-gateway", "version": "1.2.0"}
        ])
    );
    let products = |i: usize| v["device_updates"][i]["targets"][0]["product"].clone();
    assert_eq!(
        (products(0), products(1)),
        ("acme-erp".into(), "edge-gateway".into())
    );

    // Targets alone, without --product/--version.
    let out = cli.ok(&[
        "update",
        "create",
        "--target",
        "edge-gateway=1.2.0",
        "--title",
        "Gateways",
        "--from",
        FROM,
        "--to",
        TO,
        "--device",
        "gw-01:config-only",
    ]);
    assert!(
        out.starts_with("created update 2 (Gateways: edge-gateway 1.2.0; 1 devices)"),
        "{out}"
    );

    // A target the device is already at is refused, by device and product.
    cli.ok(&["product", "import", &fixture("edge-gateway-1.0.0.toml")]);
    cli.refused(
        &[
            "update",
            "create",
            "--target",
            "edge-gateway=1.0.0",
            "--title",
            "Down",
            "--from",
            FROM,
            "--to",
            TO,
            "--device",
            "gw-01",
        ],
        "devices[0]",
        "not eligible for edge-gateway",
    );
    cli.refused(
        &[
            "update",
            "create",
            "--target",
            "edge-gateway",
            "--title",
            "Bad",
            "--from",
            FROM,
            "--to",
            TO,
            "--device",
            "gw-01",
        ],
        "target[0]",
        "PRODUCT=VERSION",
    );
}

#[test]
fn text_output_names_the_update_and_each_device() {
    let cli = seeded();
    let out = cli.ok(&create_args(
        &[],
        &["berlin-01:config-only", "paris-01:now"],
    ));
    assert!(out.starts_with("created update 1 (ERP 2.4"), "{out}");
    assert!(out.contains("berlin-01\tconfig-only\tscheduled"), "{out}");
    assert!(out.contains("paris-01\tnow\tscheduled"), "{out}");
}

/// Each bad plan names its field and rule, and writes nothing: the next valid
/// plan still gets id 1.
fn assert_refused(overrides: &[(&str, &str)], devices: &[&str], field: &str, rule: &str) {
    let cli = seeded();
    cli.refused(&create_args(overrides, devices), field, rule);
    let v = cli.json(&create_args(&[], &["berlin-01"]));
    assert_eq!(v["update"]["id"], 1, "a refused plan wrote something");
}

#[test]
fn an_unknown_product_is_refused() {
    assert_refused(
        &[("--product", "nope")],
        &["berlin-01"],
        "targets[0].product",
        "unknown product",
    );
}

#[test]
fn an_unknown_version_is_refused() {
    assert_refused(
        &[("--version", "9.9.9")],
        &["berlin-01"],
        "targets[0].version",
        "unknown version",
    );
}

#[test]
fn an_unknown_device_is_refused() {
    assert_refused(&[], &["berlin-01", "ghost"], "devices[1]", "unknown device");
}

#[test]
fn an_empty_device_list_is_refused() {
    assert_refused(&[], &[], "devices", "at least one device");
}

#[test]
fn a_device_chosen_twice_is_refused() {
    assert_refused(
        &[],
        &["berlin-01", "berlin-01:now"],
        "devices[1]",
        "chosen twice",
    );
}

#[test]
fn a_device_already_at_or_above_the_target_is_refused() {
    assert_refused(
        &[("--version", "2.3.0")],
        &["lyon-01"],
        "devices[0]",
        "not eligible",
    );
}

#[test]
fn a_deploy_time_in_the_past_is_refused() {
    assert_refused(
        &[("--from", "2000-01-01T08:00:00Z")],
        &["berlin-01:at=2000-01-01T09:00:00Z"],
        "devices[0].at",
        "must not be in the past",
    );
}

#[test]
fn a_deploy_time_outside_the_window_is_refused() {
    assert_refused(
        &[],
        &["berlin-01:at=2099-01-02T09:00:00Z"],
        "devices[0].at",
        "inside the window",
    );
}

#[test]
fn a_window_that_does_not_end_after_it_starts_is_refused() {
    assert_refused(
        &[("--to", FROM)],
        &["berlin-01"],
        "to",
        "must be after from",
    );
}

#[test]
fn a_title_that_is_too_long_is_refused() {
    let long = "x".repeat(121);
    let cli = seeded();
    let mut args = create_args(&[], &["berlin-01"]);
    let i = args.iter().position(|a| *a == "--title").unwrap();
    args[i + 1] = &long;
    cli.refused(&args, "title", "at most 120 characters");
    let v = cli.json(&create_args(&[], &["berlin-01"]));
    assert_eq!(v["update"]["id"], 1);
}

#[test]
fn an_unknown_deploy_option_is_refused() {
    assert_refused(
        &[],
        &["berlin-01:later"],
        "devices[0]",
        "now, config-only or at=",
    );
}

#[test]
fn a_malformed_deploy_time_is_refused() {
    assert_refused(&[], &["berlin-01:at=tomorrow"], "devices[0].at", "RFC 3339");
}

#[test]
fn a_downtime_is_edited_in_place_and_a_bad_edit_writes_nothing() {
    let cli = seeded();
    cli.ok(&[
        "downtime", "add", "--title", "Patch", "--from", FROM, "--to", TO,
    ]);
    let v = cli.json(&[
        "downtime",
        "edit",
        "1",
        "--kind",
        "unplanned",
        "--title",
        "Outage",
        "--from",
        FROM,
        "--to",
        "2099-01-01T10:00:00Z",
        "--label",
        "site=berlin",
    ]);
    assert_eq!(v["title"], "Outage");
    assert_eq!(v["kind"], "unplanned");
    assert_eq!(v["scope"]["scope"], "label");
    cli.refused(
        &[
            "downtime", "edit", "1", "--title", "Bad", "--from", TO, "--to", FROM,
        ],
        "to",
        "must be after from",
    );
    let list = cli.json(&["downtime", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["title"], "Outage");
}

#[test]
fn editing_an_unknown_downtime_fails() {
    let cli = seeded();
    let out = cli.run(&[
        "downtime", "edit", "7", "--title", "X", "--from", FROM, "--to", TO,
    ]);
    assert!(!out.ok);
    assert!(
        out.stderr.contains("downtime 7 not found"),
        "{}",
        out.stderr
    );
}

#[test]
fn cancelling_a_device_update_of_another_update_is_refused_and_changes_nothing() {
    let cli = seeded();
    let first = cli.json(&create_args(&[], &["berlin-01"]));
    let second = cli.json(&create_args(&[], &["paris-01"]));
    let other_du = second["device_updates"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_id = first["update"]["id"].to_string();
    cli.refused(
        &["update", "cancel", &first_id, "--device-update", &other_du],
        "--device-update",
        &format!(
            "belongs to update {}, not {first_id}",
            second["update"]["id"]
        ),
    );
    let shown = cli.json(&["update", "show", &second["update"]["id"].to_string()]);
    assert_eq!(shown["device_updates"][0]["status"], "scheduled");
}
