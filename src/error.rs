//! The one error type of rolecall: what failed, why, what to do, and the exit code.
//!
//! Every stage returns [`Result`]. Problems with the model are not errors but
//! diagnostics (`crate::diag`), collected and shown all at once; an [`Error`] is
//! what stops a command: a file that cannot be read, typst failing, a bad command
//! line. `main` prints it once, in the voice of typst-cli (`error: ...`, then
//! `hint: ...` lines), and exits with its code: 2 for a usage error, as clap
//! does, 1 for everything else.
//!
//! The API follows anyhow's, which the code used before: [`Context`] adds what
//! was being done to any error or `None`, and [`bail!`](crate::bail) returns early.

use std::fmt;

/// Why a command stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What failed, outermost first: the last context added, then what it wraps.
    chain: Vec<String>,
    /// What the user can do about it, in the order added.
    hints: Vec<String>,
    /// The process exit code.
    code: u8,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit code of a failure.
pub const FAILURE: u8 = 1;
/// Exit code of a usage error (a bad argument or a path that is not what it should be).
pub const USAGE: u8 = 2;

impl Error {
    /// A failure (exit 1): lowercase, no trailing period, the cause in parentheses.
    pub fn new(message: impl Into<String>) -> Error {
        Error {
            chain: vec![message.into()],
            hints: Vec::new(),
            code: FAILURE,
        }
    }

    /// A mistake in the command line rather than in the model: exit 2, like clap's own.
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            code: USAGE,
            ..Error::new(message)
        }
    }

    /// The same error, as a usage error (exit 2): for commands whose every
    /// failure means "could not be compared", as `diff` does like diff(1).
    pub fn into_usage(mut self) -> Error {
        self.code = USAGE;
        self
    }

    /// Adds a hint: what to do about it.
    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hints.push(hint.into());
        self
    }

    /// Wraps the error in what was being done (`failed to write the bundle`).
    pub fn context(mut self, what: impl Into<String>) -> Error {
        self.chain.insert(0, what.into());
        self
    }

    /// The outermost message.
    pub fn message(&self) -> &str {
        self.chain.first().map_or("", String::as_str)
    }

    /// What the outermost message wraps, outermost first.
    pub fn causes(&self) -> &[String] {
        self.chain.get(1..).unwrap_or_default()
    }

    /// The hints.
    pub fn hints(&self) -> &[String] {
        &self.hints
    }

    /// The process exit code.
    pub fn code(&self) -> u8 {
        self.code
    }

    /// Whether this is a usage error.
    pub fn is_usage(&self) -> bool {
        self.code == USAGE
    }

    /// The error as printed: `error: ...`, one `caused by:` line per cause,
    /// one `hint:` line per hint. Multi-line messages (typst's diagnostics) keep
    /// their lines, indented.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let mut line = |prefix: &str, text: &str| {
            let mut lines = text.lines();
            out.push_str(prefix);
            out.push_str(lines.next().unwrap_or(""));
            out.push('\n');
            for l in lines {
                out.push_str("  ");
                out.push_str(l);
                out.push('\n');
            }
        };
        line("error: ", self.message());
        for cause in self.causes() {
            line("  caused by: ", cause);
        }
        for hint in &self.hints {
            line("hint: ", hint);
        }
        out
    }
}

impl fmt::Display for Error {
    /// The whole chain on one line, `what: why: cause`, as a message for another error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.chain.join(": "))
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(e: E) -> Error {
        let mut chain = vec![e.to_string()];
        let mut source = e.source();
        while let Some(s) = source {
            let text = s.to_string();
            // Many errors repeat their source in their own message.
            if !chain.iter().any(|c| c.contains(&text)) {
                chain.push(text);
            }
            source = s.source();
        }
        Error {
            chain,
            hints: Vec::new(),
            code: FAILURE,
        }
    }
}

/// Adds what was being done to an error, as anyhow's `Context` does.
pub trait Context<T> {
    /// Wraps the error (or `None`) in `what`.
    fn context(self, what: impl Into<String>) -> Result<T>;
    /// Wraps the error (or `None`) in what `what` returns, computed only on failure.
    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.into().context(what))
    }

    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| e.into().context(what()))
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| Error::new(what))
    }

    fn with_context<S: Into<String>>(self, what: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| Error::new(what()))
    }
}

/// Returns early with an [`Error`] made by `format!`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::Error::new(format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing() -> Result<()> {
        let io: std::io::Result<()> = Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "No such file or directory",
        ));
        io.context("failed to read `x.toml`")
            .map_err(|e| e.hint("check the path"))
    }

    #[test]
    fn report_reads_like_typst_cli() {
        let e = failing().unwrap_err();
        assert_eq!(
            e.report(),
            "error: failed to read `x.toml`\n  caused by: No such file or directory\nhint: check the path\n"
        );
        assert_eq!(e.code(), FAILURE);
        assert_eq!(
            e.to_string(),
            "failed to read `x.toml`: No such file or directory"
        );
    }

    #[test]
    fn usage_errors_exit_2_and_keep_it_through_context() {
        let e = Error::usage("invalid --date").context("cannot check");
        assert_eq!(e.code(), USAGE);
        assert!(e.is_usage());
    }

    #[test]
    fn options_and_multiline_messages() {
        let e = None::<u8>.context("no manifest.json").unwrap_err();
        assert_eq!(e.message(), "no manifest.json");
        let e = Error::new("typst failed\ndocs/a.typ:1:1: error: x");
        assert_eq!(
            e.report(),
            "error: typst failed\n  docs/a.typ:1:1: error: x\n"
        );
    }

    #[test]
    fn bail_formats() {
        fn f(n: u8) -> Result<()> {
            bail!("bad {n}");
        }
        assert_eq!(f(3).unwrap_err().message(), "bad 3");
    }
}
