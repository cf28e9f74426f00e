//! Every command-line type. The `///` comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::date::Date;
pub use crate::export::Format as ExportFormat;
pub use crate::pdf::Engine as PdfEngine;
pub use crate::term::ColorChoice;

/// Turn a TOML model of your organisation into ISO/IEC 27001:2022 clause 5.3 and
/// Annex A 5.2 evidence: policy, RACI matrix, role descriptions, signature sheets.
#[derive(Debug, Parser)]
#[command(name = "rolecall", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a model and print every problem found
    Check(CheckArgs),
    /// Build the dated evidence bundle (directory and zip)
    Build(BuildArgs),
    /// Explain a rule: what it checks, why auditors care, how to fix it
    Explain(ExplainArgs),
    /// Work with the built-in templates
    Templates(TemplatesArgs),
    /// Print the JSON Schema of a model file, for editor completion and checks
    Schema,
    /// Write a small, valid starter model to DIR
    Init(InitArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print a man page (roff) for rolecall or one of its commands
    Man(ManArgs),
    /// Export the RACI matrix (CSV, XLSX), the model (JSON) or an OSCAL component definition
    Export(ExportArgs),
    /// Check a bundle: files against its checksums, signature sheets against their documents
    Verify(VerifyArgs),
    /// Report what changed between two models or bundles (the report of `build --previous`)
    Diff(DiffArgs),
    /// List the signatures that are outstanding or for an older version; `--toml`
    /// prints the `[[signatures]]` records to fill in after signing
    Signatures(SignaturesArgs),
}

/// Options shared by commands that read a model.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The model: a TOML file, or a directory of TOML files
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// The bundle date (YYYY-MM-DD) the model is checked as of [default: $SOURCE_DATE_EPOCH, else today (UTC)]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<Date>,
}

/// `--date`: a calendar date, or a usage error (exit 2) saying what is expected.
fn parse_date(s: &str) -> Result<Date, String> {
    Date::parse(s)
        .ok_or_else(|| "expected a calendar date YYYY-MM-DD, for example 2026-01-31".to_string())
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DiagFormat {
    /// rustc-style text with the source line and a hint
    #[default]
    Human,
    /// A JSON document, for CI
    Json,
}

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CheckFormat {
    /// rustc-style text with the source line, a caret and a hint
    #[default]
    Human,
    /// A JSON document of every finding
    Json,
    /// SARIF 2.1.0, for code-scanning upload (GitHub, GitLab, Azure DevOps)
    Sarif,
    /// GitHub Actions workflow commands: an annotation on the line of each finding
    Github,
}

/// `rolecall check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model and its date.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// When to colour the human output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t)]
    pub color: ColorChoice,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
    /// Directory of templates overriding the built-in ones (the documents' digests,
    /// which recorded signatures are checked against, depend on them)
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Extra directory of fonts the PDFs are built with (repeatable, as `build --font-path`):
    /// every character must have a glyph (RC080); the model's fonts/ folder is always used
    #[arg(long, value_name = "DIR")]
    pub font_path: Vec<PathBuf>,
    /// Count the fonts installed on this machine as well, as `build --system-fonts` does
    #[arg(long)]
    pub system_fonts: bool,
    /// An earlier evidence bundle (.zip or directory): a recorded digest its
    /// sheets printed is an older version, one found in neither bundle is unknown
    #[arg(long, value_name = "OLD")]
    pub previous: Option<PathBuf>,
    /// An export of the HR directory (CSV with a header row) to compare the model's
    /// staff with: holders HR does not list or lists as left, staff the model lacks
    #[arg(long, value_name = "FILE.csv")]
    pub roster: Option<PathBuf>,
    /// The roster's columns: `bamboohr`, `personio`, or KEY=COLUMN pairs separated by
    /// commas, keys id, email, name, first-name, last-name, left, status (default: those names)
    #[arg(long, value_name = "MAP", requires = "roster")]
    pub roster_columns: Option<crate::roster::Columns>,
}

/// `rolecall build`
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The model and its date.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Directory in which the bundle directory and zip are written
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Directory of templates overriding the built-in ones, file by file
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Print only the bundle path (and errors)
    #[arg(short, long)]
    pub quiet: bool,
    /// What the bundle holds beside the Markdown documents, comma-separated: `md` (Markdown
    /// only: no typst needed), `pdf` (a PDF/A beside each), `docx` (a Word file beside each)
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [BundleFormat::Md, BundleFormat::Pdf])]
    pub format: Vec<BundleFormat>,
    /// A reference Word document whose styles, header and footer the .docx files take (as
    /// pandoc's --reference-doc)
    #[arg(long, value_name = "FILE")]
    pub docx_reference: Option<PathBuf>,
    /// PDF options.
    #[command(flatten)]
    pub pdf: PdfArgs,
    /// A previous evidence bundle (.zip or directory): adds changes.md, what changed since its model
    #[arg(long, value_name = "OLD")]
    pub previous: Option<PathBuf>,
    /// Sign SHA256SUMS with this OpenSSH ed25519 private key, as SHA256SUMS.sig
    /// (a passphrase is read from $ROLECALL_SIGN_PASSPHRASE)
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
    /// Replace a different bundle of the same name and date in OUT (an issued
    /// bundle is otherwise never replaced; the --previous input never is)
    #[arg(long)]
    pub force: bool,
}

