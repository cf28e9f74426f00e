//! Loading the two sides of a change report: a model, or the model copy of a bundle.
//!
//! Part of the change report, beside the pipeline: `build --previous` and `diff`
//! load two sides, which [`compute`](super::compute) compares. Each side is a
//! model (a TOML file or directory, validated as of the given date) or an
//! evidence bundle (a `.zip`, or a directory holding `manifest.json`). A bundle is
//! read by `verify::bundle_model` (bounded, every path checked, and it must
//! verify); its `model/` files are written to a temporary directory and loaded by
//! the ordinary loader, validated as of the bundle's date. A temporary directory
//! rather than an in-memory loader: validation checks the logo on disk, and the
//! old model is then read exactly as any model directory is (which files count,
//! in which order), with no second loading path to keep in step.

use std::io::Read as _;
use std::path::Path;

use std::collections::BTreeMap;

use super::{Digests, Side, SideInfo, SideKind, Slot};
use crate::date::Date;
use crate::diag;
use crate::error::{Context, Error, Result};
use crate::model::{self, Model};
use crate::render::{self, Document, Templates};
use crate::verify;

/// One side of a comparison, loaded and validated.
#[derive(Debug)]
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// Where it comes from.
    pub info: SideInfo,
    /// Its signed documents' digests.
    pub digests: Digests,
    /// Every signature its sheets ask for, with its status.
    pub signatures: Vec<Slot>,
    /// The digest each of its sheets prints, by sheet id (`all-staff` for the
    /// acknowledgement), for telling an older version from a mistyped digest.
    pub sheets: BTreeMap<String, String>,
    /// The temporary copy of a bundle's `model/` (the model's root and logo
    /// point into it), removed when the side is dropped.
    _copy: Option<tempfile::TempDir>,
}

impl Loaded {
    /// The side, for [`compute`](super::compute).
    pub fn side(&self) -> Side<'_> {
        Side {
            model: &self.model,
            info: &self.info,
            digests: &self.digests,
            signatures: &self.signatures,
        }
    }

    /// The side as `signatures::diagnostics` compares records with it.
    pub fn earlier(&self) -> crate::signatures::Earlier<'_> {
        crate::signatures::Earlier {
            label: &self.info.label,
            sheets: &self.sheets,
        }
    }
}

/// Whether `path` is an evidence bundle rather than a model: a directory
/// holding `manifest.json`, or a zip archive (by name or by content).
pub fn is_bundle(path: &Path) -> bool {
    if path.is_dir() {
        return std::fs::symlink_metadata(path.join("manifest.json")).is_ok();
    }
    let named_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let mut magic = [0u8; 4];
    named_zip
        || std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok_and(|()| magic == *b"PK\x03\x04")
}

/// Loads a side: a bundle's model as of its bundle date, or a model as of
/// `date`, rendered with the templates of `templates` (a `--templates` DIR).
pub fn load(path: &Path, date: Date, templates: Option<&Path>) -> Result<Loaded> {
    if is_bundle(path) {
        from_bundle(path, path.display().to_string())
    } else {
        from_model(path, date, templates)
    }
}

/// Loads the previous bundle of `build --previous`; the report names it by its
/// bundle name (the directory's name, or the zip's without `.zip`), so that the
/// report does not depend on where the bundle lies or on its form.
pub fn previous(path: &Path) -> Result<Loaded> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let label = match name.len().checked_sub(4) {
        Some(cut) if name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(".zip") => {
            name[..cut].to_string()
        }
        _ => name,
    };
    from_bundle(path, label)
}

