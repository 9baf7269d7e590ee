//! The ssh command line that runs a step's command on a host, with cutover doing the quoting:
//! the command text in the runbook is what `/bin/sh` runs on the host.
//!
//! ssh joins its arguments with spaces and hands the result to the remote user's login shell,
//! so a command passed as it is gets parsed twice, and any value with a space or a quote comes
//! out changed — the "three levels of quoting" a hand-written `ssh host "…"` step needs. Here
//! the whole script is one single-quoted word for the login shell, which passes it unchanged
//! to `sh -c`: a word in single quotes means exactly its bytes in every POSIX shell.

use std::path::Path;

use crate::engine::process::{ProcessRequest, ProgramLine};
use crate::runbook::kinds::command::ProcessSpec;
use crate::runbook::template::{Quoting, RenderError, Scope};

/// How the run calls OpenSSH.
pub(crate) struct SshInvocation<'a> {
    pub ssh_command: &'a [String],
    /// The host's shared connection, when there is one.
    pub socket: Option<&'a Path>,
}

/// `local` (the step's process, rendered for this host) as the ssh process that runs it on
/// `host`: in the step's `cwd` there, with the step's `env` exported there.
pub(crate) fn over_ssh(
    spec: &ProcessSpec,
    scope: &Scope,
    local: &ProcessRequest,
    ssh: &SshInvocation<'_>,
    host: &str,
) -> Result<ProcessRequest, RenderError> {
    let mut script = String::new();
    if let Some(cwd) = &local.cwd {
        script.push_str(&format!(
            "cd {} || exit 1; ",
            sh_quote(&cwd.to_string_lossy())
        ));
    }
    for (name, value) in &spec.env {
        let rendered = value.render(scope, Quoting::Verbatim)?;
        if rendered.text != rendered.display {
            // On the host, a value travels on ssh's command line, which `ps` shows on both ends.
            let secret = value
                .references()
                .next()
                .map_or("?", |(n, _)| n)
                .to_string();
            return Err(RenderError::SecretInShell(secret));
        }
        script.push_str(&format!(
            "export {}={}; ",
            name.value,
            sh_quote(&rendered.text)
        ));
    }
    match &local.program {
        ProgramLine::Shell(line) => script.push_str(line),
        ProgramLine::Argv(argv) => {
            script.push_str("exec");
            for arg in argv {
                script.push(' ');
                script.push_str(&sh_quote(arg));
            }
        }
    }
    let mut argv = ssh.ssh_command.to_vec();
    argv.extend(["-o", "BatchMode=yes"].map(String::from));
    if let Some(socket) = ssh.socket {
        argv.extend(["-o", "ControlMaster=auto", "-o"].map(String::from));
        argv.push(format!("ControlPersist={}", super::connections::PERSIST));
        argv.push("-o".into());
        argv.push(format!("ControlPath={}", socket.display()));
    }
    argv.extend(["--".to_string(), host.to_string()]);
    argv.push(format!("/bin/sh -c {}", sh_quote(&script)));
    Ok(ProcessRequest {
        program: ProgramLine::Argv(argv),
        // The local side is only ssh: it needs no folder and none of the run's exports.
        cwd: None,
        env: Vec::new(),
        // ssh itself needs none of the run's secrets (it may be told to send variables on).
        hidden_env: local.hidden_env.clone(),
        timeout: local.timeout,
        grace: local.grace,
        remote_host: Some(host.to_string()),
    })
}

/// One word for a POSIX shell, meaning exactly `text`.
pub(crate) fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_word_means_its_bytes_to_sh() {
        for text in [
            "plain",
            "two words",
            "it's",
            "$(id) `id` $HOME",
            "a\nb",
            "'\"\\",
            "",
        ] {
            let out = std::process::Command::new("/bin/sh")
                .arg("-c")
                .arg(format!("printf %s {}", sh_quote(text)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), text);
        }
    }

    #[test]
    fn the_script_survives_the_login_shell_and_sh_c_unchanged() {
        // What the host does with the last argument: its login shell parses it, then sh -c.
        let script = r#"printf '%s|' "a b" 'c'"'"'d' $((1+1)); echo"#;
        let remote = format!("/bin/sh -c {}", sh_quote(script));
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(&remote)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "a b|c'd|2|\n");
    }
}
