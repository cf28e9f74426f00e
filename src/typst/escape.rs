//! Escaping of untrusted text for Typst source.
//!
//! Place in the pipeline: Markdown rendered from templates → Typst markup
//! (built by [`super::writer`]) → `typst` CLI → PDF. Every piece of document
//! text that the writer puts into Typst source goes through one of the two
//! functions here, so this module is where "text is shown literally and never
//! evaluated as Typst code" is decided.
//!
//! Why escaping all ASCII punctuation is enough for markup: Typst's markup
//! lexer gives meaning only to ASCII punctuation (`#`, `*`, `_`, `$`, `@`,
//! `<`, `[`, `]`, `/`, `~`, `-`, `+`, `=`, `.`, quotes, backticks, `:`, digits
//! followed by `.`, …), to whitespace and newlines, and to the letter `h` when
//! it starts `http://`/`https://`. A backslash before any non-whitespace
//! character yields that character literally (the only exception, `\u{…}`,
//! cannot arise because letters are never escaped). Escaping every ASCII
//! punctuation character therefore neutralises all markup, shorthands
//! (`~`, `--`, `...`, `-?`), smart quotes, comments, labels, references,
//! automatic links, and line-start markers, and it also keeps text that
//! directly follows an embedded expression such as `#emph[…]` from being read
//! as a field access, call or `;`.

