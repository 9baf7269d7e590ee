//! Includes end to end: one block used twice with its own parameters, its bytes kept in the
//! run folder and named in the header, verify catching an edited copy, check pointing into
//! the included file, and resume running the block that ran, not the file as it is now.

use crate::support::test_run::Test;
use crate::support::verify;

const BLOCK: &str = r#"# Restart one service, checking it comes back.
[[step]]
id = "stop"
kind = "command"
run = "printf 'stop %s\n' {{ service }} >> {{ run.dir }}/log"

[[step]]
id = "start"
kind = "command"
run = "test -e {{ gate }} && printf 'start %s\n' {{ service }} >> {{ run.dir }}/log"
"#;

fn runbook(gate: &str) -> String {
    format!(
        r#"
[runbook]
name = "restarts"

[vars.gate]
default = "{gate}"

[[phase]]
id = "restart"

[[phase.step]]
id = "web"
include = "blocks/restart.toml"
vars = {{ service = "nginx" }}

[[phase.step]]
id = "api"
include = "blocks/restart.toml"
vars = {{ service = "it's the api" }}
"#
    )
}

fn with_block(test: Test, block: &str) -> Test {
    std::fs::create_dir_all(test.dir().join("blocks")).unwrap();
    std::fs::write(test.dir().join("blocks/restart.toml"), block).unwrap();
    test
}

#[test]
fn a_block_used_twice_runs_with_each_use_s_parameters_and_is_kept_in_the_run_folder() {
    let ran = with_block(Test::run_headless(&runbook("/")), BLOCK).run();
    assert_eq!(
        ran.read("log"),
        "stop nginx\nstart nginx\nstop it's the api\nstart it's the api\n"
    );
    let journal = ran.read("journal.log");
    for id in ["web-stop", "web-start", "api-stop", "api-start"] {
        assert!(journal.contains(&format!("\"step\":\"{id}\"")), "{id}");
    }
    assert_eq!(ran.read("includes/1-restart.toml"), BLOCK);
    assert!(journal.contains("\"includes\":[{\"path\":\"blocks/restart.toml\",\"file\":\"includes/1-restart.toml\",\"sha256\":\""));
    let (code, out) = verify(&ran.run_dir(), &[]);
    assert_eq!(code, 0, "{out}");

    // An edited copy is not the block that ran.
    std::fs::write(
        ran.run_dir().join("includes/1-restart.toml"),
        BLOCK.replace("stop %s", "halt %s"),
    )
    .unwrap();
    let (code, out) = verify(&ran.run_dir(), &[]);
    assert_ne!(code, 0, "{out}");
    assert!(
        out.contains("E_RUNBOOK") && out.contains("the included `blocks/restart.toml`"),
        "{out}"
    );
}

#[test]
fn check_points_at_the_line_in_the_included_file() {
    let test = with_block(
        Test::run_headless(&runbook("/")),
        &BLOCK.replace(
            "kind = \"command\"\nrun = \"test",
            "kind = \"comand\"\nrun = \"test",
        ),
    );
    let output = Test::cutover()
        .arg("check")
        .arg(test.dir().join("runbook.toml"))
        .output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("blocks/restart.toml:9:8: error: unknown step kind `comand`"),
        "{stdout}"
    );
    assert!(stdout.contains("9 | kind = \"comand\""), "{stdout}");
    assert_eq!(
        stdout.matches("unknown step kind").count(),
        1,
        "said once for the two uses: {stdout}"
    );
}

#[test]
fn resume_runs_the_block_that_ran_not_the_file_as_it_is_now() {
    let gate = tempfile::tempdir().unwrap();
    let gate_file = gate.path().join("open");
    let test = with_block(
        Test::run_headless(&runbook(&gate_file.display().to_string())),
        BLOCK,
    );
    let block_path = test.dir().join("blocks/restart.toml");
    let ran = test.args(["--on-failure", "suspend"]).status(3).run();
    std::fs::write(&block_path, BLOCK.replace("stop %s", "halt %s")).unwrap();
    std::fs::write(&gate_file, "").unwrap();
    ran.resume(&["--rerun", "web-start"], 0);
    assert_eq!(
        ran.read("log"),
        "stop nginx\nstart nginx\nstop it's the api\nstart it's the api\n"
    );
}
