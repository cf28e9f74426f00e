//! `rolecall explain`: what a rule checks, why auditors care, how to fix it.

use std::process::ExitCode;

use crate::error::{Error, Result};

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::rules;

/// Prints one rule's explanation, or the list of rules.
pub fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let markdown = args.format == ExplainFormat::Markdown;
    if args.list && markdown {
        print!("{}", rules::catalogue_markdown());
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        for r in rules::ALL {
            println!(
                "{}  {:<8} {:<28} {}",
                r.code,
                r.severity.as_str(),
                r.name,
                r.checks
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let key = args.code.as_deref().unwrap_or_default();
    match rules::find(key) {
        Some(rule) if markdown => {
            print!("{}", rules::explain_markdown(rule));
            Ok(ExitCode::SUCCESS)
        }
        Some(rule) => {
            print!("{}", rules::explain(rule));
            Ok(ExitCode::SUCCESS)
        }
        None => Err(Error::usage(format!("unknown rule `{key}`"))
            .hint("`rolecall explain --list` lists every rule")),
    }
}
