//! Diagnostics as GitHub Actions workflow commands.
//!
//! One line per diagnostic, `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=T::MESSAGE`
//! (or `::warning`), which GitHub turns into an annotation on that line of
//! the pull request's diff. The message carries the hint on a second line.
//! Values are escaped as the runner expects (`%`, CR and LF in the message;
//! also `:` and `,` in properties), after `crate::term::printable`.

use std::fmt::Write as _;

use super::{Diagnostic, LineIndex, SourceFile, shown};
use crate::rules::Severity;
use crate::term::printable;

/// Renders one workflow command per diagnostic.
pub fn render(diags: &[Diagnostic], sources: &[SourceFile]) -> String {
    let mut index = LineIndex::new(sources);
    let mut out = String::new();
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(at) = d.location.as_ref().and_then(|l| index.locate(l)) {
            props.push(format!(
                "file={}",
                property(&at.src.path.display().to_string())
            ));
            props.push(format!("line={}", at.line));
            props.push(format!("col={}", at.col));
            props.push(format!("endLine={}", at.end_line));
            // GitHub's end column is the last one annotated, and only
            // meaningful on the start's line.
            if at.end_line == at.line && at.end_col > at.col {
                props.push(format!("endColumn={}", at.end_col - 1));
            }
        }
        props.push(format!(
            "title={}",
            property(&format!("{} {}", d.rule.code, d.rule.name))
        ));
        let mut message = shown(&d.message);
        // An annotation has one place: the others are named in its text.
        for label in &d.labels {
            if let Some(at) = index.locate(&label.location) {
                let path = at.src.path.display().to_string();
                let _ = write!(
                    message,
                    "\n{}: {}:{}:{}",
                    shown(&label.message),
                    printable(&path),
                    at.line,
                    at.col
                );
            }
        }
        if let Some(hint) = &d.hint {
            message.push_str("\nhint: ");
            message.push_str(&shown(hint));
        }
        let _ = writeln!(out, "::{command} {}::{}", props.join(","), data(&message));
    }
    out
}

/// A command's message, escaped as the runner unescapes it.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: [`data`], and the separators `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use crate::rules;

    #[test]
    fn one_command_per_diagnostic_escaped() {
        let sources = [SourceFile {
            path: "m/a,b:c.toml".into(),
            rel: "a,b:c.toml".into(),
            text: "x = \"100%\"\n".into(),
        }];
        let located = Diagnostic::new(&rules::SCHEMA, "unknown key `x` (100%)")
            .at(Some(Location {
                file: 0,
                span: 0..1,
            }))
            .hint("remove it");
        let unlocated = Diagnostic::new(&rules::VACANT_ROLE, "role `r` has no active holder");
        let out = render(&[located, unlocated], &sources);
        assert_eq!(
            out,
            "::error file=m/a%2Cb%3Ac.toml,line=1,col=1,endLine=1,endColumn=1,title=RC002 schema::unknown key `x` (100%25)%0Ahint: remove it\n\
             ::warning title=RC042 vacant-role::role `r` has no active holder\n"
        );
    }
}
