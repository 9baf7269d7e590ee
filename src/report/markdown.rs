//! The report as Markdown, for a change ticket or a post-mortem. Everything that comes from
//! the run (titles, notes, reasons, output) is escaped: it can neither break a table nor
//! become a link, emphasis or raw HTML; commands and output go in code spans and blocks whose
//! fences are longer than any backtick run inside them.

use std::fmt::Write;

use super::build::{Report, StepPart};
use super::gates::reasons_text;
use super::words::{against_history_lines, duration_against, verdict_words};
use crate::runbook::duration::human_ms;

/// Free text made inert: Markdown's active characters escaped, line breaks flattened.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in a text.
fn longest_backtick_run(text: &str) -> usize {
    let mut longest = 0;
    let mut current = 0;
    for c in text.chars() {
        if c == '`' {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// An inline code span that holds any text.
pub(crate) fn code(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .filter(|c| !c.is_control() || *c == '\t')
        .collect();
    let fence = "`".repeat(longest_backtick_run(&flat) + 1);
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{flat}{pad}{fence}")
}

/// A fenced code block that holds any lines.
pub(crate) fn block(lines: &[String]) -> String {
    let text: String = lines
        .iter()
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n");
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    format!("{fence}text\n{text}\n{fence}\n")
}

pub(crate) fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    verdict(&mut out, report);
    run_table(&mut out, report);
    sessions(&mut out, report);
    if !report.controls.is_empty() {
        controls(&mut out, report);
    }
    steps(&mut out, report);
    not_reached(&mut out, report);
    decisions(&mut out, report);
    failures(&mut out, report);
    phases(&mut out, report);
    against_history(&mut out, report);
    drill(&mut out, report);
    window(&mut out, report);
    hosts(&mut out, report);
    gates(&mut out, report);
    captures(&mut out, report);
    notes(&mut out, report);
    out
}

/// The verdict first: what the run did and whether its journal holds, with the anchor.
fn verdict(out: &mut String, report: &Report) {
    let run = &report.run;
    let verification = &report.verification;
    let _ = writeln!(out, "# Run report: {}\n", escape(&run.runbook.title));
    let words = verdict_words(report);
    let _ = writeln!(
        out,
        "**Verdict: {}** — {}\n",
        words.headline,
        escape(&words.meaning)
    );
    if let Some(error) = &words.error {
        let _ = writeln!(out, "First error: {}\n", code(error));
    }
    if let Some(limit) = &words.trust_limit {
        let _ = writeln!(out, "**{}**\n", escape(limit));
    }
    if let Some(anchor) = &words.anchor {
        let _ = writeln!(
            out,
            "Anchor {}: it must match the one recorded in the change ticket.\n",
            code(anchor)
        );
    }
    let _ = writeln!(out, "{}\n", escape(words.signers));
    let _ = writeln!(out, "{}\n", escape(&words.signed));
    if let Some(runbook_file) = words.runbook_file {
        let _ = writeln!(out, "{}\n", escape(runbook_file));
    }
    for warning in &verification.warnings {
        let _ = writeln!(out, "- warning: {}", code(warning));
    }
    if !verification.warnings.is_empty() {
        out.push('\n');
    }
}

/// The run at a glance: runbook, run, target, mode, operator, host, times, variables.
fn run_table(out: &mut String, report: &Report) {
    let run = &report.run;
    let _ = writeln!(out, "| | |\n|---|---|");
    let mut row = |name: &str, value: String| {
        let _ = writeln!(out, "| {name} | {value} |");
    };
    row(
        "Runbook",
        format!(
            "{} — {} (SHA-256 {})",
            code(&run.runbook.name),
            escape(&run.runbook.title),
            code(&run.runbook.sha256)
        ),
    );
    row("Run", code(&run.run_id));
    if let Some(target) = &run.target {
        row("Target", code(target));
    }
    row(
        "Mode",
        format!(
            "{} (signing namespace {})",
            escape(report.run.mode.as_str()),
            code(&run.namespace)
        ),
    );
    row(
        "Operator",
        format!(
            "{} — key {} ({})",
            escape(&run.operator.principal),
            code(&run.operator.fingerprint),
            escape(&run.operator.key_source)
        ),
    );
    let ssh = run
        .ssh_connection
        .as_deref()
        .map(|c| format!(", SSH from {}", code(c)))
        .unwrap_or_default();
    row(
        "Host",
        format!(
            "{}, unix user {}{ssh}",
            escape(&run.host),
            escape(&run.unix_user)
        ),
    );
    row("Started", escape(&run.started));
    row("Ended", escape(&run.ended));
    row(
        "Status",
        format!(
            "**{}**{}",
            escape(&run.status),
            run.duration_ms
                .map(|ms| format!(" in {}", duration_against(Some(ms), run.expected_ms)))
                .unwrap_or_default()
        ),
    );
    row("Tool", escape(&run.tool_version));
    if !run.variables.is_empty() {
        row(
            "Variables",
            run.variables
                .iter()
                .map(|(k, v)| code(&format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    if !run.secrets.is_empty() {
        row(
            "Secrets",
            format!(
                "{} (values never journaled)",
                run.secrets
                    .iter()
                    .map(|s| code(s))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        );
    }
    out.push('\n');
}

/// Each session when the run was resumed: who started or resumed it, from where.
fn sessions(out: &mut String, report: &Report) {
    if report.sessions.len() > 1 {
        let _ = writeln!(out, "## Sessions\n");
        let _ = writeln!(
            out,
            "| Started | Operator | Key | Host | |\n|---|---|---|---|---|"
        );
        for session in &report.sessions {
            let what = match (session.resumed, session.torn_bytes) {
                (false, _) => "started the run".to_string(),
                (true, Some(bytes)) => {
                    format!("resumed; {bytes} torn bytes from a crash accounted for")
                }
                (true, None) => "resumed".to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {what} |",
                escape(&session.started),
                escape(&session.principal),
                code(&session.fingerprint),
                escape(&session.host)
            );
        }
        out.push('\n');
    }
}

/// One row per step started: phase, status, attempts, duration against the plan, who confirmed.
fn steps(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Steps\n");
    let _ = writeln!(
        out,
        "| Step | Phase | Status | Attempts | Duration | Confirmed by | Notes |\n|---|---|---|---|---|---|---|"
    );
    for step in &report.steps {
        let _ = writeln!(
            out,
            "| {} {} | {} | {} | {} | {} | {} | {} |",
            code(&step.id),
            escape(&step.title),
            step.phase
                .as_deref()
                .map_or_else(|| "rollback".into(), escape),
            status_cell(step),
            step.attempts,
            duration_against(step.duration_ms, step.expected_ms),
            escape(&super::words::confirmed_and_approved(step)),
            escape(&step.notes.join(" / "))
        );
    }
    out.push('\n');
}

/// The runbook's steps this run never started.
fn not_reached(out: &mut String, report: &Report) {
    if !report.not_reached.is_empty() {
        let _ = writeln!(out, "## Not reached\n");
        let _ = writeln!(
            out,
            "Steps of the runbook that never started in this run:\n"
        );
        for step in &report.not_reached {
            let place = match &step.phase {
                Some(phase) => format!("phase {}", code(phase)),
                None => "rollback".into(),
            };
            let _ = writeln!(
                out,
                "- {} {} ({place})",
                code(&step.id),
                escape(&step.title)
            );
        }
        out.push('\n');
    }
}

/// What people and the engine decided, and when.
fn decisions(out: &mut String, report: &Report) {
    if !report.decisions.is_empty() {
        let _ = writeln!(out, "## Decisions\n");
        for decided in &report.decisions {
            let by = match &decided.by {
                Some(by) => format!(" — by {}", escape(&by.described())),
                None => String::new(),
            };
            let resume = if decided.on_resume {
                " (on resume, about a step interrupted mid-way)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "- {} {}: {}{by}{resume}",
                escape(&decided.at),
                code(&decided.step),
                escape(&decided.words)
            );
        }
        out.push('\n');
    }
}

/// Each failure with its facts and the tail of its output.
fn failures(out: &mut String, report: &Report) {
    if !report.failures.is_empty() {
        let _ = writeln!(out, "## Failures\n");
        for failure in &report.failures {
            let stage = failure
                .stage
                .map(|s| format!(", stage {s}%"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "### {} (attempt {}{stage})\n",
                escape(&failure.step),
                failure.attempt
            );
            let _ = writeln!(
                out,
                "{} — {}\n",
                escape(&failure.at),
                escape(&failure.message)
            );
            let mut facts = Vec::new();
            if let Some(code) = failure.exit_code {
                facts.push(format!("exit code {code}"));
            }
            if let Some(status) = failure.http_status {
                facts.push(format!("HTTP status {status}"));
            }
            if let Some(path) = &failure.output {
                facts.push(format!("full output in {}", code(path)));
            }
            if !facts.is_empty() {
                let _ = writeln!(out, "{}\n", facts.join(" · "));
            }
            if !failure.tail.is_empty() {
                let _ = writeln!(out, "{}", block(&failure.tail));
            }
        }
    }
}

/// Each phase's start and duration against its plan.
fn phases(out: &mut String, report: &Report) {
    if !report.phases.is_empty() {
        let _ = writeln!(out, "## Phases\n");
        let _ = writeln!(
            out,
            "| Phase | Started | Duration (planned) |\n|---|---|---|"
        );
        for phase in &report.phases {
            let _ = writeln!(
                out,
                "| {} {} | {} | {} |",
                code(&phase.id),
                escape(&phase.title),
                escape(&phase.started),
                match (phase.duration_ms, phase.continued_later) {
                    (Some(_), _) => duration_against(phase.duration_ms, phase.expected_ms),
                    (None, true) => "stopped here; continued by a later session".into(),
                    (None, false) => "did not finish".into(),
                }
            );
        }
        out.push('\n');
    }
}

/// How this run compares with earlier runs of the runbook.
fn against_history(out: &mut String, report: &Report) {
    if let Some(against) = &report.against_history {
        let _ = writeln!(out, "## Against earlier runs\n");
        for line in against_history_lines(against) {
            let _ = writeln!(out, "- {}", escape(&line));
        }
        let _ = writeln!(out);
    }
}

/// For a drill: when the first failure came and how long the rollback took.
fn drill(out: &mut String, report: &Report) {
    if let Some(drill) = &report.drill {
        let _ = writeln!(out, "## Drill\n");
        match (&drill.first_failure_at, drill.recovery_ms) {
            (Some(at), Some(ms)) => {
                let _ = writeln!(
                    out,
                    "First failure at {}; the rollback was complete {} later.\n",
                    escape(at),
                    human_ms(ms)
                );
            }
            (Some(at), None) => {
                let _ = writeln!(
                    out,
                    "First failure at {}; the run did not roll back.\n",
                    escape(at)
                );
            }
            (None, _) => {
                let _ = writeln!(out, "No step failed.\n");
            }
        }
    }
}

/// When the maintenance window opened, closed or overran.
fn window(out: &mut String, report: &Report) {
    if !report.window.is_empty() {
        let _ = writeln!(out, "## Maintenance window\n");
        for window in &report.window {
            let how_long = window
                .duration_ms
                .or(window.overrun_ms)
                .map(|ms| format!(" ({})", human_ms(ms)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} {}{how_long}",
                escape(&window.at),
                escape(&window.action)
            );
        }
        out.push('\n');
    }
}

/// What each host did in the steps that ran on several.
fn hosts(out: &mut String, report: &Report) {
    if report.steps.iter().any(|step| !step.hosts.is_empty()) {
        let _ = writeln!(out, "## Hosts\n");
        let _ = writeln!(out, "| Step | Host | Fate | Exit | What happened |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for step in report.steps.iter().filter(|step| !step.hosts.is_empty()) {
            for host in &step.hosts {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    code(&step.id),
                    code(&host.host),
                    escape(&host.status),
                    host.exit_code.map_or_else(String::new, |c| c.to_string()),
                    escape(&host.message)
                );
            }
        }
        out.push('\n');
    }
}

/// Each metric gate's tally, then every sample with its reason.
fn gates(out: &mut String, report: &Report) {
    if report.steps.iter().any(|step| !step.gates.is_empty()) {
        let _ = writeln!(out, "## Metric gates\n");
        let _ = writeln!(
            out,
            "| Step | Gate | Attempt | Pass | Fail | Inconclusive | Why inconclusive |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|");
        for step in &report.steps {
            for gate in &step.gates {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    code(&step.id),
                    escape(&gate.label),
                    gate.attempt,
                    gate.passed,
                    gate.failed,
                    gate.inconclusive,
                    escape(&reasons_text(gate))
                );
            }
        }
        let _ = writeln!(out, "\nEvery sample:\n");
        for step in &report.steps {
            for gate in &step.gates {
                for sample in &gate.samples {
                    let _ = writeln!(
                        out,
                        "- {} {} #{}: **{}** — {} (query {})",
                        code(&step.id),
                        escape(&gate.label),
                        sample.sample,
                        sample.verdict,
                        escape(&sample.reason),
                        code(&sample.query)
                    );
                }
            }
        }
        out.push('\n');
    }
}

/// The values steps captured (secrets are masked before they get here).
fn captures(out: &mut String, report: &Report) {
    let captured: Vec<_> = report
        .steps
        .iter()
        .flat_map(|step| {
            step.captures
                .iter()
                .map(move |(name, value)| (step, name, value))
        })
        .collect();
    if !captured.is_empty() {
        let _ = writeln!(out, "## Captured values\n");
        for (step, name, value) in captured {
            let _ = writeln!(
                out,
                "- {}: {} = {}",
                code(&step.id),
                code(name),
                code(value)
            );
        }
        out.push('\n');
    }
}

/// The notes people left.
fn notes(out: &mut String, report: &Report) {
    if !report.notes.is_empty() {
        let _ = writeln!(out, "## Notes\n");
        for note in &report.notes {
            let on = note
                .step
                .as_deref()
                .map(|s| format!(" on {}", code(s)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- {} {}{on}: {}",
                escape(&note.at),
                escape(&note.by.described()),
                escape(&note.text)
            );
        }
        out.push('\n');
    }
}

/// Who held the controls: one row per turn, credited to the key that signed the attach.
fn controls(out: &mut String, report: &Report) {
    let _ = writeln!(out, "## Who held the controls\n");
    let _ = writeln!(
        out,
        "| From | Until | Who | Key | Seat | |\n|---|---|---|---|---|---|"
    );
    for turn in &report.controls {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} {} |",
            escape(&turn.from),
            escape(turn.until.as_deref().unwrap_or("")),
            escape(&turn.who.name),
            turn.who
                .key
                .as_deref()
                .map(code)
                .unwrap_or_else(|| "unsigned".into()),
            escape(&turn.seat),
            turn.how,
            escape(&turn.ended)
        );
    }
    out.push('\n');
}

fn status_cell(step: &StepPart) -> String {
    match &step.reason {
        Some(reason) => format!("**{}** — {}", step.status, escape(reason)),
        None if step.passed => step.status.to_string(),
        None => format!("**{}**", step.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_text_cannot_become_markup() {
        assert_eq!(
            escape("a | b [x](http://e) <script> *bold*\nnext"),
            "a \\| b \\[x\\](http://e) \\<script\\> \\*bold\\* next"
        );
    }

    #[test]
    fn code_spans_and_blocks_hold_any_backticks() {
        assert_eq!(code("echo `date`"), "`` echo `date` ``");
        assert_eq!(code("`x`"), "`` `x` ``");
        let fenced = block(&["```".to_string(), "x".to_string()]);
        assert!(
            fenced.starts_with("````text\n") && fenced.ends_with("\n````\n"),
            "{fenced}"
        );
    }
}
