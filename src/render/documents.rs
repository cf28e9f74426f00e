//! The table of documents: every kind of document a bundle holds, one row each.
//!
//! Part of the render stage. A row says where the document goes, which template
//! renders it and with what context, how it is titled and described (locale
//! keys), what it evidences, where the index lists it and how its pages are laid
//! out. Everything downstream (the PDF and HTML stages, the index, the manifest,
//! the change report) reads these rows instead of naming kinds of documents, so
//! a new document is one row here and one template (docs/templates.md shows how).

use serde::Serialize;

use crate::model::Model;
use crate::model::sheet::SheetId;

/// What a row's template receives, and how many documents the row makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One document with the full context (`org`, `policy`, `roles`, `raci`, ...).
    Site,
    /// One document per role, with `org`, `policy` and `role`.
    Role,
    /// One document per holder of each role that is not all-staff, with `org`,
    /// `policy` and `sheet`.
    Assignment,
    /// One document with `org`, `policy` and `register`, once every sheet exists.
    Register,
    /// Only in a model with `board-resolution = true`: one document with `org`,
    /// `policy` and `resolution` (every assignment top management makes, with
    /// the digest of its role description); for a row with a sheet, the sheet
    /// binding that document.
    Resolution,
    /// One document with `org`, `policy`, `changes` and `since`, in a bundle
    /// built with `--previous` (and what `rolecall diff` prints).
    Changes,
}

/// Which models a row makes a document for: a document about a model v2 table is
/// made only when the model has that table, so that a v1 model's bundle stays the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every model.
    Always,
    /// A model with `[[competences]]`.
    Competences,
    /// A model with `[[controls]]`.
    Controls,
}

impl When {
    /// Whether `model` has this row's document.
    pub fn applies(self, model: &Model) -> bool {
        match self {
            When::Always => true,
            When::Competences => !model.competences.is_empty(),
            When::Controls => !model.controls.is_empty(),
        }
    }
}

/// Which sheet a signature sheet is, and which document it binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sheet {
    /// `role/<role>/<person>`, binding the role's description (the `role` row).
    Assignment,
    /// `policy-approval`, binding the policy.
    PolicyApproval,
    /// `all-staff`, binding what all staff are asked to read (the `staff` row).
    AllStaff,
    /// `board-resolution`, binding the resolution (the `resolution` row).
    BoardResolution,
}

/// Where the auditor's index (README.md, index.html) lists a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Group {
    /// The policy.
    Policy,
    /// The RACI matrix.
    Raci,
    /// Role descriptions.
    Roles,
    /// Signature sheets and the register.
    Signatures,
    /// The change report.
    Changes,
}

impl Group {
    /// Every group, in the order the index shows them.
    pub const ALL: [Group; 5] = [
        Group::Policy,
        Group::Raci,
        Group::Roles,
        Group::Signatures,
        Group::Changes,
    ];

    /// The group's key in the locale (`index.groups.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Group::Policy => "policy",
            Group::Raci => "raci",
            Group::Roles => "roles",
            Group::Signatures => "signatures",
            Group::Changes => "changes",
        }
    }
}

/// One kind of document.
#[derive(Debug)]
pub struct DocSpec {
    /// Stable id: the locale's `documents.<id>` strings, the page layout's `kind`
    /// (templates/layout.typ), the HTML pages' class.
    pub id: &'static str,
    /// What the template receives; how many documents.
    pub scope: Scope,
    /// Bundle path of the Markdown; `{role}` and `{person}` are the ids.
    pub path: &'static str,
    /// The Markdown template.
    pub template: &'static str,
    /// A Typst-native template whose output replaces the converted Markdown in
    /// the PDF (same context plus what it needs: see docs/templates.md).
    pub typst: Option<&'static str>,
    /// Locale key of the title (`{policy}`, `{role}`, `{since}` filled in).
    pub title: &'static str,
    /// Document id for footers: `{policy}` and `{role}` filled in.
    pub doc_id: &'static str,
    /// Clauses it evidences, for the index.
    pub evidences: &'static str,
    /// Where the index lists it.
    pub group: Group,
    /// Whether the HTML page colours table cells holding RACI letters.
    pub raci_cells: bool,
    /// Whether the document is a wide table: landscape pages, a full-width web page.
    pub wide: bool,
    /// For a signature sheet: which one.
    pub sheet: Option<Sheet>,
    /// Which models have the document.
    pub when: When,
}