/// Loads the model copy of the bundle at `path`, validated as of its bundle date.
/// Its documents' digests are those in the bundle: what its sheets were signed for.
pub fn from_bundle(path: &Path, label: String) -> Result<Loaded> {
    let shown = path.display().to_string();
    let bundle = verify::bundle_model(path)?;
    let Some(date) = Date::parse(&bundle.bundle_date) else {
        return Err(Error::new(format!(
            "the manifest.json of `{shown}` gives the bundle date `{}`, which is not a date",
            bundle.bundle_date
        ))
        .hint("compare against a bundle written by `rolecall build`"));
    };
    if bundle.files.is_empty() {
        return Err(Error::new(format!(
            "`{shown}` holds no model (its model/ folder is empty or missing)"
        ))
        .hint("compare against a bundle written by `rolecall build`, which copies the model into model/"));
    }
    // The paths were checked by `verify` (no `..`, no absolute path, no link);
    // `create_new` also refuses two names that this file system takes for one.
    let copy = tempfile::Builder::new()
        .prefix("rolecall-previous-")
        .tempdir()
        .context("failed to create a temporary directory for the bundle's model")?;
    let mut files = bundle.files;
    relocate_outside_logo(&mut files);
    let root = copy.path().join("model");
    for (rel, bytes) in &files {
        let target = root.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to copy model/{rel} of `{shown}`"))?;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .and_then(|mut f| std::io::Write::write_all(&mut f, bytes))
            .with_context(|| format!("failed to copy model/{rel} of `{shown}`"))?;
    }
    let mut checked = model::check(&root, date);
    // Diagnostics name the file in the bundle, not the temporary copy.
    for source in &mut checked.sources {
        source.path = Path::new(&shown).join("model").join(&source.rel);
    }
    let Some(mut model) = checked.model else {
        let errors = checked.errors();
        return Err(Error::new(format!(
            "the model in `{shown}` (the bundle of {date}) does not validate with rolecall {} ({errors} error{}); it may break a rule added or tightened since that bundle was built:\n{}",
            env!("CARGO_PKG_VERSION"),
            if errors == 1 { "" } else { "s" },
            diag::render_human(&checked.diagnostics, &checked.sources, &shown).trim_end()
        ))
        .hint("a change report needs both models to validate: fix a copy of the bundle's model/ folder and compare with `rolecall diff COPY MODEL`"));
    };
    let locale = render::Locale::load(&model.organisation.language, None)?;
    render::fill_defaults(&mut model, &locale)?;
    let bound: Vec<&str> = bundle
        .signature_sheets
        .iter()
        .map(|s| s.document.as_str())
        .collect();
    let digests = bundle
        .hashes
        .iter()
        .filter(|(p, _)| signed_document(p) || bound.contains(&p.as_str()))
        .map(|(p, h)| (p.clone(), h.clone()))
        .collect();
    let sheets = bundle
        .signature_sheets
        .iter()
        .filter(|s| !s.sheet.is_empty())
        .map(|s| (s.sheet.clone(), s.digest.clone()))
        .collect();
    Ok(Loaded {
        model,
        info: SideInfo {
            label,
            kind: SideKind::Bundle,
            bundle_date: Some(date.to_string()),
            date: date.to_string(),
            model_digest: bundle.model_digest,
        },
        digests,
        signatures: bundle.signatures,
        sheets,
        _copy: Some(copy),
    })
}

/// Points the `[organisation] logo` of a bundle's model files at the copy the
/// bundle holds, when the bundle was built before a logo had to lie inside the
/// model directory: its path climbed out (`../logo.png`) or was absolute, and
/// the model copy keeps the file as `assets/<name>`. The naming file's text changes only in
/// that value, so the old model validates as it did (its digest is the
/// manifest's, not recomputed).
fn relocate_outside_logo(files: &mut [(String, Vec<u8>)]) {
    #[derive(serde::Deserialize)]
    struct File {
        organisation: Option<Org>,
    }
    #[derive(serde::Deserialize)]
    struct Org {
        logo: Option<toml::Spanned<String>>,
    }
    let found = files.iter().enumerate().find_map(|(i, (rel, bytes))| {
        let text = std::str::from_utf8(bytes)
            .ok()
            .filter(|_| rel.ends_with(".toml"))?;
        let logo = toml::from_str::<File>(text).ok()?.organisation?.logo?;
        Some((i, logo))
    });
    let Some((i, logo)) = found else { return };
    let value = logo.get_ref();
    // The path from the model root: the naming file's directory, then the logo's.
    let mut dir: Vec<&str> = files[i].0.split('/').collect();
    dir.pop();
    let depth = dir.len();
    let mut parts = dir.clone();
    let mut climbs = value.starts_with('/') || Path::new(value).is_absolute();
    for part in value.split('/') {
        match part {
            "" | "." => {}
            ".." => climbs |= parts.pop().is_none(),
            name => parts.push(name),
        }
    }
    let Some(name) = parts.last().filter(|_| climbs) else {
        return;
    };
    let copy = format!("assets/{name}");
    if !files.iter().any(|(p, _)| *p == copy) {
        return;
    }
    let quoted = toml::Value::String(format!("{}{copy}", "../".repeat(depth))).to_string();
    let span = logo.span();
    let bytes = &mut files[i].1;
    bytes.splice(span, quoted.into_bytes());
}

