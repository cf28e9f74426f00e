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

use anyhow::Result;

use crate::bundle::BundleFile;
use crate::model::{ActivityIdx, Model};
use crate::render::IndexEntry;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The RACI matrix as RFC 4180 CSV.
    Csv,
    /// The RACI matrix, legend and people as an Excel workbook.
    Xlsx,
    /// The resolved model as plain JSON.
    Json,
    /// An OSCAL 1.2.1 component definition.
    Oscal,
}

impl Format {
    /// Whether the output is text (and may go to a terminal).
    pub fn is_text(self) -> bool {
        self != Format::Xlsx
    }

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
            Format::Oscal => "oscal",
        }
    }
}

/// The model in `format`.
pub fn export(model: &Model, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Csv => Ok(csv::raci(model).into_bytes()),
        Format::Xlsx => xlsx::workbook(model),
        Format::Json => json::model(model),
        Format::Oscal => oscal::component_definition(model),
    }
}

/// Where each export goes in the bundle, and what the auditor's index says of it.
const IN_BUNDLE: &[(Format, &str, &str, &str)] = &[
    (
        Format::Csv,
        "raci-matrix.csv",
        "The RACI matrix as CSV (RFC 4180, UTF-8): one row per activity, one column per role, for import into spreadsheets and GRC tools",
        "5.3, A.5.2, A.5.3",
    ),
    (
        Format::Xlsx,
        "raci-matrix.xlsx",
        "The RACI matrix as an Excel workbook with coloured cells, a legend, and the people and the roles they hold",
        "5.3, A.5.2, A.5.3",
    ),
    (
        Format::Oscal,
        "oscal/component-definition.json",
        "OSCAL 1.2.1 component definition of the policy: roles, the people holding them, and the roles responsible for each referenced Annex A control",
        "5.3, A.5.2",
    ),
];

/// The exports every bundle holds: the RACI matrix as CSV and XLSX, and OSCAL.
pub fn bundle_files(model: &Model) -> Result<Vec<BundleFile>> {
    IN_BUNDLE
        .iter()
        .map(|&(format, path, _, _)| {
            Ok(BundleFile {
                path: path.to_string(),
                bytes: export(model, format)?,
            })
        })
        .collect()
}

/// The auditor's index entries of [`bundle_files`].
pub fn index_entries() -> Vec<IndexEntry> {
    IN_BUNDLE
        .iter()
        .map(|&(_, path, description, evidences)| IndexEntry {
            path: path.to_string(),
            description: description.to_string(),
            evidences: evidences.to_string(),
        })
        .collect()
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

/// The fixed columns before the role columns of the CSV and XLSX matrices.
pub const FIXED_COLUMNS: [&str; 4] = ["Activity ID", "Group", "Activity", "Refs"];

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
