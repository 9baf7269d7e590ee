//! The notifier: reads the engine's events as they are journaled, decides what each channel is
//! told, and sends it on tasks of their own. Each delivery's outcome goes back to the engine as
//! a control it journals (`notify` entries) while the run goes on; the outcomes of what is sent
//! once the run has ended (its last notices, after its footer) cannot be in the journal and go
//! to `notifications.log` in the run folder, one JSON line each.

use std::io::Write;
use std::path::PathBuf;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::deliver::deliver;
use super::message::Notice;
use crate::engine::control::Control;
use crate::engine::controller::Controller;
use crate::engine::events::{Event, Prompt};
use crate::journal::status::JournalStatus;
use crate::protocol::delivery::Delivery;
use crate::protocol::delivery::NotifyEvent;
use crate::protocol::mode::Mode;
use crate::protocol::status::{RunStatus, StepStatus};
use crate::runbook::notify::NotifyChannel;

/// Starts the notifier; `None` when the run has no channel. Awaiting the handle waits for the
/// deliveries still under way (each bounded in time).
pub(crate) fn spawn_notifier(
    channels: Vec<NotifyChannel>,
    events: mpsc::UnboundedReceiver<Event>,
    controller: Controller,
    journal: Option<watch::Receiver<JournalStatus>>,
    run_dir: PathBuf,
) -> Option<tokio::task::JoinHandle<()>> {
    if channels.is_empty() {
        return None;
    }
    let client = crate::engine::steps::http_client::HttpClients::new()
        .ok()?
        .not_following;
    Some(tokio::spawn(
        Notifier {
            channels,
            client,
            controller,
            journal,
            run_dir,
            facts: None,
            waiting: None,
            ended: false,
            deliveries: JoinSet::new(),
        }
        .run(events),
    ))
}

struct Facts {
    run_id: String,
    runbook: String,
    title: String,
    mode: Mode,
    run_dir: String,
}

/// A person is needed since `since`; the channels told so far.
struct Waiting {
    since: Instant,
    step: Option<String>,
    what: String,
    told: Vec<bool>,
}

struct Notifier {
    channels: Vec<NotifyChannel>,
    client: reqwest::Client,
    controller: Controller,
    journal: Option<watch::Receiver<JournalStatus>>,
    run_dir: PathBuf,
    facts: Option<Facts>,
    waiting: Option<Waiting>,
    /// The run's footer is written: outcomes go to notifications.log.
    ended: bool,
    deliveries: JoinSet<Delivery>,
}

