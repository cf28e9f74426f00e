//! PDF stage: rendered documents → Typst sources → the `typst` program → PDF/A.
//!
//! Runs after `render` and before `bundle`. Each document's Markdown is converted
//! by `crate::typst` (the RACI matrix comes from its Typst-native template), wrapped
//! in the page layout, and compiled by the `typst` CLI, found on PATH or given by
//! `--typst` / `ROLECALL_TYPST`. Either typst's bundle export emits many PDFs per
//! process (`--features bundle --format bundle`, in batches on `--jobs` threads; the
//! default: it measured fastest, see docs/performance.md) or one process per
//! document runs on `--jobs` threads. Only the documents that miss the PDF cache
//! ([`crate::pdf_cache`]) go to typst.
//!
//! The PDFs' creation date (typst's `--creation-timestamp`, written to the PDF/A
//! metadata) is the policy's effective date, not the bundle date: a document's
//! PDF bytes change only when its content does, so tomorrow's build reuses
//! today's PDFs.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Context, Error, Result};

use crate::bundle::{BundleFile, Staging};
use crate::model::{Model, Paper};
use crate::render::{Document, Templates};
use crate::typst::{escape_string, markdown_to_typst};

/// The PDF stage: checks fonts, writes the Typst sources (in a temporary
/// directory in `out`, kept as `out/<name>.typst` on request or when typst
/// fails) and runs typst, which writes the PDFs into the staged bundle; stages
/// each PDF as soon as it is made. Returns one PDF per document and the font
/// families used.
pub fn build(
    model: &Model,
    docs: &[Document],
    templates: &Templates,
    opts: &PdfOptions,
    bundle: &Staging,
    out: &std::path::Path,
    name: &str,
) -> Result<(Vec<BundleFile>, Vec<String>)> {
    let kept = out.join(format!("{name}.typst"));
    // typst's version is asked for while the fonts are checked and the sources
    // written: waiting for its answer first kept both cores idle. Its error
    // still comes first, then the fonts'.
    let (typst, prepared) = std::thread::scope(|scope| {
        let typst = scope.spawn(|| find_typst(opts.typst.as_deref()));
        opts.progress.stage("checking fonts");
        let prepared = check_fonts(model, docs, opts).and_then(|fonts| {
            let (dir, removed) = crate::bundle::temp_dir_in(out, crate::bundle::TYPST_PREFIX)?;
            let sources = write_sources(dir.path(), model, docs, templates);
            Ok((fonts, dir, removed, sources))
        });
        let typst = typst
            .join()
            .unwrap_or_else(|_| Err(Error::new("running `typst --version` panicked")));
        (typst, prepared)
    });
    let typst = typst?;
    let (fonts, staging, _removed, sources) = prepared?;
    // Not while an interrupt removes the sources (a killed typst fails too).
    let keep = |staging: tempfile::TempDir| -> Result<()> {
        crate::interrupt::critical(|| {
            if kept.exists() {
                std::fs::remove_dir_all(&kept)
                    .with_context(|| format!("failed to replace `{}`", kept.display()))?;
            }
            std::fs::rename(staging.keep(), &kept).with_context(|| {
                format!("failed to keep the Typst sources in `{}`", kept.display())
            })
        })
    };
    let result = sources.and_then(|sources| compile(&typst, &sources, model, opts, bundle));
    match result {
        Ok(files) => {
            if opts.keep_sources {
                keep(staging)?;
            }
            Ok((files, fonts))
        }
        // Keeping the sources can fail too; typst's error is the one to show.
        Err(e) => Err(match keep(staging) {
            Ok(()) => e.context(format!(
                "failed to build PDFs; the Typst sources are kept in `{}`",
                kept.display()
            )),
            Err(not_kept) => e.context("failed to build PDFs").hint(format!(
                "the Typst sources could not be kept in `{}` ({})",
                kept.display(),
                not_kept
                    .causes()
                    .last()
                    .map_or(not_kept.message(), String::as_str)
            )),
        }),
    }
}

/// The default of `--typst-memory`: the address space, in MiB, each typst
/// process may reserve (see docs/performance.md for what builds need).
pub const DEFAULT_TYPST_MEMORY_MIB: u64 = 8192;

/// The typst release line rolecall is written for.
pub const TYPST_SERIES: &str = "0.15.";
/// How to install it.
pub const INSTALL_HINT: &str = "install it with `cargo install typst-cli --locked --version 0.15.1`, or point --typst / ROLECALL_TYPST at a typst 0.15 binary";

/// How the PDFs are produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Engine {
    /// One typst process emits every PDF (typst's bundle export)
    #[default]
    Bundle,
    /// One typst process per document, --jobs at a time
    PerDocument,
}

