//! `rolecall templates`: list or eject the built-in templates and locales.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::{TemplatesAction, TemplatesArgs};
use crate::error::{Context, Error, Result};
use crate::render;
use crate::term;

/// Every built-in file `eject` writes, by its path below the target directory.
fn builtin_files() -> Vec<(String, &'static str)> {
    render::BUILTIN
        .iter()
        .map(|(n, t)| (n.to_string(), *t))
        .chain(
            render::locale::BUILTIN
                .iter()
                .map(|(lang, t)| (format!("locales/{lang}.toml"), *t)),
        )
        .collect()
}

/// Lists the built-in templates or writes them out for editing.
pub fn run(args: &TemplatesArgs) -> Result<ExitCode> {
    let files = builtin_files();
    match &args.action {
        TemplatesAction::List => {
            let names: String = files.iter().map(|(name, _)| format!("{name}\n")).collect();
            term::out(names)?;
        }
        TemplatesAction::Eject { dir, force } => {
            let existing = files
                .iter()
                .map(|(n, _)| dir.join(n))
                .find(|p| std::fs::symlink_metadata(p).is_ok());
            if let (false, Some(first)) = (force, &existing) {
                return Err(Error::new(format!(
                    "`{}` exists already (not overwritten)",
                    first.display()
                ))
                .hint("pass --force to overwrite, or eject into an empty directory"));
            }
            for (name, text) in &files {
                write(&dir.join(name), text, *force)?;
            }
            term::out(format!(
                "wrote {} templates and locales to {}\nedit them, then build with `rolecall build MODEL --templates {}`\n",
                files.len(),
                dir.display(),
                dir.display()
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one file. Without `force` it must not exist (create-new, so that
/// nothing is written through a link that appeared since the check); with
/// `force`, a link in its place is replaced, never followed.
fn write(path: &Path, text: &str, force: bool) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    if force {
        match std::fs::symlink_metadata(path) {
            Ok(m) if !m.is_dir() => std::fs::remove_file(path)
                .with_context(|| format!("failed to replace `{}`", path.display()))?,
            _ => {}
        }
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("failed to write `{}`", path.display()))
}
