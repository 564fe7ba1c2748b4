//! What the engine writes and reads while carrying out updates: approval,
//! batches of changes with one outcome each (group commit), the end of an
//! update, and the unfinished work to resume after a restart.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::sql::ms;
use super::updates::{
    apply_one, device_updates_where, load_update, settled_sql, DeviceUpdateChange,
};
use super::{Store, StoreError};
use crate::domain::{
    Action, Actor, DeviceUpdate, DeviceUpdateId, DeviceUpdateStatus, Update, UpdateId,
};

/// What became of one change in [`Store::apply_each`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    Applied,
    /// Refused without writing anything, e.g. a transition the state machine
    /// forbids because someone else (a cancel) changed the status first.
    Refused(String),
}

impl Store {
    /// Writes `changes` in one transaction, each judged on its own: a refused
    /// change writes nothing and does not stop the others. A database failure
    /// rolls the whole batch back.
    pub fn apply_each<'a>(
        &self,
        changes: impl IntoIterator<Item = &'a DeviceUpdateChange>,
    ) -> Result<Vec<ChangeOutcome>, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut outcomes = Vec::new();
        for change in changes {
            // `apply_one` checks before it writes, so a refusal leaves no trace.
            outcomes.push(match apply_one(&tx, change) {
                Ok(()) => ChangeOutcome::Applied,
                Err(
                    e @ (StoreError::Transition { .. }
                    | StoreError::NotFound { .. }
                    | StoreError::Invalid(_)),
                ) => ChangeOutcome::Refused(e.to_string()),
                Err(e) => return Err(e),
            });
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Marks an update approved by `actor`; approving twice keeps the first
    /// approval. Callers: `Engine::approve`, and the demo replaying past
    /// updates.
    pub(crate) fn approve_update(
        &self,
        actor: &Actor,
        id: UpdateId,
        now: DateTime<Utc>,
    ) -> Result<Update, StoreError> {
        self.as_admin(
            actor,
            Action::ApproveUpdate,
            &format!("update {id}"),
            |tx| {
                tx.prepare_cached(
                    "UPDATE updates SET approved_at = COALESCE(approved_at, ?2),
                     approved_by = COALESCE(approved_by, ?3) WHERE id = ?1",
                )?
                .execute(params![id, ms(now), actor.name()])?;
                let update =
                    load_update(tx, id)?.ok_or_else(|| StoreError::not_found("update", id))?;
                let did = match &update.approved_by {
                    Some(by) if by != actor.name() => format!("already approved by {by}"),
                    _ => "approved".to_owned(),
                };
                Ok((update, did))
            },
        )
    }

    /// Records the actual end of an update, which replaces its estimate.
    pub fn finish_update(&self, id: UpdateId, actual_end: DateTime<Utc>) -> Result<(), StoreError> {
        let n = self
            .writer()
            .prepare_cached("UPDATE updates SET actual_end = ?2 WHERE id = ?1")?
            .execute(params![id, ms(actual_end)])?;
        if n == 0 {
            return Err(StoreError::not_found("update", id));
        }
        Ok(())
    }

    /// Device updates the engine must carry on when it starts: those of
    /// approved updates that are not settled, and every cleanup under way
    /// (`cancelling`), approved or not, since an admin may cancel before
    /// approving.
    pub fn device_updates_to_resume(&self) -> Result<Vec<DeviceUpdate>, StoreError> {
        device_updates_where(
            &*self.reader()?,
            &format!(
                "(u.approved_at IS NOT NULL AND NOT {}) OR du.status = 'cancelling'",
                settled_sql("du")
            ),
            [],
        )
    }

    /// The ids of the device updates in `status`.
    pub fn device_update_ids_in(
        &self,
        status: DeviceUpdateStatus,
    ) -> Result<Vec<DeviceUpdateId>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached("SELECT id FROM device_updates WHERE status = ?1")?;
        let ids = stmt
            .query_map([status], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Approved updates that have no actual end yet.
    pub fn unfinished_approved_updates(&self) -> Result<Vec<UpdateId>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM updates WHERE approved_at IS NOT NULL AND actual_end IS NULL ORDER BY id",
        )?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }
}
