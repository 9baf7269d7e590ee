//! `cutover sandbox docker …`: a stand-in for `docker compose` over the Nexus stack, so that the
//! release runbook runs unchanged against the sandbox (a drill target puts it first on PATH as
//! `docker`, `runbooks/stand-ins/bin/docker`). It does what the runbook observes of the real
//! stack, through the running sandbox:
//!
//! - `exec postgres pg_dump …` writes the database's part of the sandbox's state as a dump;
//!   `pg_restore --list` reads one back (its table of contents), `pg_restore` restores it;
//! - `run --rm migrate npx prisma migrate status|deploy` applies, in order, the migrations of
//!   `prisma/migrations/` (in the working folder) not yet recorded, as prisma does;
//! - `up -d nexus-app` deploys `$NEXUS_IMAGE_TAG`; `ps SERVICE --format '{{.Health}}'` says
//!   what its health check would;
//! - `exec nginx nginx -s reload` turns the maintenance page on or off as the flag file
//!   (`$CUTOVER_MAINTENANCE_FLAG`) says; `nginx -t` passes.
//!
//! With a stack of real parts running (the `local` target, `$CUTOVER_STACK_DIR`), its parts
//! answer instead (`compose_local.rs`). Written by hand: no crate stands in for a compose stack. Anything else it is asked fails
//! with a word saying how to add a stand-in of one's own.

use std::io::Read;
use std::path::Path;

use super::call::request;
use super::error::SandboxError;
use super::state::{Database, State};

/// The first line of a dump: `pg_restore` refuses anything else, as the real one refuses a
/// file that is not an archive.
const DUMP_HEADER: &str = "-- cutover sandbox dump v1";

/// What the stand-in says, and whether it succeeded (its exit code: 0 or 1).
pub(crate) struct Done {
    pub said: String,
    pub ok: bool,
}

impl Done {
    pub(crate) fn ok(said: impl Into<String>) -> Self {
        Self {
            said: said.into(),
            ok: true,
        }
    }

    pub(crate) fn failed(said: impl Into<String>) -> Self {
        Self {
            said: said.into(),
            ok: false,
        }
    }
}

/// Runs `docker ARGS` against the sandbox at `listen`; `stdin` is read only by `pg_restore`.
pub(crate) async fn docker(
    listen: &str,
    args: &[String],
    stdin: &mut dyn Read,
) -> Result<Done, SandboxError> {
    let words = compose_words(args);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    // A stack of real parts (the `local` target) answers for what it has parts for.
    if let Some(stack) = super::compose_local::stack()
        && let Some(done) = super::compose_local::docker(&stack, &words)
    {
        return Ok(done);
    }
    match words.as_slice() {
        ["config", ..] => Ok(Done::ok("")),
        ["pull", services @ ..] => Ok(Done::ok(
            services
                .iter()
                .map(|s| format!("{s} Pulled (sandbox stand-in)\n"))
                .collect::<String>(),
        )),
        ["up", rest @ ..] => up(listen, &services(rest)).await,
        ["ps", service, "--format", format] if format.contains(".Health") => {
            Ok(Done::ok(format!("{}\n", health(listen, service).await?)))
        }
        ["run", rest @ ..] => run(listen, &without_flags(rest)).await,
        ["exec", rest @ ..] => exec(listen, &without_flags(rest), stdin).await,
        ["logs", rest @ ..] => {
            // `logs [--since 30m …] SERVICE`: options take values, the service comes last.
            let state = state(listen).await?;
            let service = rest.last().copied().unwrap_or("nexus-app");
            Ok(Done::ok(format!(
                "{service}  | ready on :3000 (version {})\n",
                state.version
            )))
        }
        _ => Ok(unknown(args)),
    }
}

/// `compose -f FILE -p NAME SUB …` as `SUB …`; a bare `docker SUB` is taken as it is.
fn compose_words(args: &[String]) -> Vec<String> {
    let mut words = args.iter().peekable();
    if words.peek().is_some_and(|w| *w == "compose") {
        words.next();
    }
    let mut kept = Vec::new();
    while let Some(word) = words.next() {
        if kept.is_empty() && matches!(word.as_str(), "-f" | "--file" | "-p" | "--project-name") {
            words.next();
            continue;
        }
        kept.push(word.clone());
    }
    kept
}

