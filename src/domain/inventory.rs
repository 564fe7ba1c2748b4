//! Inventory: what a device's agent reports it is configured with and runs,
//! the landscape's truth; and how the device answered when last asked. An
//! agent's answer is input like any other, checked before it is believed.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use rollwright_protocol::validate;
pub use rollwright_protocol::{DeviceInfo, ModuleRef};

use super::device::{Labels, ProductVersions};
use super::version::parse_version;
use super::{DeviceId, ProductName, ValidationError};

/// A device's answer to `GET /v1/device`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// The identity the agent reports; a device adopts it at first contact.
    pub agent_id: String,
    pub labels: Labels,
    pub products: BTreeMap<ProductName, ProductInventory>,
}

/// One product as a device reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductInventory {
    pub versions: ProductVersions,
    /// Modules of the deployed version.
    pub modules: Vec<ModuleRef>,
}

impl Inventory {
    /// Checks an agent's answer by the protocol's rules; the error names the
    /// field of the answer that broke one.
    pub fn from_wire(info: DeviceInfo) -> Result<Inventory, ValidationError> {
        let id = info.id.trim();
        if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "id",
                "the agent must report an identity of 1 to 128 printable characters",
            ));
        }
        validate::labels(
            "labels",
            info.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let mut products = BTreeMap::new();
        for (name, state) in info.products {
            // Field names are written only for an error: a sync checks
            // thousands of answers a second.
            let field = |f: &str| format!("products.{name}.{f}");
            let product = ProductName::parse("products", &name)?;
            let version = |f: &str, v: Option<String>| {
                v.map(|v| parse_version(f, &v).map_err(|e| renamed(e, field(f))))
                    .transpose()
            };
            let versions = ProductVersions {
                configured: version("configured_version", state.configured_version)?,
                deployed: version("deployed_version", state.deployed_version)?,
            };
            if state.deployed_modules.len() > validate::MAX_MODULES {
                return Err(ValidationError::new(
                    field("deployed_modules"),
                    format!(
                        "must list at most {} modules (got {})",
                        validate::MAX_MODULES,
                        state.deployed_modules.len()
                    ),
                ));
            }
            for (i, m) in state.deployed_modules.iter().enumerate() {
                let at = |f: &str| format!("{}[{i}].{f}", field("deployed_modules"));
                validate::name("name", &m.name).map_err(|e| renamed(e.into(), at("name")))?;
                validate::module_version("version", &m.version)
                    .map_err(|e| renamed(e.into(), at("version")))?;
            }
            products.insert(
                product,
                ProductInventory {
                    versions,
                    modules: state.deployed_modules,
                },
            );
        }
        Ok(Inventory {
            agent_id: id.to_owned(),
            labels: info.labels,
            products,
        })
    }
}

fn renamed(e: ValidationError, field: String) -> ValidationError {
    ValidationError { field, ..e }
}

/// One device asked once: what it answered, or why it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResult {
    pub device: DeviceId,
    pub at: DateTime<Utc>,
    /// Time to the answer, or to the failure.
    pub latency_ms: u32,
    pub outcome: SyncOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    Reached(Inventory),
    /// Unreachable, refused, timed out or answered nonsense; the text says
    /// which, for the admin.
    Failed(String),
}

/// How a device answered when last asked, as the store keeps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// The last time it was asked.
    pub last_sync: Option<DateTime<Utc>>,
    /// The last time it answered with an inventory that was believed.
    pub last_seen: Option<DateTime<Utc>>,
    pub latency_ms: Option<u32>,
    /// Why the last ask failed; `None` after a good answer.
    pub last_error: Option<String>,
    /// The identity adopted at first contact.
    pub agent_id: Option<String>,
    /// Set while the agent at the device's address reports an identity other
    /// than the adopted one: a replaced box or a wrong address. The device's
    /// versions are then left as they were.
    pub reported_id: Option<String>,
}

/// A device's reachability in one word, for lists and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// Never asked yet.
    Unknown,
    Reachable,
    Unreachable,
    /// Answers, but as another device.
    IdentityMismatch,
}

impl Reachability {
    pub fn as_str(self) -> &'static str {
        match self {
            Reachability::Unknown => "unknown",
            Reachability::Reachable => "reachable",
            Reachability::Unreachable => "unreachable",
            Reachability::IdentityMismatch => "identity_mismatch",
        }
    }

    pub fn parse(field: &str, s: &str) -> Result<Reachability, ValidationError> {
        [
            Reachability::Unknown,
            Reachability::Reachable,
            Reachability::Unreachable,
            Reachability::IdentityMismatch,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| {
            ValidationError::new(
                field,
                format!("must be unknown, reachable, unreachable or identity_mismatch (got {s:?})"),
            )
        })
    }
}

impl Reach {
    pub fn state(&self) -> Reachability {
        if self.reported_id.is_some() {
            Reachability::IdentityMismatch
        } else if self.last_error.is_some() {
            Reachability::Unreachable
        } else if self.last_seen.is_some() {
            Reachability::Reachable
        } else {
            Reachability::Unknown
        }
    }
}