impl Notifier {
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<Event>) {
        let mut open = true;
        while open || !self.deliveries.is_empty() {
            let due = self.next_waiting_due();
            tokio::select! {
                event = events.recv(), if open => match event {
                    Some(event) => self.on_event(&event),
                    None => open = false,
                },
                Some(done) = self.deliveries.join_next() => {
                    if let Ok(delivery) = done {
                        self.record(delivery);
                    }
                }
                () = sleep_until(due), if due.is_some() => self.tell_waiting(),
            }
        }
    }

    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted {
                run_id,
                runbook,
                title,
                mode,
                run_dir,
                ..
            } => {
                self.facts = Some(Facts {
                    run_id: run_id.clone(),
                    runbook: runbook.clone(),
                    title: title.clone(),
                    mode: *mode,
                    run_dir: run_dir.clone(),
                });
                self.send(NotifyEvent::Started, None, format!("{title} started"), None);
            }
            Event::Waiting(Prompt::Wait { .. }) => {}
            Event::Waiting(Prompt::Approvals {
                step,
                run,
                required,
                approved,
                ..
            }) => {
                // Asked once per wait; the prompt is shown again after each approval.
                if approved.is_empty()
                    && self
                        .waiting
                        .as_ref()
                        .is_none_or(|w| w.step.as_ref() != Some(step))
                {
                    self.send(
                        NotifyEvent::Approval,
                        Some(step.clone()),
                        format!(
                            "step `{step}` needs {required} approval(s) by people other than those running the run: cutover approve {run} {step}"
                        ),
                        None,
                    );
                }
                self.wait(Some(step.clone()), "approvals by other people".into());
            }
            Event::Waiting(prompt) => {
                self.wait(Some(prompt.step().to_string()), prompt.waits_for().into());
            }
            Event::Unattended { step } => {
                self.wait(
                    Some(step.clone()),
                    "someone to attach and take the controls".into(),
                );
            }
            Event::StepStarted { .. }
            | Event::Confirmed { .. }
            | Event::Decided { .. }
            | Event::Answered { .. }
            | Event::Suspended { .. } => self.waiting = None,
            Event::StepResult {
                step,
                status: StepStatus::Failed,
                message,
                ..
            } => {
                self.waiting = None;
                self.send(
                    NotifyEvent::Failed,
                    Some(step.clone()),
                    format!("step `{step}` failed: {message}"),
                    None,
                );
            }
            Event::StepResult { .. } => self.waiting = None,
            Event::RunFinished {
                status,
                duration_ms,
                ..
            } => {
                self.waiting = None;
                self.ended = true;
                let anchor = self
                    .journal
                    .as_ref()
                    .and_then(|journal| journal.borrow().anchor.clone());
                let took = crate::runbook::duration::human_ms(*duration_ms);
                if *status == RunStatus::RolledBack {
                    self.send(
                        NotifyEvent::RolledBack,
                        None,
                        format!("rolled back in {took}"),
                        anchor.clone(),
                    );
                }
                self.send(
                    NotifyEvent::Finished,
                    None,
                    format!("ended: {status} in {took}"),
                    anchor,
                );
            }
            _ => {}
        }
    }

    fn wait(&mut self, step: Option<String>, what: String) {
        // A question asked again (a hold) keeps its first moment.
        if self.waiting.as_ref().is_some_and(|w| w.step == step) {
            return;
        }
        self.waiting = Some(Waiting {
            since: Instant::now(),
            step,
            what,
            told: vec![false; self.channels.len()],
        });
    }

    fn next_waiting_due(&self) -> Option<Instant> {
        let waiting = self.waiting.as_ref()?;
        self.channels
            .iter()
            .enumerate()
            .filter(|(index, channel)| channel.wants(NotifyEvent::Waiting) && !waiting.told[*index])
            .map(|(_, channel)| waiting.since + channel.after)
            .min()
    }

    fn tell_waiting(&mut self) {
        let now = Instant::now();
        let Some(waiting) = self.waiting.as_mut() else {
            return;
        };
        let due: Vec<usize> = self
            .channels
            .iter()
            .enumerate()
            .filter(|(index, channel)| {
                channel.wants(NotifyEvent::Waiting)
                    && !waiting.told[*index]
                    && waiting.since + channel.after <= now
            })
            .map(|(index, _)| index)
            .collect();
        for index in &due {
            waiting.told[*index] = true;
        }
        let minutes = now.duration_since(waiting.since).as_secs().div_ceil(60);
        let text = format!(
            "waits for {} since {minutes} min{}",
            waiting.what,
            waiting
                .step
                .as_deref()
                .map(|s| format!(", at `{s}`"))
                .unwrap_or_default()
        );
        let step = waiting.step.clone();
        for index in due {
            self.send_to(
                index,
                NotifyEvent::Waiting,
                step.clone(),
                text.clone(),
                None,
            );
        }
    }

    fn send(
        &mut self,
        event: NotifyEvent,
        step: Option<String>,
        text: String,
        anchor: Option<String>,
    ) {
        for index in 0..self.channels.len() {
            if self.channels[index].wants(event) {
                self.send_to(index, event, step.clone(), text.clone(), anchor.clone());
            }
        }
    }

    fn send_to(
        &mut self,
        index: usize,
        event: NotifyEvent,
        step: Option<String>,
        text: String,
        anchor: Option<String>,
    ) {
        let Some(facts) = &self.facts else { return };
        let mode = facts.mode;
        let anchor_text = anchor
            .as_deref()
            .map(|a| format!("; journal anchor {a}"))
            .unwrap_or_default();
        let notice = Notice {
            event,
            run_id: facts.run_id.clone(),
            runbook: facts.runbook.clone(),
            title: facts.title.clone(),
            mode,
            step,
            text: format!(
                "cutover [{}{}]: {text} (run {}){anchor_text}",
                facts.runbook,
                if mode == Mode::Production {
                    String::new()
                } else {
                    format!(", {mode}")
                },
                facts.run_id
            ),
            run_dir: facts.run_dir.clone(),
            anchor,
        };
        let channel = self.channels[index].clone();
        let client = self.client.clone();
        let label = channel.label(index + 1);
        self.deliveries
            .spawn(async move { deliver(&client, &channel, label, &notice).await });
    }

    /// Into the journal while the run goes; into notifications.log once its footer is written.
    fn record(&self, delivery: Delivery) {
        if !self.ended
            && self.controller.send(Control::Notified {
                delivery: Box::new(delivery.clone()),
            })
        {
            return;
        }
        // Nowhere left to say a failure to keep it: the run has ended, its journal is closed.
        let line = serde_json::to_string(&delivery).unwrap_or_default();
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.run_dir.join("notifications.log"))
            .and_then(|mut file| writeln!(file, "{line}"));
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
