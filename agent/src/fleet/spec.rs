//! The initial fleet: from a spec file (JSON, documented in
//! `docs/agent-protocol.md`), or generated deterministically from the seed.

use std::collections::BTreeMap;

use rollwright_protocol::ModuleRef;
use serde::Deserialize;

use super::faults::mix;
use crate::device::{Deployed, DeviceState, Product};

/// `--spec FILE`: device templates, used in turn for devices 0, 1, 2, …
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetSpec {
    pub devices: Vec<DeviceSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSpec {
    /// Defaults to the device id; `{n}` is replaced by the device number.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Deployed versions per product.
    #[serde(default)]
    pub products: BTreeMap<String, ProductSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSpec {
    pub version: String,
    #[serde(default)]
    pub modules: Vec<ModuleRef>,
}

/// One simulated device as it starts.
pub struct Initial {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub state: DeviceState,
}

pub fn device_id(n: usize) -> String {
    format!("dev-{n:05}")
}

impl FleetSpec {
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let spec: Self = serde_json::from_str(text)?;
        anyhow::ensure!(!spec.devices.is_empty(), "spec: devices must not be empty");
        for d in &spec.devices {
            rollwright_protocol::validate::labels(
                "labels",
                d.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )?;
            for (p, ps) in &d.products {
                rollwright_protocol::validate::name("products", p)?;
                rollwright_protocol::validate::version("products.version", &ps.version)?;
            }
        }
        Ok(spec)
    }

    pub fn device(&self, n: usize) -> Initial {
        let t = &self.devices[n % self.devices.len()];
        let id = device_id(n);
        let name = t
            .name
            .as_ref()
            .map_or(id.clone(), |s| s.replace("{n}", &format!("{n:05}")));
        let mut state = DeviceState::default();
        for (p, ps) in &t.products {
            state
                .products
                .insert(p.clone(), deployed(&ps.version, ps.modules.clone()));
        }
        Initial {
            id,
            name,
            labels: t.labels.clone(),
            state,
        }
    }
}

fn deployed(version: &str, modules: Vec<ModuleRef>) -> Product {
    Product {
        configured: None,
        deployed: Some(Deployed {
            version: version.into(),
            modules,
        }),
        busy: None,
    }
}

fn module(name: &str, version: &str) -> ModuleRef {
    ModuleRef {
        name: name.into(),
        version: version.into(),
    }
}

/// A plausible device derived from `seed` and its number only.
pub fn generate(seed: u64, n: usize) -> Initial {
    const SITES: [&str; 4] = ["berlin", "lyon", "austin", "osaka"];
    const KINDS: [&str; 3] = ["server", "abap", "edge"];
    let h = mix(seed ^ mix(n as u64 + 1));
    let id = device_id(n);
    let site = SITES[(h % 4) as usize];
    let kind = KINDS[(mix(h ^ 1) % 3) as usize];
    let group = match mix(h ^ 2) % 10 {
        0 => "canary",
        1..=4 => "wave-1",
        _ => "wave-2",
    };
    let labels = BTreeMap::from([
        ("site".to_string(), site.to_string()),
        ("group".to_string(), group.to_string()),
        ("kind".to_string(), kind.to_string()),
    ]);
    let mut state = DeviceState::default();
    let erp = if mix(h ^ 3).is_multiple_of(4) {
        "2.3.0"
    } else {
        "2.4.0"
    };
    state.products.insert(
        "acme-erp".into(),
        deployed(
            erp,
            vec![
                module("erp-core", erp),
                module("erp-db-schema", erp),
                module("erp-web", erp),
            ],
        ),
    );
    if kind == "edge" || mix(h ^ 4).is_multiple_of(3) {
        let vi = if mix(h ^ 5).is_multiple_of(2) {
            "1.0.0"
        } else {
            "1.1.0"
        };
        state.products.insert(
            "vision-inspector".into(),
            deployed(
                vi,
                vec![module("ocr-engine", "3.1.0"), module("camera-driver", vi)],
            ),
        );
    }
    Initial {
        name: format!("{site}-{kind}-{n:05}"),
        id,
        labels,
        state,
    }
}
