//! The statement an approver signs: the run, the wait it answers, the runbook's SHA-256, the
//! step and exactly what it will do — the resolved action as the journal writes it (secrets
//! masked), the values of the run's variables and every other value the action reads (an
//! input's answer, a captured value) — then one line naming the approver.
//!
//! The wait is a random value drawn when the run starts waiting for the step's approvals and
//! named again by the step's start: a signature answers that one wait, never a later one (a
//! rerun after a resume waits anew). It is plain text so that a
//! person reads what they sign, and `ssh-keygen -Y sign -n cutover-approval` signs it on any
//! machine (a hardware `sk-` key included).
//!
//! The engine writes the body; an offered statement counts only when it is that body, byte for
//! byte, followed by its approver line. Verify reads the same lines back to bind an approval
//! to the step start that follows it.

use crate::protocol::mode::Mode;
use crate::protocol::principal::valid_principal;

/// The namespace approvals are signed in: never a journal's, so an approval can never pass as
/// a journal entry, nor the reverse.
pub(crate) const NAMESPACE: &str = "cutover-approval";

/// The first line: the format, so a later one is never misread.
const FIRST_LINE: &str = "cutover approval v2";
/// The format before waits were named; verify still reads it in older journals.
const FIRST_LINE_V1: &str = "cutover approval v1";

/// What an approval binds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Statement {
    pub run_id: String,
    /// The wait this statement answers, drawn when the run started waiting.
    pub wait: String,
    pub runbook: String,
    pub runbook_sha256: String,
    pub mode: Mode,
    pub step: String,
    pub title: String,
    /// The resolved command or request, secrets masked: the `step_start` entry's `action`.
    pub action: String,
    /// Every variable's value when the step is reached; a secret's value shows as masked.
    pub vars: Vec<(String, String)>,
    /// Every other value the action reads (an input's answer, a captured value), masked
    /// when secret.
    pub reads: Vec<(String, String)>,
}

impl Statement {
    /// The body, without its approver line.
    pub(crate) fn body(&self) -> String {
        let mut text = format!(
            "{FIRST_LINE}\nrun: {}\nwait: {}\nrunbook: {} sha256:{}\nmode: {}\nstep: {}\ntitle: {}\naction:\n",
            self.run_id,
            self.wait,
            self.runbook,
            self.runbook_sha256,
            self.mode.as_str(),
            self.step,
            one_line(&self.title),
        );
        for line in self.action.lines() {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        for (name, value) in &self.vars {
            // JSON quoting: a value with a newline or a quote stays on its line, unambiguous.
            let quoted = serde_json::to_string(value).expect("a string always serializes");
            text.push_str(&format!("var {name} = {quoted}\n"));
        }
        for (name, value) in &self.reads {
            let quoted = serde_json::to_string(value).expect("a string always serializes");
            text.push_str(&format!("read {name} = {quoted}\n"));
        }
        text
    }
}

/// The statement `principal` signs: the body, then the approver line.
pub(crate) fn signed_text(body: &str, principal: &str) -> String {
    format!("{body}approver: {principal}\n")
}

/// Why an offered statement is not the one the run would accept.
#[derive(Debug, PartialEq)]
pub enum Mismatch {
    /// The approver line is missing, empty, or not the last line.
    NoApprover,
    /// A line differs from what the step will do now: the first one that does, as expected
    /// and as offered.
    Differs { expected: String, offered: String },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoApprover => f.write_str(
                "the statement does not end with one `approver: NAME` line after the run's own lines",
            ),
            Self::Differs { expected, offered } => write!(
                f,
                "the statement is not what the step will do now: it says `{offered}` where the run says `{expected}`"
            ),
        }
    }
}

/// The approver named by `offered`, when it is `body` followed by its approver line.
pub(crate) fn approver_of(offered: &str, body: &str) -> Result<String, Mismatch> {
    let Some(rest) = offered.strip_prefix(body) else {
        let mismatch = body
            .lines()
            .zip(offered.lines().chain(std::iter::repeat("")))
            .find(|(expected, offered)| expected != offered);
        return Err(match mismatch {
            Some((expected, offered)) => Mismatch::Differs {
                expected: expected.to_string(),
                offered: offered.to_string(),
            },
            None => Mismatch::NoApprover,
        });
    };
    let principal = rest
        .strip_prefix("approver: ")
        .and_then(|line| line.strip_suffix('\n'))
        .ok_or(Mismatch::NoApprover)?;
    if !valid_principal(principal) {
        return Err(Mismatch::NoApprover);
    }
    Ok(principal.to_string())
}

/// What verify needs back from a signed statement.
#[derive(Debug, PartialEq)]
pub(crate) struct ReadStatement {
    pub run_id: String,
    /// The wait it answers; `None` in the first format, which named none.
    pub wait: Option<String>,
    pub runbook_sha256: String,
    pub step: String,
    pub action: String,
    pub approver: String,
}

