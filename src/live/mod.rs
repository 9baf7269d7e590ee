//! A run as a process people attach to: the engine serves a Unix socket in the run folder,
//! and clients — the controller's TUI (`cutover run`, `cutover attach`), watchers
//! (`cutover attach --watch`), `cutover ls`, approvers (`cutover approve`) — connect to it.

pub(crate) mod acts;
pub(crate) mod admission;
pub(crate) mod approve_client;
pub(crate) mod approve_error;
pub(crate) mod approver;
pub(crate) mod client;
pub(crate) mod client_frames;
pub(crate) mod client_queue;
pub(crate) mod client_signing;
pub(crate) mod connection;
pub(crate) mod doorway;
pub(crate) mod error;
pub(crate) mod find_run;
pub(crate) mod frame;
pub(crate) mod history;
pub(crate) mod peer;
pub(crate) mod protocol;
pub(crate) mod seat;
pub(crate) mod seat_proof;
pub(crate) mod seat_signer;
pub(crate) mod server;
pub(crate) mod shared_socket;
pub(crate) mod socket_path;
