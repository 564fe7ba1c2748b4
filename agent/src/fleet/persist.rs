//! `--state-file`: the fleet's state as one JSON file, written atomically
//! (temp file + rename) by a background task when something changed, and at
//! shutdown. Never on the request path.

use std::{collections::BTreeMap, path::Path, sync::atomic::Ordering, time::Duration};

use serde::{Deserialize, Serialize};

use super::{lock, spec::Initial, Fleet};
use crate::device::DeviceState;

#[derive(Serialize, Deserialize)]
struct Saved {
    id: String,
    name: String,
    labels: BTreeMap<String, String>,
    state: DeviceState,
}

pub fn load(path: &Path) -> anyhow::Result<Vec<Initial>> {
    let text = std::fs::read_to_string(path)?;
    let saved: Vec<Saved> = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("state file {}: {e}", path.display()))?;
    Ok(saved
        .into_iter()
        .map(|s| Initial {
            id: s.id,
            name: s.name,
            labels: s.labels,
            state: s.state,
        })
        .collect())
}

/// Writes the state file now if anything changed since the last write.
pub fn save_if_dirty(fleet: &Fleet) -> anyhow::Result<()> {
    let Some(path) = &fleet.0.state_file else {
        return Ok(());
    };
    if !fleet.0.dirty.swap(false, Ordering::Relaxed) {
        return Ok(());
    }
    let saved: Vec<Saved> = fleet
        .0
        .devices
        .iter()
        .map(|d| {
            let sim = lock(d);
            Saved {
                id: sim.id.clone(),
                name: sim.name.clone(),
                labels: sim.labels.clone(),
                state: sim.state.clone(),
            }
        })
        .collect();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec(&saved)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Saves every `period` while the fleet lives.
pub fn spawn_writer(fleet: Fleet, period: Duration) {
    if fleet.0.state_file.is_none() {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(period).await;
            let f = fleet.clone();
            let res = tokio::task::spawn_blocking(move || save_if_dirty(&f)).await;
            if let Ok(Err(e)) = res {
                eprintln!("writing the state file failed: {e}");
            }
        }
    });
}
