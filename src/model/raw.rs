//! The serde mirror of the model's tables, exactly as written.
//!
//! First stage of the pipeline: `load` reads each `*.toml` file item by item
//! (every `[[people]]` entry, the `[policy]` table, ...) into these types and
//! collects them, across files, in one [`RawModel`]; `validate` turns that into
//! the resolved `Model`. Nothing after validation sees these types. Every table
//! denies unknown keys, so a typo is an error rather than silently ignored
//! data; ids and references keep their spans so that diagnostics can point at
//! them.
//!
//! Adding a key to a table is a field in its struct below (with serde's
//! attributes for a default); adding a table is a struct, a field of
//! [`RawModel`], a row of [`TABLES`] and an arm in `RawModel::add`. The
//! loader then reports its unknown keys, wrong types and missing keys, each at
//! its own line, and leaves out an item that has any of them.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use super::load::Loader;
use crate::date::DateFormat;

/// How a table is written at the top level of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `[name]`: one table (a model has one; `[lint]` may be in several files).
    Table,
    /// `[[name]]`: any number of entries.
    Array,
}

/// The top-level keys of a model file, and how each is written.
pub const TABLES: &[(&str, Shape)] = &[
    ("organisation", Shape::Table),
    ("policy", Shape::Table),
    ("people", Shape::Array),
    ("roles", Shape::Array),
    ("activities", Shape::Array),
    ("parties", Shape::Array),
    ("competences", Shape::Array),
    ("controls", Shape::Array),
    ("exceptions", Shape::Array),
    ("signatures", Shape::Array),
    ("lint", Shape::Table),
];

/// One item of a table (a `[[people]]` entry, the `[policy]` table), and
/// where it was written.
#[derive(Debug)]
pub struct Item<T> {
    /// Index of the source file.
    pub file: usize,
    /// The item's header (`[[people]]`, `[policy]`), or its inline table.
    pub span: Range<usize>,
    /// What it holds.
    pub value: T,
}

impl<T> std::ops::Deref for Item<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// Items that were reported and left out, so that nothing else reports them
/// again (a reference to a person who failed to load is not an unknown person).
#[derive(Debug, Default)]
pub struct Failed {
    /// The ids of the items left out, by table (`people`, `roles`, ...).
    pub ids: BTreeMap<&'static str, BTreeSet<String>>,
    /// Tables of which an item was left out without a readable id, or which a
    /// file whose syntax is broken may have held: any id may be missing from them.
    pub unknown: BTreeSet<&'static str>,
}

impl Failed {
    /// Whether every item of `table` loaded.
    pub fn complete(&self, table: &str) -> bool {
        !self.unknown.contains(table) && self.ids.get(table).is_none_or(|ids| ids.is_empty())
    }

    /// Whether an item of `table` with id `id` may exist but failed to load.
    pub fn may_hold(&self, table: &str, id: &str) -> bool {
        self.unknown.contains(table) || self.ids.get(table).is_some_and(|ids| ids.contains(id))
    }
}

/// Every item of the model, merged across its files in file order.
#[derive(Debug, Default)]
pub struct RawModel {
    /// `[organisation]`: exactly one file of the model has it.
    pub organisation: Vec<Item<RawOrganisation>>,
    /// `[policy]`: document control of the generated document set.
    pub policy: Vec<Item<RawPolicy>>,
    /// `[[people]]`
    pub people: Vec<Item<RawPerson>>,
    /// `[[roles]]`
    pub roles: Vec<Item<RawRole>>,
    /// `[[activities]]`: the rows of the RACI matrix.
    pub activities: Vec<Item<RawActivity>>,
    /// `[[parties]]`: external parties in the ISMS scope (model v2).
    pub parties: Vec<Item<RawParty>>,
    /// `[[competences]]`: competence that roles require and people evidence (model v2).
    pub competences: Vec<Item<RawCompetence>>,
    /// `[[controls]]`: the Statement of Applicability (model v2).
    pub controls: Vec<Item<RawControl>>,
    /// `[[exceptions]]`: accepted segregation conflicts (model v2).
    pub exceptions: Vec<Item<RawException>>,
    /// `[[signatures]]`: signed sheets, as recorded after signing.
    pub signatures: Vec<Item<RawSignature>>,
    /// `[lint]`, from any file.
    pub lint: Vec<Item<RawLint>>,
    /// What was left out.
    pub failed: Failed,
}