/// The words after a subcommand's leading options (`-T`, `--rm`).
pub(crate) fn without_flags<'a>(words: &[&'a str]) -> Vec<&'a str> {
    words
        .iter()
        .copied()
        .skip_while(|w| w.starts_with('-'))
        .collect()
}

fn services<'a>(words: &[&'a str]) -> Vec<&'a str> {
    words
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect()
}

async fn up(listen: &str, services: &[&str]) -> Result<Done, SandboxError> {
    let mut said = String::new();
    for service in services {
        if *service == "nexus-app" {
            let Some(tag) = std::env::var("NEXUS_IMAGE_TAG")
                .ok()
                .filter(|t| !t.is_empty())
            else {
                return Ok(Done::failed(
                    "nexus-app: NEXUS_IMAGE_TAG is not set: the image tag to run is unknown\n",
                ));
            };
            let body = serde_json::json!({"version": tag, "weight": 100}).to_string();
            let (status, text) = request(listen, "POST", "/_sandbox/deploy", Some(&body)).await?;
            if status != 200 {
                return Ok(Done::failed(format!("nexus-app: {text}\n")));
            }
        }
        said.push_str(&format!("Container nexus-{service}-1  Started\n"));
    }
    Ok(Done::ok(said))
}

async fn health(listen: &str, service: &str) -> Result<String, SandboxError> {
    if service != "nexus-app" {
        return Ok("healthy".into());
    }
    let (_, text) = request(listen, "GET", "/_sandbox/app-health", None).await?;
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    Ok(answer["health"].as_str().unwrap_or("unhealthy").to_string())
}

async fn state(listen: &str) -> Result<State, SandboxError> {
    let (_, text) = request(listen, "GET", "/_sandbox/state", None).await?;
    serde_json::from_str(&text).map_err(|err| SandboxError::State(err.to_string()))
}

/// `run --rm migrate npx prisma migrate status|deploy`.
async fn run(listen: &str, words: &[&str]) -> Result<Done, SandboxError> {
    let ["migrate", "npx", "prisma", "migrate", what] = words else {
        return Ok(unknown_words(words));
    };
    let available = match migrations_in(Path::new("prisma/migrations")) {
        Ok(found) => found,
        Err(unreadable) => return Ok(Done::failed(format!("{unreadable}\n"))),
    };
    let applied = state(listen).await?.migrations;
    let pending: Vec<&String> = available.iter().filter(|m| !applied.contains(m)).collect();
    let mut said = format!(
        "{} migrations found in prisma/migrations\n",
        available.len()
    );
    match *what {
        "status" if pending.is_empty() => said.push_str("Database schema is up to date!\n"),
        "status" => {
            said.push_str("Following migrations have not yet been applied:\n");
            for name in &pending {
                said.push_str(&format!("{name}\n"));
            }
        }
        "deploy" if pending.is_empty() => said.push_str("No pending migrations to apply.\n"),
        "deploy" => {
            for name in &pending {
                let body = serde_json::json!({"migration": name}).to_string();
                let (status, text) =
                    request(listen, "POST", "/_sandbox/migrate", Some(&body)).await?;
                if status != 200 {
                    said.push_str(&format!("Error: migration `{name}` failed: {text}\n"));
                    return Ok(Done::failed(said));
                }
                said.push_str(&format!("Applying migration `{name}`\n"));
            }
            said.push_str("All migrations have been successfully applied.\n");
        }
        _ => return Ok(unknown_words(words)),
    }
    Ok(Done::ok(said))
}

/// The migrations folder could not be listed; said as prisma says it.
#[derive(Debug, thiserror::Error)]
#[error("Error: cannot read {} in {}: {source}", folder.display(), cwd.display())]
pub(crate) struct MigrationsUnreadable {
    folder: std::path::PathBuf,
    cwd: std::path::PathBuf,
    #[source]
    source: std::io::Error,
}