/// Options of the PDF stage.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// The typst program; `None`: `typst` on PATH.
    pub typst: Option<PathBuf>,
    /// Bundle export or one process per document.
    pub engine: Engine,
    /// Parallel processes for [`Engine::PerDocument`].
    pub jobs: usize,
    /// Extra font directories (the model's `fonts/` is added automatically).
    pub font_paths: Vec<PathBuf>,
    /// Let typst use the system's fonts.
    pub system_fonts: bool,
    /// `--pdf-standard` value, e.g. `a-2b`.
    pub pdf_standard: String,
    /// Kill a typst run after this long.
    pub timeout: Duration,
    /// The address space (bytes) a typst process may use; `None`: no limit.
    pub memory: Option<u64>,
    /// Keep the Typst sources after a successful build.
    pub keep_sources: bool,
    /// The PDF cache's directory; `None`: typeset every document.
    pub cache: Option<PathBuf>,
    /// Where finished PDFs are counted on a terminal.
    pub progress: crate::progress::Progress,
}

/// A typst program whose version was checked.
#[derive(Debug, Clone)]
pub struct Typst {
    /// Path or name to run.
    pub path: PathBuf,
    /// Its version line, e.g. `typst 0.15.1`.
    pub version: String,
}

/// Finds the typst program and checks that it is a 0.15.x release.
pub fn find_typst(explicit: Option<&Path>) -> Result<Typst> {
    let path = explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("typst"));
    let output = match Command::new(&path)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                Error::new(format!("typst not found (looked for `{}`)", path.display())).hint(
                    format!("{INSTALL_HINT}; or build Markdown only with --format md"),
                ),
            );
        }
        Err(e) => {
            return Err(
                Error::new(format!("cannot run typst `{}` ({e})", path.display()))
                    .hint(INSTALL_HINT),
            );
        }
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let version = text.lines().next().unwrap_or("").trim().to_string();
    let number = version
        .strip_prefix("typst ")
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap_or("");
    if !output.status.success() || !number.starts_with(TYPST_SERIES) {
        return Err(Error::new(format!(
            "unsupported typst `{}` (found `{}`, need {TYPST_SERIES}x)",
            path.display(),
            if version.is_empty() {
                "no version"
            } else {
                &version
            }
        ))
        .hint(INSTALL_HINT));
    }
    Ok(Typst { path, version })
}

/// The font directories handed to typst: the model's `fonts/` folder (if any)
/// and `--font-path` directories.
pub fn font_dirs(model: &Model, font_paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let model_fonts = model.root.join("fonts");
    if model_fonts.is_dir() {
        dirs.push(model_fonts);
    }
    dirs.extend(font_paths.iter().cloned());
    // typst runs in the sources' directory: relative paths must not change meaning.
    dirs.into_iter()
        .map(|d| std::path::absolute(&d).unwrap_or(d))
        .collect()
}

/// Font folders typst searches when asked for system fonts (`--system-fonts`), so
/// that the check below sees what typst sees.
const SYSTEM_FONT_DIRS: &[&str] = &[
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:\\Windows\\Fonts",
];

/// Every folder typst takes fonts from besides its embedded ones: [`font_dirs`],
/// and with `--system-fonts` the system's font folders.
fn checked_font_dirs(model: &Model, font_paths: &[PathBuf], system_fonts: bool) -> Vec<PathBuf> {
    let mut dirs = font_dirs(model, font_paths);
    if system_fonts {
        dirs.extend(SYSTEM_FONT_DIRS.iter().map(PathBuf::from));
        if let Some(home) = std::env::var_os("HOME") {
            dirs.push(Path::new(&home).join(".local/share/fonts"));
            dirs.push(Path::new(&home).join(".fonts"));
        }
    }
    dirs
}

/// The fonts typst is given (its embedded ones, the model's `fonts/`, `font_paths`
/// and with `system_fonts` the machine's), and each character of `docs` none of
/// them covers.
fn glyphs(
    model: &Model,
    docs: &[Document],
    font_paths: &[PathBuf],
    system_fonts: bool,
) -> Result<(crate::fonts::FontSet, Vec<(String, crate::fonts::Missing)>)> {
    let dirs = checked_font_dirs(model, font_paths, system_fonts);
    let fonts = crate::fonts::FontSet::load(&dirs, true).map_err(|e| {
        Error::new(e)
            .hint("remove the file from the font folder, or replace it with a working TTF/OTF font")
    })?;
    let texts: Vec<(String, String)> = docs
        .iter()
        .map(|d| (d.path.clone(), d.markdown.clone()))
        .collect();
    let missing = crate::fonts::missing(&fonts, &texts);
    Ok((fonts, missing))
}

/// RC080 at the model's line for each character of `docs` that no font of a PDF
/// build covers: what the PDF stage would refuse, for `check` to report.
pub fn glyph_diagnostics(
    model: &Model,
    docs: &[Document],
    font_paths: &[PathBuf],
    system_fonts: bool,
) -> Result<Vec<crate::diag::Diagnostic>> {
    let (_, missing) = glyphs(model, docs, font_paths, system_fonts)?;
    Ok(crate::fonts::diagnostics(&missing, &model.sources))
}

