//! Calls to agents with retries: transient failures (no connection, timeout,
//! 5xx) are tried again with exponential backoff and jitter, up to a limit.

use std::future::Future;
use std::time::Duration;

use crate::agent_client::AgentError;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_tries: u32,
    pub base: Duration,
    pub max: Duration,
}

/// How a call ended after all its tries.
pub(crate) struct Tried<T> {
    pub result: Result<T, AgentError>,
    pub tries: u32,
}

impl RetryPolicy {
    /// Backoff before try `n + 1` (n ≥ 1): base·2ⁿ⁻¹ capped at `max`, with
    /// "full jitter" so a fleet that failed together does not retry together.
    pub fn delay(&self, n: u32) -> Duration {
        let exp = self.base.saturating_mul(1u32 << (n - 1).min(16));
        let capped = exp.min(self.max);
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    pub(crate) async fn run<T, F, Fut>(&self, mut call: F) -> Tried<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AgentError>>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            let result = call().await;
            match &result {
                Err(e) if e.is_transient() && tries < self.max_tries => {
                    tokio::time::sleep(self.delay(tries)).await;
                }
                _ => return Tried { result, tries },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_tries: 10,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for _ in 0..100 {
            let d1 = p.delay(1);
            assert!(
                d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100),
                "{d1:?}"
            );
            let d3 = p.delay(3);
            assert!(
                d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400),
                "{d3:?}"
            );
            assert!(p.delay(30) <= Duration::from_secs(1));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_up_to_the_limit_and_permanent_ones_are_not() {
        let p = RetryPolicy {
            max_tries: 4,
            base: Duration::from_millis(10),
            max: Duration::from_millis(100),
        };
        let mut calls = 0;
        let tried = p
            .run(|| {
                calls += 1;
                async { Err::<(), _>(AgentError::Timeout) }
            })
            .await;
        assert_eq!((tried.tries, calls), (4, 4));

        let mut calls = 0;
        let tried = p
            .run(|| {
                calls += 1;
                async { Err::<(), _>(AgentError::Protocol("bad json".into())) }
            })
            .await;
        assert_eq!((tried.tries, calls), (1, 1));
    }
}