impl RawModel {
    /// Loads the items of top-level key `table` (a name of [`TABLES`]) into
    /// their field; false for a key that is not a table of the model.
    pub(super) fn add(&mut self, table: &str, loader: &mut Loader) -> bool {
        match table {
            "organisation" => loader.items(&mut self.organisation),
            "policy" => loader.items(&mut self.policy),
            "people" => loader.items(&mut self.people),
            "roles" => loader.items(&mut self.roles),
            "activities" => loader.items(&mut self.activities),
            "parties" => loader.items(&mut self.parties),
            "competences" => loader.items(&mut self.competences),
            "controls" => loader.items(&mut self.controls),
            "exceptions" => loader.items(&mut self.exceptions),
            "signatures" => loader.items(&mut self.signatures),
            "lint" => loader.items(&mut self.lint),
            _ => return false,
        }
        true
    }
}

/// `[organisation]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawOrganisation {
    /// Legal name.
    pub name: String,
    /// Short name, slugified into file names; default: `name`.
    pub short_name: Option<String>,
    /// The ISMS scope statement (clause 4.3).
    pub scope: String,
    /// Logo for the letterhead, relative to the file that declares it.
    pub logo: Option<Spanned<String>>,
    /// Paper size of the PDFs.
    #[serde(default)]
    pub paper: Paper,
    /// How dates are written in documents.
    #[serde(default)]
    pub date_format: DateFormat,
    /// The language of the documents: a locale's tag (`en`, `de`); default `en`.
    pub language: Option<Spanned<String>>,
    /// Who assigns the top-management roles ("Board of directors").
    pub governing_body: Option<String>,
    /// Top management assigns the other roles by one signed resolution.
    #[serde(default)]
    pub board_resolution: bool,
}

/// Paper size (`organisation.paper`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Paper {
    /// ISO A4 (default).
    #[default]
    A4,
    /// US Letter.
    UsLetter,
}

/// `[policy]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPolicy {
    /// Document id, e.g. `ISMS-POL-05`.
    pub id: String,
    /// Document title.
    pub title: Option<String>,
    /// Document version.
    pub version: Spanned<String>,
    /// Classification label printed on every document.
    pub classification: Option<String>,
    /// Role id of the document owner.
    pub owner: Spanned<String>,
    /// Role id of the approver (a top-management role).
    pub approver: Spanned<String>,
    /// Effective date.
    pub effective: Spanned<Datetime>,
    /// Review interval in months.
    pub review_months: Option<Spanned<u32>>,
    /// Date of the last review.
    pub last_review: Option<Spanned<Datetime>>,
    /// Organisation-written sections (Markdown bodies).
    #[serde(default)]
    pub sections: Vec<RawSection>,
    /// Version history.
    #[serde(default)]
    pub history: Vec<RawHistory>,
}

/// `[[policy.sections]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSection {
    /// Section heading.
    pub title: String,
    /// Section body, Markdown.
    pub body: String,
}

/// `[[policy.history]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHistory {
    /// Version.
    pub version: String,
    /// Date of the version.
    pub date: Spanned<Datetime>,
    /// Person id of the author.
    pub author: Spanned<String>,
    /// What changed.
    pub summary: String,
}

/// `[[people]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPerson {
    /// Person id.
    pub id: Spanned<String>,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Last day with the organisation.
    pub left: Option<Spanned<Datetime>>,
    /// Id of the external party the person belongs to: not staff (model v2).
    pub party: Option<Spanned<String>>,
    /// Evidence of competence (`[[people.evidence]]`, model v2).
    #[serde(default)]
    pub evidence: Vec<RawEvidence>,
}

