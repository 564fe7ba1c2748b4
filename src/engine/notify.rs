//! Notifications for people (the tray, a terminal). Failures are grouped: a
//! burst of failing device updates gives one notification, not hundreds.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::domain::UpdateId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// The last device update of an update ended.
    UpdateFinished {
        update: UpdateId,
        title: String,
        succeeded: usize,
        failed: usize,
        cancelled: usize,
    },
    /// Device updates failed; `examples` names the first few, as `device (update title)`.
    DevicesFailed { count: usize, examples: Vec<String> },
}

impl Notification {
    pub fn summary(&self) -> String {
        match self {
            Notification::UpdateFinished { title, .. } => format!("Update finished: {title}"),
            Notification::DevicesFailed { count: 1, .. } => "A device update failed".into(),
            Notification::DevicesFailed { count, .. } => format!("{count} device updates failed"),
        }
    }

    pub fn body(&self) -> String {
        match self {
            Notification::UpdateFinished {
                succeeded,
                failed,
                cancelled,
                ..
            } => format!("{succeeded} succeeded, {failed} failed, {cancelled} cancelled"),
            Notification::DevicesFailed { count, examples } => {
                let more = count.saturating_sub(examples.len());
                let mut body = examples.join(", ");
                if more > 0 {
                    body.push_str(&format!(" and {more} more"));
                }
                body
            }
        }
    }
}

/// Shows notifications to a person. The engine calls it from its own tasks.
pub trait Notifier: Send + Sync + 'static {
    fn notify(&self, notification: Notification);
}

/// A notifier that drops everything, for headless runs that print instead.
pub struct Silent;

impl Notifier for Silent {
    fn notify(&self, _: Notification) {}
}

const EXAMPLES: usize = 3;

/// Collects failures and hands them on in groups: the first failure opens a
/// window of `window`, and everything failing inside it becomes one notification.
pub(crate) fn spawn_failure_grouper(
    notifier: std::sync::Arc<dyn Notifier>,
    window: Duration,
) -> mpsc::UnboundedSender<String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut count = 1;
            let mut examples = vec![first];
            let deadline = tokio::time::Instant::now() + window;
            while let Ok(Some(next)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                count += 1;
                if examples.len() < EXAMPLES {
                    examples.push(next);
                }
            }
            notifier.notify(Notification::DevicesFailed { count, examples });
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<Notification>>);

    impl Notifier for Recorder {
        fn notify(&self, n: Notification) {
            self.0.lock().unwrap().push(n);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn five_hundred_failures_in_a_burst_give_one_notification() {
        let recorder = Arc::new(Recorder::default());
        let tx = spawn_failure_grouper(recorder.clone(), Duration::from_secs(3));
        for i in 0..500 {
            tx.send(format!("dev-{i:05}")).unwrap();
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
        let got = recorder.0.lock().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:?}");
        let Notification::DevicesFailed { count, examples } = &got[0] else {
            panic!("{got:?}")
        };
        assert_eq!(*count, 500);
        assert_eq!(examples.len(), EXAMPLES);
        assert!(got[0].body().ends_with("and 497 more"));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_far_apart_are_notified_separately() {
        let recorder = Arc::new(Recorder::default());
        let tx = spawn_failure_grouper(recorder.clone(), Duration::from_secs(3));
        tx.send("dev-1".into()).unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        tx.send("dev-2".into()).unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(recorder.0.lock().unwrap().len(), 2);
    }
}
