//! Pure render functions: state in, cells out. Snapshot-tested with ratatui's TestBackend.

pub(crate) mod ascii;
pub(crate) mod detail;
pub(crate) mod footer;
pub(crate) mod header;
pub(crate) mod overlay;
pub(crate) mod question;
pub(crate) mod screen;
pub(crate) mod side_list;
pub(crate) mod steps;
pub(crate) mod theme;
pub(crate) mod viewer;

#[cfg(test)]
mod snapshots_test;
