//! The last lines a run prints, headless or after its screen is gone: how it ended, where its
//! journal is and its anchor (for the change ticket), and the command that comes next —
//! review and report once it ended, resume once it was suspended.

use std::path::Path;

use crate::protocol::status::RunStatus;
use crate::stdout::say;

/// What the journal said when it closed.
pub(crate) struct JournalClosed<'a> {
    pub(crate) path: &'a Path,
    pub(crate) entries: u64,
    pub(crate) anchor: Option<&'a str>,
}

/// Says how the run in `run_dir` ended and what to run next.
pub(crate) fn say_how_it_ended(status: RunStatus, run_dir: &Path, journal: &JournalClosed) {
    for line in closing_lines(status, run_dir, journal) {
        say!("{line}");
    }
}

fn closing_lines(status: RunStatus, run_dir: &Path, journal: &JournalClosed) -> Vec<String> {
    // Pasted into a shell as it is: quoted when the path needs it.
    let shown = run_dir.display().to_string();
    let dir = shlex::try_quote(&shown).map_or(shown.clone(), |quoted| quoted.into_owned());
    let mut lines = vec![format!(
        "cutover: the run {status} — journal {} — {}; anchor {}",
        journal.path.display(),
        crate::terminal_text::counted(journal.entries, "entry", "entries"),
        journal.anchor.unwrap_or("none yet")
    )];
    lines.push(match status {
        RunStatus::Suspended => format!("cutover: continue it with `cutover resume {dir}`"),
        _ => format!(
            "cutover: read it with `cutover review {dir}`; for the ticket, `cutover report {dir} -o report.html`"
        ),
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ended_run_names_review_and_report_and_a_suspended_one_resume() {
        let journal = JournalClosed {
            path: Path::new("/runs/nexus/1/journal.log"),
            entries: 1,
            anchor: Some("4096:ab12"),
        };
        let ended = closing_lines(RunStatus::RolledBack, Path::new("/runs/nexus/1"), &journal);
        assert_eq!(
            ended[0],
            "cutover: the run rolled back — journal /runs/nexus/1/journal.log — 1 entry; anchor 4096:ab12"
        );
        assert!(
            ended[1].contains("`cutover review /runs/nexus/1`"),
            "{ended:?}"
        );
        assert!(ended[1].contains("`cutover report /runs/nexus/1 -o report.html`"));
        let suspended = closing_lines(RunStatus::Suspended, Path::new("/runs/a b"), &journal);
        assert_eq!(
            suspended[1],
            "cutover: continue it with `cutover resume '/runs/a b'`"
        );
    }
}
