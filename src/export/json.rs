//! The resolved model as plain JSON, for scripts and other tools.
//!
//! Every reference is resolved to an id, every default filled in, all-staff roles
//! list their holders (every active person), and each activity carries its RACI
//! both as id lists and as a letters map. Keys are kebab-case as in the TOML and
//! come in the order of the structs below; every key of model v1 is always present
//! (`null` or `[]` when empty), so the shape is fixed. The keys of model v2's tables
//! are left out when the model has none of them, so that a v1 model's export stays
//! byte for byte what it was. `format-version` changes when the shape does.

use crate::error::{Context, Result};
use serde::Serialize;

use crate::model::{Model, PersonIdx, RoleIdx};

/// Version of the shape of this export.
pub const FORMAT_VERSION: u32 = 1;

/// The whole export.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Export {
    /// Always `rolecall-model`.
    pub format: &'static str,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// The bundle date the model was validated for, `YYYY-MM-DD`.
    pub date: String,
    /// The organisation.
    pub organisation: Organisation,
    /// Document control of the policy.
    pub policy: Policy,
    /// Everyone in the model, in model order, leavers included (`active: false`).
    pub people: Vec<Person>,
    /// Roles, in model order.
    pub roles: Vec<Role>,
    /// Activities, in model order.
    pub activities: Vec<Activity>,
    /// External parties, in model order (model v2; left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<Party>,
    /// Tracked competences, in model order (model v2; left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competences: Vec<Competence>,
    /// The Statement of Applicability, in Annex A order (model v2; left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    /// Accepted conflicts of the independence rules (model v2; left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
}

/// One of `parties`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Party {
    /// Id.
    pub id: String,
    /// Legal name.
    pub name: String,
    /// What it does for the organisation.
    pub services: String,
    /// Where its security responsibilities are agreed, or `null`.
    pub contract: Option<String>,
    /// Owning role id.
    pub owner: String,
    /// Its security responsibilities.
    pub responsibilities: Vec<String>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Last review, or `null`.
    pub last_review: Option<String>,
    /// Review interval in months.
    pub review_months: u32,
    /// Next review due, or `null` without a last review.
    pub next_review: Option<String>,
    /// Ids of its active people.
    pub people: Vec<String>,
    /// Ids of the roles outsourced to it.
    pub outsourced_roles: Vec<String>,
}

/// One of `competences`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Competence {
    /// Id.
    pub id: String,
    /// What it is.
    pub name: String,
    /// Months after which evidence expires, or `null`.
    pub renew_months: Option<u32>,
}

/// One of a person's `evidence`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Evidence {
    /// Competence id.
    pub competence: String,
    /// What the evidence is.
    pub evidence: String,
    /// When it was obtained.
    pub date: String,
    /// When it expires, or `null`.
    pub expires: Option<String>,
    /// `current`, `expiring` or `expired`, on the bundle date.
    pub status: &'static str,
}

/// One of `controls`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Control {
    /// Annex A 2022 id.
    pub id: String,
    /// The organisation's title, or `null`.
    pub title: Option<String>,
    /// Whether it applies.
    pub applicable: bool,
    /// Owning role id (given or derived), or `null` for a control that does not apply.
    pub owner: Option<String>,
    /// Why it is (not) applicable, or `null`.
    pub justification: Option<String>,
    /// Ids of the activities that reference it.
    pub activities: Vec<String>,
}

/// One of `exceptions`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Exception {
    /// Id.
    pub id: String,
    /// The internal auditor's person id.
    pub person: String,
    /// The 5.3 a) or b) role id, or `null`.
    pub role: Option<String>,
    /// The control-implementing activity id, or `null`.
    pub activity: Option<String>,
    /// What compensates.
    pub compensating_control: String,
    /// The approving top-management role id.
    pub approved_by: String,
    /// When it is reviewed again.
    pub review_by: String,
}

/// `organisation`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Organisation {
    /// Legal name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// ISMS scope.
    pub scope: String,
}

/// `policy`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Policy {
    /// Document id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: String,
    /// Classification label.
    pub classification: String,
    /// Owning role id.
    pub owner: String,
    /// Approving role id.
    pub approver: String,
    /// Effective date.
    pub effective: String,
    /// Review interval in months.
    pub review_months: u32,
    /// Last review date, or `null`.
    pub last_review: Option<String>,
    /// Next review due.
    pub next_review: String,
}

