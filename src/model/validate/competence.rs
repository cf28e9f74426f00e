//! Rules about competence (clause 7.2): every holder of a role has current
//! evidence of each tracked competence the role requires. Part of validation,
//! run after the model is resolved; silent for a model without `[[competences]]`.

use super::*;

impl Validator {
    /// RC100, RC101 and RC102: one finding per person and competence, about the
    /// latest evidence (older evidence of a renewed competence is history).
    pub(super) fn competence_rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        if m.competences.is_empty() {
            return;
        }
        for (p, person) in m.people.iter().enumerate() {
            if !person.active {
                continue;
            }
            // Each tracked competence the person's roles require, with the first
            // role that requires it.
            let mut needed: Vec<(CompetenceIdx, RoleIdx)> = Vec::new();
            for r in m.roles_of(p) {
                for &k in &m.roles[r].tracked {
                    if !needed.iter().any(|(n, _)| *n == k) {
                        needed.push((k, r));
                    }
                }
            }
            for (k, r) in needed {
                let competence = &m.competences[k];
                let role = &m.roles[r];
                // Evidence dated after the bundle date is RC067's.
                let (latest, status) = m.evidence_of(p, k);
                let Some(e) = latest else {
                    // Evidence that did not resolve (reported) may be this one.
                    if c.person_raw[p].evidence.len() != person.evidence.len() {
                        continue;
                    }
                    self.push(
                        &rules::EVIDENCE_MISSING,
                        c.people[p].clone(),
                        format!(
                            "`{}` holds role `{}`, which requires `{}` ({}), but has no evidence of it",
                            person.id, role.id, competence.id, competence.name
                        ),
                    )
                    .hint = Some(format!(
                        "add a [[people.evidence]] entry with `competence = \"{}\"`, the evidence and its date under this person",
                        competence.id
                    ));
                    continue;
                };
                let x = e.expires.unwrap_or(m.date);
                match status {
                    EvidenceStatus::Expired => {
                        self.push(
                            &rules::EVIDENCE_EXPIRED,
                            e.location.clone(),
                            format!(
                                "the evidence of `{}` for `{}` (role `{}`) expired on {x}",
                                competence.id, person.id, role.id
                            ),
                        )
                        .hint = Some(
                            "renew it and add the new evidence as another [[people.evidence]] entry"
                                .into(),
                        );
                    }
                    EvidenceStatus::Expiring => {
                        self.push(
                            &rules::EVIDENCE_EXPIRING,
                            e.location.clone(),
                            format!(
                                "the evidence of `{}` for `{}` (role `{}`) expires on {x}, within {EXPIRING_DAYS} days of the bundle date {}",
                                competence.id, person.id, role.id, m.date
                            ),
                        )
                        .hint = Some("plan the renewal now; add the new evidence once it is done".into());
                    }
                    EvidenceStatus::Current | EvidenceStatus::Missing => {}
                }
            }
        }
    }
}
