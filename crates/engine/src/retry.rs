//! What the engine does when a provider operation fails: the one place retry policy lives.
//!
//! Every [`ProviderError`] carries an [`ErrorClass`], decided by the provider (the only code
//! that sees the cloud's error types). The class alone decides the reaction:
//!
//! | class                                   | reaction                                              |
//! |-----------------------------------------|-------------------------------------------------------|
//! | `Throttled`, `Transient`, `Unreachable` | back off (exponential, full jitter, bounded) and try again — after finding out whether the failed call took effect |
//! | `AlreadyExists`                         | find out whether an earlier attempt made it; converge it if so, fail if not |
//! | `NotReady` (eventual consistency)       | call again with growing pauses until it works, for a bounded time |
//! | `Credentials`, `Unsupported`, `Permanent` | fail now, with the service's code and message       |
//!
//! The provider's SDK also retries each single request that is safe to repeat; what reaches the
//! engine has already survived that. A failed step may have taken effect before its response
//! was lost, so a create is never simply sent again: the resource is looked up first (by its
//! name or its ownership tags) and, when it exists, brought to the desired state by an update.
//! That is how a lost response never becomes a second resource.
//!
//! Every pause the policy takes is reported first, as a [`Wait`], to the caller's observer (the
//! executor turns them into [`crate::Event`]s), so an operator sees a retry or a readiness wait as
//! such instead of a step that merely takes long.

use std::future::Future;
use std::time::{Duration, Instant};

use bankinfra_model::{ErrorClass, ProviderError};

/// Bounds of every retry and readiness wait.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts of one step (the first included) while it fails with a retryable class.
    pub attempts: u32,
    /// The first backoff window; each retry doubles it, up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// How long a call may wait, in total, for something it depends on to become visible.
    pub readiness_limit: Duration,
    pub readiness_first_pause: Duration,
    pub readiness_longest_pause: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(10),
            readiness_limit: Duration::from_secs(90),
            readiness_first_pause: Duration::from_millis(250),
            readiness_longest_pause: Duration::from_secs(8),
        }
    }
}

/// The engine's reaction to one class of error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Back off, then try again (after checking whether the failed call took effect).
    Backoff,
    /// The resource may have been made by an earlier attempt: look before failing.
    LookUp,
    /// Call again once what it depends on is visible.
    AwaitReadiness,
    /// Fail now.
    Fail,
}

/// A pause the policy is about to take, reported before it is taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    /// Backing off after a throttled or transient failure; `attempt` is the attempt that
    /// follows the pause (2 for the first retry), out of at most `attempts`.
    Backoff { attempt: u32, attempts: u32, pause: Duration, error: ProviderError },
    /// Calling again because something the call depends on is not visible yet; `waited` is how
    /// long this call has been waiting so far.
    Readiness { pause: Duration, waited: Duration, error: ProviderError },
}

/// Where a policy reports its pauses (see [`Wait`]).
pub type Observer<'a> = &'a (dyn Fn(Wait) + Sync);

/// An observer that ignores every pause.
fn unobserved(_: Wait) {}

/// The reaction to `class`.
pub fn reaction(class: ErrorClass) -> Reaction {
    match class {
        ErrorClass::Throttled | ErrorClass::Transient | ErrorClass::Unreachable => Reaction::Backoff,
        ErrorClass::AlreadyExists => Reaction::LookUp,
        ErrorClass::NotReady => Reaction::AwaitReadiness,
        _ => Reaction::Fail,
    }
}

