//! Writing a command's answer to standard output: `print!` panics when stdout fails (a full
//! disk behind a redirection), and cutover never answers with a backtrace. A closed pipe
//! (`| head`) is the reader's choice and not a failure; anything else is (exit 6).

use std::io::Write;

pub(crate) fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