/// Checks that every character of every document has a font, before typst runs
/// (typst would silently draw an empty box). Returns the font families used.
/// `check` found these already ([`glyph_diagnostics`]); the change report is
/// checked here only.
pub fn check_fonts(model: &Model, docs: &[Document], opts: &PdfOptions) -> Result<Vec<String>> {
    let (fonts, missing) = glyphs(model, docs, &opts.font_paths, opts.system_fonts)?;
    let texts: Vec<&str> = docs.iter().map(|d| d.markdown.as_str()).collect();
    if !missing.is_empty() {
        let found = crate::fonts::diagnostics(&missing, &model.sources);
        let fallback = model.root.display().to_string();
        crate::term::err(&crate::diag::render_human(
            &found,
            &model.sources,
            &fallback,
        ));
        let n: std::collections::BTreeSet<char> = missing.iter().map(|(_, m)| m.ch).collect();
        return Err(Error::new(format!(
            "no font has {} character{} of the model's text; the PDFs would show empty boxes",
            n.len(),
            if n.len() == 1 { "" } else { "s" }
        ))
        .hint("put a font that covers them (for example Noto Sans CJK for Chinese or Japanese) in the model's fonts/ folder, or pass --font-path DIR; remove control characters from the model; or build Markdown only with --format md"));
    }
    let all: String = texts.join("\n");
    // The layout's font list, then typst's fallback; raw text (digests) is monospace.
    let mut used = fonts.families_chosen(&all, &["Libertinus Serif", "New Computer Modern"]);
    used.push("DejaVu Sans Mono".to_string());
    used.sort();
    used.dedup();
    Ok(used)
}

/// The Typst sources of one build: the files every document shares, written
/// below `root`, and each document's source. typst reads a document's source
/// inline in the file of its run (a bundle-export batch, or one document's
/// entry file), written by [`compile`] only for the documents it hands to
/// typst: a build writes no file per document besides its PDF. With
/// `--keep-sources` every document's source is written as `docs/<stem>.typ`
/// too, and the runs' files include them (the PDFs are the same bytes).
pub struct Sources {
    /// The project root handed to typst (`--root`).
    pub root: PathBuf,
    /// One per document, in document order.
    entries: Vec<Entry>,
    /// The layout (`layout.typ`).
    layout: String,
    /// The logo's path below the root and its bytes.
    logo: Option<(String, Vec<u8>)>,
}

/// How one document is compiled.
struct Entry {
    /// Its Typst source.
    source: String,
    /// Its bundle path without `.md`: the source is `docs/<stem>.typ` when kept.
    stem: String,
    /// The PDF's metadata, as `document` arguments (title, author).
    metadata: String,
    /// PDF path relative to the bundle.
    pdf: String,
}

impl Entry {
    /// Path of the source when kept, relative to the root.
    fn source_path(&self) -> String {
        format!("docs/{}.typ", self.stem)
    }

    /// The entry file of a one-document run, relative to the root.
    fn entry_path(&self) -> String {
        format!("entry/{}.typ", self.stem)
    }

    /// The entry file's text: the document metadata, then the source (or, when
    /// the sources are kept, an include of it).
    fn entry_text(&self, kept: bool) -> String {
        let body = if kept {
            format!("#include \"/{}\"\n", self.source_path())
        } else {
            self.source.clone()
        };
        format!("#set document({})\n{body}", self.metadata)
    }

    /// Its part of a bundle-export batch: a `document` holding the source (or,
    /// when the sources are kept, an include of it). The source's markup cannot
    /// close the bracket early: its text escapes `]`, and a stray `]` would
    /// leave text at the batch's top level, which typst refuses.
    fn bundle_part(&self, kept: bool) -> String {
        let body = if kept {
            format!("#include \"/{}\"", self.source_path())
        } else {
            format!("\n{}\n", self.source)
        };
        format!(
            "#document(\"{}\", {})[{body}]\n",
            escape_string(&self.pdf),
            self.metadata
        )
    }
}

/// The PDF path of a document in the bundle.
pub fn pdf_path(doc: &Document) -> String {
    let stem = doc.path.strip_suffix(".md").unwrap_or(&doc.path);
    format!("{stem}.pdf")
}

/// Most documents in one bundle-export run: typst 0.15's bundle export overflows
/// its stack on very long bundles (seen at ~750 documents), and batches also let
/// both cores work.
const MAX_BATCH: usize = 48;

/// A document whose Typst source is larger than this gets a typst run of its own,
/// started before the batches: the policy, the RACI matrix and the sheets listing
/// every person dominate a large model's build, and a batch holding them would
/// finish long after the others.
const HEAVY_SOURCE_BYTES: usize = 32 * 1024;

