//! `cutover sandbox --listen APP local …`: the stack of real parts a release rehearses against
//! on one machine (a drill target's `local`): a private PostgreSQL cluster with the schema and
//! rows production had before the release, nginx in front with its maintenance flag file, and
//! the sandbox as the Nexus application behind it. It runs as one service of the run: when the
//! run stops it (however the run ends), it writes the database as the run left it
//! (`final.sql`), then stops nginx and the server; its children die with it if it is killed.
//! `stack.json` in its folder tells the docker stand-in where everything is.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::error::SandboxError;
use super::local_postgres::Cluster;
use super::stack_error::StackError;

/// What the docker stand-in reads to reach the stack's parts.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StackFile {
    pub cluster: Cluster,
    pub nginx: PathBuf,
    pub nginx_config: PathBuf,
}

/// The stack's file in its folder.
pub(crate) fn stack_file(dir: &Path) -> PathBuf {
    dir.join("stack.json")
}

/// What the stack is made of, from the command line.
pub(crate) struct StackPlan<'a> {
    pub app: &'a str,
    pub dir: &'a Path,
    pub front: &'a str,
    pub flag: &'a Path,
    /// Migrations production had before the release, applied in order from `migrations`.
    pub migrations: &'a Path,
    pub applied: &'a [String],
    /// SQL run after them: the rows production holds.
    pub seed: Option<&'a Path>,
}

/// The child dies when this process does, by SIGKILL if nothing else stops it first.
pub(crate) fn die_with_parent(command: &mut Command) {
    // SAFETY: the closure runs in the child between fork and exec and calls only prctl.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Starts the stack, serves the application until the run stops it, then stops the rest.
pub(crate) async fn run_stack(plan: &StackPlan<'_>) -> Result<(), SandboxError> {
    std::fs::create_dir_all(plan.dir).map_err(StackError::file("create", plan.dir))?;
    let (cluster, server) = super::local_postgres::start(plan.dir, 5432, "nexus")?;
    let mut parts = Parts {
        cluster,
        server: Some(server),
        nginx: None,
        dir: plan.dir.to_path_buf(),
    };
    for name in plan.applied {
        super::local_migrations::apply(&parts.cluster, plan.migrations, name)?;
    }
    if let Some(seed) = plan.seed {
        let sql = std::fs::read_to_string(seed).map_err(StackError::file("read", seed))?;
        parts.cluster.psql(&sql)?;
    }
    let nginx = super::local_nginx::nginx_binary().ok_or(StackError::Missing(
        "no nginx (apt-get install nginx-light)",
    ))?;
    let nginx_dir = plan.dir.join("nginx");
    let config = super::local_nginx::write_config(&nginx_dir, plan.front, plan.app, plan.flag)
        .map_err(StackError::file("write the configuration in", &nginx_dir))?;
    parts.nginx = Some(super::local_nginx::start(&nginx, &config)?);
    let file = StackFile {
        cluster: parts.cluster.clone(),
        nginx,
        nginx_config: config,
    };
    let path = stack_file(plan.dir);
    std::fs::write(
        &path,
        serde_json::to_vec_pretty(&file).expect("a stack file serializes"),
    )
    .map_err(StackError::file("write", &path))?;
    let state = plan.dir.join("app");
    let served = tokio::select! {
        served = super::server::serve(plan.app, state.clone(), 0) => served.map_err(|source| SandboxError::Serve {
            listen: plan.app.to_string(),
            state,
            source,
        }),
        _ = tokio::signal::ctrl_c() => Ok(()),
        _ = terminated() => Ok(()),
    };
    parts.stop();
    served
}

/// The stack's children, stopped in order: nginx, then the database after its last dump.
struct Parts {
    cluster: Cluster,
    server: Option<Child>,
    nginx: Option<Child>,
    dir: PathBuf,
}

impl Parts {
    fn stop(&mut self) {
        // The database as the run left it, for whoever compares it with the backup.
        if let Ok(dump) = self
            .cluster
            .client("pg_dump")
            .args(["--no-owner", "--format=plain"])
            .output()
            && dump.status.success()
        {
            let _ = std::fs::write(self.dir.join("final.sql"), dump.stdout);
        }
        if let Some(nginx) = self.nginx.take() {
            stop_child(nginx, libc::SIGQUIT);
        }
        if let Some(server) = self.server.take() {
            // Fast shutdown: clients are disconnected, the cluster is left consistent.
            stop_child(server, libc::SIGINT);
        }
        if self.cluster.as_postgres {
            let _ =
                std::fs::remove_dir_all(self.cluster.data.parent().unwrap_or(&self.cluster.data));
        }
    }
}

impl Drop for Parts {
    fn drop(&mut self) {
        if self.server.is_some() || self.nginx.is_some() {
            self.stop();
        }
    }
}

/// Asks `child` to stop with `signal`, and kills it if it has not within 3 s.
fn stop_child(mut child: Child, signal: libc::c_int) {
    // SAFETY: kill has no memory preconditions; the pid is our own child's.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
    let give_up = Instant::now() + Duration::from_secs(3);
    while Instant::now() < give_up {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

async fn terminated() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}
