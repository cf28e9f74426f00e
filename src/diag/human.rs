//! Diagnostics for people: rustc-style, through annotate-snippets.
//!
//! One report per diagnostic: `error[RC012]: message`, the file, line and
//! column, the source line with carets under the problem (display widths of
//! CJK and emoji counted as a terminal counts them), secondary labels such as
//! "first defined here", and the hint; then a summary line. Source lines are
//! shortened around the problem and shown through `crate::term::printable`,
//! like every message and hint.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::{Diagnostic, LineIndex, Location, SourceFile, shown, summary};
use crate::rules::Severity;
use crate::term::printable;

/// Most characters of a source line shown under a diagnostic.
const MAX_SHOWN_LINE: usize = 120;

/// Renders every diagnostic, then `2 errors, 1 warning` (or `no problems
/// found`). `fallback` is shown for a diagnostic without a place in a file
/// (the model path as given). `color` adds ANSI styles.
pub fn render(diags: &[Diagnostic], sources: &[SourceFile], fallback: &str, color: bool) -> String {
    // Lines are shortened here, before annotate-snippets sees them; escapes
    // can make a shown line longer, and it must not be cut a second time.
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .term_width(4 * MAX_SHOWN_LINE * 10);
    let mut index = LineIndex::new(sources);
    let mut out = String::new();
    for d in diags {
        out.push_str(&report(&renderer, &mut index, d, fallback));
        out.push_str("\n\n");
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    out.push_str(&summary(errors, diags.len() - errors));
    out.push('\n');
    out
}

/// One annotated place of a diagnostic.
struct Mark<'d> {
    location: &'d Location,
    primary: bool,
    label: Option<&'d str>,
}

/// A source line as shown, and where its annotations are in it.
struct ShownLine {
    /// The (shortened, escaped) text.
    text: String,
    /// Per mark: its byte range in `text`.
    spans: Vec<std::ops::Range<usize>>,
    /// Per mark: (column annotate-snippets counts in `text`, true column in the file).
    columns: Vec<(usize, usize)>,
}

/// One diagnostic as annotate-snippets renders it.
fn report(renderer: &Renderer, index: &mut LineIndex, d: &Diagnostic, fallback: &str) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(shown(&d.message)).id(d.rule.code);
    let mut group = Group::with_title(title);
    let marks: Vec<Mark> = d
        .location
        .iter()
        .map(|location| Mark {
            location,
            primary: true,
            label: None,
        })
        .chain(d.labels.iter().map(|l| Mark {
            location: &l.location,
            primary: false,
            label: Some(&l.message),
        }))
        .collect();
    // Marks on one line of one file share a snippet, the primary's first.
    let mut lines: Vec<(usize, usize, Vec<&Mark>)> = Vec::new();
    for mark in &marks {
        let Some(at) = index.locate(mark.location) else {
            continue;
        };
        match lines
            .iter_mut()
            .find(|(f, l, _)| *f == mark.location.file && *l == at.line)
        {
            Some((_, _, on_line)) => on_line.push(mark),
            None => lines.push((mark.location.file, at.line, vec![mark])),
        }
    }
    let primary_shown = lines
        .first()
        .is_some_and(|(_, _, m)| m.iter().any(|m| m.primary));
    if !primary_shown {
        group = group.element(Origin::path(printable(fallback).into_owned()));
    }
    // (path, line, column annotate-snippets prints, true column)
    let mut fixes: Vec<(String, usize, usize, usize)> = Vec::new();
    for (_, line, on_line) in &lines {
        let Some(first) = index.locate(on_line[0].location) else {
            continue;
        };
        let path = printable(&first.src.path.display().to_string()).into_owned();
        let shown_line = shown_line(index, on_line);
        let mut snippet = Snippet::source(shown_line.text)
            .line_start(*line)
            .path(path.clone());
        for (mark, span) in on_line.iter().zip(shown_line.spans) {
            let kind = if mark.primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let mut annotation = kind.span(span);
            if let Some(label) = mark.label {
                annotation = annotation.label(shown(label));
            }
            snippet = snippet.annotation(annotation);
        }
        for (printed, real) in shown_line.columns {
            fixes.push((path.clone(), *line, printed, real));
        }
        group = group.element(snippet);
    }
    if let Some(hint) = &d.hint {
        group = group.element(Level::HELP.with_name("hint").message(shown(hint)));
    }
    fix_columns(renderer.render(&[group]), &fixes)
}

