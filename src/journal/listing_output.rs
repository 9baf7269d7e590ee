//! What `cutover ls` prints: a line per run for people (with the command that continues it),
//! or one JSON document for tools.

use std::fmt::Write as _;

use super::listing::ListedRun;

pub(crate) fn listing_text(runs: &[ListedRun]) -> String {
    if runs.is_empty() {
        return "no run is live, suspended or interrupted here (`--all` lists finished runs too)\n"
            .into();
    }
    let mut out = String::new();
    for run in runs {
        let step = run
            .step
            .as_deref()
            .map_or_else(String::new, |step| format!(" at `{step}`"));
        let detail = run
            .detail
            .as_deref()
            .map_or_else(String::new, |detail| format!(" ({detail})"));
        let _ = writeln!(
            out,
            "{} {} {} {}{step}{detail}, since {}, operator {}",
            run.state.as_str(),
            run.runbook,
            run.run_id,
            run.mode,
            run.since,
            run.operator
        );
        match (&run.engine, &run.continue_with) {
            (Some(engine), _) => {
                let _ = writeln!(out, "    engine {engine}");
                if let Some(live) = &run.live {
                    let waiting = match (&live.waiting, &live.waiting_since) {
                        (Some(what), Some(since)) => format!("waiting for {what} since {since}"),
                        (Some(what), None) => format!("waiting for {what}"),
                        _ => "running".to_string(),
                    };
                    let run_dir = run.run_dir.display();
                    let attach = match (live.takes_controls, &live.controller) {
                        (false, _) => format!("watch it: cutover attach {run_dir} --watch"),
                        (true, Some(holder)) => format!(
                            "controls held by {holder}; take them over: cutover attach {run_dir} (--watch to only watch)"
                        ),
                        (true, None) => format!(
                            "nobody at the controls (no step starts); attach: cutover attach {run_dir}"
                        ),
                    };
                    let _ = writeln!(out, "    {waiting}; {} watching; {attach}", live.watchers);
                    if let Some(shared) = &live.shared {
                        let _ = writeln!(out, "    shared with {shared}");
                    }
                }
            }
            (None, Some(command)) => {
                let _ = writeln!(out, "    continue: {command}");
            }
            (None, None) => {
                let _ = writeln!(out, "    {}", run.run_dir.display());
            }
        }
    }
    out
}

pub(crate) fn listing_json(runs: &[ListedRun]) -> String {
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "runs": runs }))
        .expect("a listing always serializes");
    text.push('\n');
    text
}
