//! The webview's limits, held together by tests: every command the app
//! defines is in `commands.list` (which generates its permission), in the
//! handler, granted by the capability and called by the UI; the capability
//! grants nothing else but the plugin permissions the UI's imports need;
//! the Content-Security-Policy allows no remote content and no inline script.

#![cfg(test)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn listed_commands() -> BTreeSet<String> {
    read("src-tauri/commands.list")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Names of the functions marked `#[tauri::command]` in `commands/`.
fn defined_commands() -> BTreeSet<String> {
    let dir = root().join("src-tauri/src/commands");
    let mut src = String::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        src.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    src.split("#[tauri::command]")
        .skip(1)
        .map(|after| {
            let sig = &after[after.find("fn ").expect("a fn after the attribute") + 3..];
            sig[..sig.find(['(', '<']).unwrap()].trim().to_owned()
        })
        .collect()
}

/// Names inside `tauri::generate_handler![...]` in `main.rs`.
fn handled_commands() -> BTreeSet<String> {
    let src = read("src-tauri/src/main.rs");
    let start = src.find("generate_handler![").expect("a handler") + "generate_handler![".len();
    let end = start + src[start..].find(']').unwrap();
    src[start..end]
        .split(',')
        .map(|s| s.trim().rsplit("::").next().unwrap_or_default().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn capability_permissions() -> BTreeSet<String> {
    let cap: serde_json::Value =
        serde_json::from_str(&read("src-tauri/capabilities/default.json")).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    cap["permissions"]
        .as_array()
        .expect("a permissions list")
        .iter()
        .map(|p| p.as_str().expect("plain permission names").to_owned())
        .collect()
}

/// Every `@tauri-apps/...` module the UI imports, with the permissions it
/// needs. A module missing here fails the test: decide what it may do first.
const UI_MODULES: &[(&str, &[&str])] = &[
    // `invoke` of the app's own commands; their permissions are per command.
    ("@tauri-apps/api/core", &[]),
    (
        "@tauri-apps/api/event",
        &["core:event:allow-listen", "core:event:allow-unlisten"],
    ),
];

fn ui_sources(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            ui_sources(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("ts" | "svelte")
        ) && !path.to_string_lossy().ends_with(".test.ts")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
}

/// The `@tauri-apps/...` modules the UI imports.
fn ui_tauri_imports() -> BTreeSet<String> {
    let mut files = Vec::new();
    ui_sources(&root().join("ui/src"), &mut files);
    let mut found = BTreeSet::new();
    for (_, text) in &files {
        for quote in ['\'', '"'] {
            let marker = format!("{quote}@tauri-apps/");
            let mut rest = text.as_str();
            while let Some(i) = rest.find(&marker) {
                let tail = &rest[i + 1..];
                let end = tail.find(quote).unwrap();
                found.insert(tail[..end].to_owned());
                rest = &tail[end..];
            }
        }
    }
    found
}

fn permission_of(command: &str) -> String {
    format!("allow-{}", command.replace('_', "-"))
}

#[test]
fn every_command_is_listed_handled_and_defined_and_nothing_else() {
    let listed = listed_commands();
    assert_eq!(defined_commands(), listed, "commands.rs vs commands.list");
    assert_eq!(
        handled_commands(),
        listed,
        "generate_handler! vs commands.list"
    );
}

#[test]
fn the_capability_grants_exactly_the_commands_and_what_the_ui_imports_need() {
    let imports = ui_tauri_imports();
    let mut wanted: BTreeSet<String> = listed_commands().iter().map(|c| permission_of(c)).collect();
    for module in &imports {
        let (_, perms) = UI_MODULES
            .iter()
            .find(|(m, _)| m == module)
            .unwrap_or_else(|| {
                panic!(
                    "the UI imports {module}: add it to UI_MODULES with the permissions it needs"
                )
            });
        wanted.extend(perms.iter().map(|p| p.to_string()));
    }
    let granted = capability_permissions();
    let unused: Vec<_> = granted.difference(&wanted).collect();
    let missing: Vec<_> = wanted.difference(&granted).collect();
    assert!(unused.is_empty(), "granted but used by nothing: {unused:?}");
    assert!(missing.is_empty(), "used but not granted: {missing:?}");
}

#[test]
fn the_ui_calls_every_command_through_api_ts_only() {
    let api = read("ui/src/lib/api.ts");
    for command in listed_commands() {
        assert!(
            api.contains(&format!("'{command}'")),
            "no UI code calls {command}: remove it, or call it from api.ts"
        );
    }
    let mut files = Vec::new();
    ui_sources(&root().join("ui/src"), &mut files);
    for (path, text) in files {
        if !path.ends_with("lib/api.ts") {
            assert!(
                !text.contains("invoke("),
                "{} calls invoke; only api.ts may",
                path.display()
            );
        }
    }
}

#[test]
fn the_content_security_policy_allows_no_remote_content_and_no_inline_script() {
    let conf: serde_json::Value = serde_json::from_str(&read("src-tauri/tauri.conf.json")).unwrap();
    let security = &conf["app"]["security"];
    let csp = security["csp"].as_object().expect("the CSP as directives");
    let get = |d: &str| csp.get(d).and_then(|v| v.as_str()).unwrap_or("");
    assert_eq!(get("default-src"), "'self'");
    assert_eq!(get("script-src"), "'self'", "no inline or remote script");
    assert_eq!(get("object-src"), "'none'");
    for (directive, value) in csp {
        let value = value.as_str().unwrap();
        assert!(!value.contains("unsafe-eval"), "{directive}: {value}");
        for source in value.split_whitespace() {
            let remote = source.starts_with("http") || source.starts_with("ws") || source == "*";
            assert!(
                !remote || source == "http://ipc.localhost",
                "{directive} allows remote content: {source}"
            );
        }
    }
    assert_eq!(security["freezePrototype"], true);
    assert!(security
        .get("dangerousDisableAssetCspModification")
        .is_none());
    assert!(conf["app"]
        .get("withGlobalTauri")
        .is_none_or(|v| v == false));
}
