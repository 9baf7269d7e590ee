//! Journal entries: the envelope every line has, and one typed body per kind. Parsing is strict:
//! unknown fields and duplicate fields are errors, so an entry means exactly what it says.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::protocol::step_kind::StepKind;

use crate::engine::controller_change::ControllerChange;
use crate::engine::metric_sample::MetricSample;
use crate::protocol::decision::{ConfirmVia, Decision};
use crate::protocol::mode::Mode;
use crate::protocol::output::OutputRecord;
use crate::protocol::status::{RunStatus, ServiceState, StepStatus};

pub(crate) const FORMAT_VERSION: u32 = 1;
pub(crate) const ZERO_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Signing namespaces: a drill journal can never pass as a production one.
pub(crate) fn namespace_for(mode: Mode) -> &'static str {
    match mode {
        Mode::Production => "cutover-journal",
        Mode::Drill | Mode::DryRun => "cutover-drill",
    }
}

/// The envelope, serialized in this field order: `v`, `sid`, `seq`, `prev`, `ts`, `kind`, `body`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub v: u32,
    pub sid: String,
    pub seq: u64,
    pub prev: String,
    pub ts: String,
    #[serde(flatten)]
    pub body: Body,
}

/// The envelope as read back, the body left raw until the kind is known.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry<'a> {
    v: u32,
    sid: String,
    seq: u64,
    prev: String,
    ts: String,
    kind: String,
    #[serde(borrow)]
    body: &'a RawValue,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Body {
    // Boxed: the header is the one large body, and a journal holds one.
    Header(Box<HeaderBody>),
    PhaseStart(PhaseStartBody),
    StepStart(StepStartBody),
    StepResult(StepResultBody),
    Probe(ProbeBody),
    /// A metric gate's sample; the body is the event's, field for field.
    Metric(Box<MetricSample>),
    Confirm(ConfirmBody),
    Decision(DecisionBody),
    Note(NoteBody),
    /// Who holds the controls changed; the body is the event's, field for field.
    Attach(ControllerChange),
    /// A notification's delivery, field for field.
    Notify(Box<crate::protocol::delivery::Delivery>),
    /// A person approved a step: their statement and SSHSIG over it, field for field.
    Approval(Box<crate::protocol::approval::Approval>),
    Condition(ConditionBody),
    Host(HostBody),
    Input(InputBody),
    Service(ServiceBody),
    Window(WindowBody),
    Checkpoint(CheckpointBody),
    Suspend(SuspendBody),
    Resume(ResumeBody),
    Footer(FooterBody),
}

/// An entry's `kind`, the word that says which body it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Header,
    PhaseStart,
    StepStart,
    StepResult,
    Probe,
    Metric,
    Confirm,
    Decision,
    Note,
    Attach,
    Notify,
    Approval,
    Condition,
    Host,
    Input,
    Service,
    Window,
    Checkpoint,
    Suspend,
    Resume,
    Footer,
}

impl EntryKind {
    pub const ALL: [EntryKind; 21] = [
        Self::Header,
        Self::PhaseStart,
        Self::StepStart,
        Self::StepResult,
        Self::Probe,
        Self::Metric,
        Self::Confirm,
        Self::Decision,
        Self::Note,
        Self::Attach,
        Self::Notify,
        Self::Approval,
        Self::Condition,
        Self::Host,
        Self::Input,
        Self::Service,
        Self::Window,
        Self::Checkpoint,
        Self::Suspend,
        Self::Resume,
        Self::Footer,
    ];

    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::PhaseStart => "phase_start",
            Self::StepStart => "step_start",
            Self::StepResult => "step_result",
            Self::Probe => "probe",
            Self::Metric => "metric",
            Self::Confirm => "confirm",
            Self::Decision => "decision",
            Self::Note => "note",
            Self::Attach => "attach",
            Self::Notify => "notify",
            Self::Approval => "approval",
            Self::Condition => "condition",
            Self::Host => "host",
            Self::Input => "input",
            Self::Service => "service",
            Self::Window => "window",
            Self::Checkpoint => "checkpoint",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Footer => "footer",
        }
    }
}

