//! What rolecall prints for people: untrusted text made harmless, and colour.
//!
//! Place in the pipeline: the last step before anything reaches a terminal.
//! Model text (names, ids, references, source lines) comes from whoever wrote
//! the model, and bundle text from whoever handed over the bundle; neither may
//! drive the terminal. [`printable`] is the one function that makes such text
//! safe to print; diagnostics (`crate::diag`) and `verify` pass every piece of
//! untrusted text through it. [`use_color`] decides whether diagnostics are
//! coloured.
//!
//! [`out`] and [`err`] are the only way rolecall writes to standard output and
//! standard error (clippy.toml disallows `println!` and its kin, which panic when
//! the reader has gone away): a closed pipe (`rolecall explain --list | head`)
//! ends the output quietly, as ripgrep does, and the command still ends with its
//! own exit status, so that `set -o pipefail` in CI sees a failed `check`.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

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

/// `text` with every line made [`printable`], line breaks kept: for a message of
/// several lines that may quote untrusted text (an error and its causes).
pub fn printable_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_hostile(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.split('\n')
            .map(|line| printable(line))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Set once standard output turned out to be a closed pipe: later output is dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);
/// The same for standard error.
static STDERR_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `bytes` to `stream` and flushes it. A closed pipe is remembered in
/// `closed` and not an error: whoever read the output stopped reading.
fn write(
    mut stream: impl std::io::Write,
    closed: &AtomicBool,
    bytes: &[u8],
) -> std::io::Result<()> {
    if closed.load(Ordering::Relaxed) {
        return Ok(());
    }
    match stream.write_all(bytes).and_then(|()| stream.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            closed.store(true, Ordering::Relaxed);
            Ok(())
        }
        other => other,
    }
}

/// Writes `text` (or bytes) to standard output. A closed pipe drops the rest of
/// the output quietly; any other failure (a full disk behind `> file`) is an error.
pub fn out(text: impl AsRef<[u8]>) -> Result<()> {
    write(std::io::stdout().lock(), &STDOUT_CLOSED, text.as_ref())
        .map_err(|e| Error::from(e).context("failed to write to standard output"))
}

/// Writes `text` to standard error, ignoring every failure: there is nowhere
/// left to report it.
pub fn err(text: &str) {
    let _ = write(std::io::stderr().lock(), &STDERR_CLOSED, text.as_bytes());
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
    fn lines_are_escaped_one_by_one() {
        assert_eq!(printable_lines("a\nb"), "a\nb");
        assert_eq!(
            printable_lines("error: x\u{1b}[2J\n  caused by: \u{7}"),
            "error: x\\u{1b}[2J\n  caused by: \\u{7}"
        );
    }

    #[test]
    fn a_closed_pipe_is_remembered_and_not_an_error() {
        struct Closed(usize);
        impl std::io::Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                self.0 += 1;
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let closed = AtomicBool::new(false);
        let mut pipe = Closed(0);
        assert!(write(&mut pipe, &closed, b"x").is_ok());
        assert!(closed.load(Ordering::Relaxed));
        assert!(write(&mut pipe, &closed, b"y").is_ok());
        assert_eq!(pipe.0, 1, "nothing is written after the pipe closed");
        // Another failure is one.
        struct Full;
        impl std::io::Write for Full {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("no space left on device"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        assert!(write(Full, &AtomicBool::new(false), b"x").is_err());
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
