//! Rules about the Statement of Applicability (`[[controls]]`, clause 6.1.3 d):
//! each applicable control has a live owner, each exclusion a justification, and
//! nothing references an excluded control. Part of validation, run after the
//! model is resolved; silent for a model without `[[controls]]`.

use super::*;

impl Validator {
    /// RC110, RC111, RC113 and RC114 (RC112 is found when the ids are registered).
    pub(super) fn control_rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        if m.controls.is_empty() {
            return;
        }
        // Owner roles of applicable controls, with the controls they own.
        let mut vacant: BTreeMap<RoleIdx, Vec<(&str, &Item<RawControl>)>> = BTreeMap::new();
        for (i, control) in m.controls.iter().enumerate() {
            let item = c.v2.control_items[i];
            let id_at = loc(item.file, &item.id);
            if !control.applicable {
                if control.justification.is_none() {
                    let at = item
                        .applicable
                        .as_ref()
                        .map(|a| loc(item.file, a))
                        .unwrap_or(id_at);
                    self.push(
                        &rules::CONTROL_NOT_JUSTIFIED,
                        at,
                        format!("control `{}` is not applicable but gives no justification", control.id),
                    )
                    .hint = Some("add `justification = \"...\"`: why the control does not apply to this ISMS".into());
                }
                continue;
            }
            let Some(owner) = control.owner else {
                // An `owner` that did not resolve is reported already; a derived
                // owner may be in an activity that failed to load.
                if item.owner.is_some() || !c.complete.activities {
                    continue;
                }
                let accountable: Vec<String> = {
                    let mut seen: Vec<RoleIdx> = Vec::new();
                    for a in m.activities.iter().filter(|a| a.refs.contains(&control.id)) {
                        if !seen.contains(&a.accountable) {
                            seen.push(a.accountable);
                        }
                    }
                    seen.iter()
                        .map(|&r| format!("`{}`", m.roles[r].id))
                        .collect()
                };
                let (message, hint) = if accountable.is_empty() {
                    (
                        format!("applicable control `{}` has no owner", control.id),
                        "set `owner` to the role that owns the control, or reference the control from an activity (its accountable role becomes the owner)".to_string(),
                    )
                } else {
                    (
                        format!(
                            "applicable control `{}` has no single owner: the activities referencing it are accountable to {}",
                            control.id,
                            accountable.join(" and ")
                        ),
                        "set `owner` to the one role that owns the control".to_string(),
                    )
                };
                self.push(&rules::CONTROL_WITHOUT_OWNER, id_at, message)
                    .hint = Some(hint);
                continue;
            };
            vacant
                .entry(owner)
                .or_default()
                .push((control.id.as_str(), item));
        }
        // One finding per vacant owner role, naming its controls.
        for (owner, owned) in vacant {
            let role = &m.roles[owner];
            if role.holders.iter().any(|&p| m.people[p].active) || !c.roles[owner].holders_complete
            {
                continue;
            }
            let (_, item) = owned[0];
            let at = item
                .owner
                .as_ref()
                .map(|o| loc(item.file, o))
                .unwrap_or_else(|| loc(item.file, &item.id));
            let ids: Vec<String> = owned
                .iter()
                .take(5)
                .map(|(id, _)| format!("`{id}`"))
                .collect();
            let more = owned.len().saturating_sub(5);
            let list = if more > 0 {
                format!("{} and {more} more", ids.join(", "))
            } else {
                ids.join(", ")
            };
            let why = if role.holders.is_empty() {
                "is vacant"
            } else {
                "is held only by people who have left"
            };
            let what = if owned.len() == 1 {
                "control"
            } else {
                "controls"
            };
            self.push(
                &rules::CONTROL_OWNER_VACANT,
                at,
                format!("role `{}`, the owner of {what} {list}, {why}", role.id),
            )
            .hint = Some("give the role a current holder, or make another role the owner".into());
        }

        // References to excluded controls.
        let excluded: BTreeSet<&str> = m
            .controls
            .iter()
            .filter(|k| !k.applicable)
            .map(|k| k.id.as_str())
            .collect();
        if excluded.is_empty() {
            return;
        }
        let mut refs: Vec<(usize, &Spanned<String>, String)> = Vec::new();
        for meta in c.roles {
            for r in &meta.raw.refs {
                refs.push((meta.file, r, format!("role `{}`", meta.raw.id.get_ref())));
            }
        }
        for meta in c.activities {
            for r in &meta.raw.refs {
                refs.push((
                    meta.file,
                    r,
                    format!("activity `{}`", meta.raw.id.get_ref()),
                ));
            }
        }
        for p in &c.v2.party_items {
            for r in &p.refs {
                refs.push((p.file, r, format!("party `{}`", p.id.get_ref())));
            }
        }
        for (file, r, who) in refs {
            if excluded.contains(r.get_ref().as_str()) {
                self.push(
                    &rules::EXCLUDED_CONTROL_REFERENCED,
                    loc(file, r),
                    format!(
                        "{who} references control `{}`, which the Statement of Applicability marks not applicable",
                        r.get_ref()
                    ),
                )
                .hint = Some("mark the control applicable (with its owner), or remove the reference".into());
            }
        }
    }
}