impl DocSpec {
    /// Whether this is a signature sheet, on which every empty table cell is a signing field.
    pub fn is_sheet(&self) -> bool {
        self.sheet.is_some()
    }
}

/// The policy, first in every bundle.
pub const POLICY: &str = "policy";
/// What every member of staff is asked to read, and acknowledges.
pub const STAFF: &str = "staff";
/// Top management's resolution assigning roles.
pub const RESOLUTION: &str = "resolution";
/// Role descriptions.
pub const ROLE: &str = "role";
/// The signature register.
pub const REGISTER: &str = "register";
/// The competence register (clause 7.2), for a model with `[[competences]]`.
pub const COMPETENCE: &str = "competence";
/// The control ownership table (A.5.2), for a model with `[[controls]]`.
pub const CONTROLS: &str = "controls";
/// The change report.
pub const CHANGES: &str = "changes";

/// Every document kind, in the order documents are rendered and listed. A row
/// may use the digests of the rows above it (a sheet binds a document rendered
/// earlier).
pub const DOCUMENTS: &[DocSpec] = &[
    DocSpec {
        id: POLICY,
        scope: Scope::Site,
        path: "policy.md",
        template: "policy.md",
        typst: None,
        title: "documents.policy.title",
        doc_id: "{policy}",
        evidences: "5.3, A.5.2, 5.2, 7.5",
        group: Group::Policy,
        wide: false,
        raci_cells: false,
        sheet: None,
        when: When::Always,
    },
    DocSpec {
        id: STAFF,
        scope: Scope::Site,
        path: "policy-for-staff.md",
        template: "policy-for-staff.md",
        typst: None,
        title: "staff.title",
        doc_id: "{policy}/staff",
        evidences: "5.2, 7.3, A.5.2",
        group: Group::Policy,
        wide: false,
        raci_cells: true,
        sheet: None,
        when: When::Always,
    },
    DocSpec {
        id: "raci",
        scope: Scope::Site,
        path: "raci-matrix.md",
        template: "raci-matrix.md",
        typst: Some("raci-matrix.typ"),
        title: "raci.title",
        doc_id: "{policy}/raci",
        evidences: "5.3, A.5.2, A.5.3",
        group: Group::Raci,
        wide: true,
        raci_cells: true,
        sheet: None,
        when: When::Always,
    },
    DocSpec {
        id: ROLE,
        scope: Scope::Role,
        path: "roles/{role}.md",
        template: "role.md",
        typst: None,
        title: "role.title",
        doc_id: "{policy}/{role}",
        evidences: "5.3, A.5.2, 7.2",
        group: Group::Roles,
        wide: false,
        raci_cells: true,
        sheet: None,
        when: When::Always,
    },
    DocSpec {
        id: COMPETENCE,
        scope: Scope::Site,
        path: "competence-register.md",
        template: "competence-register.md",
        typst: None,
        title: "competence.title",
        doc_id: "{policy}/competence",
        evidences: "7.2, A.5.2, A.6.3",
        group: Group::Roles,
        wide: true,
        raci_cells: false,
        sheet: None,
        when: When::Competences,
    },
    DocSpec {
        id: CONTROLS,
        scope: Scope::Site,
        path: "control-ownership.md",
        template: "control-ownership.md",
        typst: None,
        title: "controls.title",
        doc_id: "{policy}/controls",
        evidences: "A.5.2, 6.1.3",
        group: Group::Raci,
        wide: true,
        raci_cells: false,
        sheet: None,
        when: When::Controls,
    },
    DocSpec {
        id: RESOLUTION,
        scope: Scope::Resolution,
        path: "role-assignments.md",
        template: "role-assignments.md",
        typst: None,
        title: "resolution.title",
        doc_id: "{policy}/assignments",
        evidences: "5.3, A.5.2",
        group: Group::Roles,
        wide: false,
        raci_cells: false,
        sheet: None,
        when: When::Always,
    },
    DocSpec {
        id: "assignment",
        scope: Scope::Assignment,
        path: "signatures/{role}--{person}.md",
        template: "signature-role.md",
        typst: None,
        title: "assignment.title",
        doc_id: "{policy}/{role}",
        evidences: "5.3",
        group: Group::Signatures,
        wide: false,
        raci_cells: false,
        sheet: Some(Sheet::Assignment),
        when: When::Always,
    },
    DocSpec {
        id: "approval",
        scope: Scope::Site,
        path: "signatures/policy-approval.md",
        template: "signature-policy.md",
        typst: None,
        title: "approval.title",
        doc_id: "{policy}",
        evidences: "5.1, 5.2, 5.3",
        group: Group::Signatures,
        wide: false,
        raci_cells: false,
        sheet: Some(Sheet::PolicyApproval),
        when: When::Always,
    },
    DocSpec {
        id: "acknowledgement",
        scope: Scope::Site,
        path: "signatures/all-staff-acknowledgement.md",
        template: "all-staff-acknowledgement.md",
        typst: None,
        title: "acknowledgement.title",
        doc_id: "{policy}",
        evidences: "7.3, A.5.2",
        group: Group::Signatures,
        wide: false,
        raci_cells: false,
        sheet: Some(Sheet::AllStaff),
        when: When::Always,
    },
    DocSpec {
        id: "board_resolution",
        scope: Scope::Resolution,
        path: "signatures/board-resolution.md",
        template: "signature-resolution.md",
        typst: None,
        title: "board_resolution.title",
        doc_id: "{policy}/assignments",
        evidences: "5.3",
        group: Group::Signatures,
        wide: false,
        raci_cells: false,
        sheet: Some(Sheet::BoardResolution),
        when: When::Always,
    },
    DocSpec {
        id: REGISTER,
        scope: Scope::Register,
        path: "signatures/register.md",
        template: "signature-register.md",
        typst: Some("signature-register.typ"),
        title: "register.title",
        doc_id: "{policy}/signatures",
        evidences: "5.3, 7.5",
        group: Group::Signatures,
        wide: false,
        raci_cells: false,
        sheet: None,
        when: When::Always,
    },
    DocSpec {
        id: CHANGES,
        scope: Scope::Changes,
        path: "changes.md",
        template: "changes.md",
        typst: None,
        title: "changes.title",
        doc_id: "{policy}/changes",
        evidences: "7.5, A.5.2",
        group: Group::Changes,
        wide: false,
        raci_cells: false,
        sheet: None,
        when: When::Always,
    },
];

