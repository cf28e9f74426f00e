//! PDF stage: rendered documents → Typst sources → the `typst` program → PDF/A.
//!
//! Runs after `render` and before `bundle`. Each document's Markdown is converted
//! by `crate::typst` (the RACI matrix comes from its Typst-native template), wrapped
//! in the page layout, and compiled by the `typst` CLI, found on PATH or given by
//! `--typst` / `ROLECALL_TYPST`. Either one typst process emits every PDF
//! (`--features bundle --format bundle`, the default: it measured fastest, see
//! docs/performance.md) or one process per document runs on `--jobs` threads.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::bundle::BundleFile;
use crate::model::{Model, Paper};
use crate::render::{DocKind, Document, Templates};
use crate::typst::{escape_string, markdown_to_typst};

/// The typst release line rolecall is written for.
pub const TYPST_SERIES: &str = "0.15.";
/// How to install it.
pub const INSTALL_HINT: &str = "install it with `cargo install typst-cli --locked --version 0.15.1`, or point --typst / ROLECALL_TYPST at a typst 0.15 binary";

/// How the PDFs are produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// One typst process emits every PDF (typst's experimental bundle export).
    Bundle,
    /// One typst process per document, in parallel.
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
    /// Keep the Typst sources after a successful build.
    pub keep_sources: bool,
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
            bail!(
                "typst not found (looked for `{}`)\nhint: {INSTALL_HINT}; or build Markdown only with --format md",
                path.display()
            )
        }
        Err(e) => bail!(
            "cannot run typst `{}` ({e})\nhint: {INSTALL_HINT}",
            path.display()
        ),
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
        bail!(
            "unsupported typst `{}` (found `{}`, need {TYPST_SERIES}x)\nhint: {INSTALL_HINT}",
            path.display(),
            if version.is_empty() {
                "no version"
            } else {
                &version
            }
        );
    }
    Ok(Typst { path, version })
}

/// The font directories handed to typst: the model's `fonts/` folder (if any)
/// and `--font-path` directories.
pub fn font_dirs(model: &Model, opts: &PdfOptions) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let model_fonts = model.root.join("fonts");
    if model_fonts.is_dir() {
        dirs.push(model_fonts);
    }
    dirs.extend(opts.font_paths.iter().cloned());
    dirs
}

/// Where the Typst sources of one build live.
pub struct Sources {
    /// The project root handed to typst (`--root`).
    pub root: PathBuf,
    /// (document, entry file relative to root, PDF path relative to the output dir).
    entries: Vec<(usize, String, String)>,
}

/// Writes the Typst sources of every document below `root`.
pub fn write_sources(
    root: &Path,
    model: &Model,
    docs: &[Document],
    templates: &Templates,
) -> Result<Sources> {
    let write = |rel: &str, text: &str| -> Result<()> {
        let path = root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create `{}`", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("failed to write `{}`", path.display()))
    };
    write("layout.typ", templates.layout())?;
    let logo = match &model.organisation.logo {
        Some(path) => {
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            let rel = format!("assets/logo.{ext}");
            let bytes = std::fs::read(path)
                .with_context(|| format!("failed to read logo `{}`", path.display()))?;
            std::fs::create_dir_all(root.join("assets"))?;
            std::fs::write(root.join(&rel), bytes)?;
            format!("\"/{rel}\"")
        }
        None => "none".to_string(),
    };
    let paper = match model.organisation.paper {
        Paper::A4 => "a4",
        Paper::UsLetter => "us-letter",
    };
    let author = escape_string(&model.organisation.name);
    let mut entries = Vec::new();
    let mut main = String::from("// Every PDF of the bundle, for typst's bundle export.\n");
    for (i, doc) in docs.iter().enumerate() {
        let body = match doc.kind {
            DocKind::Raci => templates.render_typst("raci-matrix.typ", model)?,
            _ => markdown_to_typst(&doc.markdown).map_err(|e| {
                let line = doc.markdown[..e.offset.min(doc.markdown.len())].matches('\n').count() + 1;
                anyhow::anyhow!(
                    "cannot typeset {} ({} at line {line} of its Markdown)\nhint: PDFs support headings, paragraphs, emphasis, lists, tables, links, code, quotes and footnotes; remove the {} from the model's Markdown fields or from the template",
                    doc.path, e.what, e.what
                )
            })?,
        };
        let kind = match doc.kind {
            DocKind::Policy => "policy",
            DocKind::Raci => "raci",
            DocKind::Role => "role",
            DocKind::Assignment => "assignment",
            DocKind::Approval => "approval",
            DocKind::Acknowledgement => "acknowledgement",
        };
        let stem = doc.path.strip_suffix(".md").unwrap_or(&doc.path);
        let source = format!(
            "// Generated by rolecall from {path}.\n#import \"/layout.typ\": *\n#show: rolecall-document.with(\n  title: \"{title}\",\n  org: \"{org}\",\n  doc-id: \"{id}\",\n  version: \"{version}\",\n  classification: \"{class}\",\n  logo: {logo},\n  paper: \"{paper}\",\n  kind: \"{kind}\",\n  key: \"{key}\",\n)\n\n{body}",
            path = doc.path,
            title = escape_string(&doc.title),
            org = escape_string(&model.organisation.name),
            id = escape_string(&doc.doc_id),
            version = escape_string(&doc.version),
            class = escape_string(&model.policy.classification),
            key = escape_string(stem),
        );
        write(&format!("docs/{stem}.typ"), &source)?;
        let title = escape_string(&doc.title);
        let entry = format!(
            "#set document(title: \"{title}\", author: \"{author}\")\n#include \"/docs/{stem}.typ\"\n"
        );
        write(&format!("entry/{stem}.typ"), &entry)?;
        main.push_str(&format!(
            "#document(\"{stem}.pdf\", title: \"{title}\", author: \"{author}\")[#include \"/docs/{stem}.typ\"]\n"
        ));
        entries.push((i, format!("entry/{stem}.typ"), format!("{stem}.pdf")));
    }
    write("main.typ", &main)?;
    Ok(Sources {
        root: root.to_path_buf(),
        entries,
    })
}

