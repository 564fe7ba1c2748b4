//! When a running deployment counts as stuck: running longer than the deploy
//! timeout since its device update started, or showing no progress change for
//! the stall limit. Both are measured from recorded times, so restarting the
//! engine does not start the clocks again. Pure: callers pass `now`.

use chrono::{DateTime, Duration, Utc};

use super::{DeviceUpdate, DeviceUpdateStatus};

/// The two limits a deployment must stay within.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeployLimits {
    /// Longest a device update may be deploying, counted from its start.
    pub timeout: Duration,
    /// Longest a deployment may go without a change of progress.
    pub stall: Duration,
}

/// Which limit a deployment broke, and since when it was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overdue {
    TimedOut {
        since: DateTime<Utc>,
        limit: Duration,
    },
    Stalled {
        since: DateTime<Utc>,
        limit: Duration,
    },
}

impl Overdue {
    /// The code of the log entry that records it.
    pub fn code(&self) -> &'static str {
        match self {
            Overdue::TimedOut { .. } => "DEPLOY_TIMED_OUT",
            Overdue::Stalled { .. } => "DEPLOY_STALLED",
        }
    }

    /// What the admin reads in the error log.
    pub fn message(&self, progress: u8) -> String {
        match self {
            Overdue::TimedOut { since, limit } => format!(
                "the deployment was still running when its deploy timeout of {}, counted from its start at {}, ran out; cancel to abort and roll back",
                duration_text(*limit),
                since.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            Overdue::Stalled { since, limit } => format!(
                "the deployment made no progress for {} (stuck at {progress} % since {}); cancel to abort and roll back",
                duration_text(*limit),
                since.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        }
    }
}

fn duration_text(d: Duration) -> String {
    if d.num_seconds() % 60 == 0 {
        format!("{} min", d.num_minutes())
    } else {
        format!("{} s", d.num_seconds())
    }
}

impl DeviceUpdate {
    /// Whether a deploying device update has broken one of `limits` at `now`.
    /// The timeout counts from the recorded start, the stall from the last
    /// recorded progress change (or the start, before any).
    pub fn overdue(&self, now: DateTime<Utc>, limits: DeployLimits) -> Option<Overdue> {
        if self.status != DeviceUpdateStatus::Deploying {
            return None;
        }
        let started = self.actual_start.unwrap_or(self.updated_at);
        if now - started >= limits.timeout {
            return Some(Overdue::TimedOut {
                since: started,
                limit: limits.timeout,
            });
        }
        let last_progress = self.progress_at.unwrap_or(started);
        if now - last_progress >= limits.stall {
            return Some(Overdue::Stalled {
                since: last_progress,
                limit: limits.stall,
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::update::tests::{du, t};
    use crate::domain::DeployOption;

    const LIMITS: DeployLimits = DeployLimits {
        timeout: Duration::minutes(30),
        stall: Duration::minutes(5),
    };

    fn deploying(start: DateTime<Utc>, progress_at: Option<DateTime<Utc>>) -> DeviceUpdate {
        let mut d = du(DeviceUpdateStatus::Deploying, DeployOption::Now, 40);
        d.actual_start = Some(start);
        d.progress_at = progress_at;
        d
    }

    #[test]
    fn a_deployment_stalls_when_its_progress_has_not_changed_for_the_stall_limit() {
        let start = t(0);
        let d = deploying(start, Some(start + Duration::minutes(10)));
        let at = |m| start + Duration::minutes(m);
        assert_eq!(d.overdue(at(14), LIMITS), None);
        assert_eq!(
            d.overdue(at(15), LIMITS),
            Some(Overdue::Stalled {
                since: at(10),
                limit: LIMITS.stall
            })
        );
    }

    #[test]
    fn without_progress_the_stall_counts_from_the_start() {
        let d = deploying(t(0), None);
        assert_eq!(d.overdue(t(0) + Duration::seconds(299), LIMITS), None);
        assert!(matches!(
            d.overdue(t(0) + Duration::minutes(5), LIMITS),
            Some(Overdue::Stalled { .. })
        ));
    }

    #[test]
    fn a_deployment_times_out_from_its_recorded_start_even_while_progressing() {
        let start = t(0);
        let at = |m| start + Duration::minutes(m);
        let d = deploying(start, Some(at(29)));
        assert_eq!(d.overdue(at(29) + Duration::seconds(59), LIMITS), None);
        assert_eq!(
            d.overdue(at(30), LIMITS),
            Some(Overdue::TimedOut {
                since: start,
                limit: LIMITS.timeout
            })
        );
    }

    #[test]
    fn only_a_deploying_device_update_can_be_overdue() {
        let mut d = deploying(t(0), None);
        d.status = DeviceUpdateStatus::Error;
        assert_eq!(d.overdue(t(0) + Duration::days(1), LIMITS), None);
    }

    #[test]
    fn the_message_names_the_limit_and_the_way_out() {
        let stalled = Overdue::Stalled {
            since: t(0),
            limit: Duration::minutes(5),
        };
        let text = stalled.message(40);
        assert!(
            text.contains("5 min") && text.contains("40 %") && text.contains("cancel"),
            "{text}"
        );
        assert_eq!(stalled.code(), "DEPLOY_STALLED");
    }
}
