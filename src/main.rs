//! The `rolecall` binary: parse arguments, run the command, print the error chain.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rolecall::cli::Cli::parse();
    match rolecall::cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A failure caused by an interrupt is not reported: the process is exiting.
            rolecall::interrupt::wait_if_interrupted();
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            let usage = err.downcast_ref::<rolecall::cmd::UsageError>().is_some();
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}
