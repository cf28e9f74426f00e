//! One file per subcommand; [`run`] dispatches.

mod build;
mod check;
mod completions;
mod diff;
mod explain;
mod export;
mod init;
mod man;
mod schema;
mod templates;
mod verify;

use std::process::ExitCode;

use anyhow::{Result, bail};

use crate::cli::{Cli, Command, ModelArgs};
use crate::date::Date;

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
    }
}

/// A mistake in the command line rather than in the model: exit code 2, like clap's own.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The bundle date: `--date`, else `SOURCE_DATE_EPOCH`, else today (UTC).
pub fn bundle_date(args: &ModelArgs) -> Result<Date> {
    if let Some(s) = &args.date {
        return match Date::parse(s) {
            Some(d) => Ok(d),
            None => Err(UsageError(format!(
                "invalid --date `{s}` (expected a calendar date YYYY-MM-DD)\nhint: for example --date 2026-01-31"
            ))
            .into()),
        };
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        let parsed = s
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(Date::from_unix_seconds);
        return match parsed {
            Some(d) => Ok(d),
            None => bail!(
                "invalid SOURCE_DATE_EPOCH `{s}` (expected seconds since 1970-01-01)\nhint: unset it or use --date YYYY-MM-DD"
            ),
        };
    }
    Ok(Date::today_utc())
}