/// Writes the files every document shares (layout, logo) below `root` and
/// converts every document to Typst; [`compile`] writes the documents' sources.
pub fn write_sources(
    root: &Path,
    model: &Model,
    docs: &[Document],
    templates: &Templates,
) -> Result<Sources> {
    write_file(root, "layout.typ", templates.layout())?;
    let logo_file = match &model.organisation.logo {
        Some(path) => {
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let rel = format!("assets/logo.{ext}");
            let bytes = crate::model::paths::read_logo(&model.root, path)?;
            std::fs::create_dir_all(root.join("assets"))?;
            std::fs::write(root.join(&rel), &bytes)?;
            Some((rel, bytes))
        }
        None => None,
    };
    let logo = match &logo_file {
        Some((rel, _)) => format!("\"/{rel}\""),
        None => "none".to_string(),
    };
    let paper = match model.organisation.paper {
        Paper::A4 => "a4",
        Paper::UsLetter => "us-letter",
    };
    let author = escape_string(&model.organisation.name);
    let labels = layout_labels(templates)?;
    let one = |doc: &Document| -> Result<Entry> {
        let body = match &doc.typst {
            Some(typst) => typst.clone(),
            None => markdown_to_typst(&doc.markdown).map_err(|e| {
                let line = doc.markdown[..e.offset.min(doc.markdown.len())].matches('\n').count() + 1;
                Error::new(format!(
                    "cannot typeset {} ({} at line {line} of its Markdown)",
                    doc.path, e.what
                ))
                .hint(format!(
                    "PDFs support headings, paragraphs, emphasis, lists, tables, links, code, quotes and footnotes; remove the {} from the model's Markdown fields or from the template",
                    e.what
                ))
            })?,
        };
        let kind = doc.spec.id;
        let stem = doc.path.strip_suffix(".md").unwrap_or(&doc.path);
        let bound = match bound_line(doc, docs, templates)? {
            Some(line) => format!(", bound: \"{}\"", escape_string(&line)),
            None => String::new(),
        };
        let source = format!(
            "// Generated by rolecall from {path}.\n#import \"/layout.typ\": *\n#show: rolecall-document.with(\n  title: \"{title}\",\n  org: \"{org}\",\n  doc-id: \"{id}\",\n  version: \"{version}\",\n  classification: \"{class}\",\n  logo: {logo},\n  paper: \"{paper}\",\n  kind: \"{kind}\",\n  landscape: {landscape},\n  key: \"{key}\",\n{labels}{bound}),\n)\n\n{body}",
            landscape = doc.spec.wide,
            path = doc.path,
            title = escape_string(&doc.title),
            org = escape_string(&model.organisation.name),
            id = escape_string(&doc.doc_id),
            version = escape_string(&doc.version),
            class = escape_string(&model.policy.classification),
            key = escape_string(stem),
            labels = labels,
        );
        let title = escape_string(&doc.title);
        Ok(Entry {
            source,
            stem: stem.to_string(),
            metadata: format!("title: \"{title}\", author: \"{author}\""),
            pdf: pdf_path(doc),
        })
    };
    // Converting hundreds of documents is worth both cores; entries keep document order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = docs.len().div_ceil(threads).max(1);
    let entries: Vec<Entry> = std::thread::scope(|scope| {
        let handles: Vec<_> = docs
            .chunks(per_thread)
            .map(|chunk| scope.spawn(|| chunk.iter().map(&one).collect::<Result<Vec<_>>>()))
            .collect();
        let mut entries = Vec::with_capacity(docs.len());
        for h in handles {
            let part = h
                .join()
                .unwrap_or_else(|_| Err(Error::new("writing the Typst sources panicked")))?;
            entries.extend(part);
        }
        Ok::<_, Error>(entries)
    })?;
    Ok(Sources {
        root: root.to_path_buf(),
        entries,
        layout: templates.layout().to_string(),
        logo: logo_file,
    })
}

/// The layout's words, as arguments of `rolecall-document`: the language (for
/// hyphenation) and the footer's and outline's labels from the locale.
fn layout_labels(templates: &Templates) -> Result<String> {
    let locale = templates.locale();
    let page = locale.text("layout.page")?;
    // "Page {page} of {pages}": the text around the two counters.
    let split = page.split_once("{page}").and_then(|(before, rest)| {
        rest.split_once("{pages}")
            .map(|(mid, after)| (before, mid, after))
    });
    let Some((before, mid, after)) = split else {
        return Err(Error::new(format!(
            "the locale string `layout.page` (`{page}`) must hold `{{page}}` and then `{{pages}}`"
        )));
    };
    // The caller closes `labels` after adding a document's own words.
    Ok(format!(
        "  lang: \"{lang}\",\n  labels: (version: \"{version}\", page: (\"{before}\", \"{mid}\", \"{after}\"), contents: \"{contents}\"",
        lang = escape_string(locale.tag()),
        version = escape_string(locale.text("layout.version")?),
        before = escape_string(before),
        mid = escape_string(mid),
        after = escape_string(after),
        contents = escape_string(locale.text("layout.contents")?),
    ))
}

