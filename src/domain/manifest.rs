//! The manifest of a product version: parsed from TOML into a raw form, then
//! validated into [`Manifest`], which later code trusts. Never reads files:
//! callers pass the text (and so decide where it came from).
//!
//! The format is documented in `docs/manifest.md`.

use rollwright_protocol::{validate, HealthCheck as WireHealthCheck, WireManifest, WireModule};
use serde::{Deserialize, Serialize};

use super::version::{parse_version, Version};
use super::{ProductName, ValidationError};

/// Manifests are small; anything bigger is a mistake or an attack.
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// A validated manifest: every field checked, module names unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub product: ProductName,
    pub version: Version,
    pub release_notes: String,
    /// In the order the manifest lists them; names are unique.
    pub modules: Vec<Module>,
    pub health_check: Option<HealthCheck>,
}

/// One installable part of a version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Module {
    /// Unique within the manifest; a name by the protocol's rule (agents use
    /// it as a directory name).
    pub name: String,
    /// Modules have their own versioning schemes: 1–64 of `[A-Za-z0-9._+-]`.
    pub version: String,
    /// Where to fetch it: an `http://`, `https://` or `file://` URL.
    pub artifact: String,
    /// 64 lowercase hex digits.
    pub sha256: String,
}

/// A command the agent runs after switching; a non-zero exit rolls back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub command: Vec<String>,
    pub timeout_ms: Option<u64>,
}

/// The file as written. Modules and the health check are read straight into
/// the protocol's types, which the protocol's rules then check.
#[derive(Deserialize)]
struct RawManifest {
    product: String,
    version: String,
    release_notes: Option<String>,
    #[serde(default)]
    modules: Vec<WireModule>,
    health_check: Option<WireHealthCheck>,
}

const TOP_KEYS: &[&str] = &[
    "product",
    "version",
    "release_notes",
    "modules",
    "health_check",
];
const MODULE_KEYS: &[&str] = &["name", "version", "artifact", "sha256"];
const HEALTH_KEYS: &[&str] = &["command", "timeout_ms"];

impl Manifest {
    /// Parses and validates manifest text. The error names the field and rule.
    pub fn parse(text: &str) -> Result<Manifest, ValidationError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(ValidationError::new(
                "manifest",
                format!(
                    "must be at most {MAX_MANIFEST_BYTES} bytes (got {})",
                    text.len()
                ),
            ));
        }
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            ValidationError::new("manifest", format!("must be valid TOML: {}", e.message()))
        })?;
        check_keys(&table)?;
        let raw: RawManifest =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    ValidationError::new("manifest", e.message().to_owned())
                })?;
        raw.validate()
    }

    pub fn module(&self, name: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.name == name)
    }
}

/// Unknown keys are refused by name rather than ignored: a typo such as
/// `sha265` would otherwise silently drop a checksum.
fn check_keys(table: &toml::Table) -> Result<(), ValidationError> {
    for key in table.keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            return Err(unknown_key(key.clone(), TOP_KEYS));
        }
    }
    if let Some(modules) = table.get("modules").and_then(|m| m.as_array()) {
        for (i, m) in modules.iter().enumerate() {
            if let Some(t) = m.as_table() {
                for key in t.keys() {
                    if !MODULE_KEYS.contains(&key.as_str()) {
                        return Err(unknown_key(format!("modules[{i}].{key}"), MODULE_KEYS));
                    }
                }
            }
        }
    }
    if let Some(t) = table.get("health_check").and_then(|h| h.as_table()) {
        for key in t.keys() {
            if !HEALTH_KEYS.contains(&key.as_str()) {
                return Err(unknown_key(format!("health_check.{key}"), HEALTH_KEYS));
            }
        }
    }
    Ok(())
}

fn unknown_key(field: String, known: &[&str]) -> ValidationError {
    ValidationError::new(
        field,
        format!("unknown key (known keys: {})", known.join(", ")),
    )
}

