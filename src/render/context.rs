//! View structs: what templates see.
//!
//! Part of the render stage. Templates never see the model's indices or raw
//! data: these structs carry resolved names, dates formatted in the model's
//! language ([`Words`]) and the relative paths of linked files.
//! docs/templates.md documents them field by field.

use std::sync::Arc;

use serde::Serialize;

use super::locale::Locale;
use crate::date::{Date, DateFormat};
use crate::error::Result;
use crate::model::{
    Activity, Assigner, Assigners, CompetenceIdx, EvidenceKind, EvidenceStatus, Model, PersonIdx,
    RoleIdx,
};
use crate::signatures::{Party, Status};

/// The words of the locale that views write into their fields, looked up once
/// (so that building a view cannot fail on a missing string).
#[derive(Debug, Clone)]
pub struct Words {
    /// Held by every active person.
    all_personnel: String,
    /// Held by nobody.
    vacant: String,
    /// Between the names of a list.
    separator: String,
    /// The RACI letters, by code: r, a, ar, c, i.
    letters: [String; 5],
    /// Register statuses: signed, outdated, outstanding.
    statuses: [String; 3],
    /// Register parties, in the order of [`Party`]: assigner, governing body,
    /// appointee, approver, staff, resolution.
    parties: [String; 6],
    /// What the register says of evidence: scan, PDF with digest, PDF without.
    signature_evidence: [String; 3],
    /// The governing body, when the model does not name it.
    governing_body: String,
    /// Month names, January first.
    months: Vec<String>,
    /// `date.long`.
    long: String,
    /// Long or ISO dates.
    format: DateFormat,
    /// Evidence statuses: current, expiring, expired, missing (model v2; loaded
    /// by [`Words::load_v2`], so that a v1 model needs none of the v2 strings).
    evidence: [String; 4],
}

/// The evidence statuses, in the order of [`Words`]'s `evidence`.
const EVIDENCE_STATUSES: [EvidenceStatus; 4] = [
    EvidenceStatus::Current,
    EvidenceStatus::Expiring,
    EvidenceStatus::Expired,
    EvidenceStatus::Missing,
];

/// The codes of the RACI letters, in the order of [`Words`]'s `letters`.
pub const RACI_CODES: [&str; 5] = ["r", "a", "ar", "c", "i"];

impl Words {
    /// The words of `locale`, with dates written as `format` asks.
    pub fn new(locale: &Locale, format: DateFormat) -> Result<Words> {
        let text = |k: &str| locale.text(k).map(str::to_string);
        let each = |prefix: &str, keys: &[&str]| -> Result<Vec<String>> {
            keys.iter()
                .map(|k| text(&format!("{prefix}.{k}")))
                .collect()
        };
        let array = |v: Vec<String>| -> [String; 5] {
            let mut it = v.into_iter();
            std::array::from_fn(|_| it.next().unwrap_or_default())
        };
        let statuses = each("register.statuses", &["signed", "outdated", "outstanding"])?;
        let parties = [
            text("register.parties.assigner")?,
            text("signing.parties.governing_body")?,
            text("register.parties.appointee")?,
            text("register.parties.approver")?,
            text("register.parties.staff")?,
            text("signing.parties.resolution")?,
        ];
        let signature_evidence = each(
            "signing.evidence",
            &["scan", "pdf_with_digest", "pdf_without_digest"],
        )?;
        let months = locale.list("date.months")?.to_vec();
        // Checked here, so that formatting a date later cannot fail.
        locale.date(
            Date::parse("2000-12-31").unwrap_or_else(|| unreachable!()),
            format,
        )?;
        Ok(Words {
            all_personnel: text("common.all_personnel")?,
            vacant: text("common.vacant")?,
            separator: text("common.list_separator")?,
            letters: array(each("raci.letters", &RACI_CODES)?),
            statuses: std::array::from_fn(|i| statuses[i].clone()),
            parties,
            signature_evidence: std::array::from_fn(|i| signature_evidence[i].clone()),
            governing_body: text("signing.governing_body")?,
            months,
            long: text("date.long")?,
            format,
            evidence: Default::default(),
        })
    }

    /// Adds the words of model v2's views (evidence statuses).
    pub fn load_v2(&mut self, locale: &Locale) -> Result<()> {
        for (i, status) in EVIDENCE_STATUSES.iter().enumerate() {
            self.evidence[i] = locale
                .text(&format!("competence.statuses.{}", status.code()))?
                .to_string();
        }
        Ok(())
    }

    /// How documents word an evidence status, and its code.
    fn evidence_status(&self, s: EvidenceStatus) -> (String, &'static str) {
        let i = EVIDENCE_STATUSES.iter().position(|x| *x == s).unwrap_or(0);
        (self.evidence[i].clone(), s.code())
    }

    /// A date as documents write it.
    pub fn date(&self, d: Date) -> String {
        match self.format {
            DateFormat::Iso => d.to_string(),
            DateFormat::Long => self
                .long
                .replace("{day}", &d.day().to_string())
                .replace("{month}", &self.months[usize::from(d.month()) - 1])
                .replace("{year}", &d.year().to_string()),
        }
    }

    /// The displayed letters of a canonical RACI entry (`A/R`, `R`, ...; empty stays empty).
    pub fn letters(&self, canonical: &str) -> &str {
        match raci_code(canonical) {
            Some(code) => {
                let i = RACI_CODES.iter().position(|c| *c == code).unwrap_or(0);
                &self.letters[i]
            }
            None => "",
        }
    }

