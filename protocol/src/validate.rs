//! The validation rules of the protocol as small pure functions, so the agent
//! and the client apply the same ones. Each error names the offending field.

use std::collections::HashSet;

use crate::{ConfigRequest, DeploymentRequest};

/// Longest product, module or label name.
pub const MAX_NAME_LEN: usize = 64;
/// Longest deployment id.
pub const MAX_ID_LEN: usize = 128;
/// Most modules in one manifest.
pub const MAX_MODULES: usize = 256;
/// Longest artifact URL.
pub const MAX_URL_LEN: usize = 2048;

/// A rule a request broke: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Product and module names: 1–64 of `[a-z0-9._-]`, starting with a letter or
/// digit. So no path separators, no `..`, nothing a file system would mind.
pub fn name(field: &str, value: &str) -> Result<(), Invalid> {
    if value.is_empty() || value.len() > MAX_NAME_LEN {
        return Err(Invalid::new(
            field,
            format!("must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    if value.contains(['/', '\\']) {
        return Err(Invalid::new(field, "must not contain a path separator"));
    }
    let first_ok = value.as_bytes()[0].is_ascii_alphanumeric();
    let all_ok = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !first_ok || !all_ok {
        return Err(Invalid::new(
            field,
            "must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
        ));
    }
    Ok(())
}

/// A semantic version (`2.4.0`, `3.0.0-rc.1`).
pub fn version(field: &str, value: &str) -> Result<semver::Version, Invalid> {
    semver::Version::parse(value)
        .map_err(|e| Invalid::new(field, format!("not a semantic version: {e}")))
}

/// A module's own version: modules keep their own schemes (`5.13.0`,
/// `2024.02`), so any 1–64 of `[A-Za-z0-9._+-]`, but never a path component
/// like `..`, since agents stage modules under it.
pub fn module_version(field: &str, value: &str) -> Result<(), Invalid> {
    token(value, 64, b"._+-").then_some(()).ok_or_else(|| {
        Invalid::new(
            field,
            "must be 1 to 64 of letters, digits, '.', '_', '+' or '-', and not '.' or '..'",
        )
    })
}

/// 1 to `max` ASCII letters, digits or `extra` bytes, and not a path
/// component like `.` or `..`.
fn token(value: &str, max: usize, extra: &[u8]) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
        && value != "."
        && value != ".."
}

/// A deployment id: 1–128 of `[A-Za-z0-9._:-]`.
pub fn deployment_id(field: &str, value: &str) -> Result<(), Invalid> {
    if token(value, MAX_ID_LEN, b"._:-") {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!("must be 1 to {MAX_ID_LEN} of letters, digits, '.', '_', ':' or '-'"),
        ))
    }
}

/// A lower-case hex sha256.
pub fn sha256(field: &str, value: &str) -> Result<(), Invalid> {
    let ok = value.len() == 64
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(field, "must be 64 lower-case hex digits"))
    }
}

/// An artifact URL: `http://`, `https://` or `file://`.
pub fn artifact(field: &str, value: &str) -> Result<(), Invalid> {
    if value.len() > MAX_URL_LEN {
        return Err(Invalid::new(
            field,
            format!("longer than {MAX_URL_LEN} characters"),
        ));
    }
    let rest = ["http://", "https://", "file://"]
        .iter()
        .find_map(|s| value.strip_prefix(s));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.contains(char::is_whitespace) => Ok(()),
        _ => Err(Invalid::new(
            field,
            "must be an http://, https:// or file:// URL",
        )),
    }
}

/// A whole `PUT /v1/products/{product}/config` request.
pub fn config(product: &str, req: &ConfigRequest) -> Result<semver::Version, Invalid> {
    name("product", product)?;
    let v = version("version", &req.version)?;
    let m = &req.manifest;
    name("manifest.product", &m.product)?;
    if m.product != product {
        return Err(Invalid::new(
            "manifest.product",
            "must equal the product in the path",
        ));
    }
    version("manifest.version", &m.version)?;
    if m.version != req.version {
        return Err(Invalid::new("manifest.version", "must equal version"));
    }
    if m.modules.len() > MAX_MODULES {
        return Err(Invalid::new(
            "manifest.modules",
            format!("more than {MAX_MODULES} modules"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, module) in m.modules.iter().enumerate() {
        let at = |f: &str| format!("manifest.modules[{i}].{f}");
        name(&at("name"), &module.name)?;
        if !seen.insert(module.name.as_str()) {
            return Err(Invalid::new(at("name"), "duplicate module name"));
        }
        module_version(&at("version"), &module.version)?;
        artifact(&at("artifact"), &module.artifact)?;
        sha256(&at("sha256"), &module.sha256)?;
    }
    if let Some(hc) = &m.health_check {
        if hc.command.is_empty() || hc.command[0].is_empty() {
            return Err(Invalid::new(
                "manifest.health_check.command",
                "must name a program",
            ));
        }
        if hc.timeout_ms == Some(0) {
            return Err(Invalid::new(
                "manifest.health_check.timeout_ms",
                "must be positive",
            ));
        }
    }
    Ok(v)
}

/// A whole `POST /v1/deployments` request.
pub fn deployment(req: &DeploymentRequest) -> Result<semver::Version, Invalid> {
    deployment_id("id", &req.id)?;
    name("product", &req.product)?;
    version("version", &req.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_path_separators_are_refused() {
        assert_eq!(name("n", "a/b").unwrap_err().field, "n");
        assert!(name("n", "a\\b").is_err());
        assert!(name("n", "..").is_err());
        assert!(name("n", "").is_err());
        assert!(name("n", "ocr-engine").is_ok());
    }

    #[test]
    fn versions_must_be_semver() {
        assert!(version("v", "1.2").is_err());
        assert!(version("v", "1.2.3-rc.1").is_ok());
    }

    #[test]
    fn sha256_must_be_lower_hex() {
        assert!(sha256("s", &"a".repeat(64)).is_ok());
        assert!(sha256("s", &"A".repeat(64)).is_err());
        assert!(sha256("s", "abc").is_err());
    }

    #[test]
    fn artifacts_need_a_known_scheme() {
        assert!(artifact("a", "file:///tmp/x").is_ok());
        assert!(artifact("a", "ftp://x").is_err());
        assert!(artifact("a", "https://").is_err());
    }
}
