//! `rolecall completions`: print a shell completion script generated from the CLI.

use std::process::ExitCode;

use crate::error::Result;
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

/// Prints the completion script for `args.shell`.
pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "rolecall", &mut script);
    crate::term::out(&script)?;
    Ok(ExitCode::SUCCESS)
}
