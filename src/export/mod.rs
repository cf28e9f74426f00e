//! Exports: the validated model as a spreadsheet (CSV, XLSX), plain JSON and OSCAL.
//!
//! A side branch of the pipeline: like `render`, it reads only the resolved
//! [`Model`] and passes bytes forward, to `rolecall export` (one format, to a file
//! or stdout) or into the bundle ([`bundle_files`], with [`index_entries`] for the
//! bundle's README). [`export`] is the one entry point per format. Every format is
//! deterministic: the same model and bundle date give the same bytes.

pub mod csv;
pub mod json;
pub mod oscal;
pub mod xlsx;

use crate::bundle::BundleFile;
use crate::error::Result;
use crate::model::{ActivityIdx, Model};
use crate::render::context::raci_code;
use crate::render::{IndexEntry, Locale};

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The RACI matrix as CSV (RFC 4180, UTF-8, CRLF)
    Csv,
    /// The RACI matrix, legend and people as an Excel workbook
    Xlsx,
    /// The resolved model as plain JSON
    Json,
    /// An OSCAL 1.2.1 component definition (JSON)
    Oscal,
    /// One document of the bundle as a Word file (name it: DOC)
    Docx,
}

impl Format {
    /// Whether the output is text (and may go to a terminal).
    pub fn is_text(self) -> bool {
        !matches!(self, Format::Xlsx | Format::Docx)
    }

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::Oscal => "oscal",
            Format::Docx => "docx",
        }
    }
}

/// The model in `format`, worded in `locale` (the model's language). A Word
/// document is one of the bundle's documents: `pipeline::docx` writes it.
pub fn export(model: &Model, format: Format, locale: &Locale) -> Result<Vec<u8>> {
    match format {
        Format::Csv => Ok(csv::raci(model, &Words::new(locale)?).into_bytes()),
        Format::Xlsx => xlsx::workbook(model, &Words::new(locale)?, locale),
        Format::Json => json::model(model),
        Format::Oscal => oscal::component_definition(model, locale),
        Format::Docx => Err(crate::error::Error::new(
            "a Word document is a document of the bundle, not an export of the model",
        )),
    }
}

/// Where each export goes in the bundle, its locale key (`exports.<key>.description`:
/// what the auditor's index says of it) and what it evidences.
const IN_BUNDLE: &[(Format, &str, &str, &str)] = &[
    (Format::Csv, "raci-matrix.csv", "csv", "5.3, A.5.2, A.5.3"),
    (
        Format::Xlsx,
        "raci-matrix.xlsx",
        "xlsx",
        "5.3, A.5.2, A.5.3",
    ),
    (
        Format::Oscal,
        "oscal/component-definition.json",
        "oscal",
        "5.3, A.5.2",
    ),
];

/// The exports every bundle holds: the RACI matrix as CSV and XLSX, and OSCAL.
pub fn bundle_files(model: &Model, locale: &Locale) -> Result<Vec<BundleFile>> {
    IN_BUNDLE
        .iter()
        .map(|&(format, path, _, _)| {
            Ok(BundleFile {
                path: path.to_string(),
                bytes: export(model, format, locale)?,
            })
        })
        .collect()
}

/// The auditor's index entries of [`bundle_files`].
pub fn index_entries(locale: &Locale) -> Result<Vec<IndexEntry>> {
    IN_BUNDLE
        .iter()
        .map(|&(_, path, key, evidences)| {
            Ok(IndexEntry {
                path: path.to_string(),
                description: locale.plain(&format!("exports.{key}.description"), &[])?,
                evidences: evidences.to_string(),
            })
        })
        .collect()
}

/// The words of the spreadsheet exports, from the locale.
#[derive(Debug, Clone)]
pub struct Words {
    /// The columns before the role columns: id, group, activity, refs.
    pub fixed: [String; 4],
    /// The RACI letters by code (r, a, ar, c, i).
    letters: [String; 5],
    /// Held by every active person.
    pub all_personnel: String,
    /// Held by nobody.
    pub vacant: String,
}

impl Words {
    /// The words of `locale`.
    pub fn new(locale: &Locale) -> Result<Words> {
        let text = |k: &str| locale.text(k).map(str::to_string);
        let fixed = ["activity_id", "group", "activity", "refs"]
            .map(|k| text(&format!("exports.columns.{k}")));
        let letters =
            crate::render::context::RACI_CODES.map(|c| text(&format!("raci.letters.{c}")));
        let [a, b, c, d] = fixed;
        let [r, ac, ar, co, i] = letters;
        Ok(Words {
            fixed: [a?, b?, c?, d?],
            letters: [r?, ac?, ar?, co?, i?],
            all_personnel: text("common.all_personnel")?,
            vacant: text("common.vacant")?,
        })
    }

    /// The displayed letters of a canonical RACI entry (empty stays empty).
    pub fn letters(&self, canonical: &str) -> &str {
        let codes = crate::render::context::RACI_CODES;
        match raci_code(canonical).and_then(|c| codes.iter().position(|x| *x == c)) {
            Some(i) => &self.letters[i],
            None => "",
        }
    }
}

/// Activities in the order of the RACI matrix documents: grouped by `group` in
/// order of first appearance, model order within a group (as `raci-matrix.md`).
pub fn matrix_order(model: &Model) -> Vec<ActivityIdx> {
    let mut groups: Vec<(Option<&str>, Vec<ActivityIdx>)> = Vec::new();
    for (i, a) in model.activities.iter().enumerate() {
        let key = a.group.as_deref();
        match groups.iter_mut().find(|(g, _)| *g == key) {
            Some((_, rows)) => rows.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().flat_map(|(_, rows)| rows).collect()
}

/// The heading of a role's column in the CSV and XLSX matrices: the role's name,
/// readable, then its id in parentheses, unique and stable for re-import.
pub fn role_column(model: &Model, role: usize) -> String {
    let r = &model.roles[role];
    format!("{} ({})", r.name, r.id)
}

/// The fixed cells of an activity's row: id, group, name, refs.
pub fn fixed_cells(model: &Model, activity: ActivityIdx) -> [String; 4] {
    let a = &model.activities[activity];
    [
        a.id.clone(),
        a.group.clone().unwrap_or_default(),
        a.name.clone(),
        a.refs.join(", "),
    ]
}