/// One of `people`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Person {
    /// Id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: String,
    /// E-mail, or `null`.
    pub email: Option<String>,
    /// Department, or `null`.
    pub department: Option<String>,
    /// Last day, or `null`.
    pub left: Option<String>,
    /// With the organisation on the bundle date.
    pub active: bool,
    /// Ids of the roles held (all-staff roles included).
    pub roles: Vec<String>,
    /// Ids of the roles this person deputises for.
    pub deputy_for: Vec<String>,
    /// The external party's id, for a person of one (model v2; left out for staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Evidence of competence (model v2; left out when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

/// One of `roles`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Role {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Abbreviation.
    pub short_name: String,
    /// Role description version.
    pub version: String,
    /// Member of top management.
    pub top_management: bool,
    /// Held by every active person.
    pub all_staff: bool,
    /// Clause 5.3 a).
    pub isms_conformity: bool,
    /// Clause 5.3 b).
    pub isms_reporting: bool,
    /// Holder person ids (for all-staff roles: every active person).
    pub holders: Vec<String>,
    /// Deputy person ids.
    pub deputies: Vec<String>,
    /// Role id reported to, or `null`.
    pub reports_to: Option<String>,
    /// Purpose (Markdown).
    pub purpose: String,
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
    /// Role ids to be held by other people.
    pub conflicts: Vec<String>,
    /// Date of assignment, or `null`.
    pub assigned: Option<String>,
}

/// One of `activities`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Activity {
    /// Id.
    pub id: String,
    /// What is done.
    pub name: String,
    /// Matrix heading, or `null`.
    pub group: Option<String>,
    /// Clause and Annex A ids.
    pub refs: Vec<String>,
    /// Responsible role ids.
    pub responsible: Vec<String>,
    /// Accountable role id.
    pub accountable: String,
    /// Consulted role ids.
    pub consulted: Vec<String>,
    /// Informed role ids.
    pub informed: Vec<String>,
    /// Activity ids whose R and A must be other people.
    pub segregate_from: Vec<String>,
    /// Every role with a part in the activity, in model order, with its letters
    /// (`R`, `A`, `A/R`, `C` or `I`).
    pub raci: Vec<Letters>,
}

/// A role's letters in one activity.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Letters {
    /// Role id.
    pub role: String,
    /// `R`, `A`, `A/R`, `C` or `I`.
    pub letters: String,
}

/// The model as pretty-printed JSON, ending with a newline.
pub fn model(model: &Model) -> Result<Vec<u8>> {
    let mut out =
        serde_json::to_vec_pretty(&export(model)).context("failed to write the JSON export")?;
    out.push(b'\n');
    Ok(out)
}

