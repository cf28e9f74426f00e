//! Reading the model's files and parsing them, tolerantly, into raw items.
//!
//! First stage of the pipeline. A model is one TOML file or a directory whose
//! `*.toml` files (recursively, in sorted path order) are merged.
//! [`load_sources`] reads their text; [`parse`] reads each file with toml's
//! spanned document tree and deserializes it item by item (each `[[people]]`
//! entry, the `[policy]` table, ...) into the types of `raw`. Every syntax
//! error and every schema error (unknown key, wrong type, missing key) is
//! reported at its own place; an item with any of them is left out and
//! recorded in `RawModel::failed`, so that later stages do not report it again
//! as missing. Resolving and checking happen in `validate`.

use std::borrow::Cow;
use std::io::Read as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue, ValueDeserializer};

use super::hints::{self, Found, ValueError};
use super::raw::{Failed, Item, RawModel, Shape, TABLES};
use crate::diag::{Diagnostic, Location, SourceFile};
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
        // Its path is copied into the bundle, whose `verify` and `sha256sum -c`
        // must read it back.
        if let Some(why) = super::paths::unsafe_bundle_path(&format!("model/{rel}")) {
            errors.push(
                Diagnostic::new(
                    &rules::MODEL_STRUCTURE,
                    format!(
                        "the name of `{}` cannot be carried by a bundle ({why})",
                        file.display()
                    ),
                )
                .hint("rename it: model file names are copied into the evidence bundle, and `verify` and `sha256sum -c` refuse such a name"),
            );
            continue;
        }
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

/// Most syntax errors reported for one file: after a few, the parser's
/// recovery guesses more than it finds.
const MAX_SYNTAX_ERRORS: usize = 20;
/// Most schema errors reported for one item.
const MAX_ITEM_ERRORS: usize = 50;

/// Parses every source into one [`RawModel`], with a diagnostic for every
/// syntax and schema error.
pub fn parse(sources: &[SourceFile]) -> (RawModel, Vec<Diagnostic>) {
    let mut raw = RawModel::default();
    let mut failed = Failed::default();
    let mut diags = Vec::new();
    for (file, src) in sources.iter().enumerate() {
        let (doc, errors) = DeTable::parse_recoverable(&src.text);
        let Some(local) = syntax_errors(file, &src.text, &errors, &mut diags) else {
            // The parser's reading of the rest of the file is a guess: nothing
            // of it is used, and any table may have lost items.
            failed.unknown.extend(TABLES.iter().map(|(t, _)| *t));
            continue;
        };
        let doc = doc.into_inner();
        super::text::check(file, &doc, &mut diags);
        let mut starts: Vec<usize> = doc
            .iter()
            .flat_map(|(k, v)| match v.get_ref() {
                DeValue::Array(a) if a.iter().all(|i| i.get_ref().is_table()) => {
                    a.iter().map(|i| i.span().start).collect::<Vec<_>>()
                }
                _ => vec![k.span().start.min(v.span().start)],
            })
            .collect();
        starts.sort_unstable();
        for (key, value) in doc.iter() {
            let name = key.get_ref().as_ref();
            let Some(&(table, shape)) = TABLES.iter().find(|(t, _)| *t == name) else {
                let region = key.span().start..extent(value).end;
                if local.iter().any(|s| touches(&region, s)) {
                    continue;
                }
                let (diagnostic, meant) = unknown_table(file, key, value);
                diags.push(diagnostic);
                // The items written under a misspelt table are missing from it.
                match meant {
                    Some(table) => {
                        failed.unknown.insert(table);
                    }
                    None if value.get_ref().is_table() || value.get_ref().is_array() => {
                        failed.unknown.extend(TABLES.iter().map(|(t, _)| *t));
                    }
                    None => {}
                }
                continue;
            };
            let mut loader = Loader {
                text: &src.text,
                file,
                table,
                shape,
                key,
                value,
                starts: &starts,
                syntax: &local,
                diags: &mut diags,
                failed: &mut failed,
            };
            raw.add(table, &mut loader);
        }
    }
    raw.failed = failed;
    (raw, diags)
}

