//! Updates, device updates, their transitions and logs. Every status change
//! goes through the domain state machine here, inside the transaction that
//! writes it; many changes can share one transaction (group commit), which is
//! how the engine keeps durable state without one fsync per change.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Transaction};
use uuid::Uuid;

use super::devices::all_devices;
use super::products::versions_of;
use super::sql::{
    bad_col, ms, opt_time_col, opt_version, opt_version_col, target_col, time_col, version_col,
};
use super::{Store, StoreError};
use crate::domain::update::UpdateFacts;
use crate::domain::{
    is_settled, Action, Actor, CatalogVersions, DeployOption, DeviceId, DeviceTarget, DeviceUpdate,
    DeviceUpdateId, DeviceUpdateStatus, Effects, Ends, LogEntry, LogLevel, LogSource, NewTarget,
    NewUpdate, ProductName, ProductVersions, Target, Update, UpdateId, ValidUpdate,
};

/// One change to a device update, for [`Store::apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceUpdateChange {
    /// A status change with the domain's [`Effects`] of it; refused unless
    /// the state machine allows it.
    Transition {
        id: DeviceUpdateId,
        to: DeviceUpdateStatus,
        at: DateTime<Utc>,
    },
    /// A progress report; `progress_at` moves only when the value changes.
    Progress {
        id: DeviceUpdateId,
        progress: u8,
        at: DateTime<Utc>,
    },
    /// Agent calls for it had to be tried again `retries` times in all.
    Retried {
        id: DeviceUpdateId,
        retries: u32,
        at: DateTime<Utc>,
    },
    /// An engine start picked it up where a previous run left it.
    Resumed {
        id: DeviceUpdateId,
        at: DateTime<Utc>,
    },
    Log {
        id: DeviceUpdateId,
        entry: LogEntry,
    },
}

/// A device update's own columns; its targets are read apart
/// ([`device_updates_where`]). `u` is there for filters that need it.
const DU_COLS: &str = "SELECT du.id, du.update_id, du.device_id, du.option, du.at_ms,
        du.window_from, du.window_to, du.status, du.progress, du.actual_start, du.actual_end,
        du.attempts, du.updated_at, du.resumes, du.progress_at
    FROM device_updates du JOIN updates u ON u.id = du.update_id";

/// An update's own columns; its targets are read apart ([`with_targets`]).
/// `product` and `version` (the first target) are not read: `update_targets`
/// has them all.
const UPDATE_COLS: &str = "SELECT id, title, created_by, created_at, window_from, window_to,
        approved_at, approved_by, actual_end FROM updates";

impl Store {
    /// Validates the request against the catalog and fleet, then writes the
    /// update and all its device updates in one transaction, or nothing.
    pub fn create_update(
        &self,
        actor: &Actor,
        req: NewUpdate,
        now: DateTime<Utc>,
    ) -> Result<(Update, Vec<DeviceUpdate>), StoreError> {
        let targets: Vec<String> = req
            .targets
            .iter()
            .map(|t| format!("{} {}", t.product, t.version))
            .collect();
        let objects = format!("{} ({} devices)", targets.join(", "), req.devices.len());
        self.as_admin(actor, Action::CreateUpdate, &objects, |tx| {
            let (update, dus) = insert_update(tx, actor, req, now)?;
            let did = format!("created update {}", update.id);
            Ok(((update, dus), did))
        })
    }

    pub fn update(&self, id: UpdateId) -> Result<Option<Update>, StoreError> {
        load_update(&*self.reader()?, id)
    }

    pub fn device_update(&self, id: &DeviceUpdateId) -> Result<Option<DeviceUpdate>, StoreError> {
        let conn = self.reader()?;
        Ok(device_updates_where(&conn, "du.id = ?1", [id])?.pop())
    }

    pub fn device_updates_of(&self, update: UpdateId) -> Result<Vec<DeviceUpdate>, StoreError> {
        device_updates_where(&*self.reader()?, "du.update_id = ?1", [update])
    }

