//! Which way the run is going when a step runs. Rolling back, a failure cannot roll back
//! again and a failed step cannot be marked done: there is nothing left to undo it with.

/// Forward through the plan, or back through what undoes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Course {
    Forward,
    RollingBack,
}

impl Course {
    pub(crate) fn is_rollback(self) -> bool {
        self == Self::RollingBack
    }
}
