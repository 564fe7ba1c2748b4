//! What an update will change on a device: per target, the module
//! operations from what the device *runs* (its agent's last report, else the
//! modules of the version it runs) to the target version's modules. Devices
//! with the same changes share one change set, so a thousand identical
//! devices read as one group.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::{DeviceId, Module, ModuleRef, ProductName, Version};

/// One module operation, by module name and version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PendingChange {
    Added {
        module: String,
        version: String,
    },
    Removed {
        module: String,
        version: String,
    },
    Modified {
        module: String,
        from: String,
        to: String,
    },
}

/// The operations turning the modules a device runs into `target`'s, by
/// module name.
pub fn pending_changes(running: &[ModuleRef], target: &[Module]) -> Vec<PendingChange> {
    let old: BTreeMap<&str, &str> = running
        .iter()
        .map(|m| (m.name.as_str(), m.version.as_str()))
        .collect();
    let new: BTreeMap<&str, &str> = target
        .iter()
        .map(|m| (m.name.as_str(), m.version.as_str()))
        .collect();
    let mut out = Vec::new();
    for (&module, &version) in &new {
        match old.get(module) {
            None => out.push(PendingChange::Added {
                module: module.to_owned(),
                version: version.to_owned(),
            }),
            Some(&from) if from != version => out.push(PendingChange::Modified {
                module: module.to_owned(),
                from: from.to_owned(),
                to: version.to_owned(),
            }),
            Some(_) => {}
        }
    }
    for (&module, &version) in &old {
        if !new.contains_key(module) {
            out.push(PendingChange::Removed {
                module: module.to_owned(),
                version: version.to_owned(),
            });
        }
    }
    out.sort_by(|a, b| module_of(a).cmp(module_of(b)));
    out
}

fn module_of(c: &PendingChange) -> &str {
    match c {
        PendingChange::Added { module, .. }
        | PendingChange::Removed { module, .. }
        | PendingChange::Modified { module, .. } => module,
    }
}

/// A target's changes on a device: the product, the version it has now and
/// the one it gets, and the module operations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ProductChanges {
    pub product: ProductName,
    pub from: Option<Version>,
    pub to: Version,
    pub changes: Vec<PendingChange>,
}

/// Every device's changes, each distinct set once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeSets {
    /// The distinct sets, the most shared first.
    pub sets: Vec<Vec<ProductChanges>>,
    /// Per device (in the order given), the index of its set.
    pub devices: Vec<(DeviceId, usize)>,
}

impl ChangeSets {
    pub fn of(per_device: Vec<(DeviceId, Vec<ProductChanges>)>) -> ChangeSets {
        let mut index: HashMap<Vec<ProductChanges>, usize> = HashMap::new();
        let mut sets: Vec<(Vec<ProductChanges>, usize)> = Vec::new();
        let mut devices = Vec::with_capacity(per_device.len());
        for (device, changes) in per_device {
            let i = *index.entry(changes.clone()).or_insert_with(|| {
                sets.push((changes, 0));
                sets.len() - 1
            });
            sets[i].1 += 1;
            devices.push((device, i));
        }
        // Most shared first; the renumbering keeps each device on its set.
        let mut order: Vec<usize> = (0..sets.len()).collect();
        order.sort_by(|&a, &b| sets[b].1.cmp(&sets[a].1).then(a.cmp(&b)));
        let mut renumber = vec![0; sets.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old] = new;
        }
        let mut taken: Vec<Option<Vec<ProductChanges>>> =
            sets.into_iter().map(|(s, _)| Some(s)).collect();
        ChangeSets {
            sets: order
                .iter()
                .map(|&old| taken[old].take().expect("each set once"))
                .collect(),
            devices: devices.into_iter().map(|(d, i)| (d, renumber[i])).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(mods: &[(&str, &str)]) -> Vec<ModuleRef> {
        mods.iter()
            .map(|(n, v)| ModuleRef {
                name: (*n).into(),
                version: (*v).into(),
            })
            .collect()
    }

    fn target(mods: &[(&str, &str)]) -> Vec<Module> {
        mods.iter()
            .map(|(n, v)| Module {
                name: (*n).into(),
                version: (*v).into(),
                artifact: format!("file:///{n}"),
                sha256: "0".repeat(64),
            })
            .collect()
    }

    #[test]
    fn changes_are_added_removed_or_modified_by_module_name_in_name_order() {
        let got = pending_changes(
            &running(&[("core", "2.3.0"), ("legacy", "1.0"), ("ui", "2.3.0")]),
            &target(&[("core", "2.4.0"), ("reports", "1.0"), ("ui", "2.3.0")]),
        );
        assert_eq!(
            got,
            [
                PendingChange::Modified {
                    module: "core".into(),
                    from: "2.3.0".into(),
                    to: "2.4.0".into()
                },
                PendingChange::Removed {
                    module: "legacy".into(),
                    version: "1.0".into()
                },
                PendingChange::Added {
                    module: "reports".into(),
                    version: "1.0".into()
                },
            ]
        );
        assert!(pending_changes(&running(&[("a", "1")]), &target(&[("a", "1")])).is_empty());
    }

    #[test]
    fn devices_with_the_same_changes_share_a_set_and_the_largest_comes_first() {
        let p = ProductName::parse("p", "acme-erp").unwrap();
        let set = |from: &str| {
            vec![ProductChanges {
                product: p.clone(),
                from: Some(Version::parse(from).unwrap()),
                to: Version::parse("2.4.0").unwrap(),
                changes: vec![],
            }]
        };
        let sets = ChangeSets::of(vec![
            (DeviceId(1), set("2.2.0")),
            (DeviceId(2), set("2.3.0")),
            (DeviceId(3), set("2.3.0")),
        ]);
        assert_eq!(sets.sets.len(), 2);
        assert_eq!(sets.sets[0], set("2.3.0"));
        assert_eq!(
            sets.devices,
            [(DeviceId(1), 1), (DeviceId(2), 0), (DeviceId(3), 0)]
        );
    }
}
