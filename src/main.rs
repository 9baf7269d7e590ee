//! The `cutover` binary: parse the command line, run the command, exit with its code.

use clap::Parser;

fn main() -> std::process::ExitCode {
    cutover::launch::process_setup::prepare_process();
    let cli = cutover::cli::args::Cli::parse();
    cutover::exit::exit_code(cutover::cli::dispatch::dispatch(cli))
}
