//! The resolved model: the organisation as every later stage sees it.
//!
//! Pipeline position: `load` reads the TOML files item by item into the
//! types of [`raw`] (every schema error reported, a failed item left out and
//! remembered; every string checked by [`text`]), `validate` checks them and resolves every reference into
//! indices (quiet about what a reported error explains; `hints` words the
//! fixes; [`limits`] holds how large a model may be), and the result is a [`Model`] that render, pdf and bundle consume. A `Model` only exists for input without
//! errors, so downstream code can rely on its invariants (every reference
//! resolves, every activity has exactly one accountable role).

pub mod annex_a;
mod hints;
pub mod limits;
mod load;
pub mod paths;
pub mod raw;
pub mod sheet;
pub mod text;
mod validate;

use std::path::{Path, PathBuf};

pub use self::load::load_sources;
pub use self::raw::Paper;
pub use self::validate::validate;
use crate::date::{Date, DateFormat};
use crate::diag::{Diagnostic, SourceFile};

/// Index of a person in [`Model::people`].
pub type PersonIdx = usize;
/// Index of a role in [`Model::roles`].
pub type RoleIdx = usize;
/// Index of an activity in [`Model::activities`].
pub type ActivityIdx = usize;
/// Index of an external party in [`Model::parties`].
pub type PartyIdx = usize;
/// Index of a competence in [`Model::competences`].
pub type CompetenceIdx = usize;

/// A validated organisation model, as of one bundle date.
#[derive(Debug, Clone)]
pub struct Model {
    /// The organisation and its ISMS scope.
    pub organisation: Organisation,
    /// Document control of the generated document set.
    pub policy: Policy,
    /// Everyone named in the model, in file order.
    pub people: Vec<Person>,
    /// Roles, in file order.
    pub roles: Vec<Role>,
    /// RACI activities, in file order.
    pub activities: Vec<Activity>,
    /// External parties in the ISMS scope, in file order (model v2).
    pub parties: Vec<Party>,
    /// Tracked competences, in file order (model v2).
    pub competences: Vec<Competence>,
    /// The Statement of Applicability, in Annex A order (model v2; empty without `[[controls]]`).
    pub controls: Vec<Control>,
    /// Accepted conflicts of the built-in independence rules, in file order (model v2).
    pub exceptions: Vec<Exception>,
    /// The model's source files, sorted by relative path.
    pub sources: Vec<SourceFile>,
    /// The model's root directory (the directory given, or the file's directory).
    pub root: PathBuf,
    /// The bundle date the model was validated for.
    pub date: Date,
    /// Recorded signatures, in file order.
    pub signatures: Vec<Signature>,
    /// Warning codes silenced by `[lint] allow`.
    pub allow: std::collections::BTreeSet<&'static str>,
    /// Where the items that ask for signatures are written, for diagnostics
    /// about a sheet rather than a record.
    pub places: Places,
}

/// Where items of the model are written (`None` for an item without a place).
#[derive(Debug, Clone, Default)]
pub struct Places {
    /// Each role's id, by [`RoleIdx`].
    pub roles: Vec<Option<crate::diag::Location>>,
    /// The `[policy]` table's `approver`.
    pub approver: Option<crate::diag::Location>,
    /// The `[organisation]` table.
    pub organisation: Option<crate::diag::Location>,
}

/// Which printed sheet a signature is on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sheet {
    /// The assignment of a role to one of its holders.
    Assignment {
        /// The role.
        role: RoleIdx,
        /// The appointee.
        person: PersonIdx,
    },
    /// Top management's approval of the policy.
    PolicyApproval,
    /// One person's line on the all-staff acknowledgement.
    AllStaff {
        /// The person.
        person: PersonIdx,
    },
    /// Top management's resolution assigning the roles it assigns
    /// (`organisation.board-resolution`).
    BoardResolution,
}