impl std::fmt::Display for EntryKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Body {
    pub fn kind(&self) -> EntryKind {
        match self {
            Self::Header(_) => EntryKind::Header,
            Self::PhaseStart(_) => EntryKind::PhaseStart,
            Self::StepStart(_) => EntryKind::StepStart,
            Self::StepResult(_) => EntryKind::StepResult,
            Self::Probe(_) => EntryKind::Probe,
            Self::Metric(_) => EntryKind::Metric,
            Self::Confirm(_) => EntryKind::Confirm,
            Self::Decision(_) => EntryKind::Decision,
            Self::Note(_) => EntryKind::Note,
            Self::Attach(_) => EntryKind::Attach,
            Self::Notify(_) => EntryKind::Notify,
            Self::Approval(_) => EntryKind::Approval,
            Self::Condition(_) => EntryKind::Condition,
            Self::Host(_) => EntryKind::Host,
            Self::Input(_) => EntryKind::Input,
            Self::Service(_) => EntryKind::Service,
            Self::Window(_) => EntryKind::Window,
            Self::Checkpoint(_) => EntryKind::Checkpoint,
            Self::Suspend(_) => EntryKind::Suspend,
            Self::Resume(_) => EntryKind::Resume,
            Self::Footer(_) => EntryKind::Footer,
        }
    }

    /// Who may sign an entry of this kind.
    pub fn signing(&self) -> Signing {
        match self {
            Self::Header(_) | Self::Resume(_) => Signing::Operator,
            Self::Confirm(_)
            | Self::Decision(_)
            | Self::Note(_)
            | Self::Attach(_)
            | Self::Input(_)
            | Self::Checkpoint(_)
            | Self::Footer(_) => Signing::PersonOrSession,
            _ => Signing::Session,
        }
    }
}

/// Who signs an entry (LOG-FORMAT.md, "Signatures").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    /// The operator's SSH key (SSHSIG): the header and every resume, which delegate a
    /// session key.
    Operator,
    /// A person's act, and the checkpoint or footer that follows one: that person's SSH key;
    /// or the session key, for what the engine writes alone (a policy's decision, an input's
    /// default at its deadline, a periodic checkpoint, the footer of a run nobody ended).
    PersonOrSession,
    /// Everything else the engine records: the session key.
    Session,
}

/// The release lock a production run holds (`[runbook] lock`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseLockRef {
    pub name: String,
    /// Present when `--break-lock` took it from an unfinished run whose engine was gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken: Option<BrokenLock>,
}

/// A release lock taken from an unfinished run, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokenLock {
    pub run_id: String,
    pub reason: String,
}

