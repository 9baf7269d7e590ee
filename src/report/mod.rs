//! Renderers over events and journals: the headless line reporter, and the Markdown, HTML and
//! JSON reports of a past run.

pub(crate) mod build;
pub(crate) mod gates;
pub(crate) mod headless;
pub(crate) mod headless_output;
pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod timeline_svg;
pub(crate) mod words;
pub(crate) mod write;