/// What a signature sheet binds, for the header of each of its pages: the bound
/// document's title, id, version and short content digest (`sheet.bound`).
fn bound_line(doc: &Document, docs: &[Document], templates: &Templates) -> Result<Option<String>> {
    let Some(binds) = &doc.binds else {
        return Ok(None);
    };
    let Some(bound) = docs.iter().find(|d| d.path == binds.document) else {
        return Ok(None);
    };
    templates
        .locale()
        .plain(
            "sheet.bound",
            &[
                ("document", &bound.title),
                ("id", &bound.doc_id),
                ("version", &bound.version),
                ("digest", crate::digest::short(&binds.digest)),
            ],
        )
        .map(Some)
}

/// Writes `text` to `rel` below `root`, creating folders.
fn write_file(root: &Path, rel: &str, text: &str) -> Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create `{}`", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("failed to write `{}`", path.display()))
}

/// Compiles the sources to PDFs, into the staged bundle; returns them as bundle
/// files (`<stem>.pdf`), in document order. A document whose PDF is in the
/// cache (`opts.cache`) is not typeset again: it is staged while typst works
/// on the others, and each typst run's PDFs are staged (and cached) as soon as
/// that run ends, so that little is left to do when the last one does.
pub fn compile(
    typst: &Typst,
    sources: &Sources,
    model: &Model,
    opts: &PdfOptions,
    staging: &Staging,
) -> Result<Vec<BundleFile>> {
    let entries = &sources.entries;
    if opts.keep_sources {
        write_kept(sources, opts.engine)?;
    }
    let fonts = font_dirs(model, &opts.font_paths);
    let flags = Flags {
        // The policy's effective date rather than the bundle date: see the module comment.
        timestamp: model.policy.effective.unix_seconds().to_string(),
        fonts: &fonts,
        opts,
    };
    let keys = match &opts.cache {
        Some(_) => Some(cache_keys(typst, sources, &flags, model, opts)?),
        None => None,
    };
    let cache = match (&opts.cache, &keys) {
        (Some(dir), Some(keys)) => Some(crate::pdf_cache::Cache::open(dir, keys)?),
        _ => None,
    };
    let mut pdfs: Vec<Option<BundleFile>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            cache
                .as_ref()
                .and_then(|c| c.get(i))
                .map(|bytes| BundleFile {
                    path: e.pdf.clone(),
                    bytes,
                })
        })
        .collect();
    let missing: Vec<usize> = (0..entries.len()).filter(|&i| pdfs[i].is_none()).collect();
    let todo: Vec<&Entry> = missing.iter().map(|&i| &entries[i]).collect();
    let made = std::thread::scope(|scope| {
        let staged = scope.spawn(|| staging.add(pdfs.iter().flatten()));
        let made = typeset(typst, sources, &todo, &flags, staging.dir(), &|run| {
            staging.adopt(run.iter().map(|(_, f)| f))?;
            if let Some(cache) = &cache {
                for (k, f) in run {
                    cache.put(missing[*k], &f.bytes);
                }
            }
            Ok(())
        });
        let staged = staged
            .join()
            .unwrap_or_else(|_| Err(Error::new("staging the cached PDFs panicked")));
        let made = made?;
        staged?;
        Ok::<_, Error>(made)
    })?;
    for (&i, pdf) in missing.iter().zip(made) {
        pdfs[i] = Some(pdf);
    }
    if let Some(cache) = cache {
        cache.close();
    }
    pdfs.into_iter()
        .zip(entries)
        .map(|(p, e)| p.with_context(|| format!("no PDF was made for `{}`", e.pdf)))
        .collect()
}

/// What every typst run of a build is given besides its documents.
struct Flags<'a> {
    /// `--creation-timestamp`.
    timestamp: String,
    /// `--font-path` directories.
    fonts: &'a [PathBuf],
    /// The rest.
    opts: &'a PdfOptions,
}

/// Each document's cache key: everything that goes into its PDF's bytes.
fn cache_keys(
    typst: &Typst,
    sources: &Sources,
    flags: &Flags,
    model: &Model,
    opts: &PdfOptions,
) -> Result<Vec<crate::pdf_cache::Key>> {
    let engine = match opts.engine {
        Engine::Bundle => "bundle",
        Engine::PerDocument => "per-document",
    };
    let (logo_path, logo_bytes) = sources
        .logo
        .as_ref()
        .map_or(("", &[][..]), |(p, b)| (p.as_str(), b.as_slice()));
    let fonts = crate::fonts::files_digest(&checked_font_dirs(
        model,
        &opts.font_paths,
        opts.system_fonts,
    ))
    .map_err(Error::new)?;
    let system_fonts = if opts.system_fonts { "system" } else { "" };
    Ok(sources
        .entries
        .iter()
        .map(|e| {
            crate::pdf_cache::Key::of(&[
                typst.version.as_bytes(),
                engine.as_bytes(),
                opts.pdf_standard.as_bytes(),
                flags.timestamp.as_bytes(),
                system_fonts.as_bytes(),
                fonts.as_bytes(),
                sources.layout.as_bytes(),
                logo_path.as_bytes(),
                logo_bytes,
                e.source.as_bytes(),
                e.metadata.as_bytes(),
                e.pdf.as_bytes(),
            ])
        })
        .collect())
}