/// The export's value.
pub fn export(m: &Model) -> Export {
    let role_ids =
        |rs: &[RoleIdx]| -> Vec<String> { rs.iter().map(|&r| m.roles[r].id.clone()).collect() };
    let person_ids =
        |ps: &[PersonIdx]| -> Vec<String> { ps.iter().map(|&p| m.people[p].id.clone()).collect() };
    let pol = &m.policy;
    Export {
        format: "rolecall-model",
        format_version: FORMAT_VERSION,
        date: m.date.to_string(),
        organisation: Organisation {
            name: m.organisation.name.clone(),
            short_name: m.organisation.short_name.clone(),
            scope: m.organisation.scope.clone(),
        },
        policy: Policy {
            id: pol.id.clone(),
            title: pol.title.clone(),
            version: pol.version.clone(),
            classification: pol.classification.clone(),
            owner: m.roles[pol.owner].id.clone(),
            approver: m.roles[pol.approver].id.clone(),
            effective: pol.effective.to_string(),
            review_months: pol.review_months,
            last_review: pol.last_review.map(|d| d.to_string()),
            next_review: pol.next_review.to_string(),
        },
        people: m
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| Person {
                id: p.id.clone(),
                name: p.name.clone(),
                title: p.title.clone(),
                email: p.email.clone(),
                department: p.department.clone(),
                left: p.left.map(|d| d.to_string()),
                active: p.active,
                roles: m.roles_of(i).map(|r| m.roles[r].id.clone()).collect(),
                deputy_for: m
                    .roles
                    .iter()
                    .filter(|r| r.deputies.contains(&i))
                    .map(|r| r.id.clone())
                    .collect(),
                party: p.party.map(|x| m.parties[x].id.clone()),
                evidence: p
                    .evidence
                    .iter()
                    .map(|e| Evidence {
                        competence: m.competences[e.competence].id.clone(),
                        evidence: e.evidence.clone(),
                        date: e.date.to_string(),
                        expires: e.expires.map(|d| d.to_string()),
                        status: e.status(m.date).code(),
                    })
                    .collect(),
            })
            .collect(),
        roles: m
            .roles
            .iter()
            .map(|r| Role {
                id: r.id.clone(),
                name: r.name.clone(),
                short_name: r.short_name.clone(),
                version: r.version.clone(),
                top_management: r.top_management,
                all_staff: r.all_staff,
                isms_conformity: r.isms_conformity,
                isms_reporting: r.isms_reporting,
                holders: person_ids(&r.holders),
                deputies: person_ids(&r.deputies),
                reports_to: r.reports_to.map(|t| m.roles[t].id.clone()),
                purpose: r.purpose.clone(),
                responsibilities: r.responsibilities.clone(),
                authorities: r.authorities.clone(),
                owns: r.owns.clone(),
                competence: r.competence.clone(),
                refs: r.refs.clone(),
                conflicts: role_ids(&r.conflicts),
                assigned: r.assigned.map(|d| d.to_string()),
            })
            .collect(),
        activities: m
            .activities
            .iter()
            .map(|a| Activity {
                id: a.id.clone(),
                name: a.name.clone(),
                group: a.group.clone(),
                refs: a.refs.clone(),
                responsible: role_ids(&a.responsible),
                accountable: m.roles[a.accountable].id.clone(),
                consulted: role_ids(&a.consulted),
                informed: role_ids(&a.informed),
                segregate_from: a
                    .segregate_from
                    .iter()
                    .map(|&b| m.activities[b].id.clone())
                    .collect(),
                raci: (0..m.roles.len())
                    .filter_map(|r| {
                        let letters = m.letters(a, r);
                        (!letters.is_empty()).then(|| Letters {
                            role: m.roles[r].id.clone(),
                            letters: letters.to_string(),
                        })
                    })
                    .collect(),
            })
            .collect(),
        parties: m
            .parties
            .iter()
            .enumerate()
            .map(|(i, x)| Party {
                id: x.id.clone(),
                name: x.name.clone(),
                services: x.services.clone(),
                contract: x.contract.clone(),
                owner: m.roles[x.owner].id.clone(),
                responsibilities: x.responsibilities.clone(),
                refs: x.refs.clone(),
                last_review: x.last_review.map(|d| d.to_string()),
                review_months: x.review_months,
                next_review: x
                    .last_review
                    .map(|d| d.add_months(x.review_months).to_string()),
                people: m
                    .active_people()
                    .filter(|(_, p)| p.party == Some(i))
                    .map(|(_, p)| p.id.clone())
                    .collect(),
                outsourced_roles: (0..m.roles.len())
                    .filter(|&r| m.outsourced(r).contains(&i))
                    .map(|r| m.roles[r].id.clone())
                    .collect(),
            })
            .collect(),
        competences: m
            .competences
            .iter()
            .map(|c| Competence {
                id: c.id.clone(),
                name: c.name.clone(),
                renew_months: c.renew_months,
            })
            .collect(),
        controls: {
            m.controls_in_order()
                .into_iter()
                .map(|c| Control {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    applicable: c.applicable,
                    owner: c
                        .owner
                        .filter(|_| c.applicable)
                        .map(|r| m.roles[r].id.clone()),
                    justification: c.justification.clone(),
                    activities: m
                        .activities
                        .iter()
                        .filter(|a| a.refs.contains(&c.id))
                        .map(|a| a.id.clone())
                        .collect(),
                })
                .collect()
        },
        exceptions: m
            .exceptions
            .iter()
            .map(|e| Exception {
                id: e.id.clone(),
                person: m.people[e.person].id.clone(),
                role: e.role().map(|r| m.roles[r].id.clone()),
                activity: e.activity().map(|a| m.activities[a].id.clone()),
                compensating_control: e.compensating_control.clone(),
                approved_by: m.roles[e.approved_by].id.clone(),
                review_by: e.review_by.to_string(),
            })
            .collect(),
    }
}
