//! Step Devices' list as columns. As one object per device, 10,000 devices
//! were 2.7 MB of JSON, and the IPC round trip alone took 130–250 ms in the
//! release app: the answer crosses WebKit's custom scheme in chunks. Columns
//! say each version, state and target once; the UI turns them back into
//! rows (`ui/src/lib/planColumns.ts`).

use std::collections::HashMap;

use rollwright::domain::{Lower, Reachability, Version};
use rollwright::store::DevicePlan;
use serde::Serialize;

/// `flags` bit: the device takes this target.
pub(crate) const TAKES: u8 = 1;
/// `flags` bit: its configured version is older than the target.
pub(crate) const CONFIGURED_OLDER: u8 = 2;
/// `flags` bit: the version it runs is older than the target.
pub(crate) const DEPLOYED_OLDER: u8 = 4;

/// A chosen target, as checked.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct PlanTarget {
    pub product: String,
    pub version: String,
}

/// One entry per device in each device column; one column per target in
/// `configured`, `deployed` and `flags`, in the order of `targets`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct PlanDeviceColumns {
    pub targets: Vec<PlanTarget>,
    /// The versions `configured` and `deployed` point into.
    pub versions: Vec<String>,
    /// The states `reach` points into.
    pub reach_states: Vec<Reachability>,
    pub ids: Vec<i64>,
    pub names: Vec<String>,
    /// Per device, its labels as `[key, value, key, value, …]`.
    pub labels: Vec<Vec<String>>,
    pub reach: Vec<u8>,
    /// Milliseconds since the epoch.
    pub last_seen: Vec<Option<i64>>,
    /// An update the device is part of that has not finished on it.
    pub unfinished: Vec<Option<i64>>,
    /// Per target, per device: an index into `versions`, or -1 for none.
    pub configured: Vec<Vec<i32>>,
    pub deployed: Vec<Vec<i32>>,
    /// Per target, per device: [`TAKES`], [`CONFIGURED_OLDER`], [`DEPLOYED_OLDER`].
    pub flags: Vec<Vec<u8>>,
}

impl PlanDeviceColumns {
    pub(crate) fn new(plan: DevicePlan) -> Self {
        let DevicePlan { targets, devices } = plan;
        let n = devices.len();
        let mut columns = PlanDeviceColumns {
            versions: Vec::new(),
            reach_states: vec![
                Reachability::Unknown,
                Reachability::Reachable,
                Reachability::Unreachable,
                Reachability::IdentityMismatch,
            ],
            ids: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            labels: Vec::with_capacity(n),
            reach: Vec::with_capacity(n),
            last_seen: Vec::with_capacity(n),
            unfinished: Vec::with_capacity(n),
            configured: per_target(targets.len(), n),
            deployed: per_target(targets.len(), n),
            flags: per_target(targets.len(), n),
            targets: targets
                .iter()
                .map(|t| PlanTarget {
                    product: t.product.to_string(),
                    version: t.version.to_string(),
                })
                .collect(),
        };
        let mut interned: HashMap<Version, i32> = HashMap::new();
        for p in devices {
            let d = p.device;
            let state = d.reach.state();
            columns.reach.push(
                columns
                    .reach_states
                    .iter()
                    .position(|s| *s == state)
                    .and_then(|i| u8::try_from(i).ok())
                    .unwrap_or_default(),
            );
            columns.ids.push(d.id.0);
            columns
                .last_seen
                .push(d.reach.last_seen.map(|t| t.timestamp_millis()));
            columns.unfinished.push(p.unfinished.map(|u| u.0));
            columns
                .labels
                .push(d.labels.into_iter().flat_map(|(k, v)| [k, v]).collect());
            columns.names.push(d.name);
            for (t, chosen) in targets.iter().enumerate() {
                let mut intern = |v: Option<Version>| match v {
                    None => -1,
                    Some(v) => *interned.entry(v).or_insert_with_key(|v| {
                        columns.versions.push(v.to_string());
                        i32::try_from(columns.versions.len() - 1).unwrap_or(i32::MAX)
                    }),
                };
                let taken = p.targets.iter().find(|dt| dt.product == chosen.product);
                let (configured, deployed, flags) = match taken {
                    None => (-1, -1, 0),
                    Some(dt) => {
                        let lower = dt.previous.check_target(&dt.version).ok();
                        let mut flags = TAKES;
                        if matches!(lower, Some(Lower::Configured | Lower::Both)) {
                            flags |= CONFIGURED_OLDER;
                        }
                        if matches!(lower, Some(Lower::Deployed | Lower::Both)) {
                            flags |= DEPLOYED_OLDER;
                        }
                        (
                            intern(dt.previous.configured.clone()),
                            intern(dt.previous.deployed.clone()),
                            flags,
                        )
                    }
                };
                columns.configured[t].push(configured);
                columns.deployed[t].push(deployed);
                columns.flags[t].push(flags);
            }
        }
        columns
    }
}

