//! An approver's connection (`cutover approve`): it reads a step's statement, offers an
//! approval, and hears whether it counted — judged by the approval desk the engine waits on
//! (`approval/desk.rs`). It sees no event and can act on nothing else; a few requests and it
//! is done, so a client that keeps asking is let go.

use tokio::net::unix::OwnedWriteHalf;

use super::client_frames::ClientFrames;
use super::doorway::HELLO_TIMEOUT;
use super::frame::write_frame;
use super::protocol::{ClientMessage, ServerMessage};
use crate::approval::desk::ApprovalDesk;

/// Requests one approver's connection may make: a statement and an approval, with room to ask
/// again after a refusal.
const REQUESTS: usize = 8;

pub(super) async fn serve_approver(
    mut frames: ClientFrames,
    mut writer: OwnedWriteHalf,
    desk: ApprovalDesk,
) {
    for _ in 0..REQUESTS {
        let Ok(Ok(request)) = tokio::time::timeout(HELLO_TIMEOUT, frames.next()).await else {
            return;
        };
        let answer = match request {
            ClientMessage::Statement { step, principal } => match desk.statement(&step, &principal)
            {
                Ok(text) => ServerMessage::Statement { text },
                Err(refusal) => ServerMessage::Refused {
                    reason: refusal.to_string(),
                },
            },
            ClientMessage::Approve {
                step,
                statement,
                signature,
            } => {
                let judged = match crate::protocol::encoding::decode(&signature) {
                    Ok(blob) => desk.offer(&step, &statement, &blob),
                    Err(_) => Err(crate::approval::refusal::Refusal::NotBase64),
                };
                match judged {
                    Ok(progress) => ServerMessage::Approved {
                        count: progress.count,
                        required: progress.required,
                    },
                    Err(refusal) => ServerMessage::Refused {
                        reason: refusal.to_string(),
                    },
                }
            }
            _ => return,
        };
        if write_frame(&mut writer, &answer).await.is_err() {
            return;
        }
    }
}
