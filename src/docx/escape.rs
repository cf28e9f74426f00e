//! Escaping of untrusted text for WordprocessingML.
//!
//! Place in the pipeline: Markdown rendered from templates → WordprocessingML
//! (built by [`super::writer`] and [`super::package`]) → a `.docx` zip. Every
//! piece of text that reaches an XML part, as character data or as an attribute
//! value, goes through [`escape`]; every hyperlink target goes through
//! [`escape_uri`] first. So this module is where "model text is shown
//! literally and never read as markup or as a field" is decided.
//!
//! Why this is enough: XML gives meaning only to `<`, `&`, and, in attribute
//! values, to the quote characters; `>` matters only in `]]>`, which is
//! escaped along with it. Word fields exist only as `w:fldChar`/`w:instrText`/
//! `w:fldSimple` elements, which text can no longer create, so `{ PAGE }` in
//! text stays four characters. What XML 1.0 cannot carry at all (most C0
//! control characters, U+FFFE, U+FFFF) would make Word refuse the whole file;
//! those become a visible stand-in instead.

/// Escapes `s` for XML character data and for attribute values (either quote).
///
/// - `&`, `<`, `>`, `"` and `'` become entity references.
/// - Tab, line feed and carriage return become character references, so an
///   XML parser keeps them as they are instead of normalising them to spaces
///   in attributes (the writer turns tabs and line breaks in document text
///   into `w:tab`/`w:br` elements before it calls this); so do NEL and LS,
///   which XML 1.1 readers would take for line ends.
/// - Control characters that XML 1.0 forbids even as references (U+0000 to
///   U+001F except the three above) become their Unicode Control Picture
///   (U+2400 to U+241F, e.g. `␀`), U+FFFE and U+FFFF the replacement
///   character U+FFFD: visible, and unmistakable for anything else.
/// - Everything else (all other Unicode, including DEL, C1 controls, U+FEFF,
///   right-to-left and CJK text) is copied unchanged; XML 1.0 allows it.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            // XML 1.1 readers take NEL and LS for line ends; a reference is never one.
            '\u{85}' => out.push_str("&#133;"),
            '\u{2028}' => out.push_str("&#8232;"),
            '\u{0}'..='\u{1F}' => out.push(control_picture(c)),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The Unicode Control Picture for a C0 control character (`␀` for U+0000).
fn control_picture(c: char) -> char {
    char::from_u32(0x2400 + u32::from(c)).unwrap_or('\u{FFFD}')
}

/// Makes a Markdown link destination a URI that Word accepts as a
/// relationship target: characters that a URI may not contain (spaces,
/// controls, non-ASCII, `"<>\^`{|}`) are percent-encoded as UTF-8; `%` and
/// the URI's own punctuation are kept, so an already encoded URL is unchanged.
/// The result still goes through [`escape`] when written.
pub fn escape_uri(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        let keep = c.is_ascii_graphic() && !"\"<>\\^`{|}".contains(c);
        if keep {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// Escaping tests and the hostile strings shared with the writer tests.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Model text that must come out of a DOCX exactly as it went in.
    pub(crate) const HOSTILE: &[&str] = &[
        "<w:p><w:r><w:t>injected</w:t></w:r></w:p>",
        "a & b &amp; &lt; &#x41; &unknown;",
        "]]> <![CDATA[x]]>",
        "<?xml version=\"1.0\"?> <!-- comment --> <!DOCTYPE x>",
        "\"double\" and 'single' quotes",
        "{ PAGE } { NUMPAGES } {PAGE \\* MERGEFORMAT}",
        "<w:fldSimple w:instr=\"PAGE\"/>",
        "<w:instrText> TOC \\o </w:instrText>",
        "#read(\"/etc/passwd\") *not emphasis* _nor this_",
        "café naïve Åström",
        "中文字符 日本語 한국어",
        "مرحبا بالعالم",
        "שלום עולם",
        "\u{202E}reversed\u{202C} \u{200F}rlm",
        "👩‍👩‍👧‍👦 family 🏳️‍🌈",
        "e\u{301}\u{302} combining",
        "\u{FEFF}bom \u{7f}del \u{85}nel \u{9b}csi",
        "\u{2028}ls\u{2029}ps",
    ];

    /// Reads XML-escaped text back the way an XML parser does.
    fn unescape(s: &str) -> String {
        quick_xml::escape::unescape(s)
            .map(|c| c.into_owned())
            .unwrap_or_else(|e| panic!("{e} in {s:?}"))
    }

    /// Hostile strings survive escaping exactly and contain no markup.
    #[test]
    fn hostile_strings_round_trip() {
        for input in HOSTILE {
            let escaped = escape(input);
            assert!(!escaped.contains('<'), "{escaped:?}");
            assert!(!escaped.contains('>'), "{escaped:?}");
            assert!(!escaped.contains('"'), "{escaped:?}");
            assert_eq!(&unescape(&escaped), input);
        }
    }

    /// Characters XML 1.0 cannot carry become visible stand-ins; tab, LF and
    /// CR are kept as references.
    #[test]
    fn controls_become_pictures() {
        assert_eq!(escape("\u{0}\u{1}\u{1f}"), "\u{2400}\u{2401}\u{241f}");
        assert_eq!(escape("\u{b}\u{c}"), "\u{240b}\u{240c}");
        assert_eq!(escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        assert_eq!(escape("\u{fffe}\u{ffff}"), "\u{fffd}\u{fffd}");
        assert_eq!(escape("\u{7f}\u{feff}\u{2029}"), "\u{7f}\u{feff}\u{2029}");
        assert_eq!(escape("\u{85}\u{2028}"), "&#133;&#8232;");
    }

    /// Every output character is one XML 1.0 allows.
    #[test]
    fn output_is_xml_1_0_text() {
        let all: String = (0u32..0x3000)
            .chain(0xFFF0..0x10000)
            .filter_map(char::from_u32)
            .collect();
        for c in escape(&all).chars() {
            let allowed = matches!(c, '\t' | '\n' | '\r')
                || ('\u{20}'..='\u{D7FF}').contains(&c)
                || ('\u{E000}'..='\u{FFFD}').contains(&c)
                || c >= '\u{10000}';
            assert!(allowed, "U+{:04X}", u32::from(c));
        }
    }

    /// A 100,000-character word is escaped in one linear pass.
    #[test]
    fn very_long_word() {
        let word = "<&".repeat(50_000);
        let escaped = escape(&word);
        assert_eq!(escaped.len(), 50_000 * ("&lt;".len() + "&amp;".len()));
        assert_eq!(unescape(&escaped), word);
    }

    /// URIs keep their punctuation and percent-encode what a URI cannot hold.
    #[test]
    fn uris() {
        assert_eq!(
            escape_uri("https://e.com/a?b=c&d=%20#f"),
            "https://e.com/a?b=c&d=%20#f"
        );
        assert_eq!(escape_uri("a b\"<>"), "a%20b%22%3C%3E");
        assert_eq!(escape_uri("ä\u{0}"), "%C3%A4%00");
        assert_eq!(escape_uri("{x}|`^\\"), "%7Bx%7D%7C%60%5E%5C");
    }
}
