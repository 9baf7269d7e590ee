//! `cutover sandbox`: serve the stand-in application until stopped, or `call` a running one.

use std::path::PathBuf;

use super::args::{SandboxAction, SandboxArgs};
use crate::exit::{Failure, Outcome};
use crate::launch::error::runtime;
use crate::sandbox::call::call;
use crate::sandbox::error::SandboxError;
use crate::sandbox::server::serve;

pub(crate) fn sandbox(args: &SandboxArgs) -> Result<Outcome, Failure> {
    if let Some(SandboxAction::Local {
        dir,
        front,
        flag,
        migrations,
        applied,
        seed,
    }) = &args.action
    {
        let plan = crate::sandbox::local_stack::StackPlan {
            app: &args.listen,
            dir,
            front,
            flag,
            migrations,
            applied,
            seed: seed.as_deref(),
        };
        runtime()?.block_on(crate::sandbox::local_stack::run_stack(&plan))?;
        return Ok(Outcome::Done);
    }
    if let Some(SandboxAction::Docker { args: words }) = &args.action {
        let done = runtime()?.block_on(crate::sandbox::compose_stand_in::docker(
            &args.listen,
            words,
            &mut std::io::stdin(),
        ))?;
        // As the real tools do: what they give on standard output, their complaints on error.
        if done.ok {
            crate::stdout::write_stdout(&crate::terminal_text::plain(&done.said))
                .map_err(SandboxError::Stdout)?;
        } else {
            eprint!("{}", crate::terminal_text::plain(&done.said));
        }
        return Ok(if done.ok {
            Outcome::Done
        } else {
            Outcome::RunFailed
        });
    }
    if let Some(SandboxAction::Call { method, path, body }) = &args.action {
        let answered = runtime()?.block_on(call(&args.listen, method, path, body.as_deref()))?;
        return Ok(if answered {
            Outcome::Done
        } else {
            Outcome::RunFailed
        });
    }
    let state = args
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from("sandbox-state"));
    runtime()?.block_on(async {
        tokio::select! {
            served = serve(&args.listen, state.clone(), args.traffic) => served.map_err(|source| SandboxError::Serve {
                listen: args.listen.clone(),
                state: state.clone(),
                source,
            }),
            _ = tokio::signal::ctrl_c() => Ok(()),
            _ = terminate() => Ok(()),
        }
    })?;
    Ok(Outcome::Done)
}

async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}
