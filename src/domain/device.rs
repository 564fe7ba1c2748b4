//! Devices: identity, where their agent listens, labels, and per product the
//! configured and deployed versions; plus which devices an update can target.
//! Never talks to agents: versions here are what the store last learnt.

use std::collections::BTreeMap;

use serde::Serialize;

use rollwright_protocol::validate::Transport;
pub use rollwright_protocol::Fingerprint;

use super::inventory::Reach;
use super::version::{NotHigher, Version};
use super::{DeviceId, ProductName, ValidationError};

/// `site=berlin`, `group=line-2`: keys and values are short slugs.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: DeviceId,
    /// Unique across the fleet; what admins type.
    pub name: String,
    /// The agent's base URL; the client appends `/v1/...`. Its token is in
    /// the secret store, read only to call the agent (`Store::agent_token`).
    pub agent_url: String,
    /// The pinned certificate of an `https://` agent; `None` on loopback.
    pub tls_fingerprint: Option<Fingerprint>,
    /// The labels it goes by: the agent's, with the admin's on top.
    pub labels: Labels,
    /// The labels an admin set; they win over the agent's.
    pub admin_labels: Labels,
    /// Per product as last learnt: from its agent once synced.
    pub products: BTreeMap<ProductName, ProductVersions>,
    pub reach: Reach,
}

/// What a device is told to run, and what it actually runs, of one product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProductVersions {
    pub configured: Option<Version>,
    pub deployed: Option<Version>,
}

/// Raw input for a new device, validated by [`NewDevice::validate`].
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub name: String,
    pub agent_url: String,
    pub agent_token: String,
    /// For an `https://` agent: the certificate fingerprint the admin
    /// compared with the one the agent prints (`AB:CD:…`).
    pub tls_fingerprint: Option<String>,
    /// `key=value` strings as typed.
    pub labels: Vec<String>,
    /// Known versions at registration, e.g. from an inventory import.
    pub products: BTreeMap<String, (Option<String>, Option<String>)>,
}

/// A [`NewDevice`] that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDevice {
    pub name: String,
    pub agent_url: String,
    pub agent_token: String,
    pub tls_fingerprint: Option<Fingerprint>,
    pub labels: Labels,
    pub products: BTreeMap<ProductName, ProductVersions>,
}

impl NewDevice {
    pub fn validate(self) -> Result<ValidDevice, ValidationError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.len() > 64 {
            return Err(ValidationError::new(
                "name",
                format!("must be 1 to 64 characters (got {})", name.len()),
            ));
        }
        if name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\')
        {
            return Err(ValidationError::new(
                "name",
                "must not contain '/', '\\' or control characters",
            ));
        }
        // With trailing slashes gone, a bare `http://` has no host left.
        let url = self.agent_url.trim().trim_end_matches('/').to_owned();
        let transport = rollwright_protocol::validate::agent_url("agent_url", &url)?;
        let tls_fingerprint = match (transport, self.tls_fingerprint.as_deref().map(str::trim)) {
            (Transport::Tls, Some(f)) if !f.is_empty() => Some(
                f.parse::<Fingerprint>()
                    .map_err(|e| ValidationError::new("tls_fingerprint", e.to_string()))?,
            ),
            (Transport::Tls, _) => {
                return Err(ValidationError::new(
                    "tls_fingerprint",
                    "is required for an https:// agent: the SHA-256 fingerprint it prints on start (or `rollwright-agent fingerprint`), compared by you",
                ))
            }
            (Transport::Plain, Some(f)) if !f.is_empty() => {
                return Err(ValidationError::new(
                    "tls_fingerprint",
                    "only an https:// agent has a certificate to pin",
                ))
            }
            (Transport::Plain, _) => None,
        };
        if self.agent_token.is_empty() || self.agent_token.chars().any(|c| c.is_whitespace()) {
            return Err(ValidationError::new(
                "agent_token",
                "must be non-empty and without spaces",
            ));
        }
        let mut labels = Labels::new();
        for (i, l) in self.labels.iter().enumerate() {
            let (k, v) = parse_label(&format!("labels[{i}]"), l)?;
            labels.insert(k, v);
        }
        // The protocol's limit on how many, the same as an agent's.
        rollwright_protocol::validate::labels(
            "labels",
            labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        let mut products = BTreeMap::new();
        for (p, (configured, deployed)) in self.products {
            let product = ProductName::parse("products", &p)?;
            let field = |f: &str| format!("products.{p}.{f}");
            let parse = |f: &str, s: Option<String>| {
                s.map(|s| super::version::parse_version(&field(f), &s))
                    .transpose()
            };
            products.insert(
                product,
                ProductVersions {
                    configured: parse("configured", configured)?,
                    deployed: parse("deployed", deployed)?,
                },
            );
        }
        Ok(ValidDevice {
            name,
            agent_url: url,
            agent_token: self.agent_token,
            tls_fingerprint,
            labels,
            products,
        })
    }
}

