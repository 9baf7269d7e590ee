//! One file per step kind: its fields, how they are read from TOML, and what they mean.

pub(crate) mod command;
pub(crate) mod decision;
pub(crate) mod env;
pub(crate) mod http;
pub(crate) mod input;
pub(crate) mod manual;
pub(crate) mod metric;
pub(crate) mod progressive;
pub(crate) mod service;
pub(crate) mod wait;
pub(crate) mod window;
