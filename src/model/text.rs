//! Checks of the model's text, value by value, as its files hold it.
//!
//! Part of loading: [`check`] walks each file's TOML tree (every string, in
//! every table, whether or not its item loads) before `load` reads the items,
//! so that each finding points at the value's own line. It finds what would
//! act on a reader's screen instead of being shown, and what a document format
//! would refuse:
//!
//! - control characters and bidirectional overrides (RC090), in any value:
//!   a terminal runs ESC sequences, a viewer reorders text after U+202E; line
//!   breaks, tabs and carriage returns are text (inline fields collapse them
//!   to a space) and pass;
//! - invisible characters in names and titles (RC091, a warning): zero-width
//!   spaces and joiners make two names look alike;
//! - values longer than rolecall can put into a document (RC092): see
//!   [`super::limits`] for the numbers;
//! - Markdown that no writer of rolecall's renders (RC093): raw HTML and
//!   images in the Markdown fields, which the Typst and Word writers refuse.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::limits::{MAX_LINK_CHARS, MAX_NAME_CHARS, MAX_TEXT_CHARS};
use crate::diag::{Diagnostic, Location};
use crate::rules;

/// Keys whose value is Markdown (docs/model.md says so): read as the writers read it.
pub const MARKDOWN_KEYS: &[&str] = &["purpose", "body"];

/// Keys whose value names or titles something: it becomes a heading, a PDF
/// title or bookmark, a column head or a workbook cell, and is held to
/// [`MAX_NAME_CHARS`] and checked for invisible characters.
pub const NAME_KEYS: &[&str] = &[
    "id",
    "name",
    "short-name",
    "title",
    "group",
    "department",
    "email",
    "version",
    "classification",
];

/// Every finding of RC090-RC093 in one file's tree.
pub fn check(file: usize, doc: &DeTable<'_>, diags: &mut Vec<Diagnostic>) {
    for (key, value) in doc.iter() {
        walk(file, key.get_ref(), value, diags);
    }
}

/// Checks `value`, written under `key` (for an array's items: the array's key).
fn walk(file: usize, key: &str, value: &Spanned<DeValue<'_>>, diags: &mut Vec<Diagnostic>) {
    match value.get_ref() {
        DeValue::String(text) => {
            let at = Some(Location {
                file,
                span: value.span(),
            });
            diags.extend(problems(key, text).into_iter().map(|d| d.at(at.clone())));
        }
        DeValue::Array(items) => {
            for item in items.iter() {
                walk(file, key, item, diags);
            }
        }
        DeValue::Table(table) => {
            for (k, v) in table.iter() {
                walk(file, k.get_ref(), v, diags);
            }
        }
        _ => {}
    }
}

/// What is wrong with `text`, the value of `key`: at most one finding of each rule.
pub fn problems(key: &str, text: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    if let Some((n, c)) = text.chars().enumerate().find(|&(_, c)| is_refused(c)) {
        found.push(
            Diagnostic::new(
                &rules::CONTROL_CHARACTER,
                format!("`{key}` holds {} (character {})", describe(c), n + 1),
            )
            .hint(
                "remove it: documents show text, and this character would act on the screen or reorder the text instead (line breaks and tabs are fine)",
            ),
        );
    }
    let name = NAME_KEYS.contains(&key);
    if let Some((n, c)) = text
        .chars()
        .enumerate()
        .find(|&(_, c)| name && is_invisible(c))
    {
        found.push(
            Diagnostic::new(
                &rules::INVISIBLE_CHARACTER,
                format!(
                    "`{key}` holds the invisible character {} (character {})",
                    describe(c),
                    n + 1
                ),
            )
            .hint(
                "PDFs and web pages show nothing for it, so two names can look the same; remove it, unless the script needs it (a joiner in a Persian or Indic name, an emoji sequence), then allow RC091 in [lint]",
            ),
        );
    }
    let limit = if name { MAX_NAME_CHARS } else { MAX_TEXT_CHARS };
    // Counting stops past the limit: a 50 MB value costs no more than a short one.
    let len = text.chars().take(limit + 1).count();
    if len > limit {
        let what = if name {
            "a name or title, it becomes a heading, a PDF title and a workbook cell"
        } else {
            "the longest text a document takes"
        };
        found.push(
            Diagnostic::new(
                &rules::TOO_LARGE,
                format!("`{key}` is longer than {limit} characters ({what})",),
            )
            .hint(if name {
                "shorten it; say more in a text field such as `purpose` or a policy section"
            } else {
                "shorten it, or split it (for example into several policy sections)"
            }),
        );
    }
    if MARKDOWN_KEYS.contains(&key) && len <= limit {
        found.extend(markdown(key, text));
    }
    found
}

