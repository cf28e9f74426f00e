//! Every command-line type. The `///` comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
}

/// Options shared by commands that read a model.
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// The model: a TOML file, or a directory of TOML files
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// The bundle date (YYYY-MM-DD) the model is checked as of [default: $SOURCE_DATE_EPOCH, else today (UTC)]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
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

/// `rolecall check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The model and its date.
    #[command(flatten)]
    pub model: ModelArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    pub format: DiagFormat,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    pub deny_warnings: bool,
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
    /// Write the built-in templates to DIR for editing (use with `build --templates DIR`)
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