/// Parses `key=value` by the protocol's label rule (both sides slugs, so
/// selectors stay unambiguous).
pub fn parse_label(field: &str, s: &str) -> Result<(String, String), ValidationError> {
    let Some((k, v)) = s.split_once('=') else {
        return Err(ValidationError::new(
            field,
            format!("must be key=value (got {s:?})"),
        ));
    };
    rollwright_protocol::validate::label(field, k, v)?;
    Ok((k.to_owned(), v.to_owned()))
}

/// Which of a device's versions is below the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lower {
    Configured,
    Deployed,
    Both,
}

/// A device an update to the target version can include, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligible {
    pub device: DeviceId,
    pub name: String,
    pub configured: Option<Version>,
    pub deployed: Option<Version>,
    pub lower: Lower,
}

impl ProductVersions {
    /// Whether `target` is an update for a device in this state.
    ///
    /// Rules: a target below the configured version or below the deployed
    /// version is a downgrade and is refused, whatever the other version.
    /// Otherwise the target must be above the configured or the deployed
    /// version (a device configured at the target may still run an older
    /// one, and one updated by hand runs the target without being configured
    /// at it). A missing version counts as lower only when the other one is
    /// known: a device with neither version does not have the product and is
    /// not eligible.
    pub fn check_target(&self, target: &Version) -> Result<Lower, NotHigher> {
        let refuse = || NotHigher {
            target: target.clone(),
            configured: self.configured.clone(),
            deployed: self.deployed.clone(),
        };
        if self.configured.is_none() && self.deployed.is_none() {
            return Err(refuse());
        }
        let above = |v: &Option<Version>| v.as_ref().is_some_and(|v| v > target);
        if above(&self.configured) || above(&self.deployed) {
            return Err(refuse());
        }
        let below = |v: &Option<Version>| v.as_ref().is_none_or(|v| v < target);
        match (below(&self.configured), below(&self.deployed)) {
            (true, true) => Ok(Lower::Both),
            (true, false) => Ok(Lower::Configured),
            (false, true) => Ok(Lower::Deployed),
            (false, false) => Err(refuse()),
        }
    }
}

impl Device {
    pub fn versions(&self, product: &ProductName) -> ProductVersions {
        self.products.get(product).cloned().unwrap_or_default()
    }

    pub fn check_target(
        &self,
        product: &ProductName,
        target: &Version,
    ) -> Result<Lower, NotHigher> {
        self.versions(product).check_target(target)
    }

    pub fn matches_label(&self, key: &str, value: &str) -> bool {
        self.labels.get(key).is_some_and(|v| v == value)
    }
}

