//! One file per subcommand; [`run`] dispatches. Each command turns its
//! arguments into the pipeline's inputs, calls `crate::pipeline` (or the one
//! module it needs) and prints; commands never import each other.

mod build;
mod check;
mod completions;
mod diff;
mod explain;
mod export;
mod init;
mod man;
mod schema;
mod signatures;
mod templates;
mod verify;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::Result;

/// Runs a parsed command line, returning the process exit code.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Templates(args) => templates::run(&args),
        Command::Schema => schema::run(),
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Signatures(args) => signatures::run(&args),
    }
}
