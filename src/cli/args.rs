//! The command line of SPEC §1, as clap definitions. Only parsing lives here; each subcommand's
//! behaviour is in its own file.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "cutover",
    version,
    about = "Walk an operator through a release runbook, step by step, into a signed journal.",
    long_about = "cutover runs release runbooks: automated steps inline (shell commands, HTTP checks), \
manual confirmations, rollback on failure; every action, result and decision is appended to a \
signed, hash-chained journal that an auditor can verify later with standard tools.",
    after_help = "Exit codes: 0 success/VALID · 1 run failed or rolled back · 2 usage error or invalid input · \
3 suspended/INCOMPLETE · 4 TAMPERED · 5 journal write failure · 6 cutover could not set itself up (runtime, signals, terminal).\n\n\
Start with:  cutover check runbooks/nexus-prod-deploy.toml  then  cutover run runbooks/nexus-prod-deploy.toml --target sandbox"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a runbook: the TUI on a terminal, line-oriented progress otherwise.
    #[command(after_help = "Examples:\n  \
cutover run runbooks/nexus-prod-deploy.toml --target sandbox\n  \
cutover run runbooks/nexus-prod-deploy.toml --target sandbox --headless --auto --confirm announce='told #release' --confirm migrate --confirm security-logs --confirm close-window\n  \
cutover run runbooks/nexus-prod-deploy.toml --var release=v1.4.2 --headless --environment production\n  \
cutover run runbooks/nexus-prod-deploy.toml --target sandbox --inject-failure smoke-health --on-failure rollback")]
    Run(RunArgs),
    /// Continue an interrupted or suspended run (RUN is its folder or its journal.log).
    #[command(after_help = "Examples:\n  \
cutover resume ~/.local/state/cutover/runs/nexus-prod/20261121T020000Z-1a2b3c4d\n  \
cutover resume RUN --confirm smoke-manual='checked by hand'\n  \
cutover resume RUN --mark-done migrate='migration applied, see ticket OPS-12'")]
    Resume(ResumeArgs),
    /// Validate runbooks and print every problem with its file, line and column.
    #[command(after_help = "Examples:\n  \