/// The devices an update of `product` to `target` can include, in name order.
pub fn eligible_devices(
    devices: &[Device],
    product: &ProductName,
    target: &Version,
) -> Vec<Eligible> {
    let mut out: Vec<Eligible> = devices
        .iter()
        .filter_map(|d| {
            let v = d.versions(product);
            let lower = v.check_target(target).ok()?;
            Some(Eligible {
                device: d.id,
                name: d.name.clone(),
                configured: v.configured,
                deployed: v.deployed,
                lower,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn pv(c: Option<&str>, d: Option<&str>) -> ProductVersions {
        ProductVersions {
            configured: c.map(v),
            deployed: d.map(v),
        }
    }

    fn device(id: i64, name: &str, c: Option<&str>, d: Option<&str>) -> Device {
        let product = ProductName::parse("p", "acme-erp").unwrap();
        Device {
            id: DeviceId(id),
            name: name.into(),
            agent_url: "http://127.0.0.1:1".into(),
            tls_fingerprint: None,
            labels: Labels::new(),
            admin_labels: Labels::new(),
            products: [(product, pv(c, d))].into(),
            reach: Reach::default(),
        }
    }

    #[test]
    fn target_equal_to_configured_and_deployed_is_refused() {
        let e = pv(Some("2.4.0"), Some("2.4.0"))
            .check_target(&v("2.4.0"))
            .unwrap_err();
        assert!(e.to_string().contains("not higher"), "{e}");
    }

    #[test]
    fn downgrade_is_refused_even_when_deployed_is_older() {
        let e = pv(Some("3.0.0"), Some("1.0.0"))
            .check_target(&v("2.0.0"))
            .unwrap_err();
        assert!(e.to_string().contains("lower than the configured"), "{e}");
    }

    #[test]
    fn configured_at_target_but_running_older_is_eligible_for_deployment() {
        assert_eq!(
            pv(Some("2.4.0"), Some("2.3.0")).check_target(&v("2.4.0")),
            Ok(Lower::Deployed)
        );
        assert_eq!(
            pv(Some("2.3.0"), Some("2.4.0")).check_target(&v("2.4.0")),
            Ok(Lower::Configured)
        );
        assert_eq!(
            pv(Some("2.3.0"), Some("2.3.0")).check_target(&v("2.4.0")),
            Ok(Lower::Both)
        );
    }

    #[test]
    fn a_target_is_compared_as_a_version_not_as_text() {
        // As text "2.10.0" < "2.9.0": an update from 2.9.0 would be refused.
        assert_eq!(
            pv(Some("2.9.0"), Some("2.9.0")).check_target(&v("2.10.0")),
            Ok(Lower::Both)
        );
        assert!(pv(Some("2.10.0"), Some("2.10.0"))
            .check_target(&v("2.9.0"))
            .is_err());
        assert_eq!(
            pv(Some("3.0.0-rc.2"), Some("3.0.0-rc.2")).check_target(&v("3.0.0-rc.10")),
            Ok(Lower::Both)
        );
    }

    #[test]
    fn a_prerelease_is_below_its_release() {
        assert_eq!(
            pv(Some("3.0.0-rc.1"), Some("3.0.0-rc.1")).check_target(&v("3.0.0")),
            Ok(Lower::Both)
        );
        assert!(pv(Some("3.0.0"), Some("3.0.0"))
            .check_target(&v("3.0.0-rc.1"))
            .is_err());
    }

    #[test]
    fn a_target_below_the_running_version_is_a_downgrade_whatever_the_configuration() {
        for (configured, deployed) in [(Some("1.0.0"), "1.2.0"), (None, "1.2.0")] {
            let e = pv(configured, Some(deployed))
                .check_target(&v("1.1.0"))
                .unwrap_err();
            assert!(
                e.to_string()
                    .contains("lower than the deployed version 1.2.0"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_device_updated_by_hand_is_eligible_only_to_be_configured_at_what_it_runs() {
        assert_eq!(
            pv(None, Some("1.1.0")).check_target(&v("1.1.0")),
            Ok(Lower::Configured)
        );
        assert!(pv(None, Some("1.1.0")).check_target(&v("1.0.0")).is_err());
    }

    #[test]
    fn a_device_without_the_product_is_not_eligible() {
        assert!(pv(None, None).check_target(&v("1.0.0")).is_err());
        assert_eq!(
            pv(Some("1.0.0"), None).check_target(&v("1.0.0")),
            Ok(Lower::Deployed)
        );
    }

    #[test]
    fn eligible_devices_are_listed_by_name_with_the_reason() {
        let p = ProductName::parse("p", "acme-erp").unwrap();
        let devices = [
            device(1, "zeta", Some("2.0.0"), Some("2.0.0")),
            device(2, "alpha", Some("2.1.0"), Some("2.0.0")),
            device(3, "mid", Some("2.1.0"), Some("2.1.0")),
        ];
        let e = eligible_devices(&devices, &p, &v("2.1.0"));
        let got: Vec<(&str, Lower)> = e.iter().map(|e| (e.name.as_str(), e.lower)).collect();
        assert_eq!(got, vec![("alpha", Lower::Deployed), ("zeta", Lower::Both)]);
    }

    #[test]
    fn new_device_validation_names_the_field() {
        let ok = NewDevice {
            name: "berlin-01".into(),
            agent_url: "http://127.0.0.1:9000/devices/1/".into(),
            agent_token: "secret".into(),
            tls_fingerprint: None,
            labels: vec!["site=berlin".into()],
            products: [(
                "acme-erp".into(),
                (Some("2.3.0".into()), Some("2.3.0".into())),
            )]
            .into(),
        };
        let d = ok.clone().validate().unwrap();
        assert_eq!(d.agent_url, "http://127.0.0.1:9000/devices/1");
        assert_eq!(d.labels["site"], "berlin");

        let mut bad = ok.clone();
        bad.labels = vec!["site".into()];
        assert_eq!(bad.validate().unwrap_err().field, "labels[0]");
        let mut bad = ok.clone();
        bad.agent_url = "ftp://x".into();
        assert_eq!(bad.validate().unwrap_err().field, "agent_url");
        let mut bad = ok;
        bad.products = [("acme-erp".into(), (Some("2.3".into()), None))].into();
        assert_eq!(
            bad.validate().unwrap_err().field,
            "products.acme-erp.configured"
        );
    }

    fn new_device() -> NewDevice {
        NewDevice {
            name: "berlin-01".into(),
            agent_url: "http://127.0.0.1:9000".into(),
            agent_token: "secret".into(),
            tls_fingerprint: None,
            labels: vec![],
            products: BTreeMap::new(),
        }
    }

    fn field_of(d: NewDevice) -> Option<String> {
        d.validate().err().map(|e| e.field)
    }

    #[test]
    fn a_device_name_is_1_to_64_characters_without_slashes_or_control_characters() {
        let named = |name: &str| NewDevice {
            name: name.into(),
            ..new_device()
        };
        assert_eq!(field_of(named(&"x".repeat(64))), None);
        assert_eq!(named("  berlin-01 ").validate().unwrap().name, "berlin-01");
        for bad in [
            "".to_owned(),
            "   ".to_owned(),
            "x".repeat(65),
            "a/b".into(),
            "a\\b".into(),
            "a\u{7}b".into(),
        ] {
            assert_eq!(field_of(named(&bad)).as_deref(), Some("name"), "{bad:?}");
        }
    }

    #[test]
    fn an_agent_url_is_https_or_http_on_loopback_with_a_host_and_no_spaces() {
        let pin = Fingerprint::of_der(b"cert").to_string();
        let at = |url: &str| NewDevice {
            agent_url: url.into(),
            tls_fingerprint: url.starts_with("https").then(|| pin.clone()),
            ..new_device()
        };
        for ok in [
            "http://127.0.0.1:7000",
            "http://localhost",
            "https://h",
            "https://device-7.plant.example:8443/",
        ] {
            assert_eq!(field_of(at(ok)), None, "{ok}");
        }
        for bad in [
            "http://",
            "https://",
            "http:///",
            "http://device-7.plant.example",
            "ftp://device-7.plant.example",
            "device-7.plant.example:8443",
            "http://device 7",
        ] {
            assert_eq!(field_of(at(bad)).as_deref(), Some("agent_url"), "{bad}");
        }
    }

    #[test]
    fn an_https_agent_needs_a_pinned_fingerprint_and_a_plain_one_none() {
        let device = |url: &str, pin: Option<&str>| NewDevice {
            agent_url: url.into(),
            tls_fingerprint: pin.map(str::to_owned),
            ..new_device()
        };
        let pin = Fingerprint::of_der(b"cert");
        let valid = device("https://edge-7:7443", Some(&pin.to_string().to_lowercase()))
            .validate()
            .unwrap();
        assert_eq!(valid.tls_fingerprint, Some(pin));
        for (url, fp) in [
            ("https://edge-7:7443", None),
            ("https://edge-7:7443", Some("  ")),
            ("https://edge-7:7443", Some("AB:CD")),
            ("http://127.0.0.1:7000", Some(pin.to_string().as_str())),
        ] {
            let e = device(url, fp).validate().unwrap_err();
            assert_eq!(e.field, "tls_fingerprint", "{url} {fp:?}: {e}");
        }
        let e = device("https://edge-7:7443", None).validate().unwrap_err();
        assert!(e.rule.contains("fingerprint it prints"), "{e}");
    }

    #[test]
    fn an_agent_token_is_non_empty_and_without_whitespace() {
        let with = |token: &str| NewDevice {
            agent_token: token.into(),
            tls_fingerprint: None,
            ..new_device()
        };
        assert_eq!(field_of(with("s3cr3t-token")), None);
        for bad in ["", "a b", "tab\there", "line\n"] {
            assert_eq!(
                field_of(with(bad)).as_deref(),
                Some("agent_token"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_label_matches_only_its_key_with_its_value() {
        let mut d = device(1, "berlin-01", Some("1.0.0"), None);
        d.labels.insert("site".into(), "berlin".into());
        assert!(d.matches_label("site", "berlin"));
        assert!(!d.matches_label("site", "lyon"));
        assert!(!d.matches_label("group", "berlin"));
        assert!(!d.matches_label("berlin", "site"));
    }
}
