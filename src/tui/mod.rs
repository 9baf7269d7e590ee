//! The interactive terminal interface: state updated by events and keys, pure views, and the
//! guard that always restores the terminal.

pub mod apply_event;
pub mod colors;
pub mod input;
pub mod output_buffer;
pub mod review;
pub mod run_loop;
pub mod runbook_text;
pub mod sanitize;
pub mod start;
pub mod state;
pub mod terminal;
pub mod text_entry;
pub mod view;

#[cfg(test)]
mod flows_test;
