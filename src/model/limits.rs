//! How large a model rolecall builds: every limit in one place.
//!
//! Part of validation. A model that passes `check` must build, so every limit
//! of a later stage is checked here, at the model's line, rather than met by
//! `build` halfway (issue 11): Excel's 32,767 characters in a cell (the RACI
//! workbook joins names into cells), the length of a string in a PDF/A file
//! (titles, bookmarks and link targets), and the counts that bound a build's
//! time and memory. The per-value limits (lengths, Markdown) are checked as
//! the files are read, in [`super::text`]; the counts and the joined cells
//! here, once the model is resolved. docs/model.md ("Limits") lists them all.

use crate::date::Date;
use crate::diag::{Diagnostic, Location};
use crate::rules;

use super::Model;

/// Longest name or title (`name`, `title`, `short-name`, `id`, ...; see
/// `text::NAME_KEYS`), in characters. Names become headings, PDF titles and
/// bookmarks (a PDF/A string holds at most 32,767 bytes, two a character) and
/// workbook cells; 500 is ten times the longest real job title.
pub const MAX_NAME_CHARS: usize = 500;
/// Longest other text (`scope`, `purpose`, a section's `body`, a
/// responsibility), in characters: a 1 MB scope builds with PDFs in 330 MB.
pub const MAX_TEXT_CHARS: usize = 2_000_000;
/// Longest link target in a Markdown field: a PDF link's URI is a PDF string.
pub const MAX_LINK_CHARS: usize = 2_048;
/// Most characters of an Excel cell, which the RACI workbook's joined cells
/// (a role's holders, a person's roles, an activity's references) must fit.
pub const MAX_CELL_CHARS: usize = 32_767;
/// Most people: the all-staff sheet and the signature register have a row
/// for each, and typst lays each out in one document.
pub const MAX_PEOPLE: usize = 20_000;
/// Most roles.
pub const MAX_ROLES: usize = 10_000;
/// Most activities.
pub const MAX_ACTIVITIES: usize = 10_000;
/// Most holders of one role: each gets an assignment sheet.
pub const MAX_HOLDERS: usize = 10_000;
/// Most RACI cells (roles × activities): the matrix is built whole in memory
/// (about 100 bytes a cell) and no reader can use a larger one.
pub const MAX_RACI_CELLS: usize = 2_000_000;
/// The years a model's dates may be in: a date outside is a typo (`9999-12-31`
/// for "no end"), and the policy's review dates are computed from them.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;
/// The review interval, in months: at least monthly, at most every ten years.
pub const REVIEW_MONTHS: std::ops::RangeInclusive<u32> = 1..=120;

/// Where the model's entries were written, in model order, for pointing at them.
pub struct Places<'a> {
    /// Each person's id.
    pub people: &'a [Option<Location>],
    /// Each role's id.
    pub roles: &'a [Option<Location>],
    /// Each activity's id.
    pub activities: &'a [Option<Location>],
}

/// Why `date` is not a date a model may hold, or `None`.
pub fn date_problem(date: Date) -> Option<String> {
    (!YEARS.contains(&date.year())).then(|| {
        format!(
            "`{date}` is not between {}-01-01 and {}-12-31",
            YEARS.start(),
            YEARS.end()
        )
    })
}

/// Why `months` is not a review interval, or `None`.
pub fn review_months_problem(months: u32) -> Option<String> {
    (!REVIEW_MONTHS.contains(&months)).then(|| {
        format!(
            "review-months must be between {} and {} (ten years), not {months}",
            REVIEW_MONTHS.start(),
            REVIEW_MONTHS.end()
        )
    })
}

