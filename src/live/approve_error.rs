//! Why `cutover approve` approved nothing: the run, its engine, the key, the signature file,
//! or the run's own refusal (its reason, word for word). Each one exits 2: nothing counted.

use std::path::PathBuf;

use crate::keys::operator::KeyError;
use crate::live::client::ConnectError;
use crate::live::find_run::FindRunError;

#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(transparent)]
    Find(#[from] FindRunError),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("approve: the run refused it: {reason}")]
    Refused { reason: String },
    #[error("read the signature {}: {source}", path.display())]
    ReadSignature {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("read a signature from {}: it is not what `ssh-keygen -Y sign` writes (-----BEGIN SSH SIGNATURE-----)", path.display())]
    NotASignature { path: PathBuf },
    #[error(
        "find the statement {} signed: it is read from {} beside the signature; or pass --as NAME, as given to --print",
        signature.display(),
        statement.display()
    )]
    NoStatement {
        signature: PathBuf,
        statement: PathBuf,
    },
    #[error("approve: you did not type `yes`, so nothing was approved")]
    Declined,
    #[error(
        "approve: there is no terminal to show you the statement and ask; read it with --print --as NAME, then approve with --yes"
    )]
    NotAsked,
    #[error("read your answer: {0}")]
    Terminal(#[source] std::io::Error),
}
