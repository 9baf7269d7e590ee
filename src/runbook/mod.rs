//! Runbooks: the TOML format, its model, templating, and the diagnostics of `cutover check`.

pub(crate) mod check;
pub(crate) mod check_conditions;
pub(crate) mod check_hosts;
pub(crate) mod check_output;
pub(crate) mod check_targets;
pub(crate) mod condition;
pub(crate) mod deadline;
pub(crate) mod diagnostic;
pub(crate) mod duration;
pub(crate) mod fields;
pub mod hosts;
pub mod include;
pub(crate) mod kinds;
pub mod load;
pub mod model;
pub(crate) mod names;
pub mod notify;
pub(crate) mod parse;
pub mod render;
pub mod rolling;
pub(crate) mod source;
pub(crate) mod step;
pub(crate) mod suggest;
pub mod targets;
pub mod template;