/// Reports a file's syntax errors (RC001). Returns the spans of those that
/// concern one value only, or `None` when one of them may have changed how
/// the parser read the rest of the file.
fn syntax_errors(
    file: usize,
    text: &str,
    errors: &[toml::de::Error],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<Range<usize>>> {
    let mut local = Vec::new();
    let mut structural = false;
    for (n, e) in errors.iter().enumerate() {
        let span = e.span().unwrap_or(0..0);
        let at = Some(Location {
            file,
            span: span.clone(),
        });
        if n == MAX_SYNTAX_ERRORS {
            let more = format!(
                "{} more syntax errors in this file are not shown",
                errors.len() - n
            );
            diags.push(
                Diagnostic::new(&rules::TOML_SYNTAX, more)
                    .at(at)
                    .hint("fix the errors above first"),
            );
            return None;
        }
        let found = text.get(span.clone()).unwrap_or("");
        let before = text.get(..span.start).unwrap_or("");
        let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let (message, hint) = hints::syntax(e.message(), found, line);
        diags.push(
            Diagnostic::new(&rules::TOML_SYNTAX, message)
                .at(at)
                .hint(hint),
        );
        if hints::is_local_syntax_error(e.message()) {
            local.push(span);
        } else {
            structural = true;
        }
    }
    (!structural).then_some(local)
}

/// RC002 for a top-level key that is no table of the model, and the table it
/// was likely meant to be.
fn unknown_table(
    file: usize,
    key: &Spanned<Cow<str>>,
    value: &Spanned<DeValue>,
) -> (Diagnostic, Option<&'static str>) {
    let name = key.get_ref().as_ref();
    let tables: Vec<String> = TABLES.iter().map(|(t, _)| t.to_string()).collect();
    let written = |t: &str| match TABLES.iter().find(|(n, _)| *n == t) {
        Some((_, Shape::Array)) => format!("[[{t}]]"),
        _ => format!("[{t}]"),
    };
    let at = Some(Location {
        file,
        span: key.span(),
    });
    if !value.get_ref().is_table() && !value.get_ref().is_array() {
        let d = Diagnostic::new(
            &rules::SCHEMA,
            format!("unknown key `{name}` outside any table"),
        )
        .at(at)
        .hint("keys belong under a table header, such as [organisation] or [[people]]");
        return (d, None);
    }
    // Singular forms are near enough to their tables but for one.
    let wanted = if name == "person" { "people" } else { name };
    let meant = hints::suggest(wanted, tables.iter())
        .and_then(|s| TABLES.iter().map(|(t, _)| *t).find(|t| t == s));
    let hint = match meant {
        Some(t) => format!("did you mean {}?", written(t)),
        None => format!(
            "the tables of a model are {}",
            tables
                .iter()
                .map(|t| written(t))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let d = Diagnostic::new(&rules::SCHEMA, format!("unknown table `{name}`"))
        .at(at)
        .hint(hint);
    (d, meant)
}

/// Whether `span` (possibly empty) lies at least partly in `region`.
fn touches(region: &Range<usize>, span: &Range<usize>) -> bool {
    span.start < region.end && region.start < span.end.max(span.start + 1)
}

/// Whether `outer` holds all of `inner`.
fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// From the start to the end of everything a value holds: an `[[array]]`
/// table's own span is only its header. Stand-ins for missing keys, which
/// are nowhere in the text, do not count.
fn extent(v: &Spanned<DeValue>) -> Range<usize> {
    let mut r = v.span();
    let mut widen = |s: Range<usize>| {
        if s != PLACEHOLDER {
            r.start = r.start.min(s.start);
            r.end = r.end.max(s.end);
        }
    };
    match v.get_ref() {
        DeValue::Table(t) => {
            for (k, v) in t.iter() {
                widen(k.span());
                widen(extent(v));
            }
        }
        DeValue::Array(a) => {
            for v in a.iter() {
                widen(extent(v));
            }
        }
        _ => {}
    }
    r
}

/// The span given to a value the loader put in for a missing key: no error
/// at it is the user's.
const PLACEHOLDER: Range<usize> = usize::MAX - 1..usize::MAX;

/// Values tried in turn for a missing key, so that the keys after it are
/// checked too, with how the hint writes each.
const PLACEHOLDERS: &[(&str, &str)] = &[
    ("\"\"", "\"…\""),
    ("2026-01-15", "2026-01-15"),
    ("false", "true"),
    ("0", "12"),
    ("[]", "[\"…\"]"),
    ("{}", "{ … }"),
    ("0.5", "0.5"),
];

/// One step from a table or list to what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The node at `path` below `root`.
fn node<'t, 'i>(root: &'t Spanned<DeValue<'i>>, path: &[Step]) -> Option<&'t Spanned<DeValue<'i>>> {
    let mut cur = root;
    for step in path {
        cur = match (step, cur.get_ref()) {
            (Step::Key(k), DeValue::Table(t)) => t.get(k.as_str())?,
            (Step::Index(i), DeValue::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// The table at `path` below `root`, to change.
fn table_mut<'t, 'i>(
    root: &'t mut Spanned<DeValue<'i>>,
    path: &[Step],
) -> Option<&'t mut DeTable<'i>> {
    let mut cur = root;
    for step in path {
        cur = match (step, cur.get_mut()) {
            (Step::Key(k), DeValue::Table(t)) => t.get_mut(k.as_str())?,
            (Step::Index(i), DeValue::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    match cur.get_mut() {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

/// The path to the innermost key or value holding `span`.
fn path_to(v: &Spanned<DeValue>, span: &Range<usize>, path: &mut Vec<Step>) {
    match v.get_ref() {
        DeValue::Table(t) => {
            for (k, v) in t.iter() {
                if contains(&k.span(), span) {
                    path.push(Step::Key(k.get_ref().to_string()));
                    return;
                }
                if contains(&extent(v), span) {
                    path.push(Step::Key(k.get_ref().to_string()));
                    return path_to(v, span, path);
                }
            }
        }
        DeValue::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                if contains(&extent(v), span) {
                    path.push(Step::Index(i));
                    return path_to(v, span, path);
                }
            }
        }
        _ => {}
    }
}

/// The path to the table whose own span is `span` (where serde reports a
/// missing key).
fn table_path(v: &Spanned<DeValue>, span: &Range<usize>) -> Option<Vec<Step>> {
    if v.span() == *span && v.get_ref().is_table() {
        return Some(Vec::new());
    }
    let children: Vec<(Step, &Spanned<DeValue>)> = match v.get_ref() {
        DeValue::Table(t) => t
            .iter()
            .map(|(k, v)| (Step::Key(k.get_ref().to_string()), v))
            .collect(),
        DeValue::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        if contains(&extent(child), span) {
            if let Some(mut rest) = table_path(child, span) {
                rest.insert(0, step);
                return Some(rest);
            }
        }
    }
    None
}

/// What a value is, for a message.
fn found<'a>(v: &'a DeValue, text: &'a str) -> Found<'a> {
    match v {
        DeValue::String(s) => Found::String(s),
        DeValue::Integer(_) => Found::Scalar("an integer", text),
        DeValue::Float(_) => Found::Scalar("a number with a fraction", text),
        DeValue::Boolean(_) => Found::Scalar("`true` or `false`", text),
        DeValue::Datetime(_) => Found::Scalar("a date", text),
        DeValue::Array(_) => Found::List,
        DeValue::Table(_) => Found::Table,
    }
}

/// Reads the items of one top-level key of one file: see [`RawModel::add`].
pub struct Loader<'a, 'i> {
    text: &'a str,
    file: usize,
    table: &'static str,
    shape: Shape,
    key: &'a Spanned<Cow<'i, str>>,
    value: &'a Spanned<DeValue<'i>>,
    /// Where the file's top-level items start, sorted.
    starts: &'a [usize],
    /// The file's syntax errors that concern one value (see `hints::is_local_syntax_error`).
    syntax: &'a [Range<usize>],
    diags: &'a mut Vec<Diagnostic>,
    failed: &'a mut Failed,
}

impl<'i> Loader<'_, 'i> {
    /// Loads every item under the key into `out`; reports and records the ones that fail.
    pub(super) fn items<T: DeserializeOwned>(&mut self, out: &mut Vec<Item<T>>) {
        let value = self.value;
        match (self.shape, value.get_ref()) {
            (Shape::Array, DeValue::Array(items)) => {
                for item in items.iter() {
                    if item.get_ref().is_table() {
                        out.extend(self.item(item));
                        continue;
                    }
                    let table = self.table;
                    self.diags.push(
                        Diagnostic::new(
                            &rules::SCHEMA,
                            format!(
                                "every entry of `{table}` must be a table, not {}",
                                found(item.get_ref(), "").noun()
                            ),
                        )
                        .at(Some(Location {
                            file: self.file,
                            span: item.span(),
                        }))
                        .hint(format!(
                            "write each entry as `[[{table}]]` followed by `key = value` lines"
                        )),
                    );
                    self.failed.unknown.insert(table);
                }
            }
            (Shape::Table, DeValue::Table(_)) => out.extend(self.item(value)),
            (shape, _) => {
                let (written, wanted) = match shape {
                    Shape::Array => (format!("[[{}]]", self.table), "tables"),
                    Shape::Table => (format!("[{}]", self.table), "a table"),
                };
                self.diags.push(
                    Diagnostic::new(
                        &rules::SCHEMA,
                        format!("`{}` must be {wanted}, written {written}", self.table),
                    )
                    .at(Some(Location {
                        file: self.file,
                        span: self.key.span(),
                    }))
                    .hint(format!(
                        "start each with a line `{written}` followed by `key = value` lines"
                    )),
                );
                self.failed.unknown.insert(self.table);
            }
        }
    }

    /// `[[people]]` or `[policy]`, as the table is written.
    fn written(&self, path: &[Step]) -> String {
        let mut name = self.table.to_string();
        for step in path {
            if let Step::Key(k) = step {
                name.push('.');
                name.push_str(k);
            }
        }
        let array = match path.last() {
            Some(Step::Index(_)) => true,
            Some(Step::Key(_)) => false,
            None => self.shape == Shape::Array,
        };
        if array {
            format!("[[{name}]]")
        } else {
            format!("[{name}]")
        }
    }

    /// One item: deserialized, or reported (every error of it) and recorded as failed.
    fn item<T: DeserializeOwned>(&mut self, value: &Spanned<DeValue<'i>>) -> Option<Item<T>> {
        let start = value.span().start;
        let next = self.starts.iter().find(|&&s| s > start).copied();
        let region = start..next.unwrap_or(self.text.len()).max(extent(value).end);
        let broken = self.syntax.iter().any(|s| touches(&region, s));
        let (parsed, errors) = self.deserialize::<T>(value);
        // An error where the syntax is broken is that syntax error again.
        let errors: Vec<Diagnostic> = errors
            .into_iter()
            .filter(|d| {
                d.location
                    .as_ref()
                    .is_none_or(|l| !self.syntax.iter().any(|s| touches(&l.span, s)))
            })
            .collect();
        let ok = errors.is_empty() && !broken;
        self.diags.extend(errors);
        match parsed {
            Some(value_) if ok => Some(Item {
                file: self.file,
                span: value.span(),
                value: value_,
            }),
            _ => {
                let id = match value.get_ref() {
                    DeValue::Table(t) => t.get("id").and_then(|v| v.get_ref().as_str()),
                    _ => None,
                };
                match id {
                    Some(id) => {
                        self.failed
                            .ids
                            .entry(self.table)
                            .or_default()
                            .insert(id.to_string());
                    }
                    None => {
                        self.failed.unknown.insert(self.table);
                    }
                }
                None
            }
        }
    }

    /// Deserializes `value` into `T`, and on each error takes out the key at
    /// fault (or puts in a stand-in for a missing one) and tries again, so
    /// that every error of the item is found. Returns `T` (meaningful only
    /// without errors) and the errors.
    fn deserialize<T: DeserializeOwned>(
        &self,
        value: &Spanned<DeValue<'i>>,
    ) -> (Option<T>, Vec<Diagnostic>) {
        let mut retry = Retry {
            loader: self,
            original: value,
            tree: value.clone(),
            errors: Vec::new(),
            standins: Vec::new(),
            meant: Vec::new(),
        };
        let mut parsed = None;
        for _ in 0..(MAX_ITEM_ERRORS + 2 * PLACEHOLDERS.len()) {
            if retry.errors.len() >= MAX_ITEM_ERRORS {
                break;
            }
            let e = match T::deserialize(ValueDeserializer::from(retry.tree.clone())) {
                Ok(t) => {
                    parsed = Some(t);
                    break;
                }
                Err(e) => e,
            };
            let message = hints::first_line(e.message());
            let span = e.span().unwrap_or_else(|| value.span());
            let again = if span == PLACEHOLDER {
                retry.next_standin()
            } else if let Some(rest) = message.strip_prefix("missing field `") {
                retry.missing(rest.split('`').next().unwrap_or(rest), span)
            } else {
                retry.take_out(&message, span)
            };
            if !again {
                break;
            }
        }
        retry.settle();
        (parsed, retry.errors)
    }
}

/// A stand-in for a missing key, put in so that the keys after it are checked too.
struct Standin {
    /// The table it is in.
    path: Vec<Step>,
    key: String,
    /// Which of [`PLACEHOLDERS`] it is.
    kind: usize,
    /// The error that reported the key missing, whose hint says how to write it.
    reported: Option<usize>,
}

/// The state of [`Loader::deserialize`]: the item as it is being mended, and
/// what was found so far.
struct Retry<'l, 'a, 'i> {
    loader: &'l Loader<'a, 'i>,
    /// The item as written.
    original: &'l Spanned<DeValue<'i>>,
    /// The item, less the keys at fault, plus stand-ins for missing keys.
    tree: Spanned<DeValue<'i>>,
    errors: Vec<Diagnostic>,
    standins: Vec<Standin>,
    /// Keys an unknown key was taken to mean, by table: their absence is that typo.
    meant: Vec<(Vec<Step>, String)>,
}

impl Retry<'_, '_, '_> {
    fn at(&self, span: Range<usize>) -> Option<Location> {
        Some(Location {
            file: self.loader.file,
            span,
        })
    }

    /// The latest stand-in has the wrong type: the next one. False when none is left.
    fn next_standin(&mut self) -> bool {
        let Some(last) = self.standins.last_mut() else {
            return false;
        };
        last.kind += 1;
        let Some(&(literal, _)) = PLACEHOLDERS.get(last.kind) else {
            return false;
        };
        let key = Spanned::new(PLACEHOLDER, Cow::Owned(last.key.clone()));
        let Some(table) = table_mut(&mut self.tree, &last.path) else {
            return false;
        };
        table.insert(key, standin(literal));
        true
    }

    /// Key `key` is missing from the table at `span`: reported, unless it was
    /// taken out for an error of its own or an unknown key is its typo; then
    /// a stand-in is put in.
    fn missing(&mut self, key: &str, span: Range<usize>) -> bool {
        self.settle();
        let Some(path) = table_path(&self.tree, &span) else {
            let d = Diagnostic::new(&rules::SCHEMA, format!("missing key `{key}`"));
            self.errors.push(d.at(self.at(span)));
            return false;
        };
        let removed = node(self.original, &path)
            .and_then(|t| t.get_ref().as_table())
            .is_some_and(|t| t.contains_key(key));
        let misspelt = self.meant.iter().any(|(p, k)| *p == path && k == key);
        let reported = (!removed && !misspelt).then(|| {
            let (m, h) = hints::missing_key(key, &self.loader.written(&path), None);
            let d = Diagnostic::new(&rules::SCHEMA, m).hint(h);
            self.errors.push(d.at(self.at(span)));
            self.errors.len() - 1
        });
        let Some(table) = table_mut(&mut self.tree, &path) else {
            return false;
        };
        table.insert(
            Spanned::new(PLACEHOLDER, Cow::Owned(key.to_string())),
            standin(PLACEHOLDERS[0].0),
        );
        self.standins.push(Standin {
            path,
            key: key.to_string(),
            kind: 0,
            reported,
        });
        true
    }

    /// An unknown key or a bad value at `span`: reported, and the whole key
    /// it is under taken out (so that a list with many bad entries is one error).
    fn take_out(&mut self, message: &str, span: Range<usize>) -> bool {
        self.settle();
        let mut path = Vec::new();
        path_to(&self.tree, &span, &mut path);
        let Some(key_at) = path.iter().rposition(|s| matches!(s, Step::Key(_))) else {
            let d = Diagnostic::new(&rules::SCHEMA, message);
            self.errors.push(d.at(self.at(span)));
            return false;
        };
        let Step::Key(key) = path[key_at].clone() else {
            return false;
        };
        let table_at = &path[..key_at];
        let written = self.loader.written(table_at);
        let (m, h) = if let Some(rest) = message.strip_prefix("unknown field `") {
            let unknown = rest.split('`').next().unwrap_or(rest);
            let (m, h, suggested) = hints::unknown_key(unknown, &written, message);
            self.meant.extend(suggested.map(|k| (table_at.to_vec(), k)));
            (m, h)
        } else {
            let in_list = path.len() > key_at + 1
                && node(&self.tree, &path[..=key_at]).is_some_and(|v| v.get_ref().is_array());
            match node(&self.tree, &path) {
                Some(v) => hints::value(&ValueError {
                    message,
                    key: &key,
                    in_list,
                    found: found(v.get_ref(), self.loader.text.get(v.span()).unwrap_or("")),
                }),
                None => (message.to_string(), "see docs/model.md".to_string()),
            }
        };
        let d = Diagnostic::new(&rules::SCHEMA, m).hint(h);
        self.errors.push(d.at(self.at(span)));
        let Some(table) = table_mut(&mut self.tree, table_at) else {
            return false;
        };
        table.remove(key.as_str()).is_some()
    }

    /// Writes into each reported missing key's hint how to write its value,
    /// now that a stand-in of the right type was found.
    fn settle(&mut self) {
        for s in &self.standins {
            let (Some(i), Some((_, example))) = (s.reported, PLACEHOLDERS.get(s.kind)) else {
                continue;
            };
            let (_, hint) =
                hints::missing_key(&s.key, &self.loader.written(&s.path), Some(example));
            self.errors[i].hint = Some(hint);
        }
    }
}

/// A stand-in value for a missing key.
fn standin<'i>(literal: &'static str) -> Spanned<DeValue<'i>> {
    let value = DeValue::parse(literal)
        .map(Spanned::into_inner)
        .unwrap_or(DeValue::Array(DeArray::new()));
    Spanned::new(PLACEHOLDER, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses one file; returns what loaded and each diagnostic as `line: message (hint)`.
    fn parse_one(text: &str) -> (RawModel, Vec<String>) {
        let sources = [SourceFile {
            path: "m.toml".into(),
            rel: "m.toml".into(),
            text: text.into(),
        }];
        let (raw, mut diags) = parse(&sources);
        diags.sort_by_key(|d| d.location.as_ref().map(|l| l.span.start));
        let shown = diags
            .iter()
            .map(|d| {
                let line = d
                    .location
                    .as_ref()
                    .map_or(0, |l| crate::diag::line_col(text, l.span.start).0);
                format!(
                    "{line}: {} ({})",
                    d.message,
                    d.hint.as_deref().unwrap_or("")
                )
            })
            .collect();
        (raw, shown)
    }

    #[test]
    fn every_error_of_an_item_is_reported_and_the_item_left_out() {
        let (raw, diags) = parse_one(
            "[[people]]\nid = \"a\"\nnmae = \"A\"\ntitle = 3\nleft = \"2026-01-01\"\n\n\
             [[people]]\nid = \"b\"\nname = \"B\"\ntitle = \"T\"\n",
        );
        assert_eq!(
            diags,
            [
                "3: unknown key `nmae` in [[people]] (did you mean `name`?)",
                "4: `title` must be a string, not an integer (put the value in double quotes: `title = \"3\"`)",
                "5: `left` must be a date, not a string (remove the quotes: `left = 2026-01-01`)",
            ]
        );
        // The misspelt `name` is not missing as well; `b` loads, `a` is remembered.
        assert_eq!(raw.people.len(), 1);
        assert_eq!(raw.people[0].id.get_ref(), "b");
        assert!(raw.failed.may_hold("people", "a"));
        assert!(!raw.failed.may_hold("people", "b"));
        assert!(raw.failed.complete("roles"));
    }

    #[test]
    fn every_missing_key_is_reported_with_how_to_write_it() {
        let (raw, diags) = parse_one("[policy]\nid = \"P\"\nowner = \"r\"\n");
        assert_eq!(
            diags,
            [
                "1: missing key `version` in [policy] (add `version = \"…\"` to [policy])",
                "1: missing key `approver` in [policy] (add `approver = \"…\"` to [policy])",
                "1: missing key `effective` in [policy] (add `effective = 2026-01-15` to [policy])",
            ]
        );
        assert!(raw.policy.is_empty());
        assert!(!raw.failed.complete("policy"));
    }

    #[test]
    fn errors_in_nested_tables_name_their_table() {
        let (_, diags) = parse_one(
            "[policy]\nid = \"P\"\nversion = \"1\"\nowner = \"r\"\napprover = \"r\"\neffective = 2026-01-01\n\
             [[policy.history]]\nversion = \"1\"\ndate = 2026-01-01\nauthor = \"a\"\n\
             [[policy.history]]\nversion = \"2\"\nauthor = \"a\"\nsumary = \"x\"\n",
        );
        assert_eq!(
            diags,
            [
                "7: missing key `summary` in [[policy.history]] (add `summary = \"…\"` to this [[policy.history]] entry)",
                "11: missing key `date` in [[policy.history]] (add `date = 2026-01-15` to this [[policy.history]] entry)",
                "14: unknown key `sumary` in [[policy.history]] (did you mean `summary`?)",
            ]
        );
    }

    #[test]
    fn a_broken_file_is_left_out_and_a_bad_date_only_its_item() {
        let (raw, diags) = parse_one("[[people]]\nid = \"a\"\nname = \"A\ntitle = \"T\"\n");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert!(diags[0].starts_with("3: invalid TOML"), "{diags:?}");
        assert!(raw.people.is_empty());
        assert!(
            raw.failed.may_hold("roles", "anything"),
            "every table may have lost items"
        );

        let (raw, diags) = parse_one(
            "[[people]]\nid = \"a\"\nname = \"A\"\ntitle = \"T\"\nleft = 2026-02-30\n\n\
             [[people]]\nid = \"b\"\nname = \"B\"\ntitle = \"T\"\n",
        );
        assert_eq!(
            diags,
            [
                "5: invalid TOML (invalid date, expected day between 01 and 28) (February 2026 has 28 days)"
            ]
        );
        assert_eq!(raw.people.len(), 1);
        assert!(raw.failed.may_hold("people", "a"));
        assert!(raw.failed.complete("roles"));
    }

    #[test]
    fn unknown_tables_suggest_the_right_one() {
        let (raw, diags) = parse_one("[[person]]\nid = \"a\"\n\n[organization]\nname = \"x\"\n");
        assert_eq!(
            diags,
            [
                "1: unknown table `person` (did you mean [[people]]?)",
                "4: unknown table `organization` (did you mean [organisation]?)",
            ]
        );
        assert!(!raw.failed.complete("people") && !raw.failed.complete("organisation"));
        assert!(raw.failed.complete("roles"));
    }
}
