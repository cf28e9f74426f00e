//! The HR directory check: a model's people against an export of the HR system.
//!
//! Beside the pipeline: `rolecall check MODEL --roster FILE.csv` reads the CSV
//! export ([`read`], a header row, then one row per person) with the columns
//! [`Columns`] names (presets for BambooHR's and Personio's exports, or
//! `KEY=COLUMN` pairs), and [`diagnostics`] matches each member of staff of the
//! model with a row (by id, then e-mail, then name) and reports role holders HR
//! does not list (RC120) or lists as left (RC121), and active people of the
//! export the model lacks (RC122). People of external parties are not staff and
//! are not looked for. The export becomes a source file of the run, so that a
//! finding about one of its rows shows that row.

use std::path::Path;
use std::str::FromStr;

use crate::date::Date;
use crate::diag::{Diagnostic, Location, SourceFile};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::rules;

/// Largest roster rolecall reads.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// What a column of the export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Id,
    Email,
    Name,
    FirstName,
    LastName,
    Left,
    Status,
}

impl Key {
    const ALL: [(Key, &'static str); 7] = [
        (Key::Id, "id"),
        (Key::Email, "email"),
        (Key::Name, "name"),
        (Key::FirstName, "first-name"),
        (Key::LastName, "last-name"),
        (Key::Left, "left"),
        (Key::Status, "status"),
    ];
}

/// Which header names hold what, each key with the names tried in turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns {
    names: Vec<(Key, Vec<String>)>,
}

/// BambooHR's field names, as its reports and exports head their columns.
const BAMBOOHR: &[(Key, &[&str])] = &[
    (Key::Id, &["Employee #"]),
    (Key::FirstName, &["First Name"]),
    (Key::LastName, &["Last Name"]),
    (Key::Email, &["Work Email"]),
    (Key::Status, &["Status"]),
    (Key::Left, &["Termination Date"]),
];

/// Personio's preset attributes, as its exports head their columns (English
/// account language; "End of employment" is the preset attribute's label,
/// "Termination date" its name in reports).
const PERSONIO: &[(Key, &[&str])] = &[
    (Key::Id, &["ID"]),
    (Key::FirstName, &["First name"]),
    (Key::LastName, &["Last name"]),
    (Key::Email, &["Email"]),
    (Key::Status, &["Status"]),
    (Key::Left, &["Termination date", "End of employment"]),
];

impl Default for Columns {
    /// rolecall's own names: `id`, `email`, `name`, `first-name`, `last-name`,
    /// `left`, `status` (as the model's keys).
    fn default() -> Columns {
        Columns {
            names: Key::ALL
                .iter()
                .map(|&(k, n)| (k, vec![n.to_string()]))
                .collect(),
        }
    }
}

impl FromStr for Columns {
    type Err = String;

    /// `bamboohr`, `personio`, or `KEY=COLUMN` pairs separated by commas
    /// (`email=Work Email,left=Termination Date`); keys not given keep
    /// rolecall's own column names.
    fn from_str(s: &str) -> std::result::Result<Columns, String> {
        let preset = |table: &[(Key, &[&str])]| Columns {
            names: table
                .iter()
                .map(|&(k, ns)| (k, ns.iter().map(|n| n.to_string()).collect()))
                .collect(),
        };
        match s.trim().to_ascii_lowercase().as_str() {
            "bamboohr" => return Ok(preset(BAMBOOHR)),
            "personio" => return Ok(preset(PERSONIO)),
            _ => {}
        }
        let mut cols = Columns::default();
        for pair in s.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((key, column)) = pair.split_once('=') else {
                return Err(format!(
                    "`{pair}` is not KEY=COLUMN (for example `email=Work Email`), nor `bamboohr` or `personio`"
                ));
            };
            let key = key.trim().to_ascii_lowercase();
            let Some(&(k, _)) = Key::ALL.iter().find(|(_, n)| *n == key) else {
                let keys: Vec<&str> = Key::ALL.iter().map(|(_, n)| *n).collect();
                return Err(format!(
                    "unknown roster column key `{key}` (the keys are {})",
                    keys.join(", ")
                ));
            };
            let column = column.trim().to_string();
            if column.is_empty() {
                return Err(format!("`{pair}` names no column"));
            }
            for (kk, names) in &mut cols.names {
                if *kk == k {
                    *names = vec![column.clone()];
                }
            }
        }
        Ok(cols)
    }
}

/// One person of the export.
#[derive(Debug, Clone)]
struct Row {
    /// Byte range of the row in the file's text.
    span: std::ops::Range<usize>,
    id: Option<String>,
    email: Option<String>,
    name: Option<String>,
    left: Option<Date>,
    status: Option<String>,
}

impl Row {
    /// Whether HR records the person as gone by `date`.
    fn has_left(&self, date: Date) -> bool {
        self.left.is_some_and(|l| l <= date)
            || self
                .status
                .as_deref()
                .is_some_and(|s| LEFT_STATUSES.contains(&normal(s).as_str()))
    }

    /// Whether the person has not started yet (Personio's `Onboarding`).
    fn is_onboarding(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| ONBOARDING_STATUSES.contains(&normal(s).as_str()))
    }
}

