//! Diagnostics: what validation found, where, and what to do about it.
//!
//! Loading and validation collect every problem as a [`Diagnostic`]; commands
//! render them all at once, rustc-style for people ([`render_human`]) or as JSON
//! for CI ([`render_json`]), and fail once at the end.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;

use crate::rules::{Rule, Severity};

/// One source file of the model, kept for locating diagnostics and for the
/// bundle's copy of the model.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user can open it (relative to the working directory when given so).
    pub path: PathBuf,
    /// The path relative to the model root, with `/` separators (`roles.toml`, `teams/ops.toml`).
    pub rel: String,
    /// The file's text.
    pub text: String,
}

/// A place in a model file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Index into the model's source files.
    pub file: usize,
    /// Byte range in that file.
    pub span: Range<usize>,
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// The rule that raised it.
    pub rule: &'static Rule,
    /// Severity (the rule's default).
    pub severity: Severity,
    /// What is wrong: lowercase, no trailing period.
    pub message: String,
    /// Where, when it has a place in a file.
    pub location: Option<Location>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A finding of `rule` with its default severity.
    pub fn new(rule: &'static Rule, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.severity,
            message: message.into(),
            location: None,
            hint: None,
        }
    }

    /// Attaches a location.
    pub fn at(mut self, location: Option<Location>) -> Diagnostic {
        self.location = location;
        self
    }

    /// Attaches a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Line and column (both 1-based, column in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Most characters of a source line shown under a diagnostic.
const MAX_SHOWN_LINE: usize = 120;
/// Most characters of a `quoted` value shown in a message or hint.
const MAX_SHOWN_VALUE: usize = 80;
/// Most characters of a message or hint shown.
const MAX_SHOWN_MESSAGE: usize = 1000;

/// Line starts of each source, computed once per rendering: a model with
/// thousands of findings would otherwise be rescanned from the start for each.
struct LineIndex<'a> {
    sources: &'a [SourceFile],
    starts: Vec<Option<Vec<usize>>>,
}

