//! Property: `check` never panics, whatever the bytes; the binary always exits 0 or 2.
//! `bench/fuzz.sh` runs the in-process properties a million times each (`CUTOVER_FUZZ_CASES`);
//! the test suite runs a short version.

use crate::support::test_run::Test;
use std::path::Path;

use cutover::check_bytes;
use proptest::prelude::*;

const VALID: &str = include_str!("../../runbooks/examples/every-kind.toml");

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
            let text = cutover::render_text(&checked.source, diagnostic);
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
        let output = Test::cutover().arg("check").arg(&path).output();
        let code = output.status.code();
        prop_assert!(code == Some(0) || code == Some(2), "exit {:?}: {}", code, String::from_utf8_lossy(&output.stderr));
        prop_assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
}

/// A runbook whose one step's `when` is `condition`.
fn with_condition(condition: &str) -> Vec<u8> {
    format!(
        "[runbook]\nname = \"c\"\n\n[vars.release]\ndefault = \"v1\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"true\"\nwhen = {}\n",
        toml_string(condition)
    )
    .into_bytes()
}

fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Pieces CEL is made of, to build conditions from.
fn cel_piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "release",
        "1",
        "\"v1\"",
        "'x'",
        "true",
        "null",
        "[",
        "]",
        "(",
        ")",
        "{",
        "}",
        "+",
        "-",
        "*",
        "/",
        "%",
        "==",
        "!=",
        "<",
        ">=",
        "&&",
        "||",
        "!",
        "?",
        ":",
        ".",
        ",",
        "size(",
        "exists(x,",
        "all(x,",
        "map(x,",
        "filter(x,",
        "has(",
        "steps.s.status",
        "in",
        " ",
        "1.5e308",
        "-9223372036854775808",
        "\\",
        "\"\\u",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Conditions assembled from CEL's pieces, any size within a few hundred pieces: `check`
    /// answers each (a diagnostic or none), never aborting on CEL's recursion or its panics.
    #[test]
    fn conditions_never_end_check(pieces in prop::collection::vec(cel_piece(), 0..400)) {
        let checked = check_bytes(Path::new("fuzz.toml"), with_condition(&pieces.concat()));
        prop_assert_eq!(checked.runbook.is_some(), checked.error_count == 0);
    }
}

#[test]
fn a_condition_of_seven_thousand_terms_is_refused_by_check_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runbook.toml");
    let terms = vec!["1"; 7000].join(" + ");
    std::fs::write(&path, with_condition(&format!("{terms} > 0"))).unwrap();
    let output = Test::cutover().arg("check").arg(&path).status(2).output();
    let printed = String::from_utf8_lossy(&output.stdout);
    let first_line = printed.lines().next().unwrap_or_default();
    assert!(
        first_line.contains("`when` is too large"),
        "{first_line:.300}"
    );
    assert!(
        first_line.contains("runbook.toml:14:"),
        "at its line: {first_line:.300}"
    );
    // Deep nesting, within the length bound, is refused the same way.
    let nested = format!("{}release{} == \"v1\"", "(".repeat(60), ")".repeat(60));
    std::fs::write(&path, with_condition(&nested)).unwrap();
    let output = Test::cutover().arg("check").arg(&path).status(2).output();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("60 levels deep"), "{printed:.300}");
}
