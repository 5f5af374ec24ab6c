//! Exit codes (documented in README.md) and the error type that carries them.

/// Success; for `plan --detailed-exitcode`, also "no changes".
pub const OK: i32 = 0;
/// An operation failed (AWS error, partial apply, internal error).
pub const FAILED: i32 = 1;
/// `plan --detailed-exitcode`: the plan has changes.
pub const CHANGES: i32 = 2;
/// Bad input: unknown stage, invalid spec, invalid arguments.
pub const BAD_INPUT: i32 = 3;
/// AWS could not be reached, or the credentials were missing or refused.
pub const UNREACHABLE: i32 = 4;
/// Refused for safety: wrong account, missing confirmation, protected stage.
pub const REFUSED: i32 = 5;
/// Another apply or destroy holds the stage's lock.
pub const LOCKED: i32 = 6;
/// Interrupted (Ctrl-C); the lock was released.
pub const INTERRUPTED: i32 = 130;

/// An error and the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: i32,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn new(code: i32, error: impl Into<anyhow::Error>) -> Self {
        Failure { code, error: error.into() }
    }
}

/// Attach an exit code to any error.
pub trait ExitCode<T> {
    fn exit(self, code: i32) -> Result<T, Failure>;
}

impl<T, E: Into<anyhow::Error>> ExitCode<T> for Result<T, E> {
    fn exit(self, code: i32) -> Result<T, Failure> {
        self.map_err(|e| Failure::new(code, e))
    }
}
