//! Diagnostics: what validation found, where, and what to do about it.
//!
//! Loading and validation collect every problem as a [`Diagnostic`] (one per
//! root cause: see docs/rules.md); commands render them all at once and fail
//! once at the end. The renderers: [`human`] (rustc-style, through
//! annotate-snippets, for people), [`json`], [`sarif`] (SARIF 2.1.0 for code
//! scanning) and [`github`] (GitHub Actions workflow commands). Every piece of
//! model text a renderer shows goes through `crate::term::printable`.

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;

use std::ops::Range;
use std::path::PathBuf;

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

/// A second place a diagnostic points at, with what it is ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub location: Location,
    /// What is there: lowercase, no trailing period.
    pub message: String,
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
    /// Other places that explain it, shown as secondary labels.
    pub labels: Vec<Label>,
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
            labels: Vec::new(),
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

    /// Adds a secondary label at `location` (nothing when there is none).
    pub fn label(mut self, location: Option<Location>, message: impl Into<String>) -> Diagnostic {
        if let Some(location) = location {
            self.labels.push(Label {
                location,
                message: message.into(),
            });
        }
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

/// Most characters of a `quoted` value shown in a message or hint.
const MAX_SHOWN_VALUE: usize = 80;
/// Most characters of a message or hint shown.
const MAX_SHOWN_MESSAGE: usize = 1000;

/// Where a [`Location`] is, in the terms people and CI tools use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Located<'a> {
    /// The file.
    pub src: &'a SourceFile,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column (in characters) of the start.
    pub col: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column (in characters) just after the end, as SARIF counts.
    pub end_col: usize,
    /// Byte offset in the file where the start's line begins.
    pub line_start: usize,
    /// The text of the start's line, without its line break.
    pub text: &'a str,
}

/// Line starts of each source, computed once per rendering: a model with
/// thousands of findings would otherwise be rescanned from the start for each.
pub(crate) struct LineIndex<'a> {
    sources: &'a [SourceFile],
    starts: Vec<Option<Vec<usize>>>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(sources: &'a [SourceFile]) -> LineIndex<'a> {
        LineIndex {
            sources,
            starts: vec![None; sources.len()],
        }
    }

    /// Line (1-based), the line's start offset and the column (1-based, in
    /// characters) of `offset` in file `file`.
    fn position(&mut self, file: usize, offset: usize) -> (usize, usize, usize) {
        let text = self.sources[file].text.as_str();
        let starts = self.starts[file].get_or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        (line, start, text[start..offset].chars().count() + 1)
    }

    /// Where `loc` is: file, start and end as line and column, and the start's line.
    pub(crate) fn locate(&mut self, loc: &Location) -> Option<Located<'a>> {
        let src = self.sources.get(loc.file)?;
        let text = src.text.as_str();
        let (line, line_start, col) = self.position(loc.file, loc.span.start);
        let end = loc.span.end.max(loc.span.start);
        let (end_line, _, end_col) = self.position(loc.file, end);
        let rest = &text[line_start..];
        let shown = &rest[..rest.find('\n').unwrap_or(rest.len())];
        Some(Located {
            src,
            line,
            col,
            end_line,
            end_col,
            line_start,
            text: shown.strip_suffix('\r').unwrap_or(shown),
        })
    }
}

/// A message or hint as shown: a value from the model quoted in it can be
/// megabytes long, so long `quoted` parts and long texts are shortened.
pub(crate) fn clip(text: &str) -> std::borrow::Cow<'_, str> {
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

/// Model text as a renderer shows it: shortened ([`clip`]) and made safe
/// for a terminal (`crate::term::printable`).
pub(crate) fn shown(text: &str) -> String {
    crate::term::printable(&clip(text)).into_owned()
}

