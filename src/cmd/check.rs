//! `rolecall check`: validate a model and print every diagnostic.

use std::process::ExitCode;

use crate::cli::{CheckArgs, CheckFormat};
use crate::date::Date;
use crate::diag;
use crate::error::Result;
use crate::pipeline::{self, Config};
use crate::term;

/// Prints all diagnostics; exit 1 on errors (or warnings with `--deny-warnings`).
pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let date = Date::resolve(args.model.date)?;
    let mut checked = pipeline::check(&Config {
        model: &args.model.model,
        date,
        templates: args.templates.as_deref(),
        // As a PDF build would: `check` passes only a model that builds.
        fonts: Some(pipeline::Fonts {
            font_paths: &args.font_path,
            system_fonts: args.system_fonts,
        }),
        previous: args.previous.as_deref(),
    })?;
    if let Some(roster) = &args.roster {
        let columns = args.roster_columns.clone().unwrap_or_default();
        pipeline::roster(&mut checked, roster, &columns)?;
    }
    let fallback = args.model.model.display().to_string();
    let (diags, sources) = (&checked.diagnostics, &checked.sources);
    match args.format {
        CheckFormat::Human => {
            let color = term::color_stderr(args.color);
            let out = diag::human::render(diags, sources, &fallback, color);
            if diags.is_empty() {
                let shown = term::printable(&fallback);
                term::out(format!("{shown}: {} (as of {date})\n", out.trim_end()))?;
            } else {
                term::err(&out);
            }
        }
        CheckFormat::Json => term::out(diag::json::render(diags, sources))?,
        CheckFormat::Sarif => term::out(diag::sarif::render(diags, sources, &fallback))?,
        CheckFormat::Github => {
            term::out(diag::github::render(diags, sources))?;
            // The runner turns the commands into annotations; the log still says how many.
            let errors = checked.errors();
            term::err(&format!(
                "{}\n",
                diag::summary(errors, diags.len() - errors)
            ));
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