/// Who signed a record: `signed-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Signer {
    /// A person of the model.
    Person(PersonIdx),
    /// The governing body (`signed-by = "governing-body"`), for the
    /// assignments of top management.
    GoverningBody,
}

impl Signer {
    /// The person, unless the governing body signed.
    pub fn person(self) -> Option<PersonIdx> {
        match self {
            Signer::Person(p) => Some(p),
            Signer::GoverningBody => None,
        }
    }
}

/// What `signed-by` says for the governing body.
pub const GOVERNING_BODY: &str = "governing-body";

/// A file that evidences a signature: a scan or a returned PDF, from the model's
/// directory, copied into the bundle's `model/`.
#[derive(Debug, Clone)]
pub struct SignatureEvidence {
    /// Its path relative to the model's directory, `/`-separated.
    pub path: String,
    /// Its bytes, read once.
    pub bytes: std::sync::Arc<[u8]>,
    /// What it is, and what it says of the record's digest.
    pub kind: EvidenceKind,
}

/// What an evidence file showed when it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A PNG or JPEG scan, or a PDF without text: accepted without a digest check.
    Scan,
    /// A PDF whose text carries the record's digest.
    PdfWithDigest,
    /// A PDF with text but no digest in it (a warning).
    PdfWithoutDigest,
}

impl EvidenceKind {
    /// What [`crate::evidence::examine`] found, as a kind of evidence; `None`
    /// for a PDF that shows another digest (no evidence of this one).
    pub fn of(found: &crate::evidence::Evidence) -> Option<EvidenceKind> {
        use crate::evidence::Evidence;
        match found {
            Evidence::Image { .. } | Evidence::PdfNoText => Some(EvidenceKind::Scan),
            Evidence::PdfWithDigest => Some(EvidenceKind::PdfWithDigest),
            Evidence::PdfNoDigest => Some(EvidenceKind::PdfWithoutDigest),
            Evidence::PdfOtherDigest { .. } => None,
        }
    }

    /// How the manifest names it.
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Scan => "scan",
            EvidenceKind::PdfWithDigest => "pdf-with-digest",
            EvidenceKind::PdfWithoutDigest => "pdf-without-digest",
        }
    }
}

/// One `[[signatures]]` record, resolved.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The sheet signed.
    pub sheet: Sheet,
    /// The sheet id as written.
    pub sheet_id: sheet::SheetId,
    /// Who signed.
    pub signer: Signer,
    /// Who signed for the governing body (`signatory`), as written.
    pub signatory: Option<String>,
    /// When.
    pub date: Date,
    /// The digest written down, lower-case hex (12 or 64 digits).
    pub digest: String,
    /// Where the record is, for diagnostics: its `digest`.
    pub location: Option<crate::diag::Location>,
    /// The scan or signed PDF, when the record names one.
    pub evidence: Option<SignatureEvidence>,
}

/// `[organisation]`, resolved.
#[derive(Debug, Clone)]
pub struct Organisation {
    /// Legal name.
    pub name: String,
    /// Short name (default: the name).
    pub short_name: String,
    /// File-name-safe short name.
    pub slug: String,
    /// ISMS scope statement.
    pub scope: String,
    /// Absolute or model-relative path of the logo file.
    pub logo: Option<PathBuf>,
    /// Paper size.
    pub paper: Paper,
    /// How dates are written.
    pub date_format: DateFormat,
    /// The documents' language: the tag of a locale (`en`, `de`).
    pub language: String,
    /// Who assigns the top-management roles (`governing-body`: "Board of
    /// directors", "Gesellschafterversammlung"); the locale's general term when unset.
    pub governing_body: Option<String>,
    /// Whether top management assigns the other roles by one resolution
    /// (`board-resolution`) rather than on each assignment sheet.
    pub board_resolution: bool,
}