/// A file the runbook includes, as the run folder keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncludeRef {
    /// The path as the runbook writes it.
    pub path: String,
    /// Its copy in the run folder (`includes/1-drain.toml`).
    pub file: String,
    /// SHA-256 of its exact bytes.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunbookRef {
    pub name: String,
    pub title: String,
    /// SHA-256 of the exact `runbook.toml` bytes that ran.
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorRef {
    pub principal: String,
    /// The public key, OpenSSH format.
    pub key: String,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    /// `agent`, `file` or `drill-key`.
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderBody {
    pub format: String,
    pub run_id: String,
    pub runbook: RunbookRef,
    pub mode: Mode,
    pub namespace: String,
    pub operator: OperatorRef,
    pub host: String,
    pub unix_user: String,
    pub ssh_connection: Option<String>,
    pub tool_version: String,
    /// Non-secret variables and their values.
    pub vars: BTreeMap<String, String>,
    /// For each secret: a salted Argon2id hash of its value (PHC string; journals before it
    /// hold an HMAC-SHA256 keyed by the session id), so that a resume can prove it uses the
    /// same secret without the journal holding it.
    pub secrets: BTreeMap<String, String>,
    /// Base64 of the 32-byte Ed25519 session public key that signs the other entries.
    pub session_key: String,
    pub expected_ms: Option<u64>,
    /// A drill's `--time-scale`: every wait, bake, poll and retry delay was multiplied by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_scale: Option<f64>,
    /// The run's host groups (after `--hosts` and `--limit`): a resume places the runbook's
    /// steps on the same hosts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hosts: BTreeMap<String, Vec<String>>,
    /// How OpenSSH was called, when the run has hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh_command: Vec<String>,
    /// Every file the runbook includes, copied into the run folder; verify checks each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<IncludeRef>,
    /// The release lock a production run holds; drills and dry runs take none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_lock: Option<ReleaseLockRef>,
    /// The runbook's target this run was started for (`--target`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A drill target's folders of stand-ins, put first on PATH for every process (absolute):
    /// a resume runs against the same ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// The allowed signers the run was held to while it happened (its copy in the run
    /// folder, and that copy's SHA-256): verify checks the journal against it by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_root: Option<crate::keys::trust_root::TrustRootRef>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseStartBody {
    pub phase: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepStartBody {
    pub step: String,
    pub title: String,
    pub kind: StepKind,
    pub attempt: u32,
    /// The resolved command or request, secrets masked.
    pub action: String,
    pub rollback: bool,
    /// Who approved exactly this action, for a step that requires approvals: each one an
    /// `approval` entry before it (verify binds them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<crate::protocol::approval::ApproverRef>,
    /// The wait those approvals answered: each one's statement names it, and no step start
    /// of a later session may name it again. Absent in journals written before waits were
    /// named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_wait: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepResultBody {
    pub step: String,
    pub attempt: u32,
    /// Set for one stage of a progressive rollout; the step's own result has none.
    pub stage: Option<u8>,
    pub status: StepStatus,
    pub duration_ms: u64,
    pub expected_ms: Option<u64>,
    pub exit_code: Option<i32>,
    pub http_status: Option<u16>,
    pub message: String,
    pub output: Option<OutputRecord>,
    pub tail: Vec<String>,
    /// Variables this step captured (never secrets), so a resumed run has them.
    pub captures: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeBody {
    pub step: String,
    pub sample: u32,
    pub latency_ms: f64,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    pub step: String,
    pub note: Option<String>,
    pub checklist: Vec<String>,
    /// Where the confirmation came from; journals written before it have none.
    #[serde(default)]
    pub via: Option<ConfirmVia>,
}

/// A service's state: ready (its step passed; it runs until the run ends) or stopped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceBody {
    pub step: String,
    pub state: ServiceState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub step: String,
    pub decision: Decision,
}

/// An input step's answer, and who gave it; a secret's value is never journaled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputBody {
    pub step: String,
    pub variable: String,
    /// Absent when the input is secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub by: crate::protocol::decision::InputSource,
}

/// A `when` condition and what it was, before the step it decides (not applicable when false).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionBody {
    pub step: String,
    /// The phase whose condition it is, when it is a phase's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    pub expression: String,
    /// `null` when it could not be evaluated.
    pub value: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One host's fate in a step run over ssh, or in its turn through a rolling phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostBody {
    pub step: String,
    pub attempt: u32,
    pub host: String,
    pub status: crate::protocol::status::HostStatus,
    pub exit_code: Option<i32>,
    pub duration_ms: u64,
    pub message: String,
    /// The host's own output file (a rolling phase's turn has the step's).
    pub output: Option<OutputRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub step: Option<String>,
    pub text: String,
}

/// What happened to the maintenance window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WindowMark {
    Open,
    Close,
    Overrun,
}

impl WindowMark {
    /// The word the journal writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Close => "close",
            Self::Overrun => "overrun",
        }
    }
}

impl std::fmt::Display for WindowMark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowBody {
    pub action: WindowMark,
    pub duration_ms: Option<u64>,
    pub overrun_ms: Option<u64>,
}

/// What a checkpoint or footer attests: the file's first `upto_bytes` bytes, entries up to
/// `upto_seq`, hash to `prefix_sha256`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointBody {
    pub upto_seq: u64,
    pub upto_bytes: u64,
    pub prefix_sha256: String,
    /// `confirm`, `decision`, `phase-end`, `periodic`, `suspend` (`CheckpointReason`).
    pub reason: String,
    /// For `phase-end`: the phase, how long it took, and its plan.
    pub phase: Option<String>,
    pub duration_ms: Option<u64>,
    pub expected_ms: Option<u64>,
}

