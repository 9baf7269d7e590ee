//! The docker stand-in over the `local` stack of real parts (`local_stack.rs`): where the
//! release asks the postgres service for `pg_dump` or `pg_restore`, the real ones run against
//! the stack's cluster, their bytes straight through; prisma's migrations are applied with psql
//! and recorded as prisma does; `nginx -s reload` and `nginx -t` are the real nginx's on the
//! stack's configuration. What the stack has no part for (the application's image) is the
//! sandbox stand-in's, as without the stack.

use std::path::Path;
use std::process::{Command, Stdio};

use super::compose_stand_in::{Done, migrations_in, without_flags};
use super::local_stack::{StackFile, stack_file};

/// The stack the run started, if the run has one (`$CUTOVER_STACK_DIR`, the runbook's
/// `stack_dir`).
pub(crate) fn stack() -> Option<StackFile> {
    let dir = std::env::var_os("CUTOVER_STACK_DIR").filter(|d| !d.is_empty())?;
    let bytes = std::fs::read(stack_file(Path::new(&dir))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `docker compose …` against the stack; `None` for what the stack has no part for.
pub(crate) fn docker(stack: &StackFile, words: &[&str]) -> Option<Done> {
    let cluster = &stack.cluster;
    match words {
        ["ps", "postgres", "--format", format] if format.contains(".Health") => {
            let ready = cluster
                .client("pg_isready")
                .arg("-q")
                .status()
                .is_ok_and(|s| s.success());
            Some(Done::ok(if ready { "healthy\n" } else { "unhealthy\n" }))
        }
        ["exec", rest @ ..] => {
            let rest = without_flags(rest);
            let (service, command) = rest.split_first()?;
            let line = command.join(" ");
            match *service {
                "postgres" if line.contains("pg_dump") => Some(run(cluster
                    .client("pg_dump")
                    .args(["--format=custom", "--no-owner"]))),
                "postgres" if line.contains("pg_restore") && line.contains("--list") => {
                    Some(run(cluster.client("pg_restore").arg("--list")))
                }
                "postgres" if line.contains("pg_restore") => Some(run(cluster
                    .client("pg_restore")
                    .args([
                        "--clean",
                        "--if-exists",
                        "--single-transaction",
                        "--no-owner",
                    ])
                    .args(["--dbname", &cluster.database]))),
                "nginx" if line.contains("-s reload") => Some(run(Command::new(&stack.nginx)
                    .args(["-s", "reload", "-c"])
                    .arg(&stack.nginx_config))),
                "nginx" if line.contains("-t") => Some(run(Command::new(&stack.nginx)
                    .arg("-t")
                    .arg("-c")
                    .arg(&stack.nginx_config))),
                _ => None,
            }
        }
        ["run", rest @ ..] => match without_flags(rest).as_slice() {
            [
                "migrate",
                "npx",
                "prisma",
                "migrate",
                what @ ("status" | "deploy"),
            ] => Some(migrate(stack, what)),
            _ => None,
        },
        _ => None,
    }
}

/// A real tool, its standard streams the step's own (a dump's bytes go through untouched).
fn run(command: &mut Command) -> Done {
    match command
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
    {
        Ok(status) if status.success() => Done::ok(""),
        Ok(status) => Done::failed(format!("exited with {status}\n")),
        Err(err) => Done::failed(format!("{err}\n")),
    }
}

fn migrate(stack: &StackFile, what: &str) -> Done {
    let folder = Path::new("prisma/migrations");
    let available = match migrations_in(folder) {
        Ok(found) => found,
        Err(unreadable) => return Done::failed(format!("{unreadable}\n")),
    };
    let applied = match super::local_migrations::applied(&stack.cluster) {
        Ok(applied) => applied,
        Err(err) => return Done::failed(format!("Error: {err}\n")),
    };
    let pending: Vec<&String> = available.iter().filter(|m| !applied.contains(m)).collect();
    let mut said = format!(
        "{} migrations found in prisma/migrations\n",
        available.len()
    );
    match what {
        "status" if pending.is_empty() => said.push_str("Database schema is up to date!\n"),
        "status" => {
            said.push_str("Following migrations have not yet been applied:\n");
            for name in &pending {
                said.push_str(&format!("{name}\n"));
            }
        }
        _ if pending.is_empty() => said.push_str("No pending migrations to apply.\n"),
        _ => {
            for name in &pending {
                if let Err(err) = super::local_migrations::apply(&stack.cluster, folder, name) {
                    said.push_str(&format!("Error: migration `{name}` failed:\n{err}"));
                    return Done::failed(said);
                }
                said.push_str(&format!("Applying migration `{name}`\n"));
            }
            said.push_str("All migrations have been successfully applied.\n");
        }
    }
    Done::ok(said)
}
