//! The planning calendar's downtimes. Never checks conflicts with updates:
//! that is the calendar's job, over what this returns.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::sql::{bad_col, from_ms, ms, time_col};
use super::{Store, StoreError};
use crate::calendar::Series;
use crate::domain::{
    Action, Actor, CheckedDowntime, DeviceId, Downtime, DowntimeId, DowntimeKind, NewDowntime,
    Recurrence, Scope, ValidationError, Zone,
};

const COLS: &str = "SELECT id, kind, title, from_ms, to_ms, scope, label_key, label_value, \
     zone, rrule, exdates FROM downtimes";

impl Store {
    pub fn add_downtime(&self, actor: &Actor, d: NewDowntime) -> Result<Downtime, StoreError> {
        let objects = format!("downtime {:?}", d.title);
        self.as_admin(actor, Action::AddDowntime, &objects, |tx| {
            let out = insert(tx, &d.validate()?)?;
            let id = out.id;
            Ok((out, format!("added as downtime {id}")))
        })
    }

    /// Adds several items in one transaction, all or none (an import).
    pub fn add_downtimes(
        &self,
        actor: &Actor,
        items: Vec<NewDowntime>,
        source: &str,
    ) -> Result<Vec<Downtime>, StoreError> {
        let objects = format!("{} calendar items from {source}", items.len());
        self.as_admin(actor, Action::AddDowntime, &objects, |tx| {
            let mut out = Vec::with_capacity(items.len());
            for (i, d) in items.into_iter().enumerate() {
                let d = d
                    .validate()
                    .map_err(|e| ValidationError::new(format!("items[{i}].{}", e.field), e.rule))?;
                out.push(insert(tx, &d)?);
            }
            // Ids are consecutive within one transaction: the range says it.
            let detail = match (out.first(), out.last()) {
                (Some(a), Some(b)) if a.id != b.id => {
                    format!("added as downtimes {} to {}", a.id, b.id)
                }
                (Some(a), _) => format!("added as downtime {}", a.id),
                _ => "nothing to add".to_owned(),
            };
            Ok((out, detail))
        })
    }

    /// Replaces every field of an existing downtime.
    pub fn edit_downtime(
        &self,
        actor: &Actor,
        id: DowntimeId,
        d: NewDowntime,
    ) -> Result<Downtime, StoreError> {
        self.as_admin(
            actor,
            Action::EditDowntime,
            &format!("downtime {id}"),
            |tx| {
                let d = d.validate()?;
                if load(tx, id)?.is_none() {
                    return Err(StoreError::not_found("downtime", id));
                }
                write_fields(tx, id, &d)?;
                let out = load(tx, id)?.ok_or_else(|| StoreError::not_found("downtime", id))?;
                Ok((out, "edited".to_owned()))
            },
        )
    }

    pub fn remove_downtime(&self, actor: &Actor, id: DowntimeId) -> Result<(), StoreError> {
        self.as_admin(
            actor,
            Action::RemoveDowntime,
            &format!("downtime {id}"),
            |tx| {
                let n = tx
                    .prepare_cached("DELETE FROM downtimes WHERE id = ?1")?
                    .execute([id])?;
                if n == 0 {
                    return Err(StoreError::not_found("downtime", id));
                }
                Ok(((), "removed".to_owned()))
            },
        )
    }