/// Status values (lowercase) meaning the person has left: BambooHR's and
/// Personio's `Inactive`, and the usual words in English and German.
const LEFT_STATUSES: &[&str] = &[
    "inactive",
    "terminated",
    "left",
    "former",
    "former employee",
    "inaktiv",
    "ausgeschieden",
];

/// Status values meaning the person has not started yet.
const ONBOARDING_STATUSES: &[&str] = &["onboarding", "pre-hire", "hired"];

/// An export read into rows, and its text as a source file.
#[derive(Debug)]
pub struct Roster {
    /// The file, for showing diagnostics at its rows.
    pub source: SourceFile,
    rows: Vec<Row>,
}

/// Lowercase, with runs of white space as one space.
fn normal(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A date as HR systems export it: `2026-03-31`, `31.03.2026` (German), or
/// `03/31/2026` (US, BambooHR's default).
fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Some(d) = Date::parse(s) {
        return Some(d);
    }
    let num = |p: &str| p.parse::<u32>().ok();
    let (d, m, y) = if let [d, m, y] = s.split('.').collect::<Vec<_>>()[..] {
        (num(d)?, num(m)?, num(y)?)
    } else if let [m, d, y] = s.split('/').collect::<Vec<_>>()[..] {
        (num(d)?, num(m)?, num(y)?)
    } else {
        return None;
    };
    if !(1000..=9999).contains(&y) {
        return None;
    }
    Date::new(
        i32::try_from(y).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(d).ok()?,
    )
}