impl RetryPolicy {
    /// The pause before retry number `attempt` (1-based): a uniformly random share of an
    /// exponentially growing, capped window ("full jitter"), so that many callers throttled at
    /// once do not come back at once.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.window(attempt).mul_f64(fastrand::f64())
    }

    fn window(&self, attempt: u32) -> Duration {
        self.backoff_base.saturating_mul(1 << attempt.min(16)).min(self.backoff_cap)
    }

    /// Runs `call`, and again with growing pauses while it fails because something it depends
    /// on is not visible yet, for at most `readiness_limit`. Readiness is probed by the call
    /// itself: no fixed sleep before calls that usually need none. Other errors return at once.
    pub async fn until_ready<T, F, Fut>(&self, call: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        self.until_ready_observed(call, &unobserved).await
    }

    /// [`Self::until_ready`], reporting each pause to `observe` before taking it.
    pub async fn until_ready_observed<T, F, Fut>(&self, mut call: F, observe: Observer<'_>) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let started = Instant::now();
        let mut pause = self.readiness_first_pause;
        loop {
            match call().await {
                Err(error)
                    if reaction(error.class) == Reaction::AwaitReadiness
                        && started.elapsed() + pause < self.readiness_limit =>
                {
                    observe(Wait::Readiness { pause, waited: started.elapsed(), error });
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(self.readiness_longest_pause);
                }
                result => return result,
            }
        }
    }

    /// Runs `call` (with readiness waits) up to `attempts` times while it fails with a class
    /// that calls for a backoff. Before each new attempt, `recover` is asked what the failed
    /// attempt left behind: `Some(value)` ends the step with that value (it took effect after
    /// all), `None` tries again. An `AlreadyExists` answer is looked up once, never retried
    /// blindly.
    pub async fn with_recovery<T, F, Fut, R, RFut>(&self, call: F, recover: R) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
        R: FnMut() -> RFut,
        RFut: Future<Output = Result<Option<T>, ProviderError>>,
    {
        self.with_recovery_observed(call, recover, &unobserved).await
    }

    /// [`Self::with_recovery`], reporting each backoff and readiness wait (its own and those of
    /// its look-ups) to `observe` before taking it.
    pub async fn with_recovery_observed<T, F, Fut, R, RFut>(
        &self,
        mut call: F,
        mut recover: R,
        observe: Observer<'_>,
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
        R: FnMut() -> RFut,
        RFut: Future<Output = Result<Option<T>, ProviderError>>,
    {
        let mut attempt = 1;
        loop {
            let error = match self.until_ready_observed(&mut call, observe).await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            match reaction(error.class) {
                Reaction::Backoff if attempt < self.attempts => {
                    let pause = self.backoff(attempt);
                    attempt += 1;
                    observe(Wait::Backoff { attempt, attempts: self.attempts, pause, error });
                    tokio::time::sleep(pause).await;
                    if let Some(value) = self.retried_observed(&mut recover, observe).await? {
                        return Ok(value);
                    }
                }
                Reaction::LookUp => {
                    return match self.retried_observed(&mut recover, observe).await? {
                        Some(value) => Ok(value),
                        None => Err(error),
                    };
                }
                _ => return Err(error),
            }
        }
    }

    /// `call()`, retried with backoff while it fails with a class that calls for one (reads and
    /// other calls that are safe to repeat).
    pub async fn retried<T, F, Fut>(&self, call: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        self.retried_observed(call, &unobserved).await
    }

    /// [`Self::retried`], reporting each backoff to `observe` before taking it.
    pub async fn retried_observed<T, F, Fut>(&self, mut call: F, observe: Observer<'_>) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut attempt = 1;
        loop {
            match call().await {
                Err(error) if reaction(error.class) == Reaction::Backoff && attempt < self.attempts => {
                    let pause = self.backoff(attempt);
                    attempt += 1;
                    observe(Wait::Backoff { attempt, attempts: self.attempts, pause, error });
                    tokio::time::sleep(pause).await;
                }
                result => return result,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// The default policy's shape, in milliseconds instead of seconds.
    fn fast() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            backoff_base: Duration::from_millis(1),
            backoff_cap: Duration::from_millis(5),
            readiness_limit: Duration::from_millis(60),
            readiness_first_pause: Duration::from_millis(2),
            readiness_longest_pause: Duration::from_millis(10),
        }
    }

    fn error(class: ErrorClass) -> ProviderError {
        ProviderError { operation: "test:Op".into(), code: Some("Code".into()), message: "failed".into(), class }
    }

    #[test]
    fn every_class_has_exactly_one_reaction() {
        assert_eq!(reaction(ErrorClass::Throttled), Reaction::Backoff);
        assert_eq!(reaction(ErrorClass::Transient), Reaction::Backoff);
        assert_eq!(reaction(ErrorClass::Unreachable), Reaction::Backoff);
        assert_eq!(reaction(ErrorClass::AlreadyExists), Reaction::LookUp);
        assert_eq!(reaction(ErrorClass::NotReady), Reaction::AwaitReadiness);
        assert_eq!(reaction(ErrorClass::Permanent), Reaction::Fail);
        assert_eq!(reaction(ErrorClass::Credentials), Reaction::Fail);
        assert_eq!(reaction(ErrorClass::Unsupported), Reaction::Fail);
    }

    #[test]
    fn backoff_grows_exponentially_within_its_cap_with_jitter() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.window(1), Duration::from_millis(400));
        assert_eq!(policy.window(3), Duration::from_millis(1600));
        assert_eq!(policy.window(40), policy.backoff_cap);
        for attempt in 1..40 {
            let pauses: Vec<Duration> = (0..50).map(|_| policy.backoff(attempt)).collect();
            assert!(pauses.iter().all(|p| *p <= policy.window(attempt)));
            assert!(pauses.iter().any(|p| *p != pauses[0]), "jittered");
        }
    }

    #[tokio::test]
    async fn transient_failures_are_retried_a_bounded_number_of_times_looking_before_each_retry() {
        let (calls, lookups) = (AtomicU32::new(0), AtomicU32::new(0));
        let result: Result<(), _> = fast()
            .with_recovery(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(error(ErrorClass::Throttled))
                },
                || async {
                    lookups.fetch_add(1, Ordering::SeqCst);
                    Ok(None)
                },
            )
            .await;
        assert_eq!(result.unwrap_err().class, ErrorClass::Throttled);
        assert_eq!(calls.load(Ordering::SeqCst), fast().attempts);
        assert_eq!(lookups.load(Ordering::SeqCst), fast().attempts - 1);
    }

    #[tokio::test]
    async fn a_failed_call_that_took_effect_is_recovered_not_repeated() {
        let calls = AtomicU32::new(0);
        let result = fast()
            .with_recovery(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(error(ErrorClass::Unreachable))
                },
                || async { Ok(Some("found")) },
            )
            .await;
        assert_eq!(result.unwrap(), "found");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn already_exists_is_looked_up_once_and_fails_when_nothing_is_found() {
        let (calls, lookups) = (AtomicU32::new(0), AtomicU32::new(0));
        let result: Result<(), _> = fast()
            .with_recovery(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(error(ErrorClass::AlreadyExists))
                },
                || async {
                    lookups.fetch_add(1, Ordering::SeqCst);
                    Ok(None)
                },
            )
            .await;
        assert_eq!(result.unwrap_err().class, ErrorClass::AlreadyExists);
        assert_eq!((calls.load(Ordering::SeqCst), lookups.load(Ordering::SeqCst)), (1, 1));
    }

    #[tokio::test]
    async fn permanent_failures_are_neither_retried_nor_looked_up() {
        let (calls, lookups) = (AtomicU32::new(0), AtomicU32::new(0));
        let result: Result<(), _> = fast()
            .with_recovery(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(error(ErrorClass::Permanent))
                },
                || async {
                    lookups.fetch_add(1, Ordering::SeqCst);
                    Ok(None)
                },
            )
            .await;
        assert!(result.is_err());
        assert_eq!((calls.load(Ordering::SeqCst), lookups.load(Ordering::SeqCst)), (1, 0));
    }

    #[tokio::test]
    async fn readiness_waits_are_bounded() {
        let policy = fast();
        let started = Instant::now();
        let result: Result<(), _> = policy.until_ready(|| async { Err(error(ErrorClass::NotReady)) }).await;
        assert_eq!(result.unwrap_err().class, ErrorClass::NotReady);
        assert!(started.elapsed() <= policy.readiness_limit + policy.readiness_longest_pause);
    }

    #[tokio::test]
    async fn every_backoff_and_readiness_wait_is_reported_before_it_is_taken() {
        let waits = std::sync::Mutex::new(Vec::new());
        let observe = |w: Wait| waits.lock().unwrap().push(w);
        let calls = AtomicU32::new(0);
        let result = fast()
            .with_recovery_observed(
                || async {
                    match calls.fetch_add(1, Ordering::SeqCst) {
                        0 => Err(error(ErrorClass::NotReady)),
                        1 => Err(error(ErrorClass::Throttled)),
                        _ => Ok("made"),
                    }
                },
                || async { Ok(None) },
                &observe,
            )
            .await;
        assert_eq!(result.unwrap(), "made");
        let waits = waits.into_inner().unwrap();
        assert_eq!(waits.len(), 2, "{waits:?}");
        assert!(
            matches!(&waits[0], Wait::Readiness { pause, error, .. } if *pause == fast().readiness_first_pause && error.class == ErrorClass::NotReady),
            "{waits:?}"
        );
        assert!(
            matches!(&waits[1], Wait::Backoff { attempt: 2, attempts: 4, pause, error } if *pause <= fast().window(1) && error.class == ErrorClass::Throttled),
            "{waits:?}"
        );
    }

    #[tokio::test]
    async fn retried_reads_report_their_backoffs() {
        let waits = std::sync::Mutex::new(Vec::new());
        let observe = |w: Wait| waits.lock().unwrap().push(w);
        let result: Result<(), _> =
            fast().retried_observed(|| async { Err(error(ErrorClass::Transient)) }, &observe).await;
        assert!(result.is_err());
        let attempts: Vec<u32> = waits
            .into_inner()
            .unwrap()
            .iter()
            .map(|w| match w {
                Wait::Backoff { attempt, .. } => *attempt,
                Wait::Readiness { .. } => 0,
            })
            .collect();
        assert_eq!(attempts, [2, 3, 4], "one report per retry, numbered by the attempt that follows");
    }

    #[tokio::test]
    async fn reads_are_retried_while_transient_then_succeed() {
        let calls = AtomicU32::new(0);
        let result = fast()
            .retried(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(error(ErrorClass::Transient)),
                    _ => Ok(7),
                }
            })
            .await;
        assert_eq!(result.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }
}
