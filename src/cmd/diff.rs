//! `rolecall diff`: the change report between two models or bundles.

use std::process::ExitCode;

use crate::cli::{DiffArgs, DiffFormat};
use crate::date::Date;
use crate::error::{Context as _, Error, Result};
use crate::pipeline;

/// Prints the report. Exit 0 when it is printed (with `--exit-code`: only when
/// there are no changes; 1 when there are), 2 when a side cannot be compared,
/// as diff(1) does, so that a script never takes trouble for "changed".
pub fn run(args: &DiffArgs) -> Result<ExitCode> {
    let report = || -> Result<(String, bool)> {
        let date = Date::resolve(args.date)?;
        let (changes, markdown) =
            pipeline::diff(&args.old, &args.new, date, args.templates.as_deref())?;
        let text = match args.format {
            DiffFormat::Markdown => markdown,
            DiffFormat::Json => {
                serde_json::to_string_pretty(&changes).context("failed to write the report")? + "\n"
            }
        };
        Ok((text, changes.changed))
    };
    // Trouble is exit 2, whatever failed.
    let (text, changed) = report().map_err(Error::into_usage)?;
    crate::term::out(text).map_err(Error::into_usage)?;
    Ok(if args.exit_code && changed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
