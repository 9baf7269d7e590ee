//! Rendering a step's process fields against the run's variables: what runs (`text`) and what
//! is shown and journaled (`display`, secrets masked).

use std::path::PathBuf;

use crate::engine::process::{ProcessRequest, ProgramLine};
use crate::runbook::kinds::command::{ProcessSpec, Program};
use crate::runbook::template::{Quoting, RenderError, Scope};

pub(crate) struct ResolvedProcess {
    pub request: ProcessRequest,
    pub display: String,
}

pub(crate) fn resolve_process(
    spec: &ProcessSpec,
    scope: &Scope,
    settings: &crate::engine::context::RunSettings,
    timeout: Option<std::time::Duration>,
) -> Result<ResolvedProcess, RenderError> {
    let grace = settings.grace;
    let (program, display) = render_program(spec, scope)?;
    let cwd = match &spec.cwd {
        Some(cwd) => Some(PathBuf::from(cwd.render(scope, Quoting::Verbatim)?.text)),
        None => None,
    };
    // A secret only for a process that names it (`runbook/kinds/command.rs`).
    let named = |variable: &str| spec.names(variable);
    let mut env: Vec<(String, String)> = scope
        .exported_env_for(&named)
        .map(|(name, value)| (name, value.to_string()))
        .collect();
    // A drill target's stand-ins come first: `docker` is then the sandbox's (`tools`).
    if !settings.path_prefix.is_empty() {
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            settings
                .path_prefix
                .iter()
                .cloned()
                .chain(std::env::split_paths(&inherited)),
        )
        .map(|joined| joined.to_string_lossy().into_owned())
        .unwrap_or_else(|_| inherited.to_string_lossy().into_owned());
        env.push(("PATH".into(), path));
    }
    for (name, value) in &spec.env {
        env.push((
            name.value.clone(),
            value.render(scope, Quoting::Verbatim)?.text,
        ));
    }
    Ok(ResolvedProcess {
        request: ProcessRequest {
            program,
            cwd,
            env,
            hidden_env: settings
                .secret_sources
                .iter()
                .filter(|(variable, source)| !spec.names(variable) && !spec.mentions(source))
                .map(|(_, source)| source.clone())
                .collect(),
            timeout,
            grace,
            remote_host: None,
        },
        display,
    })
}

/// What a step's process shows before it runs and in its journaled start: the command line,
/// secrets masked. Only the program is rendered; its environment is the executor's business.
pub(crate) fn shown_process(spec: &ProcessSpec, scope: &Scope) -> Result<String, RenderError> {
    render_program(spec, scope).map(|(_, display)| display)
}

/// The program line to run and its display.
fn render_program(spec: &ProcessSpec, scope: &Scope) -> Result<(ProgramLine, String), RenderError> {
    Ok(match &spec.program {
        Program::Shell(run) => {
            let rendered = run.render(scope, Quoting::Shell)?;
            (ProgramLine::Shell(rendered.text), rendered.display)
        }
        Program::Argv(argv) => {
            let mut texts = Vec::new();
            let mut shown = Vec::new();
            for item in argv {
                // `"{{ nodes }}"` as a whole item: a list becomes one argument per item.
                if let Some(items) = item
                    .sole_placeholder()
                    .and_then(|name| scope.get(name))
                    .filter(|value| !value.secret)
                    .and_then(|value| value.items.as_ref())
                {
                    for each in items {
                        shown.push(
                            shlex::try_quote(each)
                                .map_or_else(|_| each.clone(), |q| q.into_owned()),
                        );
                        texts.push(each.clone());
                    }
                    continue;
                }
                let rendered = item.render(scope, Quoting::Verbatim)?;
                if rendered.text != rendered.display {
                    // A secret inside argv would show in `ps`, exactly like one inside `run`.
                    let name = item.references().next().map_or("?", |(n, _)| n).to_string();
                    return Err(RenderError::SecretInShell(name));
                }
                shown.push(
                    shlex::try_quote(&rendered.display)
                        .map_or_else(|_| rendered.display.clone(), |q| q.into_owned()),
                );
                texts.push(rendered.text);
            }
            (ProgramLine::Argv(texts), shown.join(" "))
        }
    })
}
