//! Engine events applied to the screen's state.

use std::time::{Duration, Instant};

use crate::engine::events::{Event, Prompt};

use super::runbook_text::{for_terminal, lines_for_terminal};
use super::state::{App, MetricSeries, Question, StepRow, StepState};
use crate::protocol::run_info::StepInfo;

impl App {
    /// Says in the footer, for a few seconds, what the run journaled of an act.
    fn say(&mut self, text: String) {
        self.said = Some((for_terminal(&text), std::time::Instant::now()));
    }
}

impl App {
    pub(crate) fn apply(&mut self, event: &Event) {
        match event {
            Event::StepStarted {
                step,
                title,
                kind,
                attempt,
                action,
                rollback,
                ..
            } => {
                // A step the runbook does not list (the undo of a step, on rollback) gets its
                // row when it starts, before the rollback section's own steps.
                if self.row_index(step).is_none() {
                    let at = self
                        .rows
                        .iter()
                        .position(|row| row.info.rollback && row.state == StepState::Pending)
                        .unwrap_or(self.rows.len());
                    self.rows.insert(
                        at,
                        StepRow::pending(StepInfo {
                            id: step.clone(),
                            title: for_terminal(title),
                            phase: "rollback".into(),
                            kind: *kind,
                            description: String::new(),
                            rollback: *rollback,
                            estimate_ms: None,
                        }),
                    );
                }
                if let Some(index) = self.row_index(step) {
                    let row = &mut self.rows[index];
                    // The title as filled in when the step started.
                    row.info.title = for_terminal(title);
                    row.state = StepState::Running;
                    row.attempt = *attempt;
                    row.action = action.clone();
                    row.message.clear();
                    row.progress = None;
                    if self.follow {
                        self.selected = index;
                        self.scroll = 0;
                    }
                }
                self.question = None;
            }
            Event::HostResult {
                step,
                host,
                status,
                message,
                ..
            } => {
                if let Some(index) = self.row_index(step) {
                    let hosts = &mut self.rows[index].hosts;
                    let entry = (for_terminal(host), *status, for_terminal(message));
                    match hosts.iter_mut().find(|(known, _, _)| *known == entry.0) {
                        Some(known) => *known = entry,
                        None => hosts.push(entry),
                    }
                }
            }
            Event::MetricSample(sample) => {
                if let Some(index) = self.row_index(&sample.step) {
                    let label = sample.place().unwrap_or_else(|| "samples".to_string());
                    let label = for_terminal(&label);
                    let series = &mut self.rows[index].metrics;
                    let at = match series.iter().position(|s| s.label == label) {
                        Some(at) => at,
                        None => {
                            series.push(MetricSeries {
                                label,
                                verdicts: Vec::new(),
                                last: String::new(),
                            });
                            series.len() - 1
                        }
                    };
                    series[at].verdicts.push(sample.verdict);
                    series[at].last = for_terminal(&sample.reason);
                }
            }
            Event::Output { step, text, .. } => {
                self.outputs.entry(step.clone()).or_default().push(text);
            }
            Event::Progress { step, message } => {
                if let Some(index) = self.row_index(step) {
                    self.rows[index].progress = Some(for_terminal(message));
                }
            }
            Event::Stage {
                step,
                stage,
                passed,
                message,
                ..
            } => {
                if let Some(index) = self.row_index(step) {
                    let mark = if *passed { "ok" } else { "FAILED" };
                    self.rows[index]
                        .stages
                        .push(for_terminal(&format!("{stage:>3}%  {mark}  {message}")));
                }
            }
            Event::Probe {
                step,
                latency_ms,
                error,
                ..
            } => {
                if let Some(index) = self.row_index(step) {
                    let row = &mut self.rows[index];
                    row.probe.push(*latency_ms);
                    if error.is_some() {
                        row.probe_errors += 1;
                    }
                }
            }
            Event::StepResult {
                step,
                status,
                duration_ms,
                message,
                captures,
                ..
            } => {
                if let Some(index) = self.row_index(step) {
                    let row = &mut self.rows[index];
                    row.state = StepState::Done(*status);
                    row.duration = Some(Duration::from_millis(*duration_ms));
                    row.message = for_terminal(message);
                    row.progress = None;
                    // What it captured, for the steps after it (a secret one never comes in an
                    // event: the engine keeps it out).
                    for (name, value) in captures {
                        row.notes
                            .push(for_terminal(&format!("captured {name} = {value}")));
                    }
                }
            }
            Event::Condition {
                step,
                expression,
                value,
                error,
                ..
            } => {
                if let Some(index) = self.row_index(step) {
                    let row = &mut self.rows[index];
                    match (value, error) {
                        (Some(false), _) => {
                            row.state = StepState::NotApplicable;
                            row.message =
                                for_terminal(&format!("not applicable: `{expression}` is false"));
                        }
                        (None, Some(error)) => row.notes.push(for_terminal(error)),
                        _ => {}
                    }
                }
            }
            Event::Answered {
                step,
                variable,
                value,
                by,
            } => {
                if let Some(index) = self.row_index(step) {
                    let shown = value.as_deref().unwrap_or("***");
                    self.rows[index]
                        .notes
                        .push(for_terminal(&format!("{variable} = {shown} ({by})")));
                }
                self.question = None;
            }
            Event::Decided { step, decision } => {
                self.say(format!("journaled: {step} — {decision}"));
                if let Some(index) = self.row_index(step) {
                    self.rows[index]
                        .notes
                        .push(for_terminal(&format!("decision: {decision}")));
                    if let crate::protocol::decision::Decision::Skip { .. } = decision {
                        self.rows[index].state =
                            StepState::Done(crate::protocol::status::StepStatus::Skipped);
                    }
                    if let crate::protocol::decision::Decision::MarkDone { .. } = decision {
                        self.rows[index].state =
                            StepState::Done(crate::protocol::status::StepStatus::DoneManually);
                    }
                }
                self.question = None;
            }
            Event::Confirmed { step, note, .. } => {
                self.say(format!("journaled: {step} confirmed"));
                if let (Some(index), Some(note)) = (self.row_index(step), note) {
                    self.rows[index]
                        .notes
                        .push(for_terminal(&format!("note: {note}")));
                }
                self.question = None;
            }
            Event::Waiting(prompt) => self.ask(prompt.clone()),
            Event::Window {
                action,
                duration_ms,
            } => match action {
                crate::protocol::step_kind::WindowAction::Open => {
                    self.window = Some((
                        Instant::now(),
                        Duration::from_millis(duration_ms.unwrap_or_default()),
                    ));
                }
                crate::protocol::step_kind::WindowAction::Close => self.window = None,
            },
            Event::WindowOverrun { overrun_ms } => {
                self.window_overrun = Some(Duration::from_millis(*overrun_ms))
            }
            Event::Service { step, state } => {
                if let Some(index) = self.row_index(step) {
                    self.rows[index].notes.push(format!("service {state}"));
                }
            }
            // Said in the journal and the report; the screen is for the run.
            Event::Notified { .. } => {}
            Event::Retrying {
                step,
                attempt,
                of,
                delay_ms,
            } => {
                if let Some(index) = self.row_index(step) {
                    self.rows[index].progress = Some(format!(
                        "attempt {attempt}/{of} failed · attempt {} in {}",
                        attempt + 1,
                        crate::runbook::duration::human_ms(*delay_ms)
                    ));
                }
            }
            Event::Unattended { step } => {
                if let Some(index) = self.row_index(step) {
                    self.rows[index].progress = Some(
                        "nobody holds the controls: this step starts once someone attaches (`cutover attach`)".into(),
                    );
                }
            }
            Event::Approved(approval) => {
                if let Some(index) = self.row_index(&approval.step) {
                    self.rows[index].notes.push(for_terminal(&format!(
                        "approved by {} ({}), {} of {}",
                        approval.principal, approval.fingerprint, approval.count, approval.required
                    )));
                }
            }
            Event::Controller(change) => {
                // By the principal their key proved, since when (UTC, as the header's times).
                let who = match &change.person {
                    Some(person) => person.principal.clone(),
                    None => format!("unsigned seat {}", change.seat.describe()),
                };
                let since = change.at.get(11..19).unwrap_or_default();
                self.controls_held_by = match change.action {
                    crate::engine::controller_change::SeatAction::Detach => None,
                    _ => Some(for_terminal(&format!("{who} since {since}"))),
                };
            }
            Event::Noted { step, text } => {
                self.say(match step {
                    Some(step) => format!("journaled: your note on {step}"),
                    None => "journaled: your note".to_string(),
                });
                if let Some(index) = step.as_deref().and_then(|step| self.row_index(step)) {
                    self.rows[index]
                        .notes
                        .push(for_terminal(&format!("note: {text}")));
                }
            }
            Event::Suspended { reason, .. } => {
                self.suspended = Some(reason.clone());
                self.question = None;
            }
            Event::RunFinished {
                status,
                duration_ms,
                ..
            } => {
                self.finished = Some((*status, Duration::from_millis(*duration_ms)));
                self.question = None;
            }
            Event::RunStarted { .. } | Event::PhaseStarted { .. } | Event::PhaseFinished { .. } => {
            }
        }
    }

