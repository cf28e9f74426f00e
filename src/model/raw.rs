//! The serde mirror of one model file, exactly as written.
//!
//! First stage of the pipeline: `load` parses each `*.toml` file into a [`RawFile`];
//! `validate` turns the merged raw files into the resolved `Model`. Nothing after
//! validation sees these types. Every table denies unknown keys, so a typo is an
//! error rather than silently ignored data; ids and references keep their spans
//! so that diagnostics can point at them.

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use crate::date::DateFormat;

/// One model file. Any table may appear in any file; `validate` merges them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFile {
    /// `[organisation]`: exactly one file of the model has it.
    pub organisation: Option<Spanned<RawOrganisation>>,
    /// `[policy]`: document control of the generated document set.
    pub policy: Option<Spanned<RawPolicy>>,
    /// `[[people]]`
    #[serde(default)]
    pub people: Vec<Spanned<RawPerson>>,
    /// `[[roles]]`
    #[serde(default)]
    pub roles: Vec<Spanned<RawRole>>,
    /// `[[activities]]`: the rows of the RACI matrix.
    #[serde(default)]
    pub activities: Vec<Spanned<RawActivity>>,
    /// `[[signatures]]`: signed sheets, as recorded after signing.
    #[serde(default)]
    pub signatures: Vec<Spanned<RawSignature>>,
    /// `[lint]`
    pub lint: Option<RawLint>,
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
    pub version: String,
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
    /// Competence required (clause 7.2).
    #[serde(default)]
    pub competence: Vec<String>,
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

/// `[[signatures]]`: one signature on one printed sheet.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSignature {
    /// The sheet: `role/<role-id>/<person-id>`, `policy-approval` or `all-staff/<person-id>`.
    pub sheet: Spanned<String>,
    /// Person id of the signatory.
    pub signed_by: Spanned<String>,
    /// Date written on the sheet.
    pub date: Spanned<Datetime>,
    /// The short (12 hex digits) or full content digest printed on the sheet.
    pub digest: Spanned<String>,
}

/// `[lint]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLint {
    /// Warning codes to silence.
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
}
