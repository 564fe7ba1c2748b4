//! `rollwright-cli product ...` and `update diff`: importing manifests, and
//! every way an import is refused without writing anything.

mod cli_support;

use cli_support::{fixture, manifest, Cli, SHA};

fn product_list(cli: &Cli) -> serde_json::Value {
    cli.json(&["product", "list"])
}

#[test]
fn imported_products_are_listed_with_versions_in_semver_order() {
    let cli = Cli::new();
    for f in [
        "acme-erp-2.5.0.toml",
        "acme-erp-2.5.0-rc.1.toml",
        "acme-erp-2.4.0.toml",
    ] {
        assert!(cli
            .ok(&["product", "import", &fixture(f)])
            .contains("imported"));
    }
    let list = product_list(&cli);
    assert_eq!(list[0]["product"], "acme-erp");
    assert_eq!(
        list[0]["versions"],
        serde_json::json!(["2.4.0", "2.5.0-rc.1", "2.5.0"])
    );
}

#[test]
fn importing_the_same_manifest_again_is_a_no_op_success() {
    let cli = Cli::new();
    let f = fixture("edge-gateway-1.0.0.toml");
    cli.ok(&["product", "import", &f]);
    assert!(cli.ok(&["product", "import", &f]).contains("unchanged"));
}

#[test]
fn reimporting_a_version_with_different_content_is_refused() {
    let cli = Cli::new();
    cli.ok(&[
        "product",
        "import",
        &cli.file("a.toml", &manifest("2.4.0", &[("core", SHA)])),
    ]);
    let changed = cli.file("b.toml", &manifest("2.4.0", &[("core", SHA), ("web", SHA)]));
    cli.refused(
        &["product", "import", &changed],
        "version",
        "already imported with different content",
    );
    let list = product_list(&cli);
    assert_eq!(list[0]["versions"], serde_json::json!(["2.4.0"]));
}

/// Each bad manifest is refused, names its field and rule, and leaves the
/// catalog empty.
fn assert_refused(content: &str, field: &str, rule: &str) {
    let cli = Cli::new();
    let path = cli.file("m.toml", content);
    cli.refused(&["product", "import", &path], field, rule);
    assert_eq!(
        product_list(&cli),
        serde_json::json!([]),
        "nothing was written"
    );
}

#[test]
fn a_bad_version_is_refused() {
    assert_refused(
        &manifest("2.4", &[("core", SHA)]),
        "version",
        "semantic version",
    );
}

#[test]
fn a_duplicate_module_name_is_refused() {
    assert_refused(
        &manifest("2.4.0", &[("core", SHA), ("core", SHA)]),
        "modules[1].name",
        "must be unique",
    );
}

#[test]
fn a_malformed_sha256_is_refused() {
    assert_refused(
        &manifest("2.4.0", &[("core", "abc123")]),
        "modules[0].sha256",
        "64 lower-case hex",
    );
    let upper = SHA.to_uppercase();
    assert_refused(
        &manifest("2.4.0", &[("core", &upper)]),
        "modules[0].sha256",
        "64 lower-case hex",
    );
}

#[test]
fn module_names_with_slash_backslash_or_dotdot_are_refused() {
    for name in ["bin/core", "bin\\core", "..", "../etc"] {
        assert_refused(
            &manifest("2.4.0", &[(name, SHA)]),
            "modules[0].name",
            "must not contain",
        );
    }
}

#[test]
fn an_unknown_key_is_refused_by_name() {
    let text = manifest("2.4.0", &[("core", SHA)]).replace("sha256 =", "checksum =");
    assert_refused(&text, "modules[0].checksum", "unknown key");
    let text = format!("vendor = \"acme\"\n{}", manifest("2.4.0", &[("core", SHA)]));
    assert_refused(&text, "vendor", "unknown key");
}

#[test]
fn a_file_over_one_mebibyte_is_refused() {
    let text = manifest("2.4.0", &[("core", SHA)]) + &format!("# {}\n", "x".repeat(1024 * 1024));
    assert_refused(&text, "manifest", "at most 1048576 bytes");
}

#[test]
fn a_refusal_in_json_mode_carries_the_code() {
    let cli = Cli::new();
    let path = cli.file("m.toml", &manifest("nope", &[("core", SHA)]));
    let out = cli.run(&["--json", "product", "import", &path]);
    assert!(!out.ok);
    let err: serde_json::Value = serde_json::from_str(out.stderr.trim()).unwrap();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().starts_with("version: "),
        "{err}"
    );
}

#[test]
fn diff_lists_added_removed_and_modified_modules() {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.4.0.toml")]);
    cli.ok(&["product", "import", &fixture("acme-erp-2.5.0.toml")]);
    let text = cli.ok(&["update", "diff", "acme-erp", "2.4.0", "2.5.0"]);
    assert!(text.contains("+ erp-api 1.0.0"), "{text}");
    assert!(text.contains("- reports-legacy 0.9.7"), "{text}");
    assert!(text.contains("~ erp-core 5.13.0 -> 5.14.0"), "{text}");
    let same = cli.json(&["update", "diff", "acme-erp", "2.5.0", "2.5.0"]);
    assert_eq!(same, serde_json::json!([]));
}

#[test]
fn diff_of_an_unknown_version_is_refused() {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.4.0.toml")]);
    cli.refused(
        &["update", "diff", "acme-erp", "2.4.0", "9.0.0"],
        "to",
        "unknown version",
    );
    cli.refused(
        &["update", "diff", "acme-erp", "2.4", "2.4.0"],
        "from",
        "semantic version",
    );
}
