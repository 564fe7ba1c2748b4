//! The due queue: device updates waiting for their deploy time. One task
//! sleeps until the earliest entry or until a new entry wakes it; it never
//! polls on an interval.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, Notify};

use super::clock::Clock;
use crate::domain::DeviceUpdateId;

#[derive(Clone)]
pub(crate) struct Scheduler {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<BTreeSet<(DateTime<Utc>, DeviceUpdateId)>>,
    /// Entries handed out on the channel and not yet [`Scheduler::taken`]:
    /// still waiting, so the engine does not look idle in between.
    in_transit: AtomicUsize,
    changed: Notify,
}

/// A device update whose time has come, with when it was due, so lateness
/// can be measured.
pub(crate) struct Due {
    pub id: DeviceUpdateId,
    pub due: DateTime<Utc>,
}

impl Scheduler {
    /// Starts the sleeping task; due entries arrive on the returned channel.
    pub(crate) fn start(clock: Arc<dyn Clock>) -> (Scheduler, mpsc::UnboundedReceiver<Due>) {
        let shared = Arc::new(Shared {
            queue: Mutex::new(BTreeSet::new()),
            in_transit: AtomicUsize::new(0),
            changed: Notify::new(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(shared.clone(), clock, tx));
        (Scheduler { shared }, rx)
    }

    pub(crate) fn add(&self, due: DateTime<Utc>, id: DeviceUpdateId) {
        let earliest_changed = {
            let mut q = self.queue();
            let before = q.first().map(|(t, _)| *t);
            q.insert((due, id));
            before.is_none_or(|b| due < b)
        };
        if earliest_changed {
            self.shared.changed.notify_one();
        }
    }

    /// Entries waiting: queued, or handed out and not yet taken.
    pub(crate) fn len(&self) -> usize {
        self.queue().len() + self.shared.in_transit.load(Ordering::SeqCst)
    }

    /// The receiver of a handed-out entry has taken charge of it.
    pub(crate) fn taken(&self) {
        self.shared.in_transit.fetch_sub(1, Ordering::SeqCst);
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, BTreeSet<(DateTime<Utc>, DeviceUpdateId)>> {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn run(shared: Arc<Shared>, clock: Arc<dyn Clock>, out: mpsc::UnboundedSender<Due>) {
    loop {
        let now = clock.now();
        let (ready, next) = {
            let mut q = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            let mut ready = Vec::new();
            while let Some((t, _)) = q.first() {
                if *t > now {
                    break;
                }
                let (due, id) = q.pop_first().expect("first exists");
                shared.in_transit.fetch_add(1, Ordering::SeqCst);
                ready.push(Due { id, due });
            }
            (ready, q.first().map(|(t, _)| *t))
        };
        for due in ready {
            if out.send(due).is_err() {
                return;
            }
        }
        match next {
            Some(t) => {
                tokio::select! {
                    _ = clock.sleep_until(t) => {}
                    _ = shared.changed.notified() => {}
                }
            }
            None => shared.changed.notified().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::clock::ManualClock;
    use std::time::Duration;

    fn id(n: u32) -> DeviceUpdateId {
        DeviceUpdateId::parse(&format!("du-{n}")).unwrap()
    }

    // Paused time: a timeout fires only once every task is idle, so
    // "nothing happened within 50 ms" means nothing will, however loaded the machine.
    #[tokio::test(start_paused = true)]
    async fn entries_come_out_when_the_clock_reaches_them_in_order() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .to_utc();
        let clock = ManualClock::new(t0);
        let (sched, mut due) = Scheduler::start(Arc::new(clock.clone()));
        sched.add(t0 + chrono::Duration::minutes(10), id(2));
        sched.add(t0 + chrono::Duration::minutes(5), id(1));
        let none = tokio::time::timeout(Duration::from_millis(50), due.recv()).await;
        assert!(none.is_err(), "nothing is due yet");

        clock.advance(chrono::Duration::minutes(5));
        let first = tokio::time::timeout(Duration::from_secs(5), due.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.id, id(1));
        sched.taken();
        assert!(tokio::time::timeout(Duration::from_millis(50), due.recv())
            .await
            .is_err());

        clock.advance(chrono::Duration::minutes(5));
        let second = tokio::time::timeout(Duration::from_secs(5), due.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(second.id, id(2));
        assert_eq!(sched.len(), 1, "handed out but not taken still waits");
        sched.taken();
        assert_eq!(sched.len(), 0);
    }

    // Paused time, as above.
    #[tokio::test(start_paused = true)]
    async fn an_entry_already_due_comes_out_at_once() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .to_utc();
        let (sched, mut due) = Scheduler::start(Arc::new(ManualClock::new(t0)));
        sched.add(t0 - chrono::Duration::seconds(1), id(7));
        let got = tokio::time::timeout(Duration::from_secs(5), due.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.id, id(7));
    }
}
