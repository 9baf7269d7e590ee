//! Writing to standard output and standard error: `print!` panics when stdout fails (a full
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

/// A line for the operator on stderr, best effort: stderr closed or full (`2>/dev/full`) must
/// never turn a run into a panic. The journal is the record; these lines only tell.
pub(crate) fn say_line(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
}

/// `eprintln!` that never panics: see [`say_line`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::stdout::say_line(&format!($($arg)*))
    };
}
pub(crate) use say;
