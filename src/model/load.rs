//! Reading the model's files from disk.
//!
//! First stage of the pipeline. A model is one TOML file or a directory whose
//! `*.toml` files (recursively, in sorted path order) are merged. This module
//! only reads text; parsing and checking happen in `validate`.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, SourceFile};
use crate::rules;

/// Largest model file rolecall reads; larger files are refused before they are read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// How deep a model directory may nest.
const MAX_DEPTH: usize = 16;

/// The text of a model, ready to parse.
#[derive(Debug)]
pub struct Loaded {
    /// The model's root directory.
    pub root: PathBuf,
    /// Its files, sorted by relative path.
    pub sources: Vec<SourceFile>,
}

/// Reads the model at `path`: one file, or every `*.toml` below a directory.
pub fn load_sources(path: &Path) -> Result<Loaded, Vec<Diagnostic>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        vec![
            Diagnostic::new(
                &rules::MODEL_STRUCTURE,
                format!("cannot read model `{}` ({e})", path.display()),
            )
            .hint("pass a model file (model.toml) or a directory of *.toml files"),
        ]
    })?;
    let mut files = Vec::new();
    let root;
    if meta.is_dir() {
        root = path.to_path_buf();
        let mut errors = Vec::new();
        collect(path, 0, &mut files, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        files.sort();
        if files.is_empty() {
            return Err(vec![
                Diagnostic::new(
                    &rules::MODEL_STRUCTURE,
                    format!("no *.toml files in `{}`", path.display()),
                )
                .hint("run `rolecall init DIR` to start a model"),
            ]);
        }
    } else {
        root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        if path.file_name().is_some_and(|n| n.to_str().is_none()) {
            return Err(vec![
                Diagnostic::new(
                    &rules::MODEL_STRUCTURE,
                    format!("the name of `{}` is not UTF-8", path.display()),
                )
                .hint("rename it; model file names are copied into the evidence bundle"),
            ]);
        }
        files.push(path.to_path_buf());
    }

    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        // A linked model file must not bring in text from outside the model.
        if meta.is_dir()
            && let Err(r) = super::paths::contained(&root, &file, "model file")
        {
            errors.push(Diagnostic::new(&rules::MODEL_STRUCTURE, r.message).hint(r.hint));
            continue;
        }
        match read_text(&file) {
            Ok(text) => sources.push(SourceFile {
                path: file,
                rel,
                text,
            }),
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(Loaded { root, sources })
    } else {
        Err(errors)
    }
}

fn read_text(file: &Path) -> Result<String, Diagnostic> {
    let fail = |what: String| Diagnostic::new(&rules::MODEL_STRUCTURE, what);
    let meta = std::fs::metadata(file)
        .map_err(|e| fail(format!("cannot read `{}` ({e})", file.display())))?;
    // Reading a pipe or a device would block or never end.
    if !meta.is_file() {
        return Err(fail(format!(
            "`{}` is not a regular file (a pipe, socket or device)",
            file.display()
        ))
        .hint("pass a model file (model.toml) or a directory of *.toml files"));
    }
    let len = meta.len();
    if len > MAX_FILE_BYTES {
        return Err(fail(format!(
            "`{}` is too large to be a model file ({len} bytes, the limit is {MAX_FILE_BYTES})",
            file.display()
        ))
        .hint("split the model into several files, or check that this is the right file"));
    }
    // Bounded even if the file grows after its size was read.
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("cannot read `{}` ({e})", file.display())))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(format!(
            "`{}` grew past {MAX_FILE_BYTES} bytes while it was read",
            file.display()
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "`{}` is not UTF-8 (invalid byte at offset {})",
            file.display(),
            e.utf8_error().valid_up_to()
        ))
        .hint("save the file as UTF-8")
    })
}

/// Collects `*.toml` files below `dir`. Hidden directories, symbolic links to
/// directories (which could loop) and directories holding an evidence bundle
/// (a `manifest.json` beside `SHA256SUMS`, whose `model/` copy would otherwise
/// be merged twice) are skipped.
fn collect(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostic>) {
    if depth > MAX_DEPTH {
        errors.push(Diagnostic::new(
            &rules::MODEL_STRUCTURE,
            format!(
                "`{}` is nested more than {MAX_DEPTH} directories deep",
                dir.display()
            ),
        ));
        return;
    }
    if depth > 0 && dir.join("manifest.json").is_file() && dir.join("SHA256SUMS").is_file() {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(Diagnostic::new(
                &rules::MODEL_STRUCTURE,
                format!("cannot read directory `{}` ({e})", dir.display()),
            ));
            return;
        }
    };
    // Sorted, so that problems are reported in a stable order.
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let wanted = if kind.is_dir() {
            !name.starts_with('.')
        } else {
            name.ends_with(".toml") && !name.starts_with('.')
        };
        // Model paths are copied into the bundle: a name that is not UTF-8 would
        // be changed there (and two such names could become one).
        if wanted && entry.file_name().to_str().is_none() {
            errors.push(
                Diagnostic::new(
                    &rules::MODEL_STRUCTURE,
                    format!("the name of `{}` is not UTF-8", path.display()),
                )
                .hint("rename it; model file names are copied into the evidence bundle"),
            );
            continue;
        }
        if kind.is_dir() {
            if !name.starts_with('.') {
                collect(&path, depth + 1, files, errors);
            }
        } else if name.ends_with(".toml") && !name.starts_with('.') {
            if kind.is_file() {
                files.push(path);
                continue;
            }
            // A symlink to a file is read; a symlink to a directory is not
            // followed; a link that loops or points nowhere is an error, not a
            // silently missing part of the model.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => files.push(path),
                Ok(m) if m.is_dir() => {}
                Ok(_) => errors.push(
                    Diagnostic::new(
                        &rules::MODEL_STRUCTURE,
                        format!(
                            "`{}` is not a regular file (a pipe, socket or device)",
                            path.display()
                        ),
                    )
                    .hint("model files are plain *.toml files; remove or rename this one"),
                ),
                Err(e) => errors.push(
                    Diagnostic::new(
                        &rules::MODEL_STRUCTURE,
                        format!("cannot read `{}` ({e})", path.display()),
                    )
                    .hint("fix or remove the symbolic link; model files are plain *.toml files"),
                ),
            }
        }
    }
}