    /// How the register words a status.
    pub fn status(&self, s: Status) -> &str {
        &self.statuses[match s {
            Status::Signed => 0,
            Status::Outdated => 1,
            Status::Outstanding => 2,
        }]
    }

    /// How the register words a party.
    pub fn party(&self, p: Party) -> &str {
        &self.parties[match p {
            Party::Assigner => 0,
            Party::GoverningBody => 1,
            Party::Appointee => 2,
            Party::Approver => 3,
            Party::Staff => 4,
            Party::Resolution => 5,
        }]
    }

    /// How the register words what an evidence file showed.
    pub fn signature_evidence(&self, k: EvidenceKind) -> &str {
        &self.signature_evidence[match k {
            EvidenceKind::Scan => 0,
            EvidenceKind::PdfWithDigest => 1,
            EvidenceKind::PdfWithoutDigest => 2,
        }]
    }

    /// The locale's general term for the governing body, for a model that does not name it.
    pub fn governing_body(&self) -> &str {
        &self.governing_body
    }
}

/// The code (`r`, `a`, `ar`, `c`, `i`) of a canonical RACI entry, as the model gives it.
pub fn raci_code(canonical: &str) -> Option<&'static str> {
    Some(match canonical {
        "R" => "r",
        "A" => "a",
        "A/R" => "ar",
        "C" => "c",
        "I" => "i",
        _ => return None,
    })
}

/// A role's holders' names joined with the locale's separator, or its words for
/// "all personnel" and "vacant".
fn joined_holders(model: &Model, words: &Words, r: RoleIdx) -> String {
    let role = &model.roles[r];
    if role.all_staff {
        return words.all_personnel.clone();
    }
    if role.holders.is_empty() {
        return words.vacant.clone();
    }
    let names: Vec<&str> = role
        .holders
        .iter()
        .map(|&p| model.people[p].name.as_str())
        .collect();
    names.join(&words.separator)
}

/// A person as documents name them.
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    /// Person id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
    /// E-mail, if recorded.
    pub email: Option<String>,
    /// Department, if recorded.
    pub department: Option<String>,
    /// The name of the external party the person belongs to; none for staff.
    pub party: Option<String>,
}

/// A short reference to a role.
#[derive(Debug, Clone, Serialize)]
pub struct RoleRef {
    /// Role id.
    pub id: String,
    /// Role name.
    pub name: String,
    /// Abbreviation (RACI column head).
    pub short_name: String,
    /// Bundle-relative path of the role description (`roles/<id>.md`).
    pub file: String,
    /// Holders' names, joined with commas ("all personnel" for all-staff roles):
    /// one copy per role, shared by every reference to it.
    pub held_by: Arc<str>,
}

/// An activity the role takes part in.
#[derive(Debug, Clone, Serialize)]
pub struct RoleActivity {
    /// Activity id.
    pub id: String,
    /// Activity name.
    pub name: String,
    /// The letters, as the locale writes them (`R`, `A`, `A/R`, `C` or `I` in English).
    pub letters: String,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
}

/// Everything about one role.
#[derive(Debug, Clone, Serialize)]
pub struct RoleView {
    /// Role id.
    pub id: String,
    /// Role name.
    pub name: String,
    /// Abbreviation.
    pub short_name: String,
    /// Role description version.
    pub version: String,
    /// Document id of the role description (`<policy id>/<role id>`).
    pub doc_id: String,
    /// Bundle-relative path of the role description.
    pub file: String,
    /// Top management.
    pub top_management: bool,
    /// Held by every active person.
    pub all_staff: bool,
    /// Clause 5.3 a).
    pub isms_conformity: bool,
    /// Clause 5.3 b).
    pub isms_reporting: bool,
    /// Purpose, Markdown (use `| safe`).
    pub purpose: String,
    /// Holders (for all-staff roles: empty; see `all_staff`).
    pub holders: Vec<PersonView>,
    /// Deputies.
    pub deputies: Vec<PersonView>,
    /// Role reported to.
    pub reports_to: Option<RoleRef>,
    /// Roles reporting to this one.
    pub direct_reports: Vec<RoleRef>,
    /// Responsibilities.
    pub responsibilities: Vec<String>,
    /// Authorities.
    pub authorities: Vec<String>,
    /// Assets and processes owned.
    pub owns: Vec<String>,
    /// Competence.
    pub competence: Vec<String>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Roles that must be held by other people.
    pub conflicts: Vec<RoleRef>,
    /// Date of assignment, formatted.
    pub assigned: Option<String>,
    /// Activities with this role's letters.
    pub activities: Vec<RoleActivity>,
    /// Holders' names joined, or "all personnel".
    pub held_by: Arc<str>,
    /// For a role held only by people of external parties: those parties.
    pub outsourced: Vec<OutsourcedView>,
    /// The tracked competences among `competence`.
    pub tracked: Vec<CompetenceView>,
    /// Each holder's evidence of each tracked competence (none for an all-staff
    /// role: the competence register has every member of staff).
    pub evidence: Vec<EvidenceView>,
}

/// A party that holds an outsourced role.
#[derive(Debug, Clone, Serialize)]
pub struct OutsourcedView {
    /// The party's name.
    pub party: String,
    /// Where its security responsibilities are agreed.
    pub contract: Option<String>,
}

