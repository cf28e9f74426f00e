//! Independence by default (clause 9.2, A.5.3): the people who perform internal
//! audit hold no clause 5.3 a) or b) role and implement no control, unless an
//! `[[exceptions]]` entry accepts the conflict; and the ISMS manager is not
//! accountable for most of the ISMS. Part of validation, run after the model is
//! resolved, for every model: no declaration is needed.

use super::*;

/// How many conflicting activities an RC054 finding names before "and N more".
const NAMED: usize = 5;

impl Validator {
    /// RC053, RC054, RC055, RC056, RC066, and RC034 for `approved-by`.
    pub(super) fn audit_rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        let any_top = m.roles.iter().any(|r| r.top_management);
        let exception_at = |id: &str| {
            c.v2.exception_items
                .iter()
                .find(|i| i.id.get_ref() == id)
                .copied()
        };
        for e in &m.exceptions {
            let Some(item) = exception_at(&e.id) else {
                continue;
            };
            if any_top && !m.roles[e.approved_by].top_management {
                self.push(
                    &rules::APPROVER_NOT_TOP_MANAGEMENT,
                    loc(item.file, &item.approved_by),
                    format!(
                        "exception `{}` is approved by `{}`, which is not a top-management role",
                        e.id, m.roles[e.approved_by].id
                    ),
                )
                .hint = Some(
                    "top management accepts a segregation conflict: set `approved-by` to a role with `top-management = true`".into(),
                );
            }
            if e.review_by < m.date {
                self.push(
                    &rules::EXCEPTION_REVIEW_OVERDUE,
                    loc(item.file, &item.review_by),
                    format!(
                        "exception `{}` was to be reviewed by {} (bundle date {})",
                        e.id, e.review_by, m.date
                    ),
                )
                .hint = Some(
                    "review the conflict and its compensating control with top management, then move `review-by`".into(),
                );
            }
        }

        // An exception that failed to load may be the one that accepts a conflict.
        if !self.failed.complete("exceptions") {
            return;
        }
        let mut used = vec![false; m.exceptions.len()];
        let mut accepted = |p: PersonIdx, conflict: Conflict| {
            let mut any = false;
            for (i, e) in m.exceptions.iter().enumerate() {
                if e.person == p && e.conflict == conflict {
                    used[i] = true;
                    any = true;
                }
            }
            any
        };
        for p in m.auditors() {
            let person = &m.people[p];
            let Some((audit, via)) = audit_duty(m, p) else {
                continue;
            };
            let audit_at = {
                let meta = &c.activities[audit];
                meta.raw
                    .responsible
                    .iter()
                    .find(|r| r.get_ref() == &m.roles[via].id)
                    .and_then(|r| loc(meta.file, r))
            };
            let audits = format!(
                "`{}` performs internal audit (role `{}` is responsible for `{}`)",
                person.id, m.roles[via].id, m.activities[audit].id
            );
            for (r, role) in m.roles.iter().enumerate() {
                let isms = role.isms_conformity || role.isms_reporting;
                // A declared conflict of the two roles is RC050's finding.
                if !isms
                    || role.all_staff
                    || !role.holders.contains(&p)
                    || declared_roles(m, r, via)
                {
                    continue;
                }
                if accepted(p, Conflict::Role(r)) {
                    continue;
                }
                let meta = &c.roles[r];
                let at = meta
                    .raw
                    .holders
                    .iter()
                    .find(|h| h.get_ref() == &person.id)
                    .and_then(|h| loc(meta.file, h))
                    .or_else(|| loc(meta.file, &meta.raw.id));
                let clause = match (role.isms_conformity, role.isms_reporting) {
                    (true, true) => "the clause 5.3 a) and b) role",
                    (true, false) => "the clause 5.3 a) role",
                    _ => "the clause 5.3 b) role",
                };
                let d = Diagnostic::new(
                    &rules::AUDITOR_HOLDS_ISMS_ROLE,
                    format!("{audits} and holds `{}`, {clause}", role.id),
                )
                .at(at)
                .label(audit_at.clone(), "the internal audit this person performs")
                .hint("internal auditors do not audit their own work (9.2): give the audit or the 5.3 role to someone else, or accept the conflict in [[exceptions]] with its compensating control");
                self.diags.push(d);
            }
            let mut conflicting: Vec<(ActivityIdx, RoleIdx)> = Vec::new();
            for (i, a) in m.activities.iter().enumerate() {
                // Activities declared apart from the audit are RC051's finding.
                let declared = a.segregate_from.contains(&audit)
                    || m.activities[audit].segregate_from.contains(&i);
                if !m.implements_control(a) || declared {
                    continue;
                }
                let through = std::iter::once(a.accountable)
                    .chain(a.responsible.iter().copied())
                    .find(|&r| !m.roles[r].all_staff && m.roles[r].holders.contains(&p));
                if through.is_some_and(|r| declared_roles(m, r, via)) {
                    continue;
                }
                if let Some(r) = through
                    && !accepted(p, Conflict::Activity(i))
                {
                    conflicting.push((i, r));
                }
            }
            if conflicting.is_empty() {
                continue;
            }
            let names: Vec<String> = conflicting
                .iter()
                .take(NAMED)
                .map(|&(i, _)| format!("`{}`", m.activities[i].id))
                .collect();
            let more = conflicting.len().saturating_sub(NAMED);
            let list = if more > 0 {
                format!("{} and {more} more", names.join(", "))
            } else {
                names.join(", ")
            };
            let mut d = Diagnostic::new(
                &rules::AUDITOR_IMPLEMENTS_CONTROLS,
                format!(
                    "{audits} and is responsible or accountable for {} that implement{} controls: {list}",
                    plural(conflicting.len(), "activity", "activities"),
                    if conflicting.len() == 1 { "s" } else { "" },
                ),
            )
            .at(audit_at.clone())
            .hint("an auditor does not audit their own work (9.2, A.5.3): move the audit or these activities to other people, or accept an activity in [[exceptions]] with its compensating control");
            for &(i, r) in conflicting.iter().take(NAMED) {
                let meta = &c.activities[i];
                let a = &m.activities[i];
                let role_id = &m.roles[r].id;
                let at = if a.accountable == r {
                    meta.raw
                        .accountable
                        .as_ref()
                        .and_then(|v| loc(meta.file, v))
                } else {
                    meta.raw
                        .responsible
                        .iter()
                        .find(|x| x.get_ref() == role_id)
                        .and_then(|x| loc(meta.file, x))
                };
                d = d.label(
                    at,
                    format!("`{}` takes part here as `{role_id}`", person.id),
                );
            }
            self.diags.push(d);
        }
        for (i, e) in m.exceptions.iter().enumerate() {
            if used[i] {
                continue;
            }
            let Some(item) = exception_at(&e.id) else {
                continue;
            };
            let person = &m.people[e.person];
            let why = if !m.auditors().contains(&e.person) {
                format!("`{}` does not perform internal audit", person.id)
            } else {
                match e.conflict {
                    Conflict::Role(r) => {
                        let role = &m.roles[r];
                        if !(role.isms_conformity || role.isms_reporting) {
                            format!("`{}` is not a clause 5.3 a) or b) role", role.id)
                        } else {
                            format!("`{}` does not hold `{}`", person.id, role.id)
                        }
                    }
                    Conflict::Activity(a) => {
                        let act = &m.activities[a];
                        if !m.implements_control(act) {
                            format!(
                                "`{}` implements no control (no Annex A or clause 8 reference)",
                                act.id
                            )
                        } else {
                            format!(
                                "`{}` is neither responsible nor accountable for `{}`",
                                person.id, act.id
                            )
                        }
                    }
                }
            };
            let at = match e.conflict {
                Conflict::Role(_) => item.role.as_ref(),
                Conflict::Activity(_) => item.activity.as_ref(),
            }
            .and_then(|s| loc(item.file, s))
            .or_else(|| loc(item.file, &item.id));
            self.push(
                &rules::EXCEPTION_UNUSED,
                at,
                format!("exception `{}` accepts no conflict: {why}", e.id),
            )
            .hint =
                Some("remove the exception, or correct its `person`, `role` or `activity`".into());
        }