    /// Writes all `changes` in one transaction, in order: all or nothing. An
    /// illegal transition or unknown id aborts the whole batch, since the
    /// engine's picture of the world is then wrong and must be reloaded.
    pub fn apply(&self, changes: &[DeviceUpdateChange]) -> Result<(), StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        for change in changes {
            apply_one(&tx, change)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A device update's log, oldest first.
    pub fn log_of(&self, id: &DeviceUpdateId) -> Result<Vec<LogEntry>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT at, level, code, message, detail, source FROM device_update_log
             WHERE device_update_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            let level: String = r.get(1)?;
            let source: String = r.get(5)?;
            Ok(LogEntry {
                at: time_col(r, 0)?,
                level: LogLevel::parse(&level).ok_or_else(|| bad_col(1, level.clone()))?,
                code: r.get(2)?,
                message: r.get(3)?,
                detail: r.get(4)?,
                source: LogSource::parse(&source).ok_or_else(|| bad_col(5, source.clone()))?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The known versions of each product `targets` name (a name that does not
/// parse is left for validation to refuse, by its field).
pub(super) fn catalog_for(
    conn: &rusqlite::Connection,
    targets: &[NewTarget],
) -> Result<CatalogVersions, StoreError> {
    let mut catalog = CatalogVersions::new();
    for t in targets {
        if let Ok(product) = ProductName::parse("product", &t.product) {
            let versions = versions_of(conn, &product)?;
            if !versions.is_empty() {
                catalog.insert(product, versions);
            }
        }
    }
    Ok(catalog)
}

/// Validates `req` against the catalog and fleet as `conn` sees them.
pub(super) fn validate_update(
    conn: &rusqlite::Connection,
    req: NewUpdate,
    now: DateTime<Utc>,
) -> Result<ValidUpdate, StoreError> {
    let catalog = catalog_for(conn, &req.targets)?;
    let devices: BTreeMap<_, _> = all_devices(conn)?.into_iter().map(|d| (d.id, d)).collect();
    Ok(req.validate(
        &UpdateFacts {
            catalog: &catalog,
            devices: &devices,
        },
        now,
    )?)
}

/// Validates `req` against the catalog and fleet as they are inside `tx`,
/// then writes the update and its device updates.
fn insert_update(
    tx: &Transaction<'_>,
    actor: &Actor,
    req: NewUpdate,
    now: DateTime<Utc>,
) -> Result<(Update, Vec<DeviceUpdate>), StoreError> {
    // Facts are read in the writing transaction so they cannot change
    // between the check and the write.
    let valid = validate_update(tx, req, now)?;

    // The first target also goes to the columns of migration 2 (see 13).
    let first = &valid.targets[0];
    tx.prepare_cached(
        "INSERT INTO updates (product, version, title, created_by, created_at, window_from, window_to)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        first.product,
        first.version.to_string(),
        valid.title,
        actor.name(),
        ms(now),
        ms(valid.window_from),
        ms(valid.window_to)
    ])?;
    let update_id = UpdateId(tx.last_insert_rowid());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO update_targets (update_id, position, product, version) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (position, t) in valid.targets.iter().enumerate() {
            insert.execute(params![
                update_id,
                position as i64,
                t.product,
                t.version.to_string()
            ])?;
        }
    }
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO device_updates (id, update_id, device_id, option, at_ms, window_from, window_to,
                 status, progress, attempts, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'scheduled', 0, 0, ?8)",
        )?;
        let mut insert_target = tx.prepare_cached(
            "INSERT INTO device_update_targets
                 (device_update_id, position, product, version, previous_configured, previous_deployed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for d in &valid.devices {
            let id = new_device_update_id();
            insert.execute(params![
                id,
                update_id,
                d.device,
                d.option.kind(),
                d.option.at().map(ms),
                ms(valid.window_from),
                ms(valid.window_to),
                ms(now)
            ])?;
            for (position, t) in d.targets.iter().enumerate() {
                insert_target.execute(params![
                    id,
                    position as i64,
                    t.product,
                    t.version.to_string(),
                    opt_version(&t.previous.configured),
                    opt_version(&t.previous.deployed),
                ])?;
            }
        }
    }
    let update =
        load_update(tx, update_id)?.ok_or_else(|| StoreError::not_found("update", update_id))?;
    let dus = device_updates_where(tx, "du.update_id = ?1", [update_id])?;
    Ok((update, dus))
}

fn new_device_update_id() -> DeviceUpdateId {
    DeviceUpdateId::parse(&format!(
        "{}{}",
        DeviceUpdateId::PREFIX,
        Uuid::new_v4().simple()
    ))
    .expect("a uuid in simple form is a valid id")
}

pub(super) fn apply_one(
    tx: &Transaction<'_>,
    change: &DeviceUpdateChange,
) -> Result<(), StoreError> {
    let missing = |id: &DeviceUpdateId| StoreError::not_found("device update", id);
    match change {
        DeviceUpdateChange::Transition { id, to, at } => transition(tx, id, *to, *at)?,
        DeviceUpdateChange::Progress { id, progress, at } => {
            if *progress > 100 {
                return Err(crate::domain::ValidationError::new(
                    "progress",
                    format!("must be 0 to 100 (got {progress})"),
                )
                .into());
            }
            let n = tx
                .prepare_cached(
                    // SET reads the row as it was, so the CASE sees the old progress.
                    "UPDATE device_updates SET progress = ?2, updated_at = ?3,
                         progress_at = CASE WHEN progress = ?2 THEN progress_at ELSE ?3 END
                     WHERE id = ?1",
                )?
                .execute(params![id, progress, ms(*at)])?;
            if n == 0 {
                return Err(missing(id));
            }
        }
        DeviceUpdateChange::Retried { id, retries, at } => {
            let n = tx
                .prepare_cached("UPDATE device_updates SET attempts = attempts + ?2, updated_at = ?3 WHERE id = ?1")?
                .execute(params![id, retries, ms(*at)])?;
            if n == 0 {
                return Err(missing(id));
            }
        }
        DeviceUpdateChange::Resumed { id, at } => {
            let n = tx
                .prepare_cached("UPDATE device_updates SET resumes = resumes + 1, updated_at = ?2 WHERE id = ?1")?
                .execute(params![id, ms(*at)])?;
            if n == 0 {
                return Err(missing(id));
            }
        }
        DeviceUpdateChange::Log { id, entry } => {
            let exists: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM device_updates WHERE id = ?1)")?
                .query_row([id], |r| r.get(0))?;
            if !exists {
                return Err(missing(id));
            }
            tx.prepare_cached(
                "INSERT INTO device_update_log (device_update_id, at, level, code, message, detail, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                id,
                ms(entry.at),
                entry.level.as_str(),
                entry.code,
                entry.message,
                entry.detail,
                entry.source.as_str()
            ])?;
        }
    }
    Ok(())
}

/// An update without its targets; [`with_targets`] adds them.
pub(super) fn update_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Update> {
    Ok(Update {
        id: r.get(0)?,
        targets: Vec::new(),
        title: r.get(1)?,
        created_by: r.get(2)?,
        created_at: time_col(r, 3)?,
        window_from: time_col(r, 4)?,
        window_to: time_col(r, 5)?,
        approved_at: opt_time_col(r, 6)?,
        approved_by: r.get(7)?,
        actual_end: opt_time_col(r, 8)?,
    })
}

/// The targets of one update, in order.
pub(super) fn targets_of(
    conn: &rusqlite::Connection,
    update: UpdateId,
) -> Result<Vec<Target>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT product, version FROM update_targets WHERE update_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([update], |r| target_col(r, 0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Fills in each update's targets (one indexed read per update).
pub(super) fn with_targets(
    conn: &rusqlite::Connection,
    mut updates: Vec<Update>,
) -> Result<Vec<Update>, StoreError> {
    for u in &mut updates {
        u.targets = targets_of(conn, u.id)?;
    }
    Ok(updates)
}

pub(super) fn load_update(
    conn: &rusqlite::Connection,
    id: UpdateId,
) -> Result<Option<Update>, StoreError> {
    let found = conn
        .prepare_cached(&format!("{UPDATE_COLS} WHERE id = ?1"))?
        .query_row([id], update_row)
        .optional()?;
    Ok(match found {
        Some(u) => with_targets(conn, vec![u])?.pop(),
        None => None,
    })
}

fn device_update_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceUpdate> {
    let kind: String = r.get(3)?;
    let at = opt_time_col(r, 4)?;
    let option = DeployOption::from_parts(&kind, at)
        .ok_or_else(|| bad_col(3, format!("bad option {kind:?}")))?;
    let progress: i64 = r.get(8)?;
    Ok(DeviceUpdate {
        id: r.get(0)?,
        update: r.get(1)?,
        device: r.get(2)?,
        targets: Vec::new(),
        option,
        window_from: time_col(r, 5)?,
        window_to: time_col(r, 6)?,
        status: r.get(7)?,
        progress: u8::try_from(progress)
            .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(8, progress))?,
        actual_start: opt_time_col(r, 9)?,
        actual_end: opt_time_col(r, 10)?,
        attempts: r.get(11)?,
        updated_at: time_col(r, 12)?,
        resumes: r.get(13)?,
        progress_at: opt_time_col(r, 14)?,
    })
}

fn device_target_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(DeviceUpdateId, DeviceTarget)> {
    Ok((
        r.get(0)?,
        DeviceTarget {
            product: r.get(1)?,
            version: version_col(r, 2)?,
            previous: ProductVersions {
                configured: opt_version_col(r, 3)?,
                deployed: opt_version_col(r, 4)?,
            },
        },
    ))
}

/// The device updates `filter` (over `du` and `u`) selects, each with its
/// targets: two queries with the same filter, whatever their number.
pub(super) fn device_updates_where<P: rusqlite::Params + Clone>(
    conn: &rusqlite::Connection,
    filter: &str,
    params: P,
) -> Result<Vec<DeviceUpdate>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{DU_COLS} WHERE {filter} ORDER BY du.update_id, du.rowid"
    ))?;
    let mut dus: Vec<DeviceUpdate> = stmt
        .query_map(params.clone(), device_update_row)?
        .collect::<Result<_, _>>()?;
    if dus.is_empty() {
        return Ok(dus);
    }
    let mut targets: HashMap<DeviceUpdateId, Vec<DeviceTarget>> = HashMap::with_capacity(dus.len());
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.device_update_id, t.product, t.version, t.previous_configured, t.previous_deployed
         FROM device_update_targets t
         JOIN device_updates du ON du.id = t.device_update_id
         JOIN updates u ON u.id = du.update_id
         WHERE {filter} ORDER BY t.device_update_id, t.position"
    ))?;
    for row in stmt.query_map(params, device_target_row)? {
        let (id, target) = row?;
        targets.entry(id).or_default().push(target);
    }
    for du in &mut dus {
        du.targets = targets.remove(&du.id).unwrap_or_default();
    }
    Ok(dus)
}

