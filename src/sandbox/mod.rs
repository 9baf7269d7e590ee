//! The stand-in application that drills run against (SPEC §7): its endpoints, its state on
//! disk, and its HTTP server.

pub mod app;
pub mod call;
pub mod error;
pub mod hardening;
pub mod server;
pub mod state;
pub mod traffic;
