//! Group commit: every device update change is written to SQLite before the
//! engine acts on it, and changes that arrive while a commit is running share
//! the next one. One fsync then covers hundreds of transitions, which is what
//! lets durable state keep up with thousands of devices per second.

use std::thread;

use tokio::sync::{mpsc, oneshot};

use crate::store::{ChangeOutcome, DeviceUpdateChange, Store, StoreError};

/// Most changes one transaction takes; bounds the latency of the first one.
const MAX_BATCH: usize = 1024;

type Reply = oneshot::Sender<Result<Vec<ChangeOutcome>, String>>;

/// A cheap handle to the one writer thread.
#[derive(Clone)]
pub(crate) struct Journal {
    tx: mpsc::UnboundedSender<(Vec<DeviceUpdateChange>, Option<Reply>)>,
}

impl Journal {
    pub(crate) fn start(store: Store) -> Journal {
        let (tx, rx) = mpsc::unbounded_channel();
        thread::Builder::new()
            .name("rollwright-journal".into())
            .spawn(move || writer(store, rx))
            .expect("cannot start the journal thread");
        Journal { tx }
    }

    /// Writes `changes` in one transaction (possibly shared with others) and
    /// returns once they are durable, with one outcome per change.
    pub(crate) async fn write(
        &self,
        changes: Vec<DeviceUpdateChange>,
    ) -> Result<Vec<ChangeOutcome>, JournalError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((changes, Some(reply)))
            .map_err(|_| JournalError::Closed)?;
        answer
            .await
            .map_err(|_| JournalError::Closed)?
            .map_err(JournalError::Store)
    }

    /// Returns once everything queued before it is durable: the writer
    /// takes the queue in order.
    pub(crate) async fn flush(&self) -> Result<(), JournalError> {
        self.write(Vec::new()).await.map(drop)
    }

    /// Queues changes that nothing waits on (progress figures): they ride
    /// along with the next commit.
    pub(crate) fn write_later(&self, changes: Vec<DeviceUpdateChange>) {
        let _ = self.tx.send((changes, None));
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the journal writer has stopped")]
    Closed,
    #[error("cannot write to the database: {0}")]
    Store(String),
}

fn writer(store: Store, mut rx: mpsc::UnboundedReceiver<(Vec<DeviceUpdateChange>, Option<Reply>)>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        let mut size = batch[0].0.len();
        while size < MAX_BATCH {
            match rx.try_recv() {
                Ok(next) => {
                    size += next.0.len();
                    batch.push(next);
                }
                Err(_) => break,
            }
        }
        match store.apply_each(batch.iter().flat_map(|(changes, _)| changes)) {
            Ok(outcomes) => {
                let mut outcomes = outcomes.into_iter();
                for (changes, reply) in batch {
                    let mine: Vec<ChangeOutcome> = outcomes.by_ref().take(changes.len()).collect();
                    if let Some(reply) = reply {
                        let _ = reply.send(Ok(mine));
                    }
                }
            }
            Err(e) => fail_all(batch, &e),
        }
    }
}

fn fail_all(batch: Vec<(Vec<DeviceUpdateChange>, Option<Reply>)>, e: &StoreError) {
    tracing::error!("journal commit failed: {e}");
    for (_, reply) in batch {
        if let Some(reply) = reply {
            let _ = reply.send(Err(e.to_string()));
        }
    }
}
