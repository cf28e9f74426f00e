//! `rolecall init`: write a small, valid starter model to a new directory.
//!
//! The starter is `examples/minimal/`, embedded at build time, so the model a
//! new user starts from is the one the test suite checks and builds.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::error::{Context, Error, Result};

use crate::cli::InitArgs;
use crate::term;

/// The starter model's files, relative to the target directory.
pub const STARTER: &[(&str, &str)] = &[(
    "model.toml",
    include_str!("../../examples/minimal/model.toml"),
)];

/// Writes the starter model to `args.dir` and prints what to do next.
pub fn run(args: &InitArgs) -> Result<ExitCode> {
    let dir = &args.dir;
    refuse_unless_empty(dir)?;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("failed to create `{}`", dir.display()))?;
    for (name, text) in STARTER {
        let path = dir.join(name);
        // create_new: never overwrite, even if a file appeared since the check.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("failed to create `{}`", path.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    term::out(next_steps(dir))?;
    Ok(ExitCode::SUCCESS)
}

/// Fails unless `dir` is missing or empty. A `.git` entry alone is allowed, so
/// that `git init DIR && rolecall init DIR` works.
fn refuse_unless_empty(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(
            Error::new(format!("`{}` is not a directory", dir.display()))
                .hint("pass the path of a new or empty directory, e.g. `rolecall init isms-model`"),
        );
    }
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("failed to read directory `{}`", dir.display()))?;
    let mut others: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".git")
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    others.sort();
    Err(Error::new(format!(
        "`{}` is not empty (it holds `{}`{}); nothing was written",
        dir.display(),
        others[0],
        if others.len() > 1 {
            format!(" and {} more", others.len() - 1)
        } else {
            String::new()
        }
    ))
    .hint("pass a new or empty directory; to start over, move its files away first"))
}

/// What to do after `init`, with the paths the user gave.
fn next_steps(dir: &Path) -> String {
    let d = dir.display();
    let files: Vec<String> = STARTER
        .iter()
        .map(|(name, _)| format!("  {}\n", dir.join(name).display()))
        .collect();
    format!(
        "wrote a small starter model:\n{files}\n\
         next steps:\n\
         \x20 1. edit {model} to describe your organisation; its comments explain each key\n\
         \x20 2. validate it, after every edit:   rolecall check {d}\n\
         \x20 3. build the evidence bundle:       rolecall build {d} --format md\n\
         \x20    with PDFs (needs typst 0.15):    rolecall build {d}\n\
         \n\
         editor completion and checks (VS Code with Even Better TOML, or any Taplo-based editor):\n\
         \x20 rolecall schema > {schema}\n\
         \x20 then make this the first line of {model}:\n\
         \x20 #:schema ./rolecall.schema.json\n",
        files = files.concat(),
        model = dir.join("model.toml").display(),
        schema = dir.join("rolecall.schema.json").display(),
    )
}
