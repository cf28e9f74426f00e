//! The pipeline, as one function per command that needs it.
//!
//! [`check`] loads and validates the model, loads the templates and the locale
//! of its language, renders every document and the signature register, and
//! collects every diagnostic, each computed once. [`build`] turns what `check`
//! produced into the files of the bundle (PDFs, exports, HTML pages, the model
//! copy, the manifest) and writes them. [`diff`] loads two sides and renders the
//! change report. The commands in `cmd` only parse arguments, call these and
//! print.

use std::path::Path;

use crate::bundle::manifest::SheetEntry;
use crate::bundle::{self, BundleFile, ManifestInfo, Written};
use crate::bundle_sig;
use crate::changes::{self, ChangeSet, load::Loaded};
use crate::date::Date;
use crate::diag::{Diagnostic, SourceFile};
use crate::error::{Error, Result};
use crate::export;
use crate::model::{self, Model};
use crate::pdf;
use crate::render::{self, BundleInfo, Document, Rendered, Templates};
use crate::roster;
use crate::signatures;

/// What a run reads: the model, its date and the templates.
#[derive(Debug, Clone, Copy)]
pub struct Config<'a> {
    /// A model file or directory.
    pub model: &'a Path,
    /// The bundle date.
    pub date: Date,
    /// A directory of templates and locales overriding the built-in ones.
    pub templates: Option<&'a Path>,
    /// The fonts PDFs will be typeset with, whose glyphs the documents' text is
    /// checked against (RC080); `None` when no PDF is made.
    pub fonts: Option<Fonts<'a>>,
    /// An earlier bundle (`--previous`): a record's digest that its sheet
    /// printed is an older version, one found in neither bundle is unknown.
    pub previous: Option<&'a Path>,
}

/// The fonts a PDF build gives typst beside its embedded ones and the model's
/// `fonts/` folder.
#[derive(Debug, Clone, Copy)]
pub struct Fonts<'a> {
    /// `--font-path` directories.
    pub font_paths: &'a [std::path::PathBuf],
    /// `--system-fonts`.
    pub system_fonts: bool,
}

/// A model without errors, and everything rendered from it.
pub struct Valid {
    /// The model.
    pub model: Model,
    /// The templates and locale it was rendered with.
    pub templates: Templates,
    /// Every document (but the change report) and the signature register.
    pub rendered: Rendered,
}

/// The outcome of [`check`].
pub struct Checked {
    /// The model's files, for showing diagnostics.
    pub sources: Vec<SourceFile>,
    /// Every finding: the model's, then the recorded signatures'.
    pub diagnostics: Vec<Diagnostic>,
    /// The model and its documents, when it has no errors.
    pub valid: Option<Valid>,
    /// The earlier bundle of `Config::previous`, loaded.
    pub previous: Option<Loaded>,
}

