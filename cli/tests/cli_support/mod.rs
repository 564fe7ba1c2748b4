//! Drives the real `rollwright-cli` binary against a temporary database, as a
//! user would. Shared by the tests/cli_*.rs files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Cli {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
}

pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Cli {
    pub fn new() -> Cli {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rollwright.sqlite3");
        Cli { dir, db }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_rollwright-cli"))
            // Tokens in a file beside the test database, never a keyring of
            // the machine running the tests.
            .env(rollwright::secrets::BACKEND_ENV, "file")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .unwrap();
        Output {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed and returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.ok, "{args:?} failed: {}", out.stderr);
        out.stdout
    }

    /// Runs a command that must fail, and checks that stderr names `field`
    /// and contains `rule`. Returns stderr.
    pub fn refused(&self, args: &[&str], field: &str, rule: &str) -> String {
        let out = self.run(args);
        assert!(!out.ok, "{args:?} should fail; stdout: {}", out.stdout);
        assert!(
            out.stdout.is_empty(),
            "a refusal prints nothing on stdout: {}",
            out.stdout
        );
        assert!(
            out.stderr.contains(&format!("{field}: ")),
            "stderr should name {field:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(rule),
            "stderr should say {rule:?}: {}",
            out.stderr
        );
        out.stderr
    }

    /// Writes a file in the temporary directory and returns its path as text.
    pub fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_string_lossy().into_owned()
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }
}

pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/manifests")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

pub const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// A valid manifest for acme-erp `version` with the given module blocks.
pub fn manifest(version: &str, modules: &[(&str, &str)]) -> String {
    let mut s =
        format!("product = \"acme-erp\"\nversion = \"{version}\"\nrelease_notes = \"test\"\n");
    for (name, sha) in modules {
        s += &format!(
            "\n[[modules]]\nname = '{name}'\nversion = \"1.0\"\nartifact = \"https://a.example/m.tgz\"\nsha256 = \"{sha}\"\n"
        );
    }
    s
}
