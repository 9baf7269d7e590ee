//! Renderers over events and journals: the headless line reporter, and the Markdown, HTML and
//! JSON reports of a past run.

pub mod headless;