/// Escapes text so that Typst markup shows every character literally.
///
/// - ASCII punctuation is prefixed with a backslash.
/// - Characters Typst treats as line breaks (`\n`, `\r`, VT, FF, NEL, LS, PS)
///   become a single space each, so text can never create structure such as
///   headings, list items or paragraph breaks.
/// - Other control characters and U+FEFF become `\u{…}` escapes so they stay
///   visible in the source and cannot be mistaken for whitespace or a BOM.
/// - Everything else (letters, digits, spaces, tabs, all other Unicode) is
///   copied unchanged.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        if is_typst_newline(c) {
            out.push(' ');
        } else if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if needs_unicode_escape(c) {
            push_unicode_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a string for use inside a Typst string literal `"..."`.
///
/// The result contains no unescaped `"` and no raw control or newline
/// characters: `\` and `"` are backslash-escaped, newline, carriage return and
/// tab use `\n`, `\r`, `\t`, and any other control or line-separator character
/// uses the `\u{…}` form.
pub fn escape_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_typst_newline(c) || needs_unicode_escape(c) => {
                push_unicode_escape(&mut out, c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether Typst's lexer treats `c` as a newline (see `is_newline` in
/// typst-syntax); also where `raw` splits lines.
pub(super) fn is_typst_newline(c: char) -> bool {
    matches!(
        c,
        '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// Whether `c` is written as a `\u{…}` escape rather than copied.
fn needs_unicode_escape(c: char) -> bool {
    // Tab is ordinary whitespace in markup; U+FEFF could be taken for a BOM.
    (c.is_control() && c != '\t') || c == '\u{FEFF}'
}

/// Appends `\u{hex}` for `c`, a form valid both in markup and in strings.
fn push_unicode_escape(out: &mut String, c: char) {
    out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
}

/// Escaping tests and helpers shared with the writer tests.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Interprets escaped Typst markup text the way Typst's lexer does for
    /// text: `\u{hex}` is the code point, backslash plus a character is that
    /// character, everything else is itself. Returns `None` for a backslash
    /// followed by whitespace or nothing (a line break, not text) or for a
    /// malformed `\u{…}`.
    pub(crate) fn unescape_markup(s: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let next = chars.next()?;
            if next.is_whitespace() {
                return None;
            }
            if next == 'u' && chars.peek() == Some(&'{') {
                chars.next();
                let mut hex = String::new();
                loop {
                    match chars.next()? {
                        '}' => break,
                        h => hex.push(h),
                    }
                }
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            } else {
                out.push(next);
            }
        }
        Some(out)
    }

    /// Returns the first character sequence in `s` that Typst markup would
    /// interpret (an unescaped special character, `//`, `/*`, a newline or a
    /// backslash before whitespace), or `None` when `s` is inert text.
    pub(crate) fn first_markup_hazard(s: &str) -> Option<String> {
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                match chars.get(i + 1) {
                    None => return Some("trailing backslash".into()),
                    Some(n) if n.is_whitespace() => return Some("backslash + space".into()),
                    Some('u') if chars.get(i + 2) == Some(&'{') => {
                        let Some(close) = chars[i..].iter().position(|&c| c == '}') else {
                            return Some("unclosed unicode escape".into());
                        };
                        i += close + 1;
                        continue;
                    }
                    Some(_) => {
                        i += 2;
                        continue;
                    }
                }
            }
            if matches!(c, '#' | '[' | ']' | '$' | '@' | '<' | '*' | '_' | '`') {
                return Some(c.to_string());
            }
            if c == '/' && matches!(chars.get(i + 1), Some('/' | '*')) {
                return Some("comment opener".into());
            }
            if is_typst_newline(c) {
                return Some("newline".into());
            }
            // Stronger than the list above: no ASCII punctuation may be bare.
            if c.is_ascii_punctuation() {
                return Some(format!("bare {c}"));
            }
            // `http://` would be an automatic link; `:` and `/` are escaped,
            // so a bare one here was already reported above.
            i += 1;
        }
        None
    }

    /// Hostile inputs for escaping: code injection, markup, shorthands,
    /// line-start markers, Unicode edge cases.
    pub(crate) const HOSTILE: &[&str] = &[
        "#read(\"/etc/passwd\")",
        "*Bob* <b>_x_</b> #1 [a](b)",
        "$x^2$",
        "@label",
        "<label>",
        "// comment",
        "/* block */",
        "= heading",
        "== heading",
        "- item",
        "+ item",
        "1. item",
        "/ term: description",
        "a~b",
        "en--dash em---dash soft-?hyphen -1",
        "wait...",
        "\"double\" and 'single'",
        "\\u{1F600}",
        "trailing backslash\\",
        "\\ starts with backslash space",
        " leading space",
        "café naïve Åström",
        "中文字符 日本語 한국어",
        "مرحبا بالعالم",
        "שלום עולם",
        "👩‍👩‍👧‍👦 family 🏳️‍🌈",
        "e\u{301}\u{302} combining",
        "line one\nline two\r\nthree\u{2028}four\u{85}five",
        "\n= heading after newline\n- item after newline",
        "#set page(width: 1cm)",
        "#let x = 1; #x",
        "```raw```",
        "https://example.com/path?q=1",
        "*/ stray comment end",
        "a]b[c",
        "x#emph[y]",
        "#{panic(\"x\")}",
        "\u{0}\u{1}\u{7f}\u{9b} controls",
        "\u{FEFF}bom",
        "tab\there",
        "\u{202E}rtl override\u{202C}",
        "nbsp\u{a0}and\u{3000}ideographic",
        "#",
        "\\",
        "",
    ];

    /// Exact escaped output for a table of hostile and ordinary strings.
    #[test]
    fn escape_text_table() {
        let cases: &[(&str, &str)] = &[
            ("plain words", "plain words"),
            (
                "#read(\"/etc/passwd\")",
                "\\#read\\(\\\"\\/etc\\/passwd\\\"\\)",
            ),
            (
                "*Bob* <b>_x_</b> #1 [a](b)",
                "\\*Bob\\* \\<b\\>\\_x\\_\\<\\/b\\> \\#1 \\[a\\]\\(b\\)",
            ),
            ("$x^2$", "\\$x\\^2\\$"),
            ("@label", "\\@label"),
            ("<label>", "\\<label\\>"),
            ("// comment", "\\/\\/ comment"),
            ("/* block */", "\\/\\* block \\*\\/"),
            ("= heading", "\\= heading"),
            ("- item", "\\- item"),
            ("+ item", "\\+ item"),
            ("1. item", "1\\. item"),
            ("/ term: x", "\\/ term\\: x"),
            ("a~b", "a\\~b"),
            ("--- -- -?", "\\-\\-\\- \\-\\- \\-\\?"),
            ("wait...", "wait\\.\\.\\."),
            ("\"q\" 'q'", "\\\"q\\\" \\'q\\'"),
            ("\\u{1F600}", "\\\\u\\{1F600\\}"),
            ("end\\", "end\\\\"),
            ("\\ x", "\\\\ x"),
            (" lead", " lead"),
            ("café 中文 مرحبا", "café 中文 مرحبا"),
            ("👩‍👩‍👧", "👩‍👩‍👧"),
            ("e\u{301}", "e\u{301}"),
            ("a\nb\r\nc\u{2028}d", "a b  c d"),
            ("\n= h", " \\= h"),
            ("`code`", "\\`code\\`"),
            ("https://x.y", "https\\:\\/\\/x\\.y"),
            ("a]b[c", "a\\]b\\[c"),
            ("x;y", "x\\;y"),
            ("\u{0}\u{1b}\u{7f}", "\\u{0}\\u{1b}\\u{7f}"),
            ("\u{FEFF}", "\\u{feff}"),
            ("tab\there", "tab\there"),
            ("", ""),
        ];
        assert!(cases.len() >= 25);
        for (input, expected) in cases {
            assert_eq!(escape_text(input), *expected, "input {input:?}");
        }
    }

    /// Every hostile string escapes to inert markup that unescapes to itself.
    #[test]
    fn hostile_strings_round_trip_and_are_inert() {
        for input in HOSTILE {
            let escaped = escape_text(input);
            assert_eq!(first_markup_hazard(&escaped), None, "input {input:?}");
            let expected: String = input
                .chars()
                .map(|c| if is_typst_newline(c) { ' ' } else { c })
                .collect();
            assert_eq!(
                unescape_markup(&escaped).as_deref(),
                Some(expected.as_str()),
                "input {input:?}"
            );
        }
    }

    /// A 100,000-character word is escaped in one pass without hazards.
    #[test]
    fn very_long_word_is_escaped_linearly() {
        let word = "a-".repeat(50_000);
        let escaped = escape_text(&word);
        assert_eq!(escaped.len(), word.len() + 50_000);
        assert_eq!(first_markup_hazard(&escaped), None);
    }

    /// Interprets a Typst string literal body (between the quotes).
    fn unescape_string(s: &str) -> Option<String> {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '"' {
                return None;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next()? {
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    if chars.next()? != '{' {
                        return None;
                    }
                    let mut hex = String::new();
                    loop {
                        match chars.next()? {
                            '}' => break,
                            h => hex.push(h),
                        }
                    }
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// Exact string-literal escapes, and round trips for the hostile strings.
    #[test]
    fn escape_string_table() {
        let cases: &[(&str, &str)] = &[
            ("https://example.com", "https://example.com"),
            ("say \"hi\"", "say \\\"hi\\\""),
            ("back\\slash", "back\\\\slash"),
            ("a\nb\rc\td", "a\\nb\\rc\\td"),
            ("\u{0}\u{1b}", "\\u{0}\\u{1b}"),
            ("\u{2028}", "\\u{2028}"),
            ("\") + read(\"x", "\\\") + read(\\\"x"),
            ("中文 😀", "中文 😀"),
            ("trailing\\", "trailing\\\\"),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_string(input), *expected, "input {input:?}");
        }
        for input in HOSTILE {
            assert_eq!(
                unescape_string(&escape_string(input)).as_deref(),
                Some(*input),
                "input {input:?}"
            );
        }
    }

    /// Property tests for both escape functions.
    pub(crate) mod props {
        use super::*;
        use proptest::prelude::*;

        /// Characters weighted towards what Typst and Markdown care about.
        pub(crate) fn hostile_char() -> impl Strategy<Value = char> {
            prop_oneof![
                4 => prop::sample::select(
                    "\\#*_$@<>[]/~=-+\"'`:.;(){}!?%&|^,".chars().collect::<Vec<_>>()
                ),
                2 => prop::char::range('a', 'z'),
                1 => prop::sample::select(vec![
                    ' ', '\t', '\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}',
                    '\u{2029}', '\u{0}', '\u{1b}', '\u{FEFF}', '\u{200D}', '\u{301}',
                    '\u{a0}', '\u{3000}', 'h', '1', '0',
                ]),
                2 => any::<char>(),
            ]
        }

        proptest! {
            /// Random text escapes to inert markup that unescapes to itself.
            #[test]
            fn escape_text_round_trips(chars in prop::collection::vec(hostile_char(), 0..80)) {
                let input: String = chars.into_iter().collect();
                let escaped = escape_text(&input);
                prop_assert_eq!(first_markup_hazard(&escaped), None);
                let expected: String = input
                    .chars()
                    .map(|c| if is_typst_newline(c) { ' ' } else { c })
                    .collect();
                prop_assert_eq!(unescape_markup(&escaped), Some(expected));
            }

            /// Random text escapes to a string literal body that unescapes to itself.
            #[test]
            fn escape_string_round_trips(chars in prop::collection::vec(hostile_char(), 0..80)) {
                let input: String = chars.into_iter().collect();
                let escaped = escape_string(&input);
                prop_assert!(!escaped.chars().any(|c| c.is_control()));
                prop_assert_eq!(unescape_string(&escaped), Some(input));
            }
        }
    }
}