/// `[[people.evidence]]`: evidence that a person has a competence (clause 7.2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawEvidence {
    /// Id of the `[[competences]]` entry evidenced.
    pub competence: Spanned<String>,
    /// What the evidence is (a certificate, a course record, a CV entry).
    pub evidence: String,
    /// When it was obtained.
    pub date: Spanned<Datetime>,
    /// When it expires; default: `date` plus the competence's `renew-months`.
    pub expires: Option<Spanned<Datetime>>,
}

/// `[[roles]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRole {
    /// Role id.
    pub id: Spanned<String>,
    /// Role name.
    pub name: String,
    /// Abbreviation for RACI column heads.
    pub short_name: Option<String>,
    /// Version of the role description.
    pub version: Option<String>,
    /// Whether the role belongs to top management.
    #[serde(default)]
    pub top_management: bool,
    /// Person ids holding the role.
    #[serde(default)]
    pub holders: Vec<Spanned<String>>,
    /// Person ids deputising.
    #[serde(default)]
    pub deputies: Vec<Spanned<String>>,
    /// Role id this role reports to.
    pub reports_to: Option<Spanned<String>>,
    /// Purpose, Markdown.
    #[serde(default)]
    pub purpose: String,
    /// Responsibilities.
    #[serde(default)]
    pub responsibilities: Vec<String>,
    /// Authorities.
    #[serde(default)]
    pub authorities: Vec<String>,
    /// Assets and processes owned.
    #[serde(default)]
    pub owns: Vec<String>,
    /// Competence required (clause 7.2): the id of a `[[competences]]` entry
    /// (tracked) or descriptive text.
    #[serde(default)]
    pub competence: Vec<Spanned<String>>,
    /// ISO/IEC 27001:2022 clause and Annex A ids.
    #[serde(default)]
    pub refs: Vec<Spanned<String>>,
    /// Clause 5.3 a).
    #[serde(default)]
    pub isms_conformity: bool,
    /// Clause 5.3 b).
    #[serde(default)]
    pub isms_reporting: bool,
    /// Role ids that must be held by different people.
    #[serde(default)]
    pub conflicts: Vec<Spanned<String>>,
    /// Held by every active person.
    #[serde(default)]
    pub all_staff: bool,
    /// Date top management assigned the role.
    pub assigned: Option<Spanned<Datetime>>,
}

/// `[[activities]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawActivity {
    /// Activity id.
    pub id: Spanned<String>,
    /// What is done.
    pub name: String,
    /// Heading in the matrix.
    pub group: Option<String>,
    /// Clause and Annex A ids.
    #[serde(default)]
    pub refs: Vec<Spanned<String>>,
    /// Role ids doing the work.
    #[serde(default)]
    pub responsible: Vec<Spanned<String>>,
    /// The one role answering for the outcome. Kept as a raw value so that
    /// a list of several roles is reported as a RACI error, not a type error.
    pub accountable: Option<Spanned<toml::Value>>,
    /// Role ids consulted before.
    #[serde(default)]
    pub consulted: Vec<Spanned<String>>,
    /// Role ids informed after.
    #[serde(default)]
    pub informed: Vec<Spanned<String>>,
    /// Activity ids whose R and A must be other people.
    #[serde(default)]
    pub segregate_from: Vec<Spanned<String>>,
}

/// `[[parties]]`: an external party in the ISMS scope (a supplier, an outsourced function).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawParty {
    /// Party id.
    pub id: Spanned<String>,
    /// Legal name.
    pub name: String,
    /// What the party does for the organisation.
    #[serde(default)]
    pub services: String,
    /// Where its security responsibilities are agreed (contract, DPA, annex).
    pub contract: Option<String>,
    /// Role id of the internal role that owns the relationship.
    pub owner: Spanned<String>,
    /// The party's security responsibilities.
    #[serde(default)]
    pub responsibilities: Vec<String>,
    /// ISO/IEC 27001:2022 clause and Annex A ids.
    #[serde(default)]
    pub refs: Vec<Spanned<String>>,
    /// Date of the last review of the party's service and agreement.
    pub last_review: Option<Spanned<Datetime>>,
    /// Review interval in months (default 12).
    pub review_months: Option<Spanned<u32>>,
}

