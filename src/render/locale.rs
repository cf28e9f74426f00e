//! Locales: every word the documents show, per language, from `locales/<lang>.toml`.
//!
//! Part of the render stage. A locale file is a TOML document of nested tables
//! whose leaves are strings, lists of strings (month names) or plural forms
//! (`{ one = "...", other = "..." }`). English and German are built in; a
//! `--templates DIR` may hold `DIR/locales/<lang>.toml`, which overrides the
//! built-in strings of that language one by one, or adds a language of its own.
//! The model chooses the language (`organisation.language`).
//!
//! Strings are CommonMark inline text: they may use `**strong**`, `*emphasis*`
//! and `` `code` ``, and `{name}` placeholders that a template or the code fills
//! with model text, escaped for the document's format by that format's one
//! escape function. [`Locale::fill`] is the one place where that happens.

use std::collections::BTreeMap;
use std::path::Path;

use crate::date::{Date, DateFormat};
use crate::error::{Context as _, Error, Result};

/// The built-in locale files, by language tag.
pub const BUILTIN: &[(&str, &str)] = &[
    ("de", include_str!("../../locales/de.toml")),
    ("en", include_str!("../../locales/en.toml")),
];

/// One leaf of a locale file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A string.
    Text(String),
    /// A list of strings (the month names).
    List(Vec<String>),
    /// Singular and plural, chosen by the `n` argument.
    Plural { one: String, other: String },
}

/// The strings of one language.
#[derive(Debug, Clone)]
pub struct Locale {
    /// The language tag as the model names it (`en`, `de`).
    lang: String,
    /// Every string by its dotted key (`policy.purpose.title`).
    entries: BTreeMap<String, Entry>,
    /// Where the strings come from, for error messages.
    origin: String,
}

