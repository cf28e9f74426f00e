//! `rolecall man`: print a man page (roff) generated from the CLI.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::{Context, Error, Result};

/// Prints `rolecall(1)`, or `rolecall-COMMAND(1)` for one command.
pub fn run(args: &ManArgs) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    // Building names the subcommands `rolecall-<name>`, their pages' titles.
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let known: Vec<&str> = cmd
                    .get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .map(|s| s.get_name())
                    .collect();
                return Err(Error::usage(format!("unknown command `{name}`"))
                    .hint(format!("commands with a man page: {}", known.join(", "))));
            }
        },
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("rolecall {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)
        .context("failed to render the man page")?;
    crate::term::out(&roff)?;
    Ok(ExitCode::SUCCESS)
}
