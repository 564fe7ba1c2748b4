//! The shapes that cross IPC to the UI, each built from core types with
//! `From`. Their TypeScript declarations are generated (`bindings.rs`), never
//! written by hand.

pub(crate) mod calendar;
pub(crate) mod landscape;
pub(crate) mod plan_devices;
pub(crate) mod status;
pub(crate) mod wizard;

use rollwright::domain::{
    Action, AuditEntry, AuditOutcome, ChainCheck, Role, Target, ValidationError,
};
use rollwright::store::{AuditFilter, UserRole};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct AppInfo {
    pub version: String,
    pub db_path: String,
    pub schema_version: u32,
    /// Where agent tokens are kept (the OS keyring or the encrypted file).
    pub secrets: String,
    /// The demo fleet's URL on loopback, when the landscape is the demo.
    pub demo_fleet: Option<String>,
    /// Devices in the landscape; none means a first start (the welcome screen).
    pub devices: u64,
}

/// Whether this app's engine carries out updates, or another process's
/// engine (`rollwright-cli run`) holds the database.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct EngineStatus {
    pub running_here: bool,
    /// "process 4242 (rollwright-cli) since …", while another holds it.
    pub holder: Option<String>,
}

/// A product of an update and the version it goes to.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct TargetView {
    pub product: String,
    pub version: String,
}

impl TargetView {
    pub fn list(targets: &[Target]) -> Vec<TargetView> {
        targets
            .iter()
            .map(|t| TargetView {
                product: t.product.to_string(),
                version: t.version.to_string(),
            })
            .collect()
    }
}

/// What the engine is doing when the user asks to quit from the tray: the
/// payload of the confirm-quit event.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct Activity {
    pub running: usize,
    pub waiting: usize,
}

/// Who the app acts as, and what that allows.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct Me {
    pub name: String,
    pub role: Role,
}

/// A user with a recorded role, for the users panel.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct UserRow {
    pub name: String,
    pub role: Role,
    pub granted_by: String,
    pub granted_at: String,
}

impl From<UserRole> for UserRow {
    fn from(u: UserRole) -> UserRow {
        UserRow {
            name: u.name,
            role: u.role,
            granted_by: u.granted_by,
            granted_at: u.granted_at.to_rfc3339(),
        }
    }
}

/// Which audit entries to show; empty fields match everything.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct AuditQuery {
    pub actor: Option<String>,
    /// An action's audit name, e.g. `update.create`.
    pub action: Option<String>,
    pub outcome: Option<AuditOutcome>,
    pub text: Option<String>,
    /// Only entries older than this sequence number (the next page).
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn into_filter(self) -> Result<AuditFilter, ValidationError> {
        let action =
            match self.action.as_deref().filter(|a| !a.is_empty()) {
                None => None,
                Some(a) => Some(Action::parse(a).ok_or_else(|| {
                    ValidationError::new("action", format!("unknown action {a:?}"))
                })?),
            };
        Ok(AuditFilter {
            actor: self.actor.filter(|a| !a.trim().is_empty()),
            action,
            outcome: self.outcome,
            text: self.text,
            before: self.before,
        })
    }
}

/// One audit log entry.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: Role,
    pub action: String,
    pub objects: String,
    pub outcome: AuditOutcome,
    pub detail: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditRow {
    fn from(e: AuditEntry) -> AuditRow {
        let r = e.record;
        AuditRow {
            seq: e.seq,
            at: r.at.to_rfc3339(),
            actor: r.actor,
            role: r.role,
            action: r.action.as_str().to_owned(),
            objects: r.objects,
            outcome: r.outcome,
            detail: r.detail,
            hash: e.hash,
        }
    }
}

/// What walking the audit chain found.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ChainStatus {
    pub entries: u64,
    pub head_seq: Option<i64>,
    pub head_hash: Option<String>,
    /// The first entry that does not fit, and why; none when intact.
    pub broken_seq: Option<i64>,
    pub broken_reason: Option<String>,
}

impl From<ChainCheck> for ChainStatus {
    fn from(c: ChainCheck) -> ChainStatus {
        let (head_seq, head_hash) = c.head.map_or((None, None), |(s, h)| (Some(s), Some(h)));
        let (broken_seq, broken_reason) =
            c.broken.map_or((None, None), |(s, r)| (Some(s), Some(r)));
        ChainStatus {
            entries: c.entries,
            head_seq,
            head_hash,
            broken_seq,
            broken_reason,
        }
    }
}
