//! Rules about external parties (A.5.19-A.5.22): an internal owner, a contract,
//! a review on schedule. Part of validation, run after the model is resolved.

use super::*;

impl Validator {
    /// RC130, RC131 and RC132.
    pub(super) fn party_rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        for (i, party) in m.parties.iter().enumerate() {
            let item = c.v2.party_items[i];
            // An owner that did not resolve is reported already.
            if let Some(role) = m.roles.get(party.owner) {
                let active = m.active_holders(party.owner);
                let staff = active.iter().any(|p| p.party.is_none());
                if !staff && c.roles[party.owner].holders_complete {
                    let why = if active.is_empty() {
                        "which has no active holder"
                    } else {
                        "which is held only by people of external parties"
                    };
                    self.push(
                        &rules::PARTY_OWNER,
                        loc(item.file, &item.owner),
                        format!(
                            "party `{}` is owned by role `{}`, {why}",
                            party.id, role.id
                        ),
                    )
                    .hint = Some(
                        "the owner of a supplier relationship is a member of staff: give the role a current internal holder, or name another role".into(),
                    );
                }
            }
            if party.contract.is_none() {
                self.push(
                    &rules::PARTY_WITHOUT_CONTRACT,
                    loc(item.file, &item.id),
                    format!("party `{}` names no contract", party.id),
                )
                .hint = Some(
                    "set `contract` to where its security responsibilities are agreed (contract, data processing agreement, security annex)".into(),
                );
            }
            if let (Some(last), Some(at)) = (party.last_review, item.last_review.as_ref()) {
                let next = last.add_months(party.review_months);
                if next < m.date {
                    self.push(
                        &rules::PARTY_REVIEW_OVERDUE,
                        loc(item.file, at),
                        format!(
                            "the review of party `{}` was due on {next} (bundle date {})",
                            party.id, m.date
                        ),
                    )
                    .hint = Some(
                        "review the party's service and agreement with its owner, then update `last-review`".into(),
                    );
                }
            }
        }
    }
}