impl Locale {
    /// The locale of `lang`: the built-in file, overridden string by string by
    /// `dir/locales/<lang>.toml` when `dir` (a templates directory) has one.
    pub fn load(lang: &str, dir: Option<&Path>) -> Result<Locale> {
        let builtin = BUILTIN.iter().find(|(l, _)| *l == lang).map(|(_, t)| *t);
        let user = match dir {
            Some(dir) => {
                let path = dir.join("locales").join(format!("{lang}.toml"));
                match std::fs::read_to_string(&path) {
                    Ok(text) => Some((path, text)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => {
                        return Err(Error::from(e)
                            .context(format!("failed to read locale `{}`", path.display())));
                    }
                }
            }
            None => None,
        };
        let mut locale = Locale {
            lang: lang.to_string(),
            entries: BTreeMap::new(),
            origin: format!("the built-in locale `{lang}`"),
        };
        if let Some(text) = builtin {
            locale.merge(text, &format!("locales/{lang}.toml (built in)"))?;
        }
        match (user, builtin) {
            (Some((path, text)), _) => {
                let shown = path.display().to_string();
                locale.merge(&text, &shown)?;
                locale.origin = if builtin.is_some() {
                    format!("`{shown}` over the built-in locale `{lang}`")
                } else {
                    format!("`{shown}`")
                };
            }
            (None, Some(_)) => {}
            (None, None) => {
                let known: Vec<&str> = BUILTIN.iter().map(|(l, _)| *l).collect();
                return Err(Error::usage(format!(
                    "no locale for the language `{lang}` (built in: {})",
                    known.join(", ")
                ))
                .hint(format!(
                    "write the strings of `{lang}` to TEMPLATES/locales/{lang}.toml (start from `rolecall templates eject TEMPLATES`, which writes locales/en.toml) and build with --templates TEMPLATES"
                )));
            }
        }
        Ok(locale)
    }

    /// Adds the strings of a locale file, replacing those of the same key.
    fn merge(&mut self, text: &str, shown: &str) -> Result<()> {
        let table: toml::Table = toml::from_str(text)
            .map_err(|e| Error::new(format!("`{shown}` is not a valid locale file ({e})")))?;
        let mut problems = Vec::new();
        flatten("", &table, &mut self.entries, &mut problems);
        if let Some(first) = problems.first() {
            return Err(Error::new(format!(
                "`{shown}` is not a valid locale file ({first})"
            ))
            .hint("a locale file holds tables of strings, lists of strings and `{ one = \"...\", other = \"...\" }` plural forms"));
        }
        Ok(())
    }

    /// The language tag the model chose (`en`, `de`).
    pub fn lang(&self) -> &str {
        &self.lang
    }

    /// The BCP 47 tag documents declare (`locale.tag`: HTML `lang`, Typst `lang`).
    pub fn tag(&self) -> &str {
        match self.entries.get("locale.tag") {
            Some(Entry::Text(t)) => t,
            _ => &self.lang,
        }
    }

    fn entry(&self, key: &str) -> Result<&Entry> {
        self.entries.get(key).ok_or_else(|| {
            Error::new(format!("no string `{key}` in {}", self.origin)).hint(format!(
                "add `{}` to the locale file (the built-in locales/en.toml, written by `rolecall templates eject DIR`, has every key)",
                key
            ))
        })
    }

    /// A string without placeholders.
    pub fn text(&self, key: &str) -> Result<&str> {
        match self.entry(key)? {
            Entry::Text(t) => Ok(t),
            _ => Err(Error::new(format!(
                "`{key}` in {} is not a plain string",
                self.origin
            ))),
        }
    }

    /// A list of strings.
    pub fn list(&self, key: &str) -> Result<&[String]> {
        match self.entry(key)? {
            Entry::List(l) => Ok(l),
            _ => Err(Error::new(format!(
                "`{key}` in {} is not a list of strings",
                self.origin
            ))),
        }
    }

    /// The string `key` with its `{name}` placeholders filled from `args`, each
    /// value passed through `escape` (the document format's escape function).
    /// A plural form is chosen by the argument `n`.
    pub fn fill(
        &self,
        key: &str,
        args: &[(&str, &str)],
        escape: impl Fn(&str) -> String,
    ) -> Result<String> {
        let template = match self.entry(key)? {
            Entry::Text(t) => t.as_str(),
            Entry::Plural { one, other } => {
                let n = args.iter().find(|(k, _)| *k == "n").map(|(_, v)| *v);
                match n {
                    Some("1") => one.as_str(),
                    Some(_) => other.as_str(),
                    None => {
                        return Err(Error::new(format!(
                            "`{key}` in {} has plural forms, but no `n` was given",
                            self.origin
                        )));
                    }
                }
            }
            Entry::List(_) => {
                return Err(Error::new(format!(
                    "`{key}` in {} is a list, not a string",
                    self.origin
                )));
            }
        };
        fill(template, args, escape)
            .map_err(|e| Error::new(format!("`{key}` in {}: {e}", self.origin)))
    }

    /// A string filled with unescaped values, for plain-text outputs (CSV cells,
    /// sheet names, PDF metadata) and for values that are plain already.
    pub fn plain(&self, key: &str, args: &[(&str, &str)]) -> Result<String> {
        self.fill(key, args, str::to_string)
    }

    /// A date as documents write it: `date.long` with `date.months`, or ISO.
    pub fn date(&self, date: Date, format: DateFormat) -> Result<String> {
        match format {
            DateFormat::Iso => Ok(date.to_string()),
            DateFormat::Long => {
                let months = self.list("date.months")?;
                let month = months.get(usize::from(date.month()) - 1).with_context(|| {
                    format!("`date.months` in {} needs 12 month names", self.origin)
                })?;
                self.plain(
                    "date.long",
                    &[
                        ("day", &date.day().to_string()),
                        ("month", month),
                        ("year", &date.year().to_string()),
                    ],
                )
            }
        }
    }

    /// Every key, for `templates eject` and for checking a locale's completeness.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }
}

/// Flattens a locale table into dotted keys.
fn flatten(
    prefix: &str,
    table: &toml::Table,
    out: &mut BTreeMap<String, Entry>,
    problems: &mut Vec<String>,
) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let strings = |a: &toml::value::Array| -> Option<Vec<String>> {
            a.iter().map(|v| v.as_str().map(str::to_string)).collect()
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, Entry::Text(s.clone()));
            }
            toml::Value::Array(a) => match strings(a) {
                Some(list) => {
                    out.insert(key, Entry::List(list));
                }
                None => problems.push(format!("`{key}` must be a list of strings")),
            },
            toml::Value::Table(t)
                if t.len() == 2
                    && t.get("one").is_some_and(toml::Value::is_str)
                    && t.get("other").is_some_and(toml::Value::is_str) =>
            {
                let get = |k: &str| t[k].as_str().unwrap_or_default().to_string();
                out.insert(
                    key,
                    Entry::Plural {
                        one: get("one"),
                        other: get("other"),
                    },
                );
            }
            toml::Value::Table(t) => flatten(&key, t, out, problems),
            _ => problems.push(format!("`{key}` must be a string")),
        }
    }
}