impl<'a> LineIndex<'a> {
    fn new(sources: &'a [SourceFile]) -> LineIndex<'a> {
        LineIndex {
            sources,
            starts: vec![None; sources.len()],
        }
    }

    /// The file of `loc`, its line and column (1-based, as [`line_col`]) and
    /// the text of that line.
    fn locate(&mut self, loc: &Location) -> Option<(&'a SourceFile, usize, usize, &'a str)> {
        let src = self.sources.get(loc.file)?;
        let text = src.text.as_str();
        let starts = self.starts[loc.file].get_or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let offset = floor_char_boundary(text, loc.span.start.min(text.len()));
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        let end = starts.get(line).map_or(text.len(), |&next| next - 1);
        let col = text[start..offset].chars().count() + 1;
        let shown = &text[start..end];
        Some((src, line, col, shown.strip_suffix('\r').unwrap_or(shown)))
    }
}

/// At most [`MAX_SHOWN_LINE`] characters of `line` around column `col`, with
/// `…` where it is cut; the column within what is shown; and how many of the
/// line's characters are shown from there on (the room for carets).
fn window(line: &str, col: usize) -> (String, usize, usize) {
    let n = line.chars().count();
    if n <= MAX_SHOWN_LINE {
        return (line.to_string(), col, (n + 1).saturating_sub(col).max(1));
    }
    let first = (col - 1)
        .saturating_sub(MAX_SHOWN_LINE / 3)
        .min(n - MAX_SHOWN_LINE);
    let mut shown = String::new();
    if first > 0 {
        shown.push('…');
    }
    shown.extend(line.chars().skip(first).take(MAX_SHOWN_LINE));
    if first + MAX_SHOWN_LINE < n {
        shown.push('…');
    }
    let at = col - first + usize::from(first > 0);
    let room = (first + MAX_SHOWN_LINE + 1).saturating_sub(col).max(1);
    (shown, at, room)
}

/// A message or hint as shown: a value from the model quoted in it can be
/// megabytes long, so long `quoted` parts and long texts are shortened.
fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    let long = |s: &str, max: usize| s.chars().nth(max).is_some();
    let quoted_long = text
        .split('`')
        .skip(1)
        .step_by(2)
        .any(|q| long(q, MAX_SHOWN_VALUE));
    if !quoted_long && !long(text, MAX_SHOWN_MESSAGE) {
        return text.into();
    }
    let mut out: String = text
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && long(part, MAX_SHOWN_VALUE) {
                part.chars().take(MAX_SHOWN_VALUE).chain(['…']).collect()
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`");
    if long(&out, MAX_SHOWN_MESSAGE) {
        out = out.chars().take(MAX_SHOWN_MESSAGE).chain(['…']).collect();
    }
    out.into()
}

/// Renders diagnostics for a terminal, rustc-style, followed by a summary line.
pub fn render_human(diags: &[Diagnostic], sources: &[SourceFile], fallback: &str) -> String {
    let mut out = String::new();
    let mut index = LineIndex::new(sources);
    for d in diags {
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            d.severity.as_str(),
            d.rule.code,
            clip(&d.message)
        );
        match d
            .location
            .as_ref()
            .and_then(|l| Some((l, index.locate(l)?)))
        {
            Some((loc, (src, line, col, full))) => {
                let (text, at, room) = window(full, col);
                let gutter = line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(out, "{pad}--> {}:{line}:{col}", src.path.display());
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{line} | {text}");
                let end = loc.span.end.min(src.text.len()).max(loc.span.start);
                let width = src
                    .text
                    .get(loc.span.start..end)
                    .map(|s| s.lines().next().unwrap_or("").chars().take(room).count())
                    .unwrap_or(1)
                    .max(1);
                let caret_pad: String = text
                    .chars()
                    .take(at - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "{pad} | {caret_pad}{}", "^".repeat(width));
            }
            None => {
                let _ = writeln!(out, " --> {fallback}");
            }
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  = hint: {}", clip(hint));
        }
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let _ = writeln!(out, "{}", summary(errors, warnings));
    out
}

/// `2 errors, 1 warning`, or `no problems found`.
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, 0) => "no problems found".to_string(),
        (0, w) => plural(w, "warning"),
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    rule: &'a str,
    message: std::borrow::Cow<'a, str>,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    hint: Option<std::borrow::Cow<'a, str>>,
}

/// Renders diagnostics as a JSON document `{"diagnostics": [...], "errors": N, "warnings": N}`.
pub fn render_json(diags: &[Diagnostic], sources: &[SourceFile]) -> String {
    let mut index = LineIndex::new(sources);
    let items: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| {
            let located = d.location.as_ref().and_then(|l| index.locate(l));
            JsonDiagnostic {
                severity: d.severity,
                code: d.rule.code,
                rule: d.rule.name,
                message: clip(&d.message),
                file: located.map(|(s, ..)| s.path.display().to_string()),
                line: located.map(|(_, l, ..)| l),
                column: located.map(|(_, _, c, _)| c),
                hint: d.hint.as_deref().map(clip),
            }
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let doc = serde_json::json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": diags.len() - errors,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        let off = text.find('"').unwrap();
        assert_eq!(line_col(text, off), (2, 6));
        assert_eq!(line_col(text, 10_000), (3, 1));
    }

    #[test]
    fn renders_location_caret_and_hint() {
        let src = SourceFile {
            path: "m/roles.toml".into(),
            rel: "roles.toml".into(),
            text: "[[roles]]\nid = \"isms-manger\"\n".into(),
        };
        let start = src.text.find("\"isms").unwrap();
        let d = Diagnostic::new(&rules::UNKNOWN_REFERENCE, "unknown role `isms-manger`")
            .at(Some(Location {
                file: 0,
                span: start..start + 13,
            }))
            .hint("did you mean `isms-manager`?");
        let out = render_human(&[d], &[src], "m");
        assert!(
            out.contains("error[RC012]: unknown role `isms-manger`"),
            "{out}"
        );
        assert!(out.contains("--> m/roles.toml:2:6"), "{out}");
        assert!(out.contains("2 | id = \"isms-manger\""), "{out}");
        assert!(out.contains("  |      ^^^^^^^^^^^^^"), "{out}");
        assert!(
            out.contains("= hint: did you mean `isms-manager`?"),
            "{out}"
        );
        assert!(out.trim_end().ends_with("1 error"), "{out}");
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let text = "a = 1\r\nbé = \"x\"\n\nlast";
        let sources = [SourceFile {
            path: "m.toml".into(),
            rel: "m.toml".into(),
            text: text.into(),
        }];
        let mut index = LineIndex::new(&sources);
        for offset in 0..=text.len() + 3 {
            let loc = Location {
                file: 0,
                span: offset..offset,
            };
            let (_, line, col, shown) = index.locate(&loc).unwrap();
            assert_eq!((line, col), line_col(text, offset), "offset {offset}");
            assert_eq!(shown, text.lines().nth(line - 1).unwrap_or(""), "{offset}");
        }
    }

    #[test]
    fn long_lines_and_values_are_shortened() {
        let long = format!("id = \"{}\"", "z".repeat(1_000_000));
        let src = SourceFile {
            path: "m.toml".into(),
            rel: "m.toml".into(),
            text: format!("{long}\n"),
        };
        let d = Diagnostic::new(
            &rules::UNKNOWN_REFERENCE,
            format!("unknown person `{}`", "z".repeat(1_000_000)),
        )
        .at(Some(Location {
            file: 0,
            span: 500_000..1_000_007,
        }))
        .hint(format!("did you mean `{}`?", "y".repeat(5000)));
        let out = render_human(std::slice::from_ref(&d), std::slice::from_ref(&src), "m");
        assert!(out.len() < 2000, "{} bytes", out.len());
        assert!(
            out.contains(&format!("unknown person `{}…`", "z".repeat(80))),
            "{out}"
        );
        assert!(out.contains("--> m.toml:1:500001"), "{out}");
        assert!(out.contains(&format!("1 | …{}…", "z".repeat(120))), "{out}");
        assert!(
            out.contains(&format!(" | {}{}\n", " ".repeat(41), "^".repeat(80))),
            "{out}"
        );
        let json = render_json(&[d], &[src]);
        assert!(json.len() < 2000, "{} bytes", json.len());
        assert!(json.contains("\"column\": 500001"), "{json}");
    }
}
