//! The verify algorithm of LOG-FORMAT.md: the file as bytes, split on LF, each line checked in
//! the documented order, stopping at the first error; then warnings; then anchors.
//!
//! The bytes are verified, never a re-serialization: the signed message is the JSON column and
//! a LF. Entries are parsed strictly (unknown or duplicate fields are E_GARBAGE) to route the
//! checks; nothing from an entry is trusted until its signature holds.

use super::lines::{Fragment, Line, split_lines, torn_fragment_status};
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};
use ssh_encoding::Decode;
use ssh_key::{PublicKey, SshSig};

use super::folder::{check_runbook, folder_notices};
use super::report::{ChainEnd, Finding, Signer, Verdict, Verification, VerifiedEntry};
use crate::journal::entry::{
    Body, Entry, HeaderBody, OperatorRef, Signing, ZERO_HASH, namespace_for,
};
use crate::journal::line::{self, Signature as LineSignature, signed_message};
use crate::keys::allowed_signers::AllowedSigners;
use crate::protocol::encoding::hex;
use crate::protocol::mode::Mode;

#[derive(Default)]
pub struct VerifyOptions {
    pub allowed_signers: Option<AllowedSigners>,
    /// `BYTES:SHA256` taken earlier.
    pub anchors: Vec<(u64, String)>,
    pub expect_mode: Option<Mode>,
}

/// The signer of operator-signed entries, as the last header or resume delegated it.
struct Operator {
    key: PublicKey,
    principal: String,
}

struct State<'a> {
    run_dir: &'a Path,
    options: &'a VerifyOptions,
    /// Who may sign what: `--allowed-signers`, else the allowed signers the run was held to
    /// (its copy in the run folder, when its bytes are the header's).
    trust: Option<std::borrow::Cow<'a, AllowedSigners>>,
    header: Option<HeaderBody>,
    /// The session id, from the header line.
    sid: String,
    operator: Option<Operator>,
    /// The person at the controls of a terminal run, as the `attach` entry they signed named
    /// them: their acts are signed with their key. `None` while nobody proven holds them.
    person: Option<Operator>,
    session: Option<VerifyingKey>,
    expected_seq: u64,
    prev: String,
    prefix: Sha256,
    footer_line: Option<usize>,
    anchor: Option<String>,
    entries: Vec<VerifiedEntry>,
    chain_bytes: u64,
    signatures: super::signatures::SignatureChecker,
    /// The latest `ts` so far: time may not run backwards by more than [`TS_SLACK`].
    latest_ts: Option<jiff::Timestamp>,
    /// The last `ts` parsed up to the second, and that second.
    ts_second: Option<(String, jiff::Timestamp)>,
    /// The approvals so far, and who runs the run (`verify/approvals.rs`).
    approvals: super::approvals::ApprovalLedger,
}

/// How far an entry's `ts` may fall behind the latest one before it: room for a small clock
/// step (NTP slewing, a resume on another host) without letting entries be reordered in time.
const TS_SLACK: jiff::SignedDuration = jiff::SignedDuration::from_secs(1);