/// `--keep-sources`: writes every document's source as `docs/<stem>.typ` (and,
/// for one process per document, its entry file), on every core.
fn write_kept(sources: &Sources, engine: Engine) -> Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = sources.entries.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = sources
            .entries
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    for e in chunk {
                        write_file(&sources.root, &e.source_path(), &e.source)?;
                        if engine == Engine::PerDocument {
                            write_file(&sources.root, &e.entry_path(), &e.entry_text(true))?;
                        }
                    }
                    Ok::<_, Error>(())
                })
            })
            .collect();
        for h in handles {
            h.join()
                .unwrap_or_else(|_| Err(Error::new("writing the Typst sources panicked")))?;
        }
        Ok(())
    })
}

/// One typst run: what it makes, for messages; its main file; where its PDFs
/// go; whether it is a bundle export; its documents (indices into `todo`).
struct Run {
    what: String,
    input: PathBuf,
    output: PathBuf,
    bundle: bool,
    documents: Vec<usize>,
}

/// What [`typeset`] hands each finished run's PDFs to, with their indices into
/// its documents.
type Made<'a> = dyn Fn(&[(usize, BundleFile)]) -> Result<()> + Sync + 'a;

/// Runs typst over `todo`, writing their PDFs below `dir` (at their bundle
/// paths); hands each run's PDFs (with their indices into `todo`) to `made`
/// as soon as the run ends, and returns them all in `todo`'s order.
fn typeset(
    typst: &Typst,
    sources: &Sources,
    todo: &[&Entry],
    flags: &Flags,
    dir: &Path,
    made: &Made,
) -> Result<Vec<BundleFile>> {
    let opts = flags.opts;
    let kept = opts.keep_sources;
    let base_args = |cmd: &mut Command| {
        // Run in the sources' root so that typst's diagnostics name the files there.
        cmd.current_dir(&sources.root);
        cmd.arg("compile")
            .arg("--root")
            .arg(&sources.root)
            .arg("--creation-timestamp")
            .arg(&flags.timestamp)
            .arg("--pdf-standard")
            .arg(&opts.pdf_standard)
            .arg("--diagnostic-format")
            .arg("short");
        if !opts.system_fonts {
            cmd.arg("--ignore-system-fonts");
        }
        for dir in flags.fonts {
            cmd.arg("--font-path").arg(dir);
        }
        // typst reads SOURCE_DATE_EPOCH itself; the explicit flag above is the one that counts.
        cmd.env_remove("SOURCE_DATE_EPOCH")
            .env_remove("TYPST_FONT_PATHS");
    };
    let mut runs: Vec<Run> = Vec::new();
    match opts.engine {
        Engine::Bundle => {
            let jobs = opts.jobs.max(1);
            // Heaviest first, each alone; then the light documents in batches.
            let weight = |k: &usize| todo[*k].source.len();
            let mut heavy: Vec<usize> = (0..todo.len())
                .filter(|k| weight(k) > HEAVY_SOURCE_BYTES)
                .collect();
            heavy.sort_by_key(|k| std::cmp::Reverse(weight(k)));
            let light: Vec<usize> = (0..todo.len())
                .filter(|k| weight(k) <= HEAVY_SOURCE_BYTES)
                .collect();
            let per_batch = light.len().div_ceil(jobs).clamp(1, MAX_BATCH);
            let batches = heavy
                .chunks(1)
                .chain(light.chunks(per_batch))
                .filter(|b| !b.is_empty());
            for (n, batch) in batches.enumerate() {
                let main: String = batch.iter().map(|&k| todo[k].bundle_part(kept)).collect();
                let file = sources.root.join(format!("bundle-{n:03}.typ"));
                std::fs::write(&file, main)
                    .with_context(|| format!("failed to write `{}`", file.display()))?;
                let first = &todo[batch[0]].pdf;
                let what = if batch.len() == 1 {
                    first.clone()
                } else {
                    format!("{first} and {} more", batch.len() - 1)
                };
                runs.push(Run {
                    what,
                    input: file,
                    output: dir.to_path_buf(),
                    bundle: true,
                    documents: batch.to_vec(),
                });
            }
        }
        Engine::PerDocument => {
            for (k, e) in todo.iter().enumerate() {
                let target = dir.join(&e.pdf);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("failed to create `{}`", parent.display()))?;
                }
                if !kept {
                    write_file(&sources.root, &e.entry_path(), &e.entry_text(false))?;
                }
                runs.push(Run {
                    what: e.pdf.clone(),
                    input: sources.root.join(e.entry_path()),
                    output: target,
                    bundle: false,
                    documents: vec![k],
                });
            }
        }
    }
    opts.progress.counted("typesetting PDFs", todo.len());
    let queue = std::sync::Mutex::new(runs.iter());
    let errors = std::sync::Mutex::new(Vec::new());
    let pdfs = std::sync::Mutex::new(Vec::with_capacity(todo.len()));
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some(run) = next else {
                        break;
                    };
                    let mut cmd = Command::new(&typst.path);
                    base_args(&mut cmd);
                    if run.bundle {
                        cmd.args(["--features", "bundle", "--format", "bundle"]);
                    }
                    cmd.arg(&run.input).arg(&run.output);
                    let done = run_typst(cmd, &run.what, opts.timeout, opts.memory)
                        .and_then(|()| read_pdfs(todo, &run.documents, dir))
                        .and_then(|files| {
                            made(&files)?;
                            Ok(files)
                        });
                    match done {
                        Ok(files) => {
                            opts.progress.advance(files.len());
                            if let Ok(mut all) = pdfs.lock() {
                                all.extend(files);
                            }
                        }
                        Err(e) => {
                            if let Ok(mut errs) = errors.lock() {
                                errs.push(e);
                            }
                        }
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_default();
    if !errors.is_empty() {
        return Err(errors.remove(0));
    }
    let mut pdfs = pdfs.into_inner().unwrap_or_default();
    pdfs.sort_by_key(|(k, _)| *k);
    Ok(pdfs.into_iter().map(|(_, f)| f).collect())
}

