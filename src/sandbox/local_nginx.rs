//! The `local` stack's nginx: Debian's, as the reverse proxy in front of the application, with
//! the maintenance page the release turns on with its flag file — while the file exists every
//! request is answered 503, as the production configuration does. Its configuration, pid file,
//! logs and temporary folders are the stack's own; it runs in the foreground as a child.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::stack_error::StackError;

/// `nginx` as Debian installs it.
pub fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

/// Writes the configuration into `dir`: `front` proxied to `app`, 503 while `flag` exists.
pub(crate) fn write_config(
    dir: &Path,
    front: &str,
    app: &str,
    flag: &Path,
) -> std::io::Result<PathBuf> {
    for temp in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        std::fs::create_dir_all(dir.join("tmp").join(temp))?;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = if unsafe { libc::geteuid() } == 0 {
        // Its workers read nothing of the run's folder but their own configuration; as root
        // they stay root, since the run's folder is closed to every other user.
        "user root;\n"
    } else {
        ""
    };
    let d = dir.display();
    let config = format!(
        "{user}daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
events {{ worker_connections 64; }}\n\
http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/tmp/body;\n  proxy_temp_path {d}/tmp/proxy;\n\
  fastcgi_temp_path {d}/tmp/fastcgi;\n  uwsgi_temp_path {d}/tmp/uwsgi;\n  scgi_temp_path {d}/tmp/scgi;\n\
  server {{\n    listen {front};\n    location / {{\n      if (-f {flag}) {{ return 503; }}\n\
      proxy_pass http://{app};\n      proxy_set_header Host $host;\n    }}\n  }}\n}}\n",
        flag = flag.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, config)?;
    Ok(path)
}

/// Starts nginx on `config` as a child of this process.
pub(crate) fn start(binary: &Path, config: &Path) -> Result<Child, StackError> {
    let spawn_failed = |source| StackError::Spawn {
        program: "nginx",
        source,
    };
    let tested = Command::new(binary)
        .arg("-t")
        .arg("-c")
        .arg(config)
        .output()
        .map_err(spawn_failed)?;
    if !tested.status.success() {
        return Err(StackError::Refused {
            program: "nginx",
            said: format!(
                "nginx refuses its configuration: {}",
                String::from_utf8_lossy(&tested.stderr)
            ),
        });
    }
    let mut command = Command::new(binary);
    command
        .arg("-c")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    super::local_stack::die_with_parent(&mut command);
    command.spawn().map_err(spawn_failed)
}