impl Checked {
    /// The findings as `check` prints them to a person, paths shown relative to
    /// `shown` (the model as named on the command line).
    pub fn findings(&self, shown: &str) -> String {
        crate::diag::render_human(&self.diagnostics, &self.sources, shown)
    }

    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Loads, validates and renders the model; an error only when something other
/// than the model fails (a template, a locale).
pub fn check(config: &Config) -> Result<Checked> {
    let previous = config.previous.map(changes::load::previous).transpose()?;
    let checked = model::check(config.model, config.date);
    let mut diagnostics = checked.diagnostics;
    let valid = match checked.model {
        Some(mut model) => {
            // Recorded signatures are checked against the documents' digests, so
            // the documents are rendered with the templates the bundle will use.
            let templates = Templates::load(config.templates, &model.organisation.language)?;
            render::fill_defaults(&mut model, templates.locale())?;
            let rendered = render::render(&model, &templates)?;
            diagnostics.extend(signatures::diagnostics(
                &model,
                &rendered.register,
                previous.as_ref().map(Loaded::earlier),
            ));
            // What the PDF stage would refuse, found before a build starts.
            if let Some(fonts) = &config.fonts {
                diagnostics.extend(pdf::glyph_diagnostics(
                    &model,
                    &rendered.documents,
                    fonts.font_paths,
                    fonts.system_fonts,
                )?);
            }
            Some(Valid {
                model,
                templates,
                rendered,
            })
        }
        None => None,
    };
    // A finding of the documents (a glyph no font has) is as fatal as one of the model.
    let valid = valid.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    Ok(Checked {
        sources: checked.sources,
        diagnostics,
        valid,
        previous,
    })
}

/// Compares the staff of a valid model with an HR export (`check --roster`): the
/// export joins the sources (its rows are shown) and its findings the diagnostics.
/// The export is read, and its errors returned, even when the model has errors.
pub fn roster(checked: &mut Checked, path: &Path, columns: &roster::Columns) -> Result<()> {
    let roster = roster::read(path, columns)?;
    if let Some(valid) = &checked.valid {
        let file = checked.sources.len();
        let diagnostics = roster::diagnostics(&valid.model, &roster, file);
        checked.sources.push(roster.source);
        checked.diagnostics.extend(diagnostics);
    }
    Ok(())
}

/// How [`build`] writes the bundle.
pub struct BuildOptions<'a> {
    /// Where the bundle directory and zip go.
    pub out: &'a Path,
    /// PDF options; `None` for a bundle without PDFs.
    pub pdf: Option<pdf::PdfOptions>,
    /// Word documents beside the Markdown ones, with a reference document's bytes
    /// (its styles, header and footer) when one is given; `None` for none.
    pub docx: Option<Option<Vec<u8>>>,
    /// A previous bundle to report changes against: its path, and itself as
    /// [`check`] loaded it.
    pub previous: Option<(&'a Path, &'a Loaded)>,
    /// The key that signs `SHA256SUMS` (as `SHA256SUMS.sig`, outside the checksums).
    pub sign: Option<&'a bundle_sig::SigningKey>,
    /// Replace a different bundle of the same name in `out` (an issued bundle is
    /// otherwise never replaced).
    pub force: bool,
}

/// What [`build`] wrote.
pub struct Built {
    /// Where.
    pub written: Written,
    /// How many files the bundle holds.
    pub files: usize,
    /// The previous bundle's name, when the bundle has a change report.
    pub previous: Option<String>,
}

/// Builds the bundle of a valid model and writes it to `opts.out`.
pub fn build(valid: &Valid, opts: &BuildOptions) -> Result<Built> {
    let previous = opts.previous.map(|(_, loaded)| loaded);
    let name = bundle_name(&valid.model);
    // Held from the first write into OUT to the end: builds into one OUT take turns.
    let _lock = bundle::lock(opts.out, || {
        crate::term::err(&format!(
            "waiting for another rolecall build into `{}` to finish\n",
            crate::term::printable(&opts.out.display().to_string())
        ))
    })?;
    let progress = opts
        .pdf
        .as_ref()
        .map(|p| p.progress.clone())
        .unwrap_or_default();
    progress.stage("rendering documents");
    let staging = bundle::Staging::new(opts.out, &name, valid.model.date)?;
    let mut files = bundle_files(valid, opts, &name, previous, &staging)?;
    if let Some(key) = opts.sign {
        let signature = key.sign_bundle(&files)?;
        staging.add([&signature])?;
        files.push(signature);
    }
    progress.stage("writing the bundle");
    let written = staging.finish(
        &files,
        &bundle::Replace {
            force: opts.force,
            previous: opts.previous.map(|(path, _)| path),
        },
    )?;
    progress.clear();
    Ok(Built {
        written,
        files: files.len(),
        previous: previous.map(|p| p.info.label.clone()),
    })
}

/// `<org>-evidence-<date>`: the bundle directory's and zip's name (at most 84
/// bytes: the slug is at most [`model::MAX_SLUG`] characters).
pub fn bundle_name(model: &Model) -> String {
    format!("{}-evidence-{}", model.organisation.slug, model.date)
}

