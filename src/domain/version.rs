//! Semantic versions and the rule that updates only go upward. Never compares
//! versions as strings: `2.10.0` is above `2.9.0`, and `3.0.0-rc.1` below `3.0.0`.

use std::fmt;

pub use semver::Version;

use super::ValidationError;

/// Parses a semantic version, naming `field` when it is not one.
pub fn parse_version(field: &str, s: &str) -> Result<Version, ValidationError> {
    Version::parse(s.trim()).map_err(|e| {
        ValidationError::new(
            field,
            format!("must be a semantic version like 2.4.0 (got {s:?}: {e})"),
        )
    })
}

/// Why a target version is refused for one device: the device is already
/// configured at or above it, and runs it or something newer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NotHigher {
    pub target: Version,
    pub configured: Option<Version>,
    pub deployed: Option<Version>,
}

impl fmt::Display for NotHigher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Version>| v.as_ref().map_or("none".to_owned(), |v| v.to_string());
        match &self.configured {
            Some(c) if *c > self.target => write!(
                f,
                "target {} is lower than the configured version {} (updates only go to a higher version)",
                self.target, c
            ),
            _ => write!(
                f,
                "target {} is not higher than the configured version ({}) nor the deployed version ({})",
                self.target,
                show(&self.configured),
                show(&self.deployed)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn versions_order_by_semver_not_by_text() {
        assert!(v("2.10.0") > v("2.9.0"));
        assert!(v("3.0.0-rc.1") < v("3.0.0"));
        assert!(v("3.0.0-alpha") < v("3.0.0-beta"));
        assert!(v("3.0.0-rc.2") < v("3.0.0-rc.10"));
    }

    #[test]
    fn a_bad_version_names_the_field() {
        let e = parse_version("version", "2.4").unwrap_err();
        assert_eq!(e.field, "version");
        assert!(e.rule.contains("semantic version"), "{e}");
    }
}