/// Why a checkpoint was written. On the wire it is `reason` with, for the end of a phase,
/// `phase`, `duration_ms` and `expected_ms` beside it: the format stays as auditors read it,
/// and code writes and reads this instead of four fields that must agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckpointReason {
    /// After a person confirmed a step.
    Confirm,
    /// After a decision, a person's or the engine's.
    Decision,
    /// Every 50 entries or 5 minutes.
    Periodic,
    /// Before the engine suspends.
    Suspend,
    PhaseEnd {
        phase: String,
        duration_ms: u64,
        expected_ms: Option<u64>,
    },
}

impl CheckpointBody {
    pub(crate) fn new(
        (upto_seq, upto_bytes, prefix_sha256): (u64, u64, String),
        reason: CheckpointReason,
    ) -> Self {
        let (word, phase, duration_ms, expected_ms) = match reason {
            CheckpointReason::Confirm => ("confirm", None, None, None),
            CheckpointReason::Decision => ("decision", None, None, None),
            CheckpointReason::Periodic => ("periodic", None, None, None),
            CheckpointReason::Suspend => ("suspend", None, None, None),
            CheckpointReason::PhaseEnd {
                phase,
                duration_ms,
                expected_ms,
            } => ("phase-end", Some(phase), Some(duration_ms), expected_ms),
        };
        Self {
            upto_seq,
            upto_bytes,
            prefix_sha256,
            reason: word.into(),
            phase,
            duration_ms,
            expected_ms,
        }
    }

