//! What the person verifying brings: an allowed-signers file, anchors taken earlier, the mode
//! the journal must have. Read and checked before a byte of the journal is, so that a typo in
//! them is a usage error (exit 2), never a verdict.

use std::path::{Path, PathBuf};

use super::check::{VerifyOptions, verify_bytes};
use super::report::Verification;
use crate::journal::history::load::journal_paths;
use crate::keys::allowed_signers::{AllowedSigners, AllowedSignersError};
use crate::protocol::mode::Mode;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("read the allowed signers {}", path.display())]
    ReadSigners {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("read the allowed signers {}", path.display())]
    BadSigners {
        path: PathBuf,
        #[source]
        source: AllowedSignersError,
    },
    #[error("use --anchor {given}: {problem}")]
    BadAnchor {
        given: String,
        problem: &'static str,
    },
    #[error("read the journal {}", path.display())]
    ReadJournal {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `--allowed-signers`, `--anchor` and `--expect-mode` as given.
pub(crate) struct TrustInput<'a> {
    pub allowed_signers: Option<&'a Path>,
    pub anchors: &'a [String],
    pub expect_mode: Option<Mode>,
}

pub(crate) fn verify_options(input: &TrustInput<'_>) -> Result<VerifyOptions, TrustError> {
    let allowed_signers = match input.allowed_signers {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| TrustError::ReadSigners {
                path: path.to_path_buf(),
                source,
            })?;
            Some(
                AllowedSigners::parse(&text).map_err(|source| TrustError::BadSigners {
                    path: path.to_path_buf(),
                    source,
                })?,
            )
        }
        None => None,
    };
    let anchors = input
        .anchors
        .iter()
        .map(|anchor| parse_anchor(anchor))
        .collect::<Result<_, _>>()?;
    Ok(VerifyOptions {
        allowed_signers,
        anchors,
        expect_mode: input.expect_mode,
    })
}

/// Parses `--anchor BYTES:SHA256`.
pub(crate) fn parse_anchor(text: &str) -> Result<(u64, String), TrustError> {
    let bad = |problem| TrustError::BadAnchor {
        given: text.to_string(),
        problem,
    };
    let (bytes, sha) = text
        .split_once(':')
        .ok_or_else(|| bad("expected BYTES:SHA256"))?;
    let bytes = bytes
        .parse()
        .map_err(|_| bad("the part before `:` is not a byte count"))?;
    let sha = sha.to_ascii_lowercase();
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("the part after `:` is not a SHA-256 in hex"));
    }
    Ok((bytes, sha))
}

/// Reads and verifies a journal (a run folder or its `journal.log`).
pub(crate) fn verify_journal(
    path: &Path,
    options: &VerifyOptions,
) -> Result<Verification, TrustError> {
    let (journal, run_dir) = journal_paths(path);
    let bytes = std::fs::read(&journal).map_err(|source| TrustError::ReadJournal {
        path: journal.clone(),
        source,
    })?;
    Ok(verify_bytes(&bytes, &run_dir, options))
}
