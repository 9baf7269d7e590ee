//! A private PostgreSQL server for one test: its own data folder and unix socket in a temporary
//! folder, trust authentication, no TCP. Started with Debian's server binaries (`.ci/run`
//! installs the `postgresql` package); as root, the server runs as the `postgres` user, as
//! PostgreSQL requires. Stopped when dropped.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

pub(crate) struct Postgres {
    pub bin_dir: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    data: PathBuf,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

impl Postgres {
    /// Starts a server, or returns why it cannot (no server binaries on this machine).
    pub(crate) fn start() -> Result<Self, String> {
        let bin_dir = cutover::server_bin_dir()
            .ok_or("no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)")?;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let socket_dir = dir.path().join("socket");
        std::fs::create_dir(&socket_dir).unwrap();
        let as_postgres = is_root();
        if as_postgres {
            // PostgreSQL refuses to run as root: hand the folder to its own user.
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown to postgres");
        }
        let port = super::sandbox::free_port();
        let server = Self {
            bin_dir,
            socket_dir,
            port,
            data,
            as_postgres,
            _dir: dir,
        };
        server.server_command(
            "initdb",
            &[
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--no-sync",
                "-D",
                &server.data.display().to_string(),
            ],
        )?;
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories={} -p {} -c fsync=off",
            server.socket_dir.display(),
            port
        );
        server.server_command(
            "pg_ctl",
            &[
                "-D",
                &server.data.display().to_string(),
                "-o",
                &options,
                "-l",
                &server.data.join("server.log").display().to_string(),
                "-w",
                "start",
            ],
        )?;
        Ok(server)
    }

    fn server_command(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let binary = self.bin_dir.join(program);
        let output = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&binary)
                .args(args)
                .current_dir("/")
                .output()
        } else {
            Command::new(&binary).args(args).output()
        }
        .map_err(|err| format!("{}: {err}", binary.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} failed: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// The environment a client needs: the server's binaries first on PATH, and libpq's
    /// connection variables.
    pub(crate) fn client_env(&self, database: &str) -> Vec<(String, String)> {
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
            ("PGDATABASE".into(), database.into()),
        ]
    }

    /// Runs SQL with psql; returns its unaligned, tuples-only output.
    pub(crate) fn psql(&self, database: &str, sql: &str) -> String {
        let output = Command::new(self.bin_dir.join("psql"))
            .envs(self.client_env(database))
            .args(["-v", "ON_ERROR_STOP=1", "-tA", "-c", sql])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let _ = self.server_command("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
    }
}