/// RC003 for a model with more entries or RACI cells than the limits, and
/// RC092 for each workbook cell that would be longer than [`MAX_CELL_CHARS`].
pub fn check(model: &Model, places: &Places) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let too_many = |what: &str, n: usize, max: usize, at: Option<Location>| {
        Diagnostic::new(
            &rules::MODEL_STRUCTURE,
            format!("the model has {n} {what}, more than the {max} rolecall builds"),
        )
        .at(at)
        .hint("split the model, for example one per ISMS scope or business unit")
    };
    for (what, n, max, places) in [
        ("people", model.people.len(), MAX_PEOPLE, places.people),
        ("roles", model.roles.len(), MAX_ROLES, places.roles),
        (
            "activities",
            model.activities.len(),
            MAX_ACTIVITIES,
            places.activities,
        ),
    ] {
        if n > max {
            // At the first entry past the limit.
            let at = places.get(max).cloned().flatten();
            found.push(too_many(what, n, max, at));
        }
    }
    let cells = model.roles.len().saturating_mul(model.activities.len());
    if cells > MAX_RACI_CELLS {
        found.push(
            Diagnostic::new(
                &rules::MODEL_STRUCTURE,
                format!(
                    "the model is too large to build: its RACI matrix would have {cells} cells ({} roles × {} activities), more than {MAX_RACI_CELLS}",
                    model.roles.len(),
                    model.activities.len()
                ),
            )
            .hint("split the model, for example one per ISMS scope or business unit, or merge roles and activities that are the same"),
        );
    }
    let cell = |what: String, chars: usize, at: Option<Location>, hint: &str| {
        Diagnostic::new(
            &rules::TOO_LARGE,
            format!(
                "{what} would be {chars} characters, more than the {MAX_CELL_CHARS} an Excel cell holds (the RACI workbook)"
            ),
        )
        .at(at)
        .hint(hint.to_string())
    };
    let chars = |s: &str| s.chars().count();
    // A list joined with a two-character separator, as the workbook writes it.
    let joined = |lens: &mut dyn Iterator<Item = usize>| {
        lens.fold((0usize, 0usize), |(sum, n), l| (sum + l, n + 1))
    };
    let joined_len = |(sum, n): (usize, usize)| sum + 2 * n.saturating_sub(1);
    for (r, role) in model.roles.iter().enumerate() {
        let at = places.roles.get(r).cloned().flatten();
        if role.holders.len() > MAX_HOLDERS && !role.all_staff {
            found.push(
                Diagnostic::new(
                    &rules::MODEL_STRUCTURE,
                    format!(
                        "role `{}` has {} holders, more than the {MAX_HOLDERS} rolecall builds (each gets an assignment sheet)",
                        role.id,
                        role.holders.len()
                    ),
                )
                .at(at.clone())
                .hint("a role everyone holds is `all-staff = true`; otherwise split the role"),
            );
            continue;
        }
        if !role.all_staff {
            let names = joined(&mut role.holders.iter().map(|&p| chars(&model.people[p].name)));
            let n = joined_len(names);
            if n > MAX_CELL_CHARS {
                found.push(cell(
                    format!("the holders of role `{}`, joined,", role.id),
                    n,
                    at.clone(),
                    "a role everyone holds is `all-staff = true`; otherwise split the role, or shorten the names",
                ));
            }
        }
        let deputies = joined_len(joined(
            &mut role.deputies.iter().map(|&p| chars(&model.people[p].name)),
        ));
        if deputies > MAX_CELL_CHARS {
            found.push(cell(
                format!("the deputies of role `{}`, joined,", role.id),
                deputies,
                at,
                "name fewer deputies",
            ));
        }
    }
    // A person's roles and deputyships, summed over the roles once (a search
    // of every role for every person would be quadratic).
    let mut held = vec![(0usize, 0usize); model.people.len()];
    let mut deputy = vec![(0usize, 0usize); model.people.len()];
    for role in &model.roles {
        let n = chars(&role.name);
        for (list, sums) in [(&role.holders, &mut held), (&role.deputies, &mut deputy)] {
            for &p in list {
                sums[p].0 += n;
                sums[p].1 += 1;
            }
        }
    }
    for (p, person) in model.people.iter().enumerate() {
        for (what, sums) in [("roles", held[p]), ("deputyships", deputy[p])] {
            let n = joined_len(sums);
            if n > MAX_CELL_CHARS && person.active {
                found.push(cell(
                    format!("the names of the {what} of `{}`, joined,", person.id),
                    n,
                    places.people.get(p).cloned().flatten(),
                    "spread the roles over more people, or shorten the role names",
                ));
            }
        }
    }
    for (a, activity) in model.activities.iter().enumerate() {
        let n = joined_len(joined(&mut activity.refs.iter().map(|r| chars(r))));
        if n > MAX_CELL_CHARS {
            found.push(cell(
                format!("the references of activity `{}`, joined,", activity.id),
                n,
                places.activities.get(a).cloned().flatten(),
                "name the clauses and controls the activity evidences, not every one",
            ));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_review_intervals_are_bounded() {
        let d = |y, m, d| Date::new(y, m, d).unwrap();
        assert_eq!(date_problem(d(2026, 1, 15)), None);
        assert_eq!(date_problem(d(1900, 1, 1)), None);
        assert_eq!(date_problem(d(2100, 12, 31)), None);
        assert_eq!(
            date_problem(d(9999, 12, 31)).as_deref(),
            Some("`9999-12-31` is not between 1900-01-01 and 2100-12-31")
        );
        assert!(date_problem(d(1899, 12, 31)).is_some());
        assert_eq!(review_months_problem(12), None);
        assert_eq!(review_months_problem(120), None);
        assert_eq!(
            review_months_problem(4_294_967_295).as_deref(),
            Some("review-months must be between 1 and 120 (ten years), not 4294967295")
        );
        assert!(review_months_problem(0).is_some());
    }
}
