//! One file per step kind: its fields, how they are read from TOML, and what they mean.

pub mod command;
pub mod env;
pub mod http;
pub mod manual;
pub mod progressive;
pub mod service;
pub mod wait;
pub mod window;