/// An external party (`[[parties]]`).
#[derive(Debug, Clone, Serialize)]
pub struct PartyView {
    /// Party id.
    pub id: String,
    /// Legal name.
    pub name: String,
    /// What it does for the organisation.
    pub services: String,
    /// Where its security responsibilities are agreed.
    pub contract: Option<String>,
    /// The internal role that owns the relationship.
    pub owner: RoleRef,
    /// Its security responsibilities.
    pub responsibilities: Vec<String>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Last review, formatted.
    pub last_review: Option<String>,
    /// Next review due, formatted (with a last review).
    pub next_review: Option<String>,
    /// Its active people, in model order.
    pub people: Vec<PersonView>,
    /// The roles outsourced to it (held only by people of external parties).
    pub roles: Vec<RoleRef>,
}

/// A tracked competence (`[[competences]]`).
#[derive(Debug, Clone, Serialize)]
pub struct CompetenceView {
    /// Competence id.
    pub id: String,
    /// What the competence is.
    pub name: String,
    /// Months after which evidence expires, if it does.
    pub renew_months: Option<u32>,
}

/// One holder's evidence of one tracked competence of a role.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceView {
    /// The role that requires it.
    pub role: RoleRef,
    /// The holder.
    pub holder: PersonView,
    /// The competence.
    pub competence: CompetenceView,
    /// The latest evidence, if any is recorded.
    pub evidence: Option<String>,
    /// Its date, formatted.
    pub date: Option<String>,
    /// When it expires, formatted.
    pub expires: Option<String>,
    /// Where it stands, as the locale words it (`competence.statuses`).
    pub status: String,
    /// `current`, `expiring`, `expired` or `missing`.
    pub status_code: &'static str,
}

/// An activity, by id and name.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityRef {
    /// Activity id.
    pub id: String,
    /// Activity name.
    pub name: String,
}

/// One row of the Statement of Applicability (`[[controls]]`).
#[derive(Debug, Clone, Serialize)]
pub struct ControlView {
    /// Annex A 2022 control id.
    pub id: String,
    /// The organisation's title of it, if given.
    pub title: Option<String>,
    /// Whether it applies.
    pub applicable: bool,
    /// The owner role (applicable controls).
    pub owner: Option<RoleRef>,
    /// The activities that reference it.
    pub activities: Vec<ActivityRef>,
    /// Why it is (not) applicable.
    pub justification: Option<String>,
}

/// An accepted conflict of the independence rules (`[[exceptions]]`).
#[derive(Debug, Clone, Serialize)]
pub struct ExceptionView {
    /// Exception id.
    pub id: String,
    /// The internal auditor.
    pub person: PersonView,
    /// The clause 5.3 a) or b) role they also hold, for such a conflict.
    pub role: Option<RoleRef>,
    /// The control-implementing activity they are also R or A for, for such a conflict.
    pub activity: Option<ActivityRef>,
    /// What compensates.
    pub compensating_control: String,
    /// The top-management role that approved it.
    pub approved_by: RoleRef,
    /// When it is reviewed again, formatted.
    pub review_by: String,
}

/// The organisation.
#[derive(Debug, Clone, Serialize)]
pub struct OrgView {
    /// Legal name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// ISMS scope.
    pub scope: String,
    /// Who assigns the top-management roles: `organisation.governing-body`, or
    /// the locale's general term.
    pub governing_body: String,
    /// Whether the model names the governing body (`organisation.governing-body`).
    pub governing_body_named: bool,
}

/// A section written by the organisation.
#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    /// Heading.
    pub title: String,
    /// Markdown body (use `| safe`).
    pub body: String,
}

/// A version history row.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryView {
    /// Version.
    pub version: String,
    /// Date, formatted.
    pub date: String,
    /// Author's name.
    pub author: String,
    /// What changed.
    pub summary: String,
}

/// Document control of the policy set.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyView {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: String,
    /// Classification.
    pub classification: String,
    /// Owning role.
    pub owner: RoleRef,
    /// Approving role.
    pub approver: RoleRef,
    /// Effective date, formatted.
    pub effective: String,
    /// Last review, formatted.
    pub last_review: Option<String>,
    /// Next review due, formatted.
    pub next_review: String,
    /// Review interval.
    pub review_months: u32,
    /// Organisation-written sections.
    pub sections: Vec<SectionView>,
    /// Version history.
    pub history: Vec<HistoryView>,
}

/// One row of the RACI matrix.
#[derive(Debug, Clone, Serialize)]
pub struct RaciRow {
    /// Activity id.
    pub id: String,
    /// Activity name.
    pub name: String,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// One cell per role column: the letters as the locale writes them, or empty.
    pub cells: Vec<String>,
    /// One code per role column (`r`, `a`, `ar`, `c`, `i` or empty), for colours.
    pub codes: Vec<String>,
}

/// Activities under one heading.
#[derive(Debug, Clone, Serialize)]
pub struct RaciGroup {
    /// Heading (`None` for activities without a group).
    pub name: Option<String>,
    /// Rows in model order.
    pub rows: Vec<RaciRow>,
}

/// The RACI matrix.
#[derive(Debug, Clone, Serialize)]
pub struct RaciView {
    /// Column heads, in model order.
    pub roles: Vec<RoleRef>,
    /// Groups, in order of first appearance.
    pub groups: Vec<RaciGroup>,
}