/// `[policy]`, resolved.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Whether the model gives the title (else it is the locale's default).
    pub title_given: bool,
    /// Version.
    pub version: String,
    /// Classification label.
    pub classification: String,
    /// Whether the model gives the classification (else it is the locale's default).
    pub classification_given: bool,
    /// Owning role.
    pub owner: RoleIdx,
    /// Approving role (top management).
    pub approver: RoleIdx,
    /// Effective date.
    pub effective: Date,
    /// Review interval.
    pub review_months: u32,
    /// Last review, if any.
    pub last_review: Option<Date>,
    /// When the next review is due.
    pub next_review: Date,
    /// Organisation-written sections.
    pub sections: Vec<Section>,
    /// Version history.
    pub history: Vec<HistoryEntry>,
}

/// An organisation-written policy section.
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading.
    pub title: String,
    /// Markdown body.
    pub body: String,
}

/// One row of the version history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// Version.
    pub version: String,
    /// Date.
    pub date: Date,
    /// Author.
    pub author: PersonIdx,
    /// What changed.
    pub summary: String,
}

/// A person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
    /// E-mail.
    pub email: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Last day, if they left or will leave.
    pub left: Option<Date>,
    /// Still with the organisation on the bundle date.
    pub active: bool,
    /// The external party the person belongs to; `None` for staff.
    pub party: Option<PartyIdx>,
    /// Evidence of competence, in file order.
    pub evidence: Vec<Evidence>,
    /// Where the person's id is written, for diagnostics.
    pub location: Option<crate::diag::Location>,
}

/// One `[[people.evidence]]` entry, resolved.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The competence evidenced.
    pub competence: CompetenceIdx,
    /// What the evidence is.
    pub evidence: String,
    /// When it was obtained.
    pub date: Date,
    /// When it expires (given, or `date` plus the competence's `renew-months`).
    pub expires: Option<Date>,
    /// Where the entry's `expires` (or `date`) is written, for diagnostics.
    pub location: Option<crate::diag::Location>,
}

impl Evidence {
    /// Where the evidence stands on `date` (never [`EvidenceStatus::Missing`]).
    pub fn status(&self, date: Date) -> EvidenceStatus {
        match self.expires {
            Some(x) if x <= date => EvidenceStatus::Expired,
            Some(x) if x <= date.add_days(EXPIRING_DAYS) => EvidenceStatus::Expiring,
            _ => EvidenceStatus::Current,
        }
    }
}

/// Where a holder's evidence of a competence stands on the bundle date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceStatus {
    /// Current, and not expiring within [`EXPIRING_DAYS`].
    Current,
    /// Current, but expiring within [`EXPIRING_DAYS`] of the bundle date.
    Expiring,
    /// Expired.
    Expired,
    /// No evidence recorded (none dated by the bundle date).
    Missing,
}

impl EvidenceStatus {
    /// `current`, `expiring`, `expired` or `missing`, as exports and views name it.
    pub fn code(self) -> &'static str {
        match self {
            EvidenceStatus::Current => "current",
            EvidenceStatus::Expiring => "expiring",
            EvidenceStatus::Expired => "expired",
            EvidenceStatus::Missing => "missing",
        }
    }
}

/// How many days before it expires evidence counts as expiring (RC102).
pub const EXPIRING_DAYS: i64 = 60;

/// `[[parties]]`, resolved: an external party in the ISMS scope.
#[derive(Debug, Clone)]
pub struct Party {
    /// Id.
    pub id: String,
    /// Legal name.
    pub name: String,
    /// What it does for the organisation.
    pub services: String,
    /// Where its security responsibilities are agreed.
    pub contract: Option<String>,
    /// The internal role that owns the relationship.
    pub owner: RoleIdx,
    /// Its security responsibilities.
    pub responsibilities: Vec<String>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Last review of the party's service and agreement.
    pub last_review: Option<Date>,
    /// Review interval in months.
    pub review_months: u32,
}

/// `[[competences]]`, resolved.
#[derive(Debug, Clone)]
pub struct Competence {
    /// Id.
    pub id: String,
    /// What the competence is.
    pub name: String,
    /// Months after which evidence expires, unless it says when.
    pub renew_months: Option<u32>,
}

