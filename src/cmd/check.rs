//! `rolecall check`: validate a model and print every diagnostic.

use std::process::ExitCode;

use crate::cli::{CheckArgs, DiagFormat};
use crate::date::Date;
use crate::diag;
use crate::error::Result;
use crate::pipeline::{self, Config};

/// Prints all diagnostics; exit 1 on errors (or warnings with `--deny-warnings`).
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let date = Date::resolve(args.model.date)?;
    let checked = pipeline::check(&Config {
        model: &args.model.model,
        date,
        templates: args.templates.as_deref(),
    })?;
    let fallback = args.model.model.display().to_string();
    match args.format {
        DiagFormat::Human => {
            let out = diag::render_human(&checked.diagnostics, &checked.sources, &fallback);
            if checked.diagnostics.is_empty() {
                println!("{}: {} (as of {date})", fallback, out.trim_end());
            } else {
                eprint!("{out}");
            }
        }
        DiagFormat::Json => print!(
            "{}",
            diag::render_json(&checked.diagnostics, &checked.sources)
        ),
    }
    let errors = checked.errors();
    let warnings = checked.diagnostics.len() - errors;
    let fail = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