pub fn verify_bytes(bytes: &[u8], run_dir: &Path, options: &VerifyOptions) -> Verification {
    let mut state = State {
        run_dir,
        options,
        trust: options
            .allowed_signers
            .as_ref()
            .map(std::borrow::Cow::Borrowed),
        header: None,
        sid: String::new(),
        operator: None,
        person: None,
        session: None,
        expected_seq: 0,
        prev: ZERO_HASH.into(),
        prefix: Sha256::new(),
        footer_line: None,
        anchor: None,
        entries: Vec::new(),
        chain_bytes: 0,
        signatures: super::signatures::SignatureChecker::start(),
        latest_ts: None,
        ts_second: None,
        approvals: Default::default(),
    };
    let lines = split_lines(bytes);
    let tail_start = lines
        .last()
        .map_or(0, |l| l.offset as usize + l.whole.len());
    let mut error = if bytes.is_empty() {
        Some(finding(
            "E_HEADER",
            Some(1),
            None,
            None,
            "the file is empty: no header".into(),
        ))
    } else {
        None
    };
    for (index, line) in lines.iter().enumerate() {
        match state.check_line(line) {
            Ok(()) => {}
            // A line that is not an entry may be a torn fragment that a resume accounted for.
            Err(found) if found.code == "E_GARBAGE" => {
                match torn_fragment_status(line, lines.get(index + 1)) {
                    Fragment::Accounted => state.prefix.update(line.whole),
                    Fragment::Mismatch(message) => {
                        error = Some(finding("E_GARBAGE", Some(line.number), None, None, message));
                        break;
                    }
                    Fragment::NotTorn => {
                        error = Some(found);
                        break;
                    }
                }
            }
            Err(found) => {
                error = Some(found);
                break;
            }
        }
    }
    // Session signatures were handed to the workers on the way; wait for them and keep
    // whichever error comes first in the documented order.
    if let Some(bad) = state.signatures.finish() {
        let signature_first = match &error {
            None => true,
            Some(found) => {
                let line = found.line.unwrap_or(usize::MAX);
                bad.line < line || (bad.line == line && matches!(found.code, "E_CKPT" | "E_OUTPUT"))
            }
        };
        if signature_first {
            error = Some(finding(
                bad.code,
                Some(bad.line),
                Some(bad.seq),
                Some(bad.kind),
                bad.message.into(),
            ));
        }
    }
    if let Some(found) = &error
        && let Some(line) = found.line
    {
        state.entries.retain(|entry| entry.line < line);
    }
    let tail = &bytes[tail_start.min(bytes.len())..];
    let mut warnings = Vec::new();
    if error.is_none() {
        error = check_anchors(bytes, &options.anchors);
    }
    if error.is_none()
        && let Some(header) = &state.header
    {
        error = check_runbook(run_dir, header);
    }
    let notices = state
        .header
        .as_ref()
        .map(|header| folder_notices(run_dir, header, &state.entries))
        .unwrap_or_default();
    let torn_tail = (!tail.is_empty()).then(|| (tail_start as u64, tail.to_vec()));
    if error.is_none() {
        if let Some((offset, tail)) = &torn_tail {
            warnings.push(finding(
                "W_TORN_TAIL",
                Some(lines.len() + 1),
                None,
                None,
                format!("{} bytes at offset {offset} after the last line break are not a whole entry (a crash mid-write?); `cutover resume` accounts for them", tail.len()),
            ));
        }
        if state.footer_line.is_none() {
            warnings.push(finding(
                "W_NO_FOOTER",
                None,
                None,
                None,
                "the journal has no footer: the run was suspended or interrupted, and truncation cannot be ruled out without an anchor".into(),
            ));
        }
    }
    let verdict = match (&error, warnings.is_empty()) {
        (Some(_), _) => Verdict::Tampered,
        (None, true) => Verdict::Valid,
        (None, false) => Verdict::Incomplete,
    };
    Verification {
        verdict,
        error,
        warnings,
        entries: state.entries,
        header: state.header,
        anchor: state.anchor,
        chain: ChainEnd {
            next_seq: state.expected_seq,
            prev: state.prev,
            bytes: state.chain_bytes,
        },
        torn_tail,
        has_footer: state.footer_line.is_some(),
        keys_checked: state.trust.is_some(),
        notices,
    }
}

pub(crate) fn finding(
    code: &'static str,
    line: Option<usize>,
    seq: Option<u64>,
    kind: Option<&str>,
    message: String,
) -> Finding {
    Finding {
        code,
        line,
        seq,
        kind: kind.map(str::to_string),
        message,
    }
}

