//! `rollwright-cli device import FILE.csv` and `device label`: a good file
//! adds every device with the token its reference names; a file with any bad
//! row adds none and says which row, line and field; labels are edited by
//! their rules.

mod cli_support;

use std::process::Command;

use cli_support::{Cli, Output};
use rollwright::secrets::file_store;
use rollwright::store::Store;
use serde_json::Value;

const URL: &str = "http://127.0.0.1:7000/devices";

/// Runs the CLI with extra environment variables (the tokens `env:`
/// references name).
fn run_env(cli: &Cli, env: &[(&str, &str)], args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_rollwright-cli"))
        .env(rollwright::secrets::BACKEND_ENV, "file")
        .envs(env.iter().copied())
        .arg("--db")
        .arg(&cli.db)
        .args(args)
        .output()
        .unwrap();
    Output {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn device_names(cli: &Cli) -> Vec<String> {
    cli.json(&["device", "list"])["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The token the CLI stored for `name`, read through the core.
fn token_of(cli: &Cli, name: &str) -> String {
    let store = Store::open(&cli.db, file_store(cli.dir.path()).unwrap()).unwrap();
    let id = store.device_by_name(name).unwrap().unwrap().id;
    store.agent_token(id).unwrap().expose().to_owned()
}

/// A refusal in JSON mode: nothing on stdout, one `{code, message,
/// report?}` object on stderr.
fn refusal(out: &Output) -> Value {
    assert!(!out.ok, "should fail; stdout: {}", out.stdout);
    assert!(
        out.stdout.is_empty(),
        "a refusal prints nothing on stdout: {}",
        out.stdout
    );
    serde_json::from_str(out.stderr.trim()).unwrap_or_else(|e| panic!("{e}: {}", out.stderr))
}

#[test]
fn a_good_file_adds_every_device_with_the_tokens_its_references_name() {
    let cli = Cli::new();
    std::fs::create_dir(cli.dir.path().join("tokens")).unwrap();
    cli.file("tokens/paris.txt", "tok-paris-from-file\n");
    let absolute = cli.file("lyon.token", "  tok-lyon-absolute  ");
    let csv = cli.file(
        "fleet.csv",
        &format!(
            "Token_Ref,NAME,url,labels\n\
             env:RW_TEST_BERLIN_TOKEN,berlin-01,{URL}/berlin-01,\"site=berlin;group=line-2\"\n\
             file:tokens/paris.txt,paris-01,{URL}/paris-01,site=paris\n\
             \"file:{absolute}\",lyon-01,{URL}/lyon-01,\n"
        ),
    );
    let out = run_env(
        &cli,
        &[("RW_TEST_BERLIN_TOKEN", "tok-berlin-from-env")],
        &["device", "import", &csv],
    );
    assert!(out.ok, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "row 0 (line 2): added berlin-01 (id 1)",
            "row 1 (line 3): added paris-01 (id 2)",
            "row 2 (line 4): added lyon-01 (id 3)",
            "imported 3 devices",
        ]
    );
    assert_eq!(device_names(&cli), ["berlin-01", "lyon-01", "paris-01"]);
    let list = cli.json(&["device", "list"])["devices"].clone();
    assert_eq!(list[0]["labels"]["group"], "line-2");
    assert_eq!(token_of(&cli, "berlin-01"), "tok-berlin-from-env");
    assert_eq!(token_of(&cli, "paris-01"), "tok-paris-from-file");
    assert_eq!(token_of(&cli, "lyon-01"), "tok-lyon-absolute");
    assert!(
        !out.stdout.contains("tok-"),
        "a token is never printed: {}",
        out.stdout
    );
    let entry = &cli.json(&["audit", "list", "--limit", "1"])[0];
    assert_eq!(entry["action"], "device.add", "{entry}");
    assert_eq!(entry["objects"], "3 devices from import", "{entry}");
}

#[test]
fn json_mode_prints_the_report_of_every_row() {
    let cli = Cli::new();
    cli.file("t.txt", "tok");
    let csv = cli.file(
        "fleet.csv",
        &format!("name,url,token_ref,labels\na,{URL}/a,file:t.txt,\nb,{URL}/b,file:t.txt,x=y\n"),
    );
    let report = cli.json(&["device", "import", &csv]);
    assert_eq!(report["added"], 2);
    assert_eq!(
        report["rows"][1],
        serde_json::json!({"row": 1, "line": 3, "name": "b", "status": "added", "id": 2})
    );
}

#[test]
fn a_file_with_one_bad_row_imports_nothing_and_names_its_row_line_and_field() {
    let cli = Cli::new();
    cli.file("t.txt", "tok");
    let csv = cli.file(
        "fleet.csv",
        &format!(
            "name,url,token_ref,labels\n\
             good-01,{URL}/good-01,file:t.txt,site=berlin\n\
             bad-01,ftp://somewhere,file:t.txt,site=berlin\n\
             good-02,{URL}/good-02,file:t.txt,site=berlin\n"
        ),
    );
    let audit_before = cli.json(&["audit", "list"]).as_array().unwrap().len();

    let out = cli.run(&["device", "import", &csv]);
    assert!(!out.ok);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .starts_with("error: rows: 1 of 3 rows are invalid; nothing was imported\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("  row 1 (line 3), field rows[1].url: must be an http:// or https:// URL"),
        "{}",
        out.stderr
    );
    assert!(device_names(&cli).is_empty(), "nothing written");

    let err = refusal(&cli.run(&["--json", "device", "import", &csv]));
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().starts_with("rows: 1 of 3"));
    let rows = &err["report"]["rows"];
    assert_eq!(rows[0]["status"], "valid");
    assert_eq!(rows[1]["status"], "invalid");
    assert_eq!(rows[1]["field"], "rows[1].url");
    assert_eq!(rows[1]["line"], 3);
    assert_eq!(err["report"]["added"], 0);
    assert!(device_names(&cli).is_empty());
    // Refused before the store: no audit entry (docs/bad-input.md, gap 2).
    assert_eq!(
        cli.json(&["audit", "list"]).as_array().unwrap().len(),
        audit_before
    );
}

#[test]
fn token_references_that_resolve_to_nothing_are_named_without_a_token() {
    let cli = Cli::new();
    let csv = cli.file(
        "fleet.csv",
        &format!(
            "name,url,token_ref,labels\n\
             a,{URL}/a,env:RW_TEST_SURELY_UNSET_9F2,\n\
             b,{URL}/b,file:missing.txt,\n\
             c,{URL}/c,s3cr3t-literal-token,\n"
        ),
    );
    let out = cli.run(&["device", "import", &csv]);
    assert!(!out.ok);
    for expected in [
        "row 0 (line 2), field rows[0].token_ref: env:RW_TEST_SURELY_UNSET_9F2: the environment variable is not set",
        "row 1 (line 3), field rows[1].token_ref: file:missing.txt: cannot read ",
        "row 2 (line 4), field rows[2].token_ref: must be env:NAME or file:PATH",
    ] {
        assert!(out.stderr.contains(expected), "{expected}\nin\n{}", out.stderr);
    }
    assert!(!out.stderr.contains("s3cr3t"), "{}", out.stderr);
    assert!(device_names(&cli).is_empty());
}

#[test]
fn a_name_already_in_the_fleet_refuses_the_import_with_its_line() {
    let cli = Cli::new();
    cli.ok(&[
        "device",
        "add",
        "b",
        "--url",
        &format!("{URL}/b"),
        "--token",
        "t",
    ]);
    cli.file("t.txt", "tok");
    let csv = cli.file(
        "fleet.csv",
        &format!("name,url,token_ref,labels\na,{URL}/a,file:t.txt,\nb,{URL}/b,file:t.txt,\n"),
    );
    let err = refusal(&cli.run(&["--json", "device", "import", &csv]));
    assert_eq!(err["code"], "conflict");
    assert_eq!(
        err["message"],
        "rows[1].name: a device named \"b\" already exists (line 3); nothing was imported"
    );
    assert_eq!(err["report"]["rows"][1]["field"], "rows[1].name");
    assert_eq!(err["report"]["rows"][0]["status"], "valid");
    assert_eq!(device_names(&cli), ["b"]);
    let entry = &cli.json(&["audit", "list", "--limit", "1"])[0];
    assert_eq!(
        (&entry["action"], &entry["outcome"]),
        (&Value::from("device.add"), &Value::from("failed"))
    );
}

#[test]
fn a_file_without_its_header_columns_or_missing_is_refused_by_name() {
    let cli = Cli::new();
    let csv = cli.file(
        "fleet.csv",
        &format!("name,url,token_ref\na,{URL}/a,env:X\n"),
    );
    cli.refused(
        &["device", "import", &csv],
        "header",
        "missing column \"labels\"",
    );
    let csv = cli.file("empty.csv", "");
    cli.refused(&["device", "import", &csv], "header", "is missing");
    let err = refusal(&cli.run(&["--json", "device", "import", "/nonexistent/fleet.csv"]));
    assert_eq!(err["code"], "not_found");
    assert!(device_names(&cli).is_empty());
}

#[test]
fn labels_are_set_and_unset_and_a_bad_edit_changes_nothing() {
    let cli = Cli::new();
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
    ]);
    let out = cli.ok(&[
        "device",
        "label",
        "berlin-01",
        "--set",
        "group=line-2",
        "--set",
        "rack=r1",
        "--unset",
        "site",
    ]);
    assert_eq!(out.trim(), "device berlin-01 labels: group=line-2,rack=r1");
    let before = cli.json(&["device", "list"]);
    cli.refused(
        &["device", "label", "berlin-01", "--unset", "site"],
        "unset[0]",
        "no label \"site\" is set on this device",
    );
    cli.refused(
        &["device", "label", "berlin-01", "--set", "nokey"],
        "set[0]",
        "must be key=value",
    );
    cli.refused(
        &["device", "label", "berlin-01", "--set", "a/b=c"],
        "set[0]",
        "key and value must each be",
    );
    cli.refused(
        &["device", "label", "berlin-01"],
        "set",
        "nothing to change",
    );
    assert_eq!(cli.json(&["device", "list"]), before);
    let out = cli.run(&["device", "label", "ghost", "--set", "a=b"]);
    assert!(
        !out.ok && out.stderr.contains("device ghost not found"),
        "{}",
        out.stderr
    );
}
