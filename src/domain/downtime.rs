//! Downtimes on the planning calendar: planned or unplanned windows with a
//! scope. Never decides conflicts itself (that is the calendar's job); it only
//! keeps a downtime well-formed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::device::parse_label;
use super::{Device, DeviceId, DowntimeId, ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DowntimeKind {
    Planned,
    Unplanned,
}

impl DowntimeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DowntimeKind::Planned => "planned",
            DowntimeKind::Unplanned => "unplanned",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "planned" => Ok(DowntimeKind::Planned),
            "unplanned" => Ok(DowntimeKind::Unplanned),
            _ => Err(ValidationError::new(
                "kind",
                format!("must be planned or unplanned (got {s:?})"),
            )),
        }
    }
}

/// Which devices a downtime covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    All,
    Label { key: String, value: String },
    Devices { devices: Vec<DeviceId> },
}

impl Scope {
    /// Parses a `key=value` label selector such as `site=berlin`.
    pub fn label(selector: &str) -> Result<Scope, ValidationError> {
        let (key, value) = parse_label("scope", selector)?;
        Ok(Scope::Label { key, value })
    }

    pub fn includes(&self, device: &Device) -> bool {
        match self {
            Scope::All => true,
            Scope::Label { key, value } => device.matches_label(key, value),
            Scope::Devices { devices } => devices.contains(&device.id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Downtime {
    pub id: DowntimeId,
    pub kind: DowntimeKind,
    pub title: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub scope: Scope,
}

impl Downtime {
    /// Whether the half-open window `[from, to)` of this downtime meets `[a, b)`.
    pub fn overlaps(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
        self.from < b && a < self.to
    }
}

/// A downtime as entered, before validation. Also used for edits.
#[derive(Debug, Clone)]
pub struct NewDowntime {
    pub kind: DowntimeKind,
    pub title: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub scope: Scope,
}

pub const MAX_TITLE_CHARS: usize = 120;

/// Titles are shown in calendar cells: non-empty and short.
pub fn check_title(title: &str) -> Result<String, ValidationError> {
    let t = title.trim();
    let n = t.chars().count();
    if n == 0 {
        return Err(ValidationError::new("title", "must not be empty"));
    }
    if n > MAX_TITLE_CHARS {
        return Err(ValidationError::new(
            "title",
            format!("must be at most {MAX_TITLE_CHARS} characters (got {n})"),
        ));
    }
    Ok(t.to_owned())
}

pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), ValidationError> {
    if to <= from {
        return Err(ValidationError::new(
            "to",
            format!(
                "must be after from (from {}, to {})",
                from.to_rfc3339(),
                to.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

impl NewDowntime {
    /// Checks title, window and scope. Device ids are checked against the
    /// store by the caller, which knows which devices exist.
    pub fn validate(mut self) -> Result<NewDowntime, ValidationError> {
        self.title = check_title(&self.title)?;
        check_window(self.from, self.to)?;
        if let Scope::Devices { devices } = &mut self.scope {
            if devices.is_empty() {
                return Err(ValidationError::new(
                    "scope",
                    "must list at least one device",
                ));
            }
            devices.sort();
            devices.dedup();
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, h, 0, 0).unwrap()
    }

    fn new(from: u32, to: u32) -> NewDowntime {
        NewDowntime {
            kind: DowntimeKind::Planned,
            title: "Berlin maintenance".into(),
            from: t(from),
            to: t(to),
            scope: Scope::All,
        }
    }

    #[test]
    fn to_must_be_after_from() {
        assert_eq!(new(5, 5).validate().unwrap_err().field, "to");
        assert_eq!(new(6, 5).validate().unwrap_err().field, "to");
        assert!(new(5, 6).validate().is_ok());
    }

    #[test]
    fn titles_must_be_short_and_present() {
        let mut d = new(1, 2);
        d.title = "  ".into();
        assert_eq!(d.validate().unwrap_err().field, "title");
        let mut d = new(1, 2);
        d.title = "é".repeat(120);
        assert_eq!(d.validate().unwrap().title, "é".repeat(120));
        let mut d = new(1, 2);
        d.title = "x".repeat(121);
        let e = d.validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "title: must be at most 120 characters (got 121)"
        );
    }

    #[test]
    fn label_scopes_parse_key_equals_value() {
        assert_eq!(
            Scope::label("site=berlin").unwrap(),
            Scope::Label {
                key: "site".into(),
                value: "berlin".into()
            }
        );
        assert_eq!(Scope::label("berlin").unwrap_err().field, "scope");
    }

    #[test]
    fn an_empty_device_list_scope_is_refused() {
        let mut d = new(1, 2);
        d.scope = Scope::Devices { devices: vec![] };
        assert_eq!(d.validate().unwrap_err().field, "scope");
    }

    #[test]
    fn windows_touching_end_to_start_do_not_overlap() {
        let d = Downtime {
            id: DowntimeId(1),
            kind: DowntimeKind::Unplanned,
            title: "x".into(),
            from: t(2),
            to: t(4),
            scope: Scope::All,
        };
        assert!(d.overlaps(t(3), t(5)));
        assert!(!d.overlaps(t(4), t(5)));
        assert!(!d.overlaps(t(0), t(2)));
    }

    fn device_with_site(id: i64, site: Option<&str>) -> Device {
        Device {
            id: DeviceId(id),
            name: format!("dev-{id}"),
            agent_url: "http://127.0.0.1:1".into(),
            tls_fingerprint: None,
            labels: site
                .map(|s| [("site".to_owned(), s.to_owned())].into())
                .unwrap_or_default(),
            admin_labels: Default::default(),
            products: Default::default(),
            reach: Default::default(),
        }
    }

    #[test]
    fn a_scope_covers_everything_devices_with_its_label_or_the_listed_devices() {
        let berlin = device_with_site(1, Some("berlin"));
        let lyon = device_with_site(2, Some("lyon"));
        let unlabelled = device_with_site(3, None);
        let covered = |scope: &Scope| -> Vec<i64> {
            [&berlin, &lyon, &unlabelled]
                .into_iter()
                .filter(|d| scope.includes(d))
                .map(|d| d.id.0)
                .collect()
        };
        assert_eq!(covered(&Scope::All), [1, 2, 3]);
        assert_eq!(covered(&Scope::label("site=berlin").unwrap()), [1]);
        assert_eq!(
            covered(&Scope::label("group=berlin").unwrap()),
            Vec::<i64>::new()
        );
        let listed = Scope::Devices {
            devices: vec![DeviceId(2), DeviceId(3)],
        };
        assert_eq!(covered(&listed), [2, 3]);
    }
}
