//! `rolecall explain`: what a rule checks, why auditors care, how to fix it.

use std::process::ExitCode;

use crate::error::{Error, Result};

use crate::cli::{ExplainArgs, ExplainFormat};
use crate::rules;
use crate::term;

/// Prints one rule's explanation, or the list of rules.
pub fn run(args: &ExplainArgs) -> Result<ExitCode> {
    let markdown = args.format == ExplainFormat::Markdown;
    if args.list && markdown {
        term::out(rules::catalogue_markdown())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.list {
        let list: String = rules::ALL
            .iter()
            .map(|r| {
                format!(
                    "{}  {:<8} {:<28} {}\n",
                    r.code,
                    r.severity.as_str(),
                    r.name,
                    r.checks
                )
            })
            .collect();
        term::out(list)?;
        return Ok(ExitCode::SUCCESS);
    }
    let key = args.code.as_deref().unwrap_or_default();
    match rules::find(key) {
        Some(rule) if markdown => {
            term::out(rules::explain_markdown(rule))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(rule) => {
            term::out(rules::explain(rule))?;
            Ok(ExitCode::SUCCESS)
        }
        None => Err(Error::usage(format!("unknown rule `{key}`"))
            .hint("`rolecall explain --list` lists every rule")),
    }
}
