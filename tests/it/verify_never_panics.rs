//! Property: `verify` never panics, whatever the journal's bytes: a real drill journal damaged
//! in a few places (bytes replaced, inserted, removed, the file cut short) is read to a verdict.
//! `bench/fuzz.sh` runs it a million times (`CUTOVER_FUZZ_CASES`); the test suite a short run.

use crate::support;

use std::path::PathBuf;
use std::sync::OnceLock;

use cutover::Verdict;
use cutover::{VerifyOptions, verify_bytes};
use proptest::prelude::*;

/// A finished drill run with a manual step, a failure and outputs, made once per process.
fn journal() -> &'static (PathBuf, Vec<u8>) {
    static RUN: OnceLock<(PathBuf, Vec<u8>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let runbook = support::runbook(
            &dir,
            "[runbook]\nname = \"fuzz\"\ntitle = \"Fuzz\"\n\n[[phase]]\nid = \"main\"\n\n\
             [[phase.step]]\nid = \"hello\"\nkind = \"command\"\nrun = \"echo hello\"\n\n\
             [[phase.step]]\nid = \"ask\"\nkind = \"manual\"\ninstructions = \"Go\"\nchecklist = [\"done\"]\n\n\
             [[phase.step]]\nid = \"flaky\"\nkind = \"command\"\nrun = \"echo no; exit 1\"\non_failure = \"continue\"\n",
        );
        let logs = dir.join("runs");
        support::headless_drill(&runbook, &logs)
            .args(["--confirm", "ask=ok"])
            .status(0).output();
        let run = support::run_dir(&logs);
        let bytes = std::fs::read(run.join("journal.log")).unwrap();
        (run, bytes)
    })
}

fn fuzz_cases() -> u32 {
    std::env::var("CUTOVER_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn damaged_journal() -> impl Strategy<Value = Vec<u8>> {
    let length = journal().1.len();
    (
        prop::collection::vec((0..length, any::<u8>(), 0u8..3), 1..6),
        0..=length,
    )
        .prop_map(|(edits, keep)| {
            let mut bytes = journal().1[..keep].to_vec();
            for (at, byte, op) in edits {
                if bytes.is_empty() {
                    bytes.push(byte);
                    continue;
                }
                let at = at % bytes.len();
                match op {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => {
                        bytes.remove(at);
                    }
                }
            }
            bytes
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn a_damaged_journal_is_never_valid_and_never_panics(bytes in damaged_journal()) {
        let (run, original) = journal();
        let verification = verify_bytes(&bytes, run, &VerifyOptions::default());
        if bytes != *original {
            // A damaged journal may still read as INCOMPLETE (cut at a line break), never VALID
            // unless the damage undid itself.
            prop_assert!(verification.verdict != Verdict::Valid || bytes.starts_with(original));
        }
    }
}