fn per_target<T: Clone>(targets: usize, devices: usize) -> Vec<Vec<T>> {
    vec![Vec::with_capacity(devices); targets]
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rollwright::domain::{
        Device, DeviceId, DeviceTarget, ProductName, ProductVersions, Reach, Target, UpdateId,
    };
    use rollwright::store::PlanDevice;

    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn product(s: &str) -> ProductName {
        ProductName::parse("product", s).unwrap()
    }

    fn device(id: i64, name: &str, labels: &[(&str, &str)]) -> Device {
        Device {
            id: DeviceId(id),
            name: name.into(),
            agent_url: format!("http://127.0.0.1:9/{name}"),
            tls_fingerprint: None,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            admin_labels: Default::default(),
            products: Default::default(),
            reach: Reach::default(),
        }
    }

    fn takes(name: &str, version: &str, configured: Option<&str>, deployed: &str) -> DeviceTarget {
        DeviceTarget {
            product: product(name),
            version: v(version),
            previous: ProductVersions {
                configured: configured.map(v),
                deployed: Some(v(deployed)),
            },
        }
    }

    #[test]
    fn columns_say_each_version_once_and_mark_who_takes_what() {
        let seen = Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let mut reachable = device(7, "gw-1", &[("site", "berlin"), ("ring", "a")]);
        reachable.reach.last_seen = Some(seen);
        let plan = DevicePlan {
            targets: vec![
                Target {
                    product: product("acme-erp"),
                    version: v("2.4.0"),
                },
                Target {
                    product: product("edge-gateway"),
                    version: v("1.2.0"),
                },
            ],
            devices: vec![
                PlanDevice {
                    device: reachable,
                    targets: vec![
                        takes("acme-erp", "2.4.0", Some("2.4.0"), "2.3.0"),
                        takes("edge-gateway", "1.2.0", None, "1.1.0"),
                    ],
                    unfinished: Some(UpdateId(3)),
                },
                PlanDevice {
                    device: device(9, "gw-2", &[]),
                    targets: vec![takes("edge-gateway", "1.2.0", Some("1.1.0"), "1.1.0")],
                    unfinished: None,
                },
            ],
        };
        let c = PlanDeviceColumns::new(plan);
        assert_eq!(c.targets[1].product, "edge-gateway");
        assert_eq!(c.versions, ["2.4.0", "2.3.0", "1.1.0"]);
        assert_eq!(c.ids, [7, 9]);
        assert_eq!(c.names, ["gw-1", "gw-2"]);
        assert_eq!(c.labels, [vec!["ring", "a", "site", "berlin"], vec![]]);
        assert_eq!(
            [
                c.reach_states[usize::from(c.reach[0])],
                c.reach_states[usize::from(c.reach[1])]
            ],
            [Reachability::Reachable, Reachability::Unknown]
        );
        assert_eq!(c.last_seen, [Some(seen.timestamp_millis()), None]);
        assert_eq!(c.unfinished, [Some(3), None]);
        // acme-erp: gw-2 does not take it.
        assert_eq!(c.configured[0], [0, -1]);
        assert_eq!(c.deployed[0], [1, -1]);
        assert_eq!(c.flags[0], [TAKES | DEPLOYED_OLDER, 0]);
        // edge-gateway: both take it; gw-1 has no configuration, older than any.
        assert_eq!(c.configured[1], [-1, 2]);
        assert_eq!(c.deployed[1], [2, 2]);
        let both = TAKES | CONFIGURED_OLDER | DEPLOYED_OLDER;
        assert_eq!(c.flags[1], [both, both]);
    }
}
