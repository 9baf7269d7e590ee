//! Making a step's output file durable before the `step_result` that names its digest
//! (LOG-FORMAT.md): its data, then its directory entry.
//!
//! The engine closed the file when the step ended, so the file is opened again by path; the
//! output folder is opened once per session and kept, so a long runbook pays one open per
//! step, not two.

use std::cell::OnceCell;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::protocol::output::OutputRecord;

pub(crate) struct OutputSync {
    run_dir: PathBuf,
    /// `run_dir/output`, opened at the first sync.
    output_folder: OnceCell<File>,
}

impl OutputSync {
    pub(crate) fn new(run_dir: &Path) -> Self {
        Self {
            run_dir: run_dir.to_path_buf(),
            output_folder: OnceCell::new(),
        }
    }

    pub(crate) fn sync(&self, record: &OutputRecord) -> io::Result<()> {
        // The engine writes every output file directly in `output/` (`engine::output_file`),
        // so syncing that folder makes the new file's entry durable.
        debug_assert_eq!(
            Path::new(&record.path).parent(),
            Some(Path::new("output")),
            "an output file outside output/"
        );
        File::open(self.run_dir.join(&record.path))?.sync_all()?;
        self.folder()?.sync_all()
    }

    fn folder(&self) -> io::Result<&File> {
        if let Some(folder) = self.output_folder.get() {
            return Ok(folder);
        }
        let folder = File::open(self.run_dir.join("output"))?;
        Ok(self.output_folder.get_or_init(|| folder))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_file_and_its_folder_sync_and_a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("output")).unwrap();
        std::fs::write(dir.path().join("output/step.1.log"), b"ok\n").unwrap();
        let outputs = OutputSync::new(dir.path());
        let record = |path: &str| OutputRecord {
            path: path.into(),
            bytes: 3,
            sha256: String::new(),
        };
        outputs.sync(&record("output/step.1.log")).unwrap();
        outputs.sync(&record("output/step.1.log")).unwrap();
        assert!(outputs.output_folder.get().is_some());
        let missing = outputs.sync(&record("output/gone.1.log")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
