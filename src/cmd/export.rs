//! `rolecall export`: one export of a valid model, to a file or standard output.

use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::ExportArgs;
use crate::date::Date;
use crate::error::{Context, Error, Result};
use crate::export;
use crate::pipeline::{self, Config};
use crate::term;

/// Writes the export; refuses a model with errors (exit 1, diagnostics printed).
pub fn run(args: &ExportArgs) -> Result<ExitCode> {
    let format = args.format;
    let to_stdout = args.output.as_deref().is_none_or(|p| p == Path::new("-"));
    if to_stdout && !format.is_text() && std::io::stdout().is_terminal() {
        return Err(Error::usage(format!(
            "refusing to write the {} workbook to a terminal",
            format.name()
        ))
        .hint("pass -o FILE, or redirect standard output to a file"));
    }
    let date = Date::resolve(args.model.date)?;
    let checked = pipeline::check(&Config {
        model: &args.model.model,
        date,
        templates: args.templates.as_deref(),
        fonts: None,
        previous: None,
    })?;
    let fallback = args.model.model.display().to_string();
    if !checked.diagnostics.is_empty() {
        term::err(&checked.findings(&fallback));
    }
    let Some(valid) = &checked.valid else {
        term::err("error: the model has errors; nothing was exported\n");
        return Ok(ExitCode::from(1));
    };
    let bytes = match (format, &args.document) {
        (export::Format::Docx, Some(doc)) => {
            let reference = match &args.docx_reference {
                Some(p) => Some(std::fs::read(p).map_err(|e| {
                    Error::usage(format!(
                        "cannot read the reference document `{}` ({e})",
                        p.display()
                    ))
                })?),
                None => None,
            };
            pipeline::docx_of(valid, doc, reference.as_deref())?
        }
        (_, Some(doc)) => {
            return Err(Error::usage(format!(
                "`{doc}`: only `--format docx` exports one document"
            ))
            .hint("leave the document out, or pass --format docx"));
        }
        _ => export::export(&valid.model, format, valid.templates.locale())?,
    };
    match &args.output {
        Some(path) if !to_stdout => {
            write_atomically(path, &bytes)?;
            term::out(
                term::printable_lines(&format!(
                    "wrote {} ({} bytes)\n",
                    path.display(),
                    bytes.len()
                ))
                .as_bytes(),
            )?;
        }
        // A reader that stops early (`| head`) is not an error.
        _ => term::out(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so
/// a failed export never leaves a truncated file behind.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".rolecall-export-")
        .tempfile_in(dir)
        .map_err(|e| {
            Error::from(e)
                .context(format!(
                    "failed to write `{}` (cannot create a file in `{}`)",
                    path.display(),
                    dir.display()
                ))
                .hint("create the directory first")
        })?;
    tmp.write_all(bytes)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    // Temporary files are private (0600); an export is an ordinary document.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}