/// One row of the Statement of Applicability (`[[controls]]`), resolved.
#[derive(Debug, Clone)]
pub struct Control {
    /// Annex A 2022 control id (`A.5.2`).
    pub id: String,
    /// The organisation's own title, if it gives one.
    pub title: Option<String>,
    /// Whether the control applies.
    pub applicable: bool,
    /// The owning role: given, or the accountable role of the activities that
    /// reference the control; `None` only for a control that does not apply.
    pub owner: Option<RoleIdx>,
    /// Why the control is (not) applicable.
    pub justification: Option<String>,
}

/// What an exception accepts: an internal auditor's other duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// Holding a clause 5.3 a) or b) role.
    Role(RoleIdx),
    /// Being responsible or accountable for an activity that implements a control.
    Activity(ActivityIdx),
}

/// `[[exceptions]]`, resolved: an accepted conflict of the independence rules.
#[derive(Debug, Clone)]
pub struct Exception {
    /// Id.
    pub id: String,
    /// The internal auditor.
    pub person: PersonIdx,
    /// Their other duty.
    pub conflict: Conflict,
    /// What compensates for the missing segregation.
    pub compensating_control: String,
    /// The top-management role that approved it.
    pub approved_by: RoleIdx,
    /// When it is reviewed again.
    pub review_by: Date,
}

impl Exception {
    /// The clause 5.3 a) or b) role of a conflict with one.
    pub fn role(&self) -> Option<RoleIdx> {
        match self.conflict {
            Conflict::Role(r) => Some(r),
            Conflict::Activity(_) => None,
        }
    }

    /// The control-implementing activity of a conflict with one.
    pub fn activity(&self) -> Option<ActivityIdx> {
        match self.conflict {
            Conflict::Activity(a) => Some(a),
            Conflict::Role(_) => None,
        }
    }
}

/// A role.
#[derive(Debug, Clone)]
pub struct Role {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Abbreviation (default: the name).
    pub short_name: String,
    /// Role description version.
    pub version: String,
    /// Member of top management.
    pub top_management: bool,
    /// Holders; for all-staff roles, every active person.
    pub holders: Vec<PersonIdx>,
    /// Deputies.
    pub deputies: Vec<PersonIdx>,
    /// Reporting line.
    pub reports_to: Option<RoleIdx>,
    /// Purpose (Markdown).
    pub purpose: String,
    /// Responsibilities.
    pub responsibilities: Vec<String>,
    /// Authorities.
    pub authorities: Vec<String>,
    /// Assets and processes owned.
    pub owns: Vec<String>,
    /// Competence (clause 7.2), as written: competence ids and descriptive text.
    pub competence: Vec<String>,
    /// The entries of `competence` that are `[[competences]]` ids, in order.
    pub tracked: Vec<CompetenceIdx>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Clause 5.3 a).
    pub isms_conformity: bool,
    /// Clause 5.3 b).
    pub isms_reporting: bool,
    /// Roles to be held by other people.
    pub conflicts: Vec<RoleIdx>,
    /// Held by every active person.
    pub all_staff: bool,
    /// Date of assignment by top management.
    pub assigned: Option<Date>,
}

/// A RACI row.
#[derive(Debug, Clone)]
pub struct Activity {
    /// Id.
    pub id: String,
    /// What is done.
    pub name: String,
    /// Matrix heading.
    pub group: Option<String>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Responsible roles (at least one).
    pub responsible: Vec<RoleIdx>,
    /// The accountable role.
    pub accountable: RoleIdx,
    /// Consulted roles.
    pub consulted: Vec<RoleIdx>,
    /// Informed roles.
    pub informed: Vec<RoleIdx>,
    /// Activities whose R and A must be other people.
    pub segregate_from: Vec<ActivityIdx>,
}

