//! Reading a runbook or a file it includes from disk: a regular file only, of bounded size.
//! `std::fs::read` would read `/dev/zero` until memory ran out and wait forever on a FIFO
//! nobody writes; `check` must answer for any path it is given.

use std::path::Path;

/// The largest runbook or included file read: far above any real runbook (the release's is
/// 30 KB), far below what could exhaust memory.
pub(crate) const MAX_RUNBOOK_BYTES: u64 = 4 << 20;

/// Reads a runbook or an included file: a regular file only (a FIFO would hang `check`, a
/// device such as `/dev/zero` would never end), of at most [`MAX_RUNBOOK_BYTES`]. Opened
/// without blocking, so that a FIFO is refused rather than waited on.
pub(crate) fn read_runbook_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file (a device, a FIFO or a folder is never a runbook)",
        ));
    }
    if meta.len() > MAX_RUNBOOK_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "it has {} bytes, over the limit of {MAX_RUNBOOK_BYTES}",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // A file that grows while it is read stops at the limit all the same.
    file.take(MAX_RUNBOOK_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RUNBOOK_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it grew over the limit of {MAX_RUNBOOK_BYTES} bytes while read"),
        ));
    }
    Ok(bytes)
}
