//! Where things are for a run of a target, known only when it starts: a target's values may
//! name the runbook's folder, the run's folder, its id or cutover itself (`{{ run.dir }}/backups`,
//! `{{ runbook.dir }}/stand-ins/nexus`), and ports of the run's own (`{{ free_port.app }}`: a
//! loopback port found free now, so that two rehearsals of one runbook never share a sandbox),
//! filled in here and journaled as filled in (the header's variables), so a resume uses the
//! same places; and a drill target's `tools`, folders of stand-ins for the host's tools, found
//! from the runbook's folder and put first on PATH.

use crate::runbook::template::Secrecy;
use std::path::{Path, PathBuf};

use super::error::LaunchError;
use crate::runbook::model::Runbook;
use crate::runbook::targets::FREE_PORT;
use crate::runbook::template::{Quoting, Scope, Template};

/// Fills in the target's values that name a place, unless `--var` or the environment gave
/// another value. `scope` has the run's built-ins already.
pub(crate) fn fill_target_values(
    runbook: &Runbook,
    runbook_file: &Path,
    scope: &mut Scope,
) -> Result<(), LaunchError> {
    let Some(target) = runbook
        .target
        .as_ref()
        .and_then(|name| runbook.targets.iter().find(|t| &t.name.value == name))
    else {
        return Ok(());
    };
    let mut places = scope.clone();
    places.set(
        "runbook.dir",
        folder_of(runbook_file).display().to_string(),
        Secrecy::Plain,
    );
    let ports = free_ports(&target.vars).map_err(|source| LaunchError::FreePort { source })?;
    for (name, port) in ports {
        places.set(
            &format!("{FREE_PORT}{name}"),
            port.to_string(),
            Secrecy::Plain,
        );
    }
    for (name, written) in &target.vars {
        let Some(value) = scope.get(name) else {
            continue;
        };
        if !written.contains("{{") || value.text != *written {
            continue;
        }
        let problem = |problem: String| LaunchError::TargetValue {
            target: target.name.value.clone(),
            name: name.clone(),
            problem,
        };
        let filled = Template::parse(written, 0..0, None)
            .map_err(|err| problem(err.message))?
            .render(&places, Quoting::Verbatim)
            .map_err(|err| problem(err.to_string()))?
            .text;
        if let Some(pattern) = runbook.var(name).and_then(|var| var.pattern.as_ref())
            && !pattern.value.is_match(&filled)
        {
            return Err(problem(format!(
                "`{filled}` does not match `{}`",
                pattern.value.as_str()
            )));
        }
        let secret = value.secret;
        scope.set(name, filled, Secrecy::declared(secret));
    }
    Ok(())
}

/// A loopback port for each `free_port.NAME` the target's values name, each found free by
/// binding it (the kernel picks it); all are held until every one is chosen, so no two names
/// get the same port.
fn free_ports(values: &[(String, String)]) -> std::io::Result<Vec<(String, u16)>> {
    let mut names: Vec<String> = Vec::new();
    for (_, written) in values {
        let Ok(template) = Template::parse(written, 0..0, None) else {
            continue;
        };
        for (used, _) in template.references() {
            if let Some(name) = used.strip_prefix(FREE_PORT)
                && !names.iter().any(|seen| seen == name)
            {
                names.push(name.to_string());
            }
        }
    }
    let held: Vec<std::net::TcpListener> = names
        .iter()
        .map(|_| std::net::TcpListener::bind(("127.0.0.1", 0)))
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .zip(&held)
        .map(|(name, listener)| Ok((name, listener.local_addr()?.port())))
        .collect()
}

/// The target's folders of stand-ins, absolute; each must exist.
pub(crate) fn tool_folders(
    runbook: &Runbook,
    runbook_file: &Path,
) -> Result<Vec<PathBuf>, LaunchError> {
    let base = folder_of(runbook_file);
    runbook
        .tools
        .iter()
        .map(|written| {
            let path = base.join(written);
            std::fs::canonicalize(&path)
                .ok()
                .filter(|found| found.is_dir())
                .ok_or(LaunchError::ToolsFolder { path })
        })
        .collect()
}

/// The runbook file's folder, absolute.
fn folder_of(runbook_file: &Path) -> PathBuf {
    let folder = runbook_file.parent().unwrap_or(Path::new("."));
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf())
}