/// The result of loading and validating a model.
#[derive(Debug)]
pub struct Checked {
    /// The model, when there were no errors.
    pub model: Option<Model>,
    /// Every finding, errors and (not silenced) warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The source files read (for rendering diagnostics).
    pub sources: Vec<SourceFile>,
}

impl Checked {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Loads the model at `path` (a file or a directory) and validates it as of `date`.
pub fn check(path: &Path, date: Date) -> Checked {
    match load_sources(path) {
        Err(diagnostics) => Checked {
            model: None,
            diagnostics,
            sources: Vec::new(),
        },
        Ok(loaded) => validate(loaded, date),
    }
}

impl Model {
    /// The RACI letters of `role` in `activity`: `R`, `A`, `C`, `I`, `A/R` or empty.
    pub fn letters(&self, activity: &Activity, role: RoleIdx) -> &'static str {
        let r = activity.responsible.contains(&role);
        let a = activity.accountable == role;
        if a && r {
            "A/R"
        } else if a {
            "A"
        } else if r {
            "R"
        } else if activity.consulted.contains(&role) {
            "C"
        } else if activity.informed.contains(&role) {
            "I"
        } else {
            ""
        }
    }

    /// Roles held by a person, in model order (all-staff roles included).
    pub fn roles_of(&self, person: PersonIdx) -> impl Iterator<Item = RoleIdx> + '_ {
        self.roles
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.holders.contains(&person))
            .map(|(i, _)| i)
    }

    /// Active people, in model order.
    pub fn active_people(&self) -> impl Iterator<Item = (PersonIdx, &Person)> {
        self.people.iter().enumerate().filter(|(_, p)| p.active)
    }

    /// Fills in the defaults that are words, in the documents' language: the
    /// policy's title and classification when the model leaves them out.
    pub fn fill_defaults(&mut self, title: &str, classification: &str) {
        if !self.policy.title_given {
            self.policy.title = title.to_string();
        }
        if !self.policy.classification_given {
            self.policy.classification = classification.to_string();
        }
    }

    /// The holders of a role who are active, in model order.
    pub fn active_holders(&self, r: RoleIdx) -> Vec<&Person> {
        self.roles[r]
            .holders
            .iter()
            .map(|&p| &self.people[p])
            .filter(|p| p.active)
            .collect()
    }

    /// Active staff, in model order: active people who belong to no external party.
    pub fn active_staff(&self) -> impl Iterator<Item = (PersonIdx, &Person)> {
        self.active_people().filter(|(_, p)| p.party.is_none())
    }

    /// The people who perform internal audit: active holders of a role that is
    /// responsible for an activity referencing clause 9.2 (all-staff roles aside).
    pub fn auditors(&self) -> Vec<PersonIdx> {
        let mut out: Vec<PersonIdx> = Vec::new();
        for a in self.activities.iter().filter(|a| is_audit(a)) {
            for &r in &a.responsible {
                let role = &self.roles[r];
                if role.all_staff {
                    continue;
                }
                for &p in &role.holders {
                    if self.people[p].active && !out.contains(&p) {
                        out.push(p);
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }

    /// Whether an activity implements a control: it references an Annex A id or
    /// clause 8, and is not itself internal audit.
    pub fn implements_control(&self, a: &Activity) -> bool {
        !is_audit(a)
            && a.refs
                .iter()
                .any(|r| r.starts_with("A.") || r == "8" || r.starts_with("8."))
    }

    /// The roles held only by people of external parties (none of them staff):
    /// outsourced roles, with the parties holding them.
    pub fn outsourced(&self, r: RoleIdx) -> Vec<PartyIdx> {
        let role = &self.roles[r];
        let active = self.active_holders(r);
        if role.all_staff || active.is_empty() || active.iter().any(|p| p.party.is_none()) {
            return Vec::new();
        }
        let mut parties: Vec<PartyIdx> = active.iter().filter_map(|p| p.party).collect();
        parties.sort_unstable();
        parties.dedup();
        parties
    }

    /// A person's latest evidence of a competence (dated by the bundle date; the
    /// one that lasts longest, evidence without expiry first), and where it stands.
    /// Older evidence of a renewed competence is history.
    pub fn evidence_of(
        &self,
        person: PersonIdx,
        competence: CompetenceIdx,
    ) -> (Option<&Evidence>, EvidenceStatus) {
        let latest = self.people[person]
            .evidence
            .iter()
            .filter(|e| e.competence == competence && e.date <= self.date)
            .max_by_key(|e| (e.expires.is_none(), e.expires, e.date));
        let status = latest.map_or(EvidenceStatus::Missing, |e| e.status(self.date));
        (latest, status)
    }

    /// The Statement of Applicability in Annex A order (`A.5.2` before `A.5.10`).
    pub fn controls_in_order(&self) -> Vec<&Control> {
        let mut controls: Vec<&Control> = self.controls.iter().collect();
        controls.sort_by_key(|c| annex_a::parse(&c.id));
        controls
    }

    /// Whether the model uses any table of model v2 (parties, competences,
    /// controls, exceptions). Documents of a model that uses none are exactly
    /// those of model v1, so that signatures recorded for them stay current.
    pub fn is_v2(&self) -> bool {
        !self.parties.is_empty()
            || !self.competences.is_empty()
            || !self.controls.is_empty()
            || !self.exceptions.is_empty()
    }

    /// Who assigns roles to their holders, worked out once for the whole model.
    pub fn assigners(&self) -> Assigners<'_> {
        let approver = self.policy.approver;
        let roles = std::iter::once(approver)
            .chain((0..self.roles.len()).filter(|&r| r != approver))
            .filter(|&r| {
                self.roles
                    .get(r)
                    .is_some_and(|role| role.top_management && !role.all_staff)
            })
            .collect();
        let mut held = vec![Vec::new(); self.people.len()];
        for (r, role) in self.roles.iter().enumerate() {
            if !role.all_staff {
                for &p in &role.holders {
                    held[p].push(r);
                }
            }
        }
        Assigners {
            model: self,
            roles,
            held,
        }
    }

    /// The active members of top management (holders of a top-management role
    /// that is not all-staff), in model order: who signs the board resolution.
    pub fn top_management(&self) -> Vec<PersonIdx> {
        self.active_people()
            .map(|(p, _)| p)
            .filter(|&p| {
                self.roles
                    .iter()
                    .any(|r| r.top_management && !r.all_staff && r.holders.contains(&p))
            })
            .collect()
    }

    /// How the documents name the governing body: `organisation.governing-body`,
    /// else `general` (the locale's general term).
    pub fn governing_body<'a>(&'a self, general: &'a str) -> &'a str {
        self.organisation
            .governing_body
            .as_deref()
            .unwrap_or(general)
    }
}

/// Who assigns a role to one of its holders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigner {
    /// A member of top management, on the assignment sheet: the person the sheet
    /// names (any member of top management may sign) and the role they hold.
    TopManagement {
        /// The person.
        person: PersonIdx,
        /// Their top-management role.
        role: RoleIdx,
    },
    /// Top management as a whole, by the board resolution (`board-resolution`).
    Resolution,
    /// The governing body: for the top-management roles, and for any role that
    /// no member of top management could assign but the appointee or someone
    /// who reports to them.
    GoverningBody,
}

/// Who assigns what in one model (see [`Model::assigners`]).
#[derive(Debug)]
pub struct Assigners<'m> {
    model: &'m Model,
    /// The roles whose holders assign others, in the order they are tried: the
    /// policy approver's role, then the other top-management roles.
    roles: Vec<RoleIdx>,
    /// The roles (not all-staff) each person holds.
    held: Vec<Vec<RoleIdx>>,
}