/// Loads the model at `path` as of `date`; its documents' digests are those of
/// its documents rendered with the templates of `templates`.
fn from_model(path: &Path, date: Date, templates: Option<&Path>) -> Result<Loaded> {
    let shown = path.display().to_string();
    let checked = model::check(path, date);
    let Some(mut model) = checked.model else {
        let errors = checked.errors();
        return Err(Error::new(format!(
            "the model `{shown}` has {errors} error{}:\n{}",
            if errors == 1 { "" } else { "s" },
            diag::render_human(&checked.diagnostics, &checked.sources, &shown).trim_end()
        ))
        .hint(format!(
            "fix them first; `rolecall check {shown}` lists them"
        )));
    };
    let templates = Templates::load(templates, &model.organisation.language)?;
    render::fill_defaults(&mut model, templates.locale())?;
    let rendered = render::render(&model, &templates)?;
    let docs = rendered.documents;
    let model_digest = crate::bundle::model_digest(&crate::bundle::model_copy(&model)?);
    let signatures = crate::signatures::entries(
        &model,
        &rendered.register,
        templates.locale().text("signing.governing_body")?,
    );
    Ok(Loaded {
        info: SideInfo {
            label: shown,
            kind: SideKind::Model,
            bundle_date: None,
            date: date.to_string(),
            model_digest,
        },
        digests: document_digests(&docs),
        sheets: sheet_digests(&docs),
        signatures,
        model,
        _copy: None,
    })
}

/// Documents that carry signatures, in a bundle: role descriptions and the
/// policy, by the paths of the table of documents (a bundle of an earlier
/// version may not say which documents its sheets bind in its manifest).
fn signed_document(path: &str) -> bool {
    let role = render::documents::spec(render::documents::ROLE).path;
    let (dir, _) = role.split_once("{role}").unwrap_or((role, ""));
    path == render::documents::spec(render::documents::POLICY).path
        || (path.starts_with(dir) && path.ends_with(".md"))
}

/// The digests of the rendered documents that carry signatures: those a
/// sheet binds (and those [`signed_document`] picks from an older bundle).
pub fn document_digests(docs: &[Document]) -> Digests {
    let bound: Vec<&str> = docs
        .iter()
        .filter_map(|d| d.binds.as_ref().map(|b| b.document.as_str()))
        .collect();
    docs.iter()
        .filter(|d| signed_document(&d.path) || bound.contains(&d.path.as_str()))
        .map(|d| (d.path.clone(), d.digest.clone()))
        .collect()
}

/// The digest each rendered sheet prints, by sheet id.
fn sheet_digests(docs: &[Document]) -> BTreeMap<String, String> {
    docs.iter()
        .filter_map(|d| d.binds.as_ref())
        .map(|b| (b.sheet.to_string(), b.digest.clone()))
        .collect()
}

/// `changes.md` of a bundle being built for `model` against `previous`; `docs`
/// are the bundle's documents, `signatures` its register's entries and
/// `model_digest` its model digest.
pub fn changes_document(
    previous: &Loaded,
    model: &Model,
    docs: &[Document],
    signatures: &[Slot],
    model_digest: &str,
    templates: &Templates,
) -> Result<Document> {
    let info = SideInfo {
        label: "this bundle".into(),
        kind: SideKind::Bundle,
        bundle_date: Some(model.date.to_string()),
        date: model.date.to_string(),
        model_digest: model_digest.to_string(),
    };
    let digests = document_digests(docs);
    let new = Side {
        model,
        info: &info,
        digests: &digests,
        signatures,
    };
    let changes = super::compute(&previous.side(), &new);
    render::changes(model, templates, &changes, &old_side(&changes))
}

/// What the change report's title says of the old side of `changes`.
pub fn old_side(changes: &super::ChangeSet) -> render::OldSide {
    render::OldSide {
        bundle_date: changes.old.bundle_date.clone(),
        label: changes.old.label.clone(),
    }
}