/// Compiles the written sources to PDFs; returns them as bundle files (`<stem>.pdf`).
pub fn compile(
    typst: &Typst,
    sources: &Sources,
    model: &Model,
    opts: &PdfOptions,
) -> Result<Vec<BundleFile>> {
    let out = sources.root.join("pdf");
    std::fs::create_dir_all(&out)
        .with_context(|| format!("failed to create `{}`", out.display()))?;
    let fonts = font_dirs(model, opts);
    let base_args = |cmd: &mut Command| {
        // Run in the sources' root so that typst's diagnostics name `docs/<file>.typ`.
        cmd.current_dir(&sources.root);
        cmd.arg("compile")
            .arg("--root")
            .arg(&sources.root)
            .arg("--creation-timestamp")
            .arg(model.date.unix_seconds().to_string())
            .arg("--pdf-standard")
            .arg(&opts.pdf_standard)
            .arg("--diagnostic-format")
            .arg("short");
        if !opts.system_fonts {
            cmd.arg("--ignore-system-fonts");
        }
        for dir in &fonts {
            cmd.arg("--font-path").arg(dir);
        }
        // typst reads SOURCE_DATE_EPOCH itself; the explicit flag above is the one that counts.
        cmd.env_remove("SOURCE_DATE_EPOCH")
            .env_remove("TYPST_FONT_PATHS");
    };
    match opts.engine {
        Engine::Bundle => {
            let mut cmd = Command::new(&typst.path);
            base_args(&mut cmd);
            cmd.args(["--features", "bundle", "--format", "bundle"])
                .arg(sources.root.join("main.typ"))
                .arg(&out);
            run(cmd, "the bundle's PDFs", opts.timeout)?;
        }
        Engine::PerDocument => {
            let jobs = opts.jobs.max(1);
            let queue = std::sync::Mutex::new(sources.entries.iter());
            let errors = std::sync::Mutex::new(Vec::new());
            std::thread::scope(|s| {
                for _ in 0..jobs {
                    s.spawn(|| {
                        loop {
                            let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                            let Some((_, entry, pdf)) = next else { break };
                            let target = out.join(pdf);
                            if let Some(parent) = target.parent() {
                                let _ = std::fs::create_dir_all(parent);
                            }
                            let mut cmd = Command::new(&typst.path);
                            base_args(&mut cmd);
                            cmd.arg(sources.root.join(entry)).arg(&target);
                            if let Err(e) = run(cmd, pdf, opts.timeout) {
                                if let Ok(mut errs) = errors.lock() {
                                    errs.push(e);
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
        }
    }
    let mut files = Vec::new();
    for (_, _, pdf) in &sources.entries {
        let path = out.join(pdf);
        let bytes = std::fs::read(&path).with_context(|| {
            format!("typst wrote no `{pdf}` (expected at `{}`)", path.display())
        })?;
        files.push(BundleFile {
            path: pdf.clone(),
            bytes,
        });
    }
    Ok(files)
}

/// Runs one typst command with a time limit; a failure shows typst's diagnostics.
fn run(mut cmd: Command, what: &str, timeout: Duration) -> Result<()> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .with_context(|| format!("failed to start typst for {what}"))?;
    // Read stderr on a thread so a chatty typst can never block on a full pipe.
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("failed to wait for typst")? {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "typst did not finish {what} within {} s and was stopped\nhint: raise --typst-timeout, or build with --pdf-engine per-document to find the slow document",
                timeout.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = reader.join().unwrap_or_default();
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
        bail!(
            "typst failed on {what} ({status})\n{diagnostics}hint: paths are relative to the Typst sources named below; a model text that breaks the layout is a rolecall bug, please report it"
        );
    }
    Ok(())
}
