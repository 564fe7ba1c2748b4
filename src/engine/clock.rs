//! Time as the engine sees it. Scheduled deploy times and recorded start and
//! end times come from a [`Clock`], so tests can drive time by hand; HTTP
//! timeouts and retry backoff use tokio's own timers, because they measure
//! the network, not the calendar.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Completes once `now() >= deadline`.
    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep {
        Box::pin(async move {
            // Re-check after waking: the wall clock may have been adjusted.
            loop {
                let left = deadline - Utc::now();
                match left.to_std() {
                    Ok(d) if !d.is_zero() => tokio::time::sleep(d).await,
                    _ => return,
                }
            }
        })
    }
}

/// A clock that only moves when told to. Clones share the same time.
#[derive(Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
    moved: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: Arc::new(Mutex::new(start)),
            moved: watch::channel(start).0,
        }
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = t;
        self.moved.send_replace(t);
    }

    pub fn advance(&self, by: chrono::Duration) {
        self.set(self.now() + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep {
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            while *moved.borrow_and_update() < deadline {
                if moved.changed().await.is_err() {
                    // The clock is gone, so time never reaches the deadline.
                    std::future::pending::<()>().await;
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // Paused time: a timeout fires only once every task is idle, so
    // "nothing happened within 50 ms" means nothing will, however loaded the machine.
    #[tokio::test(start_paused = true)]
    async fn manual_clock_wakes_sleepers_only_when_time_reaches_the_deadline() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .to_utc();
        let clock = ManualClock::new(t0);
        let mut sleep = tokio::spawn(clock.sleep_until(t0 + chrono::Duration::minutes(5)));
        clock.advance(chrono::Duration::minutes(4));
        assert!(tokio::time::timeout(Duration::from_millis(50), &mut sleep)
            .await
            .is_err());
        clock.advance(chrono::Duration::minutes(1));
        tokio::time::timeout(Duration::from_secs(5), sleep)
            .await
            .unwrap()
            .unwrap();
    }
}
