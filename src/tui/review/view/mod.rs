//! Pure render functions of the review (the output pane reads the lines it shows from disk).

pub mod banner;
pub mod detail;
pub mod screen;
pub mod timeline;
