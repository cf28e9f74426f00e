//! `rolecall build`: validate, render and write the dated evidence bundle.

use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::bundle::{self, BundleFile};
use crate::cli::BuildArgs;
use crate::diag;
use crate::model::{self, Model};
use crate::render::{self, BundleInfo, Templates};

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
    if !checked.diagnostics.is_empty() && !args.quiet {
        eprint!(
            "{}",
            diag::render_human(&checked.diagnostics, &checked.sources, &fallback)
        );
    }
    let templates = Templates::load(args.templates.as_deref())?;
    let files = bundle_files(&model, &templates)?;
    let name = format!("{}-evidence-{}", model.organisation.slug, date);
    let written = bundle::write(&args.out, &name, &files, date)?;
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
    }
    Ok(ExitCode::SUCCESS)
}

/// Every file of the bundle, manifest and checksums included, sorted by path.
pub fn bundle_files(model: &Model, templates: &Templates) -> Result<Vec<BundleFile>> {
    let docs = render::render_documents(model, templates)?;
    let model_files = model_copy(model)?;
    let model_digest = bundle::model_digest(&model_files);
    let entries: Vec<_> = docs.iter().map(|d| render::describe(d, model)).collect();
    let info = BundleInfo {
        date: model.fmt_date(model.date),
        date_iso: model.date.to_string(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        model_digest: model_digest.clone(),
        pdf: false,
    };
    let readme = render::render_index(model, templates, &entries, &info)?;
    let mut files: Vec<BundleFile> = docs
        .into_iter()
        .map(|d| BundleFile::text(d.path, d.markdown))
        .collect();
    files.push(BundleFile::text("README.md", readme));
    files.extend(model_files);
    bundle::assemble(files, model.date, &model.organisation.name, model_digest)
}

/// The model's own files under `model/`: its TOML sources and the logo.
fn model_copy(model: &Model) -> Result<Vec<BundleFile>> {
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
