//! The validation rules of the protocol as small pure functions, so the agent
//! and the client apply the same ones. Each error names the offending field.

use std::collections::HashSet;

use crate::{ConfigRequest, DeploymentRequest, WireManifest};

/// Longest product, module or label name, and longest label value.
pub const MAX_NAME_LEN: usize = 64;
/// Longest module version.
pub const MAX_MODULE_VERSION_LEN: usize = 64;
/// Longest deployment id.
pub const MAX_ID_LEN: usize = 128;
/// Most modules in one manifest.
pub const MAX_MODULES: usize = 256;
/// Longest artifact URL.
pub const MAX_URL_LEN: usize = 2048;
/// Longest release notes, in bytes.
pub const MAX_RELEASE_NOTES_BYTES: usize = 64 * 1024;
/// Most labels on one device.
pub const MAX_LABELS: usize = 32;

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

/// How Rollwright reaches an agent, decided by its URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `http://`: only to an agent on the same machine (loopback).
    Plain,
    /// `https://`: any host, the agent's certificate pinned.
    Tls,
}

/// An agent's base URL: `https://HOST[:PORT][/PATH]`, or `http://` to a
/// loopback host; no credentials, query or fragment (the token travels in
/// a header, never in a URL).
pub fn agent_url(field: &str, url: &str) -> Result<Transport, Invalid> {
    let (transport, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (Transport::Tls, rest),
        (None, Some(rest)) => (Transport::Plain, rest),
        _ => {
            return Err(Invalid::new(
                field,
                format!("must be an http:// or https:// URL (got {url:?})"),
            ))
        }
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || rest.contains(['?', '#', '@']) {
        return Err(Invalid::new(
            field,
            "must be a plain URL: no spaces, user name, query or fragment",
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(Invalid::new(field, format!("has no host (got {url:?})")));
    }
    if transport == Transport::Plain && !is_loopback_host(host) {
        return Err(Invalid::new(
            field,
            format!("plain http:// reaches only agents on this machine (loopback), not {host}; use https:// with the agent's certificate pinned"),
        ));
    }
    Ok(transport)
}

/// 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Product and module names: 1–64 of `[a-z0-9._-]`, starting with a letter or
/// digit, never containing `..`. They appear in agent URL paths and are
/// directory names on devices, so nothing a path or a file system would mind.
pub fn name(field: &str, value: &str) -> Result<(), Invalid> {
    if value.is_empty() || value.len() > MAX_NAME_LEN {
        return Err(Invalid::new(
            field,
            format!(
                "must be 1 to {MAX_NAME_LEN} characters (got {})",
                value.len()
            ),
        ));
    }
    if value.contains(['/', '\\']) || value.contains("..") {
        return Err(Invalid::new(
            field,
            format!("must not contain '/', '\\' or '..' (got {value:?})"),
        ));
    }
    let first_ok = value.as_bytes()[0].is_ascii_lowercase() || value.as_bytes()[0].is_ascii_digit();
    let all_ok = value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !first_ok || !all_ok {
        return Err(Invalid::new(
            field,
            format!("must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (got {value:?})"),
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
    token(value, MAX_MODULE_VERSION_LEN, b"._+-")
        .then_some(())
        .ok_or_else(|| {
            Invalid::new(
                field,
                format!("must be 1 to {MAX_MODULE_VERSION_LEN} of letters, digits, '.', '_', '+' or '-', and not '.' or '..' (got {value:?})"),
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
        Err(Invalid::new(
            field,
            format!(
                "must be 64 lower-case hex digits (got {} characters)",
                value.len()
            ),
        ))
    }
}

/// An artifact URL: `http://`, `https://` or `file://`, without spaces or
/// control characters.
pub fn artifact(field: &str, value: &str) -> Result<(), Invalid> {
    if value.len() > MAX_URL_LEN {
        return Err(Invalid::new(
            field,
            format!(
                "must be at most {MAX_URL_LEN} characters (got {})",
                value.len()
            ),
        ));
    }
    let rest = ["http://", "https://", "file://"]
        .iter()
        .find_map(|s| value.strip_prefix(s));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(())
        }
        _ => Err(Invalid::new(
            field,
            format!("must be an http://, https:// or file:// URL without spaces (got {value:?})"),
        )),
    }
}

/// A device label: key and value each 1–64 of `[A-Za-z0-9._-]`, so label
/// selectors (`key=value`) stay unambiguous.
pub fn label(field: &str, key: &str, value: &str) -> Result<(), Invalid> {
    let slug = |x: &str| {
        !x.is_empty()
            && x.len() <= MAX_NAME_LEN
            && x.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    };
    if slug(key) && slug(value) {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            format!("key and value must each be 1 to {MAX_NAME_LEN} of letters, digits, '.', '_' or '-' (got {key:?}={value:?})"),
        ))
    }
}

/// A device's labels: at most [`MAX_LABELS`], each a valid [`label`].
pub fn labels<'a>(
    field: &str,
    labels: impl ExactSizeIterator<Item = (&'a str, &'a str)>,
) -> Result<(), Invalid> {
    if labels.len() > MAX_LABELS {
        return Err(Invalid::new(
            field,
            format!("at most {MAX_LABELS} labels (got {})", labels.len()),
        ));
    }
    for (key, value) in labels {
        // Named only on failure: agents and syncs check labels by the thousand.
        label(field, key, value).map_err(|e| Invalid {
            field: format!("{field}.{key}"),
            ..e
        })?;
    }
    Ok(())
}

/// A whole manifest, the one rule set of the catalog and the agents. `prefix`
/// goes before every field name (`"manifest."` on the wire, `""` in a file).
pub fn manifest(prefix: &str, m: &WireManifest) -> Result<semver::Version, Invalid> {
    let at = |f: &str| format!("{prefix}{f}");
    name(&at("product"), &m.product)?;
    let v = version(&at("version"), &m.version)?;
    let notes = m.release_notes.as_deref().unwrap_or("");
    if notes.len() > MAX_RELEASE_NOTES_BYTES {
        return Err(Invalid::new(
            at("release_notes"),
            format!(
                "must be at most {MAX_RELEASE_NOTES_BYTES} bytes (got {})",
                notes.len()
            ),
        ));
    }
    if m.modules.is_empty() || m.modules.len() > MAX_MODULES {
        return Err(Invalid::new(
            at("modules"),
            format!(
                "must list 1 to {MAX_MODULES} modules (got {})",
                m.modules.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, module) in m.modules.iter().enumerate() {
        let at = |f: &str| format!("{prefix}modules[{i}].{f}");
        name(&at("name"), &module.name)?;
        if !seen.insert(module.name.as_str()) {
            return Err(Invalid::new(
                at("name"),
                format!("must be unique; {:?} is listed twice", module.name),
            ));
        }
        module_version(&at("version"), &module.version)?;
        artifact(&at("artifact"), &module.artifact)?;
        sha256(&at("sha256"), &module.sha256)?;
    }
    if let Some(hc) = &m.health_check {
        if hc
            .command
            .first()
            .is_none_or(|program| program.trim().is_empty())
        {
            return Err(Invalid::new(
                at("health_check.command"),
                "must name a program to run",
            ));
        }
        if hc.timeout_ms == Some(0) {
            return Err(Invalid::new(
                at("health_check.timeout_ms"),
                "must be greater than 0",
            ));
        }
    }
    Ok(v)
}

/// A whole `PUT /v1/products/{product}/config` request.
pub fn config(product: &str, req: &ConfigRequest) -> Result<semver::Version, Invalid> {
    name("product", product)?;
    let v = version("version", &req.version)?;
    manifest("manifest.", &req.manifest)?;
    if req.manifest.product != product {
        return Err(Invalid::new(
            "manifest.product",
            "must equal the product in the path",
        ));
    }
    if req.manifest.version != req.version {
        return Err(Invalid::new("manifest.version", "must equal version"));
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
    fn names_may_not_hold_a_double_dot_or_capitals() {
        assert_eq!(name("n", "a..b").unwrap_err().field, "n");
        assert!(name("n", "Core").is_err());
        assert!(name("n", "-x").is_err());
        assert!(name("n", "a.b_c-1").is_ok());
        assert!(name("n", &"x".repeat(MAX_NAME_LEN)).is_ok());
        assert!(name("n", &"x".repeat(MAX_NAME_LEN + 1)).is_err());
    }

    fn wire(modules: usize) -> WireManifest {
        WireManifest {
            product: "acme-erp".into(),
            version: "2.4.0".into(),
            release_notes: None,
            modules: (0..modules)
                .map(|i| crate::WireModule {
                    name: format!("m{i}"),
                    version: "1.0".into(),
                    artifact: "https://a.example/m.tgz".into(),
                    sha256: "a".repeat(64),
                })
                .collect(),
            health_check: None,
        }
    }

    #[test]
    fn a_manifest_lists_one_to_256_modules() {
        assert_eq!(manifest("", &wire(0)).unwrap_err().field, "modules");
        assert!(manifest("", &wire(1)).is_ok());
        assert!(manifest("", &wire(MAX_MODULES)).is_ok());
        let e = manifest("manifest.", &wire(MAX_MODULES + 1)).unwrap_err();
        assert_eq!(e.field, "manifest.modules");
    }

    #[test]
    fn release_notes_are_at_most_64_kib() {
        let mut m = wire(1);
        m.release_notes = Some("x".repeat(65_536));
        assert!(manifest("", &m).is_ok());
        m.release_notes = Some("x".repeat(65_537));
        assert_eq!(manifest("", &m).unwrap_err().field, "release_notes");
        // Bytes, not characters: 32,769 two-byte characters are too many.
        m.release_notes = Some("é".repeat(32_769));
        assert_eq!(manifest("", &m).unwrap_err().field, "release_notes");
    }

    #[test]
    fn module_versions_keep_their_own_schemes_but_are_never_a_path_component() {
        for ok in ["5.13.0", "2024.02", "1.0+build-7_x", "R2", &"9".repeat(64)] {
            assert_eq!(module_version("v", ok), Ok(()), "{ok:?}");
        }
        let too_long = "9".repeat(65);
        for bad in ["", ".", "..", "1.0/x", "1 0", "1.0\\x", "ü1", &too_long] {
            assert_eq!(module_version("v", bad).unwrap_err().field, "v", "{bad:?}");
        }
    }

    #[test]
    fn deployment_ids_are_1_to_128_letters_digits_dots_underscores_colons_or_dashes() {
        for ok in ["du-1", "u:2.x_Y", "...a", &"a".repeat(128)] {
            assert_eq!(deployment_id("id", ok), Ok(()), "{ok:?}");
        }
        let too_long = "a".repeat(129);
        for bad in ["", ".", "..", "a/b", "a b", "a+b", &too_long] {
            assert_eq!(deployment_id("id", bad).unwrap_err().field, "id", "{bad:?}");
        }
        let req = |id: &str| DeploymentRequest {
            id: id.into(),
            product: "acme-erp".into(),
            version: "2.4.0".into(),
        };
        assert!(deployment(&req("du-1")).is_ok());
        assert_eq!(deployment(&req("a/b")).unwrap_err().field, "id");
    }

    #[test]
    fn artifact_urls_are_at_most_2048_characters() {
        let url = |len: usize| {
            let head = "https://a.example/";
            format!("{head}{}", "x".repeat(len - head.len()))
        };
        assert_eq!(artifact("a", &url(2048)), Ok(()));
        let e = artifact("a", &url(2049)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("a", "must be at most 2048 characters (got 2049)")
        );
    }

    #[test]
    fn a_health_check_timeout_must_be_above_zero() {
        let with_timeout = |timeout_ms| {
            let mut m = wire(1);
            m.health_check = Some(crate::HealthCheck {
                command: vec!["/bin/true".into()],
                timeout_ms,
            });
            manifest("", &m)
        };
        assert!(with_timeout(None).is_ok());
        assert!(with_timeout(Some(1)).is_ok());
        assert_eq!(
            with_timeout(Some(0)).unwrap_err().field,
            "health_check.timeout_ms"
        );
    }

    #[test]
    fn a_config_carries_the_manifest_of_its_own_product_and_version() {
        let req = |product: &str, version: &str| ConfigRequest {
            version: version.into(),
            manifest: WireManifest {
                product: product.into(),
                ..wire(1)
            },
        };
        assert!(config("acme-erp", &req("acme-erp", "2.4.0")).is_ok());
        assert_eq!(
            config("acme-erp", &req("acme-crm", "2.4.0"))
                .unwrap_err()
                .field,
            "manifest.product"
        );
        assert_eq!(
            config("acme-erp", &req("acme-erp", "2.5.0"))
                .unwrap_err()
                .field,
            "manifest.version"
        );
    }

    #[test]
    fn a_blank_health_check_program_is_refused() {
        let mut m = wire(1);
        m.health_check = Some(crate::HealthCheck {
            command: vec![" ".into()],
            timeout_ms: None,
        });
        assert_eq!(
            manifest("manifest.", &m).unwrap_err().field,
            "manifest.health_check.command"
        );
    }

    #[test]
    fn labels_are_slugs_and_at_most_32() {
        assert!(label("l", "site", "Lyon-2").is_ok());
        assert!(label("l", "site", "").is_err());
        assert!(label("l", "si te", "x").is_err());
        assert!(label("l", "site", &"x".repeat(MAX_NAME_LEN + 1)).is_err());
        let many: Vec<(String, String)> = (0..=MAX_LABELS)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        let pairs = |n: usize| many[..n].iter().map(|(k, v)| (k.as_str(), v.as_str()));
        assert!(labels("labels", pairs(MAX_LABELS)).is_ok());
        assert_eq!(
            labels("labels", pairs(MAX_LABELS + 1)).unwrap_err().field,
            "labels"
        );
    }

    #[test]
    fn artifacts_need_a_known_scheme() {
        assert!(artifact("a", "file:///tmp/x").is_ok());
        assert!(artifact("a", "ftp://x").is_err());
        assert!(artifact("a", "https://").is_err());
        assert!(artifact("a", "https://a.example/x\u{1}y").is_err());
        assert!(artifact("a", "https://a.example/x y").is_err());
    }

    #[test]
    fn agent_urls_are_https_anywhere_or_http_on_loopback_only() {
        for (url, want) in [
            ("http://127.0.0.1:7000/devices/a", Transport::Plain),
            ("http://localhost:7000", Transport::Plain),
            ("http://[::1]:7000", Transport::Plain),
            ("https://10.0.0.5:7443", Transport::Tls),
            ("https://edge-01.plant.example", Transport::Tls),
        ] {
            assert_eq!(agent_url("agent_url", url), Ok(want), "{url}");
        }
        for bad in [
            "http://10.0.0.5:7000",
            "http://edge-01.plant.example",
            "ftp://127.0.0.1",
            "https://",
            "https://user:pw@host",
            "https://host/?token=x",
            "https://ho st",
            "127.0.0.1:7000",
        ] {
            let e = agent_url("agent_url", bad).unwrap_err();
            assert_eq!(e.field, "agent_url", "{bad}");
        }
        assert!(agent_url("u", "http://10.0.0.5")
            .unwrap_err()
            .message
            .contains("use https://"));
    }
}