impl RaciView {
    /// The matrix split into tables of at most `max` role columns each, every
    /// table with all rows, so that wide matrices stay legible on paper.
    pub fn chunks(&self, max: usize) -> Vec<RaciView> {
        let max = max.max(1);
        let n = self.roles.len();
        let parts = n.div_ceil(max).max(1);
        // Even chunks read better than a full page and a stub.
        let size = n.div_ceil(parts).max(1);
        (0..parts)
            .map(|i| {
                let range = (i * size).min(n)..((i + 1) * size).min(n);
                let groups = self.groups.iter().map(|g| RaciGroup {
                    name: g.name.clone(),
                    rows: g
                        .rows
                        .iter()
                        // In a matrix split into parts, a part leaves out the
                        // activities none of its roles take part in: a large
                        // matrix is mostly empty, and its pages would be too.
                        .filter(|r| {
                            parts == 1 || r.cells[range.clone()].iter().any(|c| !c.is_empty())
                        })
                        // Field by field: cloning whole rows copied every
                        // part's cells into every part (quadratic in roles).
                        .map(|r| RaciRow {
                            id: r.id.clone(),
                            name: r.name.clone(),
                            refs: r.refs.clone(),
                            cells: r.cells[range.clone()].to_vec(),
                            codes: r.codes[range.clone()].to_vec(),
                        })
                        .collect(),
                });
                RaciView {
                    roles: self.roles[range.clone()].to_vec(),
                    groups: groups.filter(|g| !g.rows.is_empty()).collect(),
                }
            })
            .collect()
    }
}

/// A pair of duties that must be held apart.
#[derive(Debug, Clone, Serialize)]
pub struct SodPair {
    /// One side.
    pub a: String,
    /// Other side.
    pub b: String,
}

/// The signing parties of a role assignment sheet.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentView {
    /// Bundle-relative path of the sheet.
    pub file: String,
    /// The sheet's id for `[[signatures]]`: `role/<role-id>/<person-id>`.
    pub sheet: String,
    /// The role assigned.
    pub role: RoleRef,
    /// Role description version.
    pub version: String,
    /// Role description document id.
    pub doc_id: String,
    /// SHA-256 of the role description's Markdown.
    pub digest: String,
    /// Its first 12 hex digits.
    pub digest_short: String,
    /// The person appointed.
    pub appointee: PersonView,
    /// Who assigns: `top-management` (the member in `assigner`), `governing-body`
    /// (`org.governing_body`: for top-management roles, and where only the
    /// appointee or people reporting to them could assign) or `resolution` (top
    /// management's board resolution, `resolution_file`).
    pub assigned_by: &'static str,
    /// The top-management member who assigns, for `top-management`.
    pub assigner: Option<PersonView>,
    /// The assigner's role.
    pub assigner_role: Option<RoleRef>,
    /// For `resolution`: the bundle path of the resolution.
    pub resolution_file: Option<String>,
    /// The role's responsibilities, as its description lists them: what is accepted.
    pub responsibilities: Vec<String>,
    /// The role's authorities, as its description lists them.
    pub authorities: Vec<String>,
}

impl AssignmentView {
    /// The view with the sheet's file, id and the digest of the role description it binds.
    pub fn bind(self, file: String, sheet: String, digest: &str) -> AssignmentView {
        AssignmentView {
            file,
            sheet,
            digest: digest.to_string(),
            digest_short: crate::digest::short(digest).to_string(),
            ..self
        }
    }
}

/// Context shared by every template.
#[derive(Debug, Clone, Serialize)]
pub struct Common {
    /// The organisation.
    pub org: OrgView,
    /// Document control.
    pub policy: PolicyView,
    /// All roles.
    pub roles: Vec<RoleView>,
    /// Roles holding clause 5.3 a).
    pub conformity_roles: Vec<RoleRef>,
    /// Roles holding clause 5.3 b).
    pub reporting_roles: Vec<RoleRef>,
    /// Top-management roles.
    pub top_roles: Vec<RoleRef>,
    /// Role pairs to be held by different people.
    pub conflicting_roles: Vec<SodPair>,
    /// Activity pairs whose R and A must be different people.
    pub segregated_activities: Vec<SodPair>,
    /// Active people, in model order.
    pub people: Vec<PersonView>,
    /// The active holders of the policy's approver role.
    pub approvers: Vec<PersonView>,
    /// The RACI matrix.
    pub raci: RaciView,
    /// Whether the model uses model v2's tables (the documents of a v1 model are
    /// those of rolecall before them).
    pub v2: bool,
    /// The roles that perform internal audit (responsible for a clause 9.2 activity).
    pub audit_roles: Vec<RoleRef>,
    /// External parties, in model order.
    pub parties: Vec<PartyView>,
    /// Tracked competences, in model order.
    pub competences: Vec<CompetenceView>,
    /// The competence register: every active holder's evidence of each tracked
    /// competence of each role, role by role.
    pub competence_register: Vec<EvidenceView>,
    /// The Statement of Applicability, in Annex A order.
    pub controls: Vec<ControlView>,
    /// How many controls Annex A 2022 has.
    pub annex_a_count: usize,
    /// Accepted conflicts of the independence rules, in model order.
    pub exceptions: Vec<ExceptionView>,
    /// The bundle date the model was checked as of, formatted.
    pub bundle_date: String,
}

/// Builds view structs from a model.
pub struct Views<'m> {
    model: &'m Model,
    words: &'m Words,
    /// Each role's direct reports, in model order.
    direct_reports: Vec<Vec<RoleIdx>>,
    /// Each role's `held_by`, joined once: every assignment sheet of a role with
    /// many holders referring to a copy of its own made memory quadratic.
    held_by: Vec<Arc<str>>,
    /// Who assigns each role to each holder.
    assigners: Assigners<'m>,
}

