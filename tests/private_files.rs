//! A report written to a file is readable by its owner only: it names the operator and the
//! host and quotes the run's output.

mod support;

use std::os::unix::fs::PermissionsExt;

use support::{cutover, key_file};

#[test]
fn report_to_a_file_is_0600_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(
        dir.path(),
        "[runbook]\nname = \"r\"\ntitle = \"R\"\n\n[[phase]]\nid = \"p\"\n\n[[phase.step]]\nid = \"s\"\nkind = \"command\"\nrun = \"echo hi\"\n",
    );
    let logs = dir.path().join("runs");
    cutover()
        .args(["run", "--headless", "--drill", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .assert()
        .code(0);
    let run = support::run_dir(&logs);
    let existing = dir.path().join("existing.md");
    std::fs::write(&existing, "old").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o644)).unwrap();
    for target in [dir.path().join("new.md"), existing] {
        let script = format!(
            "umask 000; exec {} report {} -o {}",
            assert_cmd::cargo::cargo_bin("cutover").display(),
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
