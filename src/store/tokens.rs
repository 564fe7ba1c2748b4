//! Agent tokens: the secret store holds them, a device row only its
//! reference. Reading one is for calling the agent, nothing else.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};
use crate::domain::DeviceId;
use crate::secrets::{Secret, SecretRef};

impl Store {
    /// The token `device`'s agent expects.
    pub fn agent_token(&self, device: DeviceId) -> Result<Secret, StoreError> {
        let (token_ref, clear): (Option<String>, String) = self
            .reader()?
            .prepare_cached("SELECT token_ref, agent_token FROM devices WHERE id = ?1")?
            .query_row([device], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| StoreError::not_found("device", device))?;
        match token_ref {
            Some(r) => {
                let r: SecretRef = r.parse()?;
                Ok(self.inner.secrets.get(&r)?)
            }
            // Not moved out yet (the secret store failed at open): still usable.
            None if !clear.is_empty() => Ok(Secret::new(clear)),
            None => Err(StoreError::Corrupt(format!(
                "device {device} has no agent token"
            ))),
        }
    }

    /// Moves every token still kept in clear text into the secret store and
    /// blanks it, one device at a time; returns how many moved. A device
    /// whose move fails keeps its clear token (and works) until the next
    /// open tries again.
    pub(super) fn move_tokens_out(&self) -> Result<usize, StoreError> {
        let clear: Vec<(DeviceId, String)> = {
            let conn = self.reader()?;
            let mut stmt = conn.prepare(
                "SELECT id, agent_token FROM devices WHERE token_ref IS NULL AND agent_token <> ''",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut moved = 0;
        for (id, token) in clear {
            let r = match self.inner.secrets.put(&Secret::new(token)) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(device = %id, "cannot move an agent token out of the database yet: {e}");
                    continue;
                }
            };
            let n = self
                .writer()
                .prepare_cached(
                    "UPDATE devices SET token_ref = ?2, agent_token = '' WHERE id = ?1 AND token_ref IS NULL",
                )?
                .execute(params![id, r.to_string()]);
            match n {
                Ok(1) => moved += 1,
                other => {
                    self.forget_secret(&r);
                    other?;
                }
            }
        }
        if moved > 0 {
            // The blanked pages leave the write-ahead log for the main file
            // (zeroed there by `secure_delete`), so no copy stays behind.
            self.writer()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
            tracing::info!("moved {moved} agent tokens into {}", self.secrets_backend());
        }
        Ok(moved)
    }

    /// Deletes a secret nobody refers to any more; a failure leaves an
    /// orphan in the secret store, which is logged, not fatal.
    pub(super) fn forget_secret(&self, r: &SecretRef) {
        if let Err(e) = self.inner.secrets.delete(r) {
            tracing::warn!("cannot delete an unused agent token ({r}): {e}");
        }
    }
}