/// One status change in one statement: the `WHERE` admits only the statuses
/// the state machine allows to move to `to`, so a refused change writes
/// nothing. Its effects are the domain's [`Effects`] of entering `to`.
fn transition(
    tx: &Transaction<'_>,
    id: &DeviceUpdateId,
    to: DeviceUpdateStatus,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    use DeviceUpdateStatus::*;
    let Some(sql) = transition_sql(to) else {
        return Err(refusal(tx, id, to)?);
    };
    let moved: Option<DeviceId> = tx
        .prepare_cached(sql)?
        .query_row(params![id, to, ms(at)], |r| r.get(0))
        .optional()?;
    let Some(device) = moved else {
        return Err(refusal(tx, id, to)?);
    };
    // The fleet picture follows what the agent was told and now runs.
    let set_deployed = match to {
        Configured => false,
        Succeeded | Cancelled => true,
        _ => return Ok(()),
    };
    let restore = to == Cancelled;
    // Every target of the device update: all are configured together, and it
    // succeeds (or is cancelled) only when all are deployed (or restored).
    tx.prepare_cached(
        "INSERT INTO device_products (device_id, product, configured_version, deployed_version)
         SELECT ?1, t.product, CASE WHEN ?3 THEN t.previous_configured ELSE t.version END,
                CASE WHEN ?3 THEN t.previous_deployed ELSE t.version END
         FROM device_update_targets t WHERE t.device_update_id = ?2
         ON CONFLICT (device_id, product) DO UPDATE
         SET configured_version = excluded.configured_version,
             deployed_version = CASE WHEN ?4 THEN excluded.deployed_version ELSE deployed_version END",
    )?
    .execute(params![device, id, restore, set_deployed])?;
    Ok(())
}

