//! Why the sandbox could not serve, or a call to it could not be made.

use std::path::PathBuf;

use crate::engine::steps::http_client::HttpClientError;
use crate::protocol::exit_codes::FailureKind;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("serve the sandbox on {listen} with its state in {}", state.display())]
    Serve {
        listen: String,
        state: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("call the sandbox: `{0}` is not an HTTP method")]
    Method(String),
    #[error("reach the sandbox at {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error(transparent)]
    Client(#[from] HttpClientError),
    #[error("run the stack of real parts: {0}")]
    Stack(#[from] super::stack_error::StackError),
    #[error("read the sandbox's state: {0}")]
    State(String),
    #[error("write the sandbox's answer to standard output")]
    Stdout(#[source] std::io::Error),
}

impl SandboxError {
    pub fn kind(&self) -> FailureKind {
        match self {
            Self::Serve { .. }
            | Self::Method(_)
            | Self::Unreachable { .. }
            | Self::Client(_)
            | Self::Stack(_)
            | Self::State(_) => FailureKind::Usage,
            Self::Stdout(_) => FailureKind::Setup,
        }
    }
}
