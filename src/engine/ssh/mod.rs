//! Running steps on hosts over OpenSSH: the connections a run keeps, and the command lines.

pub(crate) mod connections;
pub(crate) mod remote_command;
pub(crate) mod run_hosts;