impl<'m> Views<'m> {
    /// Views over `model`, worded by `words`.
    pub fn new(model: &'m Model, words: &'m Words) -> Views<'m> {
        // Computed once: searching all roles for each role (or each assignment)
        // made large models quadratic.
        let mut direct_reports = vec![Vec::new(); model.roles.len()];
        for (o, role) in model.roles.iter().enumerate() {
            if let Some(t) = role.reports_to {
                direct_reports[t].push(o);
            }
        }
        let held_by = (0..model.roles.len())
            .map(|r| Arc::from(joined_holders(model, words, r)))
            .collect();
        Views {
            model,
            words,
            direct_reports,
            held_by,
            assigners: model.assigners(),
        }
    }

    /// A person.
    pub fn person(&self, p: PersonIdx) -> PersonView {
        let p = &self.model.people[p];
        PersonView {
            id: p.id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            email: p.email.clone(),
            department: p.department.clone(),
            party: p.party.map(|x| self.model.parties[x].name.clone()),
        }
    }

    /// A competence.
    fn competence(&self, k: CompetenceIdx) -> CompetenceView {
        let c = &self.model.competences[k];
        CompetenceView {
            id: c.id.clone(),
            name: c.name.clone(),
            renew_months: c.renew_months,
        }
    }

    /// The evidence of each active holder of `r` for each tracked competence of it.
    fn evidence(&self, r: RoleIdx) -> Vec<EvidenceView> {
        let m = self.model;
        let role = &m.roles[r];
        let mut out = Vec::new();
        for &p in role.holders.iter().filter(|&&p| m.people[p].active) {
            for &k in &role.tracked {
                let (e, status) = m.evidence_of(p, k);
                let (status, status_code) = self.words.evidence_status(status);
                out.push(EvidenceView {
                    role: self.role_ref(r),
                    holder: self.person(p),
                    competence: self.competence(k),
                    evidence: e.map(|e| e.evidence.clone()),
                    date: e.map(|e| self.words.date(e.date)),
                    expires: e.and_then(|e| e.expires).map(|d| self.words.date(d)),
                    status,
                    status_code,
                });
            }
        }
        out
    }

    /// An activity reference.
    fn activity_ref(&self, a: usize) -> ActivityRef {
        let a = &self.model.activities[a];
        ActivityRef {
            id: a.id.clone(),
            name: a.name.clone(),
        }
    }

    /// The external parties.
    pub fn parties(&self) -> Vec<PartyView> {
        let m = self.model;
        m.parties
            .iter()
            .enumerate()
            .map(|(i, x)| PartyView {
                id: x.id.clone(),
                name: x.name.clone(),
                services: x.services.clone(),
                contract: x.contract.clone(),
                owner: self.role_ref(x.owner),
                responsibilities: x.responsibilities.clone(),
                refs: x.refs.clone(),
                last_review: x.last_review.map(|d| self.words.date(d)),
                next_review: x
                    .last_review
                    .map(|d| self.words.date(d.add_months(x.review_months))),
                people: m
                    .active_people()
                    .filter(|(_, p)| p.party == Some(i))
                    .map(|(p, _)| self.person(p))
                    .collect(),
                roles: (0..m.roles.len())
                    .filter(|&r| m.outsourced(r).contains(&i))
                    .map(|r| self.role_ref(r))
                    .collect(),
            })
            .collect()
    }

    /// The Statement of Applicability, in Annex A order.
    pub fn controls(&self) -> Vec<ControlView> {
        let m = self.model;
        m.controls_in_order()
            .into_iter()
            .map(|c| ControlView {
                id: c.id.clone(),
                title: c.title.clone(),
                applicable: c.applicable,
                owner: c.owner.filter(|_| c.applicable).map(|r| self.role_ref(r)),
                activities: (0..m.activities.len())
                    .filter(|&a| m.activities[a].refs.contains(&c.id))
                    .map(|a| self.activity_ref(a))
                    .collect(),
                justification: c.justification.clone(),
            })
            .collect()
    }

    /// The accepted exceptions.
    pub fn exceptions(&self) -> Vec<ExceptionView> {
        self.model
            .exceptions
            .iter()
            .map(|e| ExceptionView {
                id: e.id.clone(),
                person: self.person(e.person),
                role: e.role().map(|r| self.role_ref(r)),
                activity: e.activity().map(|a| self.activity_ref(a)),
                compensating_control: e.compensating_control.clone(),
                approved_by: self.role_ref(e.approved_by),
                review_by: self.words.date(e.review_by),
            })
            .collect()
    }

    /// Holders' names, or "all personnel" (or "vacant") as the locale says it.
    fn held_by(&self, r: RoleIdx) -> Arc<str> {
        Arc::clone(&self.held_by[r])
    }

    /// A role reference.
    pub fn role_ref(&self, r: RoleIdx) -> RoleRef {
        let role = &self.model.roles[r];
        RoleRef {
            id: role.id.clone(),
            name: role.name.clone(),
            short_name: role.short_name.clone(),
            file: format!("roles/{}.md", role.id),
            held_by: self.held_by(r),
        }
    }

    /// Document id of a role description.
    pub fn role_doc_id(&self, r: RoleIdx) -> String {
        format!("{}/{}", self.model.policy.id, self.model.roles[r].id)
    }

    /// Everything about a role.
    pub fn role(&self, r: RoleIdx) -> RoleView {
        let m = self.model;
        let role = &m.roles[r];
        let activities = m
            .activities
            .iter()
            .filter_map(|a: &Activity| {
                let letters = m.letters(a, r);
                (!letters.is_empty()).then(|| RoleActivity {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    letters: self.words.letters(letters).to_string(),
                    refs: a.refs.clone(),
                })
            })
            .collect();
        RoleView {
            id: role.id.clone(),
            name: role.name.clone(),
            short_name: role.short_name.clone(),
            version: role.version.clone(),
            doc_id: self.role_doc_id(r),
            file: format!("roles/{}.md", role.id),
            top_management: role.top_management,
            all_staff: role.all_staff,
            isms_conformity: role.isms_conformity,
            isms_reporting: role.isms_reporting,
            purpose: role.purpose.clone(),
            holders: if role.all_staff {
                Vec::new()
            } else {
                role.holders.iter().map(|&p| self.person(p)).collect()
            },
            deputies: role.deputies.iter().map(|&p| self.person(p)).collect(),
            reports_to: role.reports_to.map(|t| self.role_ref(t)),
            direct_reports: self.direct_reports[r]
                .iter()
                .map(|&o| self.role_ref(o))
                .collect(),
            responsibilities: role.responsibilities.clone(),
            authorities: role.authorities.clone(),
            owns: role.owns.clone(),
            // A tracked competence is shown by its name.
            competence: role
                .competence
                .iter()
                .map(|c| match m.competences.iter().find(|k| &k.id == c) {
                    Some(k) => k.name.clone(),
                    None => c.clone(),
                })
                .collect(),
            refs: role.refs.clone(),
            conflicts: role.conflicts.iter().map(|&c| self.role_ref(c)).collect(),
            assigned: role.assigned.map(|d| self.words.date(d)),
            activities,
            held_by: self.held_by(r),
            outsourced: m
                .outsourced(r)
                .into_iter()
                .map(|x| OutsourcedView {
                    party: m.parties[x].name.clone(),
                    contract: m.parties[x].contract.clone(),
                })
                .collect(),
            tracked: role.tracked.iter().map(|&k| self.competence(k)).collect(),
            evidence: if role.all_staff {
                Vec::new()
            } else {
                self.evidence(r)
            },
        }
    }

    /// The organisation's header data.
    pub fn org(&self) -> OrgView {
        let m = self.model;
        OrgView {
            name: m.organisation.name.clone(),
            short_name: m.organisation.short_name.clone(),
            scope: m.organisation.scope.clone(),
            governing_body: m.governing_body(&self.words.governing_body).to_string(),
            governing_body_named: m.organisation.governing_body.is_some(),
        }
    }

    /// Document control of the policy and its document set.
    pub fn policy(&self) -> PolicyView {
        let m = self.model;
        let pol = &m.policy;
        PolicyView {
            id: pol.id.clone(),
            title: pol.title.clone(),
            version: pol.version.clone(),
            classification: pol.classification.clone(),
            owner: self.role_ref(pol.owner),
            approver: self.role_ref(pol.approver),
            effective: self.words.date(pol.effective),
            last_review: pol.last_review.map(|d| self.words.date(d)),
            next_review: self.words.date(pol.next_review),
            review_months: pol.review_months,
            sections: pol
                .sections
                .iter()
                .map(|s| SectionView {
                    title: s.title.clone(),
                    body: s.body.clone(),
                })
                .collect(),
            history: pol
                .history
                .iter()
                .map(|h| HistoryView {
                    version: h.version.clone(),
                    date: self.words.date(h.date),
                    author: m.people[h.author].name.clone(),
                    summary: h.summary.clone(),
                })
                .collect(),
        }
    }

    /// The context every template receives.
    pub fn common(&self) -> Common {
        let m = self.model;
        let refs_where = |f: fn(&crate::model::Role) -> bool| -> Vec<RoleRef> {
            (0..m.roles.len())
                .filter(|&r| f(&m.roles[r]))
                .map(|r| self.role_ref(r))
                .collect()
        };
        let mut conflicting_roles = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, role) in m.roles.iter().enumerate() {
            for &c in &role.conflicts {
                if seen.insert((i.min(c), i.max(c))) {
                    conflicting_roles.push(SodPair {
                        a: role.name.clone(),
                        b: m.roles[c].name.clone(),
                    });
                }
            }
        }
        let mut segregated_activities = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for (i, a) in m.activities.iter().enumerate() {
            for &j in &a.segregate_from {
                if seen.insert((i.min(j), i.max(j))) {
                    segregated_activities.push(SodPair {
                        a: a.name.clone(),
                        b: m.activities[j].name.clone(),
                    });
                }
            }
        }
        Common {
            org: self.org(),
            policy: self.policy(),
            roles: (0..m.roles.len()).map(|r| self.role(r)).collect(),
            conformity_roles: refs_where(|r| r.isms_conformity),
            reporting_roles: refs_where(|r| r.isms_reporting),
            top_roles: refs_where(|r| r.top_management),
            conflicting_roles,
            segregated_activities,
            people: m.active_staff().map(|(i, _)| self.person(i)).collect(),
            approvers: m.roles[m.policy.approver]
                .holders
                .iter()
                .filter(|&&p| m.people[p].active)
                .map(|&p| self.person(p))
                .collect(),
            raci: self.raci(),
            v2: m.is_v2(),
            audit_roles: (0..m.roles.len())
                .filter(|&r| {
                    !m.roles[r].all_staff
                        && m.activities
                            .iter()
                            .any(|a| crate::model::is_audit(a) && a.responsible.contains(&r))
                })
                .map(|r| self.role_ref(r))
                .collect(),
            parties: self.parties(),
            competences: (0..m.competences.len())
                .map(|k| self.competence(k))
                .collect(),
            competence_register: (0..m.roles.len())
                .filter(|&r| !m.roles[r].tracked.is_empty())
                .flat_map(|r| self.evidence(r))
                .collect(),
            controls: self.controls(),
            annex_a_count: crate::model::annex_a::COUNT,
            exceptions: self.exceptions(),
            bundle_date: self.words.date(m.date),
        }
    }

    /// The RACI matrix, grouped by `group` in order of first appearance.
    pub fn raci(&self) -> RaciView {
        let m = self.model;
        let mut groups: Vec<RaciGroup> = Vec::new();
        for a in &m.activities {
            let row = RaciRow {
                id: a.id.clone(),
                name: a.name.clone(),
                refs: a.refs.clone(),
                cells: (0..m.roles.len())
                    .map(|r| self.words.letters(m.letters(a, r)).to_string())
                    .collect(),
                codes: (0..m.roles.len())
                    .map(|r| raci_code(m.letters(a, r)).unwrap_or("").to_string())
                    .collect(),
            };
            match groups.iter_mut().find(|g| g.name == a.group) {
                Some(g) => g.rows.push(row),
                None => groups.push(RaciGroup {
                    name: a.group.clone(),
                    rows: vec![row],
                }),
            }
        }
        RaciView {
            roles: (0..m.roles.len()).map(|r| self.role_ref(r)).collect(),
            groups,
        }
    }

    /// The members of top management, who sign the board resolution.
    pub fn top_management(&self) -> Vec<PersonView> {
        self.model
            .top_management()
            .into_iter()
            .map(|p| self.person(p))
            .collect()
    }

    /// The assignment sheets' parties for every (role, holder) pair of roles that
    /// are not all-staff, in model order; their file, sheet id and digest come
    /// from the table of documents ([`AssignmentView::bind`]).
    pub fn assignments(&self) -> Vec<AssignmentView> {
        let m = self.model;
        let mut out = Vec::new();
        for (r, role) in m.roles.iter().enumerate() {
            if role.all_staff {
                continue;
            }
            for &p in &role.holders {
                let by = self.assigners.of(r, p);
                let (assigner, assigner_role) = match by {
                    Assigner::TopManagement { person, role } => {
                        (Some(self.person(person)), Some(self.role_ref(role)))
                    }
                    Assigner::GoverningBody | Assigner::Resolution => (None, None),
                };
                out.push(AssignmentView {
                    file: String::new(),
                    sheet: String::new(),
                    role: self.role_ref(r),
                    version: role.version.clone(),
                    doc_id: self.role_doc_id(r),
                    digest: String::new(),
                    digest_short: String::new(),
                    appointee: self.person(p),
                    assigned_by: match by {
                        Assigner::TopManagement { .. } => "top-management",
                        Assigner::GoverningBody => "governing-body",
                        Assigner::Resolution => "resolution",
                    },
                    assigner,
                    assigner_role,
                    resolution_file: (by == Assigner::Resolution).then(|| {
                        super::documents::spec(super::documents::RESOLUTION)
                            .path
                            .to_string()
                    }),
                    responsibilities: role.responsibilities.clone(),
                    authorities: role.authorities.clone(),
                });
            }
        }
        out
    }
}