/// What a bundle holds; every bundle holds the Markdown documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BundleFormat {
    /// The Markdown documents (always there)
    Md,
    /// A PDF/A beside each Markdown document
    Pdf,
    /// A Word document beside each Markdown document
    Docx,
    /// Markdown and PDF, as `md,pdf` (the name of earlier versions)
    #[value(name = "md+pdf", hide = true)]
    MdPdf,
}

/// Options of the PDF stage.
#[derive(Debug, Args)]
pub struct PdfArgs {
    /// The typst program [default: `typst` on PATH]
    #[arg(long, value_name = "PATH", env = "ROLECALL_TYPST")]
    pub typst: Option<PathBuf>,
    /// How typst is run
    #[arg(long, value_enum, default_value_t)]
    pub pdf_engine: PdfEngine,
    /// Parallel typst processes with --pdf-engine per-document [default: number of CPUs]
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Extra directory of fonts (repeatable); the model's own fonts/ folder is always used
    #[arg(long, value_name = "DIR")]
    pub font_path: Vec<PathBuf>,
    /// Also let typst use the fonts installed on this machine (builds then depend on the machine)
    #[arg(long)]
    pub system_fonts: bool,
    /// PDF standard passed to typst
    #[arg(long, value_name = "STANDARD", default_value = "a-2b")]
    pub pdf_standard: String,
    /// Seconds after which a typst run is stopped
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub typst_timeout: u64,
    /// Address space each typst process may use, in MiB (0: no limit); a run that needs
    /// more fails and says so
    #[arg(long, value_name = "MIB", default_value_t = crate::pdf::DEFAULT_TYPST_MEMORY_MIB)]
    pub typst_memory: u64,
    /// Keep the generated Typst sources in OUT/<bundle>.typst/ (they are always kept when typst fails)
    #[arg(long)]
    pub keep_sources: bool,
    /// Reuse PDFs of unchanged documents from this directory, shared by builds [default: OUT/.rolecall-cache]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Typeset every PDF again, without reading or writing the PDF cache
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
}

/// `rolecall explain`
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Rule code (RC011) or name (duplicate-id)
    #[arg(value_name = "CODE", required_unless_present = "list")]
    pub code: Option<String>,
    /// List every rule
    #[arg(long)]
    pub list: bool,
    /// Output format: plain text, or Markdown (`--list --format markdown` is docs/rules.md)
    #[arg(long, value_enum, default_value_t)]
    pub format: ExplainFormat,
}

/// How `explain` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExplainFormat {
    /// Plain text for the terminal
    #[default]
    Text,
    /// Markdown, as in docs/rules.md
    Markdown,
}

/// `rolecall templates`
#[derive(Debug, Args)]
pub struct TemplatesArgs {
    /// What to do with the templates.
    #[command(subcommand)]
    pub action: TemplatesAction,
}

/// `rolecall templates ...`
#[derive(Debug, Subcommand)]
pub enum TemplatesAction {
    /// Write the built-in templates and locales to DIR for editing (use with `build --templates DIR`)
    Eject {
        /// Target directory (created if missing)
        dir: PathBuf,
        /// Overwrite existing files
        #[arg(long)]
        force: bool,
    },
    /// List the built-in templates
    List,
}

/// `rolecall init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write the model to (created if missing; must be empty)
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// `rolecall completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `rolecall man`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command to document, e.g. `build` [default: rolecall itself]
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `rolecall export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model and its date.
    #[command(flatten)]
    pub model: ModelArgs,
    /// What to export
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// With `--format docx`: the document to write as Word, by its bundle path
    /// (`policy.md`, `roles/ceo.md`, `signatures/register.md`)
    #[arg(value_name = "DOC", required_if_eq("format", "docx"))]
    pub document: Option<String>,
    /// A reference Word document for `--format docx` (its styles, header and footer)
    #[arg(long, value_name = "FILE")]
    pub docx_reference: Option<PathBuf>,
    /// File to write (`-` or none: standard output)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Directory of templates and locales (the exports' headers follow the model's language)
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// `rolecall verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle: its .zip, or its unpacked directory
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,
    /// Check SHA256SUMS.sig against this OpenSSH allowed_signers file and name the
    /// signer (an unsigned bundle then fails)
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: DiagFormat,
    /// Fail (exit 1) unless every signature the sheets ask for is signed for
    /// the current version
    #[arg(long)]
    pub require_signatures: bool,
}

/// `rolecall signatures`
#[derive(Debug, Args)]
pub struct SignaturesArgs {
    /// The model and its date.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Print `[[signatures]]` records to fill in and paste into the model, one
    /// per signature still to be recorded
    #[arg(long)]
    pub toml: bool,
    /// Directory of templates overriding the built-in ones (the digests depend on them)
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// `rolecall diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier side: a model (TOML file or directory) or an evidence bundle (.zip or directory)
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The later side: a model or an evidence bundle
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
    /// The date a model is checked as of (a bundle's model: its bundle date) [default: $SOURCE_DATE_EPOCH, else today (UTC)]
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub date: Option<Date>,
    /// Directory of templates overriding the built-in ones (changes.md, and the documents whose digests a model side gets)
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Exit 1 when there are changes and 0 when there are none (2 stays trouble), like `git diff --exit-code`
    #[arg(long)]
    pub exit_code: bool,
}

/// How `diff` prints the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum DiffFormat {
    /// The Markdown of changes.md
    #[default]
    Markdown,
    /// The change set as JSON (shape in docs/templates.md)
    Json,
}