/// Every file of the bundle, manifest and checksums included, sorted by path,
/// each staged in `staging` as soon as it is made. The PDF stage runs beside
/// the rest: while typst typesets, this thread makes and stages the Word files,
/// exports, web pages and model copy.
fn bundle_files(
    valid: &Valid,
    opts: &BuildOptions,
    name: &str,
    previous: Option<&Loaded>,
    staging: &bundle::Staging,
) -> Result<Vec<BundleFile>> {
    let Valid {
        model,
        templates,
        rendered,
    } = valid;
    let locale = templates.locale();
    let mut docs: Vec<Document> = rendered.documents.clone();
    let model_files = bundle::model_copy(model)?;
    let model_digest = bundle::model_digest(&model_files);
    let signatures = signatures::entries(
        model,
        &rendered.register,
        locale.text("signing.governing_body")?,
    );
    if let Some(previous) = previous {
        docs.push(changes::load::changes_document(
            previous,
            model,
            &docs,
            &signatures,
            &model_digest,
            templates,
        )?);
    }
    std::thread::scope(|scope| {
        let pdfs = opts.pdf.as_ref().map(|pdf| {
            let docs = &docs;
            scope.spawn(move || pdf::build(model, docs, templates, pdf, staging, opts.out, name))
        });
        let others = other_files(valid, opts, &docs, model_files, &model_digest, staging);
        let (pdfs, fonts) = match pdfs {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err(Error::new("the PDF stage panicked")))?,
            None => (Vec::new(), Vec::new()),
        };
        let mut files = others?;
        files.extend(pdfs);
        let mut signature_sheets: Vec<SheetEntry> = docs
            .iter()
            .filter_map(|d| {
                d.binds.as_ref().map(|b| SheetEntry {
                    path: d.path.clone(),
                    sheet: b.sheet.to_string(),
                    document: b.document.clone(),
                    digest: b.digest.clone(),
                })
            })
            .collect();
        signature_sheets.sort_by(|a, b| a.path.cmp(&b.path));
        let files = bundle::assemble(
            files,
            ManifestInfo {
                date: model.date,
                organisation: model.organisation.name.clone(),
                model_digest: model_digest.clone(),
                fonts,
                signature_sheets,
                signatures,
            },
            &staging.digests(),
        )?;
        staging.add(
            files
                .iter()
                .filter(|f| bundle::INTEGRITY_FILES.contains(&f.path.as_str())),
        )?;
        Ok(files)
    })
}

