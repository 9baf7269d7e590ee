//! Property: `check` never panics, whatever the bytes; the binary always exits 0 or 2.
//! `bench/fuzz.sh` runs the in-process properties a million times each (`CUTOVER_FUZZ_CASES`);
//! the test suite runs a short version.

use std::path::Path;

use cutover::runbook::load::check_bytes;
use proptest::prelude::*;

const VALID: &str = include_str!("../runbooks/examples/every-kind.toml");

/// A valid runbook damaged in a few places: bytes replaced, inserted or cut off.
fn damaged_runbook() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((0..VALID.len(), any::<u8>(), 0u8..3), 1..8),
        0..=VALID.len(),
    )
        .prop_map(|(edits, keep)| {
            let mut bytes = VALID.as_bytes()[..keep.max(1)].to_vec();
            for (at, byte, op) in edits {
                let at = at % bytes.len().max(1);
                match op {
                    0 => bytes[at] = byte,
                    1 => bytes.insert(at, byte),
                    _ => {
                        bytes.remove(at);
                    }
                }
                if bytes.is_empty() {
                    bytes.push(byte);
                }
            }
            bytes
        })
}

/// How many cases the in-process properties try: `CUTOVER_FUZZ_CASES`, or a short run.
fn fuzz_cases() -> u32 {
    std::env::var("CUTOVER_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let checked = check_bytes(Path::new("fuzz.toml"), bytes);
        prop_assert_eq!(checked.runbook.is_some(), checked.error_count == 0);
    }

    #[test]
    fn damaged_runbooks_never_panic(bytes in damaged_runbook()) {
        let checked = check_bytes(Path::new("fuzz.toml"), bytes);
        // Every diagnostic renders, and each points inside the file.
        for diagnostic in &checked.diagnostics {
            prop_assert!(diagnostic.span.start <= checked.source.text.len());
            let text = cutover::runbook::render::render_text(&checked.source, diagnostic);
            prop_assert!(text.starts_with("fuzz.toml:"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_binary_exits_0_or_2(bytes in damaged_runbook()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runbook.toml");
        std::fs::write(&path, &bytes).unwrap();
        let output = assert_cmd::Command::cargo_bin("cutover").unwrap()
            .arg("check").arg(&path).output().unwrap();
        let code = output.status.code();
        prop_assert!(code == Some(0) || code == Some(2), "exit {:?}: {}", code, String::from_utf8_lossy(&output.stderr));
        prop_assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
}
