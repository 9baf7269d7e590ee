//! `cutover attach [RUN] [--watch]`: finds the live run, reaches its engine, shows its screen —
//! as its controller (asking first whether to take the controls from whoever holds them), or
//! read-only.

use std::io::{BufRead, IsTerminal, Write};

use crossterm::event::EventStream;

use super::args::AttachArgs;
use crate::exit::{Failure, Outcome};
use crate::launch::error::{LaunchError, block_on_client};
use crate::launch::interactive::say_how_it_ended;
use crate::launch::run_folder::default_log_dir;
use crate::live::client::{ActSigning, ConnectError, WhenHeld, control, status, watch};
use crate::live::error::AttachError;
use crate::live::find_run::find_live_run;
use crate::tui::attached::{ControlLink, attached_screen};
use crate::tui::terminal::TerminalGuard;

pub(crate) fn attach(args: &AttachArgs) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    let run_dir = find_live_run(args.run.as_deref(), &log_dir).map_err(AttachError::from)?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(AttachError::NeedsTerminal { run_dir }.into());
    }
    block_on_client(async {
        let pid = status(&run_dir, std::time::Duration::from_secs(2))
            .await
            .map(|live| live.pid);
        let (watching, link) = if args.watch {
            (watch(&run_dir).await.map_err(AttachError::from)?, None)
        } else {
            let attached =
                match control(&run_dir, WhenHeld::Refuse, Some(signing(args, &run_dir)?)).await {
                    Err(ConnectError::Held { by, .. }) => {
                        if !take_over_asked(&by.describe(), &run_dir)? {
                            return Ok(Outcome::Done);
                        }
                        control(&run_dir, WhenHeld::TakeOver, Some(signing(args, &run_dir)?)).await
                    }
                    other => other,
                }
                .map_err(AttachError::from)?;
            let link = ControlLink {
                controls: attached.controls,
            };
            (attached.watching, Some(link))
        };
        let mut guard = TerminalGuard::enter().map_err(AttachError::Terminal)?;
        let mut keys = EventStream::new();
        let ending = attached_screen(&mut guard, &mut keys, watching, link, args.ascii).await;
        drop(guard);
        let ending = ending.map_err(AttachError::Terminal)?;
        if args.watch && ending.leave == crate::tui::run_loop::Leave::Quit {
            return Ok(Outcome::Done);
        }
        Ok(say_how_it_ended(&ending, &run_dir, pid)?.map_or(Outcome::Done, Outcome::of_run))
    })?
}

/// The key this person's acts are signed with: `--key`, else the agent, else (a drill or a dry
/// run only) the local drill key.
fn signing(args: &AttachArgs, run_dir: &std::path::Path) -> Result<ActSigning, Failure> {
    Ok(
        ActSigning::for_run(run_dir, args.key.as_deref(), args.operator.as_deref())
            .map_err(LaunchError::Key)?,
    )
}

/// Asks on the terminal, before any screen: take the controls from the person holding them?
fn take_over_asked(holder: &str, run_dir: &std::path::Path) -> Result<bool, Failure> {
    let mut out = std::io::stdout().lock();
    let asked = write!(
        out,
        "{holder} holds the controls of {}.\nTake them over? Their screen closes, and the takeover is journaled. [y/N] ",
        run_dir.display()
    )
    .and_then(|()| out.flush());
    asked.map_err(AttachError::Terminal)?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(AttachError::Terminal)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
