//! Which devices of the landscape to list, in what order, how many. The
//! store turns a checked query into SQL, so 100,000 devices never sit in
//! memory.

use serde::Serialize;

use super::device::parse_label;
use super::inventory::Reachability;
use super::version::{parse_version, Version};
use super::{ProductName, ValidationError};

/// The most devices one page holds.
pub const MAX_DEVICE_PAGE: usize = 1000;

/// A device query as typed (CLI flags, the screen's filters).
#[derive(Debug, Clone, Default)]
pub struct RawDeviceQuery {
    /// Part of the name or agent URL, any case.
    pub text: Option<String>,
    /// `key=value`; a device must carry all of them.
    pub labels: Vec<String>,
    pub product: Option<String>,
    /// Configured or deployed version of `product`.
    pub version: Option<String>,
    pub reach: Option<String>,
    /// Only devices told to run another version of some product (or of
    /// `product`) than they run.
    pub drifted: bool,
    /// `name` (default), `last_seen` or `latency`.
    pub sort: Option<String>,
    pub descending: bool,
    pub offset: usize,
    /// Defaults to 100.
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceSort {
    Name,
    LastSeen,
    Latency,
}

/// A [`RawDeviceQuery`] that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceQuery {
    pub text: Option<String>,
    pub labels: Vec<(String, String)>,
    pub product: Option<ProductName>,
    pub version: Option<Version>,
    pub reach: Option<Reachability>,
    pub drifted: bool,
    pub sort: DeviceSort,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

impl RawDeviceQuery {
    pub fn validate(self) -> Result<DeviceQuery, ValidationError> {
        let text = self
            .text
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if text.as_ref().is_some_and(|t| t.len() > 200) {
            return Err(ValidationError::new(
                "text",
                "must be at most 200 characters",
            ));
        }
        let labels = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| parse_label(&format!("labels[{i}]"), l))
            .collect::<Result<_, _>>()?;
        let product = self
            .product
            .map(|p| ProductName::parse("product", p.trim()))
            .transpose()?;
        let version = self
            .version
            .map(|v| parse_version("version", v.trim()))
            .transpose()?;
        if version.is_some() && product.is_none() {
            return Err(ValidationError::new(
                "version",
                "needs a product: versions are per product",
            ));
        }
        let reach = self
            .reach
            .map(|r| Reachability::parse("reach", r.trim()))
            .transpose()?;
        let sort = match self.sort.as_deref().map(str::trim) {
            None | Some("name") => DeviceSort::Name,
            Some("last_seen") => DeviceSort::LastSeen,
            Some("latency") => DeviceSort::Latency,
            Some(other) => {
                return Err(ValidationError::new(
                    "sort",
                    format!("must be name, last_seen or latency (got {other:?})"),
                ))
            }
        };
        let limit = self.limit.unwrap_or(100);
        if !(1..=MAX_DEVICE_PAGE).contains(&limit) {
            return Err(ValidationError::new(
                "limit",
                format!("must be 1 to {MAX_DEVICE_PAGE} (got {limit})"),
            ));
        }
        Ok(DeviceQuery {
            text,
            labels,
            product,
            version,
            reach,
            drifted: self.drifted,
            sort,
            descending: self.descending,
            offset: self.offset,
            limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_first_hundred_by_name() {
        let q = RawDeviceQuery::default().validate().unwrap();
        assert_eq!((q.sort, q.offset, q.limit), (DeviceSort::Name, 0, 100));
    }

    #[test]
    fn each_bad_filter_names_its_field() {
        let field = |q: RawDeviceQuery| q.validate().unwrap_err().field;
        let raw = RawDeviceQuery::default;
        assert_eq!(
            field(RawDeviceQuery {
                labels: vec!["site".into()],
                ..raw()
            }),
            "labels[0]"
        );
        assert_eq!(
            field(RawDeviceQuery {
                version: Some("1.0.0".into()),
                ..raw()
            }),
            "version"
        );
        assert_eq!(
            field(RawDeviceQuery {
                product: Some("x".into()),
                version: Some("one".into()),
                ..raw()
            }),
            "version"
        );
        assert_eq!(
            field(RawDeviceQuery {
                reach: Some("up".into()),
                ..raw()
            }),
            "reach"
        );
        assert_eq!(
            field(RawDeviceQuery {
                sort: Some("size".into()),
                ..raw()
            }),
            "sort"
        );
        assert_eq!(
            field(RawDeviceQuery {
                limit: Some(MAX_DEVICE_PAGE + 1),
                ..raw()
            }),
            "limit"
        );
        assert_eq!(
            field(RawDeviceQuery {
                limit: Some(0),
                ..raw()
            }),
            "limit"
        );
    }
}
