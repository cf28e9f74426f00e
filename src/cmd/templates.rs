//! `rolecall templates`: list or eject the built-in templates.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cli::{TemplatesAction, TemplatesArgs};
use crate::render::BUILTIN;

/// Lists the built-in templates or writes them out for editing.
pub fn run(args: &TemplatesArgs) -> Result<ExitCode> {
    match &args.action {
        TemplatesAction::List => {
            for (name, _) in BUILTIN {
                println!("{name}");
            }
        }
        TemplatesAction::Eject { dir, force } => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("failed to create `{}`", dir.display()))?;
            let existing: Vec<_> = BUILTIN
                .iter()
                .map(|(n, _)| dir.join(n))
                .filter(|p| p.exists())
                .collect();
            if !force && !existing.is_empty() {
                bail!(
                    "`{}` exists already (not overwritten)\nhint: pass --force to overwrite, or eject into an empty directory",
                    existing[0].display()
                );
            }
            for (name, text) in BUILTIN {
                let path = dir.join(name);
                std::fs::write(&path, text)
                    .with_context(|| format!("failed to write `{}`", path.display()))?;
            }
            println!("wrote {} templates to {}", BUILTIN.len(), dir.display());
            println!(
                "edit them, then build with `rolecall build MODEL --templates {}`",
                dir.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
