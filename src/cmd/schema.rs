//! `rolecall schema`: print the JSON Schema of a model file for editors.

use std::io::Write;
use std::process::ExitCode;

use crate::error::{Context, Result};

/// Prints the schema (draft-07) to standard output.
pub fn run() -> Result<ExitCode> {
    std::io::stdout()
        .write_all(crate::schema::JSON.as_bytes())
        .context("failed to write the schema to standard output")?;
    Ok(ExitCode::SUCCESS)
}
