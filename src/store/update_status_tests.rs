//! The status screen's reads on a real SQLite file: the status filter in SQL
//! agrees with the domain's rule, text and product filters, paging, and the
//! deployment overview's device names, sites and log counts.

use super::behaviour_tests::{admin, request, seeded, t};
use super::*;
use crate::domain::{
    DeployOption, DeviceUpdate, DeviceUpdateStatus as S, LogEntry, LogLevel, LogSource, UpdateId,
    UpdateStatus,
};

/// Creates an update of one device titled `title` and walks its device
/// update through `path`.
fn update_through(
    store: &Store,
    device: crate::domain::DeviceId,
    title: &str,
    option: DeployOption,
    path: &[S],
) -> (UpdateId, DeviceUpdate) {
    let mut req = request(&[device]);
    req.title = title.into();
    req.devices[0].1 = option;
    let (update, dus) = store.create_update(&admin(), req, t(1)).unwrap();
    let changes: Vec<DeviceUpdateChange> = path
        .iter()
        .map(|&to| DeviceUpdateChange::Transition {
            id: dus[0].id.clone(),
            to,
            at: t(3),
        })
        .collect();
    store.apply(&changes).unwrap();
    (update.id, dus[0].clone())
}

/// One update in each derived status, plus a config-only one that is done
/// once configured.
fn one_of_each(
    store: &Store,
    devices: &[crate::domain::DeviceId],
) -> Vec<(UpdateId, UpdateStatus)> {
    use UpdateStatus as U;
    let now = DeployOption::Now;
    // Versions change only on success (or configured, for config-only):
    // those two get a device each.
    let (d, d1, d2) = (devices[0], devices[1], devices[2]);
    let through =
        |device, title, option, path: &[S]| update_through(store, device, title, option, path).0;
    vec![
        (through(d, "Waiting", now, &[]), U::Scheduled),
        (through(d, "Under way", now, &[S::Configuring]), U::Running),
        (
            through(d, "Broken", now, &[S::Configuring, S::Error]),
            U::Failed,
        ),
        (
            through(d, "Called off", now, &[S::Cancelling, S::Cancelled]),
            U::Cancelled,
        ),
        (
            through(
                d1,
                "Done",
                now,
                &[S::Configuring, S::Configured, S::Deploying, S::Succeeded],
            ),
            U::Succeeded,
        ),
        (
            through(
                d2,
                "Configured only",
                DeployOption::ConfigOnly,
                &[S::Configuring, S::Configured],
            ),
            U::Succeeded,
        ),
    ]
}

fn ids_of(page: &UpdatesPage) -> Vec<UpdateId> {
    page.updates.iter().map(|l| l.update.id).collect()
}

#[test]
fn the_status_filter_in_sql_agrees_with_the_domain_rule_for_every_status() {
    let (_dir, store, devices) = seeded();
    let made = one_of_each(&store, &devices);
    let all = store
        .updates_page(&UpdateFilter::default(), 0, 100)
        .unwrap();
    for listing in &all.updates {
        let expected = made
            .iter()
            .find(|(id, _)| *id == listing.update.id)
            .unwrap()
            .1;
        assert_eq!(listing.summary.status, expected, "{}", listing.update.title);
    }
    for status in [
        UpdateStatus::Scheduled,
        UpdateStatus::Running,
        UpdateStatus::Succeeded,
        UpdateStatus::Failed,
        UpdateStatus::Cancelled,
    ] {
        let filter = UpdateFilter {
            status: Some(status),
            ..UpdateFilter::default()
        };
        let page = store.updates_page(&filter, 0, 100).unwrap();
        let mut expected: Vec<UpdateId> = all
            .updates
            .iter()
            .filter(|l| l.summary.status == status)
            .map(|l| l.update.id)
            .collect();
        expected.sort();
        let mut found = ids_of(&page);
        found.sort();
        assert!(!expected.is_empty(), "the fixture has a {status:?} update");
        assert_eq!(found, expected, "{status:?}");
        assert_eq!(page.total, expected.len() as u64);
    }
}

