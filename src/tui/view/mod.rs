//! Pure render functions: state in, cells out. Snapshot-tested with ratatui's TestBackend.

pub mod ascii;
pub mod detail;
pub mod footer;
pub mod header;
pub mod overlay;
pub mod question;
pub mod screen;
pub mod steps;
pub mod theme;

#[cfg(test)]
mod snapshots_test;
