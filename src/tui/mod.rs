//! The interactive terminal interface: state updated by events and keys, pure views, and the
//! guard that always restores the terminal.

pub(crate) mod apply_event;
pub(crate) mod attached;
pub(crate) mod colors;
pub(crate) mod input;
pub(crate) mod output_buffer;
pub(crate) mod review;
pub(crate) mod run_loop;
pub(crate) mod runbook_text;
pub(crate) mod sanitize;
pub(crate) mod start;
pub(crate) mod state;
pub(crate) mod terminal;
pub(crate) mod text_entry;
pub(crate) mod view;
pub(crate) mod viewer;

#[cfg(test)]
mod flows_test;
