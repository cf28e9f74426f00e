//! `rolecall schema`: print the JSON Schema of a model file for editors.

use std::process::ExitCode;

use crate::error::Result;

/// Prints the schema (draft-07) to standard output.
pub fn run() -> Result<ExitCode> {
    crate::term::out(crate::schema::JSON)?;
    Ok(ExitCode::SUCCESS)
}