        // Concentration on the ISMS manager.
        if !c.complete.activities || m.activities.is_empty() {
            return;
        }
        for (p, person) in m.active_people() {
            let held: Vec<RoleIdx> = m.roles_of(p).filter(|&r| !m.roles[r].all_staff).collect();
            let Some(&isms) = held.iter().find(|&&r| m.roles[r].isms_conformity) else {
                continue;
            };
            // Two roles of theirs declared in conflict are RC050's finding first.
            if held
                .iter()
                .any(|&a| held.iter().any(|&b| a != b && declared_roles(m, a, b)))
            {
                continue;
            }
            let n = m
                .activities
                .iter()
                .filter(|a| held.contains(&a.accountable))
                .count();
            if n * 2 > m.activities.len() {
                self.push(
                    &rules::ISMS_ACCOUNTABILITY_CONCENTRATION,
                    c.people[p].clone(),
                    format!(
                        "`{}` holds `{}` (clause 5.3 a) and is accountable for {n} of {} activities",
                        person.id,
                        m.roles[isms].id,
                        m.activities.len()
                    ),
                )
                .hint = Some(
                    "make the owners of the processes accountable for their activities; the ISMS manager coordinates and reports".into(),
                );
            }
        }
    }
}

/// The first internal-audit activity `p` performs and the role through which.
fn audit_duty(m: &Model, p: PersonIdx) -> Option<(ActivityIdx, RoleIdx)> {
    m.activities.iter().enumerate().find_map(|(i, a)| {
        if !crate::model::is_audit(a) {
            return None;
        }
        a.responsible
            .iter()
            .find(|&&r| !m.roles[r].all_staff && m.roles[r].holders.contains(&p))
            .map(|&r| (i, r))
    })
}

/// Whether roles `a` and `b` are declared in conflict (either side): RC050's.
fn declared_roles(m: &Model, a: RoleIdx, b: RoleIdx) -> bool {
    m.roles[a].conflicts.contains(&b) || m.roles[b].conflicts.contains(&a)
}

/// `1 activity`, `3 activities`.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
