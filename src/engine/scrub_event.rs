//! Every event is scrubbed of secret values once, on its way out of the engine (the emitter
//! calls [`scrub_event`]), so that no consumer — the journal, the screen, a report — can show a
//! secret that reached a message: an API that echoes a token in an error, a probe error quoting
//! a body, a progressive stage's message, an operator's note that pasted one.
//!
//! Scrubbing at the source of each string was the alternative; it failed twice (captures and
//! probe errors were journaled raw) because every new field had to remember it. Live output is
//! the exception: it is scrubbed as it is read (`engine/stream_reader.rs`), where a secret cut
//! between two reads is still caught, and is not scrubbed twice. Identifiers (step and phase
//! ids, the run id) are the runbook's names, never secrets, and are left alone.

use super::events::{Event, Prompt};
use super::scrub::Scrubber;

/// Masks every secret in the free text an event carries.
pub(crate) fn scrub_event(event: &mut Event, scrubber: &Scrubber) {
    if scrubber.is_empty() {
        return;
    }
    let scrub = |text: &mut String| {
        let clean = scrubber.scrub_text(text);
        if clean != *text {
            *text = clean;
        }
    };
    match event {
        Event::RunStarted { title, vars, .. } => {
            scrub(title);
            for (_, value) in vars {
                scrub(value);
            }
        }
        Event::PhaseStarted { title, .. } => scrub(title),
        Event::StepStarted { title, action, .. } => {
            scrub(title);
            scrub(action);
        }
        Event::Progress { message, .. }
        | Event::Stage { message, .. }
        | Event::HostResult { message, .. } => scrub(message),
        Event::Answered { value, .. } => {
            if let Some(value) = value {
                scrub(value);
            }
        }
        Event::MetricSample(sample) => {
            scrub(&mut sample.query);
            scrub(&mut sample.reason);
            if let Some(query) = &mut sample.baseline_query {
                scrub(query);
            }
        }
        Event::Condition { error, .. } | Event::Probe { error, .. } => {
            if let Some(error) = error {
                scrub(error);
            }
        }
        Event::StepResult {
            message,
            tail,
            captures,
            ..
        } => {
            scrub(message);
            tail.iter_mut().for_each(scrub);
            for (_, value) in captures {
                scrub(value);
            }
        }
        Event::Waiting(prompt) => scrub_prompt(prompt, &scrub),
        Event::Confirmed {
            note, checklist, ..
        } => {
            if let Some(note) = note {
                scrub(note);
            }
            checklist.iter_mut().for_each(scrub);
        }
        Event::Decided { decision, .. } => match decision {
            crate::protocol::decision::Decision::Skip { reason } => scrub(reason),
            crate::protocol::decision::Decision::MarkDone { evidence } => scrub(evidence),
            _ => {}
        },
        Event::Noted { text, .. } => scrub(text),
        Event::Notified { delivery } => {
            if let Some(error) = &mut delivery.error {
                scrub(error);
            }
        }
        Event::Suspended { reason, .. } => scrub(reason),
        // Already scrubbed as read, or nothing but identifiers and numbers.
        Event::Output { .. }
        | Event::PhaseFinished { .. }
        | Event::Window { .. }
        | Event::WindowOverrun { .. }
        | Event::Service { .. }
        | Event::Controller(_)
        // Made of text already masked (`engine/run/approvals.rs`); a signature covers its
        // exact bytes, so it is never rewritten here.
        | Event::Approved(_)
        | Event::Unattended { .. }
        | Event::Retrying { .. }
        | Event::RunFinished { .. } => {}
    }
}

fn scrub_prompt(prompt: &mut Prompt, scrub: &dyn Fn(&mut String)) {
    match prompt {
        Prompt::Run { command, .. } => scrub(command),
        Prompt::Phrase { command, .. } => scrub(command),
        Prompt::Manual {
            instructions,
            checklist,
            ..
        } => {
            scrub(instructions);
            checklist.iter_mut().for_each(scrub);
        }
        Prompt::Failure { message, .. } => scrub(message),
        Prompt::Wait { .. } => {}
        Prompt::Approvals { statement, .. } => scrub(statement),
        Prompt::Decision { question, .. } => scrub(question),
        Prompt::Input {
            question,
            options,
            default,
            ..
        } => {
            scrub(question);
            options.iter_mut().for_each(scrub);
            if let Some(default) = default {
                scrub(default);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_in_a_message_a_tail_a_capture_or_a_probe_error_is_masked() {
        let scrubber = Scrubber::new(["tok-12345678"]);
        let mut result = Event::StepResult {
            step: "s".into(),
            attempt: 1,
            status: crate::protocol::status::StepStatus::Failed,
            duration_ms: 1,
            expected_ms: None,
            exit_code: None,
            http_status: Some(500),
            message: "the body does not contain `ok`: {\"token\":\"tok-12345678\"}".into(),
            output: None,
            tail: vec!["echo tok-12345678".into()],
            captures: vec![("session".into(), "Bearer tok-12345678".into())],
        };
        scrub_event(&mut result, &scrubber);
        let text = serde_json::to_string(&result).unwrap();
        assert!(!text.contains("tok-12345678"), "{text}");
        let mut probe = Event::Probe {
            step: "p".into(),
            sample: 1,
            latency_ms: 1.0,
            status: None,
            error: Some("echoed tok-12345678".into()),
        };
        scrub_event(&mut probe, &scrubber);
        assert!(
            !serde_json::to_string(&probe)
                .unwrap()
                .contains("tok-12345678")
        );
    }
}
