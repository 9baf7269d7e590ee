//! List variables end to end: in `run` a list is separately quoted words, in `argv` separate
//! arguments, in a condition a CEL list; `--var NAME=a,b` gives one; the header keeps it.

use crate::support;

use crate::support::test_run::Test;

const RUNBOOK: &str = r#"
[runbook]
name = "lists"

[vars.files]
default = ["two words", "it's", "$(id)"]

[[phase]]
id = "p"

[[phase.step]]
id = "words"
kind = "command"
run = "printf '<%s>' {{ files }} > {{ run.dir }}/words"

[[phase.step]]
id = "arguments"
kind = "command"
argv = ["sh", "-c", "printf '<%s>' \"$@\" > \"$0\"", "{{ run.dir }}/arguments", "{{ files }}"]

[[phase.step]]
id = "only-with-three"
kind = "command"
when = "files.size() == 3 && 'it\\'s' in files"
run = "touch {{ run.dir }}/three"
"#;

#[test]
fn a_list_is_one_word_per_item_in_run_and_one_argument_per_item_in_argv() {
    let ran = Test::run_headless(RUNBOOK).run();
    assert_eq!(ran.read("words"), "<two words><it's><$(id)>");
    assert_eq!(ran.read("arguments"), "<two words><it's><$(id)>");
    assert!(
        ran.run_dir().join("three").exists(),
        "the condition read a list"
    );
    assert!(
        ran.read("journal.log")
            .contains("\"vars\":{\"files\":\"two words,it's,$(id)\"}")
    );
}

#[test]
fn var_gives_a_list_as_comma_separated_items() {
    let ran = Test::run_headless(RUNBOOK)
        .args(["--var", "files=a, b"])
        .run();
    assert_eq!(ran.read("words"), "<a><b>");
    assert!(
        !ran.run_dir().join("three").exists(),
        "two items: not applicable"
    );
}

#[test]
fn check_warns_where_a_list_would_become_one_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = support::runbook(
        dir.path(),
        r#"
[runbook]
name = "lists"

[vars.nodes]
default = ["web-1", "web-2"]

[[phase]]
id = "p"

[[phase.step]]
id = "title"
title = "Restart {{ nodes }}"
kind = "command"
argv = ["restart", "--only={{ nodes }}"]
"#,
    );
    let output = Test::cutover().arg("check").arg(&path).output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "warnings only: {stdout}");
    assert!(
        stdout.contains("`nodes` is a list: here it becomes one text"),
        "{stdout}"
    );
    assert!(
        stdout.contains("inside a longer argument it becomes one text"),
        "{stdout}"
    );
}