/// The row with this id.
pub fn spec(id: &str) -> &'static DocSpec {
    DOCUMENTS
        .iter()
        .find(|d| d.id == id)
        .unwrap_or_else(|| unreachable!("no document `{id}` in the table"))
}

impl Sheet {
    /// The row of the document the sheet binds (assignments: each role's).
    pub fn binds(self) -> &'static str {
        match self {
            Sheet::Assignment => ROLE,
            Sheet::PolicyApproval => POLICY,
            Sheet::AllStaff => STAFF,
            Sheet::BoardResolution => RESOLUTION,
        }
    }

    /// The sheet's id for the document of `role` and `person` (assignments only).
    pub fn id(self, role: &str, person: &str) -> SheetId {
        match self {
            Sheet::Assignment => SheetId::Assignment {
                role: role.to_string(),
                person: person.to_string(),
            },
            Sheet::PolicyApproval => SheetId::PolicyApproval,
            Sheet::AllStaff => SheetId::AllStaff,
            Sheet::BoardResolution => SheetId::BoardResolution,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_paths_and_templates_are_unique() {
        for (i, a) in DOCUMENTS.iter().enumerate() {
            for b in &DOCUMENTS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.path, b.path);
            }
        }
    }

    #[test]
    fn every_template_is_built_in() {
        for d in DOCUMENTS {
            for t in std::iter::once(d.template).chain(d.typst) {
                assert!(
                    super::super::BUILTIN.iter().any(|(n, _)| *n == t),
                    "{} has no built-in template {t}",
                    d.id
                );
            }
        }
    }
}