/// `[[competences]]`: a competence that roles require and people evidence (clause 7.2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCompetence {
    /// Competence id.
    pub id: Spanned<String>,
    /// What the competence is.
    pub name: String,
    /// Months after which evidence expires, unless it gives `expires`.
    pub renew_months: Option<Spanned<u32>>,
}

/// `[[controls]]`: one row of the Statement of Applicability.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawControl {
    /// Annex A 2022 control id (`A.5.2`).
    pub id: Spanned<String>,
    /// The organisation's own title of the control (no ISO text is shipped).
    pub title: Option<String>,
    /// Whether the control applies (default true).
    pub applicable: Option<Spanned<bool>>,
    /// Role id of the control owner; default: the accountable role of the
    /// activities referencing the control.
    pub owner: Option<Spanned<String>>,
    /// Why the control is (not) applicable; required when it is not.
    pub justification: Option<String>,
}

/// `[[exceptions]]`: an accepted conflict of the built-in independence rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawException {
    /// Exception id.
    pub id: Spanned<String>,
    /// Person id of the internal auditor the conflict is about.
    pub person: Spanned<String>,
    /// The clause 5.3 a) or b) role they also hold.
    pub role: Option<Spanned<String>>,
    /// The control-implementing activity they are also responsible or accountable for.
    pub activity: Option<Spanned<String>>,
    /// What compensates for the missing segregation.
    pub compensating_control: String,
    /// Role id of the top-management role that approved the exception.
    pub approved_by: Spanned<String>,
    /// When the exception is to be reviewed again.
    pub review_by: Spanned<Datetime>,
}

/// `[[signatures]]`: one signature on one printed sheet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSignature {
    /// The sheet: `role/<role-id>/<person-id>`, `policy-approval` or `all-staff/<person-id>`.
    pub sheet: Spanned<String>,
    /// Person id of the signatory, or `governing-body`.
    pub signed_by: Spanned<String>,
    /// Who signed for the governing body (free text).
    pub signatory: Option<Spanned<String>>,
    /// Date written on the sheet.
    pub date: Spanned<Datetime>,
    /// The short (12 hex digits) or full content digest printed on the sheet.
    pub digest: Spanned<String>,
    /// The scan or signed PDF, relative to the model's directory.
    pub evidence: Option<Spanned<String>>,
}

/// `[lint]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLint {
    /// Warning codes to silence.
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
}

/// A whole model file in one serde type, as [`TABLES`] and [`RawModel::add`]
/// read it item by item: for tests that compare serde with the JSON Schema.
#[cfg(test)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(
    dead_code,
    reason = "only deserialized, to compare serde with the schema"
)]
pub struct RawFile {
    organisation: Option<RawOrganisation>,
    policy: Option<RawPolicy>,
    #[serde(default)]
    people: Vec<RawPerson>,
    #[serde(default)]
    roles: Vec<RawRole>,
    #[serde(default)]
    activities: Vec<RawActivity>,
    #[serde(default)]
    parties: Vec<RawParty>,
    #[serde(default)]
    competences: Vec<RawCompetence>,
    #[serde(default)]
    controls: Vec<RawControl>,
    #[serde(default)]
    exceptions: Vec<RawException>,
    #[serde(default)]
    signatures: Vec<RawSignature>,
    lint: Option<RawLint>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_file_has_the_tables_the_loader_reads() {
        let msg = toml::from_str::<RawFile>("zz = 1")
            .unwrap_err()
            .message()
            .to_string();
        let keys: Vec<&str> = msg.split('`').skip(3).step_by(2).collect();
        let tables: Vec<&str> = TABLES.iter().map(|(t, _)| *t).collect();
        assert_eq!(keys, tables, "{msg}");
    }
}
