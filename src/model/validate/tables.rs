//! Resolving the tables of model v2: parties, competences, controls, exceptions.
//!
//! Part of validation. Their ids are registered with the others' (so that a
//! person's `party` or an evidence's `competence` can point forwards and across
//! files), then each item is resolved into its `Model` type. The rules about
//! them run later, in the sibling modules, with the whole model at hand.

use super::*;
use crate::model::raw::RawCompetence;

/// The ids and items of the model v2 tables that registered (a valid, unique
/// id), by index: `parties[i]` is the item of `Model::parties[i]`, and so on.
#[derive(Default)]
pub(super) struct V2<'r> {
    pub parties: Ids,
    pub competences: Ids,
    pub controls: Ids,
    pub exceptions: Ids,
    pub party_items: Vec<&'r Item<RawParty>>,
    pub competence_items: Vec<&'r Item<RawCompetence>>,
    pub control_items: Vec<&'r Item<RawControl>>,
    pub exception_items: Vec<&'r Item<RawException>>,
}

impl Validator {
    /// Registers the ids of parties, competences, controls and exceptions.
    pub(super) fn register_v2<'r>(&mut self, raw: &'r RawModel) -> V2<'r> {
        let mut v = V2::default();
        for p in &raw.parties {
            if self.register(Kind::Party, &mut v.parties, p.file, &p.id) {
                v.party_items.push(p);
            }
        }
        for c in &raw.competences {
            if self.register(Kind::Competence, &mut v.competences, c.file, &c.id) {
                v.competence_items.push(c);
            }
        }
        for c in &raw.controls {
            if self.register_control(&mut v.controls, c) {
                v.control_items.push(c);
            }
        }
        for e in &raw.exceptions {
            if self.register(Kind::Exception, &mut v.exceptions, e.file, &e.id) {
                v.exception_items.push(e);
            }
        }
        v
    }

    /// A control's id is an Annex A 2022 id (RC112), not the id pattern of the
    /// other tables, and is unique (RC011).
    fn register_control(&mut self, ids: &mut Ids, c: &Item<RawControl>) -> bool {
        let id = c.id.get_ref();
        if !crate::model::annex_a::is_control(id) {
            let hint = if id.trim() != id || id.starts_with("a.") || id.starts_with("A.0") {
                format!(
                    "write the id as `A.<theme>.<number>`, such as `{}`",
                    id.trim().to_uppercase().replace(".0", ".")
                )
            } else if id.starts_with("A.") {
                "Annex A 2022 has A.5.1-A.5.37, A.6.1-A.6.8, A.7.1-A.7.14 and A.8.1-A.8.34 (the 2013 edition's ids differ)".to_string()
            } else {
                "controls are named by their Annex A 2022 id, such as `A.5.2`".to_string()
            };
            self.push(
                &rules::NOT_ANNEX_A_CONTROL,
                loc(c.file, &c.id),
                format!("`{id}` is not an ISO/IEC 27001:2022 Annex A control"),
            )
            .hint = Some(hint);
            self.failed
                .ids
                .entry(Kind::Control.table())
                .or_default()
                .insert(id.clone());
            return false;
        }
        if let Some(&first) = ids.index.get(id) {
            let first_at = ids.locations[first].clone();
            let d = self.push(
                &rules::DUPLICATE_ID,
                loc(c.file, &c.id),
                format!("control `{id}` is listed twice"),
            );
            d.hint = Some(
                "a control has one row in the Statement of Applicability: merge the two".into(),
            );
            if let Some(first_at) = first_at {
                d.labels.push(crate::diag::Label {
                    location: first_at,
                    message: "first listed here".into(),
                });
            }
            return false;
        }
        ids.index.insert(id.clone(), ids.locations.len());
        ids.locations.push(loc(c.file, &c.id));
        true
    }

    /// `[[competences]]`, resolved.
    pub(super) fn competences(&mut self, v: &V2) -> Vec<Competence> {
        v.competence_items
            .iter()
            .map(|c| {
                let renew = c.renew_months.as_ref().map(|m| *m.get_ref());
                if let Some(m) = c.renew_months.as_ref().filter(|m| *m.get_ref() == 0) {
                    self.push(
                        &rules::SCHEMA,
                        loc(c.file, m),
                        "renew-months must be at least 1".into(),
                    )
                    .hint =
                        Some("leave `renew-months` out for evidence that does not expire".into());
                }
                Competence {
                    id: c.id.get_ref().clone(),
                    name: c.name.clone(),
                    renew_months: renew.filter(|&m| m > 0),
                }
            })
            .collect()
    }

    /// A person's `[[people.evidence]]`, resolved (an unknown competence is RC012).
    pub(super) fn evidence(
        &mut self,
        p: &Item<RawPerson>,
        ids: &Ids,
        competences: &[Competence],
    ) -> Vec<Evidence> {
        let mut out = Vec::new();
        for e in &p.evidence {
            let competence = self.resolve(Kind::Competence, ids, p.file, &e.competence);
            let date = self.date(p.file, &e.date);
            let expires = e.expires.as_ref().and_then(|d| self.date(p.file, d));
            if let (Some(d), Some(x), Some(at)) = (date, expires, e.expires.as_ref()) {
                if x <= d {
                    self.push(
                        &rules::SCHEMA,
                        loc(p.file, at),
                        format!("evidence expires on {x}, not after its date {d}"),
                    )
                    .hint = Some("`expires` is the first day the evidence no longer counts".into());
                }
            }
            let (Some(competence), Some(date)) = (competence, date) else {
                continue;
            };
            let expires = expires.or_else(|| {
                competences[competence]
                    .renew_months
                    .map(|m| date.add_months(m))
            });
            out.push(Evidence {
                competence,
                evidence: e.evidence.clone(),
                date,
                expires,
                location: e
                    .expires
                    .as_ref()
                    .map(|x| loc(p.file, x))
                    .unwrap_or_else(|| loc(p.file, &e.date)),
            });
        }
        out
    }

    /// `[[parties]]`, resolved; an owner that does not resolve leaves the party out
    /// (the error is reported).
    pub(super) fn parties(&mut self, v: &V2, roles: &Ids) -> Vec<Party> {
        let mut out = Vec::new();
        for p in &v.party_items {
            let owner = self.resolve(Kind::Role, roles, p.file, &p.owner);
            let refs = self.clause_refs(p.file, &p.refs);
            let last_review = p.last_review.as_ref().and_then(|d| self.date(p.file, d));
            let months = p.review_months.as_ref().map_or(12, |m| *m.get_ref());
            if let Some(m) = p.review_months.as_ref().filter(|m| *m.get_ref() == 0) {
                self.push(
                    &rules::SCHEMA,
                    loc(p.file, m),
                    "review-months must be at least 1".into(),
                )
                .hint = Some("suppliers are reviewed at least yearly: use 12 or less".into());
            }
            out.push(Party {
                id: p.id.get_ref().clone(),
                name: p.name.clone(),
                services: p.services.clone(),
                contract: p.contract.clone().filter(|c| !c.trim().is_empty()),
                owner: owner.unwrap_or(usize::MAX),
                responsibilities: p.responsibilities.clone(),
                refs,
                last_review,
                review_months: months.max(1),
            });
        }
        out
    }

    /// `[[controls]]`, resolved: each control's owner is its `owner`, or the one
    /// accountable role of the activities referencing it (none when they name
    /// none or several: RC110 says so).
    pub(super) fn controls(
        &mut self,
        v: &V2,
        roles: &Ids,
        activities: &[Activity],
    ) -> Vec<Control> {
        let mut out = Vec::new();
        for c in &v.control_items {
            let id = c.id.get_ref();
            let owner = match &c.owner {
                Some(o) => self.resolve(Kind::Role, roles, c.file, o),
                None => derived_owner(id, activities),
            };
            out.push(Control {
                id: id.clone(),
                title: c.title.clone().filter(|t| !t.trim().is_empty()),
                applicable: c.applicable.as_ref().is_none_or(|a| *a.get_ref()),
                owner,
                justification: c.justification.clone().filter(|j| !j.trim().is_empty()),
            });
        }
        out
    }

    /// `[[exceptions]]`, resolved; one whose references do not resolve is left out
    /// (the error is reported).
    pub(super) fn exceptions(
        &mut self,
        v: &V2,
        people: &Ids,
        roles: &Ids,
        activities: &Ids,
        remap: &[Option<ActivityIdx>],
    ) -> Vec<Exception> {
        let mut out = Vec::new();
        for e in &v.exception_items {
            let file = e.file;
            let person = self.resolve(Kind::Person, people, file, &e.person);
            let approved_by = self.resolve(Kind::Role, roles, file, &e.approved_by);
            let review_by = self.date(file, &e.review_by);
            let conflict = match (&e.role, &e.activity) {
                (Some(r), None) => self.resolve(Kind::Role, roles, file, r).map(Conflict::Role),
                (None, Some(a)) => self
                    .resolve(Kind::Activity, activities, file, a)
                    .and_then(|i| remap.get(i).copied().flatten())
                    .map(Conflict::Activity),
                (role, activity) => {
                    let (at, msg) = match (role, activity) {
                        (Some(_), Some(a)) => (
                            loc(file, a),
                            "an exception accepts one conflict: give `role` or `activity`, not both",
                        ),
                        _ => (
                            loc(file, &e.id),
                            "an exception names the conflict it accepts: `role` or `activity`",
                        ),
                    };
                    self.push(&rules::SCHEMA, at, msg.into()).hint = Some(
                        "`role` for a clause 5.3 a) or b) role the auditor holds, `activity` for a control-implementing activity they are responsible or accountable for; one exception each".into(),
                    );
                    None
                }
            };
            if let (Some(person), Some(conflict), Some(approved_by), Some(review_by)) =
                (person, conflict, approved_by, review_by)
            {
                out.push(Exception {
                    id: e.id.get_ref().clone(),
                    person,
                    conflict,
                    compensating_control: e.compensating_control.clone(),
                    approved_by,
                    review_by,
                });
            }
        }
        out
    }
}

/// The owner a control without `owner` takes: the accountable role of the
/// activities that reference it, when they all have the same one.
pub(super) fn derived_owner(id: &str, activities: &[Activity]) -> Option<RoleIdx> {
    let mut found = activities
        .iter()
        .filter(|a| a.refs.iter().any(|r| r == id))
        .map(|a| a.accountable);
    let first = found.next()?;
    found.all(|r| r == first).then_some(first)
}
