//! Renderers over events and journals: the headless line reporter, and the Markdown, HTML and
//! JSON reports of a past run.

pub mod build;
pub mod headless;
pub mod html;
pub mod json;
pub mod markdown;
pub mod words;
pub mod write;
