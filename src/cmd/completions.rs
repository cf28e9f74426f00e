//! `rolecall completions`: print a shell completion script generated from the CLI.

use std::io::Write;
use std::process::ExitCode;

use crate::error::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};

/// Prints the completion script for `args.shell`.
pub fn run(args: &CompletionsArgs) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "rolecall", &mut script);
    std::io::stdout()
        .write_all(&script)
        .context("failed to write the completion script to standard output")?;
    Ok(ExitCode::SUCCESS)
}