impl RawManifest {
    /// Checks the manifest by the protocol's rules, the ones every agent
    /// applies, so the catalog never holds a version no device would accept.
    fn validate(self) -> Result<Manifest, ValidationError> {
        let wire = WireManifest {
            product: self.product,
            version: self.version,
            release_notes: self.release_notes,
            modules: self.modules,
            health_check: self.health_check,
        };
        validate::manifest("", &wire)?;
        Ok(Manifest {
            product: ProductName::parse("product", &wire.product)?,
            version: parse_version("version", &wire.version)?,
            release_notes: wire.release_notes.unwrap_or_default(),
            modules: wire
                .modules
                .into_iter()
                .map(|m| Module {
                    name: m.name,
                    version: m.version,
                    artifact: m.artifact,
                    sha256: m.sha256,
                })
                .collect(),
            health_check: wire.health_check.map(|h| HealthCheck {
                command: h.command,
                timeout_ms: h.timeout_ms,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn manifest(modules: &str) -> String {
        format!(
            "product = \"acme-erp\"\nversion = \"2.4.0\"\nrelease_notes = \"Faster invoices\"\n{modules}"
        )
    }

    fn module(name: &str, sha: &str) -> String {
        format!(
            "[[modules]]\nname = \"{name}\"\nversion = \"1.0\"\nartifact = \"https://a.example/{name}.tgz\"\nsha256 = \"{sha}\"\n"
        )
    }

    fn field_of(text: &str) -> String {
        Manifest::parse(text).unwrap_err().field
    }

    #[test]
    fn a_well_formed_manifest_parses() {
        let text = manifest(&(module("core", SHA) + module("web", SHA).as_str()))
            + "[health_check]\ncommand = [\"/bin/true\"]\ntimeout_ms = 5000\n";
        let m = Manifest::parse(&text).unwrap();
        assert_eq!(m.product.as_str(), "acme-erp");
        assert_eq!(m.version, Version::new(2, 4, 0));
        assert_eq!(m.modules.len(), 2);
        assert_eq!(m.health_check.unwrap().timeout_ms, Some(5000));
    }

    #[test]
    fn a_bad_version_is_refused_by_field() {
        let text = manifest(&module("core", SHA)).replace("2.4.0", "2.4");
        assert_eq!(field_of(&text), "version");
    }

    #[test]
    fn a_duplicate_module_name_is_refused() {
        let text = manifest(&(module("core", SHA) + &module("core", SHA)));
        assert_eq!(field_of(&text), "modules[1].name");
    }

    #[test]
    fn a_malformed_sha256_is_refused() {
        assert_eq!(
            field_of(&manifest(&module("core", "abc"))),
            "modules[0].sha256"
        );
        let upper = SHA.to_uppercase();
        assert_eq!(
            field_of(&manifest(&module("core", &upper))),
            "modules[0].sha256"
        );
    }

    #[test]
    fn module_names_with_path_separators_are_refused() {
        for bad in ["a/b", "a\\\\b", "..", "x..y"] {
            assert_eq!(
                field_of(&manifest(&module(bad, SHA))),
                "modules[0].name",
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_keys_are_refused_by_path() {
        assert_eq!(
            field_of(&("colour = 1\n".to_owned() + &manifest(&module("core", SHA)))),
            "colour"
        );
        let text = manifest(&module("core", SHA)).replace("sha256 =", "sha265 =");
        assert_eq!(field_of(&text), "modules[0].sha265");
        let text =
            manifest(&module("core", SHA)) + "[health_check]\ncommand = [\"x\"]\nretries = 2\n";
        assert_eq!(field_of(&text), "health_check.retries");
    }

    #[test]
    fn an_oversized_manifest_is_refused_before_parsing() {
        let text = manifest(&module("core", SHA)) + &"#".repeat(MAX_MANIFEST_BYTES);
        let e = Manifest::parse(&text).unwrap_err();
        assert_eq!(e.field, "manifest");
        assert!(e.rule.contains("at most"), "{e}");
    }

    #[test]
    fn an_artifact_must_be_a_url() {
        let text = manifest(&module("core", SHA)).replace("https://a.example/core.tgz", "/tmp/x");
        assert_eq!(field_of(&text), "modules[0].artifact");
    }

    #[test]
    fn a_manifest_may_be_one_mebibyte_and_not_a_byte_more() {
        let text = manifest(&module("core", SHA)) + "#";
        let pad = |len: usize| format!("{text}{}", "x".repeat(len - text.len()));
        assert!(Manifest::parse(&pad(1_048_576)).is_ok());
        let e = Manifest::parse(&pad(1_048_577)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "manifest: must be at most 1048576 bytes (got 1048577)"
        );
    }

    #[test]
    fn a_module_is_found_by_its_name() {
        let text = manifest(&(module("core", SHA) + module("web", SHA).as_str()));
        let m = Manifest::parse(&text).unwrap();
        assert_eq!(m.module("web").map(|m| m.name.as_str()), Some("web"));
        assert_eq!(m.module("core").map(|m| m.name.as_str()), Some("core"));
        assert_eq!(m.module("db"), None);
    }
}