impl Assigners<'_> {
    /// Who assigns `role` to `appointee`. Top-management roles are assigned by
    /// the governing body; any other role by the first active holder of a
    /// top-management role who is neither the appointee (a self-appointment is
    /// an audit finding) nor reports to them, directly or not (nobody is
    /// assigned by their own subordinate), or by the board resolution when the
    /// model has one; by the governing body when there is no such person.
    pub fn of(&self, role: RoleIdx, appointee: PersonIdx) -> Assigner {
        let m = self.model;
        if m.roles[role].top_management {
            return Assigner::GoverningBody;
        }
        let found = self.roles.iter().find_map(|&r| {
            m.roles[r]
                .holders
                .iter()
                .find(|&&p| p != appointee && m.people[p].active && !self.reports_to(p, appointee))
                .map(|&p| (p, r))
        });
        match found {
            Some(_) if m.organisation.board_resolution => Assigner::Resolution,
            Some((person, role)) => Assigner::TopManagement { person, role },
            None => Assigner::GoverningBody,
        }
    }

    /// Whether a role `a` holds reports, directly or through other roles, to
    /// a role `b` holds.
    fn reports_to(&self, a: PersonIdx, b: PersonIdx) -> bool {
        let m = self.model;
        self.held[a].iter().any(|&start| {
            let mut at = m.roles[start].reports_to;
            // A reporting cycle (RC052) ends the walk after every role.
            for _ in 0..m.roles.len() {
                let Some(r) = at else { return false };
                if self.held[b].contains(&r) {
                    return true;
                }
                at = m.roles[r].reports_to;
            }
            false
        })
    }
}