/// One expected signature in the register.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterRow {
    /// The sheet id (`role/<role-id>/<person-id>`, `policy-approval`, `all-staff/<person-id>`).
    pub sheet: String,
    /// Bundle-relative path of the sheet.
    pub file: String,
    /// Bundle-relative path of the document it binds.
    pub document: String,
    /// In what capacity the person signs.
    pub party: String,
    /// Who signs.
    pub name: String,
    /// `signed`, `signed for an older version` or `outstanding`.
    pub status: String,
    /// Date of the deciding signature, formatted.
    pub date: Option<String>,
    /// The digest that signature recorded.
    pub recorded: Option<String>,
    /// The document's current short digest.
    pub current: String,
    /// The scan or signed PDF of the deciding signature.
    pub evidence: Option<SignatureEvidenceView>,
}

/// An evidence file, as the register links it.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureEvidenceView {
    /// Its bundle path (`model/signed/ceo--lena.pdf`).
    pub path: String,
    /// The link from the register (`../model/signed/ceo--lena.pdf`), percent-encoded.
    pub href: String,
    /// What it is, as the locale says: a scan, or a PDF whose digest was confirmed.
    pub kind: String,
}

/// The board resolution: the assignments top management makes by it, and who signs it.
#[derive(Debug, Clone, Serialize)]
pub struct ResolutionView {
    /// Each assignment, with the digest of its role description.
    pub assignments: Vec<AssignmentView>,
    /// The members of top management, who sign it.
    pub signers: Vec<PersonView>,
}

