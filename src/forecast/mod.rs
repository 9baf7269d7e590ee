//! What past runs of a runbook say about the next one: `cutover history`.

pub(crate) mod against_history;
pub(crate) mod collect;
pub(crate) mod figures;
pub(crate) mod history_html;
pub(crate) mod output;