/// Fills `{name}` placeholders of `template`; a `{` not followed by a name and
/// `}` is literal. Every placeholder must have a value; a value the string does
/// not use is fine (a translation may leave a fact out).
fn fill(
    template: &str,
    args: &[(&str, &str)],
    escape: impl Fn(&str) -> String,
) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            let name = &after[..name_len];
            match args.iter().position(|(k, _)| *k == name) {
                Some(i) => out.push_str(&escape(args[i].1)),
                None => return Err(format!("no value for the placeholder `{{{name}}}`")),
            }
            rest = &after[name_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(text: &str) -> Locale {
        let mut l = Locale {
            lang: "xx".into(),
            entries: BTreeMap::new(),
            origin: "test".into(),
        };
        l.merge(text, "test").unwrap();
        l
    }

    #[test]
    fn fills_placeholders_with_escaped_values() {
        let l = locale("[a]\nb = \"At {org}: **{role}** {x\"\n");
        let got = l
            .fill("a.b", &[("org", "A*B"), ("role", "R")], |s| {
                s.replace('*', "\\*")
            })
            .unwrap();
        assert_eq!(got, "At A\\*B: **R** {x");
    }

    #[test]
    fn plurals_follow_n() {
        let l = locale("m = { one = \"{n} month\", other = \"{n} months\" }\n");
        assert_eq!(l.plain("m", &[("n", "1")]).unwrap(), "1 month");
        assert_eq!(l.plain("m", &[("n", "12")]).unwrap(), "12 months");
        assert!(l.plain("m", &[]).is_err());
    }

    #[test]
    fn missing_keys_and_placeholders_are_errors() {
        let l = locale("a = \"{who} signs\"\n");
        assert!(l.text("b").unwrap_err().message().contains("no string `b`"));
        assert!(l.plain("a", &[]).is_err());
        assert_eq!(
            l.plain("a", &[("who", "x"), ("extra", "y")]).unwrap(),
            "x signs"
        );
    }

    #[test]
    fn builtin_locales_have_the_same_keys() {
        let en = Locale::load("en", None).unwrap();
        let de = Locale::load("de", None).unwrap();
        let en_keys: Vec<&str> = en.keys().collect();
        let de_keys: Vec<&str> = de.keys().collect();
        let missing: Vec<&&str> = en_keys.iter().filter(|k| !de_keys.contains(k)).collect();
        let extra: Vec<&&str> = de_keys.iter().filter(|k| !en_keys.contains(k)).collect();
        assert!(missing.is_empty(), "de lacks {missing:?}");
        assert!(extra.is_empty(), "de has extra {extra:?}");
    }

    #[test]
    fn dates_follow_the_language() {
        let d = Date::parse("2026-04-30").unwrap();
        let en = Locale::load("en", None).unwrap();
        let de = Locale::load("de", None).unwrap();
        assert_eq!(en.date(d, DateFormat::Long).unwrap(), "30 April 2026");
        assert_eq!(de.date(d, DateFormat::Long).unwrap(), "30. April 2026");
        assert_eq!(de.date(d, DateFormat::Iso).unwrap(), "2026-04-30");
        let march = Date::parse("2026-03-01").unwrap();
        assert_eq!(de.date(march, DateFormat::Long).unwrap(), "1. März 2026");
    }

    #[test]
    fn unknown_language_is_a_usage_error_with_a_hint() {
        let e = Locale::load("fr", None).unwrap_err();
        assert!(e.is_usage());
        assert!(e.hints()[0].contains("locales/fr.toml"), "{e:?}");
    }
}