/// A record that decides no current signature: an earlier version, a past holder.
#[derive(Debug, Clone, Serialize)]
pub struct EarlierRecord {
    /// The sheet id as recorded.
    pub sheet: String,
    /// Who signed.
    pub name: String,
    /// When, formatted.
    pub date: String,
    /// The digest recorded.
    pub recorded: String,
}

/// One sheet of the register with the signatures it asks for.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterSheet {
    /// The sheet id, as [`RegisterRow::sheet`].
    pub sheet: String,
    /// Bundle-relative path of the sheet.
    pub file: String,
    /// The bound document's current short digest.
    pub current: String,
    /// Its signatures, in party order.
    pub rows: Vec<RegisterRow>,
}

/// The signature register.
#[derive(Debug, Clone, Serialize)]
pub struct RegisterView {
    /// Every expected signature, sheet by sheet.
    pub rows: Vec<RegisterRow>,
    /// The same signatures grouped by sheet id, in the same order.
    pub sheets: Vec<RegisterSheet>,
    /// How many are signed for the current content.
    pub signed: usize,
    /// How many are signed for an older version.
    pub outdated: usize,
    /// How many are not signed.
    pub outstanding: usize,
    /// Records of earlier versions and past assignments.
    pub earlier: Vec<EarlierRecord>,
}

