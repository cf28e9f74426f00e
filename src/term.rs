//! What rolecall prints for people: untrusted text made harmless, and colour.
//!
//! Place in the pipeline: the last step before anything reaches a terminal.
//! Model text (names, ids, references, source lines) comes from whoever wrote
//! the model, and bundle text from whoever handed over the bundle; neither may
//! drive the terminal. [`printable`] is the one function that makes such text
//! safe to print; diagnostics (`crate::diag`) and `verify` pass every piece of
//! untrusted text through it. [`use_color`] decides whether diagnostics are
//! coloured.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::io::IsTerminal as _;

/// When diagnostics are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set
    #[default]
    Auto,
    /// Always, even when NO_COLOR is set
    Always,
    /// Never
    Never,
}

/// Whether a terminal or a text viewer would act on `c` instead of showing it:
/// C0 and C1 control characters (ESC starts escape sequences, BEL rings, CR
/// and backspace overwrite, U+009B is a one-byte CSI), DEL, the bidirectional
/// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which
/// reorder what follows, and the line and paragraph separators.
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// `text` with every character a terminal would act on shown as an escape:
/// `\u{1b}` for ESC, `\u{7}` for BEL, `\n`, `\r` and `\t` as Rust writes them, `\u{202e}` for a right-to-left override. Everything else,
/// CJK and emoji included, is kept. Text without such characters is returned
/// as it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else if is_hostile(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether output to a stream is coloured: `always` and `never` say so; `auto`
/// colours a terminal unless `NO_COLOR` is set to something (see no-color.org).
/// `--color always` wins over `NO_COLOR`: the flag is the more specific wish.
pub fn use_color(choice: ColorChoice, is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// [`use_color`] for standard error, where diagnostics go.
pub fn color_stderr(choice: ColorChoice) -> bool {
    use_color(
        choice,
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        // The reproduction of issue 11 (5): set the window title, clear the
        // screen, hide what follows.
        let title = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{1b}[8m";
        let shown = printable(title);
        assert_eq!(shown, "\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{1b}[8m");
        assert!(!shown.chars().any(is_hostile));
        for (raw, escaped) in [
            ("a\0b", "a\\u{0}b"),
            ("cr\rlf\n", "cr\\rlf\\n"),
            ("tab\t", "tab\\t"),
            ("del\u{7f}", "del\\u{7f}"),
            ("csi\u{9b}31m", "csi\\u{9b}31m"),
            ("nel\u{85}", "nel\\u{85}"),
            ("\u{202e}evil\u{202c}", "\\u{202e}evil\\u{202c}"),
            ("\u{2066}iso\u{2069}", "\\u{2066}iso\\u{2069}"),
            ("line\u{2028}sep", "line\\u{2028}sep"),
            // A name from a tampered bundle, as `verify` shows it.
            ("a\u{1b}[2Jb\nc", "a\\u{1b}[2Jb\\nc"),
        ] {
            assert_eq!(printable(raw), escaped, "{raw:?}");
        }
    }

    #[test]
    fn ordinary_text_is_kept_as_it_is() {
        for text in [
            "",
            "张伟 (Zhang Wei)",
            "فاطمة",
            "emoji 🎉",
            "Müller & Söhne",
            "\\u{1b}",
        ] {
            assert!(matches!(printable(text), Cow::Borrowed(t) if t == text));
        }
        // Zero-width joiners and marks are shown (they are not controls).
        assert_eq!(printable("👩\u{200d}💻"), "👩\u{200d}💻");
    }

    #[test]
    fn color_follows_the_flag_the_terminal_and_no_color() {
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(use_color(ColorChoice::Auto, true, empty));
        assert!(!use_color(ColorChoice::Auto, true, set));
        assert!(!use_color(ColorChoice::Auto, false, None));
        assert!(use_color(ColorChoice::Always, false, set));
        assert!(!use_color(ColorChoice::Never, true, None));
    }
}
