//! What an ending means to a script that runs cutover, and the number it sees: the one place
//! where endings become exit codes. Each area says what its errors mean (`kind()` beside each
//! error type); `exit.rs` asks them and ends the process with the code given here.

use serde::{Deserialize, Serialize};

/// 0: success, VALID.
pub(crate) const DONE: u8 = 0;
/// 1: the run failed, was aborted or rolled back.
pub(crate) const RUN_FAILED: u8 = 1;
/// 3: suspended, waiting for an operator, or INCOMPLETE.
pub(crate) const SUSPENDED: u8 = 3;
/// 4: verify found a bad signature, chain, sequence or digest.
pub(crate) const TAMPERED: u8 = 4;

/// What a failure means to a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// 2: a usage error or invalid input: the same command, given differently, would work.
    Usage,
    /// 3: the run waits for someone: it is suspended or interrupted, nothing was lost.
    Suspended,
    /// 4: a journal does not verify.
    Tampered,
    /// 5: what happened could not be recorded.
    JournalWrite,
    /// 6: cutover could not set itself up on this machine.
    Setup,
    /// Decided by another cutover process (a run's engine), which said its code.
    Reported(u8),
}

impl FailureKind {
    /// The exit code a script sees.
    pub fn code(self) -> u8 {
        match self {
            Self::Usage => 2,
            Self::Suspended => SUSPENDED,
            Self::Tampered => TAMPERED,
            Self::JournalWrite => 5,
            Self::Setup => 6,
            Self::Reported(code) => code,
        }
    }
}
