//! Everything decided about a new run before the operator sees anything and before anything is
//! written: the runbook checks clean, the mode follows from the flags and the runbook, the named
//! steps exist, the operator key is chosen.

use crate::stdout::say;
use std::path::PathBuf;

use super::error::LaunchError;
use super::hosts::resolve_hosts;
use super::request::StartRequest;
use super::run_folder::default_log_dir;
use crate::journal::identity::principal;
use crate::keys::choose::choose_operator_key;
use crate::keys::operator::OperatorKey;
use crate::live::shared_socket::group_for_sharing;
use crate::protocol::mode::Mode;
use crate::runbook::load::read_and_check;
use crate::runbook::model::{Runbook, StepAction};
use crate::runbook::render::render_text;
use crate::runbook::rolling::{HostPlan, place_on_hosts};

pub struct Prepared {
    /// Its steps placed on the run's hosts (`runbook/rolling.rs`).
    pub runbook: Runbook,
    /// The run's host groups, for the header.
    pub hosts: HostPlan,
    /// The runbook's exact bytes: copied into the run folder and hashed into the header.
    pub bytes: Vec<u8>,
    /// The files it includes, likewise.
    pub included: Vec<crate::runbook::include::IncludedFile>,
    pub mode: Mode,
    pub operator: OperatorKey,
    pub principal: String,
    /// Who may run, take the controls and approve (`journal/trust_root.rs`); `None`: names
    /// are what people type, and identities are not checked.
    pub trust_root: Option<crate::keys::trust_root::TrustRoot>,
    pub log_dir: PathBuf,
    /// `--share-with`: the group and its gid.
    pub share_with: Option<(String, u32)>,
}

