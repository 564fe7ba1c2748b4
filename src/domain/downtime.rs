//! The items admins draw on the planning calendar: planned and unplanned
//! downtimes, maintenance windows and freezes, each with a scope and maybe a
//! recurrence. The code calls them all downtimes (the CLI's `downtime`
//! command, the `downtimes` table); the kind tells them apart. Never decides
//! conflicts itself (that is the calendar's job); it only keeps an item
//! well-formed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::device::parse_label;
use super::recurrence::{Recurrence, Zone};
use super::{Device, DeviceId, DowntimeId, ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DowntimeKind {
    Planned,
    Unplanned,
    /// A maintenance window: when a device has any, its updates must lie
    /// inside one.
    Window,
    /// No update may run on the devices in scope.
    Freeze,
}

impl DowntimeKind {
    pub const ALL: [DowntimeKind; 4] = [
        DowntimeKind::Planned,
        DowntimeKind::Unplanned,
        DowntimeKind::Window,
        DowntimeKind::Freeze,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DowntimeKind::Planned => "planned",
            DowntimeKind::Unplanned => "unplanned",
            DowntimeKind::Window => "window",
            DowntimeKind::Freeze => "freeze",
        }
    }

    /// How a person names the kind.
    pub fn words(self) -> &'static str {
        match self {
            DowntimeKind::Planned => "planned downtime",
            DowntimeKind::Unplanned => "unplanned downtime",
            DowntimeKind::Window => "maintenance window",
            DowntimeKind::Freeze => "freeze",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        DowntimeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "kind",
                    format!("must be planned, unplanned, window or freeze (got {s:?})"),
                )
            })
    }

    /// Whether an update overlapping an item of this kind conflicts with it
    /// (windows instead bound where updates may go).
    pub fn blocks_updates(self) -> bool {
        self != DowntimeKind::Window
    }
}

/// Which devices a downtime covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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

    /// Who the scope covers, in words; listed devices by the names given.
    pub fn words(&self, names: &[String]) -> String {
        match self {
            Scope::All => "all devices".to_owned(),
            Scope::Label { key, value } => format!("devices with {key}={value}"),
            Scope::Devices { devices } if names.len() == devices.len() && names.len() <= 5 => {
                format!("devices {}", names.join(", "))
            }
            Scope::Devices { devices } => format!("{} listed devices", devices.len()),
        }
    }

    pub fn includes(&self, device: &Device) -> bool {
        match self {
            Scope::All => true,
            Scope::Label { key, value } => device.matches_label(key, value),
            Scope::Devices { devices } => devices.contains(&device.id),
        }
    }
}

/// A calendar item. `from`/`to` are its first occurrence; a recurring item
/// repeats that wall-clock window in `zone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Downtime {
    pub id: DowntimeId,
    pub kind: DowntimeKind,
    pub title: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub zone: Zone,
    pub recurrence: Option<Recurrence>,
    pub scope: Scope,
}

/// A calendar item as entered, before validation. Also used for edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDowntime {
    pub kind: DowntimeKind,
    pub title: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// IANA name; empty means UTC.
    pub zone: String,
    /// RRULE text, e.g. `FREQ=WEEKLY;BYDAY=SA`.
    pub rrule: Option<String>,
    pub exdates: Vec<DateTime<Utc>>,
    pub scope: Scope,
}

impl NewDowntime {
    /// A one-off item in UTC.
    pub fn once(
        kind: DowntimeKind,
        title: impl Into<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        scope: Scope,
    ) -> NewDowntime {
        NewDowntime {
            kind,
            title: title.into(),
            from,
            to,
            zone: String::new(),
            rrule: None,
            exdates: Vec::new(),
            scope,
        }
    }
}

/// A validated item, without its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedDowntime {
    pub kind: DowntimeKind,
    pub title: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub zone: Zone,
    pub recurrence: Option<Recurrence>,
    pub scope: Scope,
}

impl CheckedDowntime {
    pub fn with_id(self, id: DowntimeId) -> Downtime {
        Downtime {
            id,
            kind: self.kind,
            title: self.title,
            from: self.from,
            to: self.to,
            zone: self.zone,
            recurrence: self.recurrence,
            scope: self.scope,
        }
    }
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

/// One occurrence may last at most this long; a longer "window" is a typo.
pub const MAX_OCCURRENCE_DAYS: i64 = 366;

impl NewDowntime {
    /// Checks title, window, zone, recurrence and scope. Device ids are
    /// checked against the store by the caller, which knows which exist.
    pub fn validate(self) -> Result<CheckedDowntime, ValidationError> {
        let title = check_title(&self.title)?;
        check_window(self.from, self.to)?;
        if self.to - self.from > chrono::Duration::days(MAX_OCCURRENCE_DAYS) {
            return Err(ValidationError::new(
                "to",
                format!("an occurrence may last at most {MAX_OCCURRENCE_DAYS} days"),
            ));
        }
        let zone = if self.zone.trim().is_empty() {
            Zone::UTC
        } else {
            Zone::parse("zone", &self.zone)?
        };
        let recurrence = match self.rrule.as_deref().map(str::trim) {
            None | Some("") if self.exdates.is_empty() => None,
            None | Some("") => {
                return Err(ValidationError::new(
                    "exdates",
                    "only a recurring item can skip dates",
                ))
            }
            Some(rule) => Some(Recurrence::parse(rule, self.exdates, self.from, zone)?),
        };
        let mut scope = self.scope;
        if let Scope::Devices { devices } = &mut scope {
            if devices.is_empty() {
                return Err(ValidationError::new(
                    "scope",
                    "must list at least one device",
                ));
            }
            devices.sort();
            devices.dedup();
        }
        Ok(CheckedDowntime {
            kind: self.kind,
            title,
            from: self.from,
            to: self.to,
            zone,
            recurrence,
            scope,
        })
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
        NewDowntime::once(
            DowntimeKind::Planned,
            "Berlin maintenance",
            t(from),
            t(to),
            Scope::All,
        )
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
    fn kinds_read_back_from_their_names() {
        for k in DowntimeKind::ALL {
            assert_eq!(DowntimeKind::parse(k.as_str()).unwrap(), k);
        }
        let e = DowntimeKind::parse("holiday").unwrap_err();
        assert_eq!(
            e.to_string(),
            "kind: must be planned, unplanned, window or freeze (got \"holiday\")"
        );
        assert!(!DowntimeKind::Window.blocks_updates());
        assert!(DowntimeKind::Freeze.blocks_updates());
    }

    #[test]
    fn zone_and_recurrence_are_checked_and_exdates_need_a_rule() {
        let mut d = new(1, 2);
        d.zone = "Europe/Berlin".into();
        d.rrule = Some("FREQ=WEEKLY".into());
        let ok = d.clone().validate().unwrap();
        assert_eq!(ok.zone.name(), "Europe/Berlin");
        assert_eq!(ok.recurrence.unwrap().rule, "FREQ=WEEKLY");
        let mut bad = d.clone();
        bad.zone = "Berlin".into();
        assert_eq!(bad.validate().unwrap_err().field, "zone");
        let mut bad = d.clone();
        bad.rrule = Some("FREQ=SOMETIMES".into());
        assert_eq!(bad.validate().unwrap_err().field, "rrule");
        let mut bad = new(1, 2);
        bad.exdates = vec![t(1)];
        assert_eq!(bad.validate().unwrap_err().field, "exdates");
        let mut long = new(1, 2);
        long.to = t(1) + chrono::Duration::days(400);
        assert_eq!(long.validate().unwrap_err().field, "to");
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