/// Reads the export at `path`: UTF-8 (a byte-order mark is skipped), comma-,
/// semicolon- or tab-separated (whichever the header row uses most), with a
/// header row naming the columns.
pub fn read(path: &Path, columns: &Columns) -> Result<Roster> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::usage(format!("cannot read the roster `{shown}` ({e})")))?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(Error::usage(format!(
            "the roster `{shown}` is not a regular file of at most {MAX_BYTES} bytes"
        ))
        .hint("export the HR directory as CSV and pass that file"));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Error::usage(format!("cannot read the roster `{shown}` ({e})")))?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        Error::usage(format!(
            "the roster `{shown}` is not UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
        .hint("export it as CSV in UTF-8 (in Excel: CSV UTF-8)")
    })?;
    // Kept as a space so that byte offsets stay those of the file.
    if text.starts_with('\u{feff}') {
        text.replace_range(..3, "   ");
    }
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| first.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::usage(format!("cannot read the roster `{shown}` ({e})")))?
        .iter()
        .map(normal)
        .collect();
    let index = |key: Key| -> Option<usize> {
        let names = &columns.names.iter().find(|(k, _)| *k == key)?.1;
        names
            .iter()
            .find_map(|n| header.iter().position(|h| *h == normal(n)))
    };
    let at: Vec<(Key, Option<usize>)> = Key::ALL.iter().map(|&(k, _)| (k, index(k))).collect();
    let col = |k: Key| at.iter().find(|(x, _)| *x == k).and_then(|(_, i)| *i);
    let named =
        col(Key::Name).is_some() || col(Key::FirstName).is_some() || col(Key::LastName).is_some();
    if col(Key::Id).is_none() && col(Key::Email).is_none() && !named {
        let found: Vec<String> = header.iter().take(12).map(|h| format!("`{h}`")).collect();
        return Err(Error::usage(format!(
            "the roster `{shown}` has no column for id, e-mail or name (its columns: {})",
            found.join(", ")
        ))
        .hint("name the columns with --roster-columns: `bamboohr`, `personio`, or pairs such as `email=Work Email,name=Full Name,left=Termination Date`"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| Error::usage(format!("cannot read the roster `{shown}` ({e})")))?;
        // A record's position may be the line break before it (CRLF files).
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while text[start..].starts_with(['\r', '\n']) {
            start += 1;
        }
        let end = text[start..]
            .find(['\r', '\n'])
            .map_or(text.len(), |i| start + i);
        let get = |k: Key| {
            col(k)
                .and_then(|i| record.get(i))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let name = get(Key::Name).or_else(|| {
            let parts: Vec<String> = [get(Key::FirstName), get(Key::LastName)]
                .into_iter()
                .flatten()
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        let left = match get(Key::Left) {
            Some(v) => Some(parse_date(&v).ok_or_else(|| {
                let line = text[..start].matches('\n').count() + 1;
                Error::usage(format!(
                    "the roster `{shown}`, line {line}: `{}` is not a date",
                    crate::term::printable(&v)
                ))
                .hint("write dates as 2026-03-31, 31.03.2026 or 03/31/2026")
            })?),
            None => None,
        };
        if get(Key::Id).is_none() && get(Key::Email).is_none() && name.is_none() {
            continue;
        }
        rows.push(Row {
            span: start..end.max(start + 1).min(text.len()),
            id: get(Key::Id),
            email: get(Key::Email),
            name,
            left,
            status: get(Key::Status),
        });
    }
    Ok(Roster {
        source: SourceFile {
            path: path.to_path_buf(),
            rel: shown,
            text,
        },
        rows,
    })
}

/// The findings of comparing `model`'s staff with `roster`, whose text is the
/// run's source file number `file`. Warnings the model's `[lint] allow` names are left out.
pub fn diagnostics(model: &Model, roster: &Roster, file: usize) -> Vec<Diagnostic> {
    let rows = &roster.rows;
    let row_at = |i: usize| {
        Some(Location {
            file,
            span: rows[i].span.clone(),
        })
    };
    // Each member of staff with the row that is theirs: by id, else e-mail, else name.
    let find = |p: &crate::model::Person| -> Option<usize> {
        let same =
            |a: &Option<String>, b: &str| a.as_deref().is_some_and(|a| normal(a) == normal(b));
        rows.iter()
            .position(|r| same(&r.id, &p.id))
            .or_else(|| {
                p.email
                    .as_deref()
                    .and_then(|e| rows.iter().position(|r| same(&r.email, e)))
            })
            .or_else(|| rows.iter().position(|r| same(&r.name, &p.name)))
    };
    let mut matched = vec![false; rows.len()];
    let mut out = Vec::new();
    for (p, person) in model.active_staff() {
        let holds: Vec<&str> = model
            .roles
            .iter()
            .filter(|r| !r.all_staff && (r.holders.contains(&p) || r.deputies.contains(&p)))
            .map(|r| r.id.as_str())
            .collect();
        match find(person) {
            Some(i) => {
                matched[i] = true;
                if rows[i].has_left(model.date) {
                    let how = match rows[i].left {
                        Some(l) if l <= model.date => format!("with the end date {l}"),
                        _ => format!(
                            "with the status `{}`",
                            rows[i].status.as_deref().unwrap_or_default()
                        ),
                    };
                    let what = if holds.is_empty() {
                        "is active staff in the model".to_string()
                    } else {
                        format!("holds {}", list(&holds))
                    };
                    out.push(
                        Diagnostic::new(
                            &rules::ROSTER_HOLDER_LEFT,
                            format!(
                                "`{}` {what}, but the HR export lists them as left ({how})",
                                person.id
                            ),
                        )
                        .at(person.location.clone())
                        .label(row_at(i), "the HR export's row")
                        .hint("set `left` to their last day and give their roles to current people"),
                    );
                }
            }
            None if !holds.is_empty() => out.push(
                Diagnostic::new(
                    &rules::ROSTER_HOLDER_MISSING,
                    format!(
                        "`{}` ({}) holds {}, but the HR export has no row with their id, e-mail or name",
                        person.id, person.name, list(&holds)
                    ),
                )
                .at(person.location.clone())
                .hint("correct the person's id, `email` or name to match the HR system, or find out why HR does not list them"),
            ),
            None => {}
        }
    }
    // People of external parties are not in the HR system, but an export may list them.
    for (p, person) in model.people.iter().enumerate() {
        if person.party.is_some() || !person.active {
            if let Some(i) = find(&model.people[p]) {
                matched[i] = true;
            }
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if matched[i] || row.has_left(model.date) || row.is_onboarding() {
            continue;
        }
        let who = row
            .name
            .as_deref()
            .or(row.email.as_deref())
            .or(row.id.as_deref())
            .unwrap_or_default();
        out.push(
            Diagnostic::new(
                &rules::ROSTER_STAFF_MISSING,
                format!("{who} is active in the HR export but not in the model"),
            )
            .at(row_at(i))
            .hint("add them under [[people]] (they sign the all-staff acknowledgement), or mark them as left in the HR system"),
        );
    }
    out.retain(|d| d.is_error() || !model.allow.contains(d.rule.code));
    out
}

/// `role `a``, `roles `a` and `b``.
fn list(roles: &[&str]) -> String {
    let quoted: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
    match quoted.len() {
        1 => format!("role {}", quoted[0]),
        _ => format!("roles {}", quoted.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_formats_hr_systems_export() {
        let d = Date::new(2026, 3, 31);
        assert_eq!(parse_date("2026-03-31"), d);
        assert_eq!(parse_date("31.03.2026"), d);
        assert_eq!(parse_date("03/31/2026"), d);
        for bad in ["31/03/2026", "2026/03/31", "31.3.26", "tomorrow", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn columns_from_presets_and_pairs() {
        let b: Columns = "BambooHR".parse().unwrap();
        assert!(
            b.names
                .contains(&(Key::Email, vec!["Work Email".to_string()]))
        );
        let p: Columns = "personio".parse().unwrap();
        assert!(p.names.contains(&(
            Key::Left,
            vec!["Termination date".into(), "End of employment".into()]
        )));
        let c: Columns = "email = Mail, left=Exit date".parse().unwrap();
        assert!(c.names.contains(&(Key::Email, vec!["Mail".to_string()])));
        assert!(c.names.contains(&(Key::Id, vec!["id".to_string()])));
        assert!(
            "mail=Mail"
                .parse::<Columns>()
                .unwrap_err()
                .contains("unknown roster column key")
        );
        assert!("email".parse::<Columns>().is_err());
        assert!("email=".parse::<Columns>().is_err());
    }
}