cutover check runbooks/*.toml\n  \
cutover check --format json runbooks/nexus-prod-deploy.toml | jq '.files[].diagnostics'")]
    Check(CheckArgs),
    /// List the runs under the log dir that are live, suspended or interrupted, and how to
    /// continue each (read from their journals, not verified: `verify` says what to trust).
    #[command(
        after_help = "Examples:\n  cutover ls\n  cutover ls --all --format json | jq '.runs[] | select(.state == \"interrupted\")'"
    )]
    Ls(LsArgs),
    /// Past runs of a runbook: per step its p50/p90, failures and retries; drills and real
    /// runs apart, by target.
    #[command(
        after_help = "Examples:\n  cutover history nexus-prod\n  cutover history nexus-prod --format html > history.html\n  cutover history runbooks/nexus-prod-deploy.toml --format json | jq '.groups[].steps[] | {step, p90_ms}'\n\n\
Every journal is verified first: a TAMPERED one is listed and left out of the figures."
    )]
    History(HistoryArgs),
    /// Watch a live run from another terminal: its screen as it is, then live.
    #[command(
        after_help = "Examples:\n  cutover attach --watch\n  cutover attach nexus-prod --watch\n  \
cutover attach ~/.local/state/cutover/runs/nexus-prod/20261121T020000Z-1a2b3c4d --watch\n\n\
RUN is a run folder, its journal, a run id, or a runbook name (its live run); with none, the\n\
only live run under the log dir. Keys: ↑↓ steps · PgUp/PgDn output · q leave (the run goes on)."
    )]
    Attach(AttachArgs),
    /// Approve a step that requires approvals: the statement of exactly what it will do,
    /// signed with your own SSH key (namespace cutover-approval).
    #[command(after_help = "Examples:\n  \
cutover approve nexus-prod migrate                       # same host: show, sign with your agent, hand over\n  \
cutover approve nexus-prod migrate --key ~/.ssh/id_ed25519\n  \
cutover approve nexus-prod migrate --print --as bob@corp > migrate.approval\n  \
ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n cutover-approval migrate.approval   # anywhere\n  \
cutover approve nexus-prod migrate --signature migrate.approval.sig\n\n\
RUN is a run folder, its journal, a run id, or a runbook name (its live run). The run must be\n\
waiting for the step's approvals. The statement binds the run, the runbook's SHA-256, the step,\n\
its resolved action and the run's variables; it counts only while the step would do exactly that,\n\
and only from a key and a person other than those running the run.")]
    Approve(ApproveArgs),
    /// Verify a journal: signatures, hash chain, checkpoints and output files.
    #[command(after_help = "Examples:\n  \
cutover verify RUN/journal.log\n  \
cutover verify RUN/journal.log --allowed-signers allowed_signers --expect-mode production\n  \
cutover verify RUN/journal.log --anchor 48213:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    Verify(VerifyArgs),
    /// Open a past run read-only: verdict, timeline, outputs, notes and decisions.
    #[command(
        after_help = "Examples:\n  cutover review ~/.local/state/cutover/runs/nexus-prod/20261121T020000Z-1a2b3c4d\n  \
cutover review RUN --allowed-signers allowed_signers --anchor 48213:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n\n\
Keys: ↑↓ entries · f/F next/previous failure · d/D next/previous decision · Enter step details · \
PgUp/PgDn output · ? help · q quit"
    )]
    Review(ReviewArgs),
    /// Render a past run as Markdown, a self-contained HTML page, or JSON.
    #[command(
        after_help = "Examples:\n  cutover report RUN\n  cutover report RUN --format html -o release-report.html\n  \
cutover report RUN --format json | jq '.steps[] | select(.status != \"passed\")'\n\n\
Exit code: 0 when the journal is VALID, 3 INCOMPLETE, 4 TAMPERED (the report is written either way)."
    )]
    Report(ReportArgs),
    /// Serve the stand-in application that drills run against.
    #[command(
        after_help = "Example:\n  cutover sandbox --listen 127.0.0.1:8080 --state /tmp/nexus-sandbox"
    )]
    Sandbox(SandboxArgs),
    /// A terminal run's engine, started by `cutover run` itself (its order comes on standard
    /// input); not for people to type.
    #[command(hide = true)]
    Engine(EngineArgs),
}

#[derive(clap::Args, Debug)]
pub struct EngineArgs {
    /// The runbook, so that `ps` says which run this engine is; the order names it again.
    pub runbook: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The runbook file (TOML).
    pub runbook: PathBuf,
    /// Set a variable: --var release=v1.2.3 (repeatable).
    #[arg(long = "var", value_name = "K=V", value_parser = parse_key_value)]
    pub vars: Vec<(String, String)>,
    /// Rehearsal: journal mode `drill`, its own signing namespace; allows --inject-failure.
    #[arg(long)]
    pub drill: bool,
    /// Run read-only steps for real, record every other step as simulated.
    #[arg(long)]
    pub dry_run: bool,
    /// Run automated steps without waiting for Enter (manual, dangerous and failed steps still
    /// stop). A drill does this unless --step is given.
    #[arg(long, conflicts_with = "step")]
    pub auto: bool,
    /// Wait for Enter before every automated step, even in a drill.
    #[arg(long)]
    pub step: bool,
    /// Line-oriented progress on stderr instead of the TUI.
    #[arg(long)]
    pub headless: bool,
    /// Answer a manual or dangerous step headless: --confirm STEP[=NOTE] (repeatable).
    #[arg(long = "confirm", value_name = "STEP[=NOTE]", value_parser = parse_step_note)]
    pub confirms: Vec<(String, Option<String>)>,
    /// Answer an input step in advance: --input NAME=VALUE (repeatable; not for secrets).
    #[arg(long = "input", value_name = "NAME=VALUE", value_parser = parse_key_value)]
    pub inputs: Vec<(String, String)>,
    /// Answer a decision step in advance: --decide STEP=OPTION (repeatable). Without it, a
    /// headless run waits for the decision's deadline, whose default is then taken.
    #[arg(long = "decide", value_name = "STEP=OPTION", value_parser = parse_key_value)]
    pub decides: Vec<(String, String)>,
    /// Answer a manual step that can fail as not done: --fail STEP=NOTE (repeatable).
    #[arg(long = "fail", value_name = "STEP=NOTE", value_parser = parse_key_value)]
    pub fails: Vec<(String, String)>,
    /// What a failed step with policy `ask` does when nobody can be asked.
    #[arg(long, value_enum, default_value_t = OnFailure::Abort)]
    pub on_failure: OnFailure,
    /// Drills only: multiply every wait, bake, poll interval and timeout and retry delay by
    /// FACTOR (0.01 makes an hour 36 s); journaled in the header.
    #[arg(long, value_name = "FACTOR")]
    pub time_scale: Option<f64>,
    /// Run a host group on these hosts instead of the runbook's: --hosts web=web-7,web-8
    /// (repeatable).
    #[arg(long = "hosts", value_name = "GROUP=HOST,…", value_parser = parse_group)]
    pub hosts: Vec<(String, Vec<String>)>,
    /// Only these hosts, in every group: --limit web-1,web-2 (journaled in the header).
    #[arg(long, value_name = "HOST,…", value_delimiter = ',')]
    pub limit: Vec<String>,
    /// Take the release lock from an unfinished run whose engine is gone (never from a live
    /// one); the reason is journaled.
    #[arg(long, value_name = "REASON")]
    pub break_lock: Option<String>,
    /// Let the members of GROUP watch the run and take its controls too (`cutover attach`
    /// through `LOG_DIR/.shared/RUN_ID`); the run folder stays yours alone.
    #[arg(long, value_name = "GROUP")]
    pub share_with: Option<String>,
    /// Run for one of the runbook's `[targets.NAME]`: its values as the variables' defaults,
    /// its environment (`drill` makes the run a drill). The steps are the same.
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Drills only: make this step fail as if its check failed (repeatable).
    #[arg(long = "inject-failure", value_name = "STEP")]
    pub inject_failures: Vec<String>,
    /// Repeat the runbook's environment to run a production runbook headless.
    #[arg(long, value_name = "NAME")]
    pub environment: Option<String>,
    /// Where run folders go (default $CUTOVER_LOG_DIR, else $XDG_STATE_HOME/cutover/runs).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Sign with this OpenSSH private key instead of the ssh-agent's first key.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The operator principal recorded in the journal (default: the name the allowed signers
    /// give the key, else the key's comment).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Who may run, take the controls and approve, as an OpenSSH allowed_signers file (default:
    /// the runbook's `allowed_signers`, else $XDG_CONFIG_HOME/cutover/allowed_signers).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Draw the TUI with ASCII characters only.
    #[arg(long)]
    pub ascii: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnFailure {
    Abort,
    Rollback,
    /// Stop resumable at the failure: `cutover resume` decides.
    Suspend,
}

#[derive(clap::Args, Debug)]
pub struct ResumeArgs {
    /// The run folder, or its journal.log.
    pub run: PathBuf,
    /// Answer a manual or dangerous step: --confirm STEP[=NOTE] (repeatable).
    #[arg(long = "confirm", value_name = "STEP[=NOTE]", value_parser = parse_step_note)]
    pub confirms: Vec<(String, Option<String>)>,
    /// Run again a step that was running when the run stopped.
    #[arg(long, value_name = "STEP")]
    pub rerun: Option<String>,
    /// Record an interrupted step as done by hand, with evidence.
    #[arg(long, value_name = "STEP=NOTE", value_parser = parse_key_value)]
    pub mark_done: Option<(String, String)>,
    /// Skip an interrupted step, with the reason.
    #[arg(long, value_name = "STEP=REASON", value_parser = parse_key_value)]
    pub skip: Option<(String, String)>,
    /// Answer an input step in advance: --input NAME=VALUE (repeatable; not for secrets).
    #[arg(long = "input", value_name = "NAME=VALUE", value_parser = parse_key_value)]
    pub inputs: Vec<(String, String)>,
    /// Answer a decision step in advance: --decide STEP=OPTION (repeatable). Without it, a
    /// headless run waits for the decision's deadline, whose default is then taken.
    #[arg(long = "decide", value_name = "STEP=OPTION", value_parser = parse_key_value)]
    pub decides: Vec<(String, String)>,
    /// Answer a manual step that can fail as not done: --fail STEP=NOTE (repeatable).
    #[arg(long = "fail", value_name = "STEP=NOTE", value_parser = parse_key_value)]
    pub fails: Vec<(String, String)>,
    /// What a failed step with policy `ask` does when nobody can be asked.
    #[arg(long, value_enum, default_value_t = OnFailure::Abort)]
    pub on_failure: OnFailure,
    /// Roll back a run that stopped at a failure (or was suspended): run its rollback section.
    #[arg(long, conflicts_with_all = ["rerun", "mark_done", "skip"])]
    pub rollback: bool,
    /// Sign the resume entry with this OpenSSH private key instead of the ssh-agent's first key.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The operator principal recorded for the resumed part (default: the name the run's
    /// allowed signers give the key, else the key's comment).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// The allowed signers the run started with (it keeps a copy; a different file is refused).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Line-oriented progress on stderr instead of the TUI (the default without a terminal).
    #[arg(long)]
    pub headless: bool,
    /// Draw the screen with ASCII characters only.
    #[arg(long)]
    pub ascii: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// One or more runbook files.
    #[arg(required = true)]
    pub runbooks: Vec<PathBuf>,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(clap::Args, Debug)]
pub struct ApproveArgs {
    /// The run: a run folder, its journal, a run id or a runbook name.
    pub run: String,
    /// The step to approve.
    pub step: String,
    /// The key you sign with (default: the ssh-agent's first key).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["print", "signature"])]
    pub key: Option<PathBuf>,
    /// Print the statement to sign elsewhere (`ssh-keygen -Y sign -n cutover-approval`).
    #[arg(long, requires = "as_name", conflicts_with = "signature")]
    pub print: bool,
    /// Who approves, as the statement names them (default: the key's comment).
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// Hand the run a signature made over `--print`'s statement (read from the file beside
    /// it, without `.sig`, unless --as names the approver).
    #[arg(long, value_name = "FILE")]
    pub signature: Option<PathBuf>,
    /// Sign without being asked on a terminal: you have read the statement (`--print`). Required
    /// when standard input is not a terminal.
    #[arg(long, conflicts_with_all = ["print", "signature"])]
    pub yes: bool,
    /// Where run folders are (default $CUTOVER_LOG_DIR, else $XDG_STATE_HOME/cutover/runs).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct AttachArgs {
    /// The run: a run folder, its journal, a run id or a runbook name.
    pub run: Option<String>,
    /// Read-only: see everything, act on nothing (any number of watchers).
    #[arg(long)]
    pub watch: bool,
    /// The key your acts are signed with (default: the ssh-agent's first key; for a drill,
    /// the local drill key when there is no agent).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Who you are in the journal (default: the key's comment).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Where run folders are (default $CUTOVER_LOG_DIR, else $XDG_STATE_HOME/cutover/runs).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// ASCII glyphs only.
    #[arg(long)]
    pub ascii: bool,
}

#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// The runbook: its name, or its file.
    pub runbook: String,
    /// Where run folders are (default $CUTOVER_LOG_DIR, else $XDG_STATE_HOME/cutover/runs).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// `text` for people, `json` for tools, `html` for a page that draws each step's
    /// durations across runs.
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Text,
    Json,
    Html,
}

#[derive(clap::Args, Debug)]
pub struct LsArgs {
    /// Where run folders are (default $CUTOVER_LOG_DIR, else $XDG_STATE_HOME/cutover/runs).
    #[arg(long, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Finished runs too.
    #[arg(long)]
    pub all: bool,
    /// `text` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The journal.log to verify (or its run folder).
    pub journal: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Fail unless the journal is of this mode.
    #[arg(long, value_enum)]
    pub expect_mode: Option<ExpectMode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExpectMode {
    Production,
    Drill,
}

#[derive(clap::Args, Debug)]
pub struct ReviewArgs {
    /// The run folder, or its journal.log.
    pub run: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Draw with ASCII characters only.
    #[arg(long)]
    pub ascii: bool,
}

/// What to check the journal against, as `verify` does.
#[derive(clap::Args, Debug, Default)]
pub struct TrustArgs {
    /// OpenSSH allowed_signers file: which keys may sign for which principals and namespaces.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// A BYTES:SHA256 taken earlier (change ticket, webhook): the file must still start with it.
    #[arg(long = "anchor", value_name = "BYTES:SHA256")]
    pub anchors: Vec<String>,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The run folder, or its journal.log.
    pub run: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct SandboxArgs {
    /// Address to listen on (or, with `call`, of the sandbox to call).
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: String,
    /// Folder holding the sandbox state (a backup step copies it, a rollback restores it).
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Synthetic users: this many requests a second to /api/health, counted in /metrics like
    /// any other (so that a metric gate has traffic to judge).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub traffic: u32,
    #[command(subcommand)]
    pub action: Option<SandboxAction>,
}

#[derive(Subcommand, Debug)]
pub enum SandboxAction {
    /// Call a running sandbox, so drill steps need nothing but cutover (no curl):
    /// `cutover sandbox call POST /_sandbox/deploy '{"version":"v2.0.0","weight":25}'`.
    /// Prints the answer; exits 1 unless it is 2xx.
    Call {
        /// GET, POST, DELETE.
        method: String,
        /// The path, e.g. /_sandbox/migrate.
        path: String,
        /// A JSON body.
        body: Option<String>,
    },
    /// A stand-in for `docker compose` over the Nexus stack, against the sandbox at --listen:
    /// what a drill target puts first on PATH as `docker` (runbooks/stand-ins/bin/docker).
    /// `cutover sandbox --listen 127.0.0.1:18473 docker compose -f docker-compose.prod.yml ps nexus-app --format '{{.Health}}'`.
    Docker {
        /// What `docker` was given.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// A stack of real parts for a rehearsal on this machine (the `local` target): a private
    /// PostgreSQL cluster, nginx in front with the maintenance flag file, and the sandbox as the
    /// application on --listen; until stopped, then a last dump (DIR/final.sql).
    Local {
        /// The stack's folder (stack.json, nginx's files; the cluster's unless root).
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// Where nginx listens (what the release calls its base URL).
        #[arg(long, value_name = "ADDR")]
        front: String,
        /// The maintenance flag file: while it exists nginx answers 503.
        #[arg(long, value_name = "FILE")]
        flag: PathBuf,
        /// The folder of prisma's migrations (`prisma/migrations`).
        #[arg(long, value_name = "DIR")]
        migrations: PathBuf,
        /// A migration production had before the release, applied at the start (repeatable).
        #[arg(long, value_name = "NAME")]
        applied: Vec<String>,
        /// SQL run after them: the rows production holds.
        #[arg(long, value_name = "FILE")]
        seed: Option<PathBuf>,
    },
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}

fn parse_group(text: &str) -> Result<(String, Vec<String>), String> {
    let (group, hosts) = parse_key_value(text)?;
    let hosts: Vec<String> = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .collect();
    if hosts.is_empty() {
        return Err(format!("expected GROUP=HOST,…, got `{text}`"));
    }
    Ok((group, hosts))
}

fn parse_step_note(text: &str) -> Result<(String, Option<String>), String> {
    match text.split_once('=') {
        Some((step, note)) if !step.is_empty() => Ok((step.to_string(), Some(note.to_string()))),
        Some(_) => Err(format!("expected STEP or STEP=NOTE, got `{text}`")),
        None if !text.is_empty() => Ok((text.to_string(), None)),
        None => Err("expected a step id".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn confirm_takes_an_optional_note_that_may_contain_equals() {
        assert_eq!(parse_step_note("announce"), Ok(("announce".into(), None)));
        assert_eq!(
            parse_step_note("announce=a=b"),
            Ok(("announce".into(), Some("a=b".into())))
        );
        assert!(parse_step_note("=x").is_err());
        assert!(parse_key_value("novalue").is_err());
    }
}
