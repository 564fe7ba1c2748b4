//! `rollwright-cli user` and `audit`, and the `forbidden` refusal of every
//! acting command when the account running the CLI is a viewer.

mod cli_support;

use cli_support::{fixture, Cli};
use rollwright::domain::{Actor, Role};
use rollwright::os_user::os_actor;
use rollwright::secrets::file_store;
use rollwright::store::Store;

fn me() -> String {
    os_actor().unwrap().name().to_owned()
}

/// A database whose first user, hence admin, is someone else: the account
/// running the tests is a viewer there.
fn as_viewer() -> Cli {
    let cli = Cli::new();
    let store = Store::open(&cli.db, file_store(cli.dir.path()).unwrap()).unwrap();
    let other = Actor::new("someone-else").unwrap();
    assert_eq!(store.sign_in(&other).unwrap(), Role::Admin);
    cli
}

#[test]
fn the_first_user_of_a_new_database_is_its_admin() {
    let cli = Cli::new();
    let v = cli.json(&["user", "whoami"]);
    assert_eq!(v["name"], me());
    assert_eq!(v["role"], "admin");
    let users = cli.json(&["user", "list"]);
    assert_eq!(users[0]["name"], me());
    assert_eq!(users[0]["role"], "admin");
}

#[test]
fn a_viewer_is_refused_every_acting_command_with_forbidden_and_nothing_is_written() {
    let cli = as_viewer();
    let me = me();
    assert_eq!(cli.json(&["user", "whoami"])["role"], "viewer");
    let manifest = fixture("acme-erp-2.3.0.toml");
    let acting: Vec<(Vec<&str>, &str)> = vec![
        (vec!["product", "import", &manifest], "import versions"),
        (
            vec![
                "device",
                "add",
                "berlin-01",
                "--url",
                "http://127.0.0.1:7000/devices/x",
                "--token",
                "t",
            ],
            "change devices",
        ),
        (vec!["device", "remove", "berlin-01"], "change devices"),
        (
            vec![
                "downtime",
                "add",
                "--kind",
                "planned",
                "--title",
                "power",
                "--from",
                "2099-01-01T08:00:00Z",
                "--to",
                "2099-01-01T09:00:00Z",
            ],
            "edit the calendar",
        ),
        (vec!["update", "approve", "1"], "approve updates"),
        (vec!["update", "cancel", "1"], "cancel updates"),
        (vec!["user", "grant", &me], "grant or revoke roles"),
        (
            vec!["user", "revoke", "someone-else"],
            "grant or revoke roles",
        ),
    ];
    for (args, what) in &acting {
        let mut all = vec!["--json"];
        all.extend(args);
        let out = cli.run(&all);
        assert!(!out.ok, "{args:?} should be refused");
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        let err: serde_json::Value = serde_json::from_str(out.stderr.trim())
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", out.stderr));
        assert_eq!(err["code"], "forbidden", "{args:?}");
        assert_eq!(
            err["message"],
            format!("{me} is a viewer; only an admin may {what}"),
            "{args:?}"
        );
    }
    let store = Store::open(&cli.db, file_store(cli.dir.path()).unwrap()).unwrap();
    assert!(store.products().unwrap().is_empty());
    assert!(store.devices().unwrap().is_empty());
    assert_eq!(store.users().unwrap().len(), 1);
    let refused = cli.json(&["audit", "list", "--outcome", "refused"]);
    assert_eq!(refused.as_array().unwrap().len(), acting.len());
    assert!(refused
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor"] == me.as_str() && e["role"] == "viewer"));
}

#[test]
fn admins_grant_and_revoke_roles_from_the_cli() {
    let cli = Cli::new();
    cli.ok(&["user", "grant", "bob", "--role", "viewer"]);
    cli.ok(&["user", "grant", "ana"]);
    let users = cli.json(&["user", "list"]);
    let roles: Vec<(String, String)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_owned(),
                u["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(roles.contains(&("ana".into(), "admin".into())), "{roles:?}");
    assert!(
        roles.contains(&("bob".into(), "viewer".into())),
        "{roles:?}"
    );
    cli.ok(&["user", "revoke", "bob"]);
    assert_eq!(cli.json(&["user", "list"]).as_array().unwrap().len(), 2);
    let out = cli.run(&["user", "grant", "bob", "--role", "root"]);
    assert!(!out.ok);
    assert!(out.stderr.contains("root"), "{}", out.stderr);
}

#[test]
fn audit_verify_passes_on_an_intact_log_and_fails_naming_the_edited_entry() {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.3.0.toml")]);
    cli.ok(&["user", "grant", "bob", "--role", "viewer"]);
    let v = cli.json(&["audit", "verify"]);
    assert_eq!(v["entries"], 3);
    assert!(v["broken"].is_null());

    tamper(&cli);
    let out = cli.run(&["--json", "audit", "verify"]);
    assert!(!out.ok, "a tampered log must fail verification");
    let err: serde_json::Value =
        serde_json::from_str(out.stderr.lines().last().expect("an error line on stderr")).unwrap();
    assert_eq!(err["code"], "conflict");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("the audit log was tampered with at entry 2"),
        "{err}"
    );
}

/// Edits entry 2 the way someone with the file would: around the app,
/// dropping its append-only trigger first.
fn tamper(cli: &Cli) {
    let conn = rusqlite::Connection::open(&cli.db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_append_only_update;
         UPDATE audit_log SET outcome = 'refused' WHERE seq = 2;",
    )
    .unwrap();
}

#[test]
fn audit_export_writes_csv_with_a_header_and_one_line_per_entry() {
    let cli = Cli::new();
    cli.ok(&["product", "import", &fixture("acme-erp-2.3.0.toml")]);
    let path = cli.dir.path().join("audit.csv");
    let out = cli.run(&["audit", "export", "--output", path.to_str().unwrap()]);
    assert!(out.ok, "{}", out.stderr);
    assert!(out.stderr.contains("wrote 2 entries"), "{}", out.stderr);
    let csv = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "seq,at,actor,role,action,objects,outcome,detail,hash"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines[2].contains(",version.import,acme-erp 2.3.0,done,"),
        "{}",
        lines[2]
    );
    let stdout = cli.ok(&["audit", "export", "--action", "version.import"]);
    assert_eq!(stdout.lines().count(), 2);
    let out = cli.run(&["audit", "export", "--action", "update.delete"]);
    assert!(!out.ok);
    assert!(
        out.stderr.contains("--action: unknown action"),
        "{}",
        out.stderr
    );
}