/// The PDFs typst wrote below `dir` for the documents `documents` of `todo`.
fn read_pdfs(todo: &[&Entry], documents: &[usize], dir: &Path) -> Result<Vec<(usize, BundleFile)>> {
    documents
        .iter()
        .map(|&k| {
            let pdf = &todo[k].pdf;
            let path = dir.join(pdf);
            let bytes = std::fs::read(&path).with_context(|| {
                format!("typst wrote no `{pdf}` (expected at `{}`)", path.display())
            })?;
            Ok((
                k,
                BundleFile {
                    path: pdf.clone(),
                    bytes,
                },
            ))
        })
        .collect()
}

/// Limits the address space of the process `cmd` starts to `bytes`: typst
/// laying out a huge model would otherwise take all of the machine's memory.
/// On Linux the limit is set on the started process instead (see
/// [`limit_started`]), so that starting typst needs no `fork`.
#[cfg(all(unix, not(target_os = "linux")))]
fn limit_memory(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt as _;
    let limit = rustix::process::Rlimit {
        current: Some(bytes),
        maximum: Some(bytes),
    };
    // SAFETY: the closure runs in the forked child before exec; it only makes
    // the setrlimit system call (no allocation, no lock), which is
    // async-signal-safe, and it reads nothing but its own copy of `limit`.
    unsafe {
        cmd.pre_exec(move || {
            rustix::process::setrlimit(rustix::process::Resource::As, limit)
                .map_err(std::io::Error::from)
        });
    }
}

