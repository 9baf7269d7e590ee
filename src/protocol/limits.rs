//! Limits more than one area must agree on.

/// How many lines of stdout `capture` can name at most.
pub(crate) const MAX_CAPTURED_LINES: usize = 16;