/// The folders of `prisma/migrations` that hold a `migration.sql`, in order.
pub(crate) fn migrations_in(folder: &Path) -> Result<Vec<String>, MigrationsUnreadable> {
    let entries = std::fs::read_dir(folder).map_err(|source| MigrationsUnreadable {
        folder: folder.to_path_buf(),
        cwd: std::env::current_dir().unwrap_or_default(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().join("migration.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// `exec SERVICE COMMAND…`: pg_dump, pg_restore, nginx.
async fn exec(listen: &str, words: &[&str], stdin: &mut dyn Read) -> Result<Done, SandboxError> {
    let Some((service, command)) = words.split_first() else {
        return Ok(unknown_words(words));
    };
    let line = command.join(" ");
    match *service {
        "postgres" if line.contains("pg_dump") => {
            let database = state(listen).await?.database();
            let dump = serde_json::to_string(&database).expect("a database serializes");
            Ok(Done::ok(format!("{DUMP_HEADER}\n{dump}\n")))
        }
        "postgres" if line.contains("pg_restore") => {
            let mut text = String::new();
            let _ = stdin.read_to_string(&mut text);
            let Some(database) = read_dump(&text) else {
                return Ok(Done::failed(
                    "pg_restore: error: input file does not appear to be a valid archive\n",
                ));
            };
            if line.contains("--list") {
                return Ok(Done::ok(format!(
                    ";\n; Archive created by the cutover sandbox\n;\n1; 0 0 TABLE DATA public _prisma_migrations nexus\n2; 0 0 TABLE DATA public assessments nexus\n; {} migrations, {} assessments\n",
                    database.migrations.len(),
                    database.assessments.len()
                )));
            }
            let body = serde_json::to_string(&database).expect("a database serializes");
            let (status, text) = request(listen, "POST", "/_sandbox/restore", Some(&body)).await?;
            Ok(if status == 200 {
                Done::ok("")
            } else {
                Done::failed(format!("pg_restore: error: {text}\n"))
            })
        }
        "nginx" if line.contains("-t") && !line.contains("-s") => Ok(Done::ok(
            "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n",
        )),
        "nginx" if line.contains("-s reload") => {
            let Some(flag) = std::env::var_os("CUTOVER_MAINTENANCE_FLAG") else {
                return Ok(Done::failed(
                    "nginx: the maintenance flag is unknown: the runbook's `maintenance_flag` variable is not set\n",
                ));
            };
            let on = Path::new(&flag).exists();
            let body = serde_json::json!({"on": on}).to_string();
            let (status, text) =
                request(listen, "POST", "/_sandbox/maintenance", Some(&body)).await?;
            Ok(if status == 200 {
                Done::ok("")
            } else {
                Done::failed(format!("nginx: {text}\n"))
            })
        }
        _ => Ok(unknown_words(words)),
    }
}

fn read_dump(text: &str) -> Option<Database> {
    let rest = text.strip_prefix(DUMP_HEADER)?;
    serde_json::from_str(rest.trim()).ok()
}

fn unknown(args: &[String]) -> Done {
    Done::failed(format!(
        "the sandbox's docker stand-in does not do `docker {}`: put a stand-in of your own first in the target's `tools` (docs/sandbox.md)\n",
        args.join(" ")
    ))
}

fn unknown_words(words: &[&str]) -> Done {
    let args: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    unknown(&args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_options_before_the_subcommand_are_dropped() {
        let args: Vec<String> = [
            "compose",
            "-f",
            "docker-compose.prod.yml",
            "exec",
            "-T",
            "nginx",
            "nginx",
            "-t",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(compose_words(&args), ["exec", "-T", "nginx", "nginx", "-t"]);
        assert_eq!(
            without_flags(&["-T", "nginx", "nginx", "-t"]),
            ["nginx", "nginx", "-t"]
        );
    }

    #[test]
    fn a_dump_reads_back_and_anything_else_is_not_an_archive() {
        let database = State::default().database();
        let dump = format!(
            "{DUMP_HEADER}\n{}\n",
            serde_json::to_string(&database).unwrap()
        );
        assert_eq!(read_dump(&dump), Some(database));
        assert_eq!(read_dump("PGDMP garbage"), None);
    }
}
