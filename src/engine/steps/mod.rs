//! One executor per step kind, plus what they share (resolving, HTTP clients, dotenv).

pub mod command;
pub mod dispatch;
pub mod dotenv;
pub mod env;
pub mod http;
pub mod http_client;
pub mod http_probe;
pub mod http_send;
pub mod manual;
pub mod progressive;
pub mod resolve;
pub mod service;
pub mod wait;
pub mod window;
