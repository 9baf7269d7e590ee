//! `cutover check` end to end: one malformed runbook per rule under `tests/check/`, each with
//! a snapshot of the exact diagnostics printed, plus the clean full-featured runbook.

use crate::support::test_run::Test;
/// The binary, run from the repository so that fixture paths read as users see them.
fn cutover() -> Test {
    Test::cutover().current_dir(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cutover check` on one fixture; it must fail with exit 2. Returns what it printed.
fn check_fails(name: &str) -> String {
    let output = cutover()
        .args(["check", &format!("tests/check/{name}.toml")])
        .status(2)
        .output();
    assert!(
        output.stderr.is_empty(),
        "{name}: nothing on stderr: {output:?}"
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

macro_rules! rule {
    ($($test:ident => $fixture:literal,)*) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!($fixture, check_fails($fixture));
        }
    )*};
}

rule! {
    toml_syntax => "toml-syntax",
    drill_target_reaching_production => "drill-target-reaches-production",
    not_utf8 => "not-utf8",
    duplicate_toml_key => "duplicate-key",
    unknown_top_level_key => "unknown-top-level-key",
    unknown_runbook_key => "unknown-runbook-key",
    unknown_step_key => "unknown-step-key",
    unknown_variable_key => "unknown-var-key",
    unknown_gate_key => "gate-unknown-key",
    unknown_kind => "unknown-kind",
    missing_kind => "missing-kind",
    missing_run => "missing-run",
    missing_url => "missing-url",
    missing_runbook_table => "missing-runbook-table",
    missing_name => "missing-name",
    runbook_without_step => "no-step",
    phase_without_step => "empty-phase",
    duplicate_step_id => "duplicate-step-id",
    step_id_outside_charset => "bad-step-id",
    runbook_name_outside_charset => "bad-runbook-name",
    bad_duration => "bad-duration",
    duration_units_out_of_order => "bad-duration-order",
    wrong_value_type => "wrong-type",
    bad_choice_with_suggestion => "bad-choice",
    undefined_variable => "undefined-variable",
    capture_used_before_it_is_set => "capture-used-before",
    capture_shadowing_a_variable => "capture-shadows-variable",
    secret_inside_run => "secret-in-run",
    secret_written_in_the_runbook => "secret-with-default",
    captured_secret_inside_run => "secret-capture-in-run",
    stage_outside_progressive => "stage-outside-progressive",
    invalid_regex => "invalid-regex",
    default_not_matching_pattern => "default-not-matching-pattern",
    invalid_url_after_defaults => "invalid-url",
    http_status_out_of_range => "http-status-out-of-range",
    max_error_rate_out_of_range => "max-error-rate-out-of-range",
    progressive_without_gate => "progressive-without-gate",
    metric_gates_say_what_they_judge => "metric-problems",
    targets_change_values_the_runbook_knows => "targets-problems",
    stages_not_strictly_increasing => "stages-not-increasing",
    stages_outside_1_to_100 => "stages-out-of-range",
    run_and_argv_together => "run-and-argv",
    until_without_offset => "wait-until-without-offset",
    window_action_misspelt => "window-bad-action",
    poll_interval_without_timeout => "poll-interval-without-timeout",
    expectation_key_not_a_json_pointer => "bad-json-pointer",
    unclosed_placeholder => "unclosed-placeholder",
    unknown_http_method => "bad-http-method",
    invalid_environment_variable_name => "bad-env-name",
    quoted_placeholder_warns_and_errors_still_fail => "quoted-placeholder-warning-and-error",
    every_problem_of_a_file_at_once => "several-problems-at-once",
    field_errors_do_not_hide_template_errors => "field-and-template-errors",
    nesting_past_the_limit_points_at_its_line => "too-deep",
    a_condition_naming_no_step_is_an_error => "when-unknown-step",
    a_condition_on_a_later_step_is_an_error => "when-later-step",
    a_condition_with_a_misspelt_status_and_variable_is_an_error => "when-bad-names",
    a_condition_that_is_not_cel_is_an_error => "when-syntax",
    a_condition_reading_a_value_before_it_is_set_is_an_error => "when-reads-too-early",
    host_groups_must_exist => "hosts-unknown-group",
    hosts_where_they_cannot_be => "hosts-misplaced",
    includes_that_cannot_be_read_or_mix_text_and_placeholders => "include-problems",
    decisions_say_what_each_option_does_and_what_a_deadline_takes => "decision-problems",
    approvals_can_be_met_and_their_deadline_says_what_then => "approval-problems",
    notification_channels_say_where_and_what => "notify-problems",
}

#[test]
fn every_fixture_has_a_test() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check");
    let source = include_str!("check_rules.rs");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().path();
        let stem = name.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            source.contains(&format!("\"{stem}\"")),
            "fixture {stem} has no test"
        );
    }
}

#[test]
fn a_placeholder_in_a_title_is_checked_like_any_other_and_passes() {
    let output = cutover()
        .args(["check", "tests/check/placeholder-in-title.toml"])
        .status(0)
        .output();
    insta::assert_snapshot!(
        "placeholder-in-title",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn the_full_featured_runbook_checks_clean() {
    let output = cutover()
        .args(["check", "runbooks/examples/every-kind.toml"])
        .status(0)
        .output();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "runbooks/examples/every-kind.toml: ok — 3 phases, 21 steps, 2 rollback steps\n"
    );
}

#[test]
fn several_files_are_all_reported_in_one_run() {
    let output = cutover()
        .args([
            "check",
            "runbooks/examples/every-kind.toml",
            "tests/check/unknown-kind.toml",
            "tests/check/bad-duration.toml",
        ])
        .status(2)
        .output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("every-kind.toml: ok"));
    assert!(
        stdout.contains("tests/check/unknown-kind.toml:10:8: error: unknown step kind `comand`")
    );
    assert!(stdout.contains("tests/check/bad-duration.toml:12:11: error:"));
}

#[test]
fn json_format_carries_the_same_diagnostics() {
    let output = cutover()
        .args([
            "check",
            "--format",
            "json",
            "tests/check/several-problems-at-once.toml",
        ])
        .status(2)
        .output();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    let file = &report["files"][0];
    assert_eq!(file["ok"], false);
    assert_eq!(file["errors"], 5);
    let diagnostics = file["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 5);
    let unknown_key = &diagnostics[3];
    assert_eq!(unknown_key["line"], 13);
    assert_eq!(unknown_key["column"], 1);
    assert_eq!(unknown_key["end_column"], 8);
    assert_eq!(unknown_key["severity"], "error");
    assert_eq!(unknown_key["message"], "unknown key `retires` in step `a`");
    assert_eq!(unknown_key["hint"], "did you mean `retries`?");
    assert_eq!(unknown_key["source_line"], "retires = 2");
}

#[test]
fn an_unreadable_file_is_one_clear_sentence_and_exit_2() {
    let output = cutover()
        .args(["check", "no/such/runbook.toml"])
        .status(2)
        .output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("cutover: failed to read the runbook no/such/runbook.toml: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn output_that_cannot_be_written_is_not_a_usage_error() {
    // /dev/full refuses every write with ENOSPC: the machine failed, not the arguments.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = Test::process()
        .args(["check", "runbooks/nexus-prod-deploy.toml"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("cutover: failed to write the diagnostics to standard output: "),
        "{stderr}"
    );
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let _output = cutover()
        .args(["check", "--format", "yaml", "x.toml"])
        .status(2)
        .output();
}
