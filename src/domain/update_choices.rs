//! What an update may offer before anything is chosen: the versions of a
//! product that some device could take (higher than what it has), and how
//! many devices are at which version now. Counted from the fleet's distinct
//! (configured, deployed) pairs, so the cost follows the versions in use, not
//! the number of devices.

use serde::Serialize;

use super::{ProductVersions, Version};

/// One version an update of a product may go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionChoice {
    pub version: Version,
    /// Devices that could take it: they have the product at a lower version.
    pub eligible: usize,
}

/// Devices of a product at one (configured, deployed) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionPair {
    pub versions: ProductVersions,
    pub devices: usize,
}

/// The versions of `catalog` that at least one device could take, newest
/// first: a version no device is below is never offered, so an update can
/// only go up.
pub fn version_choices(catalog: &[Version], fleet: &[VersionPair]) -> Vec<VersionChoice> {
    let mut out: Vec<VersionChoice> = catalog
        .iter()
        .filter_map(|version| {
            let eligible = fleet
                .iter()
                .filter(|p| p.versions.check_target(version).is_ok())
                .map(|p| p.devices)
                .sum();
            (eligible > 0).then(|| VersionChoice {
                version: version.clone(),
                eligible,
            })
        })
        .collect();
    out.sort_by(|a, b| b.version.cmp(&a.version));
    out
}

/// How many devices run each version now (`None`: configured but not yet
/// running it), newest first.
pub fn running_counts(fleet: &[VersionPair]) -> Vec<(Option<Version>, usize)> {
    let mut counts: std::collections::BTreeMap<Option<Version>, usize> = Default::default();
    for p in fleet {
        *counts.entry(p.versions.deployed.clone()).or_default() += p.devices;
    }
    counts.into_iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn pair(configured: Option<&str>, deployed: Option<&str>, devices: usize) -> VersionPair {
        VersionPair {
            versions: ProductVersions {
                configured: configured.map(v),
                deployed: deployed.map(v),
            },
            devices,
        }
    }

    #[test]
    fn only_versions_some_device_is_below_are_offered_newest_first() {
        let catalog = [v("2.3.0"), v("2.4.0"), v("2.5.0")];
        let fleet = [
            pair(Some("2.3.0"), Some("2.3.0"), 5),
            pair(Some("2.4.0"), Some("2.4.0"), 3),
            // Told to run 2.4.0, still runs 2.3.0: 2.4.0 would deploy it.
            pair(Some("2.4.0"), Some("2.3.0"), 2),
        ];
        let got = version_choices(&catalog, &fleet);
        let shown: Vec<(String, usize)> = got
            .iter()
            .map(|c| (c.version.to_string(), c.eligible))
            .collect();
        assert_eq!(
            shown,
            [("2.5.0".to_owned(), 10), ("2.4.0".to_owned(), 7)],
            "2.3.0 is no device's upgrade"
        );
    }

    #[test]
    fn a_fleet_at_the_newest_version_is_offered_nothing() {
        let catalog = [v("2.3.0"), v("2.4.0")];
        assert!(version_choices(&catalog, &[pair(Some("2.4.0"), Some("2.4.0"), 9)]).is_empty());
        assert!(version_choices(&catalog, &[]).is_empty());
    }

    #[test]
    fn running_counts_sum_devices_per_deployed_version() {
        let fleet = [
            pair(Some("2.3.0"), Some("2.3.0"), 5),
            pair(Some("2.4.0"), Some("2.3.0"), 2),
            pair(Some("2.4.0"), None, 1),
        ];
        assert_eq!(running_counts(&fleet), [(Some(v("2.3.0")), 7), (None, 1)]);
    }
}
