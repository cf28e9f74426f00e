//! Rules about competence (clause 7.2): every holder of a role has current
//! evidence of each tracked competence the role requires. Part of validation,
//! run after the model is resolved; silent for a model without `[[competences]]`.

use super::*;

/// How many days before it expires evidence is reported as expiring (RC102).
pub(super) const EXPIRING_DAYS: i64 = 60;

impl Validator {
    /// RC100, RC101 and RC102: one finding per person and competence, about the
    /// latest evidence (older evidence of a renewed competence is history).
    pub(super) fn competence_rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        if m.competences.is_empty() {
            return;
        }
        let soon = m.date.add_days(EXPIRING_DAYS);
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
                let latest = person
                    .evidence
                    .iter()
                    .filter(|e| e.competence == k && e.date <= m.date)
                    .max_by_key(|e| (e.expires.is_none(), e.expires, e.date));
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
                match e.expires {
                    Some(x) if x <= m.date => {
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
                    Some(x) if x <= soon => {
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
                    _ => {}
                }
            }
        }
    }
}
