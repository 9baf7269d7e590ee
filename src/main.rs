//! The `cutover` binary: parse the command line, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    cutover::prepare_process();
    let cli = cutover::Cli::parse();
    cutover::exit_code(cutover::dispatch(cli))
}