/// Loads and checks the runbook, decides the mode and chooses the operator key. `interactive`:
/// the operator will type the environment word on the start screen instead of on the command
/// line. A sentence about the key (the drill key stands in) is printed on stderr.
pub fn prepare(request: &StartRequest, interactive: bool) -> Result<Prepared, LaunchError> {
    let checked = read_and_check(&request.runbook)?;
    let Some(runbook) = checked.runbook else {
        for diagnostic in &checked.diagnostics {
            say!(
                "{}",
                crate::terminal_text::plain(&render_text(
                    checked.source_of(&diagnostic.span),
                    diagnostic
                ))
            );
        }
        return Err(LaunchError::InvalidRunbook {
            path: request.runbook.clone(),
        });
    };
    // A target changes values and the environment, never the steps: applied first, so that
    // the mode, the variables and the header all see it.
    let mut runbook = with_target(runbook, request.target.as_deref())?;
    runbook.notify.extend(personal_channels()?);
    let mode = decide_mode(request, &runbook, interactive)?;
    let hosts = resolve_hosts(&runbook, &request.hosts, &request.limit)?;
    let runbook = place_on_hosts(&runbook, &hosts);
    check_step_names(request, &runbook)?;
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(request.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    // `{{ run.dir }}` must name the folder from any step's own `cwd`.
    let log_dir = std::path::absolute(&log_dir).map_err(|source| LaunchError::LogDir {
        path: log_dir.clone(),
        source,
    })?;
    // A drill that reaches production needs an operator key, like a release.
    let key_mode = if runbook.shares_production {
        Mode::Production
    } else {
        mode
    };
    let (operator, notice) = choose_operator_key(request.key.as_deref(), key_mode, &env)?;
    if let Some(notice) = notice {
        say!("cutover: {}", crate::terminal_text::plain(&notice));
    }
    let trust_root = crate::keys::trust_root::choose(
        request.allowed_signers.as_deref(),
        &request.runbook,
        runbook.allowed_signers.as_ref().map(|f| f.value.as_str()),
        &env,
    )?;
    let principal = match &trust_root {
        // The operator is who the trust root says their key is: refused at once otherwise.
        Some(root) => root
            .admit(
                &operator.public,
                request.operator.as_deref(),
                crate::journal::entry::namespace_for(mode),
            )
            .map_err(|refusal| LaunchError::OperatorNotAllowed {
                principal: request
                    .operator
                    .clone()
                    .unwrap_or_else(|| operator.comment().to_string()),
                refusal: Box::new(refusal),
            })?,
        None => principal(request.operator.as_deref(), operator.comment()),
    };
    if trust_root.is_none()
        && mode == Mode::Production
        && let Some(step) = runbook
            .steps()
            .map(|(_, step)| step)
            .chain(&runbook.rollback)
            .find(|step| step.approvals > 0)
    {
        return Err(LaunchError::ApprovalsWithoutTrustRoot {
            path: request.runbook.clone(),
            step: step.id.value.clone(),
        });
    }
    if trust_root.is_none() {
        say!(
            "cutover: identities not checked: no allowed_signers file (--allowed-signers FILE, `allowed_signers` in [runbook], or ~/.config/cutover/allowed_signers), so names are what people type"
        );
    }
    let share_with = match &request.share_with {
        Some(group) => {
            let refused = |problem| LaunchError::ShareWith {
                group: group.clone(),
                problem,
            };
            crate::live::shared_socket::check_shared_folder(&log_dir).map_err(refused)?;
            Some((group.clone(), group_for_sharing(group).map_err(refused)?))
        }
        None => None,
    };
    Ok(Prepared {
        share_with,
        runbook,
        hosts,
        // The bytes that were checked are the bytes that run: the file is read once.
        bytes: checked.source.text.clone().into_bytes(),
        included: checked.included.clone(),
        mode,
        operator,
        principal,
        trust_root,
        log_dir,
    })
}

fn decide_mode(
    request: &StartRequest,
    runbook: &Runbook,
    interactive: bool,
) -> Result<Mode, LaunchError> {
    if request.drill && request.dry_run {
        return Err(LaunchError::DrillAndDryRun);
    }
    // A runbook that declares itself a drill always runs as one: it can never be journaled as
    // a production run, and it needs no operator key.
    let drill = request.drill || runbook.environment.as_deref() == Some("drill");
    if !request.inject_failures.is_empty() && !drill {
        return Err(LaunchError::InjectOutsideDrill);
    }
    if let Some(given) = &request.environment
        && runbook.environment.as_deref() != Some(given.as_str())
    {
        return Err(LaunchError::EnvironmentMismatch {
            given: given.clone(),
            declared: runbook
                .environment
                .clone()
                .unwrap_or_else(|| "(none)".into()),
        });
    }
    // `--time-scale` wins over the target's; a target scales time only if it is a drill.
    if let Some(scale) = request.time_scale.or(runbook.time_scale) {
        if !drill {
            return Err(LaunchError::TimeScaleOutsideDrill);
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(LaunchError::BadTimeScale(scale));
        }
    }
    // A dry run runs nothing for real, whatever the runbook's environment: it is journaled as
    // one, so that `verify --expect-mode drill` never accepts a run where nothing ran.
    if request.dry_run {
        return Ok(Mode::DryRun);
    }
    if drill {
        return Ok(Mode::Drill);
    }
    // On a terminal the operator types the word on the start screen instead.
    if runbook.is_production()
        && !interactive
        && request.environment.as_deref() != Some("production")
    {
        return Err(LaunchError::ProductionNotConfirmed {
            path: request.runbook.clone(),
        });
    }
    Ok(Mode::Production)
}

/// `--confirm` and `--inject-failure` must name steps that exist: a typo would silently
/// suspend or, worse, never inject the failure a drill is about.
fn check_step_names(request: &StartRequest, runbook: &Runbook) -> Result<(), LaunchError> {
    let exists = |id: &str| {
        runbook.steps().any(|(_, s)| s.id.value == id)
            || runbook.rollback.iter().any(|s| s.id.value == id)
    };
    let names = request
        .answers
        .confirms
        .iter()
        .map(|(step, _)| ("--confirm", step))
        .chain(
            request
                .inject_failures
                .iter()
                .map(|step| ("--inject-failure", step)),
        )
        .chain(
            request
                .answers
                .fails
                .iter()
                .map(|(step, _)| ("--fail", step)),
        );
    for (flag, step) in names {
        if !exists(step) {
            let known = runbook
                .steps()
                .map(|(_, s)| s.id.value.as_str())
                .chain(runbook.rollback.iter().map(|s| s.id.value.as_str()));
            return Err(LaunchError::UnknownStep {
                flag,
                step: step.clone(),
                close: super::variables::did_you_mean(step, known),
            });
        }
    }
    // `--input` answers an input step's variable, never a secret one (it would show in `ps`).
    for (variable, value) in &request.answers.inputs {
        let input = runbook
            .steps()
            .map(|(_, s)| s)
            .chain(&runbook.rollback)
            .find_map(|s| match &s.action {
                StepAction::Input(input) if input.variable.value == *variable => Some(input),
                _ => None,
            });
        match input {
            None => return Err(LaunchError::NoSuchInput(variable.clone())),
            Some(input) if input.secret => {
                return Err(LaunchError::SecretInput(variable.clone()));
            }
            Some(input) => {
                if let Some(problem) = input.refuses(value) {
                    return Err(LaunchError::BadInput {
                        variable: variable.clone(),
                        problem,
                    });
                }
            }
        }
    }
    // `--fail` answers only a manual step the runbook lets fail.
    for (step, _) in &request.answers.fails {
        let can_fail = runbook
            .steps()
            .map(|(_, s)| s)
            .chain(&runbook.rollback)
            .any(|s| {
                &s.id.value == step && matches!(&s.action, StepAction::Manual(m) if m.can_fail)
            });
        if !can_fail {
            return Err(LaunchError::CannotFail(step.clone()));
        }
    }
    Ok(())
}

/// The operator's own `[[notify]]` channels: `$XDG_CONFIG_HOME/cutover/notify.toml` (else
/// `~/.config/cutover/notify.toml`), added to the runbook's.
pub(crate) fn personal_channels() -> Result<Vec<crate::runbook::notify::NotifyChannel>, LaunchError>
{
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(config) = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|home| PathBuf::from(home).join(".config")))
    else {
        return Ok(Vec::new());
    };
    let path = config.join("cutover").join("notify.toml");
    crate::runbook::notify::load_personal(&path)
        .map_err(|problem| LaunchError::NotifyConfig { path, problem })
}

/// The runbook as it runs for `target` (`--target`, or the one a resumed run started with).
pub(crate) fn with_target(runbook: Runbook, target: Option<&str>) -> Result<Runbook, LaunchError> {
    let Some(target) = target else {
        return Ok(runbook);
    };
    runbook
        .for_target(target)
        .map_err(|known| LaunchError::UnknownTarget {
            given: target.to_string(),
            close: super::variables::did_you_mean(target, known.iter().map(String::as_str)),
            known: if known.is_empty() {
                "it declares none".into()
            } else {
                format!("its targets are {}", known.join(", "))
            },
        })
}
