//! The report as one self-contained HTML page: the stylesheet (assets/report.css) is embedded
//! at build time, nothing is fetched, no script runs, and it prints well. Built with maud,
//! whose `html!` escapes every value it is given: text from the run can never become markup.

use crate::journal::history::model::Actor;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::build::{Report, StepPart};
use super::gates::reasons_text;
use super::words::{against_history_lines, duration_against, verdict_words};
use crate::runbook::duration::human_ms;

const STYLESHEET: &str = include_str!("../../assets/report.css");

pub(crate) fn render_html(report: &Report) -> String {
    let run = &report.run;
    let words = verdict_words(report);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Run report: " (run.runbook.title) }
                // The stylesheet is ours, compiled in: the one thing not escaped.
                style { (PreEscaped(STYLESHEET)) }
            }
            body {
                main {
                    h1 { "Run report: " (run.runbook.title) }
                    section class={ "verdict verdict-" (words.headline) } {
                        p { span class="headline" { (words.headline) } " — " (words.meaning) }
                        @if let Some(error) = &words.error {
                            p { "First error: " code { (error) } }
                        }
                        @if let Some(limit) = &words.trust_limit {
                            p class="trust-limit" { (limit) }
                        }
                        @if let Some(anchor) = &words.anchor {
                            p { "Anchor " code { (anchor) } ": it must match the one recorded in the change ticket." }
                        }
                        p class="muted" { (words.signers) }
                        p class="muted" { (words.signed) }
                        @if let Some(runbook_file) = words.runbook_file {
                            p class="muted" { (runbook_file) }
                        }
                        @for warning in &report.verification.warnings {
                            p { "Warning: " code { (warning) } }
                        }
                    }
                    (facts(report))
                    @if report.sessions.len() > 1 { (sessions(report)) }
                    @if !report.controls.is_empty() { (controls(report)) }
                    @if let Some(picture) = super::timeline_svg::timeline(report) {
                        h2 { "Timeline" }
                        (picture)
                    }
                    (steps(report))
                    @if !report.not_reached.is_empty() { (not_reached(report)) }
                    @if !report.decisions.is_empty() { (decisions(report)) }
                    @if !report.failures.is_empty() { (failures(report)) }
                    @if !report.phases.is_empty() { (phases(report)) }
                    @if let Some(against) = &report.against_history {
                        h2 { "Against earlier runs" }
                        ul {
                            @for line in against_history_lines(against) {
                                li { (line) }
                            }
                        }
                    }
                    @if let Some(drill) = &report.drill {
                        h2 { "Drill" }
                        p {
                            @match (&drill.first_failure_at, drill.recovery_ms) {
                                (Some(at), Some(ms)) => { "First failure at " (at) "; the rollback was complete " (human_ms(ms)) " later." }
                                (Some(at), None) => { "First failure at " (at) "; the run did not roll back." }
                                (None, _) => { "No step failed." }
                            }
                        }
                    }
                    @if !report.window.is_empty() {
                        h2 { "Maintenance window" }
                        ul {
                            @for window in &report.window {
                                li {
                                    (window.at) " " (window.action)
                                    @if let Some(ms) = window.duration_ms.or(window.overrun_ms) { " (" (human_ms(ms)) ")" }
                                }
                            }
                        }
                    }
                    @if report.steps.iter().any(|step| !step.hosts.is_empty()) {
                        h2 { "Hosts" }
                        table {
                            thead { tr { th { "Step" } th { "Host" } th { "Fate" } th { "Exit" } th { "What happened" } } }
                            tbody {
                                @for step in report.steps.iter().filter(|step| !step.hosts.is_empty()) {
                                    @for host in &step.hosts {
                                        tr {
                                            td { code { (step.id) } }
                                            td { code { (host.host) } }
                                            td { (host.status) }
                                            td { @if let Some(code) = host.exit_code { (code) } }
                                            td { (host.message) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if report.steps.iter().any(|step| !step.gates.is_empty()) {
                        h2 { "Metric gates" }
                        table {
                            thead { tr { th { "Step" } th { "Gate" } th { "Attempt" } th { "Pass" } th { "Fail" } th { "Inconclusive" } th { "Why inconclusive" } } }
                            tbody {
                                @for step in &report.steps {
                                    @for gate in &step.gates {
                                        tr {
                                            td { code { (step.id) } }
                                            td { (gate.label) }
                                            td { (gate.attempt) }
                                            td { (gate.passed) }
                                            td { (gate.failed) }
                                            td { (gate.inconclusive) }
                                            td { (reasons_text(gate)) }
                                        }
                                    }
                                }
                            }
                        }
                        ol {
                            @for step in &report.steps {
                                @for gate in &step.gates {
                                    @for sample in &gate.samples {
                                        li { code { (step.id) } " " (gate.label) " #" (sample.sample) ": " strong { (sample.verdict.as_str()) } " — " (sample.reason) " (query " code { (sample.query) } ")" }
                                    }
                                }
                            }
                        }
                    }
                    @if report.steps.iter().any(|step| !step.captures.is_empty()) {
                        h2 { "Captured values" }
                        ul {
                            @for step in &report.steps {
                                @for (name, value) in &step.captures {
                                    li { code { (step.id) } ": " code { (name) } " = " code { (value) } }
                                }
                            }
                        }
                    }
                    @if !report.notes.is_empty() {
                        h2 { "Notes" }
                        ul {
                            @for note in &report.notes {
                                li {
                                    span class="muted" { (note.at) } " " (note.by.described())
                                    @if let Some(step) = &note.step { " on " code { (step) } }
                                    ": " (note.text)
                                }
                            }
                        }
                    }
                    footer {
                        "Generated by cutover " (env!("CARGO_PKG_VERSION")) " from the journal of run "
                        code { (run.run_id) } " (" (report.format) ")."
                    }
                }
            }
        }
    };
    page.into_string()
}

fn facts(report: &Report) -> Markup {
    let run = &report.run;
    html! {
        table class="facts" {
            tr { th { "Runbook" } td { code { (run.runbook.name) } " — " (run.runbook.title) br; span class="muted" { "SHA-256 " code { (run.runbook.sha256) } } } }
            tr { th { "Run" } td { code { (run.run_id) } } }
            tr { th { "Mode" } td { (report.run.mode.as_str()) " (signing namespace " code { (run.namespace) } ")" } }
            @if let Some(target) = &run.target { tr { th { "Target" } td { code { (target) } } } }
            tr { th { "Operator" } td { (run.operator.principal) " — key " code { (run.operator.fingerprint) } " (" (run.operator.key_source) ")" } }
            tr { th { "Host" } td {
                (run.host) ", unix user " (run.unix_user)
                @if let Some(ssh) = &run.ssh_connection { ", SSH from " code { (ssh) } }
            } }
            tr { th { "Started" } td { (run.started) } }
            tr { th { "Ended" } td { (run.ended) } }
            tr { th { "Status" } td {
                strong { (run.status) }
                @if let Some(ms) = run.duration_ms { " in " (duration_against(Some(ms), run.expected_ms)) }
            } }
            tr { th { "Tool" } td { (run.tool_version) } }
            @if !run.variables.is_empty() {
                tr { th { "Variables" } td {
                    @for (name, value) in &run.variables { code { (name) "=" (value) } " " }
                } }
            }
            @if !run.secrets.is_empty() {
                tr { th { "Secrets" } td {
                    @for name in &run.secrets { code { (name) } " " }
                    span class="muted" { "(values never journaled)" }
                } }
            }
        }
    }
}

fn sessions(report: &Report) -> Markup {
    html! {
        h2 { "Sessions" }
        table {
            tr { th { "Started" } th { "Operator" } th { "Key" } th { "Host" } th { "" } }
            @for session in &report.sessions {
                tr {
                    td { (session.started) }
                    td { (session.principal) }
                    td { code { (session.fingerprint) } }
                    td { (session.host) }
                    td {
                        @if !session.resumed { "started the run" }
                        @else if let Some(bytes) = session.torn_bytes { "resumed; " (bytes) " torn bytes from a crash accounted for" }
                        @else { "resumed" }
                    }
                }
            }
        }
    }
}

/// Who held the controls, turn by turn, credited to the key that signed each attach.
fn controls(report: &Report) -> Markup {
    html! {
        h2 { "Who held the controls" }
        div class="scroll" {
            table class="controls" {
                tr { th { "From" } th { "Until" } th { "Who" } th { "Key" } th { "Seat" } th { "" } }
                @for turn in &report.controls {
                    tr {
                        td { (turn.from) }
                        td { (turn.until.as_deref().unwrap_or("")) }
                        td { (turn.who.name) }
                        td { @if let Some(key) = &turn.who.key { code { (key) } } @else { "unsigned" } }
                        td { (turn.seat) }
                        td { (turn.how) ", " (turn.ended) }
                    }
                }
            }
        }
    }
}

fn status_class(step: &StepPart) -> String {
    format!(
        "status status-{}",
        step.status.replace(", ", "-").replace(' ', "-")
    )
}

fn steps(report: &Report) -> Markup {
    html! {
        h2 { "Steps" }
        table {
            tr { th { "Step" } th { "Phase" } th { "Status" } th { "Attempts" } th { "Duration" } th { "Confirmed by" } th { "Notes" } }
            @for step in &report.steps {
                tr {
                    td { code { (step.id) } " " (step.title) }
                    td { (step.phase.as_deref().unwrap_or("rollback")) }
                    td {
                        span class=(status_class(step)) { (step.status) }
                        @if let Some(reason) = &step.reason { br; span class="muted" { (reason) } }
                    }
                    td { (step.attempts) }
                    td class=[step.over_expected.filter(|over| *over).map(|_| "over")] {
                        (duration_against(step.duration_ms, step.expected_ms))
                    }
                    td { (super::words::confirmed_and_approved(step)) }
                    td { @for note in &step.notes { (note) br; } }
                }
            }
        }
    }
}

fn not_reached(report: &Report) -> Markup {
    html! {
        h2 { "Not reached" }
        p class="muted" { "Steps of the runbook that never started in this run." }
        ul {
            @for step in &report.not_reached {
                li {
                    code { (step.id) } " " (step.title) " "
                    span class="muted" {
                        @match &step.phase { Some(phase) => { "(phase " (phase) ")" } None => { "(rollback)" } }
                    }
                }
            }
        }
    }
}

fn decisions(report: &Report) -> Markup {
    html! {
        h2 { "Decisions" }
        table {
            tr { th { "When" } th { "Step" } th { "Decision" } th { "By" } }
            @for decided in &report.decisions {
                tr {
                    td { (decided.at) }
                    td { code { (decided.step) } }
                    td { (decided.words) @if decided.on_resume { br; span class="muted" { "on resume, about a step interrupted mid-way" } } }
                    td { (decided.by.as_ref().map_or_else(|| "a policy, not a person".to_string(), Actor::described)) }
                }
            }
        }
    }
}

fn failures(report: &Report) -> Markup {
    html! {
        h2 { "Failures" }
        @for failure in &report.failures {
            h3 {
                code { (failure.step) } " — attempt " (failure.attempt)
                @if let Some(stage) = failure.stage { ", stage " (stage) "%" }
            }
            p { span class="muted" { (failure.at) } " " (failure.message) }
            p class="muted" {
                @if let Some(code) = failure.exit_code { "exit code " (code) " · " }
                @if let Some(status) = failure.http_status { "HTTP status " (status) " · " }
                @if let Some(path) = &failure.output { "full output in " code { (path) } }
            }
            @if !failure.tail.is_empty() {
                pre { (failure.tail.join("\n")) }
            }
        }
    }
}

fn phases(report: &Report) -> Markup {
    html! {
        h2 { "Phases" }
        table {
            tr { th { "Phase" } th { "Started" } th { "Duration" } }
            @for phase in &report.phases {
                tr {
                    td { code { (phase.id) } " " (phase.title) }
                    td { (phase.started) }
                    td class=[phase.over_expected.filter(|over| *over).map(|_| "over")] {
                        @if phase.duration_ms.is_some() { (duration_against(phase.duration_ms, phase.expected_ms)) }
                        @else if phase.continued_later { "stopped here; continued by a later session" }
                        @else { "did not finish" }
                    }
                }
            }
        }
    }
}
