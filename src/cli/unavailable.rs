//! Commands of the contract whose capability this build does not have yet. They exist so that
//! `--help` documents the whole surface; running one says so plainly and exits 2.

use crate::exit::Failure;

pub fn not_yet(command: &'static str, arrives_with: &'static str) -> Failure {
    Failure::Input(format!(
        "`cutover {command}` is not available in this build yet: it arrives with {arrives_with}; \
         `cutover check` validates runbooks today"
    ))
}