/// Why a transition did not apply: the device update is unknown, or its
/// status does not allow the move.
fn refusal(
    tx: &Transaction<'_>,
    id: &DeviceUpdateId,
    to: DeviceUpdateStatus,
) -> Result<StoreError, StoreError> {
    let from: Option<DeviceUpdateStatus> = tx
        .prepare_cached("SELECT status FROM device_updates WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(match from {
        None => StoreError::not_found("device update", id),
        Some(from) => StoreError::Transition {
            id: id.clone(),
            source: crate::domain::TransitionError { from, to },
        },
    })
}

/// The UPDATE of [`transition`] for each target status, built once: its
/// `SET` spells out the domain's [`Effects`] of entering that status, and its
/// `WHERE` lists the statuses the state machine allows to move there. `None`
/// when nothing may move to `to`.
fn transition_sql(to: DeviceUpdateStatus) -> Option<&'static str> {
    static SQL: std::sync::OnceLock<Vec<Option<String>>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        DeviceUpdateStatus::ALL
            .iter()
            .map(|&to| {
                let from: Vec<String> = DeviceUpdateStatus::ALL
                    .iter()
                    .filter(|from| from.can_transition_to(to))
                    .map(|from| format!("'{}'", from.as_str()))
                    .collect();
                (!from.is_empty()).then(|| {
                    format!(
                        "UPDATE device_updates SET status = ?2, updated_at = ?3{}
                         WHERE id = ?1 AND status IN ({})
                         RETURNING device_id",
                        effects_sql(Effects::of(to)),
                        from.join(", ")
                    )
                })
            })
            .collect()
    });
    let i = DeviceUpdateStatus::ALL.iter().position(|s| *s == to)?;
    all[i].as_deref()
}

/// The `SET` assignments for `effects`, with `?3` the time of the change.
fn effects_sql(effects: Effects) -> String {
    let mut set = String::new();
    if effects.starts {
        set += ", actual_start = COALESCE(actual_start, ?3)";
    }
    if effects.counts_attempt {
        set += ", attempts = attempts + 1";
    }
    if effects.restarts_progress_clock {
        set += ", progress_at = ?3";
    }
    match effects.ends {
        Ends::Never => {}
        Ends::Always => set += ", actual_end = ?3",
        Ends::IfConfigOnly => {
            set += ", actual_end = CASE WHEN option = 'config_only' THEN ?3 ELSE actual_end END"
        }
    }
    if effects.completes {
        set += ", progress = 100";
    }
    set
}

/// An SQL condition true where the device update in `du` is settled, built
/// from the domain's [`is_settled`] so the list lives in one place.
pub(super) fn settled_sql(du: &str) -> String {
    let quoted = |config_only: bool| -> String {
        DeviceUpdateStatus::ALL
            .iter()
            .filter(|s| is_settled(**s, config_only))
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "({du}.status IN ({}) OR ({du}.option = 'config_only' AND {du}.status IN ({})))",
        quoted(false),
        quoted(true)
    )
}
