//! `cutover review`: a past run, read-only — the verdict first, the timeline of every trusted
//! entry, each step's attempts, output, notes and decisions.

pub(crate) mod on_terminal;
pub(crate) mod output_file;
pub(crate) mod run_loop;
pub(crate) mod state;
pub(crate) mod view;
