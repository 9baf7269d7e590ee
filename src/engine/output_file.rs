//! The raw output of one step attempt, written to `output/<step>.<attempt>.log` as it arrives
//! (secrets already scrubbed) and hashed on the way.
//!
//! The engine does not fsync it: durability is the durable consumer's job. The journal syncs
//! the file (see [`sync_output`]) before it writes the entry that names its digest, as
//! LOG-FORMAT.md requires; a display-only run pays nothing for it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::events::OutputRecord;

pub struct OutputFile {
    relative: String,
    path: PathBuf,
    writer: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl OutputFile {
    /// Creates `run_dir/output/<name>.log`; `name` is `<step>.<attempt>` with a suffix where
    /// an attempt has several outputs (the stages of a rollout).
    pub fn create(run_dir: &Path, name: &str) -> io::Result<Self> {
        let relative = format!("output/{name}.log");
        let path = run_dir.join(&relative);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        Ok(Self {
            relative,
            path,
            writer: BufWriter::with_capacity(64 * 1024, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends output bytes; the caller has already scrubbed them of secrets.
    pub fn write(&mut self, clean: &[u8]) -> io::Result<()> {
        self.writer.write_all(clean)?;
        self.hasher.update(clean);
        self.bytes += clean.len() as u64;
        Ok(())
    }

    /// Flushes the file to the kernel; returns what the journal records about it.
    pub fn finish(mut self) -> io::Result<OutputRecord> {
        self.writer.flush()?;
        Ok(OutputRecord {
            path: self.relative,
            bytes: self.bytes,
            sha256: hex(&self.hasher.finalize()),
        })
    }
}

/// Makes an output file durable: its data, then its directory entry.
pub fn sync_output(run_dir: &Path, record: &OutputRecord) -> io::Result<()> {
    let path = run_dir.join(&record.path);
    File::open(&path)?.sync_all()?;
    if let Some(folder) = path.parent() {
        File::open(folder)?.sync_all()?;
    }
    Ok(())
}

/// Lowercase hex, as `sha256sum` prints digests. Verify formats a digest for every line of a
/// journal, so this is a table lookup, not a `format!` per byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::hex;

    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
    }
}
