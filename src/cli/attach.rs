//! `cutover attach [RUN] --watch`: finds the live run, reaches its engine, shows its screen.

use std::io::IsTerminal;

use super::args::AttachArgs;
use crate::exit::{Failure, Outcome};
use crate::launch::error::{LaunchError, runtime};
use crate::launch::run_folder::default_log_dir;
use crate::live::client::watch;
use crate::live::error::AttachError;
use crate::live::find_run::find_live_run;
use crate::tui::watch::watch_screen;

pub(crate) fn attach(args: &AttachArgs) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    let run_dir = find_live_run(args.run.as_deref(), &log_dir).map_err(AttachError::from)?;
    if !args.watch {
        return Err(AttachError::ControlsHeld { run_dir }.into());
    }
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(AttachError::NeedsTerminal { run_dir }.into());
    }
    runtime()?.block_on(async {
        let watching = watch(&run_dir).await.map_err(AttachError::from)?;
        watch_screen(watching, args.ascii)
            .await
            .map_err(AttachError::Terminal)
    })?;
    Ok(Outcome::Done)
}
