//! A release against a real PostgreSQL: back up with `pg_dump`, migrate with `psql`, fail a
//! smoke check by injection, roll back with `pg_restore` — then the schema really is the one
//! from before the migration, the data is intact, and the journal verifies.
//!
//! CI installs PostgreSQL (`.ci/run`) and sets CUTOVER_REQUIRE_POSTGRES=1, so there this test
//! cannot pass without running. On a machine without the server it says so and passes.

use crate::support;
use crate::support::test_run::Test;

use crate::support::postgres::Postgres;
use crate::support::{key_file, run_dir, verify};

const RUNBOOK: &str = r#"
[runbook]
name = "nexus-db-release"
title = "Release against a real database"
environment = "staging"

[[phase]]
id = "backup"
title = "Sauvegarde"

[[phase.step]]
id = "backup"
title = "pg_dump"
kind = "command"
run = "pg_dump --format=custom --file {{ run.dir }}/nexus.dump && echo {{ run.dir }}/nexus.dump"
capture = "backup_file"
required = true

[[phase]]
id = "migrate"
title = "Migration DB"

[[phase.step]]
id = "migrate"
title = "Migration with psql"
kind = "command"
run = '''
psql -v ON_ERROR_STOP=1 <<'SQL'
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'user';
CREATE TABLE payments (id serial PRIMARY KEY, user_id int REFERENCES users (id), amount int NOT NULL);
INSERT INTO payments (user_id, amount) SELECT id, 10 FROM users;
SQL'''

[[phase]]
id = "smoke"
title = "Smoke tests"

[[phase.step]]
id = "smoke-payments"
title = "Payments answer"
kind = "command"
run = "psql -tAc 'SELECT count(*) FROM payments'"

[[rollback.step]]
id = "restore"
title = "pg_restore of the backup"
kind = "command"
run = "pg_restore --clean --create --exit-on-error --dbname postgres {{ backup_file }}"
"#;

const SCHEMA: &str = "SELECT table_name || '.' || column_name || ':' || data_type \
                      FROM information_schema.columns WHERE table_schema = 'public' \
                      ORDER BY table_name, ordinal_position";

#[test]
fn a_failed_release_rolls_the_database_back_to_its_schema_before_the_migration() {
    let server = match Postgres::start() {
        Ok(server) => server,
        Err(why) if std::env::var_os("CUTOVER_REQUIRE_POSTGRES").is_none() => {
            eprintln!("skipped: {why}");
            return;
        }
        Err(why) => panic!("CUTOVER_REQUIRE_POSTGRES is set and PostgreSQL cannot start: {why}"),
    };
    server.psql("postgres", "CREATE DATABASE nexus");
    server.psql(
        "nexus",
        "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE); \
         INSERT INTO users (email) VALUES ('ada@nexus.example'), ('linus@nexus.example');",
    );
    let schema_before = server.psql("nexus", SCHEMA);
    assert_eq!(
        schema_before.lines().count(),
        2,
        "users(id, email): {schema_before}"
    );

    let dir = tempfile::tempdir().unwrap();
    let runbook = support::runbook(dir.path(), RUNBOOK);
    let output = Test::cutover()
        .envs(server.client_env("nexus"))
        .args(["run", "--drill", "--headless", "--key"])
        .arg(key_file())
        .arg("--log-dir")
        .arg(dir.path().join("runs"))
        .args([
            "--inject-failure",
            "smoke-payments",
            "--on-failure",
            "rollback",
        ])
        .arg(&runbook)
        .timeout(std::time::Duration::from_secs(120))
        .output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("migrate passed"), "{stderr}");
    assert!(stderr.contains("restore passed"), "{stderr}");
    assert!(stderr.contains("run rolled back"), "{stderr}");

    let schema_after = server.psql("nexus", SCHEMA);
    assert_eq!(
        schema_after, schema_before,
        "the schema is the one before the migration"
    );
    assert_eq!(
        server.psql("nexus", "SELECT email FROM users ORDER BY id"),
        "ada@nexus.example\nlinus@nexus.example\n"
    );
    assert_eq!(
        server.psql(
            "nexus",
            "SELECT count(*) FROM pg_tables WHERE tablename = 'payments'"
        ),
        "0\n",
        "the migration's table is gone"
    );

    let run = run_dir(&dir.path().join("runs"));
    let (code, report) = verify(&run, &[]);
    assert_eq!(code, 0, "{report}");
    let journal = std::fs::read_to_string(run.join("journal.log")).unwrap();
    assert!(journal.contains("\"status\":\"rolled-back\""));
}
