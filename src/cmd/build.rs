//! `rolecall build`: validate, render and write the dated evidence bundle.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::bundle::{self, BundleFile, ManifestInfo, SheetEntry};
use crate::cli::{BuildArgs, BundleFormat, PdfEngine};
use crate::diag;
use crate::export;
use crate::model::{self, Model};
use crate::pdf;
use crate::render::{self, BundleInfo, Document, Templates};
use crate::signatures;

/// Builds the bundle; refuses a model with errors (exit 1, diagnostics printed).
pub fn run(args: &BuildArgs) -> Result<ExitCode> {
    let date = super::bundle_date(&args.model)?;
    let checked = model::check(&args.model.model, date);
    let fallback = args.model.model.display().to_string();
    let Some(model) = checked.model else {
        eprint!(
            "{}",
            diag::render_human(&checked.diagnostics, &checked.sources, &fallback)
        );
        eprintln!("error: the model has errors; no bundle was written");
        return Ok(ExitCode::from(1));
    };
    let templates = Templates::load(args.templates.as_deref())?;
    let docs = render::render_documents(&model, &templates)?;
    let mut diagnostics = checked.diagnostics;
    diagnostics.extend(signatures::diagnostics(
        &model,
        &signatures::register(&model, &docs),
    ));
    if !diagnostics.is_empty() && !args.quiet {
        eprint!(
            "{}",
            diag::render_human(&diagnostics, &checked.sources, &fallback)
        );
    }
    let previous = args
        .previous
        .as_deref()
        .map(super::diff::previous)
        .transpose()?;
    let name = format!("{}-evidence-{}", model.organisation.slug, date);
    let pdf = (args.format == BundleFormat::MdPdf).then(|| pdf_options(args));
    let progress = pdf.as_ref().map(|p| p.progress.clone()).unwrap_or_default();
    progress.stage("rendering documents");
    let files = bundle_files(
        &model,
        &templates,
        docs,
        pdf.as_ref(),
        &args.out,
        &name,
        previous.as_ref(),
    )?;
    progress.stage("writing the bundle");
    let written = bundle::write(&args.out, &name, &files, date)?;
    progress.clear();
    if args.quiet {
        println!("{}", written.dir.display());
    } else {
        println!("bundle: {}", written.dir.display());
        println!("zip:    {}", written.zip.display());
        println!(
            "{} files for {} roles, {} activities, {} people (as of {date})",
            files.len(),
            model.roles.len(),
            model.activities.len(),
            model.active_people().count()
        );
        if let Some(p) = &previous {
            println!("changes.md: against {}", p.info.label);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn pdf_options(args: &BuildArgs) -> pdf::PdfOptions {
    let p = &args.pdf;
    pdf::PdfOptions {
        typst: p.typst.clone(),
        engine: match p.pdf_engine {
            PdfEngine::Bundle => pdf::Engine::Bundle,
            PdfEngine::PerDocument => pdf::Engine::PerDocument,
        },
        jobs: p
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        font_paths: p.font_path.clone(),
        system_fonts: p.system_fonts,
        pdf_standard: p.pdf_standard.clone(),
        timeout: std::time::Duration::from_secs(p.typst_timeout.max(1)),
        keep_sources: p.keep_sources,
        cache: (!p.no_cache).then(|| {
            p.cache_dir
                .clone()
                .unwrap_or_else(|| args.out.join(".rolecall-cache"))
        }),
        progress: crate::progress::Progress::on_terminal(args.quiet),
    }
}

/// Every file of the bundle, manifest and checksums included, sorted by path:
/// `docs` (from [`render::render_documents`]) and what derives from them. With
/// `pdf`, a PDF is built beside each Markdown document; the Typst sources
/// go to a temporary directory in `out` (kept as `out/<name>.typst` on request
/// or when typst fails). With `previous`, the bundle gets `changes.md`.
pub fn bundle_files(
    model: &Model,
    templates: &Templates,
    docs: Vec<Document>,
    pdf: Option<&pdf::PdfOptions>,
    out: &std::path::Path,
    name: &str,
    previous: Option<&super::diff::Loaded>,
) -> Result<Vec<BundleFile>> {
    let mut docs = docs;
    let model_files = model_copy(model)?;
    let model_digest = bundle::model_digest(&model_files);
    if let Some(previous) = previous {
        let changes =
            super::diff::changes_document(previous, model, &docs, &model_digest, templates)?;
        docs.push(changes);
    }
    let (pdfs, fonts) = match pdf {
        Some(opts) => build_pdfs(model, &docs, templates, opts, out, name)?,
        None => (Vec::new(), Vec::new()),
    };
    let mut entries: Vec<_> = docs.iter().map(|d| render::describe(d, model)).collect();
    entries.extend(export::index_entries());
    let info = BundleInfo {
        date: model.fmt_date(model.date),
        date_iso: model.date.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        model_digest: model_digest.clone(),
        pdf: pdf.is_some(),
    };
    let readme = render::render_index(model, templates, &entries, &info)?;
    let mut signature_sheets: Vec<SheetEntry> = docs
        .iter()
        .filter_map(|d| {
            d.binds.as_ref().map(|b| SheetEntry {
                path: d.path.clone(),
                sheet: b.sheet.clone(),
                document: b.document.clone(),
                digest: b.digest.clone(),
            })
        })
        .collect();
    signature_sheets.sort_by(|a, b| a.path.cmp(&b.path));
    let mut files: Vec<BundleFile> = docs
        .iter()
        .map(|d| BundleFile::text(d.path.clone(), d.markdown.clone()))
        .collect();
    files.extend(pdfs);
    files.extend(export::bundle_files(model)?);
    files.push(BundleFile::text("README.md", readme));
    files.extend(model_files);
    files.extend(crate::html::pages(&files, model, &docs, &info)?);
    bundle::assemble(
        files,
        ManifestInfo {
            date: model.date,
            organisation: model.organisation.name.clone(),
            model_digest,
            fonts,
            signature_sheets,
        },
    )
}

/// The model's own files under `model/`: its TOML sources and the logo.
pub(crate) fn model_copy(model: &Model) -> Result<Vec<BundleFile>> {
    let mut files: Vec<BundleFile> = model
        .sources
        .iter()
        .map(|s| BundleFile::text(format!("model/{}", s.rel), s.text.clone()))
        .collect();
    if let Some(logo) = &model.organisation.logo {
        let bytes = std::fs::read(logo)
            .with_context(|| format!("failed to read logo `{}`", logo.display()))?;
        let name = logo
            .strip_prefix(&model.root)
            .ok()
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .filter(|p| !p.is_empty() && !p.starts_with(".."))
            .unwrap_or_else(|| {
                format!(
                    "assets/{}",
                    logo.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )
            });
        files.push(BundleFile {
            path: format!("model/{name}"),
            bytes,
        });
    }
    Ok(files)
}

/// Checks fonts, writes the Typst sources and runs typst; returns one PDF per
/// document and the font families used.
fn build_pdfs(
    model: &Model,
    docs: &[Document],
    templates: &Templates,
    opts: &pdf::PdfOptions,
    out: &std::path::Path,
    name: &str,
) -> Result<(Vec<BundleFile>, Vec<String>)> {
    let typst = pdf::find_typst(opts.typst.as_deref())?;
    opts.progress.stage("checking fonts");
    let fonts = pdf::check_fonts(model, docs, opts)?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("failed to create `{}`", out.display()))?;
    let kept = out.join(format!("{name}.typst"));
    let staging = tempfile::Builder::new()
        .prefix(".rolecall-typst-")
        .tempdir_in(out)
        .with_context(|| {
            format!(
                "failed to create a temporary directory in `{}`",
                out.display()
            )
        })?;
    let keep = |staging: tempfile::TempDir| -> Result<()> {
        if kept.exists() {
            std::fs::remove_dir_all(&kept)
                .with_context(|| format!("failed to replace `{}`", kept.display()))?;
        }
        std::fs::rename(staging.keep(), &kept)
            .with_context(|| format!("failed to keep the Typst sources in `{}`", kept.display()))
    };
    let result = pdf::write_sources(staging.path(), model, docs, templates)
        .and_then(|sources| pdf::compile(&typst, &sources, model, opts));
    match result {
        Ok(files) => {
            if opts.keep_sources {
                keep(staging)?;
            }
            Ok((files, fonts))
        }
        Err(e) => {
            keep(staging)?;
            Err(e.context(format!(
                "failed to build PDFs; the Typst sources are kept in `{}`",
                kept.display()
            )))
        }
    }
}
