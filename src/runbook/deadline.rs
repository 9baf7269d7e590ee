//! `deadline` and `on_deadline`, as a manual step and a step waiting for approvals read them:
//! how long a wait for people may last, and what the runbook says happens then. One without
//! the other is a problem `check` reports.

use std::time::Duration;

use super::fields::TableReader;
use super::source::Located;
use crate::protocol::on_deadline::OnDeadline;

/// The two fields; `unsaid` is the error for a deadline with no `on_deadline` (what the wait
/// is for, in the runbook's words).
pub(crate) fn deadline_fields(
    fields: &mut TableReader,
    unsaid: &str,
) -> (Option<Located<Duration>>, Option<OnDeadline>) {
    let deadline = fields.duration("deadline");
    let on_deadline = fields.choice(
        "on_deadline",
        &[
            ("abort", OnDeadline::Abort),
            ("rollback", OnDeadline::Rollback),
            ("continue", OnDeadline::Continue),
        ],
    );
    match (&deadline, on_deadline) {
        (Some(deadline), None) => {
            fields
                .diags
                .error(deadline.span.clone(), unsaid)
                .with_hint("add `on_deadline = \"abort\"`, `\"rollback\"` or `\"continue\"`");
        }
        (None, Some(_)) => {
            let at = fields
                .key_span("on_deadline")
                .unwrap_or_else(|| fields.anchor());
            fields
                .diags
                .warning(at, "`on_deadline` has no effect without a `deadline`");
        }
        _ => {}
    }
    (deadline, on_deadline)
}