#[test]
fn text_and_product_filters_match_parts_and_wildcards_are_literal() {
    let (_dir, store, devices) = seeded();
    one_of_each(&store, &devices);
    let by = |text: Option<&str>, product: Option<&str>| {
        let filter = UpdateFilter {
            text: text.map(Into::into),
            product: product.map(Into::into),
            ..UpdateFilter::default()
        };
        let page = store.updates_page(&filter, 0, 100).unwrap();
        page.updates
            .iter()
            .map(|l| l.update.title.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(by(Some("way"), None), ["Under way"]);
    assert_eq!(by(Some(" DONE "), None), ["Done"], "trimmed, any case");
    assert_eq!(
        by(Some("%"), None),
        Vec::<String>::new(),
        "% is a character"
    );
    assert_eq!(by(None, Some("erp")).len(), 6);
    assert!(by(None, Some("gateway")).is_empty());
    assert_eq!(
        by(Some("admin"), None).len(),
        6,
        "who created it matches too"
    );
}

#[test]
fn pages_come_newest_first_with_the_total_of_all_matches() {
    let (_dir, store, devices) = seeded();
    one_of_each(&store, &devices);
    let first = store.updates_page(&UpdateFilter::default(), 0, 4).unwrap();
    let second = store.updates_page(&UpdateFilter::default(), 4, 4).unwrap();
    assert_eq!((first.total, second.total), (6, 6));
    assert_eq!((first.updates.len(), second.updates.len()), (4, 2));
    let ids: Vec<UpdateId> = ids_of(&first).into_iter().chain(ids_of(&second)).collect();
    let mut newest_first = ids.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first, "same creation time: the newer id first");
}

#[test]
fn a_listing_has_its_actual_start_and_the_versions_its_devices_ran_before() {
    let (_dir, store, devices) = seeded();
    let (id, _) = update_through(
        &store,
        devices[0],
        "Started",
        DeployOption::Now,
        &[S::Configuring],
    );
    let page = store.updates_page(&UpdateFilter::default(), 0, 10).unwrap();
    let listing = page.updates.iter().find(|l| l.update.id == id).unwrap();
    assert_eq!(listing.actual_start, Some(t(3)));
    let from: Vec<String> = listing
        .from
        .values()
        .flatten()
        .map(|v| v.to_string())
        .collect();
    assert_eq!(from, ["2.3.0"]);
    let (waiting, _) = update_through(&store, devices[1], "Waiting", DeployOption::Now, &[]);
    let page = store.updates_page(&UpdateFilter::default(), 0, 10).unwrap();
    let listing = page
        .updates
        .iter()
        .find(|l| l.update.id == waiting)
        .unwrap();
    assert_eq!(listing.actual_start, None);
}

#[test]
fn the_deployment_overview_names_each_device_its_site_and_its_log_length() {
    let (_dir, store, devices) = seeded();
    let (update, dus) = store
        .create_update(&admin(), request(&devices), t(1))
        .unwrap();
    let failing = dus.iter().find(|du| du.device == devices[2]).unwrap();
    let entry = LogEntry {
        at: t(3),
        level: LogLevel::Error,
        code: "DEPLOY_FAILED".into(),
        message: "deploy failed".into(),
        detail: Some("step: deploy".into()),
        source: LogSource::Rollwright,
    };
    store
        .apply(&[
            DeviceUpdateChange::Transition {
                id: failing.id.clone(),
                to: S::Configuring,
                at: t(3),
            },
            DeviceUpdateChange::Transition {
                id: failing.id.clone(),
                to: S::Error,
                at: t(3),
            },
            DeviceUpdateChange::Log {
                id: failing.id.clone(),
                entry: entry.clone(),
            },
            DeviceUpdateChange::Log {
                id: failing.id.clone(),
                entry,
            },
        ])
        .unwrap();
    let all = store.device_update_listings(update.id, None).unwrap();
    let named: Vec<(&str, Option<&str>, u32)> = all
        .iter()
        .map(|l| (l.device.as_str(), l.site.as_deref(), l.log_entries))
        .collect();
    assert_eq!(
        named,
        [
            ("berlin-01", Some("berlin"), 0),
            ("berlin-02", Some("berlin"), 0),
            ("paris-01", Some("paris"), 2)
        ]
    );
    let failed = store
        .device_update_listings(update.id, Some(S::Error))
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].device, "paris-01");
    assert!(store
        .device_update_listings(update.id, Some(S::Succeeded))
        .unwrap()
        .is_empty());
}

#[test]
fn a_page_past_the_end_is_empty_and_still_counts_every_match() {
    let (_dir, store, devices) = seeded();
    one_of_each(&store, &devices);
    let past = store
        .updates_page(&UpdateFilter::default(), 40, 10)
        .unwrap();
    assert!(past.updates.is_empty());
    assert_eq!(past.total, 6);
}