/// The line of `marks` (all on one line), shortened to [`MAX_SHOWN_LINE`]
/// characters around the first mark and escaped, with each mark's span in the
/// shown text.
fn shown_line(index: &mut LineIndex, marks: &[&Mark]) -> ShownLine {
    let located: Vec<_> = marks
        .iter()
        .filter_map(|m| index.locate(m.location))
        .collect();
    let line = located[0].text;
    let line_start = located[0].line_start;
    // Byte ranges within the line; a span running past the line ends with it,
    // and an empty span covers the character it stands before, if any.
    let ranges: Vec<std::ops::Range<usize>> = marks
        .iter()
        .map(|m| {
            let start = (m.location.span.start.saturating_sub(line_start)).min(line.len());
            let start = floor(line, start);
            let end = m
                .location
                .span
                .end
                .saturating_sub(line_start)
                .min(line.len());
            let mut end = floor(line, end.max(start));
            if end == start {
                end = line[start..]
                    .chars()
                    .next()
                    .map_or(start, |c| start + c.len_utf8());
            }
            start..end
        })
        .collect();
    // The window: MAX_SHOWN_LINE characters, the first mark a third of the
    // way in. Counted without collecting the characters: a line can be
    // megabytes long.
    let first_char = line[..ranges[0].start].chars().count();
    let n = first_char + line[ranges[0].start..].chars().count();
    let from = if n <= MAX_SHOWN_LINE {
        0
    } else {
        first_char
            .saturating_sub(MAX_SHOWN_LINE / 3)
            .min(n - MAX_SHOWN_LINE)
    };
    let to = (from + MAX_SHOWN_LINE).min(n);
    let byte = |c: usize| line.char_indices().nth(c).map_or(line.len(), |(i, _)| i);
    let (lo, hi) = (byte(from), byte(to));
    // Cut the window at every mark boundary, so that each piece is escaped
    // on its own and the boundaries can be found again in the shown text.
    let mut cuts: Vec<usize> = ranges
        .iter()
        .flat_map(|r| [r.start, r.end])
        .map(|b| b.clamp(lo, hi))
        .chain([lo, hi])
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut text = String::new();
    if from > 0 {
        text.push('…');
    }
    let mut at = Vec::new();
    for pair in cuts.windows(2) {
        at.push((pair[0], text.len()));
        text.push_str(&printable(&line[pair[0]..pair[1]]));
    }
    at.push((hi, text.len()));
    if to < n {
        text.push('…');
    }
    let place = |b: usize| {
        let b = b.clamp(lo, hi);
        at.iter().find(|(cut, _)| *cut == b).map_or(0, |(_, s)| *s)
    };
    let spans = ranges
        .iter()
        .map(|r| place(r.start)..place(r.end))
        .collect::<Vec<_>>();
    let columns = spans
        .iter()
        .zip(&located)
        .map(|(s, l)| (text[..s.start].chars().count() + 1, l.col))
        .collect();
    ShownLine {
        text,
        spans,
        columns,
    }
}