/// RC093 for the first construct of Markdown `text` that a document format
/// refuses: what the Typst writer refuses (it is the one `check` runs), and a
/// footnote inside a footnote, which the Word writer refuses too (both share
/// their lists of unsupported constructs, `typst::writer::unsupported_*`).
/// RC092 for a heading or link target too long for a PDF.
fn markdown(key: &str, text: &str) -> Option<Diagnostic> {
    use pulldown_cmark::{Event, Parser, Tag, TagEnd};
    let refused = |what: &str, offset: usize| {
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        Diagnostic::new(
            &rules::UNSUPPORTED_MARKDOWN,
            format!(
                "`{key}` holds Markdown the PDF and Word documents cannot show ({what}, line {line} of its Markdown)"
            ),
        )
        .hint(
            "documents take headings, paragraphs, emphasis, lists, tables, links, code, quotes and footnotes (not inside footnotes); write the rest as text",
        )
    };
    if let Err(e) = crate::typst::markdown_to_typst(text) {
        return Some(refused(&e.what, e.offset));
    }
    let mut heading: Option<usize> = None;
    let mut in_footnote = false;
    for (event, range) in Parser::new_ext(text, crate::markdown::options()).into_offset_iter() {
        let line = || text[..range.start.min(text.len())].matches('\n').count() + 1;
        let too_long = |what: String, limit: usize| {
            Diagnostic::new(
                &rules::TOO_LARGE,
                format!(
                    "`{key}` holds {what} longer than {limit} characters (line {} of its Markdown)",
                    line()
                ),
            )
            .hint("shorten it: headings become PDF bookmarks and links PDF link targets, both of bounded length")
        };
        match event {
            Event::Start(Tag::FootnoteDefinition(_)) => in_footnote = true,
            Event::End(TagEnd::FootnoteDefinition) => in_footnote = false,
            Event::FootnoteReference(_) if in_footnote => {
                return Some(refused("footnote inside a footnote", range.start));
            }
            Event::Start(Tag::Heading { .. }) => heading = Some(0),
            Event::End(TagEnd::Heading(_)) => heading = None,
            Event::Text(t) | Event::Code(t) => {
                if let Some(n) = heading.as_mut() {
                    *n += t.chars().count();
                    if *n > MAX_NAME_CHARS {
                        return Some(too_long("a heading".into(), MAX_NAME_CHARS));
                    }
                }
            }
            Event::Start(Tag::Link { dest_url, .. })
                if dest_url.chars().count() > MAX_LINK_CHARS =>
            {
                return Some(too_long("a link target".into(), MAX_LINK_CHARS));
            }
            _ => {}
        }
    }
    None
}

/// Whether documents refuse `c`: a control character other than line break,
/// carriage return and tab, or a bidirectional embedding, override or isolate.
pub fn is_refused(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c)
}

