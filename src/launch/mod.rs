//! Below the command line, above the engine and its consumers: how a run is started or resumed
//! and driven to its end. A request (what a person asked for) becomes a prepared run, a run
//! folder and a journal that owns its chain and its lock, then the engine with its consumers.

pub(crate) mod background;
pub(crate) mod closing_words;
pub(crate) mod drive;
pub(crate) mod engine_process;
pub(crate) mod error;
pub(crate) mod failure;
pub(crate) mod headless;
pub(crate) mod headless_answers;
pub(crate) mod hosts;
pub(crate) mod interactive;
pub(crate) mod interrupted;
pub(crate) mod prepare;
pub(crate) mod process_setup;
pub(crate) mod release_lock;
pub(crate) mod request;
pub(crate) mod resume;
pub(crate) mod run_folder;
pub(crate) mod run_info;
pub(crate) mod signals;
pub(crate) mod start;
pub(crate) mod target_places;
pub(crate) mod variables;