/// Renders diagnostics for a terminal, without colour: see [`human::render`].
pub fn render_human(diags: &[Diagnostic], sources: &[SourceFile], fallback: &str) -> String {
    human::render(diags, sources, fallback, false)
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

/// Most occurrences of a character weighed by [`find_text`] (a character
/// repeated millions of times in a hostile model would otherwise cost
/// millions of comparisons for each search).
const MAX_CANDIDATES: usize = 10_000;

/// Where in the model's sources the text `context` came from, given a
/// character `ch` of it: the occurrence of `ch` (written as it is, or as a
/// TOML escape such as `\u5F20` or `\e`) whose neighbours agree best with the
/// characters around `ch` in `context`. `context` is text as a document shows
/// it (cut with `…` at either end, as `crate::fonts::Missing` holds it); the
/// first of equally good occurrences, in file order, wins. `None` when `ch`
/// occurs nowhere (the text came from a template, not from the model).
pub fn find_text(sources: &[SourceFile], ch: char, context: &str) -> Option<Location> {
    let context = context.strip_prefix('…').unwrap_or(context);
    let context = context.strip_suffix('…').unwrap_or(context);
    let at = context.find(ch)?;
    let before: Vec<char> = context[..at].chars().rev().collect();
    let after: Vec<char> = context[at + ch.len_utf8()..].chars().collect();
    let score = |text: &str, span: &Range<usize>| -> usize {
        let left = text[..span.start]
            .chars()
            .rev()
            .zip(&before)
            .take_while(|(a, b)| a == *b)
            .count();
        let right = text[span.end..]
            .chars()
            .zip(&after)
            .take_while(|(a, b)| a == *b)
            .count();
        left + right
    };
    let mut best: Option<(usize, Location)> = None;
    let mut weighed = 0;
    for written in written_forms(ch) {
        for (file, src) in sources.iter().enumerate() {
            for (start, found) in src.text.match_indices(written.as_str()) {
                if weighed == MAX_CANDIDATES {
                    break;
                }
                weighed += 1;
                let span = start..start + found.len();
                let s = score(&src.text, &span);
                if best.as_ref().is_none_or(|(b, _)| s > *b) {
                    best = Some((s, Location { file, span }));
                }
            }
        }
        // A character written as it is beats any escape of it.
        if best.is_some() {
            break;
        }
    }
    best.map(|(_, loc)| loc)
}

/// How `ch` can be written in a TOML string: as it is, then its escapes.
fn written_forms(ch: char) -> Vec<String> {
    let code = ch as u32;
    let mut forms = vec![ch.to_string()];
    let short = match ch {
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        '\u{1b}' => Some("\\e"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        _ => None,
    };
    forms.extend(short.map(str::to_string));
    if code <= 0xFFFF {
        forms.push(format!("\\u{code:04X}"));
        forms.push(format!("\\u{code:04x}"));
    }
    forms.push(format!("\\U{code:08X}"));
    forms.push(format!("\\U{code:08x}"));
    forms.dedup();
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            path: rel.into(),
            rel: rel.into(),
            text: text.into(),
        }
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_col(text, 0), (1, 1));
        let off = text.find('"').unwrap();
        assert_eq!(line_col(text, off), (2, 6));
        assert_eq!(line_col(text, 10_000), (3, 1));
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        let text = "a = 1\r\nbé = \"x\"\n\nlast";
        let sources = [source("m.toml", text)];
        let mut index = LineIndex::new(&sources);
        for offset in 0..=text.len() + 3 {
            let loc = Location {
                file: 0,
                span: offset..offset + 1,
            };
            let at = index.locate(&loc).unwrap();
            assert_eq!((at.line, at.col), line_col(text, offset), "offset {offset}");
            assert_eq!(
                (at.end_line, at.end_col),
                line_col(text, offset + 1),
                "offset {offset}"
            );
            assert_eq!(
                at.text,
                text.lines().nth(at.line - 1).unwrap_or(""),
                "{offset}"
            );
        }
    }

    #[test]
    fn long_values_in_messages_are_shortened() {
        let long = format!("unknown person `{}`", "z".repeat(1_000_000));
        assert_eq!(clip(&long), format!("unknown person `{}…`", "z".repeat(80)));
        let many = "word ".repeat(1000);
        assert_eq!(clip(&many).chars().count(), 1001);
        assert!(matches!(
            clip("short `value`"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn find_text_picks_the_occurrence_whose_neighbours_match() {
        let sources = [
            source("people.toml", "name = \"张三\"\ntitle = \"张伟的助理\"\n"),
            source("roles.toml", "name = \"张伟 (Zhang Wei)\"\n"),
        ];
        // The document shows the name in a table cell: the neighbours decide.
        let loc = find_text(&sources, '张', "| 张伟 (Zhang Wei) | Lead |").unwrap();
        assert_eq!(loc.file, 1);
        assert_eq!(&sources[1].text[loc.span.clone()], "张");
        assert_eq!(loc.span.start, "name = \"".len());
        // Cut context from a long text.
        let loc = find_text(&sources, '助', "…伟的助理…").unwrap();
        assert_eq!((loc.file, &sources[0].text[loc.span.clone()]), (0, "助"));
        // Written as an escape in the model.
        let esc = [source("m.toml", "name = \"a\\u0007b\"\nx = \"\\e[2J\"\n")];
        let loc = find_text(&esc, '\u{7}', "a\u{7}b").unwrap();
        assert_eq!(&esc[0].text[loc.span.clone()], "\\u0007");
        let loc = find_text(&esc, '\u{1b}', "\u{1b}[2J").unwrap();
        assert_eq!(&esc[0].text[loc.span], "\\e");
        // Text from a template is in no model file.
        assert_eq!(find_text(&sources, '✓', "Signed ✓"), None);
        assert_eq!(find_text(&sources, 'x', "no such character"), None);
    }
}
