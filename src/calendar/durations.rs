//! Learned durations: how long an update will likely take, from how long
//! finished updates of the same product with a similar number of devices
//! took. The median, so one stuck rollout does not skew it.

use chrono::Duration;
use serde::Serialize;

/// Used when nothing comparable has finished yet.
pub const DEFAULT_DURATION: Duration = Duration::hours(1);

/// A finished update: how many devices it had and how long it ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastRun {
    pub devices: u32,
    pub took: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LearnedDuration {
    #[serde(serialize_with = "minutes")]
    pub duration: Duration,
    /// How many finished updates it is the median of; 0 for the default.
    pub based_on: usize,
    /// The device counts counted as similar, inclusive.
    pub similar: (u32, u32),
}

fn minutes<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.num_minutes())
}

impl LearnedDuration {
    /// "median of 7 finished updates with 50–200 devices", or "default".
    pub fn basis(&self) -> String {
        match self.based_on {
            0 => format!(
                "default of {} min: no finished update with {}–{} devices yet",
                DEFAULT_DURATION.num_minutes(),
                self.similar.0,
                self.similar.1
            ),
            1 => format!(
                "the one finished update with {}–{} devices",
                self.similar.0, self.similar.1
            ),
            n => format!(
                "median of {n} finished updates with {}–{} devices",
                self.similar.0, self.similar.1
            ),
        }
    }
}

/// Similar means at most twice as many or half as many devices. The result
/// is rounded up to a whole minute.
pub fn learned_duration(past: &[PastRun], devices: u32) -> LearnedDuration {
    let devices = devices.max(1);
    let similar = (devices.div_ceil(2), devices.saturating_mul(2));
    let mut took: Vec<Duration> = past
        .iter()
        .filter(|r| (similar.0..=similar.1).contains(&r.devices) && r.took > Duration::zero())
        .map(|r| r.took)
        .collect();
    if took.is_empty() {
        return LearnedDuration {
            duration: DEFAULT_DURATION,
            based_on: 0,
            similar,
        };
    }
    took.sort_unstable();
    let n = took.len();
    let median = if n % 2 == 1 {
        took[n / 2]
    } else {
        (took[n / 2 - 1] + took[n / 2]) / 2
    };
    let whole = Duration::minutes((median.num_seconds() + 59) / 60).max(Duration::minutes(1));
    LearnedDuration {
        duration: whole,
        based_on: n,
        similar,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(devices: u32, minutes: i64) -> PastRun {
        PastRun {
            devices,
            took: Duration::minutes(minutes),
        }
    }

    #[test]
    fn the_median_of_similar_sizes_only() {
        let past = [
            run(100, 30),
            run(120, 50),
            run(90, 40),
            run(10, 5),
            run(1000, 600),
        ];
        let got = learned_duration(&past, 100);
        assert_eq!(got.duration, Duration::minutes(40));
        assert_eq!(got.based_on, 3);
        assert_eq!(got.similar, (50, 200));
        assert_eq!(
            got.basis(),
            "median of 3 finished updates with 50–200 devices"
        );
    }

    #[test]
    fn an_even_count_takes_the_middle_two_rounded_up_to_a_minute() {
        let past = [run(4, 10), run(4, 21), run(3, 100), run(5, 1)];
        // 1, 10, 21, 100 → (10 + 21) / 2 = 15.5 min → 16.
        assert_eq!(learned_duration(&past, 4).duration, Duration::minutes(16));
    }

    #[test]
    fn nothing_similar_gives_the_default_and_says_so() {
        let got = learned_duration(&[run(1000, 300)], 3);
        assert_eq!(got.duration, DEFAULT_DURATION);
        assert_eq!(got.based_on, 0);
        assert!(
            got.basis().starts_with("default of 60 min"),
            "{}",
            got.basis()
        );
        assert_eq!(learned_duration(&[], 0).similar, (1, 2));
    }
}
