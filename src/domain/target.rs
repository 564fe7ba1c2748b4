//! What an update takes where: one or more products, each to its own higher
//! version (its *targets*), and per device the targets that apply to it with
//! the versions it had before, so a cancel can restore them.
//!
//! A device takes the targets whose product it has (configured or running);
//! each of those must be higher than what it has, and it must have at least
//! one of them. So one maintenance window can carry `edge-gateway 1.2.0` to
//! the gateways and `vision-inspector 2.0.1` to the cameras.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::version::{parse_version, Version};
use super::{Device, DeviceUpdateId, ProductName, ProductVersions, ValidationError};

/// How many products one update may carry.
pub const MAX_TARGETS: usize = 16;

/// One product of an update and the version it goes to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub product: ProductName,
    pub version: Version,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.product, self.version)
    }
}

/// "acme-erp 2.4.0, edge-gateway 1.2.0".
pub fn targets_words<'a>(targets: impl IntoIterator<Item = &'a Target>) -> String {
    targets
        .into_iter()
        .map(Target::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A target as entered, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTarget {
    pub product: String,
    pub version: String,
}

impl NewTarget {
    pub fn new(product: impl Into<String>, version: impl Into<String>) -> NewTarget {
        NewTarget {
            product: product.into(),
            version: version.into(),
        }
    }

    /// Reads `product=version`, as the CLI's `--target` takes it.
    pub fn parse(field: &str, text: &str) -> Result<NewTarget, ValidationError> {
        match text.split_once('=') {
            Some((product, version)) if !product.is_empty() && !version.is_empty() => {
                Ok(NewTarget::new(product.trim(), version.trim()))
            }
            _ => Err(ValidationError::new(
                field,
                format!("must be PRODUCT=VERSION, e.g. acme-erp=2.4.0 (got {text:?})"),
            )),
        }
    }
}

/// The catalog as validation needs it: the known versions of each product
/// asked for (a product without an entry is unknown).
pub type CatalogVersions = BTreeMap<ProductName, Vec<Version>>;

/// Checks the targets of a request: at least one, at most [`MAX_TARGETS`],
/// each product known and named once, each version in the catalog. Fields are
/// `targets`, `targets[i].product` and `targets[i].version`.
pub fn check_targets(
    targets: &[NewTarget],
    catalog: &CatalogVersions,
) -> Result<Vec<Target>, ValidationError> {
    if targets.is_empty() {
        return Err(ValidationError::new(
            "targets",
            "must choose at least one product and its target version",
        ));
    }
    if targets.len() > MAX_TARGETS {
        return Err(ValidationError::new(
            "targets",
            format!(
                "at most {MAX_TARGETS} products per update (got {})",
                targets.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        let field = |name: &str| format!("targets[{i}].{name}");
        let product = ProductName::parse(&field("product"), &t.product)?;
        let Some(versions) = catalog.get(&product) else {
            return Err(ValidationError::new(
                field("product"),
                format!("unknown product {product:?}; import a manifest first"),
            ));
        };
        if !seen.insert(product.clone()) {
            return Err(ValidationError::new(
                field("product"),
                format!("{product} is chosen twice; an update takes each product to one version"),
            ));
        }
        let version = parse_version(&field("version"), &t.version)?;
        if !versions.contains(&version) {
            return Err(ValidationError::new(
                field("version"),
                format!("unknown version {version} of {product}"),
            ));
        }
        out.push(Target { product, version });
    }
    Ok(out)
}

/// One target as it applies to one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceTarget {
    pub product: ProductName,
    pub version: Version,
    /// The device's versions of the product before this update.
    pub previous: ProductVersions,
}

impl DeviceTarget {
    pub fn target(&self) -> Target {
        Target {
            product: self.product.clone(),
            version: self.version.clone(),
        }
    }
}

/// The targets that apply to `device`, in the update's order: those whose
/// product it has. Refused (with the device and product named) when one of
/// them is not higher than what it has, or when it has none of them.
pub fn device_targets(device: &Device, targets: &[Target]) -> Result<Vec<DeviceTarget>, String> {
    let mut out = Vec::with_capacity(targets.len());
    for t in targets {
        let previous = device.versions(&t.product);
        if previous.configured.is_none() && previous.deployed.is_none() {
            continue;
        }
        if let Err(e) = previous.check_target(&t.version) {
            return Err(format!(
                "device {:?} is not eligible for {}: {e}",
                device.name, t.product
            ));
        }
        out.push(DeviceTarget {
            product: t.product.clone(),
            version: t.version.clone(),
            previous,
        });
    }
    if out.is_empty() {
        let products: Vec<&str> = targets.iter().map(|t| t.product.as_str()).collect();
        return Err(format!(
            "device {:?} is not eligible: it has none of the products ({})",
            device.name,
            products.join(", ")
        ));
    }
    Ok(out)
}

/// The id of the agent's deployment of a device update's `k`-th target: the
/// device update's own id for the first (as before updates carried several
/// products, so a deployment in flight across an upgrade keeps its id),
/// `<id>:<product>` for the others. Stable, so a repeated start is harmless.
pub fn deployment_id(device_update: &DeviceUpdateId, k: usize, product: &ProductName) -> String {
    if k == 0 {
        device_update.to_string()
    } else {
        format!("{device_update}:{product}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::DeviceId;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn p(s: &str) -> ProductName {
        ProductName::parse("p", s).unwrap()
    }

    fn catalog() -> CatalogVersions {
        [
            (p("acme-erp"), vec![v("2.3.0"), v("2.4.0")]),
            (p("edge-gateway"), vec![v("1.1.0"), v("1.2.0")]),
        ]
        .into()
    }

    fn device(products: &[(&str, &str, &str)]) -> Device {
        Device {
            id: DeviceId(1),
            name: "gw-1".into(),
            agent_url: "http://127.0.0.1:1".into(),
            tls_fingerprint: None,
            labels: Default::default(),
            admin_labels: Default::default(),
            products: products
                .iter()
                .map(|(name, configured, deployed)| {
                    (
                        p(name),
                        ProductVersions {
                            configured: Some(v(configured)),
                            deployed: Some(v(deployed)),
                        },
                    )
                })
                .collect(),
            reach: Default::default(),
        }
    }

    fn both() -> Vec<Target> {
        check_targets(
            &[
                NewTarget::new("acme-erp", "2.4.0"),
                NewTarget::new("edge-gateway", "1.2.0"),
            ],
            &catalog(),
        )
        .unwrap()
    }

    #[test]
    fn targets_are_checked_in_order_and_named_by_index() {
        let cases: Vec<(Vec<NewTarget>, &str, &str)> = vec![
            (vec![], "targets", "at least one"),
            (
                vec![NewTarget::new("nope", "1.0.0")],
                "targets[0].product",
                "unknown product",
            ),
            (
                vec![NewTarget::new("acme-erp", "2.4")],
                "targets[0].version",
                "",
            ),
            (
                vec![
                    NewTarget::new("acme-erp", "2.4.0"),
                    NewTarget::new("acme-erp", "2.3.0"),
                ],
                "targets[1].product",
                "chosen twice",
            ),
            (
                vec![
                    NewTarget::new("acme-erp", "2.4.0"),
                    NewTarget::new("edge-gateway", "9.9.9"),
                ],
                "targets[1].version",
                "unknown version 9.9.9 of edge-gateway",
            ),
            (
                vec![NewTarget::new("acme-erp", "2.4.0"); MAX_TARGETS + 1],
                "targets",
                "at most",
            ),
        ];
        for (targets, field, words) in cases {
            let e = check_targets(&targets, &catalog()).unwrap_err();
            assert_eq!(e.field, field, "{e}");
            assert!(e.rule.contains(words), "{e}");
        }
        assert_eq!(targets_words(&both()), "acme-erp 2.4.0, edge-gateway 1.2.0");
    }

    #[test]
    fn a_device_takes_the_targets_of_the_products_it_has() {
        let erp_only = device(&[("acme-erp", "2.3.0", "2.3.0")]);
        let got = device_targets(&erp_only, &both()).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].product, p("acme-erp"));
        assert_eq!(got[0].previous.deployed, Some(v("2.3.0")));

        let both_products = device(&[
            ("acme-erp", "2.3.0", "2.3.0"),
            ("edge-gateway", "1.1.0", "1.1.0"),
        ]);
        let got = device_targets(&both_products, &both()).unwrap();
        let products: Vec<_> = got.iter().map(|t| t.product.as_str()).collect();
        assert_eq!(products, ["acme-erp", "edge-gateway"]);
    }

    #[test]
    fn a_device_at_or_above_one_target_or_without_any_product_is_refused() {
        let ahead = device(&[
            ("acme-erp", "2.3.0", "2.3.0"),
            ("edge-gateway", "1.2.0", "1.2.0"),
        ]);
        let e = device_targets(&ahead, &both()).unwrap_err();
        assert!(e.contains("not eligible for edge-gateway"), "{e}");
        assert!(e.contains("not higher"), "{e}");

        let other = device(&[("vision-inspector", "2.0.0", "2.0.0")]);
        let e = device_targets(&other, &both()).unwrap_err();
        assert!(
            e.contains("none of the products (acme-erp, edge-gateway)"),
            "{e}"
        );
    }

    #[test]
    fn the_first_targets_deployment_keeps_the_device_updates_id() {
        let du = DeviceUpdateId::parse("du-abc").unwrap();
        assert_eq!(deployment_id(&du, 0, &p("acme-erp")), "du-abc");
        assert_eq!(
            deployment_id(&du, 1, &p("edge-gateway")),
            "du-abc:edge-gateway"
        );
        rollwright_protocol::validate::deployment_id(
            "id",
            &deployment_id(&du, 1, &p("edge-gateway")),
        )
        .unwrap();
    }

    #[test]
    fn a_target_is_read_from_product_equals_version() {
        assert_eq!(
            NewTarget::parse("target", "acme-erp=2.4.0").unwrap(),
            NewTarget::new("acme-erp", "2.4.0")
        );
        for bad in ["acme-erp", "=2.4.0", "acme-erp=", ""] {
            let e = NewTarget::parse("target", bad).unwrap_err();
            assert_eq!(e.field, "target");
            assert!(e.rule.contains("PRODUCT=VERSION"), "{e}");
        }
    }
}