    fn ask(&mut self, prompt: Prompt) {
        // Instructions and failure messages carry values from the run (captures, answers of
        // servers): nothing in them may move the cursor.
        let prompt = match prompt {
            Prompt::Manual {
                step,
                instructions,
                checklist,
                notes,
                can_fail,
                deadline_s,
                on_deadline,
            } => Prompt::Manual {
                deadline_s,
                on_deadline,
                step,
                instructions: lines_for_terminal(&instructions),
                checklist: checklist.iter().map(|item| for_terminal(item)).collect(),
                notes,
                can_fail,
            },
            Prompt::Failure {
                step,
                message,
                can_skip,
                in_rollback,
            } => Prompt::Failure {
                step,
                message: for_terminal(&message),
                can_skip,
                in_rollback,
            },
            Prompt::Input {
                step,
                variable,
                question,
                options,
                pattern,
                default,
                secret,
                deadline_s,
            } => Prompt::Input {
                step,
                variable,
                question: lines_for_terminal(&question),
                options: options.iter().map(|o| for_terminal(o)).collect(),
                pattern: pattern.map(|p| for_terminal(&p)),
                default: default.map(|d| for_terminal(&d)),
                secret,
                deadline_s,
            },
            Prompt::Decision {
                step,
                question,
                options,
                default,
                deadline_s,
            } => Prompt::Decision {
                step,
                question: lines_for_terminal(&question),
                options: options
                    .into_iter()
                    .map(|option| crate::runbook::kinds::decision::DecisionOption {
                        name: for_terminal(&option.name),
                        action: option.action,
                    })
                    .collect(),
                default: default.map(|d| for_terminal(&d)),
                deadline_s,
            },
            Prompt::Approvals {
                step,
                run,
                required,
                approved,
                approvers,
                statement,
                deadline_s,
                on_deadline,
            } => Prompt::Approvals {
                step,
                run: for_terminal(&run),
                required,
                approved: approved
                    .into_iter()
                    .map(|a| crate::protocol::approval::ApproverRef {
                        principal: for_terminal(&a.principal),
                        fingerprint: for_terminal(&a.fingerprint),
                    })
                    .collect(),
                approvers: approvers.iter().map(|a| for_terminal(a)).collect(),
                statement: lines_for_terminal(&statement),
                deadline_s,
                on_deadline,
            },
            other => other,
        };
        let step = prompt.step().to_string();
        if let Some(index) = self.row_index(&step) {
            // The resolved command is shown before the operator says go.
            if let Prompt::Run { command, .. } | Prompt::Phrase { command, .. } = &prompt {
                self.rows[index].action = command.clone();
            }
            if !matches!(prompt, Prompt::Wait { .. }) {
                self.rows[index].state = match self.rows[index].state {
                    StepState::Done(status) => StepState::Done(status),
                    _ => StepState::Waiting,
                };
            }
            // The question is about this step: the screen shows it, whatever was browsed.
            self.selected = index;
            self.follow = true;
            self.scroll = 0;
        }
        let checklist = match &prompt {
            Prompt::Manual { checklist, .. } => checklist.len(),
            _ => 0,
        };
        let entry = match &prompt {
            Prompt::Phrase { .. } => Some(super::text_entry::TextEntry::new(
                super::text_entry::Purpose::Phrase,
            )),
            // A secret answer is masked as it is typed.
            Prompt::Input { secret: true, .. } => Some(super::text_entry::TextEntry::masked(
                super::text_entry::Purpose::Answer,
            )),
            Prompt::Input { .. } => Some(super::text_entry::TextEntry::new(
                super::text_entry::Purpose::Answer,
            )),
            _ => None,
        };
        self.question = Some(Question {
            prompt,
            ticked: vec![false; checklist],
            cursor: 0,
            entry,
            note: None,
            problem: None,
            asked_at: std::time::Instant::now(),
        });
    }
}
