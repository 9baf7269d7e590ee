//! The one place where outcomes become exit codes (SPEC §1), the same for every command.

use std::process::ExitCode;

/// How a command that did its job ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 0: success, VALID.
    Done,
    /// 1: the run failed, was aborted or rolled back.
    RunFailed,
    /// 3: suspended, waiting for an operator (or INCOMPLETE).
    Suspended,
    /// 4: verify found a bad signature, chain, sequence or digest.
    Tampered,
}

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// 2: bad input (unreadable file, bad value); the message is printed.
    Input(String),
    /// 2: bad input whose diagnostics were already printed.
    Reported,
    /// 2: another process holds the run (its journal's lock); the message names it.
    InProgress(String),
    /// 3: the run cannot go on until an operator decides; the message says how.
    NeedsOperator(String),
    /// 4: the journal did not verify; nothing was appended.
    Tampered(String),
    /// 5: the run stopped because it could not record (fail closed).
    JournalWrite(String),
}

impl Failure {
    fn message(&self) -> Option<&str> {
        match self {
            Self::Input(message)
            | Self::InProgress(message)
            | Self::NeedsOperator(message)
            | Self::Tampered(message)
            | Self::JournalWrite(message) => Some(message),
            Self::Reported => None,
        }
    }

    fn code(&self) -> u8 {
        match self {
            Self::Input(_) | Self::InProgress(_) | Self::Reported => 2,
            Self::NeedsOperator(_) => 3,
            Self::Tampered(_) => 4,
            Self::JournalWrite(_) => 5,
        }
    }
}

/// Prints the failure, if it has something to say, and returns the process exit code.
pub fn exit_code(result: Result<Outcome, Failure>) -> ExitCode {
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::RunFailed) => ExitCode::from(1),
        Ok(Outcome::Suspended) => ExitCode::from(3),
        Ok(Outcome::Tampered) => ExitCode::from(4),
        Err(failure) => {
            if let Some(message) = failure.message() {
                eprintln!("cutover: {}", crate::terminal_text::plain(message));
            }
            ExitCode::from(failure.code())
        }
    }
}

/// An error and its sources as one sentence: "lock the journal X: Resource temporarily
/// unavailable" (thiserror messages read after "failed to …"; their sources say why).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
