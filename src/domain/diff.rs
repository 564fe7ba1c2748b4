//! Module diff between two versions of a product: what an update adds, removes
//! and changes. Pure; the order is by module name so output is stable.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Module;

/// One difference between an old and a new module set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ModuleChange {
    Added(Module),
    Removed(Module),
    /// Same name, anything else different (version, artifact or checksum).
    Modified {
        from: Module,
        to: Module,
    },
}

impl ModuleChange {
    pub fn name(&self) -> &str {
        match self {
            ModuleChange::Added(m) | ModuleChange::Removed(m) => &m.name,
            ModuleChange::Modified { to, .. } => &to.name,
        }
    }
}

/// The changes that turn `old` into `new`, sorted by module name.
/// Module names are unique within each side (a validated manifest guarantees it).
pub fn diff_modules(old: &[Module], new: &[Module]) -> Vec<ModuleChange> {
    let old: BTreeMap<&str, &Module> = old.iter().map(|m| (m.name.as_str(), m)).collect();
    let new: BTreeMap<&str, &Module> = new.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut names: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| match (old.get(name), new.get(name)) {
            (Some(o), Some(n)) if o == n => None,
            (Some(o), Some(n)) => Some(ModuleChange::Modified {
                from: (*o).clone(),
                to: (*n).clone(),
            }),
            (None, Some(n)) => Some(ModuleChange::Added((*n).clone())),
            (Some(o), None) => Some(ModuleChange::Removed((*o).clone())),
            (None, None) => None,
        })
        .collect()
}

/// Applies a diff to a module set; the result is sorted by name. Used to check
/// the diff (and by agents-to-be that patch rather than replace).
pub fn apply_diff(old: &[Module], diff: &[ModuleChange]) -> Vec<Module> {
    let mut set: BTreeMap<String, Module> =
        old.iter().map(|m| (m.name.clone(), m.clone())).collect();
    for change in diff {
        match change {
            ModuleChange::Added(m) | ModuleChange::Modified { to: m, .. } => {
                set.insert(m.name.clone(), m.clone());
            }
            ModuleChange::Removed(m) => {
                set.remove(&m.name);
            }
        }
    }
    set.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(name: &str, version: &str) -> Module {
        Module {
            name: name.into(),
            version: version.into(),
            artifact: format!("https://a.example/{name}-{version}.tgz"),
            sha256: "0".repeat(64),
        }
    }

    #[test]
    fn diff_lists_added_removed_and_modified_by_name() {
        let old = [m("web", "1"), m("core", "1"), m("legacy", "1")];
        let new = [m("core", "2"), m("web", "1"), m("api", "1")];
        let d = diff_modules(&old, &new);
        assert_eq!(
            d,
            vec![
                ModuleChange::Added(m("api", "1")),
                ModuleChange::Modified {
                    from: m("core", "1"),
                    to: m("core", "2")
                },
                ModuleChange::Removed(m("legacy", "1")),
            ]
        );
    }

    #[test]
    fn a_changed_checksum_alone_is_a_modification() {
        let mut changed = m("core", "1");
        changed.sha256 = "1".repeat(64);
        let d = diff_modules(&[m("core", "1")], &[changed]);
        assert!(matches!(d.as_slice(), [ModuleChange::Modified { .. }]));
    }

    fn module_set() -> impl Strategy<Value = Vec<Module>> {
        // Few names and versions, so sets overlap and all three changes occur.
        proptest::collection::btree_map("[a-e]", "[1-3]", 0..6).prop_map(|map| {
            map.into_iter()
                .map(|(name, version)| m(&name, &version))
                .collect()
        })
    }

    fn sorted(mut v: Vec<Module>) -> Vec<Module> {
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    proptest! {
        #[test]
        fn applying_the_diff_to_the_old_set_gives_the_new(old in module_set(), new in module_set()) {
            let d = diff_modules(&old, &new);
            prop_assert_eq!(apply_diff(&old, &d), sorted(new));
        }

        #[test]
        fn the_diff_of_a_set_with_itself_is_empty(set in module_set()) {
            prop_assert!(diff_modules(&set, &set).is_empty());
        }

        #[test]
        fn the_diff_is_sorted_by_name(old in module_set(), new in module_set()) {
            let d = diff_modules(&old, &new);
            let names: Vec<&str> = d.iter().map(|c| c.name()).collect();
            let mut expected = names.clone();
            expected.sort_unstable();
            prop_assert_eq!(names, expected);
        }
    }
}
