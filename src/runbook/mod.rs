//! Runbooks: the TOML format, its model, templating, and the diagnostics of `cutover check`.

pub mod check;
pub mod diagnostic;
pub mod duration;
pub mod fields;
pub mod kinds;
pub mod load;
pub mod model;
pub mod names;
pub mod parse;
pub mod render;
pub mod source;
pub mod step;
pub mod suggest;
pub mod template;