/// Reads a statement's binding lines back; `None` when it is not a statement of this format.
pub(crate) fn read(text: &str) -> Option<ReadStatement> {
    let mut lines = text.lines();
    let names_its_wait = match lines.next()? {
        FIRST_LINE => true,
        FIRST_LINE_V1 => false,
        _ => return None,
    };
    let run_id = lines.next()?.strip_prefix("run: ")?.to_string();
    let wait = if names_its_wait {
        Some(lines.next()?.strip_prefix("wait: ")?.to_string())
    } else {
        None
    };
    let runbook = lines.next()?.strip_prefix("runbook: ")?;
    let runbook_sha256 = runbook.rsplit_once(" sha256:")?.1.to_string();
    lines.next()?.strip_prefix("mode: ")?;
    let step = lines.next()?.strip_prefix("step: ")?.to_string();
    lines.next()?.strip_prefix("title: ")?;
    if lines.next()? != "action:" {
        return None;
    }
    let mut action = Vec::new();
    let mut approver = None;
    for line in lines {
        if let Some(action_line) = line.strip_prefix("  ") {
            action.push(action_line);
        } else if let Some(name) = line.strip_prefix("approver: ") {
            approver = Some(name.to_string());
        }
    }
    Some(ReadStatement {
        run_id,
        wait,
        runbook_sha256,
        step,
        action: bound_action(&action.join("\n")),
        approver: approver.filter(|name| valid_principal(name))?,
    })
}

/// An action as a statement binds it, line by line: what verify compares with a step start's.
pub(crate) fn bound_action(action: &str) -> String {
    action.lines().collect::<Vec<_>>().join("\n")
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> Statement {
        Statement {
            run_id: "20261128-1200-ab12".into(),
            wait: "5f0c".into(),
            runbook: "nexus-prod-deploy".into(),
            runbook_sha256: "ab".repeat(32),
            mode: Mode::Production,
            step: "migrate".into(),
            title: "Apply the migrations".into(),
            action: "npx prisma migrate deploy\necho done".into(),
            vars: vec![
                ("token".into(), "********".into()),
                ("version".into(), "2.0.0".into()),
            ],
            reads: vec![("amount".into(), "1000000".into())],
        }
    }

    #[test]
    fn the_body_reads_as_what_is_approved() {
        assert_eq!(
            statement().body(),
            "cutover approval v2\nrun: 20261128-1200-ab12\nwait: 5f0c\nrunbook: nexus-prod-deploy sha256:abababababababababababababababababababababababababababababababab\nmode: production\nstep: migrate\ntitle: Apply the migrations\naction:\n  npx prisma migrate deploy\n  echo done\nvar token = \"********\"\nvar version = \"2.0.0\"\nread amount = \"1000000\"\n"
        );
    }

    #[test]
    fn the_approver_is_the_one_line_after_the_exact_body() {
        let body = statement().body();
        let signed = signed_text(&body, "bob@corp");
        assert_eq!(approver_of(&signed, &body), Ok("bob@corp".into()));
        assert_eq!(
            approver_of(&body, &body),
            Err(Mismatch::NoApprover),
            "no approver line"
        );
        assert_eq!(
            approver_of(&format!("{signed}approver: eve\n"), &body),
            Err(Mismatch::NoApprover),
            "two approver lines"
        );
        assert_eq!(
            approver_of(&signed_text(&body, "bob corp"), &body),
            Err(Mismatch::NoApprover)
        );
    }

    #[test]
    fn another_command_run_or_step_is_named_where_it_differs() {
        let body = statement().body();
        type Change = fn(&mut Statement);
        let changes: [(&str, Change); 6] = [
            ("action", |s: &mut Statement| s.action = "rm -rf /".into()),
            ("wait", |s: &mut Statement| s.wait = "0000".into()),
            ("read", |s: &mut Statement| s.reads[0].1 = "1".into()),
            ("run", |s: &mut Statement| s.run_id = "other".into()),
            ("step", |s: &mut Statement| s.step = "deploy".into()),
            ("var", |s: &mut Statement| s.vars[1].1 = "3.0.0".into()),
        ];
        for (field, change) in changes {
            let mut other = statement();
            change(&mut other);
            let offered = signed_text(&other.body(), "bob");
            match approver_of(&offered, &body) {
                Err(Mismatch::Differs { offered, .. }) => {
                    assert!(
                        offered.contains(field) || field == "action",
                        "{field}: {offered}"
                    )
                }
                other => panic!("{field}: {other:?}"),
            }
        }
    }

    #[test]
    fn verify_reads_the_binding_back() {
        let signed = signed_text(&statement().body(), "bob@corp");
        assert_eq!(
            read(&signed),
            Some(ReadStatement {
                run_id: "20261128-1200-ab12".into(),
                wait: Some("5f0c".into()),
                runbook_sha256: "ab".repeat(32),
                step: "migrate".into(),
                action: "npx prisma migrate deploy\necho done".into(),
                approver: "bob@corp".into(),
            })
        );
        assert_eq!(read("hello"), None);
        assert_eq!(read(&statement().body()), None, "no approver");
    }

    #[test]
    fn a_statement_of_the_first_format_still_reads_without_a_wait() {
        let v1 = "cutover approval v1\nrun: r1\nrunbook: n sha256:ab\nmode: drill\nstep: s\ntitle: t\naction:\n  echo\napprover: bob\n";
        let read = read(v1).expect("the first format");
        assert_eq!(read.wait, None);
        assert_eq!(read.run_id, "r1");
        assert_eq!(read.approver, "bob");
    }
}
