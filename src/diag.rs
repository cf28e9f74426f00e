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

/// Renders diagnostics for a terminal, rustc-style, followed by a summary line.
pub fn render_human(diags: &[Diagnostic], sources: &[SourceFile], fallback: &str) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            d.severity.as_str(),
            d.rule.code,
            d.message
        );
        match d
            .location
            .as_ref()
            .and_then(|l| sources.get(l.file).map(|s| (l, s)))
        {
            Some((loc, src)) => {
                let (line, col) = line_col(&src.text, loc.span.start);
                let text = src.text.lines().nth(line - 1).unwrap_or("");
                let gutter = line.to_string().len();
                let pad = " ".repeat(gutter);
                let _ = writeln!(out, "{pad}--> {}:{line}:{col}", src.path.display());
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{line} | {text}");
                let end = loc.span.end.min(src.text.len()).max(loc.span.start);
                let width = src
                    .text
                    .get(loc.span.start..end)
                    .map(|s| s.lines().next().unwrap_or("").chars().count())
                    .unwrap_or(1)
                    .max(1);
                let caret_pad: String = text
                    .chars()
                    .take(col - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let _ = writeln!(out, "{pad} | {caret_pad}{}", "^".repeat(width));
            }
            None => {
                let _ = writeln!(out, " --> {fallback}");
            }
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  = hint: {hint}");
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
    message: &'a str,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    hint: Option<&'a str>,
}

/// Renders diagnostics as a JSON document `{"diagnostics": [...], "errors": N, "warnings": N}`.
pub fn render_json(diags: &[Diagnostic], sources: &[SourceFile]) -> String {
    let items: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| {
            let located = d.location.as_ref().and_then(|l| {
                sources
                    .get(l.file)
                    .map(|s| (s, line_col(&s.text, l.span.start)))
            });
            JsonDiagnostic {
                severity: d.severity,
                code: d.rule.code,
                rule: d.rule.name,
                message: &d.message,
                file: located.map(|(s, _)| s.path.display().to_string()),
                line: located.map(|(_, (l, _))| l),
                column: located.map(|(_, (_, c))| c),
                hint: d.hint.as_deref(),
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
}
