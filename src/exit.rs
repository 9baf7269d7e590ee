//! The one place where outcomes become exit codes (SPEC §1), the same for every command.

use std::process::ExitCode;

/// How a command that did its job ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Success {
    /// 0: success, VALID.
    Done,
}

/// How a command failed.
#[derive(Debug)]
pub enum Failure {
    /// 2: bad input (unreadable file, bad value); the message is printed.
    Input(String),
    /// 2: bad input whose diagnostics were already printed.
    Reported,
}

impl Failure {
    fn message(&self) -> Option<&str> {
        match self {
            Self::Input(message) => Some(message),
            Self::Reported => None,
        }
    }

    fn code(&self) -> u8 {
        match self {
            Self::Input(_) | Self::Reported => 2,
        }
    }
}

/// Prints the failure, if it has something to say, and returns the process exit code.
pub fn exit_code(result: Result<Success, Failure>) -> ExitCode {
    match result {
        Ok(Success::Done) => ExitCode::SUCCESS,
        Err(failure) => {
            if let Some(message) = failure.message() {
                eprintln!("cutover: {message}");
            }
            ExitCode::from(failure.code())
        }
    }
}