fn floor(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// annotate-snippets counts the column of `--> path:line:col` in the text it
/// was given; where a line was shortened or escaped before that column, the
/// header is set back to the column in the file.
fn fix_columns(rendered: String, fixes: &[(String, usize, usize, usize)]) -> String {
    if fixes.iter().all(|(_, _, printed, real)| printed == real) {
        return rendered;
    }
    let mut out = String::with_capacity(rendered.len());
    for line in rendered.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let header = trimmed.contains("--> ") || trimmed.contains("::: ");
        let fixed = header
            .then(|| {
                fixes.iter().find_map(|(path, l, printed, real)| {
                    let wrong = format!("{path}:{l}:{printed}");
                    let end = line.rfind(&wrong)? + wrong.len();
                    let rest = &line[end..];
                    (rest.trim_end().is_empty() || rest.starts_with('\u{1b}'))
                        .then(|| format!("{}{path}:{l}:{real}{rest}", &line[..end - wrong.len()]))
                })
            })
            .flatten();
        out.push_str(fixed.as_deref().unwrap_or(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;

    fn source(text: &str) -> Vec<SourceFile> {
        vec![SourceFile {
            path: "m/roles.toml".into(),
            rel: "roles.toml".into(),
            text: text.into(),
        }]
    }

    fn at(text: &str, needle: &str) -> Option<Location> {
        let start = text.find(needle).unwrap();
        Some(Location {
            file: 0,
            span: start..start + needle.len(),
        })
    }

    #[test]
    fn renders_location_caret_and_hint() {
        let text = "[[roles]]\nid = \"isms-manger\"\n";
        let d = Diagnostic::new(&rules::UNKNOWN_REFERENCE, "unknown role `isms-manger`")
            .at(at(text, "\"isms-manger\""))
            .hint("did you mean `isms-manager`?");
        let out = render(&[d], &source(text), "m", false);
        assert_eq!(
            out,
            "error[RC012]: unknown role `isms-manger`\n \
             --> m/roles.toml:2:6\n  \
             |\n\
             2 | id = \"isms-manger\"\n  \
             |      ^^^^^^^^^^^^^\n  \
             |\n  \
             = hint: did you mean `isms-manager`?\n\n\
             1 error\n"
        );
    }

    #[test]
    fn carets_count_display_width_and_labels_show_second_places() {
        let text = "holders = [\"张伟张伟\", \"nobody\"]\nid = \"x\"\n";
        let d = Diagnostic::new(&rules::DUPLICATE_ID, "unknown person `nobody`")
            .at(at(text, "\"nobody\""))
            .label(at(text, "\"x\""), "first defined here");
        let out = render(&[d], &source(text), "m", false);
        let lines: Vec<&str> = out.lines().collect();
        // 张伟张伟 is 8 columns wide: the caret sits under "nobody", at
        // character 20 but display column 24.
        let source_line = lines.iter().position(|l| l.contains("\"nobody\"")).unwrap();
        let caret = lines[source_line + 1];
        let cjk = lines[source_line].find("\"nobody\"").unwrap();
        let col = lines[source_line][..cjk].chars().count()
            + lines[source_line][..cjk]
                .matches(|c: char| ('\u{4e00}'..='\u{9fff}').contains(&c))
                .count();
        assert_eq!(caret.find('^'), Some(col), "{out}");
        assert!(out.contains("--> m/roles.toml:1:20"), "{out}");
        assert!(out.contains("2 | id = \"x\""), "{out}");
        assert!(out.contains("---"), "{out}");
        assert!(out.contains("first defined here"), "{out}");
    }

    #[test]
    fn model_text_cannot_reach_the_terminal() {
        let text = "refs = [\"\u{9b}31m\u{202e}x\"]\n";
        let d = Diagnostic::new(
            &rules::INVALID_CLAUSE_REF,
            "`\u{1b}]0;owned\u{7}\u{1b}[2J` is not a clause",
        )
        .at(at(text, "x"))
        .hint("bell \u{7}");
        let out = render(std::slice::from_ref(&d), &source(text), "m\u{1b}", false);
        let styled = render(&[d], &source(text), "m", true);
        assert!(styled.contains("m/roles.toml:1:15"), "{styled:?}");
        assert!(
            !out.chars()
                .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
            "{out:?}"
        );
        assert!(out.contains("`\\u{1b}]0;owned\\u{7}\\u{1b}[2J`"), "{out}");
        assert!(out.contains("\\u{9b}31m\\u{202e}x"), "{out}");
        // The column is the one in the file, not in the escaped line.
        assert!(out.contains("--> m/roles.toml:1:15"), "{out}");
        assert!(out.contains("= hint: bell \\u{7}"), "{out}");
    }

    #[test]
    fn long_lines_are_shortened_around_the_problem() {
        let text = format!("id = \"{}\"\n", "z".repeat(1_000_000));
        let d = Diagnostic::new(&rules::UNKNOWN_REFERENCE, "unknown person").at(Some(Location {
            file: 0,
            span: 500_000..1_000_007,
        }));
        let out = render(&[d], &source(&text), "m", false);
        assert!(out.len() < 2000, "{} bytes", out.len());
        assert!(out.contains("--> m/roles.toml:1:500001"), "{out}");
        assert!(out.contains(&format!("1 | …{}…", "z".repeat(120))), "{out}");
        assert!(
            out.contains(&format!(" | {}{}\n", " ".repeat(41), "^".repeat(80))),
            "{out}"
        );
    }

    #[test]
    fn unlocated_diagnostics_name_the_model_and_colour_is_optional() {
        let d = Diagnostic::new(&rules::MODEL_STRUCTURE, "the model has no [policy] table")
            .hint("add [policy]");
        let plain = render(std::slice::from_ref(&d), &[], "isms-model", false);
        assert!(
            plain.contains("error[RC003]: the model has no [policy] table\n"),
            "{plain}"
        );
        assert!(plain.contains("--> isms-model\n"), "{plain}");
        assert!(!plain.contains('\u{1b}'), "{plain}");
        let styled = render(&[d], &[], "isms-model", true);
        assert!(styled.contains('\u{1b}'), "{styled:?}");
    }
}
