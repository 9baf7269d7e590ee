//! Pure render functions of the review (the output pane reads the lines it shows from disk).

pub(crate) mod banner;
pub(crate) mod detail;
pub(crate) mod screen;
pub(crate) mod timeline;
