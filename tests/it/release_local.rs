//! The release runbook rehearsed unchanged against a stack of real parts on this machine
//! (`--target local`): a private PostgreSQL cluster (the real `pg_dump`, `pg_restore` and
//! migration SQL), nginx in front with the maintenance flag file, the sandbox as the app. The
//! backup is a real dump, the migration changes the real schema, nginx answers 503 during the
//! window and 200 after, an injected failure restores the schema and the rows, and nothing of
//! the stack is left running.
//!
//! CI installs PostgreSQL and nginx (`.ci/run`) and sets CUTOVER_REQUIRE_POSTGRES=1 and
//! CUTOVER_REQUIRE_NGINX=1, so there these tests cannot pass without running. On a machine
//! without them they say so and pass.

use crate::support;
use crate::support::test_run::Test;

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::sandbox::free_port;
use crate::support::{journal_bodies, key_file, processes_with, run_dir, verify};

/// Whether the stack's parts are here; panics when CI requires them and they are not.
fn stack_parts_or_skip() -> bool {
    // Where the stack itself looks for them.
    let postgres = cutover::server_bin_dir().is_some();
    let nginx = cutover::nginx_binary().is_some();
    for (here, variable, what) in [
        (
            postgres,
            "CUTOVER_REQUIRE_POSTGRES",
            "the PostgreSQL server",
        ),
        (nginx, "CUTOVER_REQUIRE_NGINX", "nginx"),
    ] {
        if !here {
            assert!(
                std::env::var_os(variable).is_none(),
                "{variable} is set and {what} is not installed"
            );
            eprintln!("skipped: {what} is not installed (.ci/run installs it)");
            return false;
        }
    }
    true
}

fn release() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/nexus-prod-deploy.toml")
}