/// The bundle's files but its PDFs, manifest and checksums, staged: the
/// documents' Markdown, Word files, exports, README, model copy and web pages.
fn other_files(
    valid: &Valid,
    opts: &BuildOptions,
    docs: &[Document],
    model_files: Vec<BundleFile>,
    model_digest: &str,
    staging: &bundle::Staging,
) -> Result<Vec<BundleFile>> {
    let Valid {
        model, templates, ..
    } = valid;
    let locale = templates.locale();
    let docx_files = match &opts.docx {
        Some(reference) => docs
            .iter()
            .map(|d| {
                Ok(BundleFile {
                    path: docx_path(&d.path),
                    bytes: docx(model, templates, d, reference.as_deref())?,
                })
            })
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let mut entries = docs
        .iter()
        .map(|d| render::describe(d, model, locale))
        .collect::<Result<Vec<_>>>()?;
    entries.extend(export::index_entries(locale)?);
    let info = BundleInfo {
        date: render::format_date(model, locale, model.date)?,
        date_iso: model.date.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        model_digest: model_digest.to_string(),
        pdf: opts.pdf.is_some(),
        signed_by: opts.sign.map(bundle_sig::SigningKey::fingerprint),
    };
    let readme = render::index(model, templates, &entries, &info)?;
    let mut files: Vec<BundleFile> = docs
        .iter()
        .map(|d| BundleFile::text(d.path.clone(), d.markdown.clone()))
        .collect();
    files.extend(docx_files);
    files.extend(export::bundle_files(model, locale)?);
    files.push(BundleFile::text("README.md", readme));
    files.extend(model_files);
    // The PDFs are still being made: the pages link them by path.
    let pdfs: Vec<String> = match opts.pdf {
        Some(_) => docs.iter().map(pdf::pdf_path).collect(),
        None => Vec::new(),
    };
    files.extend(crate::html::pages(
        &files,
        &pdfs,
        &model.organisation.name,
        docs,
        &info,
        templates,
    )?);
    staging.add(&files)?;
    Ok(files)
}

/// The change report between two sides (models or bundles), and its Markdown
/// rendered with the templates of the new side's model.
pub fn diff(
    old: &Path,
    new: &Path,
    date: Date,
    templates: Option<&Path>,
) -> Result<(ChangeSet, String)> {
    let old = changes::load::load(old, date, templates)?;
    let new = changes::load::load(new, date, templates)?;
    let set = changes::compute(&old.side(), &new.side());
    let templates = Templates::load(templates, &new.model.organisation.language)?;
    let markdown =
        render::changes(&new.model, &templates, &set, &changes::load::old_side(&set))?.markdown;
    Ok((set, markdown))
}

/// The bundle path of a document's Word twin: `roles/ceo.md` → `roles/ceo.docx`.
fn docx_path(md: &str) -> String {
    format!("{}.docx", md.strip_suffix(".md").unwrap_or(md))
}

/// One document as a Word file, laid out like its PDF: letterhead, footer, paper and
/// language from the model, the page frame's words from the locale, and the
/// policy's effective date as its date (so that, as the PDFs, its bytes do not
/// follow the bundle date).
pub fn docx(
    model: &Model,
    templates: &Templates,
    doc: &Document,
    reference: Option<&[u8]>,
) -> Result<Vec<u8>> {
    let locale = templates.locale();
    let logo = match &model.organisation.logo {
        Some(path) => Some((
            crate::model::paths::read_logo(&model.root, path)?,
            path.extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default(),
        )),
        None => None,
    };
    let version = format!("{} {{version}}", locale.text("layout.version")?);
    let opts = crate::docx::DocxOptions {
        title: &doc.title,
        org_name: &model.organisation.name,
        doc_id: &doc.doc_id,
        version: &doc.version,
        classification: &model.policy.classification,
        paper: model.organisation.paper,
        lang: locale.tag(),
        layout: crate::docx::Layout::from_name(doc.spec.id).unwrap_or(crate::docx::Layout::Role),
        logo: logo
            .as_ref()
            .map(|(bytes, ext)| crate::docx::Logo { bytes, ext }),
        labels: crate::docx::Labels {
            version: &version,
            page: locale.text("layout.page")?,
            contents: locale.text("layout.contents")?,
        },
        date: model.policy.effective,
        reference,
    };
    crate::docx::document(&doc.markdown, &opts)
        .map_err(|e| e.context(format!("cannot write {} as Word", doc.path)))
}

/// The Word file of the document at `path` (`roles/ceo.md`) of a valid model, for
/// `rolecall export --format docx DOC`.
pub fn docx_of(valid: &Valid, path: &str, reference: Option<&[u8]>) -> Result<Vec<u8>> {
    let docs = &valid.rendered.documents;
    let Some(doc) = docs.iter().find(|d| d.path == path) else {
        let known: Vec<&str> = docs.iter().take(8).map(|d| d.path.as_str()).collect();
        return Err(crate::error::Error::usage(format!("no document `{path}` in the bundle"))
            .hint(format!(
                "name a document by its bundle path, such as {} (the bundle's README lists them all)",
                known.join(", ")
            )));
    };
    docx(&valid.model, &valid.templates, doc, reference)
}