    /// Items with an occurrence that may overlap `[from, to)`, by first
    /// start: a series is read when it starts before `to` and has not ended
    /// by `from`. The calendar expands them.
    pub fn downtimes_in(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Downtime>, StoreError> {
        if to <= from {
            return Err(ValidationError::new("to", "must be after from").into());
        }
        // One snapshot for all its queries.
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let ids: Vec<DowntimeId> = conn
            .prepare_cached(
                "SELECT id FROM downtimes WHERE from_ms < ?2 AND (until_ms IS NULL OR until_ms > ?1) \
                 ORDER BY from_ms, id",
            )?
            .query_map(params![ms(from), ms(to)], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter()
            .map(|id| load(&conn, id)?.ok_or_else(|| StoreError::not_found("downtime", id)))
            .collect()
    }
}

fn insert(tx: &Transaction<'_>, d: &CheckedDowntime) -> Result<Downtime, StoreError> {
    // A placeholder row that `write_fields` fills, so adding and editing
    // write through one statement.
    tx.prepare_cached(
        "INSERT INTO downtimes (kind, title, from_ms, to_ms, scope) VALUES (?1, '', 0, 1, 'all')",
    )?
    .execute([d.kind.as_str()])?;
    let id = DowntimeId(tx.last_insert_rowid());
    write_fields(tx, id, d)?;
    load(tx, id)?.ok_or_else(|| StoreError::not_found("downtime", id))
}

fn write_fields(
    tx: &Transaction<'_>,
    id: DowntimeId,
    d: &CheckedDowntime,
) -> Result<(), StoreError> {
    let until = Series::of_checked(d)?.end();
    let (rule, exdates) = match &d.recurrence {
        Some(r) => (
            Some(r.rule.as_str()),
            serde_json::to_string(&r.exdates.iter().map(|t| ms(*t)).collect::<Vec<_>>())
                .expect("a list of integers serializes"),
        ),
        None => (None, "[]".to_owned()),
    };
    tx.prepare_cached(
        "UPDATE downtimes SET kind = ?2, title = ?3, from_ms = ?4, to_ms = ?5, zone = ?6, \
         rrule = ?7, exdates = ?8, until_ms = ?9 WHERE id = ?1",
    )?
    .execute(params![
        id,
        d.kind.as_str(),
        d.title,
        ms(d.from),
        ms(d.to),
        d.zone.name(),
        rule,
        exdates,
        until.map(ms),
    ])?;
    write_scope(tx, id, &d.scope)
}

fn write_scope(tx: &Transaction<'_>, id: DowntimeId, scope: &Scope) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM downtime_devices WHERE downtime_id = ?1")?
        .execute([id])?;
    let (kind, key, value) = match scope {
        Scope::All => ("all", None, None),
        Scope::Label { key, value } => ("label", Some(key.as_str()), Some(value.as_str())),
        Scope::Devices { devices } => {
            let mut exists =
                tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM devices WHERE id = ?1)")?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO downtime_devices (downtime_id, device_id) VALUES (?1, ?2)",
            )?;
            for (i, d) in devices.iter().enumerate() {
                if !exists.query_row([d], |r| r.get::<_, bool>(0))? {
                    return Err(ValidationError::new(
                        format!("scope.devices[{i}]"),
                        format!("unknown device {d}"),
                    )
                    .into());
                }
                insert.execute(params![id, d])?;
            }
            ("devices", None, None)
        }
    };
    tx.prepare_cached(
        "UPDATE downtimes SET scope = ?2, label_key = ?3, label_value = ?4 WHERE id = ?1",
    )?
    .execute(params![id, kind, key, value])?;
    Ok(())
}

fn load(conn: &Connection, id: DowntimeId) -> Result<Option<Downtime>, StoreError> {
    let row = conn
        .prepare_cached(&format!("{COLS} WHERE id = ?1"))?
        .query_row([id], |r| {
            let kind: String = r.get(1)?;
            let kind = DowntimeKind::parse(&kind).map_err(|e| bad_col(1, e.to_string()))?;
            let scope: String = r.get(5)?;
            let zone: String = r.get(8)?;
            let zone = Zone::parse("zone", &zone).map_err(|e| bad_col(8, e.to_string()))?;
            let rule: Option<String> = r.get(9)?;
            let exdates: String = r.get(10)?;
            let recurrence = rule
                .map(|rule| {
                    let exdates: Vec<i64> =
                        serde_json::from_str(&exdates).map_err(|e| bad_col(10, e.to_string()))?;
                    let exdates = exdates
                        .into_iter()
                        .map(|t| from_ms(t, 10))
                        .collect::<Result<_, _>>()?;
                    Ok::<_, rusqlite::Error>(Recurrence { rule, exdates })
                })
                .transpose()?;
            Ok((
                Downtime {
                    id: r.get(0)?,
                    kind,
                    title: r.get(2)?,
                    from: time_col(r, 3)?,
                    to: time_col(r, 4)?,
                    zone,
                    recurrence,
                    scope: Scope::All,
                },
                scope,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })
        .optional()?;
    let Some((mut d, scope, key, value)) = row else {
        return Ok(None);
    };
    d.scope = match (scope.as_str(), key, value) {
        ("all", _, _) => Scope::All,
        ("label", Some(key), Some(value)) => Scope::Label { key, value },
        ("devices", _, _) => {
            let devices: Vec<DeviceId> = conn
                .prepare_cached("SELECT device_id FROM downtime_devices WHERE downtime_id = ?1 ORDER BY device_id")?
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Scope::Devices { devices }
        }
        (other, _, _) => {
            return Err(StoreError::Corrupt(format!(
                "downtime {id} has scope {other:?}"
            )))
        }
    };
    Ok(Some(d))
}
