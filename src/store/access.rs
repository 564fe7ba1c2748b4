//! Who may act, and the gate every admin action goes through: the actor's
//! role is read, the action is done or refused, and the audit entry is
//! written in the same transaction as the change, so a change is never
//! without its entry.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::audit::append;
use super::sql::{bad_col, ms, time_col};
use super::{Store, StoreError};
use crate::domain::{
    check_user_name, Action, Actor, AuditOutcome, AuditRecord, Forbidden, Role, ValidationError,
};

/// A user with a recorded role. Users without one are viewers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRole {
    pub name: String,
    pub role: Role,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
}

impl Store {
    /// The actor's role. On a database without any user yet, the first actor
    /// becomes its admin (and the audit log says so).
    pub fn sign_in(&self, actor: &Actor) -> Result<Role, StoreError> {
        {
            let conn = self.reader()?;
            if let Some(role) = recorded_role(&conn, actor)? {
                return Ok(role);
            }
            if has_users(&conn)? {
                return Ok(Role::Viewer);
            }
        }
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let role = role_in(&tx, actor)?;
        tx.commit()?;
        Ok(role)
    }

    /// Every user with a recorded role, by name.
    pub fn users(&self) -> Result<Vec<UserRole>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached("SELECT name, role, granted_by, granted_at FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| {
            let role: String = r.get(1)?;
            Ok(UserRole {
                name: r.get(0)?,
                role: role
                    .parse()
                    .map_err(|e: ValidationError| bad_col(1, e.rule))?,
                granted_by: r.get(2)?,
                granted_at: time_col(r, 3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Gives `user` a role. Demoting the last admin is refused: someone must
    /// be able to grant roles back.
    pub fn grant_role(&self, actor: &Actor, user: &str, role: Role) -> Result<(), StoreError> {
        let objects = format!("user {user}");
        self.as_admin(actor, Action::GrantRole, &objects, |tx| {
            let user = check_user_name("name", user)?;
            if role != Role::Admin {
                refuse_last_admin(tx, &user)?;
            }
            tx.prepare_cached(
                "INSERT INTO users (name, role, granted_by, granted_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role,
                     granted_by = excluded.granted_by, granted_at = excluded.granted_at",
            )?
            .execute(params![user, role.as_str(), actor.name(), ms(Utc::now())])?;
            Ok(((), format!("{user} is now {}", role.with_article())))
        })
    }

    /// Removes `user`'s recorded role, which makes them a viewer.
    pub fn revoke_role(&self, actor: &Actor, user: &str) -> Result<(), StoreError> {
        let objects = format!("user {user}");
        self.as_admin(actor, Action::RevokeRole, &objects, |tx| {
            refuse_last_admin(tx, user)?;
            let n = tx
                .prepare_cached("DELETE FROM users WHERE name = ?1")?
                .execute([user])?;
            if n == 0 {
                return Err(StoreError::not_found("user with a role", user));
            }
            Ok(((), format!("{user} is now a viewer")))
        })
    }

    /// Runs `act` as `actor`'s admin action: refused (and recorded as such)
    /// unless the actor's role allows `action`; otherwise the change and its
    /// audit entry commit together. A change that fails leaves nothing but
    /// an entry saying it failed and why. `act` returns its value and what
    /// it did, in words, for the entry.
    pub(super) fn as_admin<T>(
        &self,
        actor: &Actor,
        action: Action,
        objects: &str,
        act: impl FnOnce(&Transaction<'_>) -> Result<(T, String), StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let role = match check_role(&tx, actor, action, objects)? {
            Ok(role) => role,
            Err(refused) => {
                tx.commit()?;
                return Err(refused.into());
            }
        };
        let entry = |outcome, detail: String| entry(actor, role, action, objects, outcome, &detail);
        match act(&tx) {
            Ok((value, did)) => {
                append(&tx, entry(AuditOutcome::Done, did))?;
                tx.commit()?;
                Ok(value)
            }
            Err(e) => {
                drop(tx);
                let failed = entry(AuditOutcome::Failed, e.to_string());
                if let Err(not_recorded) = record_alone(&mut conn, failed) {
                    tracing::error!(
                        "cannot record a failed {action} in the audit log: {not_recorded}"
                    );
                }
                Err(e)
            }
        }
    }

    /// The first half of an admin action carried out elsewhere (the engine's
    /// cancels): refuses and records the refusal unless the role allows it.
    /// The caller then records the outcome with [`Store::record_action`].
    pub fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        objects: String,
    ) -> Result<Allowed, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let checked = check_role(&tx, actor, action, &objects)?;
        tx.commit()?;
        Ok(Allowed {
            actor: actor.clone(),
            role: checked?,
            action,
            objects,
        })
    }

    /// Records the outcome of an action [`Store::authorize`] allowed: what
    /// it did, or why it failed.
    pub fn record_action(
        &self,
        allowed: &Allowed,
        outcome: Result<String, String>,
    ) -> Result<(), StoreError> {
        let (outcome, detail) = match outcome {
            Ok(did) => (AuditOutcome::Done, did),
            Err(why) => (AuditOutcome::Failed, why),
        };
        let Allowed {
            actor,
            role,
            action,
            objects,
        } = allowed;
        let record = entry(actor, *role, *action, objects, outcome, &detail);
        record_alone(&mut self.writer(), record)
    }
}

/// An action [`Store::authorize`] allowed, whose outcome is still to record.
#[derive(Debug)]
pub struct Allowed {
    actor: Actor,
    role: Role,
    action: Action,
    objects: String,
}

impl Allowed {
    pub fn action(&self) -> Action {
        self.action
    }
}

/// Objects and details quote what a caller sent; a pasted megabyte must not
/// land in the log whole.
const MAX_OBJECTS_CHARS: usize = 256;
const MAX_DETAIL_CHARS: usize = 1024;

fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

/// The actor's role inside a writing transaction, or, when it does not
/// allow `action`, the refusal, already appended to the audit log.
fn check_role(
    tx: &Transaction<'_>,
    actor: &Actor,
    action: Action,
    objects: &str,
) -> Result<Result<Role, Forbidden>, StoreError> {
    let role = role_in(tx, actor)?;
    match Forbidden::check(actor.name(), role, action) {
        Ok(()) => Ok(Ok(role)),
        Err(refused) => {
            let why = refused.to_string();
            append(
                tx,
                entry(actor, role, action, objects, AuditOutcome::Refused, &why),
            )?;
            Ok(Err(refused))
        }
    }
}

/// An audit entry of `actor`'s `action`, its quoted text clipped.
fn entry(
    actor: &Actor,
    role: Role,
    action: Action,
    objects: &str,
    outcome: AuditOutcome,
    detail: &str,
) -> AuditRecord {
    AuditRecord {
        at: Utc::now(),
        actor: actor.name().to_owned(),
        role,
        action,
        objects: clip(objects, MAX_OBJECTS_CHARS),
        outcome,
        detail: clip(detail, MAX_DETAIL_CHARS),
    }
}

fn record_alone(conn: &mut Connection, record: AuditRecord) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    append(&tx, record)?;
    tx.commit()?;
    Ok(())
}

/// The actor's role inside a writing transaction; the first user of a
/// database without users becomes its admin.
fn role_in(tx: &Transaction<'_>, actor: &Actor) -> Result<Role, StoreError> {
    if let Some(role) = recorded_role(tx, actor)? {
        return Ok(role);
    }
    if has_users(tx)? {
        return Ok(Role::Viewer);
    }
    tx.prepare_cached(
        "INSERT INTO users (name, role, granted_by, granted_at) VALUES (?1, 'admin', ?1, ?2)",
    )?
    .execute(params![actor.name(), ms(Utc::now())])?;
    append(
        tx,
        entry(
            actor,
            Role::Admin,
            Action::GrantRole,
            &format!("user {actor}"),
            AuditOutcome::Done,
            "first user of this database: made admin",
        ),
    )?;
    Ok(Role::Admin)
}

fn recorded_role(conn: &Connection, actor: &Actor) -> Result<Option<Role>, StoreError> {
    let role: Option<String> = conn
        .prepare_cached("SELECT role FROM users WHERE name = ?1")?
        .query_row([actor.name()], |r| r.get(0))
        .optional()?;
    role.map(|r| {
        r.parse()
            .map_err(|e: ValidationError| StoreError::Corrupt(format!("users.role: {}", e.rule)))
    })
    .transpose()
}

fn has_users(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users)")?
        .query_row([], |r| r.get(0))?)
}

fn refuse_last_admin(tx: &Transaction<'_>, user: &str) -> Result<(), StoreError> {
    let other_admins: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM users WHERE role = 'admin' AND name <> ?1")?
        .query_row([user], |r| r.get(0))?;
    let is_admin: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1 AND role = 'admin')")?
        .query_row([user], |r| r.get(0))?;
    if is_admin && other_admins == 0 {
        return Err(StoreError::conflict(
            "name",
            format!("{user} is the last admin; grant another user admin first"),
        ));
    }
    Ok(())
}
