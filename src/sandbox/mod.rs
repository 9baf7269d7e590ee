//! The stand-in application that drills run against (SPEC §7): its endpoints, its state on
//! disk, and its HTTP server.

pub(crate) mod app;
pub(crate) mod call;
pub(crate) mod compose_local;
pub(crate) mod compose_stand_in;
pub(crate) mod error;
pub(crate) mod hardening;
pub(crate) mod local_migrations;
pub(crate) mod local_nginx;
pub(crate) mod local_postgres;
pub(crate) mod local_stack;
pub(crate) mod metrics;
pub(crate) mod server;
pub(crate) mod stack_error;
pub(crate) mod state;
pub(crate) mod synthetic_users;
pub(crate) mod traffic;
