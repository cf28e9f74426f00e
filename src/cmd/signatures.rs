//! `rolecall signatures`: what is still to be signed, or the records to fill in.

use std::process::ExitCode;

use crate::cli::SignaturesArgs;
use crate::date::Date;
use crate::error::Result;
use crate::pipeline::{self, Config};
use crate::signatures::{self, Status};
use crate::term::{self, printable, printable_lines};

/// Lists the signatures not signed for the current version (or, with `--toml`,
/// prints their records to fill in); refuses a model with errors (exit 1).
pub fn run(args: &SignaturesArgs) -> Result<ExitCode> {
    let date = Date::resolve(args.model.date)?;
    let checked = pipeline::check(&Config {
        model: &args.model.model,
        date,
        templates: args.templates.as_deref(),
        previous: None,
        fonts: None,
    })?;
    let fallback = args.model.model.display().to_string();
    let Some(valid) = &checked.valid else {
        term::err(&checked.findings(&fallback));
        term::err("error: the model has errors; fix them first (`rolecall check` lists them)\n");
        return Ok(ExitCode::from(1));
    };
    let model = &valid.model;
    let register = &valid.rendered.register;
    let general = valid.templates.locale().text("signing.governing_body")?;
    if args.toml {
        // TOML quotes every value; the comments are made one line of plain text.
        let stubs = signatures::stubs(model, register, date, general);
        term::out(printable_lines(&stubs).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let counts = register.counts();
    let mut report = format!(
        "{}: {} of {} signatures current, {} for an older version, {} outstanding (as of {date})\n",
        printable(&model.organisation.name),
        counts.current,
        counts.total(),
        counts.outdated,
        counts.outstanding
    );
    for slot in register.slots.iter().filter(|s| s.status != Status::Signed) {
        let record = slot.record.map(|i| &model.signatures[i]);
        let recorded = record.map_or(String::new(), |r| {
            format!("; recorded {} on {}", r.digest, r.date)
        });
        let line = format!(
            "{}: {} (`{}`, digest {}): {}, {}{recorded}",
            match slot.status {
                Status::Outdated => "for an older version",
                _ => "outstanding",
            },
            slot.sheet_path,
            slot.sheet_id,
            crate::digest::short(&slot.digest),
            signatures::signer_name(model, slot.person, general),
            slot.party.describe(),
        );
        report.push_str(&printable(&line));
        report.push('\n');
    }
    if counts.current < counts.total() {
        report.push_str(&format!(
            "hint: after signing, `rolecall signatures {} --toml` prints the records to fill in and paste into the model\n",
            printable(&fallback)
        ));
    }
    term::out(report)?;
    Ok(ExitCode::SUCCESS)
}
