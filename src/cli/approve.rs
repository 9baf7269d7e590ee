//! `cutover approve RUN STEP`: approve a step the run waits at, in one of three ways — on the
//! same host (show the statement, sign it with your agent or `--key`, hand it over); print the
//! statement (`--print --as NAME`) to be signed anywhere with `ssh-keygen -Y sign -n
//! cutover-approval`; or hand such a signature over (`--signature FILE`). The run judges it
//! (`approval/offer.rs`); a refusal says why and exits 2.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::args::ApproveArgs;
use crate::approval::statement::NAMESPACE;
use crate::exit::{Failure, Outcome};
use crate::keys::sshsig::blob_of;
use crate::launch::error::{LaunchError, runtime};
use crate::launch::run_folder::default_log_dir;
use crate::live::approve_client::ApproverLink;
use crate::live::approve_error::ApproveError;
use crate::live::client::ActSigning;
use crate::live::find_run::find_live_run;
use crate::stdout::say;

pub(crate) fn approve(args: &ApproveArgs) -> Result<Outcome, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let log_dir = default_log_dir(args.log_dir.as_deref(), &env).ok_or(LaunchError::NoLogDir)?;
    let run_dir = find_live_run(Some(&args.run), &log_dir).map_err(ApproveError::from)?;
    runtime()?.block_on(async {
        let mut link = ApproverLink::connect(&run_dir)
            .await
            .map_err(ApproveError::from)?;
        if args.print {
            let name = args.as_name.as_deref().expect("clap requires --as");
            let text = link.statement(&args.step, name).await?;
            // Its exact bytes are what gets signed; a terminal is shown only safe text.
            let shown = if std::io::stdout().is_terminal() {
                crate::terminal_text::plain(&text)
            } else {
                std::borrow::Cow::Borrowed(text.as_str())
            };
            if shown != text {
                say!(
                    "cutover: the statement holds control characters, not shown here: redirect --print to a file and sign that file"
                );
            }
            print!("{shown}");
            std::io::stdout()
                .flush()
                .map_err(|source| Failure::Stdout {
                    what: "the statement",
                    source,
                })?;
            return Ok(Outcome::Done);
        }
        let (statement, signature) = match &args.signature {
            Some(file) => {
                let signature = read_signature(file)?;
                let statement = match &args.as_name {
                    Some(name) => link.statement(&args.step, name).await?,
                    None => read_statement(file)?,
                };
                (statement, signature)
            }
            None => sign_here(args, &run_dir, &mut link).await?,
        };
        let counted = link.approve(&args.step, &statement, &signature).await?;
        say!(
            "cutover: approved step `{}` ({} of {}); the run journals it with your signature",
            args.step,
            counted.count,
            counted.required
        );
        Ok(Outcome::Done)
    })
}

/// The run's answer, or its refusal as the error.
/// On this host: the statement shown, the approver's yes on a terminal, their key's SSHSIG.
async fn sign_here(
    args: &ApproveArgs,
    run_dir: &Path,
    link: &mut ApproverLink,
) -> Result<(String, Vec<u8>), Failure> {
    let ActSigning {
        key,
        principal: name,
    } = ActSigning::for_run(run_dir, args.key.as_deref(), args.as_name.as_deref())
        .map_err(ApproveError::from)?;
    let statement = link.statement(&args.step, &name).await?;
    // Asked on a terminal, after the statement: a person signs what they have read. Without a
    // terminal nobody can be asked: `--yes` says they read it (`--print`).
    if !args.yes && !std::io::stdin().is_terminal() {
        return Err(ApproveError::NotAsked.into());
    }
    if !args.yes {
        eprintln!(
            "You approve, as {name} with {}:\n\n{}",
            key.fingerprint(),
            crate::terminal_text::plain(&statement)
        );
        eprint!("Type yes to sign it: ");
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(ApproveError::Terminal)?;
        if answer.trim() != "yes" {
            return Err(ApproveError::Declined.into());
        }
    }
    let signature = key
        .sign(NAMESPACE, statement.as_bytes())
        .map_err(ApproveError::from)?;
    Ok((statement, signature))
}

fn read_signature(file: &Path) -> Result<Vec<u8>, Failure> {
    let text = std::fs::read_to_string(file).map_err(|source| ApproveError::ReadSignature {
        path: file.to_path_buf(),
        source,
    })?;
    if !text.contains("-----BEGIN SSH SIGNATURE-----") {
        return Err(ApproveError::NotASignature {
            path: file.to_path_buf(),
        }
        .into());
    }
    blob_of(&text).ok_or_else(|| {
        ApproveError::NotASignature {
            path: file.to_path_buf(),
        }
        .into()
    })
}

/// The statement `ssh-keygen -Y sign` signed: the file it was given, beside its `.sig`.
fn read_statement(signature: &Path) -> Result<String, Failure> {
    let statement: PathBuf = signature.with_extension("");
    let beside = signature
        .extension()
        .is_some_and(|ext| ext == "sig")
        .then(|| std::fs::read_to_string(&statement).ok())
        .flatten();
    beside.ok_or_else(|| {
        ApproveError::NoStatement {
            signature: signature.to_path_buf(),
            statement,
        }
        .into()
    })
}
