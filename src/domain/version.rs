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

/// Why a target version is refused for one device: it would go below what
/// the device is configured at or runs, or change neither.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NotHigher {
    pub target: Version,
    pub configured: Option<Version>,
    pub deployed: Option<Version>,
}

impl fmt::Display for NotHigher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Version>| v.as_ref().map_or("none".to_owned(), |v| v.to_string());
        match (&self.configured, &self.deployed) {
            (Some(c), _) if *c > self.target => write!(
                f,
                "target {} is lower than the configured version {} (updates only go to a higher version)",
                self.target, c
            ),
            (_, Some(d)) if *d > self.target => write!(
                f,
                "target {} is lower than the deployed version {} (updates only go to a higher version)",
                self.target, d
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
    fn a_version_is_read_without_surrounding_spaces() {
        assert_eq!(parse_version("version", " 2.4.0\n").unwrap(), v("2.4.0"));
    }

    #[test]
    fn a_refusal_says_downgrade_only_when_a_version_of_the_device_is_above_the_target() {
        let refusal = |configured: &str, deployed: &str| {
            NotHigher {
                target: v("2.4.0"),
                configured: Some(v(configured)),
                deployed: Some(v(deployed)),
            }
            .to_string()
        };
        assert_eq!(
            refusal("2.5.0", "2.0.0"),
            "target 2.4.0 is lower than the configured version 2.5.0 (updates only go to a higher version)"
        );
        assert_eq!(
            refusal("2.3.0", "2.5.0"),
            "target 2.4.0 is lower than the deployed version 2.5.0 (updates only go to a higher version)"
        );
        assert_eq!(
            refusal("2.4.0", "2.4.0"),
            "target 2.4.0 is not higher than the configured version (2.4.0) nor the deployed version (2.4.0)"
        );
        let none = NotHigher {
            target: v("2.4.0"),
            configured: None,
            deployed: None,
        };
        assert!(none
            .to_string()
            .ends_with("(none) nor the deployed version (none)"));
    }

    #[test]
    fn a_bad_version_names_the_field() {
        let e = parse_version("version", "2.4").unwrap_err();
        assert_eq!(e.field, "version");
        assert!(e.rule.contains("semantic version"), "{e}");
    }
}
