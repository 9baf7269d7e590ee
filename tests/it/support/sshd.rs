//! A private OpenSSH server for one test: its own host key, client key and config in a
//! temporary folder, listening on a loopback port, with a client config that gives it several
//! host aliases (`node-1` … `node-N`, all the same server) and one alias that never answers.
//! Debian's `openssh-server` provides `sshd` (`.ci/run` installs it). Stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Sshd {
    pub config: PathBuf,
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

const SSHD: &str = "/usr/sbin/sshd";

fn user() -> String {
    nix::unistd::User::from_uid(nix::unistd::getuid())
        .ok()
        .flatten()
        .map(|user| user.name)
        .expect("the current user has a name")
}

fn keygen(path: &Path) -> Result<(), String> {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .map_err(|err| format!("ssh-keygen: {err}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| "ssh-keygen failed".to_string())
}

impl Sshd {
    /// Starts a server with `aliases` host names for it; or returns why it cannot (no sshd).
    pub(crate) fn start(aliases: usize) -> Result<Self, String> {
        if !Path::new(SSHD).exists() {
            return Err(format!("no {SSHD} (apt-get install openssh-server)"));
        }
        // sshd run by root wants its privilege separation folder.
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let dir = tempfile::tempdir().unwrap();
        let host_key = dir.path().join("host_key");
        let client_key = dir.path().join("client_key");
        keygen(&host_key)?;
        keygen(&client_key)?;
        std::fs::copy(
            client_key.with_extension("pub"),
            dir.path().join("authorized_keys"),
        )
        .unwrap();
        let port = super::sandbox::free_port();
        let server_config = dir.path().join("sshd_config");
        std::fs::write(
            &server_config,
            format!(
                "ListenAddress 127.0.0.1:{port}\nHostKey {}\nAuthorizedKeysFile {}\n\
                 PidFile {}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
                 MaxStartups 200\nMaxSessions 100\nLogLevel INFO\n",
                host_key.display(),
                dir.path().join("authorized_keys").display(),
                dir.path().join("sshd.pid").display(),
            ),
        )
        .unwrap();
        let host_public = std::fs::read_to_string(host_key.with_extension("pub")).unwrap();
        let key_type_and_key: Vec<&str> = host_public.split_whitespace().take(2).collect();
        std::fs::write(
            dir.path().join("known_hosts"),
            format!("[127.0.0.1]:{port} {}\n", key_type_and_key.join(" ")),
        )
        .unwrap();
        let names: Vec<String> = (1..=aliases).map(|n| format!("node-{n}")).collect();
        let closed = super::sandbox::free_port();
        let config = dir.path().join("ssh_config");
        std::fs::write(
            &config,
            format!(
                "Host {}\n  HostName 127.0.0.1\n  Port {port}\n\n\
                 Host unreachable-1\n  HostName 127.0.0.1\n  Port {closed}\n\n\
                 Host *\n  User {}\n  IdentityFile {}\n  IdentitiesOnly yes\n  \
                 UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n  BatchMode yes\n  \
                 ConnectTimeout 5\n  LogLevel ERROR\n",
                names.join(" "),
                user(),
                client_key.display(),
                dir.path().join("known_hosts").display(),
            ),
        )
        .unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&server_config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("sshd.log")).unwrap(),
            ))
            .spawn()
            .map_err(|err| format!("{SSHD}: {err}"))?;
        let server = Self {
            config,
            port,
            child,
            dir,
        };
        server.wait_until_it_answers()?;
        Ok(server)
    }

    fn wait_until_it_answers(&self) -> Result<(), String> {
        super::poll(Duration::from_secs(10), Duration::from_millis(50), || {
            let output = Command::new("ssh")
                .arg("-F")
                .arg(&self.config)
                .args(["node-1", "true"])
                .stdin(Stdio::null())
                .output()
                .map_err(|err| format!("ssh: {err}"))?;
            if output.status.success() {
                return Ok(());
            }
            Err(format!(
                "sshd did not answer: {}{}",
                String::from_utf8_lossy(&output.stderr),
                std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
            ))
        })
    }

    /// `["ssh", "-F", "<its client config>"]` as a TOML array, for `ssh_command`.
    pub(crate) fn ssh_command_toml(&self) -> String {
        format!("[\"ssh\", \"-F\", \"{}\"]", self.config.display())
    }

    /// How many times a client logged in so far (one per connection; a shared connection's
    /// sessions do not log in again).
    pub(crate) fn logins(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("sshd.log"))
            .unwrap_or_default()
            .matches("Accepted publickey")
            .count()
    }

    /// Its client config's path: in the command line of every ssh that uses it (and not in
    /// the server's).
    pub(crate) fn marker(&self) -> String {
        self.config.display().to_string()
    }

    /// Puts an `ssh` in `bin` that calls the real one with this server's client config: with
    /// `bin` first on PATH, a runbook's plain `ssh` reaches this server's aliases.
    pub(crate) fn ssh_in(&self, bin: &Path) {
        super::executable(
            &bin.join("ssh"),
            &format!(
                "#!/bin/sh\nexec /usr/bin/ssh -F {} \"$@\"\n",
                self.config.display()
            ),
        );
    }

    /// A folder the test may use for marker files the remote commands write.
    pub(crate) fn scratch(&self) -> PathBuf {
        let scratch = self.dir.path().join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();
        scratch
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server, or `None` (and a word on stderr) when this machine has none and CI did not ask.
pub(crate) fn sshd_or_skip(aliases: usize) -> Option<Sshd> {
    match Sshd::start(aliases) {
        Ok(server) => Some(server),
        Err(why) if std::env::var_os("CUTOVER_REQUIRE_SSHD").is_none() => {
            eprintln!("skipped: {why}");
            None
        }
        Err(why) => panic!("CUTOVER_REQUIRE_SSHD is set and sshd cannot start: {why}"),
    }
}
