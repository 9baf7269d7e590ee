//! One executor per step kind, plus what they share (resolving, HTTP clients, dotenv).

pub(crate) mod command;
pub(crate) mod command_poll;
pub(crate) mod decision;
pub(crate) mod dispatch;
pub(crate) mod dotenv;
pub(crate) mod env;
pub(crate) mod fan_out;
pub(crate) mod http;
pub(crate) mod http_client;
pub(crate) mod http_probe;
pub(crate) mod http_send;
pub(crate) mod input;
pub(crate) mod manual;
pub(crate) mod metric;
pub(crate) mod metric_response;
pub(crate) mod metric_verdict;
pub(crate) mod progressive;
pub(crate) mod resolve;
pub(crate) mod service;
pub(crate) mod wait;
pub(crate) mod window;
