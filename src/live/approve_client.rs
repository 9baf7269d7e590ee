//! `cutover approve`'s end of a run's socket: ask a step's statement, offer an approval, hear
//! whether it counted (the engine's side is `live/approver.rs`).

use std::path::Path;

use tokio::net::UnixStream;

use super::approve_error::ApproveError;
use super::client::{ConnectError, WhenHeld, hello};
use super::frame::{read_frame, write_frame};
use super::protocol::{ClientMessage, Role, ServerMessage};

/// A connection to a run's engine as an approver.
pub(crate) struct ApproverLink {
    stream: UnixStream,
    run_dir: String,
}

/// An approval that counted: how far the step's approvals are.
pub(crate) struct Counted {
    pub count: u32,
    pub required: u32,
}

impl ApproverLink {
    pub(crate) async fn connect(run_dir: &Path) -> Result<Self, ConnectError> {
        Ok(Self {
            stream: hello(run_dir, Role::Approve, WhenHeld::Refuse, None).await?,
            run_dir: run_dir.display().to_string(),
        })
    }

    /// The statement `principal` would sign for `step`; `Refused` with the run's reason when
    /// it is not waiting for that step's approvals. The reason crosses the socket as the
    /// run's words (`approval/refusal.rs` on its side).
    pub(crate) async fn statement(
        &mut self,
        step: &str,
        principal: &str,
    ) -> Result<String, ApproveError> {
        let request = ClientMessage::Statement {
            step: step.into(),
            principal: principal.into(),
        };
        match self.ask(&request).await? {
            ServerMessage::Statement { text } => Ok(text),
            ServerMessage::Refused { reason } => Err(ApproveError::Refused { reason }),
            _ => Err(self.unexpected().into()),
        }
    }

    /// Offers an approval: the statement and the SSHSIG blob over it.
    pub(crate) async fn approve(
        &mut self,
        step: &str,
        statement: &str,
        signature: &[u8],
    ) -> Result<Counted, ApproveError> {
        let request = ClientMessage::Approve {
            step: step.into(),
            statement: statement.into(),
            signature: crate::protocol::encoding::encode(signature),
        };
        match self.ask(&request).await? {
            ServerMessage::Approved { count, required } => Ok(Counted { count, required }),
            ServerMessage::Refused { reason } => Err(ApproveError::Refused { reason }),
            _ => Err(self.unexpected().into()),
        }
    }

    async fn ask(&mut self, request: &ClientMessage) -> Result<ServerMessage, ConnectError> {
        let protocol = |source| ConnectError::Protocol {
            run_dir: self.run_dir.clone(),
            source,
        };
        write_frame(&mut self.stream, request)
            .await
            .map_err(protocol)?;
        read_frame(&mut self.stream)
            .await
            .map_err(|source| ConnectError::Protocol {
                run_dir: self.run_dir.clone(),
                source,
            })
    }

    fn unexpected(&self) -> ConnectError {
        ConnectError::Unexpected {
            run_dir: self.run_dir.clone(),
            what: "another frame than a statement or a verdict",
        }
    }
}