/// The release on its local target, on ports of its own, every person's step confirmed.
fn rehearse(logs: &Path, extra: &[&str]) -> Output {
    let (app, front) = (free_port(), free_port());
    Test::cutover()
        .args(["run", "--headless", "--target", "local", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(logs)
        .arg(release())
        .args(["--var", &format!("sandbox_listen=127.0.0.1:{app}")])
        .args(["--var", &format!("stack_front=127.0.0.1:{front}")])
        .args(["--var", &format!("base_url=http://127.0.0.1:{front}")])
        .args(["--confirm", "announce", "--confirm", "migrate"])
        .args(["--confirm", "security-logs", "--confirm", "close-window"])
        .args(extra)
        .timeout(std::time::Duration::from_secs(180))
        .output()
}

/// One table's rows in a plain SQL dump (its COPY block).
fn rows(dump: &str, table: &str) -> Vec<String> {
    let start = format!("COPY public.{table} ");
    dump.lines()
        .skip_while(|line| !line.starts_with(&start))
        .skip(1)
        .take_while(|line| *line != "\\.")
        .map(str::to_string)
        .collect()
}

/// The backup as plain SQL, by the real `pg_restore`.
fn backup_as_sql(run: &Path) -> String {
    let dump = std::fs::read_dir(run.join("backups"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(
        std::fs::read(&dump).unwrap().starts_with(b"PGDMP"),
        "a real custom-format dump"
    );
    let output = std::process::Command::new("pg_restore")
        .args(["--no-owner", "-f", "-"])
        .arg(&dump)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn assert_nothing_left(run: &Path) {
    let run_id = run.file_name().unwrap().to_str().unwrap();
    let left = processes_with(run_id);
    assert!(left.is_empty(), "the stack left {left:?}");
    // Where the cluster lived (stack.json says): a name nobody could guess from the run's
    // id, and gone.
    let stack: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("stack/stack.json")).unwrap())
            .unwrap();
    let data = Path::new(stack["cluster"]["data"].as_str().unwrap());
    let home = data.parent().unwrap();
    if stack["cluster"]["as_postgres"] == true {
        let name = home.file_name().unwrap().to_str().unwrap();
        assert!(!name.contains(run_id), "{name} names the run");
        assert!(name.starts_with("cutover-stack-"), "{name}");
    }
    assert!(
        !home.exists() || !stack["cluster"]["as_postgres"].as_bool().unwrap(),
        "the cluster's folder was removed"
    );
}

fn step_status(run: &Path, step: &str) -> (String, Option<u64>) {
    let result = journal_bodies(run, "step_result")
        .into_iter()
        .find(|r| r["step"] == step && r["stage"].is_null())
        .unwrap_or_else(|| panic!("{step} has a result"));
    (
        result["status"].as_str().unwrap().to_string(),
        result["http_status"].as_u64(),
    )
}

#[test]
fn the_release_runs_against_real_postgres_and_nginx() {
    if !stack_parts_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let output = rehearse(&logs, &[]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{said}");
    let run = run_dir(&logs);
    assert_eq!(verify(&run, &[]).0, 0);
    // The backup is PostgreSQL's own dump of production's rows before the release.
    let before = backup_as_sql(&run);
    assert_eq!(rows(&before, "assessments").len(), 3, "{before}");
    assert!(!before.contains("score integer"), "{before}");
    // nginx put the maintenance page up, then served the new version.
    assert_eq!(
        step_status(&run, "maintenance-answers"),
        ("passed".into(), Some(503))
    );
    assert_eq!(
        step_status(&run, "health-release"),
        ("passed".into(), Some(200))
    );
    // The migration changed the real schema, and is recorded as prisma records it.
    let after = std::fs::read_to_string(run.join("stack/final.sql")).unwrap();
    assert!(after.contains("score integer"), "{after}");
    let recorded = rows(&after, "_prisma_migrations");
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    assert!(recorded.iter().any(|r| r.contains("20261121_release")));
    assert_nothing_left(&run);
}

#[test]
fn an_injected_failure_restores_the_real_schema_and_rows() {
    if !stack_parts_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("runs");
    let output = rehearse(
        &logs,
        &[
            "--inject-failure",
            "smoke-health",
            "--on-failure",
            "rollback",
        ],
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "rolled back: {said}");
    let run = run_dir(&logs);
    assert_eq!(verify(&run, &[]).0, 0);
    let before = backup_as_sql(&run);
    let after = std::fs::read_to_string(run.join("stack/final.sql")).unwrap();
    // The schema as it was: no column of the release's migration, and its record gone.
    assert!(!after.contains("score"), "{after}");
    let migrations = |dump: &str| -> Vec<String> {
        rows(dump, "_prisma_migrations")
            .iter()
            .map(|row| row.split('\t').nth(3).unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(migrations(&after), ["20260101_init"]);
    assert_eq!(migrations(&after), migrations(&before));
    // The rows as they were, every one.
    assert_eq!(rows(&after, "assessments"), rows(&before, "assessments"));
    assert_eq!(rows(&after, "assessments").len(), 3);
    assert_nothing_left(&run);
}

#[test]
fn a_link_planted_where_the_stack_once_lived_is_left_untouched() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !stack_parts_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Someone else's folder, and a link to it where a stack of run RUN_ID used to be made
    // (the run's id is in every process's command line).
    let temp = dir.path().join("tmp");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(&temp).unwrap();
    std::fs::create_dir(&victim).unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run_id = "20261207T000000Z-0badf00d";
    std::os::unix::fs::symlink(&victim, temp.join(format!("cutover-stack-{run_id}"))).unwrap();
    let run = dir.path().join(run_id);
    std::fs::create_dir(&run).unwrap();
    let stands_in = Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/stand-ins/nexus");
    let (app, front) = (free_port(), free_port());
    let mut stack = support::people::Running(
        Test::process()
            .args(["sandbox", "--listen", &format!("127.0.0.1:{app}"), "local"])
            .arg("--dir")
            .arg(run.join("stack"))
            .args(["--front", &format!("127.0.0.1:{front}")])
            .arg("--flag")
            .arg(run.join("maintenance.on"))
            .arg("--migrations")
            .arg(stands_in.join("prisma/migrations"))
            .args(["--applied", "20260101_init", "--seed"])
            .arg(stands_in.join("seed.sql"))
            .env("TMPDIR", &temp)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    support::wait_until("the stack's front answers", || {
        std::net::TcpStream::connect(("127.0.0.1", front)).is_ok()
            && run.join("stack/stack.json").exists()
    });
    let before = std::fs::metadata(&victim).unwrap();
    assert_eq!(before.mode() & 0o777, 0o755, "the folder's mode is its own");
    assert_eq!(
        std::fs::read_dir(&victim).unwrap().count(),
        0,
        "nothing was made in someone else's folder"
    );
    // SAFETY: kill with a pid this test started.
    unsafe { libc::kill(stack.0.id() as i32, libc::SIGTERM) };
    stack.0.wait().unwrap();
    let after = std::fs::metadata(&victim).unwrap();
    assert_eq!(after.mode() & 0o777, 0o755);
    assert_eq!(after.uid(), before.uid(), "the folder's owner is its own");
    // The server's own workers leave after it: wait for the last, within the usual bound.
    support::wait_until("the stack stopped whole", || {
        processes_with(run_id).is_empty()
    });
    assert!(
        std::fs::symlink_metadata(temp.join(format!("cutover-stack-{run_id}")))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