/// Limits the address space of the typst process `child`, just started, to
/// `bytes`. A `pre_exec` hook would set it before typst runs, but it makes
/// the standard library `fork` a process of hundreds of megabytes, whose page
/// tables are copied and write-protected for every typst run: 0.15-0.2 s of
/// rolecall's system time on the 300-role model (docs/performance.md). Set
/// this way, the limit applies within moments of typst's start (the spawn
/// returns once typst's program is loaded), long before a layout can grow.
#[cfg(target_os = "linux")]
fn limit_started(child: &std::process::Child, bytes: u64) -> std::io::Result<()> {
    let limit = rustix::process::Rlimit {
        current: Some(bytes),
        maximum: Some(bytes),
    };
    let pid = rustix::process::Pid::from_child(child);
    match rustix::process::prlimit(Some(pid), rustix::process::Resource::As, limit) {
        // Already gone: it failed before the limit could matter.
        Ok(_) | Err(rustix::io::Errno::SRCH) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Whether a failed typst run ran out of the address space it was given.
/// Measured with typst 0.15.1 under shrinking limits: a failed allocation
/// aborts with "memory allocation of N bytes failed", a thread that gets no
/// stack panics ("failed to spawn thread"), and below ~64 MiB typst dies of
/// SIGSEGV before it prints anything. On Linux the limit is set just after the
/// start, so it can also land while the dynamic loader sets typst up, which
/// then exits with "cannot allocate TLS data structures" (status 127). A stack
/// overflow (a typst bug, not the limit) says so.
fn out_of_memory(status: std::process::ExitStatus, stderr: &str) -> bool {
    #[cfg(unix)]
    let crashed = {
        use std::os::unix::process::ExitStatusExt as _;
        // SIGSEGV, SIGBUS, SIGABRT.
        matches!(status.signal(), Some(11 | 7 | 6))
    };
    #[cfg(not(unix))]
    let crashed = status.code().is_none();
    !stderr.contains("overflowed its stack")
        && (crashed
            || stderr.contains("memory allocation of")
            || stderr.contains("failed to spawn thread")
            || stderr.to_ascii_lowercase().contains("cannot allocate"))
}

/// The error of a typst run that hit the address-space limit `memory`.
fn memory_error(what: &str, memory: Option<u64>, how: &str) -> Error {
    Error::new(format!(
        "typst ran out of memory on {what}: it may use {} MiB of address space ({how})",
        memory.unwrap_or(0) / (1024 * 1024)
    ))
    .hint("raise --typst-memory (in MiB; 0 for no limit), or split the model: its largest documents (the all-staff sheet, the register) grow with the number of people")
}

/// Runs one typst command with a time limit and, when given, a memory limit; a
/// failure shows typst's diagnostics, or which limit it hit.
fn run_typst(mut cmd: Command, what: &str, timeout: Duration, memory: Option<u64>) -> Result<()> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    #[cfg(all(unix, not(target_os = "linux")))]
    if let Some(bytes) = memory {
        limit_memory(&mut cmd, bytes);
    }
    // Killed by the interrupt handler on SIGINT or SIGTERM.
    let (child, _tracked) = match crate::interrupt::spawn(&mut cmd) {
        Ok(spawned) => spawned,
        // Too little address space to even load the program (set before exec
        // only where there is no prlimit).
        #[cfg(not(target_os = "linux"))]
        Err(e) if memory.is_some() && e.raw_os_error() == Some(12) => {
            return Err(memory_error(what, memory, &e.to_string()));
        }
        Err(e) => return Err(Error::from(e).context(format!("failed to start typst for {what}"))),
    };
    let lock = || child.lock().unwrap_or_else(|e| e.into_inner());
    #[cfg(target_os = "linux")]
    if let Some(bytes) = memory {
        if let Err(e) = limit_started(&lock(), bytes) {
            let mut child = lock();
            let _ = child.kill();
            let _ = child.wait();
            return Err(
                Error::from(e).context(format!("failed to limit typst's memory for {what}"))
            );
        }
    }
    // Read stderr on a thread so a chatty typst can never block on a full pipe.
    let mut stderr = lock().stderr.take();
    let (closed, ended) = std::sync::mpsc::channel::<()>();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        drop(closed);
        s
    });
    let start = Instant::now();
    // Typst's stderr closes when it exits: waiting for that, rather than
    // polling the process every few milliseconds while it typesets, costs no
    // CPU. The process is not waited for in a blocking call, which would hold
    // it from the interrupt handler that kills it; after its end (or the time
    // limit) it is polled until reaped.
    let _ = ended.recv_timeout(timeout);
    let status = loop {
        if let Some(status) = lock().try_wait().context("failed to wait for typst")? {
            break status;
        }
        if start.elapsed() > timeout {
            let mut child = lock();
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::new(format!(
                "typst did not finish {what} within {} s and was stopped",
                timeout.as_secs()
            ))
            .hint("raise --typst-timeout, or build with --pdf-engine per-document to find the slow document"));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let stderr = reader.join().unwrap_or_default();
    if !status.success() && memory.is_some() && out_of_memory(status, &stderr) {
        return Err(memory_error(what, memory, &status.to_string()));
    }
    if !status.success() {
        let diagnostics: String = stderr
            .lines()
            .filter(|l| {
                !l.contains("bundle export is experimental")
                    && !l.trim_start().starts_with("= hint: its behaviour")
                    && !l.trim_start().starts_with("= hint: do not rely")
            })
            .map(|l| format!("  {l}\n"))
            .collect();
        return Err(Error::new(format!(
            "typst failed on {what} ({status})\n{}",
            diagnostics.trim_end()
        ))
        .hint("paths are relative to the Typst sources named below; a model text that breaks the layout is a rolecall bug, please report it"));
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt as _;

    #[test]
    fn the_memory_limit_is_told_from_typst_failing_on_a_document() {
        let exited = |code: i32| std::process::ExitStatus::from_raw(code << 8);
        let killed = |signal: i32| std::process::ExitStatus::from_raw(signal);
        // The limit landing while the loader sets typst up (seen at 24 MiB).
        let loader = "typst: cannot allocate TLS data structures for initial thread";
        assert!(out_of_memory(exited(127), loader));
        assert!(out_of_memory(
            exited(1),
            "memory allocation of 4096 bytes failed"
        ));
        assert!(out_of_memory(killed(11), ""));
        // A document typst refuses, and a stack overflow, are not the limit.
        assert!(!out_of_memory(exited(1), "error: unknown variable: x"));
        assert!(!out_of_memory(
            killed(6),
            "thread 'main' has overflowed its stack"
        ));
    }
}
