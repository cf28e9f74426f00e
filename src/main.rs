//! The `rolecall` binary: parse arguments, run the command, print the one error
//! (through `term::printable_lines`: a message may quote model text).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rolecall::cli::Cli::parse();
    match rolecall::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A failure caused by an interrupt is not reported: the process is exiting.
            rolecall::interrupt::wait_if_interrupted();
            rolecall::term::err(&rolecall::term::printable_lines(&err.report()));
            ExitCode::from(err.code())
        }
    }
}
