//! One file per subcommand; [`run`] dispatches.

mod build;
mod check;
mod explain;
mod templates;

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
    }
}

/// The bundle date: `--date`, else `SOURCE_DATE_EPOCH`, else today (UTC).
pub fn bundle_date(args: &ModelArgs) -> Result<Date> {
    if let Some(s) = &args.date {
        return match Date::parse(s) {
            Some(d) => Ok(d),
            None => bail!("invalid --date `{s}` (expected a calendar date YYYY-MM-DD)\nhint: for example --date 2026-01-31"),
        };
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        let parsed = s.trim().parse::<i64>().ok().and_then(Date::from_unix_seconds);
        return match parsed {
            Some(d) => Ok(d),
            None => bail!("invalid SOURCE_DATE_EPOCH `{s}` (expected seconds since 1970-01-01)\nhint: unset it or use --date YYYY-MM-DD"),
        };
    }
    Ok(Date::today_utc())
}
