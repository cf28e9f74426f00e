//! The escapes of the templates: the one function through which model text enters
//! Markdown, and the one through which any text enters a web page.
//!
//! Tera autoescapes every `{{ value }}` of a `.md` template with [`escape_markdown`],
//! so text from the model (names, titles, responsibilities) comes out literally in
//! the Markdown documents and in everything built from them. Fields documented as
//! Markdown (`purpose`, `policy.sections[].body`) are marked `| safe` in templates.
//! The HTML pages' templates are escaped by [`escape_html`]; locale strings, which
//! are inline Markdown, become HTML through [`html_inline`].

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Escapes plain text for inline use in CommonMark (paragraphs, list items, table
/// cells, headings), so that it renders as exactly these characters.
///
/// Line breaks and runs of white space become one space: model text is inline text,
/// and a newline inside a table cell or list item would otherwise change structure.
pub fn escape_markdown(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len() + 8);
    let chars: Vec<char> = collapsed.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let at_start = i == 0;
        let escape = match c {
            // Inline syntax anywhere: emphasis, code, links, autolinks and HTML,
            // tables, strikethrough, and the escape character itself.
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => true,
            // Character references (`&amp;`, `&#35;`) only form from `&` + name + `;`.
            '&' => is_entity_like(&chars[i + 1..]),
            // Block syntax only where a line starts: headings, lists, setext
            // underlines, block quotes (handled above), fences.
            '#' | '-' | '+' | '=' => at_start,
            // `1.` or `1)` at the start of a line opens an ordered list.
            '.' | ')' => {
                i > 0
                    && chars[..i].iter().all(|d| d.is_ascii_digit())
                    && chars.get(i + 1).is_none_or(|n| *n == ' ')
            }
            // `!` before `[` is an image; `[` is already escaped, so `!` is safe.
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_entity_like(rest: &[char]) -> bool {
    let name_len = rest
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .count();
    name_len > 0 && rest.get(name_len) == Some(&';')
}

/// Escapes text for HTML content and for quoted attribute values: the one
/// function through which rolecall's web pages take any text (Tera applies it to
/// every `{{ value }}` of `html/*.html`). The documents' Markdown is escaped by
/// pulldown-cmark's writer; raw HTML never reaches it.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A locale string (CommonMark inline text: emphasis, strong, code) as HTML.
/// Anything else in it (links, raw HTML) is shown as its text.
pub fn html_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for ev in Parser::new_ext(text, crate::markdown::options()) {
        match ev {
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&escape_html(&t))
            }
            Event::Code(t) => {
                out.push_str("<code>");
                out.push_str(&escape_html(&t));
                out.push_str("</code>");
            }
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::Start(Tag::Emphasis) => out.push_str("<em>"),
            Event::End(TagEnd::Emphasis) => out.push_str("</em>"),
            Event::Start(Tag::Strong) => out.push_str("<strong>"),
            Event::End(TagEnd::Strong) => out.push_str("</strong>"),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    /// The text a CommonMark reader sees in `markdown`.
    fn rendered_text(markdown: &str) -> String {
        let mut out = String::new();
        for ev in Parser::new_ext(
            markdown,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        ) {
            match ev {
                Event::Text(t) | Event::Code(t) => out.push_str(&t),
                Event::SoftBreak | Event::HardBreak => out.push(' '),
                Event::Html(h) | Event::InlineHtml(h) => {
                    out.push_str("<HTML>");
                    out.push_str(&h)
                }
                Event::Start(
                    Tag::Emphasis | Tag::Strong | Tag::Link { .. } | Tag::Heading { .. },
                ) => out.push_str("<TAG>"),
                Event::Start(
                    Tag::List(_) | Tag::BlockQuote(_) | Tag::CodeBlock(_) | Tag::Strikethrough,
                ) => out.push_str("<TAG>"),
                Event::End(TagEnd::TableCell) => out.push('|'),
                _ => {}
            }
        }
        out
    }

    const HOSTILE: &[&str] = &[
        "*Bob* <b>_x_</b> #1 [a](b)",
        "# heading",
        "- item",
        "+ item",
        "1. first",
        "2) second",
        "> quote",
        "=== setext",
        "---",
        "`code` and ``more``",
        "a | b | c",
        "~~strike~~",
        "&amp; &#35; &copy; R&D",
        "<http://example.com>",
        "![img](x.png)",
        "back\\slash\\",
        "trailing\\",
        "[link][ref]",
        "**strong**__also__",
        "$x^2$ @label <label> // not a comment",
        "    indented code",
        "multi\nline\n\n# not a heading",
        "Ünïcödé 日本語 עברית العربية 👩‍👩‍👧",
        "1986. A great year",
    ];

    #[test]
    fn hostile_strings_render_literally_in_paragraphs() {
        for s in HOSTILE {
            let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(
                rendered_text(&escape_markdown(s)).trim(),
                expected,
                "input {s:?}"
            );
        }
    }

    #[test]
    fn hostile_strings_render_literally_in_list_items_and_cells() {
        for s in HOSTILE {
            let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
            let e = escape_markdown(s);
            assert_eq!(
                rendered_text(&format!("- {e}\n")).trim(),
                format!("<TAG>{expected}"),
                "list {s:?}"
            );
            let table = format!("| a | b |\n|---|---|\n| {e} | x |\n");
            assert_eq!(
                rendered_text(&table),
                format!("a|b|{expected}|x|"),
                "table {s:?}"
            );
            assert_eq!(
                rendered_text(&format!("## {e}\n")),
                format!("<TAG>{expected}"),
                "heading {s:?}"
            );
        }
    }

    #[test]
    fn plain_text_stays_readable() {
        assert_eq!(
            escape_markdown("ISMS-POL-05 version 3.0 (R&D)"),
            "ISMS-POL-05 version 3.0 (R&D)"
        );
        assert_eq!(escape_markdown("3.0"), "3.0");
        assert_eq!(escape_markdown("12. x"), "12\\. x");
    }

    proptest::proptest! {
        #[test]
        fn any_string_round_trips(s in "[ -~\\n\\t]{0,40}|\\PC{0,20}") {
            let expected = s.split_whitespace().collect::<Vec<_>>().join(" ");
            let got = rendered_text(&escape_markdown(&s));
            proptest::prop_assert_eq!(got.trim(), expected.as_str());
        }
    }
}