impl State<'_> {
    fn check_line(&mut self, line: &Line) -> Result<(), Finding> {
        let at = |code, seq: Option<u64>, kind: Option<&str>, message: String| {
            finding(code, Some(line.number), seq, kind, message)
        };
        if let Some(footer) = self.footer_line {
            return Err(at(
                "E_AFTER_FOOTER",
                None,
                None,
                format!(
                    "the journal was closed by the footer on line {footer}; nothing may follow it"
                ),
            ));
        }
        // E_GARBAGE: JSON TAB signature, strictly.
        let columns: Vec<&[u8]> = line.content.split(|&b| b == b'\t').collect();
        if columns.len() != 2 {
            return Err(at(
                "E_GARBAGE",
                None,
                None,
                format!(
                    "expected JSON, one TAB and a signature; found {} columns",
                    columns.len()
                ),
            ));
        }
        let json = std::str::from_utf8(columns[0])
            .map_err(|_| at("E_GARBAGE", None, None, "the JSON is not UTF-8".into()))?;
        let entry = Entry::parse(json)
            .map_err(|e| at("E_GARBAGE", None, None, format!("not a journal entry: {e}")))?;
        let (seq, kind) = (Some(entry.seq), Some(entry.body.kind().as_str()));
        let at = |code, message: String| finding(code, Some(line.number), seq, kind, message);
        // E_FORMAT: strict base64 after a known prefix.
        let signature = line::parse_signature(columns[1]).ok_or_else(|| {
            at("E_FORMAT", "the signature column is not `sshsig:` or `ed25519:` followed by strict base64 (line endings converted? edited?)".into())
        })?;
        self.check_ts(&entry.ts).map_err(|m| at("E_GARBAGE", m))?;
        // E_HEADER.
        match (&entry.body, line.number) {
            (Body::Header(_), 1) if entry.seq == 0 && entry.prev == ZERO_HASH => {}
            (_, 1) => {
                return Err(at(
                    "E_HEADER",
                    "the first line must be a header with seq 0 and a zero `prev`".into(),
                ));
            }
            (Body::Header(_), _) => {
                return Err(at("E_HEADER", "a header can only be the first line".into()));
            }
            _ => {}
        }
        if let Body::Header(header) = &entry.body {
            self.check_mode(header, &signature)
                .map_err(|m| at("E_MODE", m))?;
            self.header = Some((**header).clone());
            self.sid = entry.sid.clone();
            // Without --allowed-signers, the run's own: a copy whose bytes are not the
            // header's is not used (E_RUNBOOK says so at the end).
            if self.trust.is_none()
                && let Ok(Some(root)) =
                    crate::keys::trust_root::of_run(self.run_dir, header.trust_root.as_ref())
            {
                self.trust = Some(std::borrow::Cow::Owned(root.signers));
            }
        }
        // E_SESSION, E_SEQ, E_CHAIN.
        if entry.sid != self.sid {
            return Err(at(
                "E_SESSION",
                format!(
                    "session id {} is not this journal's ({}): an entry from another run",
                    entry.sid, self.sid
                ),
            ));
        }
        if entry.seq != self.expected_seq {
            let how = if entry.seq > self.expected_seq {
                "entries are missing before it"
            } else {
                "repeated or out of order"
            };
            return Err(at(
                "E_SEQ",
                format!(
                    "expected seq {}, found {}: {how}",
                    self.expected_seq, entry.seq
                ),
            ));
        }
        if entry.prev != self.prev {
            return Err(at(
                "E_CHAIN",
                format!(
                    "`prev` is not the SHA-256 of line {} (expected {})",
                    line.number - 1,
                    self.prev
                ),
            ));
        }
        // Signatures.
        let message = signed_message(json);
        // Who signed it: an operator or person (SSHSIG), or the session key. The header and a
        // resume must be the operator's; a person's act and the checkpoint or footer after it
        // may be either (the engine signs what it writes alone); the rest is the session's.
        let signer = match (entry.body.signing(), &signature) {
            (Signing::Operator | Signing::PersonOrSession, LineSignature::SshSig(blob)) => {
                self.check_operator_signature(line.number, &entry, blob, &message, &at)?
            }
            (Signing::PersonOrSession | Signing::Session, LineSignature::Ed25519(raw)) => {
                let key = *self
                    .session
                    .as_ref()
                    .expect("the header delegated a session key");
                let signature = <[u8; 64]>::try_from(raw.as_slice())
                    .map(|bytes| Signature::from_bytes(&bytes))
                    .map_err(|_| at("E_SIG", "the session signature is not 64 bytes".into()))?;
                self.signatures.push(super::signatures::PendingSignature {
                    line: line.number,
                    seq: entry.seq,
                    kind: entry.body.kind().as_str(),
                    key,
                    message,
                    signature,
                });
                Signer::Session
            }
            (Signing::Operator, LineSignature::Ed25519(_)) => {
                return Err(at(
                    "E_SSHSIG",
                    "this kind must be signed by the operator (sshsig), not the session key".into(),
                ));
            }
            (Signing::Session, LineSignature::SshSig(_)) => {
                return Err(at(
                    "E_SIG",
                    "this kind must be signed by the session key (ed25519)".into(),
                ));
            }
        };
        // Now trusted: act on the content.
        // An attach names a person only with that person's signature: the engine's own
        // signature proves no one.
        if let Body::Attach(change) = &entry.body
            && let Some(person) = &change.person
            && signer == Signer::Session
        {
            return Err(at(
                "E_SIGNER",
                format!(
                    "the attach names {} ({}) but is not signed by their key: nobody proved to be them",
                    person.principal, person.fingerprint
                ),
            ));
        }
        if let Some(header) = &self.header {
            self.approvals
                .observe(&entry, header, self.trust.as_deref())
                .map_err(|(code, message)| at(code, message))?;
        }
        match &entry.body {
            Body::Header(header) => {
                self.session =
                    Some(session_key(&header.session_key).map_err(|m| at("E_HEADER", m))?);
                self.person = None;
            }
            Body::Resume(resume) => {
                self.session =
                    Some(session_key(&resume.session_key).map_err(|m| at("E_SSHSIG", m))?);
                self.person = None;
            }
            // An attach the engine had to sign itself proves no one; a detach ends the
            // person's turn.
            Body::Attach(_) if signer == Signer::Session => self.person = None,
            Body::Checkpoint(c) => {
                self.check_attestation(line, c.upto_seq, c.upto_bytes, &c.prefix_sha256)
                    .map_err(|m| at("E_CKPT", m))?;
                self.anchor = Some(format!("{}:{}", c.upto_bytes, c.prefix_sha256));
            }
            Body::Footer(f) => {
                self.check_attestation(line, f.upto_seq, f.upto_bytes, &f.prefix_sha256)
                    .map_err(|m| at("E_CKPT", m))?;
                self.anchor = Some(format!("{}:{}", f.upto_bytes, f.prefix_sha256));
                self.footer_line = Some(line.number);
            }
            Body::StepResult(result) => {
                if let Some(output) = &result.output {
                    self.check_output(output).map_err(|m| at("E_OUTPUT", m))?;
                }
            }
            _ => {}
        }
        self.prev = hex(&Sha256::digest(line.whole));
        self.prefix.update(line.whole);
        self.expected_seq += 1;
        self.chain_bytes = line.offset + line.whole.len() as u64;
        self.entries.push(VerifiedEntry {
            line: line.number,
            offset: line.offset,
            entry,
            signer,
        });
        Ok(())
    }

    /// `ts` is UTC, RFC 3339 with milliseconds (`2026-11-23T10:35:44.123Z`), the form the
    /// writer uses, and does not go back in time.
    fn check_ts(&mut self, ts: &str) -> Result<(), String> {
        let bad = || format!("`ts` {ts:?} is not a UTC RFC 3339 time with milliseconds");
        let bytes = ts.as_bytes();
        let shaped = bytes.len() == 24
            && bytes[23] == b'Z'
            && bytes[19] == b'.'
            && bytes[10] == b'T'
            && bytes[20..23].iter().all(u8::is_ascii_digit);
        if !shaped {
            return Err(bad());
        }
        let millis = bytes[20..23]
            .iter()
            .fold(0i64, |n, digit| n * 10 + i64::from(digit - b'0'));
        // Entries come many to a second: the date and time up to the second are parsed once
        // per second of the run, not once per entry (a tenth of verify's structural pass).
        let second = match &self.ts_second {
            Some((text, second)) if text.as_bytes() == &bytes[..19] => *second,
            _ => {
                let second: jiff::Timestamp =
                    format!("{}Z", &ts[..19]).parse().map_err(|_| bad())?;
                self.ts_second = Some((ts[..19].to_string(), second));
                second
            }
        };
        let when = second
            .checked_add(jiff::SignedDuration::from_millis(millis))
            .map_err(|_| bad())?;
        if let Some(latest) = self.latest_ts
            && latest.duration_since(when) > TS_SLACK
        {
            return Err(format!(
                "`ts` {ts} is earlier than an entry before it ({latest})"
            ));
        }
        self.latest_ts = Some(self.latest_ts.map_or(when, |latest| latest.max(when)));
        Ok(())
    }

    fn check_mode(&self, header: &HeaderBody, signature: &LineSignature) -> Result<(), String> {
        if namespace_for(header.mode) != header.namespace {
            return Err(format!(
                "mode `{}` is signed in namespace `{}`; it must be `{}`",
                header.mode.as_str(),
                header.namespace,
                namespace_for(header.mode)
            ));
        }
        if let LineSignature::SshSig(blob) = signature
            && let Ok(sig) = SshSig::decode(&mut blob.as_slice())
            && sig.namespace() != header.namespace
        {
            return Err(format!(
                "the header says namespace `{}` but its signature is in `{}`",
                header.namespace,
                sig.namespace()
            ));
        }
        // A dry run is not a drill: nothing ran in it.
        if let Some(expected) = self.options.expect_mode
            && expected != header.mode
        {
            return Err(format!(
                "this is a {} journal, not {} (--expect-mode)",
                header.mode.as_str(),
                expected.as_str()
            ));
        }
        Ok(())
    }

    fn check_operator_signature(
        &mut self,
        line_number: usize,
        entry: &Entry,
        blob: &[u8],
        message: &[u8],
        at: &dyn Fn(&'static str, String) -> Finding,
    ) -> Result<Signer, Finding> {
        let header = self.header.as_ref().expect("header first");
        let sig = SshSig::decode(&mut &blob[..])
            .map_err(|e| at("E_SSHSIG", format!("not an SSHSIG blob: {e}")))?;
        let signer_key = PublicKey::from(sig.public_key().clone());
        // Who must have signed: the header and a resume name their operator; checkpoints and
        // the footer are signed by the operator of the latest header or resume.
        let named: Option<&OperatorRef> = match &entry.body {
            Body::Header(h) => Some(&h.operator),
            Body::Resume(r) => Some(&r.operator),
            _ => None,
        };
        // An attach names the person and their key, and is signed by it; a person's later
        // acts by the person the last such entry named, if any, else by the operator.
        let attaching = match &entry.body {
            Body::Attach(change) => change.person.as_ref(),
            _ => None,
        };
        let by_person = attaching.is_some()
            || (self.person.is_some() && entry.body.signing() == Signing::PersonOrSession);
        let (expected_key, principal) = match (named, attaching) {
            (_, Some(person)) => (
                PublicKey::from_openssh(&person.key).map_err(|e| {
                    at(
                        "E_SIGNER",
                        format!("the attaching person's key is not an OpenSSH key: {e}"),
                    )
                })?,
                person.principal.clone(),
            ),
            (None, None) if by_person => {
                let current = self.person.as_ref().expect("checked");
                (current.key.clone(), current.principal.clone())
            }
            (Some(operator), None) => (
                PublicKey::from_openssh(&operator.key).map_err(|e| {
                    at(
                        "E_SIGNER",
                        format!("the operator key is not an OpenSSH key: {e}"),
                    )
                })?,
                operator.principal.clone(),
            ),
            (None, None) => {
                let current = self.operator.as_ref().expect("a header came first");
                (current.key.clone(), current.principal.clone())
            }
        };
        if expected_key.key_data() != signer_key.key_data() {
            let whose = if by_person {
                "the key of the person at the controls"
            } else {
                "the operator's key"
            };
            return Err(at(
                "E_SIGNER",
                format!(
                    "signed by {}, not by {whose} {}",
                    signer_key.fingerprint(Default::default()),
                    expected_key.fingerprint(Default::default())
                ),
            ));
        }
        if sig.namespace() != header.namespace {
            return Err(at(
                "E_MODE",
                format!(
                    "signed in namespace `{}`, the journal's is `{}`",
                    sig.namespace(),
                    header.namespace
                ),
            ));
        }
        if let Some(allowed) = &self.trust {
            let when: jiff::Timestamp = entry.ts.parse().map_err(|_| {
                at(
                    "E_GARBAGE",
                    format!("`ts` {} is not an RFC 3339 time", entry.ts),
                )
            })?;
            allowed
                .check(&principal, &header.namespace, &signer_key, when)
                .map_err(|refusal| {
                    let why = refusal.words(&principal, &header.namespace, &entry.ts);
                    at(
                        "E_SIGNER",
                        format!(
                            "{} ({}): {why}",
                            principal,
                            signer_key.fingerprint(Default::default())
                        ),
                    )
                })?;
        }
        // The cryptography goes to the workers with the session signatures; a bad one is
        // reported at its line, in file order, like theirs.
        self.signatures
            .push_operator(super::signatures::PendingOperatorSignature {
                line: line_number,
                seq: entry.seq,
                kind: entry.body.kind().as_str(),
                key: signer_key.clone(),
                namespace: header.namespace.clone(),
                message: message.to_vec(),
                signature: sig,
            });
        let signer = Operator {
            key: signer_key,
            principal,
        };
        Ok(match &entry.body {
            Body::Header(_) | Body::Resume(_) => {
                self.operator = Some(signer);
                Signer::Operator
            }
            Body::Attach(_) => {
                self.person = Some(signer);
                Signer::Person
            }
            _ if by_person => Signer::Person,
            _ => Signer::Operator,
        })
    }

    fn check_attestation(
        &self,
        line: &Line,
        upto_seq: u64,
        upto_bytes: u64,
        prefix: &str,
    ) -> Result<(), String> {
        if upto_seq + 1 != self.expected_seq {
            return Err(format!(
                "attests entries up to seq {upto_seq}, but it follows seq {}",
                self.expected_seq.saturating_sub(1)
            ));
        }
        if upto_bytes != line.offset {
            return Err(format!(
                "attests the first {upto_bytes} bytes, but it starts at byte {}",
                line.offset
            ));
        }
        let actual = hex(&self.prefix.clone().finalize());
        if actual != prefix {
            return Err(format!(
                "the SHA-256 of the first {upto_bytes} bytes is {actual}, not {prefix}"
            ));
        }
        Ok(())
    }

    fn check_output(&self, output: &crate::protocol::output::OutputRecord) -> Result<(), String> {
        let safe = output.path.starts_with("output/")
            && !output.path.contains("..")
            && !output.path[7..].contains('/');
        if !safe {
            return Err(format!(
                "output path `{}` is not a file under output/",
                output.path
            ));
        }
        let path = self.run_dir.join(&output.path);
        // Hashed as a stream: verifying a 1 GiB output needs no more memory than a small one.
        let mut hasher = Sha256::new();
        let length = std::fs::File::open(&path)
            .and_then(|mut file| std::io::copy(&mut file, &mut hasher))
            .map_err(|e| format!("output file {} cannot be read: {e}", output.path))?;
        let actual = hex(&hasher.finalize());
        if actual != output.sha256 || length != output.bytes {
            return Err(format!(
                "output file {} has SHA-256 {actual} ({length} bytes); the journal recorded {} ({} bytes)",
                output.path, output.sha256, output.bytes
            ));
        }
        Ok(())
    }
}

fn session_key(base64_key: &str) -> Result<VerifyingKey, String> {
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, base64_key)
        .map_err(|_| "the session key is not base64".to_string())?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "the session key is not 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "the session key is not an Ed25519 key".to_string())
}

fn check_anchors(bytes: &[u8], anchors: &[(u64, String)]) -> Option<Finding> {
    for (length, expected) in anchors {
        if *length > bytes.len() as u64 {
            return Some(finding(
                "E_ANCHOR",
                None,
                None,
                None,
                format!(
                    "the anchor covers {length} bytes but the file has {}: it was truncated or rolled back to an earlier copy",
                    bytes.len()
                ),
            ));
        }
        let actual = hex(&Sha256::digest(&bytes[..*length as usize]));
        if &actual != expected {
            return Some(finding(
                "E_ANCHOR",
                None,
                None,
                None,
                format!(
                    "the first {length} bytes hash to {actual}, not the anchored {expected}: the journal was rewritten"
                ),
            ));
        }
    }
    None
}