/// What one sync found, over the devices it asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub devices: usize,
    pub reached: usize,
    pub unreachable: usize,
    /// Answered as another device; flagged, not overwritten.
    pub mismatched: usize,
    /// Reached devices whose recorded versions or labels changed.
    pub changed: usize,
    /// The first few failures, by device name, for the admin to read.
    pub failures: Vec<SyncFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncFailure {
    pub device: String,
    pub error: String,
}

/// How many failures a report names; the rest are counted.
pub const MAX_REPORTED_FAILURES: usize = 20;

impl SyncReport {
    pub fn add(&mut self, other: SyncReport) {
        self.devices += other.devices;
        self.reached += other.reached;
        self.unreachable += other.unreachable;
        self.mismatched += other.mismatched;
        self.changed += other.changed;
        let room = MAX_REPORTED_FAILURES.saturating_sub(self.failures.len());
        self.failures.extend(other.failures.into_iter().take(room));
    }
}

impl ProductVersions {
    /// Told to run one version, runs another: a deployment pending or failed,
    /// or a box changed by hand.
    pub fn drifted(&self) -> bool {
        self.configured.is_some() && self.configured != self.deployed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollwright_protocol::ProductState;

    fn info(products: &[(&str, Option<&str>, Option<&str>)]) -> DeviceInfo {
        DeviceInfo {
            id: "dev-00001".into(),
            name: "press-01".into(),
            labels: [("site".to_owned(), "berlin".to_owned())].into(),
            products: products
                .iter()
                .map(|(p, c, d)| {
                    (
                        p.to_string(),
                        ProductState {
                            configured_version: c.map(str::to_owned),
                            deployed_version: d.map(str::to_owned),
                            deployed_modules: vec![ModuleRef {
                                name: "core".into(),
                                version: "1.0".into(),
                            }],
                        },
                    )
                })
                .collect(),
            installs: 0,
        }
    }

    #[test]
    fn a_good_answer_is_believed() {
        let inv =
            Inventory::from_wire(info(&[("acme-erp", Some("2.4.0"), Some("2.3.0"))])).unwrap();
        assert_eq!(inv.agent_id, "dev-00001");
        let p = &inv.products[&ProductName::parse("p", "acme-erp").unwrap()];
        assert_eq!(p.versions.configured.as_ref().unwrap().to_string(), "2.4.0");
        assert!(p.versions.drifted());
        assert_eq!(p.modules.len(), 1);
    }

    #[test]
    fn a_bad_version_in_an_answer_names_its_field() {
        let e = Inventory::from_wire(info(&[("acme-erp", Some("2.x"), None)])).unwrap_err();
        assert_eq!(e.field, "products.acme-erp.configured_version");
    }

    #[test]
    fn a_bad_module_or_label_in_an_answer_names_its_field() {
        let mut i = info(&[("acme-erp", None, Some("1.0.0"))]);
        i.products.get_mut("acme-erp").unwrap().deployed_modules[0].name = "../x".into();
        let e = Inventory::from_wire(i).unwrap_err();
        assert_eq!(e.field, "products.acme-erp.deployed_modules[0].name");
        let mut i = info(&[("acme-erp", None, Some("1.0.0"))]);
        i.products.get_mut("acme-erp").unwrap().deployed_modules[0].version = "..".into();
        let e = Inventory::from_wire(i).unwrap_err();
        assert_eq!(e.field, "products.acme-erp.deployed_modules[0].version");
        assert!(e.rule.contains("\"..\""), "{e}");
        let mut i = info(&[]);
        i.labels.insert("site".into(), "two words".into());
        assert_eq!(Inventory::from_wire(i).unwrap_err().field, "labels.site");
    }

    #[test]
    fn a_bad_product_name_or_empty_identity_is_refused() {
        let e = Inventory::from_wire(info(&[("../etc", None, Some("1.0.0"))])).unwrap_err();
        assert_eq!(e.field, "products");
        let mut i = info(&[]);
        i.id = " ".into();
        assert_eq!(Inventory::from_wire(i).unwrap_err().field, "id");
    }

    #[test]
    fn reachability_prefers_the_mismatch_then_the_error() {
        let seen = Some(Utc::now());
        let mut r = Reach {
            last_seen: seen,
            ..Reach::default()
        };
        assert_eq!(r.state(), Reachability::Reachable);
        r.last_error = Some("timed out".into());
        assert_eq!(r.state(), Reachability::Unreachable);
        r.reported_id = Some("dev-9".into());
        assert_eq!(r.state(), Reachability::IdentityMismatch);
        assert_eq!(Reach::default().state(), Reachability::Unknown);
        for s in ["unknown", "reachable", "unreachable", "identity_mismatch"] {
            assert_eq!(Reachability::parse("reach", s).unwrap().as_str(), s);
        }
        assert_eq!(
            Reachability::parse("reach", "up").unwrap_err().field,
            "reach"
        );
    }

    #[test]
    fn a_report_names_only_the_first_failures() {
        let mut total = SyncReport::default();
        for i in 0..30 {
            total.add(SyncReport {
                devices: 1,
                unreachable: 1,
                failures: vec![SyncFailure {
                    device: format!("d{i}"),
                    error: "refused".into(),
                }],
                ..SyncReport::default()
            });
        }
        assert_eq!((total.devices, total.unreachable), (30, 30));
        assert_eq!(total.failures.len(), MAX_REPORTED_FAILURES);
    }
}