    /// Why it was written; `None` for a reason this version does not know, or a phase's end
    /// without its phase and duration.
    pub fn reason(&self) -> Option<CheckpointReason> {
        Some(match self.reason.as_str() {
            "confirm" => CheckpointReason::Confirm,
            "decision" => CheckpointReason::Decision,
            "periodic" => CheckpointReason::Periodic,
            "suspend" => CheckpointReason::Suspend,
            "phase-end" => CheckpointReason::PhaseEnd {
                phase: self.phase.clone()?,
                duration_ms: self.duration_ms?,
                expected_ms: self.expected_ms,
            },
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    pub reason: String,
    pub next_step: Option<String>,
}

/// A fragment left by a crash, ended with LF by `resume` and accounted for here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TornFragment {
    pub offset: u64,
    pub length: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumeBody {
    pub operator: OperatorRef,
    pub host: String,
    pub unix_user: String,
    pub ssh_connection: Option<String>,
    pub torn: Option<TornFragment>,
    /// The new session key for the entries that follow.
    pub session_key: String,
    /// What was decided for a step that was running when the run stopped.
    pub interrupted: Option<DecisionBody>,
    /// Processes of this run that outlived the process that ran it (a step's group, a
    /// service), stopped before anything was re-run, skipped or restarted. Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stopped: Vec<crate::engine::reaper::StoppedProcess>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FooterBody {
    pub upto_seq: u64,
    pub upto_bytes: u64,
    pub prefix_sha256: String,
    pub status: RunStatus,
    pub duration_ms: u64,
    pub recovery_ms: Option<u64>,
}

/// Why a line's JSON is not an entry (E_JSON).
#[derive(Debug, thiserror::Error)]
pub enum EntryParseError {
    #[error("{0}")]
    Entry(#[source] serde_json::Error),
    #[error("{kind} body: {source}")]
    Body {
        kind: String,
        #[source]
        source: serde_json::Error,
    },
}

impl Entry {
    /// The compact JSON of the entry (no TAB or LF can occur in it).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("entries always serialize")
    }

    /// Parses one entry's JSON strictly.
    pub fn parse(json: &str) -> Result<Self, EntryParseError> {
        let raw: RawEntry = serde_json::from_str(json).map_err(EntryParseError::Entry)?;
        let body = raw.body.get();
        let parse = |kind: &str| -> Result<Body, serde_json::Error> {
            Ok(match kind {
                "header" => Body::Header(serde_json::from_str(body)?),
                "phase_start" => Body::PhaseStart(serde_json::from_str(body)?),
                "step_start" => Body::StepStart(serde_json::from_str(body)?),
                "step_result" => Body::StepResult(serde_json::from_str(body)?),
                "probe" => Body::Probe(serde_json::from_str(body)?),
                "metric" => Body::Metric(serde_json::from_str(body)?),
                "confirm" => Body::Confirm(serde_json::from_str(body)?),
                "decision" => Body::Decision(serde_json::from_str(body)?),
                "note" => Body::Note(serde_json::from_str(body)?),
                "attach" => Body::Attach(serde_json::from_str(body)?),
                "notify" => Body::Notify(serde_json::from_str(body)?),
                "approval" => Body::Approval(serde_json::from_str(body)?),
                "condition" => Body::Condition(serde_json::from_str(body)?),
                "host" => Body::Host(serde_json::from_str(body)?),
                "input" => Body::Input(serde_json::from_str(body)?),
                "service" => Body::Service(serde_json::from_str(body)?),
                "window" => Body::Window(serde_json::from_str(body)?),
                "checkpoint" => Body::Checkpoint(serde_json::from_str(body)?),
                "suspend" => Body::Suspend(serde_json::from_str(body)?),
                "resume" => Body::Resume(serde_json::from_str(body)?),
                "footer" => Body::Footer(serde_json::from_str(body)?),
                other => {
                    return Err(serde::de::Error::custom(format!("unknown kind `{other}`")));
                }
            })
        };
        let body = parse(&raw.kind).map_err(|source| EntryParseError::Body {
            kind: raw.kind.clone(),
            source,
        })?;
        Ok(Self {
            v: raw.v,
            sid: raw.sid,
            seq: raw.seq,
            prev: raw.prev,
            ts: raw.ts,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note() -> Entry {
        Entry {
            v: 1,
            sid: "ab".into(),
            seq: 3,
            prev: ZERO_HASH.into(),
            ts: "2026-11-21T13:00:00.000Z".into(),
            body: Body::Note(NoteBody {
                step: None,
                text: "tab\tand\nnewline".into(),
            }),
        }
    }

    #[test]
    fn serializes_in_the_documented_order_without_raw_tabs_or_newlines() {
        let json = note().to_json();
        assert!(
            json.starts_with("{\"v\":1,\"sid\":\"ab\",\"seq\":3,\"prev\":\"000"),
            "{json}"
        );
        assert!(json.contains(",\"kind\":\"note\",\"body\":{"), "{json}");
        assert!(!json.contains('\t') && !json.contains('\n'));
        assert_eq!(Entry::parse(&json).unwrap(), note());
    }

    #[test]
    fn unknown_and_duplicate_fields_are_refused() {
        let json = note().to_json();
        let extra = json.replacen("{\"v\":1", "{\"v\":1,\"x\":0", 1);
        assert!(Entry::parse(&extra).is_err());
        let duplicate = json.replacen("{\"v\":1", "{\"v\":1,\"v\":1", 1);
        assert!(Entry::parse(&duplicate).is_err());
        let body_extra = json.replacen("\"text\":", "\"extra\":1,\"text\":", 1);
        assert!(Entry::parse(&body_extra).is_err());
    }

    #[test]
    fn a_window_mark_is_the_word_the_journal_writes() {
        for mark in [WindowMark::Open, WindowMark::Close, WindowMark::Overrun] {
            let json = serde_json::to_value(mark).unwrap();
            assert_eq!(json, mark.as_str());
            assert_eq!(mark.to_string(), mark.as_str());
        }
    }

    #[test]
    fn every_entry_kind_is_a_word_the_parser_knows() {
        for kind in EntryKind::ALL {
            let line = format!(
                r#"{{"v":1,"sid":"s","seq":0,"prev":"p","ts":"t","kind":"{kind}","body":{{}}}}"#
            );
            match Entry::parse(&line) {
                Err(EntryParseError::Body { kind: said, .. }) => assert_eq!(said, kind.as_str()),
                other => panic!("{kind}: {other:?}"),
            }
        }
    }
}
