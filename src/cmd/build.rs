//! `rolecall build`: validate, render and write the dated evidence bundle.

use std::process::ExitCode;

use crate::bundle_sig::{self, SigningKey};
use crate::cli::{BuildArgs, BundleFormat};
use crate::date::Date;
use crate::error::Result;
use crate::pdf::PdfOptions;
use crate::pipeline::{self, BuildOptions, Config};
use crate::term;

/// Builds the bundle; refuses a model with errors (exit 1, diagnostics printed).
pub fn run(args: &BuildArgs) -> Result<ExitCode> {
    let date = Date::resolve(args.model.date)?;
    let checked = pipeline::check(&Config {
        model: &args.model.model,
        date,
        templates: args.templates.as_deref(),
        // A Markdown-only or Word build needs no glyph of typst's fonts.
        fonts: wants_pdf(args).then_some(pipeline::Fonts {
            font_paths: &args.pdf.font_path,
            system_fonts: args.pdf.system_fonts,
        }),
        previous: args.previous.as_deref(),
    })?;
    let fallback = args.model.model.display().to_string();
    let Some(valid) = &checked.valid else {
        term::err(&checked.findings(&fallback));
        term::err("error: the model has errors; no bundle was written\n");
        return Ok(ExitCode::from(1));
    };
    // Read (and decrypt) the key before the long PDF build, so a wrong one fails at once.
    let signing_key = args
        .sign_key
        .as_deref()
        .map(|key| {
            let passphrase = std::env::var(bundle_sig::PASSPHRASE_ENV).ok();
            SigningKey::read(key, passphrase.as_deref())
        })
        .transpose()?;
    if !checked.diagnostics.is_empty() && !args.quiet {
        term::err(&checked.findings(&fallback));
    }
    let built = pipeline::build(
        valid,
        &BuildOptions {
            out: &args.out,
            pdf: wants_pdf(args).then(|| pdf_options(args)),
            docx: if args.format.contains(&BundleFormat::Docx) {
                Some(read_reference(args.docx_reference.as_deref())?)
            } else {
                None
            },
            previous: args.previous.as_deref().zip(checked.previous.as_ref()),
            sign: signing_key.as_ref(),
            force: args.force,
        },
    )?;
    if built.written.unchanged && !args.quiet {
        let line = format!(
            "nothing to do: `{}` and its zip already hold this bundle\n",
            built.written.dir.display()
        );
        term::out(term::printable_lines(&line).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut report = String::new();
    if args.quiet {
        report.push_str(&format!("{}\n", built.written.dir.display()));
    } else {
        let model = &valid.model;
        report.push_str(&format!(
            "bundle: {}\nzip:    {}\n{} files for {} roles, {} activities, {} people (as of {date})\n",
            built.written.dir.display(),
            built.written.zip.display(),
            built.files,
            model.roles.len(),
            model.activities.len(),
            model.active_people().count()
        ));
        if let Some(p) = &built.previous {
            report.push_str(&format!("changes.md: against {p}\n"));
        }
        if let Some(key) = &signing_key {
            report.push_str(&format!(
                "{}: signed with {}\n",
                bundle_sig::FILE,
                key.fingerprint()
            ));
        }
    }
    term::out(term::printable_lines(&report).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

/// Whether the bundle holds PDFs.
fn wants_pdf(args: &BuildArgs) -> bool {
    args.format
        .iter()
        .any(|f| matches!(f, BundleFormat::Pdf | BundleFormat::MdPdf))
}

/// The PDF stage's options from the command line.
fn pdf_options(args: &BuildArgs) -> PdfOptions {
    let p = &args.pdf;
    PdfOptions {
        typst: p.typst.clone(),
        engine: p.pdf_engine,
        jobs: p
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        font_paths: p.font_path.clone(),
        system_fonts: p.system_fonts,
        pdf_standard: p.pdf_standard.clone(),
        timeout: std::time::Duration::from_secs(p.typst_timeout.max(1)),
        memory: (p.typst_memory > 0).then(|| p.typst_memory.saturating_mul(1024 * 1024)),
        keep_sources: p.keep_sources,
        cache: (!p.no_cache).then(|| {
            p.cache_dir
                .clone()
                .unwrap_or_else(|| args.out.join(".rolecall-cache"))
        }),
        progress: crate::progress::Progress::on_terminal(args.quiet),
    }
}

/// The bytes of a `--docx-reference` document, read in full (bounded by the DOCX
/// writer, which refuses an oversized part).
fn read_reference(path: Option<&std::path::Path>) -> Result<Option<Vec<u8>>> {
    path.map(|p| {
        std::fs::read(p).map_err(|e| {
            crate::error::Error::usage(format!(
                "cannot read the reference document `{}` ({e})",
                p.display()
            ))
            .hint("pass a .docx file saved by Word or LibreOffice")
        })
    })
    .transpose()
}
