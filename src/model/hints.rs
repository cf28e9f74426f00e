//! What to tell someone whose model file does not read: messages and hints that fix.
//!
//! Part of loading and validation: `load` hands the TOML parser's and serde's
//! errors here, `validate` asks for id suggestions. Each function turns one
//! kind of problem into our message (what is wrong, lowercase) and a hint that
//! says how to write it instead: "remove the quotes: `left = 2027-02-28`",
//! "February 2026 has 28 days", "did you mean `reports-to`?".

use std::str::FromStr as _;

use toml::value::Datetime;

use crate::date::Date;

/// The first line of a parser message, trimmed, without a trailing period.
pub fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.')
        .to_string()
}

/// The closest of `candidates` to a misspelt `wrong`, if one is close enough:
/// the same words in another case or with `_` for `-` (`reports_to`,
/// `reportsTo`), else the nearest by Jaro-Winkler similarity.
pub fn suggest<'a>(
    wrong: &str,
    candidates: impl Iterator<Item = &'a String>,
) -> Option<&'a String> {
    let candidates: Vec<&String> = candidates.collect();
    let wanted = kebab(wrong);
    if let Some(same) = candidates.iter().find(|c| kebab(c) == wanted) {
        return Some(same);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// `reportsTo`, `Reports_To` and `reports to` all as `reports-to`.
fn kebab(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c == '_' || c == ' ' || c == '-' {
            out.push('-');
            prev_lower = false;
        } else if c.is_uppercase() {
            if prev_lower {
                out.push('-');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

/// The hint for an id that breaks `^[a-z0-9][a-z0-9-]{0,63}$`: the pattern in
/// words, and the id it suggests instead (lowercased, other characters as `-`).
pub fn id_hint(id: &str) -> String {
    let rule = "ids use lowercase letters, digits and `-`, start with a letter or digit and have at most 64 characters";
    match suggested_id(id) {
        Some(s) if s != id => format!("{rule}: for example `{s}`"),
        _ => rule.to_string(),
    }
}

/// `Management_Review` as `management-review`; `None` when nothing is left.
fn suggested_id(id: &str) -> Option<String> {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_end_matches('-').to_string();
    out.truncate(64);
    let out = out.trim_end_matches('-').to_string();
    (!out.is_empty()).then_some(out)
}

/// For text that looks like a date but is none (`2026-02-30`, `2026-13-01`),
/// what is wrong with it: "February 2026 has 28 days".
pub fn date_hint(text: &str) -> Option<String> {
    let date = text.get(..10)?;
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| -> Option<u32> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (year, month, day) = (num(&date[..4])?, num(&date[5..7])?, num(&date[8..10])?);
    if !(1..=12).contains(&month) {
        return Some(format!(
            "a month is 01 to 12; `{date}` has month {month:02}"
        ));
    }
    // The month's length and name, from the calendar of `crate::date`.
    let year = i32::try_from(year).ok()?;
    let month = u8::try_from(month).ok()?;
    let days = (28..=31u8)
        .rev()
        .find(|&d| Date::new(year, month, d).is_some())?;
    if day == 0 || day > u32::from(days) {
        // `check` speaks English; the documents' month names are the locale's.
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let name = MONTHS[usize::from(month) - 1];
        return Some(format!("{name} {year} has {days} days"));
    }
    None
}

/// Whether `s` is a TOML date without time (`2026-01-15`).
fn is_plain_date(s: &str) -> bool {
    Datetime::from_str(s).is_ok_and(|d| d.date.is_some() && d.time.is_none() && d.offset.is_none())
}

/// Whether a syntax error concerns one value only (a date that is none, a
/// bad escape, a key given twice), so that the parser's reading of the rest of
/// the file can be trusted. Anything else (an unclosed bracket or string, a
/// missing `=`) may have changed how the parser read what follows.
pub fn is_local_syntax_error(message: &str) -> bool {
    let m = first_line(message);
    [
        "invalid date",
        "invalid time",
        "invalid offset",
        "duplicate key",
        "missing escaped value",
        "too few unicode value digits",
        "invalid unicode",
    ]
    .iter()
    .any(|p| m.starts_with(p))
}

/// Message and hint for a TOML syntax error over `found` (the text at its
/// span), on a line that starts with `line` (up to the error).
pub fn syntax(message: &str, found: &str, line: &str) -> (String, String) {
    let m = first_line(message);
    let hint = if m.starts_with("invalid date") || m.starts_with("invalid time") {
        date_hint(found).unwrap_or_else(|| "write dates as YYYY-MM-DD, like 2026-01-15".to_string())
    } else if m.starts_with("duplicate key") {
        format!("`{found}` is given twice here; keep one of them")
    } else if m.starts_with("string values must be quoted") {
        let key = line
            .split_once('=')
            .map(|(k, _)| k.trim())
            .filter(|k| !k.is_empty());
        match key {
            // A long value is better left out than copied into the hint.
            Some(key) if !found.trim().is_empty() && !found.contains('"') && found.len() <= 200 => {
                format!(
                    "put the text in double quotes: `{key} = \"{}\"`",
                    found.trim()
                )
            }
            Some(key) => format!("put the text in double quotes: `{key} = \"…\"`"),
            None => "put text in double quotes: `name = \"Alex Morgan\"`".to_string(),
        }
    } else if m.starts_with("invalid basic string") || m.starts_with("invalid literal string") {
        "close the string on the same line (text over several lines goes in \"\"\"triple quotes\"\"\")".to_string()
    } else if m.starts_with("missing escaped value") || m.starts_with("too few unicode") {
        "a backslash starts an escape in a \"string\": write `\\\\` for a backslash, or use a 'literal string'".to_string()
    } else {
        "check quotes, brackets and `key = value` syntax at this position".to_string()
    };
    (format!("invalid TOML ({m})"), hint)
}

/// What a value was, for a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found<'a> {
    /// A string, with its content.
    String(&'a str),
    /// An integer, a float, true or false, a date: with the text as written.
    Scalar(&'static str, &'a str),
    /// A list.
    List,
    /// A table.
    Table,
}

impl Found<'_> {
    /// "a string", "an integer", ...
    pub fn noun(&self) -> &'static str {
        match self {
            Found::String(_) => "a string",
            Found::Scalar(noun, _) => noun,
            Found::List => "a list",
            Found::Table => "a table",
        }
    }
}

/// A value of the wrong type or out of range, as serde reports it.
pub struct ValueError<'a> {
    /// serde's message.
    pub message: &'a str,
    /// The key whose value it is.
    pub key: &'a str,
    /// Whether the value is an entry of a list under `key`.
    pub in_list: bool,
    /// What was written.
    pub found: Found<'a>,
}

/// What serde's "expected ..." means in the words of docs/model.md.
fn expected(message: &str) -> &str {
    let e = message.rsplit_once(", expected ").map_or("", |(_, e)| e);
    match e {
        "a TOML datetime" => "a date",
        "a sequence" => "a list",
        "a boolean" => "`true` or `false`",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number",
        "a map" => "a table",
        e if e.starts_with("struct ") => "a table",
        e => e,
    }
}

/// Message and hint for a value of the wrong type.
pub fn value(e: &ValueError) -> (String, String) {
    let m = first_line(e.message);
    let key = e.key;
    if let Some(rest) = m.strip_prefix("unknown variant `") {
        let (bad, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let options: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        let hint = match suggest(bad, options.iter()) {
            Some(s) => format!("did you mean `{key} = \"{s}\"`?"),
            None => format!(
                "use one of {}",
                options
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        return (format!("`{key}` cannot be `{bad}`"), hint);
    }
    let expected = expected(&m);
    if expected.is_empty() {
        return (
            format!("`{key}`: {m}"),
            format!("see docs/model.md for `{key}`"),
        );
    }
    let what = if e.in_list {
        format!("every entry of `{key}` must be {expected}")
    } else {
        format!("`{key}` must be {expected}")
    };
    let message = if m.starts_with("invalid value") {
        format!("{what}; `{}` is out of range", raw(&e.found))
    } else {
        format!("{what}, not {}", e.found.noun())
    };
    let assign = |v: &str| {
        if e.in_list {
            format!("`{v}`")
        } else {
            format!("`{key} = {v}`")
        }
    };
    let hint = match (expected, e.found) {
        ("a date", Found::String(s)) if is_plain_date(s) => {
            format!("remove the quotes: {}", assign(s))
        }
        ("a date", Found::String(s)) => match date_hint(s) {
            Some(why) => format!(
                "{why}; write the date without quotes, like {}",
                assign("2026-01-15")
            ),
            None => format!("write a date without quotes, like {}", assign("2026-01-15")),
        },
        ("a date", _) => format!("write a date, like {}", assign("2026-01-15")),
        ("a string", Found::Scalar(_, text)) => {
            format!(
                "put the value in double quotes: {}",
                assign(&format!("\"{text}\""))
            )
        }
        ("a string", _) => format!("write text in double quotes: {}", assign("\"…\"")),
        ("a list", Found::String(s)) => {
            format!("write a list, even of one: `{key} = [\"{s}\"]`")
        }
        ("a list", _) => format!("write a list: `{key} = [\"…\"]`"),
        ("`true` or `false`", Found::String(s)) if s == "true" || s == "false" => {
            format!("remove the quotes: {}", assign(s))
        }
        ("`true` or `false`", _) => format!("write {} or {}", assign("true"), assign("false")),
        ("a whole number", Found::String(s))
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("remove the quotes: {}", assign(s))
        }
        ("a whole number", _) => format!("write a whole number, like {}", assign("12")),
        ("a table", _) => {
            format!("write `{key}` as a table: `[{key}]` followed by `key = value` lines")
        }
        _ => format!("see docs/model.md for `{key}`"),
    };
    (message, hint)
}

/// The value as written, for a message.
fn raw<'a>(found: &Found<'a>) -> &'a str {
    match found {
        Found::String(s) | Found::Scalar(_, s) => s,
        Found::List => "[…]",
        Found::Table => "{…}",
    }
}

/// Message and hint for an unknown key, and the known key it suggests
/// instead, from serde's message (which lists the keys of the table).
pub fn unknown_key(
    key: &str,
    table: &str,
    serde_message: &str,
) -> (String, String, Option<String>) {
    let expected = serde_message.split_once("expected").map_or("", |(_, e)| e);
    let candidates: Vec<String> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    let suggested = suggest(key, candidates.iter()).cloned();
    let hint = match &suggested {
        Some(s) => format!("did you mean `{s}`?"),
        None if !candidates.is_empty() => format!(
            "the keys of {table} are {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("{table} takes no keys; remove it"),
    };
    (format!("unknown key `{key}` in {table}"), hint, suggested)
}

/// How a missing key's value is written, by what the loader found to fit.
pub fn missing_key(key: &str, table: &str, example: Option<&str>) -> (String, String) {
    let to = if table.starts_with("[[") {
        format!("this {table} entry")
    } else {
        table.to_string()
    };
    let hint = match example {
        Some(v) => format!("add `{key} = {v}` to {to}"),
        None => format!("add `{key}` to {to} (see docs/model.md)"),
    };
    (format!("missing key `{key}` in {table}"), hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_dates_say_remove_the_quotes() {
        let e = ValueError {
            message: "invalid type: string \"2027-02-28\", expected a TOML datetime",
            key: "left",
            in_list: false,
            found: Found::String("2027-02-28"),
        };
        let (m, h) = value(&e);
        assert_eq!(m, "`left` must be a date, not a string");
        assert_eq!(h, "remove the quotes: `left = 2027-02-28`");
        let e = ValueError {
            found: Found::String("2026-02-30"),
            ..e
        };
        assert_eq!(
            value(&e).1,
            "February 2026 has 28 days; write the date without quotes, like `left = 2026-01-15`"
        );
    }

    #[test]
    fn impossible_dates_say_why() {
        assert_eq!(
            date_hint("2026-02-30").as_deref(),
            Some("February 2026 has 28 days")
        );
        assert_eq!(
            date_hint("2024-02-30").as_deref(),
            Some("February 2024 has 29 days")
        );
        assert_eq!(
            date_hint("2026-04-31").as_deref(),
            Some("April 2026 has 30 days")
        );
        assert_eq!(
            date_hint("2026-13-01").as_deref(),
            Some("a month is 01 to 12; `2026-13-01` has month 13")
        );
        assert_eq!(date_hint("2026-01-31"), None);
        assert_eq!(date_hint("soon"), None);
        let (m, h) = syntax(
            "invalid date, expected day between 01 and 28",
            "2026-02-30",
            "assigned = ",
        );
        assert_eq!(
            m,
            "invalid TOML (invalid date, expected day between 01 and 28)"
        );
        assert_eq!(h, "February 2026 has 28 days");
    }

    #[test]
    fn other_type_errors_say_how_to_write_the_value() {
        let hint = |message, key, in_list, found| {
            value(&ValueError {
                message,
                key,
                in_list,
                found,
            })
        };
        assert_eq!(
            hint(
                "invalid type: integer `3`, expected a string",
                "name",
                false,
                Found::Scalar("an integer", "3")
            ),
            (
                "`name` must be a string, not an integer".to_string(),
                "put the value in double quotes: `name = \"3\"`".to_string()
            )
        );
        assert_eq!(
            hint(
                "invalid type: string \"alex\", expected a sequence",
                "holders",
                false,
                Found::String("alex")
            )
            .1,
            "write a list, even of one: `holders = [\"alex\"]`"
        );
        assert_eq!(
            hint(
                "invalid type: integer `1`, expected a string",
                "holders",
                true,
                Found::Scalar("an integer", "1")
            )
            .0,
            "every entry of `holders` must be a string, not an integer"
        );
        assert_eq!(
            hint(
                "invalid type: string \"true\", expected a boolean",
                "top-management",
                false,
                Found::String("true")
            )
            .1,
            "remove the quotes: `top-management = true`"
        );
        assert_eq!(
            hint(
                "invalid value: integer `-1`, expected u32",
                "review-months",
                false,
                Found::Scalar("an integer", "-1")
            ),
            (
                "`review-months` must be a whole number; `-1` is out of range".to_string(),
                "write a whole number, like `review-months = 12`".to_string()
            )
        );
        assert_eq!(
            hint(
                "unknown variant `a5`, expected `a4` or `us-letter`",
                "paper",
                false,
                Found::String("a5")
            ),
            (
                "`paper` cannot be `a5`".to_string(),
                "use one of `a4`, `us-letter`".to_string()
            )
        );
    }

    #[test]
    fn unknown_keys_suggest_the_closest_known_key() {
        let msg = "unknown field `reports_to`, expected one of `id`, `holders`, `reports-to`";
        assert_eq!(
            unknown_key("reports_to", "[[roles]]", msg),
            (
                "unknown key `reports_to` in [[roles]]".to_string(),
                "did you mean `reports-to`?".to_string(),
                Some("reports-to".to_string())
            )
        );
        assert_eq!(
            unknown_key("reportsTo", "[[roles]]", msg).1,
            "did you mean `reports-to`?"
        );
        assert_eq!(
            unknown_key("holder", "[[roles]]", msg).1,
            "did you mean `holders`?"
        );
        assert_eq!(
            unknown_key("zzz", "[[roles]]", msg).1,
            "the keys of [[roles]] are `id`, `holders`, `reports-to`"
        );
    }

    #[test]
    fn missing_keys_say_what_to_add_where() {
        assert_eq!(
            missing_key("name", "[[people]]", Some("\"…\"")),
            (
                "missing key `name` in [[people]]".to_string(),
                "add `name = \"…\"` to this [[people]] entry".to_string()
            )
        );
        assert_eq!(
            missing_key("effective", "[policy]", Some("2026-01-15")).1,
            "add `effective = 2026-01-15` to [policy]"
        );
    }

    #[test]
    fn ids_are_suggested_in_the_pattern() {
        assert_eq!(
            id_hint("Management_Review"),
            "ids use lowercase letters, digits and `-`, start with a letter or digit and have at most 64 characters: for example `management-review`"
        );
        assert_eq!(suggested_id("-Ops Team-"), Some("ops-team".to_string()));
        assert_eq!(suggested_id("日本"), None);
        assert_eq!(suggested_id(&"a".repeat(70)).map(|s| s.len()), Some(64));
    }

    #[test]
    fn unquoted_text_is_quoted_in_the_hint() {
        let (_, h) = syntax(
            "string values must be quoted, expected literal string",
            "Managing Director",
            "title = ",
        );
        assert_eq!(
            h,
            "put the text in double quotes: `title = \"Managing Director\"`"
        );
    }

    #[test]
    fn local_syntax_errors_are_told_apart() {
        assert!(is_local_syntax_error(
            "invalid date, expected day between 01 and 28"
        ));
        assert!(is_local_syntax_error("duplicate key"));
        assert!(!is_local_syntax_error("unclosed array table, expected `]`"));
        assert!(!is_local_syntax_error("key with no value, expected `=`"));
    }
}
