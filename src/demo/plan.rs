//! The demo's fixed plan: its manifests, its devices per site with the
//! versions they run now, and the past updates that led there.

use std::collections::BTreeMap;

use rollwright_agent::fleet::spec::{DeviceSpec, FleetSpec, ProductSpec};
use rollwright_protocol::ModuleRef;

use crate::domain::Manifest;

use super::DemoError;

pub(super) const MANIFESTS: [&str; 12] = [
    include_str!("../../tests/fixtures/manifests/acme-erp-2.3.0.toml"),
    include_str!("../../tests/fixtures/manifests/acme-erp-2.4.0.toml"),
    include_str!("../../tests/fixtures/manifests/acme-erp-2.5.0-rc.1.toml"),
    include_str!("../../tests/fixtures/manifests/acme-erp-2.5.0.toml"),
    include_str!("../../tests/fixtures/manifests/edge-gateway-0.9.0.toml"),
    include_str!("../../tests/fixtures/manifests/edge-gateway-1.0.0.toml"),
    include_str!("../../tests/fixtures/manifests/edge-gateway-1.1.0.toml"),
    include_str!("../../tests/fixtures/manifests/edge-gateway-1.2.0.toml"),
    include_str!("../../tests/fixtures/manifests/vision-inspector-1.8.2.toml"),
    include_str!("../../tests/fixtures/manifests/vision-inspector-1.9.0.toml"),
    include_str!("../../tests/fixtures/manifests/vision-inspector-2.0.0.toml"),
    include_str!("../../tests/fixtures/manifests/vision-inspector-2.0.1.toml"),
];

pub(super) const SITES: [&str; 4] = ["berlin", "munich", "hamburg", "vienna"];
pub(super) const SERVERS_PER_SITE: usize = 5;
pub(super) const EDGES_PER_SITE: usize = 10;

/// One device of the plan, with the versions it runs *now* (after history).
#[derive(Debug, Clone)]
pub(super) struct Planned {
    /// The fleet's id, `dev-NNNNN`, which is its index in the fleet.
    pub(super) fleet_id: String,
    pub(super) name: String,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) products: BTreeMap<&'static str, &'static str>,
}

/// The demo fleet: per site five servers (acme-erp) and ten edge boxes
/// (edge-gateway, every other one also vision-inspector), versions mixed so
/// that every product has devices to update.
pub(super) fn plan() -> Vec<Planned> {
    let mut out = Vec::new();
    for site in SITES {
        for k in 0..SERVERS_PER_SITE + EDGES_PER_SITE {
            let n = out.len();
            let server = k < SERVERS_PER_SITE;
            let (role, name) = if server {
                ("server", format!("{site}-srv-{:02}", k + 1))
            } else {
                (
                    "edge",
                    format!("{site}-edge-{:02}", k - SERVERS_PER_SITE + 1),
                )
            };
            let labels = BTreeMap::from([
                ("site".to_owned(), site.to_owned()),
                ("role".to_owned(), role.to_owned()),
                ("group".to_owned(), format!("line-{}", k % 3 + 1)),
            ]);
            let mut products = BTreeMap::new();
            if server {
                products.insert("acme-erp", if k % 3 == 0 { "2.3.0" } else { "2.4.0" });
            } else {
                let gw = ["1.0.0", "1.1.0", "1.1.0", "0.9.0"][k % 4];
                products.insert("edge-gateway", gw);
                if k % 2 == 0 {
                    let vi = ["1.9.0", "2.0.0", "1.8.2"][(k / 2) % 3];
                    products.insert("vision-inspector", vi);
                }
            }
            out.push(Planned {
                fleet_id: rollwright_agent::fleet::spec::device_id(n),
                name,
                labels,
                products,
            });
        }
    }
    out
}

/// How a device's part of a past update ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    Succeeded,
    Error,
    Cancelled,
}

/// A finished update of the history: devices of `site` (and `role`) running
/// `product`. Those now at `to` succeeded; those still at `from` ended as
/// `stuck` says, in order (the rest were not part of it).
pub(super) struct Past {
    pub(super) title: &'static str,
    pub(super) product: &'static str,
    pub(super) from: &'static str,
    pub(super) to: &'static str,
    pub(super) site: &'static str,
    pub(super) days_ago: i64,
    /// How the devices still at `from` ended, so the history shows a clean
    /// rollout, a failed one and one with a cancellation.
    pub(super) stuck: &'static [Ending],
}

pub(super) const HISTORY: [Past; 3] = [
    Past {
        title: "Edge gateway 1.1 for Berlin",
        product: "edge-gateway",
        from: "1.0.0",
        to: "1.1.0",
        site: "berlin",
        stuck: &[],
        days_ago: 20,
    },
    Past {
        title: "Vision inspector 2.0 in Munich",
        product: "vision-inspector",
        from: "1.9.0",
        to: "2.0.0",
        site: "munich",
        stuck: &[Ending::Error, Ending::Cancelled],
        days_ago: 12,
    },
    Past {
        title: "ERP 2.4 for Hamburg",
        product: "acme-erp",
        from: "2.3.0",
        to: "2.4.0",
        site: "hamburg",
        stuck: &[Ending::Cancelled],
        days_ago: 5,
    },
];

/// The devices of a past update (indices into the plan) and how each ended.
pub(super) fn members(past: &Past, plan: &[Planned]) -> Vec<(usize, Ending)> {
    let mut stuck = 0;
    let mut out = Vec::new();
    for (i, d) in plan.iter().enumerate() {
        if d.labels["site"] != past.site {
            continue;
        }
        match d.products.get(past.product) {
            Some(v) if *v == past.to => out.push((i, Ending::Succeeded)),
            Some(v) if *v == past.from && stuck < past.stuck.len() => {
                out.push((i, past.stuck[stuck]));
                stuck += 1;
            }
            _ => {}
        }
    }
    out
}

pub(super) fn manifests() -> Result<Vec<Manifest>, DemoError> {
    Ok(MANIFESTS
        .iter()
        .map(|t| Manifest::parse(t))
        .collect::<Result<_, _>>()?)
}

/// The fleet's initial inventory: the plan's current versions with the
/// modules their manifests list.
pub(super) fn fleet_spec(plan: &[Planned], manifests: &[Manifest]) -> FleetSpec {
    let modules = |product: &str, version: &str| -> Vec<ModuleRef> {
        manifests
            .iter()
            .find(|m| m.product.as_str() == product && m.version.to_string() == version)
            .map(|m| {
                m.modules
                    .iter()
                    .map(|x| ModuleRef {
                        name: x.name.clone(),
                        version: x.version.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    FleetSpec {
        devices: plan
            .iter()
            .map(|d| DeviceSpec {
                name: Some(d.name.clone()),
                labels: d.labels.clone(),
                products: d
                    .products
                    .iter()
                    .map(|(p, v)| {
                        (
                            (*p).to_owned(),
                            ProductSpec {
                                version: (*v).to_owned(),
                                modules: modules(p, v),
                            },
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}
