//! A run as a process people attach to: the engine serves a Unix socket in the run folder,
//! and clients — a watcher (`cutover attach --watch`), `cutover ls` — connect to it.

pub mod client;
pub mod error;
pub mod find_run;
pub mod frame;
pub(crate) mod history;
pub mod protocol;
pub(crate) mod server;
pub(crate) mod socket_path;
