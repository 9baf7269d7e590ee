//! What cutover writes is its owner's alone: a report written to a file is 0600 (it names the
//! operator and the host and quotes the run's output), and a runbook's run folder that others
//! can write is refused before anything is written in it.

use crate::support;
use crate::support::test_run::Test;

use std::os::unix::fs::PermissionsExt;

#[test]
fn report_to_a_file_is_0600_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        "[runbook]\nname = \"r\"\ntitle = \"R\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"echo hi\"\n",
    );
    let logs = dir.path().join("runs");
    support::headless_drill(&runbook, &logs).status(0).output();
    let run = support::run_dir(&logs);
    let existing = dir.path().join("existing.md");
    std::fs::write(&existing, "old").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    for target in [dir.path().join("new.md"), existing] {
        let script = format!(
            "umask 000; exec {} report {} -o {}",
            Test::binary().display(),
            run.display(),
            target.display()
        );
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(0));
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", target.display());
        assert!(std::fs::read_to_string(&target).unwrap().contains("# "));
    }
}

#[test]
fn a_runbook_folder_others_can_write_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        "[runbook]\nname = \"r\"\ntitle = \"R\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"echo hi\"\n",
    );
    let logs = dir.path().join("runs");
    let shared = logs.join("r");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let output = support::headless_drill(&runbook, &logs).output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("can be written by others (mode 777)"),
        "{stderr}"
    );
    assert!(stderr.contains("chmod 700"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(&shared).unwrap().count(),
        0,
        "nothing written"
    );
}
