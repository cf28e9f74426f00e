//! Plausibility of dates, versions and review intervals (clause 7.5): nothing
//! dated after the bundle date, reviews at least yearly, a history row for the
//! policy's version. Part of validation, run after the model is resolved.

use super::*;

/// The longest review interval auditors accept without a finding.
const MAX_REVIEW_MONTHS: u32 = 12;

/// A TOML date as a calendar date, without reporting (reported where it is read).
fn calendar(d: &Spanned<Datetime>) -> Option<Date> {
    let v = d.get_ref();
    match (v.date, v.time, v.offset) {
        (Some(x), None, None) => Date::new(i32::from(x.year), x.month, x.day),
        _ => None,
    }
}

impl Validator {
    /// RC067, RC068 and RC069.
    pub(super) fn plausibility_rules(&mut self, c: &RuleCtx) {
        let m = c.model;
        // Every recorded date of something that has happened, with what it is.
        let mut dates: Vec<(usize, &Spanned<Datetime>, String)> = Vec::new();
        if let Some((file, p)) = c.policy {
            dates.push((file, &p.effective, "the policy's `effective` date".into()));
            if let Some(d) = &p.last_review {
                dates.push((file, d, "the policy's `last-review`".into()));
            }
            for h in &p.history {
                dates.push((
                    file,
                    &h.date,
                    format!("the history row of version {}", h.version),
                ));
            }
        }
        for meta in c.roles {
            if let Some(d) = &meta.raw.assigned {
                dates.push((
                    meta.file,
                    d,
                    format!("the assignment of role `{}`", meta.raw.id.get_ref()),
                ));
            }
        }
        for p in &c.v2.party_items {
            if let Some(d) = &p.last_review {
                dates.push((
                    p.file,
                    d,
                    format!("the last review of party `{}`", p.id.get_ref()),
                ));
            }
        }
        for p in c.person_raw {
            for e in &p.evidence {
                dates.push((
                    p.file,
                    &e.date,
                    format!(
                        "the evidence of `{}` for `{}`",
                        e.competence.get_ref(),
                        p.id.get_ref()
                    ),
                ));
            }
        }
        for (file, d, what) in dates {
            let Some(date) = calendar(d) else { continue };
            if date > m.date {
                self.push(
                    &rules::FUTURE_DATE,
                    loc(file, d),
                    format!("{what} is {date}, after the bundle date {}", m.date),
                )
                .hint = Some(
                    "a document cannot record the future: correct the date, or build as of a later date with `--date`".into(),
                );
            }
        }

        // Review intervals.
        let mut intervals: Vec<(usize, &Spanned<u32>, String)> = Vec::new();
        if let Some((file, p)) = c.policy
            && let Some(months) = &p.review_months
        {
            intervals.push((file, months, "the policy".into()));
        }
        for p in &c.v2.party_items {
            if let Some(months) = &p.review_months {
                intervals.push((p.file, months, format!("party `{}`", p.id.get_ref())));
            }
        }
        for (file, months, what) in intervals {
            let n = *months.get_ref();
            if n > MAX_REVIEW_MONTHS {
                self.push(
                    &rules::LONG_REVIEW_INTERVAL,
                    loc(file, months),
                    format!("{what} is reviewed every {n} months, less often than yearly"),
                )
                .hint = Some(format!(
                    "auditors expect at least an annual review: set `review-months` to {MAX_REVIEW_MONTHS} or less"
                ));
            }
        }

        // The policy's version in its history.
        if let Some((file, p)) = c.policy {
            let version = p.version.get_ref();
            if !p.history.iter().any(|h| h.version.trim() == version.trim()) {
                let hint = match p.history.last() {
                    Some(h) => format!(
                        "add a [[policy.history]] row for version {version} (the last row is version {}), or correct `version`",
                        h.version
                    ),
                    None => format!(
                        "add a [[policy.history]] row with `version = \"{version}\"`, its date, author and summary"
                    ),
                };
                self.push(
                    &rules::VERSION_WITHOUT_HISTORY,
                    loc(file, &p.version),
                    format!(
                        "the policy is version {version}, which has no row in the version history"
                    ),
                )
                .hint = Some(hint);
            }
        }
    }
}
