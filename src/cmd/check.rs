//! `rolecall check`: validate a model and print every diagnostic.

use std::process::ExitCode;

use crate::cli::{CheckArgs, CheckFormat};
use crate::date::Date;
use crate::diag;
use crate::error::Result;
use crate::pipeline::{self, Config};

/// Prints all diagnostics; exit 1 on errors (or warnings with `--deny-warnings`).
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let date = Date::resolve(args.model.date)?;
    let mut checked = pipeline::check(&Config {
        model: &args.model.model,
        date,
        templates: args.templates.as_deref(),
    })?;
    if let Some(roster) = &args.roster {
        let columns = args.roster_columns.clone().unwrap_or_default();
        pipeline::roster(&mut checked, roster, &columns)?;
    }
    let fallback = args.model.model.display().to_string();
    let (diags, sources) = (&checked.diagnostics, &checked.sources);
    match args.format {
        CheckFormat::Human => {
            let color = crate::term::color_stderr(args.color);
            let out = diag::human::render(diags, sources, &fallback, color);
            if diags.is_empty() {
                let shown = crate::term::printable(&fallback);
                println!("{shown}: {} (as of {date})", out.trim_end());
            } else {
                eprint!("{out}");
            }
        }
        CheckFormat::Json => print!("{}", diag::json::render(diags, sources)),
        CheckFormat::Sarif => print!("{}", diag::sarif::render(diags, sources, &fallback)),
        CheckFormat::Github => {
            print!("{}", diag::github::render(diags, sources));
            // The runner turns the commands into annotations; the log still says how many.
            let errors = checked.errors();
            eprintln!("{}", diag::summary(errors, diags.len() - errors));
        }
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
