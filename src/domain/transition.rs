//! What a device update's status change does besides changing its status.
//! This is the one statement of those effects: the engine applies them to its
//! copy with [`DeviceUpdate::apply`], and the store builds its guarded SQL
//! `UPDATE` from [`Effects::of`], so the two cannot drift apart.

use chrono::{DateTime, Utc};

use super::update::{DeployOption, DeviceUpdate, DeviceUpdateStatus, TransitionError};

/// When entering a status stamps `actual_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    Never,
    Always,
    /// `configured` is the end only when configuring was all that was asked.
    IfConfigOnly,
}

/// The effects of entering one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Effects {
    /// Work on the device begins: `actual_start` is stamped, once.
    pub starts: bool,
    /// One more attempt is counted (retried agent calls add theirs apart).
    pub counts_attempt: bool,
    /// `progress_at` restarts: the stall limit counts from here.
    pub restarts_progress_clock: bool,
    pub ends: Ends,
    /// Progress becomes 100.
    pub completes: bool,
}

impl Effects {
    /// The effects of entering `to`, whichever status it is entered from.
    pub fn of(to: DeviceUpdateStatus) -> Effects {
        use DeviceUpdateStatus::*;
        let ends = match (is_settled(to, false), is_settled(to, true)) {
            (true, _) => Ends::Always,
            (false, true) => Ends::IfConfigOnly,
            (false, false) => Ends::Never,
        };
        Effects {
            starts: to == Configuring,
            counts_attempt: to == Configuring,
            restarts_progress_clock: to == Deploying,
            ends,
            completes: to == Succeeded,
        }
    }
}

/// Nothing more happens without an admin: finished, failed, or configured
/// when configuring was all that was asked. The only list of settled statuses.
pub fn is_settled(status: DeviceUpdateStatus, config_only: bool) -> bool {
    use DeviceUpdateStatus::*;
    match status {
        Succeeded | Cancelled | Error => true,
        Configured => config_only,
        Scheduled | Configuring | Deploying | Cancelling => false,
    }
}

impl DeviceUpdate {
    /// Moves this copy to `to` at `at` with every effect of the move, or
    /// refuses without changing anything when the state machine forbids it.
    pub fn apply(
        &mut self,
        to: DeviceUpdateStatus,
        at: DateTime<Utc>,
    ) -> Result<(), TransitionError> {
        self.status = self.status.transition(to)?;
        self.updated_at = at;
        let effects = Effects::of(to);
        if effects.starts && self.actual_start.is_none() {
            self.actual_start = Some(at);
        }
        if effects.counts_attempt {
            self.attempts += 1;
        }
        if effects.restarts_progress_clock {
            self.progress_at = Some(at);
        }
        let config_only = self.option == DeployOption::ConfigOnly;
        if effects.ends == Ends::Always || (effects.ends == Ends::IfConfigOnly && config_only) {
            self.actual_end = Some(at);
        }
        if effects.completes {
            self.progress = 100;
        }
        Ok(())
    }

    /// Nothing more will happen without an admin: finished, or failed.
    pub fn is_settled(&self) -> bool {
        is_settled(self.status, self.option == DeployOption::ConfigOnly)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::update::tests::{du, t};
    use DeviceUpdateStatus::*;

    #[test]
    fn entering_configuring_starts_work_once_and_counts_one_attempt() {
        let mut d = du(Scheduled, DeployOption::Now, 0);
        d.apply(Configuring, t(1)).unwrap();
        assert_eq!(
            (d.status, d.actual_start, d.attempts),
            (Configuring, Some(t(1)), 1)
        );
        assert_eq!(
            (d.actual_end, d.progress_at, d.updated_at),
            (None, None, t(1))
        );
    }

    #[test]
    fn a_second_start_keeps_the_first_actual_start() {
        let mut d = du(Scheduled, DeployOption::Now, 0);
        d.actual_start = Some(t(0));
        d.apply(Configuring, t(1)).unwrap();
        assert_eq!(d.actual_start, Some(t(0)));
    }

    #[test]
    fn entering_deploying_restarts_the_progress_clock() {
        let mut d = du(Configured, DeployOption::Now, 0);
        d.apply(Deploying, t(2)).unwrap();
        assert_eq!(
            (d.progress_at, d.actual_end, d.attempts),
            (Some(t(2)), None, 0)
        );
    }

    #[test]
    fn success_ends_the_work_at_100_percent() {
        let mut d = du(Deploying, DeployOption::Now, 40);
        d.apply(Succeeded, t(3)).unwrap();
        assert_eq!((d.progress, d.actual_end), (100, Some(t(3))));
    }

    #[test]
    fn configured_ends_only_a_config_only_device_update() {
        for (option, end) in [
            (DeployOption::ConfigOnly, Some(t(4))),
            (DeployOption::Now, None),
        ] {
            let mut d = du(Configuring, option, 0);
            d.apply(Configured, t(4)).unwrap();
            assert_eq!(d.actual_end, end, "{option:?}");
        }
    }

    #[test]
    fn error_and_cancelled_end_the_work_and_keep_progress() {
        let mut d = du(Deploying, DeployOption::Now, 40);
        d.apply(Error, t(5)).unwrap();
        assert_eq!((d.actual_end, d.progress), (Some(t(5)), 40));
        d.apply(Cancelling, t(6)).unwrap();
        assert_eq!(d.actual_end, Some(t(5)), "cleanup under way is not an end");
        d.apply(Cancelled, t(7)).unwrap();
        assert_eq!((d.actual_end, d.progress), (Some(t(7)), 40));
    }

    #[test]
    fn a_forbidden_move_changes_nothing() {
        let before = du(Succeeded, DeployOption::Now, 100);
        let mut d = before.clone();
        let e = d.apply(Configuring, t(9)).unwrap_err();
        assert_eq!(
            e,
            TransitionError {
                from: Succeeded,
                to: Configuring
            }
        );
        assert_eq!(d, before);
    }

    #[test]
    fn the_effects_end_exactly_where_a_status_is_settled() {
        for to in DeviceUpdateStatus::ALL {
            let ends = Effects::of(to).ends;
            assert_eq!(ends == Ends::Always, is_settled(to, false), "{to}");
            assert_eq!(ends != Ends::Never, is_settled(to, true), "{to}");
        }
    }
}
