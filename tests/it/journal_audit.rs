//! The manual audit of docs/journal.md, run exactly as written with the real `ssh-keygen` and
//! `openssl`, against a journal with a resume in it (two session keys) and an allowed_signers
//! file; then once more on a damaged copy, where it must fail.

use crate::support;
use crate::support::test_run::Test;

use crate::support::key_file;

fn audit_script() -> String {
    let doc = include_str!("../../docs/journal.md");
    let start = doc.find("<!-- audit:begin -->").expect("audit block");
    let block = &doc[start..doc.find("<!-- audit:end -->").expect("audit block end")];
    let code = block.split("```sh\n").nth(1).expect("sh fence");
    code.split("```").next().unwrap().to_string()
}

fn run_audit(run: &std::path::Path, allowed: &std::path::Path) -> std::process::Output {
    std::process::Command::new("bash")
        .arg("-c")
        .arg(audit_script())
        .env("JOURNAL", run.join("journal.log"))
        .env("RUN", run)
        .env("ALLOWED_SIGNERS", allowed)
        .env("PRINCIPAL", "tester")
        .env("NAMESPACE", "cutover-drill")
        .output()
        .expect("bash runs")
}

#[test]
fn the_documented_manual_audit_passes_with_standard_tools_and_catches_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let runbook = dir.path().join("runbook.toml");
    std::fs::write(
        &runbook,
        "[runbook]\nname = \"audit\"\ntitle = \"Audit\"\n\n[[phase]]\nid = \"main\"\n\n\
         [[phase.step]]\nid = \"out\"\nkind = \"command\"\nrun = \"echo some output\"\n\n\
         [[phase.step]]\nid = \"ask\"\nkind = \"manual\"\ninstructions = \"Check\"\n\n\
         [[phase.step]]\nid = \"more\"\nkind = \"command\"\nrun = \"echo more\"\n",
    )
    .unwrap();
    let logs = dir.path().join("runs");
    let _first = Test::cutover()
        .args([
            "run",
            "--headless",
            "--drill",
            "--operator",
            "tester",
            "--key",
        ])
        .arg(key_file())
        .arg("--log-dir")
        .arg(&logs)
        .arg(&runbook)
        .status(3)
        .output();
    let run = support::run_dir(&logs);
    let _resumed = Test::cutover()
        .arg("resume")
        .arg(&run)
        .args(["--confirm", "ask=checked", "--operator", "tester", "--key"])
        .arg(key_file())
        .status(0)
        .output();

    let key = cutover::OperatorKey::from_file(&key_file())
        .unwrap()
        .public_openssh();
    let allowed = dir.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("tester namespaces=\"cutover-drill\" {key}\n"),
    )
    .unwrap();

    let audit = run_audit(&run, &allowed);
    let stdout = String::from_utf8_lossy(&audit.stdout);
    let stderr = String::from_utf8_lossy(&audit.stderr);
    assert!(audit.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("audit passed"), "{stdout}");
    let said = format!("{stdout}{stderr}");
    assert!(
        said.matches("Good \"cutover-drill\" signature for tester")
            .count()
            >= 4,
        "{said}"
    );

    // An edited output file fails the audit.
    std::fs::write(run.join("output/out.1.log"), "other output\n").unwrap();
    let audit = run_audit(&run, &allowed);
    assert!(!audit.status.success());
    assert!(String::from_utf8_lossy(&audit.stdout).contains("output output/out.1.log differs"));
}
