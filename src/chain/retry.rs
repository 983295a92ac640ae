//! The one place chain operations are retried: capped exponential backoff, only for errors that say a retry
//! can help ([`ChainError::is_retryable`]). Reverts, rejections and unconfirmed sends are returned at once.

use super::ChainError;
use std::{future::Future, num::NonZeroU32, time::Duration};

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first included); `None`: until it succeeds or fails permanently.
    pub attempts: Option<NonZeroU32>,
    /// Delay before the second attempt; doubles after each failure.
    pub first_delay: Duration,
    /// The longest delay between two attempts.
    pub max_delay: Duration,
}

/// Default attempts of a bounded policy.
pub const DEFAULT_ATTEMPTS: NonZeroU32 = NonZeroU32::new(5).expect("non-zero literal");

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: Some(DEFAULT_ATTEMPTS),
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Retries until success or a permanent error, backing off up to `max_delay`.
    pub fn forever(first_delay: Duration, max_delay: Duration) -> Self {
        Self { attempts: None, first_delay, max_delay }
    }

    /// The delay after `failures` consecutive failures (1-based): `first_delay × 2^(failures−1)`, capped.
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32.checked_shl(failures.saturating_sub(1)).unwrap_or(u32::MAX);
        self.first_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Runs `op` until it succeeds, fails with a non-retryable error, or the policy's attempts are used up (then
/// the last error is returned). Each retry is logged with `what`.
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, what: &str, mut op: F) -> Result<T, ChainError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ChainError>>,
{
    let mut failures = 0u32;
    loop {
        match op().await {
            Err(e) if e.is_retryable() && policy.attempts.is_none_or(|n| failures + 1 < n.get()) => {
                failures += 1;
                let delay = policy.delay(failures);
                tracing::warn!(what, attempt = failures, error = %e, ?delay, "retryable chain error; retrying");
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn unreachable() -> ChainError {
        ChainError::Unreachable { context: "test".into(), message: "connection refused".into() }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_retryable_errors_within_attempts() {
        let calls = AtomicU32::new(0);
        let policy = RetryPolicy::default();
        let result = retry(&policy, "op", || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 4 { Err(unreachable()) } else { Ok(7) }
        })
        .await;
        assert_eq!(result.expect("fifth attempt succeeds"), 7);
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry(&policy, "op", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unreachable())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 5, "five attempts in all");
    }

    #[tokio::test(start_paused = true)]
    async fn never_retries_permanent_errors() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> =
            retry(&RetryPolicy::forever(Duration::from_millis(1), Duration::from_secs(1)), "op", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(ChainError::Unsupported("test"))
            })
            .await;
        assert!(matches!(result, Err(ChainError::Unsupported(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p =
            RetryPolicy { attempts: None, first_delay: Duration::from_millis(100), max_delay: Duration::from_secs(1) };
        let delays: Vec<_> = (1..=6).map(|n| p.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.delay(200), Duration::from_secs(1));
    }
}