impl Views<'_> {
    /// The register view of `register`.
    pub fn register(&self, register: &crate::signatures::Register) -> RegisterView {
        let m = self.model;
        let counts = register.counts();
        let rows: Vec<RegisterRow> = register
            .slots
            .iter()
            .map(|s| {
                let rec = s.record.map(|i| &m.signatures[i]);
                RegisterRow {
                    sheet: s.sheet_id.to_string(),
                    file: s.sheet_path.clone(),
                    document: s.document.clone(),
                    party: self.words.party(s.party).to_string(),
                    name: crate::signatures::signer_name(m, s.person, &self.words.governing_body)
                        .to_string(),
                    status: self.words.status(s.status).to_string(),
                    date: rec.map(|r| self.words.date(r.date)),
                    recorded: rec.map(|r| r.digest.clone()),
                    current: crate::digest::short(&s.digest).to_string(),
                    evidence: rec.and_then(|r| r.evidence.as_ref()).map(|e| {
                        let path = format!("model/{}", e.path);
                        SignatureEvidenceView {
                            href: crate::url::percent_encode(&format!("../{path}")),
                            path,
                            kind: self.words.signature_evidence(e.kind).to_string(),
                        }
                    }),
                }
            })
            .collect();
        // The PDF's table: the same rows, one entry per sheet (see signature-register.typ).
        let mut sheets: Vec<RegisterSheet> = Vec::new();
        for row in &rows {
            match sheets.last_mut() {
                Some(last) if last.sheet == row.sheet => last.rows.push(row.clone()),
                _ => sheets.push(RegisterSheet {
                    sheet: row.sheet.clone(),
                    file: row.file.clone(),
                    current: row.current.clone(),
                    rows: vec![row.clone()],
                }),
            }
        }
        RegisterView {
            rows,
            sheets,
            signed: counts.current,
            outdated: counts.outdated,
            outstanding: counts.outstanding,
            earlier: register
                .earlier
                .iter()
                .map(|&i| {
                    let r = &m.signatures[i];
                    EarlierRecord {
                        sheet: r.sheet_id.to_string(),
                        name: crate::signatures::signer_name(
                            m,
                            r.signer.person(),
                            &self.words.governing_body,
                        )
                        .to_string(),
                        date: self.words.date(r.date),
                        recorded: r.digest.clone(),
                    }
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, cells: &[&str]) -> RaciRow {
        RaciRow {
            id: id.into(),
            name: id.into(),
            refs: Vec::new(),
            cells: cells.iter().map(|c| c.to_string()).collect(),
            codes: cells.iter().map(|c| c.to_lowercase()).collect(),
        }
    }

    fn view(roles: usize, rows: Vec<RaciRow>) -> RaciView {
        RaciView {
            roles: (0..roles)
                .map(|i| RoleRef {
                    id: format!("r{i}"),
                    name: format!("Role {i}"),
                    short_name: format!("R{i}"),
                    file: format!("roles/r{i}.md"),
                    held_by: Arc::from(""),
                })
                .collect(),
            groups: vec![RaciGroup {
                name: Some("G".into()),
                rows,
            }],
        }
    }

    #[test]
    fn one_part_keeps_every_row() {
        let v = view(2, vec![row("a", &["R", ""]), row("b", &["", ""])]);
        let parts = v.chunks(20);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].groups[0].rows.len(), 2);
    }

    #[test]
    fn parts_split_evenly_and_leave_out_rows_empty_in_them() {
        // Five roles, at most two a page: three parts of two, two and one.
        let v = view(
            5,
            vec![
                row("a", &["A", "", "", "", "R"]),
                row("b", &["", "", "C", "", ""]),
                row("c", &["", "", "", "", ""]),
            ],
        );
        let parts = v.chunks(2);
        let ids = |p: &RaciView| -> Vec<String> {
            p.groups
                .iter()
                .flat_map(|g| g.rows.iter().map(|r| r.id.clone()))
                .collect()
        };
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].roles.len(), 2);
        assert_eq!(ids(&parts[0]), ["a"]);
        assert_eq!(parts[0].groups[0].rows[0].cells, ["A", ""]);
        assert_eq!(ids(&parts[1]), ["b"]);
        assert_eq!(ids(&parts[2]), ["a"]);
        assert_eq!(parts[2].groups[0].rows[0].cells, ["R"]);
        // Every letter of the matrix is in exactly one part.
        let letters: usize = parts
            .iter()
            .flat_map(|p| &p.groups)
            .flat_map(|g| &g.rows)
            .map(|r| r.cells.iter().filter(|c| !c.is_empty()).count())
            .sum();
        assert_eq!(letters, 3);
    }
}
