//! The `cutover` binary: parse the command line, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // A write past a file-size limit must fail with EFBIG and be reported (exit 5), not kill
    // the process with SIGXFSZ before it can say what happened.
    // SAFETY: setting a signal's disposition to ignore has no memory effects.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = cutover::cli::args::Cli::parse();
    cutover::exit::exit_code(cutover::cli::dispatch::dispatch(cli))
}
