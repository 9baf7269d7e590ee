//! Why a part of the `local` stack — its PostgreSQL, its migrations, its nginx — could not
//! start or do what was asked of it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// Software the stack needs is not installed; the words say what to install.
    #[error("{0}")]
    Missing(&'static str),
    #[error("{program}: {source}")]
    Spawn {
        program: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} {}: {source}", path.display())]
    File {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The program ran and refused; what it said on standard error, as it said it.
    #[error("{said}")]
    Refused { program: &'static str, said: String },
    #[error("the PostgreSQL server did not accept connections within 30 s")]
    NotReady,
}

impl StackError {
    pub(crate) fn refused(program: &'static str, stderr: &[u8]) -> Self {
        Self::Refused {
            program,
            said: String::from_utf8_lossy(stderr).into_owned(),
        }
    }

    pub(crate) fn file(
        what: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::File { what, path, source }
    }
}
