//! What a person asked for, in the launch layer's own terms. The command line maps its flags
//! here; any other front end (an attach client, a test) can do the same without clap.

use std::path::PathBuf;

use crate::protocol::decision::Decision;

/// Start a new run of a runbook. Serializable: a terminal run hands it to its engine process
/// (`launch/background.rs`) on a pipe, never on a command line.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StartRequest {
    pub runbook: PathBuf,
    /// `--var K=V`, in the order given (the last value of a name wins).
    pub vars: Vec<(String, String)>,
    pub drill: bool,
    pub dry_run: bool,
    /// `--auto`: automated steps start without Enter, in any mode.
    pub auto: bool,
    /// `--step`: Enter before every automated step, even in a drill.
    pub step: bool,
    /// The environment word repeated on the command line, to run a production runbook headless.
    pub environment: Option<String>,
    pub inject_failures: Vec<String>,
    /// Drills only: multiply every wait, bake, poll and retry delay by it.
    pub time_scale: Option<f64>,
    /// `--hosts GROUP=a,b`: a group's hosts for this run instead of the runbook's.
    pub hosts: Vec<(String, Vec<String>)>,
    /// `--limit HOST,…`: only these hosts, in every group.
    pub limit: Vec<String>,
    /// `--break-lock REASON`: take the release lock from an unfinished run whose engine is gone.
    pub break_lock: Option<String>,
    /// `--share-with GROUP`: the run's socket is also served to a group.
    pub share_with: Option<String>,
    /// `--target NAME`: one of the runbook's `[targets.NAME]`.
    pub target: Option<String>,
    pub log_dir: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub operator: Option<String>,
    /// `--allowed-signers FILE`: the run's trust root (`journal/trust_root.rs`).
    pub allowed_signers: Option<PathBuf>,
    pub answers: Answers,
}

/// Continue an interrupted or suspended run. Serializable: on a terminal it is handed to the
/// run's engine process, as a start request is.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub(crate) struct ResumeRequest {
    /// The run folder, or its journal.
    pub run: PathBuf,
    /// What to do with the step that was running when the run stopped: `--rerun`,
    /// `--mark-done` or `--skip` (more than one is refused).
    pub decisions: Vec<(String, Decision)>,
    /// `--rollback`: roll back from the failed (or suspended) step instead.
    pub rollback: bool,
    pub key: Option<PathBuf>,
    pub operator: Option<String>,
    /// `--allowed-signers FILE`: must be the run's own (its folder keeps a copy).
    pub allowed_signers: Option<PathBuf>,
    pub answers: Answers,
    /// Resumed with a person at a terminal: a production run asks before each automated
    /// step again, as it did when it started.
    pub on_terminal: bool,
}

/// Answers given in advance, for prompts nobody is at a terminal to answer.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Answers {
    /// `--confirm STEP[=NOTE]`.
    pub confirms: Vec<(String, Option<String>)>,
    /// `--on-failure`: what a failed step with policy `ask` does.
    pub on_failure: FailureAnswer,
    /// `--fail STEP=NOTE`: a manual step that can fail did not work.
    pub fails: Vec<(String, String)>,
    /// `--input NAME=VALUE`: an input step's answer given in advance.
    pub inputs: Vec<(String, String)>,
    /// `--decide STEP=OPTION`: a decision step's answer given in advance.
    #[serde(default)]
    pub decides: Vec<(String, String)>,
}

/// The answer given in advance to a failure nobody is there to decide on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FailureAnswer {
    Abort,
    Rollback,
    /// Stop resumable: `cutover resume` decides later.
    Suspend,
}

impl Default for Answers {
    fn default() -> Self {
        Self {
            confirms: Vec::new(),
            on_failure: FailureAnswer::Abort,
            fails: Vec::new(),
            inputs: Vec::new(),
            decides: Vec::new(),
        }
    }
}