/// Whether an activity is internal audit: it references clause 9.2 (or 9.2.x).
pub fn is_audit(a: &Activity) -> bool {
    a.refs.iter().any(|r| r == "9.2" || r.starts_with("9.2."))
}

/// Longest slug: the bundle's name (`<slug>-evidence-<date>`, its zip, and the
/// `<name>.typst` folder of kept sources) then stays far below the 255 bytes a
/// file name may have.
pub const MAX_SLUG: usize = 64;

/// Lowercases and turns runs of anything but ASCII letters and digits into `-`;
/// longer than [`MAX_SLUG`], cut after the last whole word that fits.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    if out.len() > MAX_SLUG {
        // ASCII only: any byte index is a character boundary.
        let cut = match out.as_bytes()[MAX_SLUG] {
            b'-' => MAX_SLUG,
            _ => out[..MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG),
        };
        out.truncate(cut);
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "organisation".to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_expires_on_its_expiry_date_and_is_expiring_sixty_days_before() {
        let d = |s: &str| Date::parse(s).unwrap();
        let e = |expires: Option<&str>| Evidence {
            competence: 0,
            evidence: String::new(),
            date: d("2024-01-01"),
            expires: expires.map(d),
            location: None,
        };
        let date = d("2026-11-23");
        assert_eq!(e(None).status(date), EvidenceStatus::Current);
        assert_eq!(e(Some("2026-11-23")).status(date), EvidenceStatus::Expired);
        assert_eq!(e(Some("2026-11-24")).status(date), EvidenceStatus::Expiring);
        assert_eq!(e(Some("2027-01-22")).status(date), EvidenceStatus::Expiring);
        assert_eq!(e(Some("2027-01-23")).status(date), EvidenceStatus::Current);
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("Northwind Analytics Ltd"),
            "northwind-analytics-ltd"
        );
        assert_eq!(slugify("  Ünïcode & Co. "), "n-code-co");
        assert_eq!(slugify("../../etc"), "etc");
        assert_eq!(slugify("日本"), "organisation");
        // Issue 11 (8): a 240-character short name made a file name too long.
        let long = "Acme ".repeat(48);
        let slug = slugify(&long);
        assert!(slug.len() <= MAX_SLUG, "{slug}");
        assert_eq!(slug, ["acme"; 13].join("-"));
        assert_eq!(slugify(&"x".repeat(240)), "x".repeat(64));
    }
}
