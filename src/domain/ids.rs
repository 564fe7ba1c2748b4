//! Id newtypes, so a device id can never be passed where an update id is
//! expected. Never generates ids itself: the store does (randomness is I/O).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

macro_rules! int_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(
    /// A device's row id.
    DeviceId
);
int_id!(
    /// An update's row id.
    UpdateId
);
int_id!(
    /// A downtime's row id.
    DowntimeId
);

/// A device update's id: `du-` followed by a UUID v4 in simple form. Globally
/// unique because it doubles as the deployment id sent to agents, which use it
/// to make repeated calls idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceUpdateId(String);

impl DeviceUpdateId {
    pub const PREFIX: &'static str = "du-";

    /// Wraps an id read back from storage or a caller; checks only the shape.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let ok = s.len() <= 64
            && s.starts_with(Self::PREFIX)
            && s.len() > Self::PREFIX.len()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(DeviceUpdateId(s.to_owned()))
        } else {
            Err(ValidationError::new(
                "device_update_id",
                format!("must look like du-<letters, digits, - or _> (got {s:?})"),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DeviceUpdateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A product's name: lowercase letters, digits and `-`, `_`, `.`, starting with
/// a letter or digit. Restricted because it appears in agent URL paths.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProductName(String);

impl ProductName {
    /// The protocol's name rule, so the catalog and the agents agree.
    pub fn parse(field: &str, s: &str) -> Result<Self, ValidationError> {
        rollwright_protocol::validate::name(field, s)?;
        Ok(ProductName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ProductName {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ProductName::parse("product", &s)
    }
}

impl From<ProductName> for String {
    fn from(p: ProductName) -> String {
        p.0
    }
}

impl fmt::Display for ProductName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_names_are_lowercase_slugs() {
        assert!(ProductName::parse("product", "acme-erp").is_ok());
        assert!(ProductName::parse("product", "vision.inspector_2").is_ok());
        for bad in ["", "Acme", "-x", "a/b", "a..b", "a b", &"x".repeat(65)] {
            let e = ProductName::parse("product", bad).unwrap_err();
            assert_eq!(e.field, "product", "{bad:?}");
        }
    }

    #[test]
    fn device_update_ids_must_carry_the_prefix() {
        assert!(DeviceUpdateId::parse("du-0f3a").is_ok());
        assert!(DeviceUpdateId::parse("du-").is_err());
        assert!(DeviceUpdateId::parse("x-1").is_err());
        assert!(DeviceUpdateId::parse("du-a/b").is_err());
    }

    #[test]
    fn a_device_update_id_displays_as_the_deployment_id_agents_get() {
        assert_eq!(
            DeviceUpdateId::parse("du-0f3a").unwrap().to_string(),
            "du-0f3a"
        );
    }
}