/// U+202A-U+202E and U+2066-U+2069: they reorder the text that follows.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Zero-width characters: spaces, joiners, the word joiner and the byte-order mark.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// `U+001B (ESCAPE)`: a character by its code point and, where it has one
/// people know, its name.
fn describe(c: char) -> String {
    let name = match c {
        '\0' => "NULL",
        '\u{7}' => "BELL",
        '\u{8}' => "BACKSPACE",
        '\u{b}' => "LINE TABULATION",
        '\u{c}' => "FORM FEED",
        '\u{1b}' => "ESCAPE",
        '\u{7f}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{9b}' => "CONTROL SEQUENCE INTRODUCER",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{2060}' => "WORD JOINER",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        c if u32::from(c) < 0x20 => "a C0 control character",
        _ => "a C1 control character",
    };
    format!("U+{:04X} ({name})", u32::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes and messages of the findings for `key = text`.
    fn found(key: &str, text: &str) -> Vec<String> {
        problems(key, text)
            .iter()
            .map(|d| format!("{}: {}", d.rule.code, d.message))
            .collect()
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_refused_line_breaks_and_tabs_are_not() {
        assert_eq!(
            found("name", "Alex\u{1b}]0;owned\u{7}"),
            ["RC090: `name` holds U+001B (ESCAPE) (character 5)"]
        );
        assert_eq!(
            found("title", "CISO \u{202E}rotcerid"),
            ["RC090: `title` holds U+202E (RIGHT-TO-LEFT OVERRIDE) (character 6)"]
        );
        for c in [
            '\0', '\u{8}', '\u{7f}', '\u{85}', '\u{9b}', '\u{2066}', '\u{2069}',
        ] {
            assert_eq!(found("scope", &format!("a{c}b")).len(), 1, "{c:?}");
        }
        for ok in [
            "line one\nline two",
            "a\tb",
            "crlf\r\n",
            "العربية",
            "张伟",
            "👩‍💻 team",
        ] {
            assert!(found("scope", ok).is_empty(), "{ok:?}");
        }
    }

    #[test]
    fn invisible_characters_in_names_are_flagged_elsewhere_not() {
        assert_eq!(
            found("name", "Ale\u{200B}x"),
            ["RC091: `name` holds the invisible character U+200B (ZERO WIDTH SPACE) (character 4)"]
        );
        for c in ['\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'] {
            assert_eq!(found("short-name", &format!("a{c}b")).len(), 1, "{c:?}");
        }
        assert!(found("purpose", "a\u{200B}b").is_empty());
    }

    #[test]
    fn values_are_held_to_their_limits() {
        assert!(found("name", &"n".repeat(MAX_NAME_CHARS)).is_empty());
        assert_eq!(
            found("name", &"n".repeat(MAX_NAME_CHARS + 1)),
            [format!(
                "RC092: `name` is longer than {MAX_NAME_CHARS} characters (a name or title, it becomes a heading, a PDF title and a workbook cell)"
            )]
        );
        assert!(found("scope", &"s".repeat(100_000)).is_empty());
        assert_eq!(found("scope", &"s".repeat(MAX_TEXT_CHARS + 1)).len(), 1);
    }

    #[test]
    fn markdown_no_document_takes_is_reported_with_its_line() {
        assert_eq!(
            found("purpose", "Fine.\n\n<script>alert(1)</script>\n"),
            [
                "RC093: `purpose` holds Markdown the PDF and Word documents cannot show (raw HTML, line 3 of its Markdown)"
            ]
        );
        assert_eq!(
            found("body", "See ![logo](x.png)."),
            [
                "RC093: `body` holds Markdown the PDF and Word documents cannot show (image, line 1 of its Markdown)"
            ]
        );
        assert_eq!(
            found("body", &format!("### {}\n", "h".repeat(MAX_NAME_CHARS + 1))),
            [format!(
                "RC092: `body` holds a heading longer than {MAX_NAME_CHARS} characters (line 1 of its Markdown)"
            )]
        );
        assert_eq!(
            found(
                "body",
                &format!("[x](https://e.x/{})", "a".repeat(MAX_LINK_CHARS))
            )
            .len(),
            1
        );
        // The same text in a plain field is text.
        assert!(found("scope", "<b>bold</b> ![x](y)").is_empty());
        assert!(found("body", "**Bold**, [a link](https://example.org), `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n").is_empty());
    }

    #[test]
    fn markdown_check_refuses_what_a_writer_refuses_and_only_that() {
        let opts = crate::docx::DocxOptions {
            title: "T",
            org_name: "O",
            doc_id: "D",
            version: "1",
            classification: "Internal",
            paper: crate::model::Paper::A4,
            lang: "en",
            layout: crate::docx::Layout::Role,
            logo: None,
            labels: crate::docx::Labels {
                version: "Version {version}",
                page: "Page {page} of {pages}",
                contents: "Contents",
            },
            date: crate::date::Date::new(2026, 1, 15).unwrap(),
            reference: None,
        };
        for md in [
            "Plain **bold** _it_ `code` ~~gone~~",
            "# H\n\n- a\n  - b\n\n1. x\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
            "[link](https://example.org) <https://example.org>",
            "a[^1]\n\n[^1]: note",
            "a[^1]\n\n[^1]: b[^2]\n[^2]: c",
            "a[^missing]",
            "<div>x</div>",
            "inline <b>html</b>",
            "![alt](x.png)",
            "$x^2$ and [ ] task",
            "```\ncode\n```",
            &"> ".repeat(40),
            &"- ".repeat(40),
        ] {
            let typst = crate::typst::markdown_to_typst(md).is_ok();
            let docx = crate::docx::document(md, &opts).is_ok();
            let checked = !problems("body", md).iter().any(|d| d.rule.code == "RC093");
            assert_eq!(checked, typst && docx, "{md:?}: typst {typst}, docx {docx}");
        }
    }

    #[test]
    fn every_tree_value_is_walked() {
        let text = "[organisation]\nname = \"A\\u001bB\"\n[[roles]]\nid = \"r\"\nresponsibilities = [\"ok\", \"x\\u202e\"]\n[policy]\nsections = [{ title = \"T\", body = \"<b>\" }]\n";
        let (doc, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty());
        let mut diags = Vec::new();
        check(0, doc.get_ref(), &mut diags);
        let mut lines: Vec<(usize, &str)> = diags
            .iter()
            .map(|d| {
                let at = d.location.as_ref().unwrap().span.start;
                (crate::diag::line_col(text, at).0, d.rule.code)
            })
            .collect();
        lines.sort();
        assert_eq!(lines, [(2, "RC090"), (5, "RC090"), (7, "RC093")]);
    }
}
