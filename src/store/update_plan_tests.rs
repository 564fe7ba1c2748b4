//! What planning an update reads: offered versions, the devices targets
//! apply to, a dry run that writes nothing, and module changes per device.

use super::behaviour_tests::{add_device, admin, count, request, seeded, t, v};
use crate::domain::{
    DeployOption, NewTarget, NewUpdate, PendingChange, ProductName, UpdateId, ValidationError,
};
use crate::store::StoreError;

fn targets(list: &[(&str, &str)]) -> Vec<NewTarget> {
    list.iter().map(|(p, v)| NewTarget::new(*p, *v)).collect()
}

#[test]
fn only_versions_some_device_is_below_are_offered_with_what_runs_now() {
    let (_dir, store, _) = seeded();
    add_device(&store, "lyon-01", "lyon", "2.4.0");
    let choices = store.update_choices().unwrap();
    assert_eq!(choices.len(), 1);
    let erp = &choices[0];
    let offered: Vec<(String, usize)> = erp
        .versions
        .iter()
        .map(|c| (c.version.to_string(), c.eligible))
        .collect();
    assert_eq!(
        offered,
        [("2.4.0".to_owned(), 3)],
        "2.3.0 is nobody's upgrade"
    );
    assert_eq!(erp.running, [(Some(v("2.4.0")), 1), (Some(v("2.3.0")), 3)]);
}

#[test]
fn plan_devices_lists_who_takes_which_target_and_who_is_busy_elsewhere() {
    let (_dir, store, ids) = seeded();
    add_device(&store, "lyon-01", "lyon", "2.4.0");
    let (busy, _) = store
        .create_update(&admin(), request(&ids[..1]), t(1))
        .unwrap();
    let plan = store
        .plan_devices(&targets(&[("acme-erp", "2.4.0")]))
        .unwrap();
    assert_eq!(plan.targets[0].to_string(), "acme-erp 2.4.0");
    let devices = plan.devices;
    let names: Vec<&str> = devices.iter().map(|d| d.device.name.as_str()).collect();
    assert_eq!(
        names,
        ["berlin-01", "berlin-02", "paris-01"],
        "lyon-01 is at 2.4.0"
    );
    assert_eq!(devices[0].unfinished, Some(busy.id));
    assert_eq!(devices[1].unfinished, None::<UpdateId>);
    assert_eq!(devices[2].targets[0].previous.deployed, Some(v("2.3.0")));

    let e = store
        .plan_devices(&targets(&[("acme-erp", "9.9.9")]))
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(ValidationError { field, .. }) if field == "targets[0].version"),
        "{e}"
    );
}

#[test]
fn checking_a_plan_refuses_as_create_would_and_writes_nothing() {
    let (_dir, store, ids) = seeded();
    let before = count(&store, "updates") + count(&store, "audit_log");
    let valid = store.check_update(request(&ids), t(1)).unwrap();
    assert_eq!(valid.devices.len(), 3);
    let bad = NewUpdate {
        window_to: t(2),
        ..request(&ids)
    };
    let e = store.check_update(bad.clone(), t(1)).unwrap_err();
    let e2 = store.create_update(&admin(), bad, t(1)).unwrap_err();
    assert_eq!(e.to_string(), e2.to_string());
    assert_eq!(
        count(&store, "updates") + count(&store, "audit_log"),
        before + 1,
        "only the refused create is on record"
    );
}

#[test]
fn pending_changes_start_from_what_each_device_runs_and_share_sets() {
    let (_dir, store, ids) = seeded();
    // Runs a version the catalog does not hold and reported no modules:
    // every module of the target is added.
    let stray = add_device(&store, "paris-02", "paris", "2.2.0");
    let mut all = ids.clone();
    all.push(stray);
    let req = NewUpdate {
        devices: all.iter().map(|d| (*d, DeployOption::Now)).collect(),
        ..request(&ids)
    };
    let valid = store.check_update(req, t(1)).unwrap();
    let sets = store.pending_changes(&valid).unwrap();
    assert_eq!(sets.sets.len(), 2);
    let common = &sets.sets[0][0];
    assert_eq!(common.product, ProductName::parse("p", "acme-erp").unwrap());
    assert_eq!(common.from, Some(v("2.3.0")));
    let modified: Vec<&str> = common
        .changes
        .iter()
        .map(|c| match c {
            PendingChange::Modified { module, .. } => module.as_str(),
            other => panic!("only modules change version from 2.3.0: {other:?}"),
        })
        .collect();
    assert_eq!(modified, ["db-migrations", "erp-core", "erp-web"]);
    assert!(sets.sets[1][0]
        .changes
        .iter()
        .all(|c| matches!(c, PendingChange::Added { .. })));
    assert_eq!(sets.sets[1][0].changes.len(), 5);
    let set_of: Vec<usize> = sets.devices.iter().map(|(_, s)| *s).collect();
    assert_eq!(set_of, [0, 0, 0, 1]);
}
