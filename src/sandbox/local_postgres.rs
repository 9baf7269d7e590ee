//! The `local` stack's PostgreSQL: a private cluster of Debian's server binaries, its socket in
//! a folder of its own, no TCP, trust authentication for the local user `postgres`. PostgreSQL
//! refuses to run as root, and a run folder is 0700: as root the cluster lives in a folder of
//! the `postgres` user under the system's temporary folder (`stack.json` in the run folder says
//! where), and every server program runs as that user (switched to in the child before it
//! runs, so that the server still dies with the stack if the stack is killed).

use super::stack_error::StackError;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// How a client reaches the cluster: what the docker stand-in reads from `stack.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Cluster {
    /// Debian's server binaries (`/usr/lib/postgresql/N/bin`): psql, pg_dump, pg_restore…
    pub bin_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    pub data: PathBuf,
    pub database: String,
    /// The server runs as `postgres` (cutover runs as root).
    pub as_postgres: bool,
}

impl Cluster {
    /// libpq's connection variables, and the server's binaries first on PATH.
    pub(crate) fn client_env(&self) -> Vec<(String, String)> {
        vec![
            (
                "PATH".into(),
                format!(
                    "{}:{}",
                    self.bin_dir.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            ),
            ("PGHOST".into(), self.socket_dir.display().to_string()),
            ("PGPORT".into(), self.port.to_string()),
            ("PGUSER".into(), "postgres".into()),
            ("PGDATABASE".into(), self.database.clone()),
        ]
    }

    /// A client program of the server's, with the cluster's connection variables.
    pub(crate) fn client(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.envs(self.client_env());
        command
    }

    /// Runs SQL; its unaligned, tuples-only output, or what psql said.
    pub(crate) fn psql(&self, sql: &str) -> Result<String, StackError> {
        let output = self
            .client("psql")
            .args(["-v", "ON_ERROR_STOP=1", "-tA", "-c", sql])
            .output()
            .map_err(|source| StackError::Spawn {
                program: "psql",
                source,
            })?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(StackError::refused("psql", &output.stderr))
        }
    }
}

/// The newest installed server's binaries, e.g. `/usr/lib/postgresql/15/bin`.
pub fn server_bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// As root, the cluster's folder: made by `mkdtemp` with a random name (nothing in it that
/// another user could guess from a process list, so nothing they could plant a link at),
/// created exclusively and 0700, then given to `postgres` through its own descriptor — opened
/// without following a link — never through a path that could be swapped meanwhile.
fn private_folder_for_postgres() -> Result<PathBuf, StackError> {
    use std::os::unix::fs::OpenOptionsExt;
    let (uid, gid) = postgres_ids().ok_or(StackError::Missing(
        "there is no `postgres` user to run the server as",
    ))?;
    let home = tempfile::Builder::new()
        .prefix("cutover-stack-")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()
        .map_err(StackError::file(
            "make a private folder for PostgreSQL in",
            std::env::temp_dir(),
        ))?
        .keep();
    let folder = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY)
        .open(&home)
        .map_err(StackError::file("open", &home))?;
    std::os::unix::fs::fchown(&folder, Some(uid), Some(gid))
        .map_err(StackError::file("give to postgres", &home))?;
    Ok(home)
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Initialises a cluster for run `run_id` (under `dir`, or as root in a folder of the
/// `postgres` user), starts its server as a child of this process, and creates `database`.
pub(crate) fn start(dir: &Path, port: u16, database: &str) -> Result<(Cluster, Child), StackError> {
    let bin_dir = server_bin_dir().ok_or(StackError::Missing(
        "no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)",
    ))?;
    let as_postgres = is_root();
    let home = if as_postgres {
        private_folder_for_postgres()?
    } else {
        dir.join("postgres")
    };
    let cluster = Cluster {
        socket_dir: home.join("socket"),
        data: home.join("data"),
        bin_dir,
        port,
        database: database.into(),
        as_postgres,
    };
    server_program(&cluster, "initdb")
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&cluster.data)
        .stdout(Stdio::null())
        .status()
        .map_err(|source| StackError::Spawn {
            program: "initdb",
            source,
        })?
        .success()
        .then_some(())
        .ok_or_else(|| StackError::Refused {
            program: "initdb",
            said: "initdb failed".into(),
        })?;
    std::fs::create_dir_all(&cluster.socket_dir)
        .map_err(StackError::file("create", &cluster.socket_dir))?;
    if as_postgres {
        let _ = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&cluster.socket_dir)
            .status();
    }
    let mut server = server_program(&cluster, "postgres");
    server
        .arg("-D")
        .arg(&cluster.data)
        .arg("-k")
        .arg(&cluster.socket_dir)
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "listen_addresses=",
            "-c",
            "fsync=off",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own group: the run stops the stack, which stops its server after a last dump.
        .process_group(0);
    let child = server.spawn().map_err(|source| StackError::Spawn {
        program: "postgres",
        source,
    })?;
    let ready_by = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = cluster
            .client("pg_isready")
            .arg("-q")
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            break;
        }
        if Instant::now() > ready_by {
            return Err(StackError::NotReady);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster.psql_admin(&format!("CREATE DATABASE {database}"))?;
    Ok((cluster, child))
}

impl Cluster {
    /// SQL in the `postgres` database (before the application's exists).
    fn psql_admin(&self, sql: &str) -> Result<(), StackError> {
        let output = self
            .client("psql")
            .env("PGDATABASE", "postgres")
            .args(["-v", "ON_ERROR_STOP=1", "-qc", sql])
            .output()
            .map_err(|source| StackError::Spawn {
                program: "psql",
                source,
            })?;
        output
            .status
            .success()
            .then_some(())
            .ok_or_else(|| StackError::refused("psql", &output.stderr))
    }
}

/// A server program, as the `postgres` user when this process is root; it dies with the
/// stack (the death signal is set after the change of user, which would clear it).
fn server_program(cluster: &Cluster, program: &str) -> Command {
    let mut command = Command::new(cluster.bin_dir.join(program));
    let ids = cluster.as_postgres.then(postgres_ids).flatten();
    command.current_dir("/");
    // SAFETY: the closure runs in the child between fork and exec and calls only
    // async-signal-safe functions (setgroups, setgid, setuid, prctl).
    unsafe {
        command.pre_exec(move || {
            if let Some((uid, gid)) = ids
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command
}

/// The `postgres` user's uid and gid.
fn postgres_ids() -> Option<(libc::uid_t, libc::gid_t)> {
    let name = std::ffi::CString::new("postgres").ok()?;
    // SAFETY: getpwnam takes a NUL-terminated name; its result is read at once, before any
    // other call could reuse its static buffer.
    unsafe {
        let entry = libc::getpwnam(name.as_ptr());
        (!entry.is_null()).then(|| ((*entry).pw_uid, (*entry).pw_gid))
    }
}
