//! Diagnostics as one JSON document, for scripts and CI.
//!
//! `{"diagnostics": [...], "errors": N, "warnings": N}`; each diagnostic has
//! its severity, code, rule name, message, file, line and column (1-based,
//! columns in characters), where it ends, the hint, and `related` places
//! (the secondary labels of the human output). Documented in docs/rules.md.

use serde::Serialize;

use super::{Diagnostic, LineIndex, SourceFile, shown};
use crate::rules::Severity;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    code: &'a str,
    rule: &'a str,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    hint: Option<String>,
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonRelated {
    message: String,
    file: String,
    line: usize,
    column: usize,
}

/// Renders diagnostics as a JSON document `{"diagnostics": [...], "errors": N, "warnings": N}`.
pub fn render(diags: &[Diagnostic], sources: &[SourceFile]) -> String {
    let mut index = LineIndex::new(sources);
    let path = |s: &SourceFile| s.path.display().to_string();
    let items: Vec<JsonDiagnostic> = diags
        .iter()
        .map(|d| {
            let at = d.location.as_ref().and_then(|l| index.locate(l));
            JsonDiagnostic {
                severity: d.severity,
                code: d.rule.code,
                rule: d.rule.name,
                message: shown(&d.message),
                file: at.map(|a| path(a.src)),
                line: at.map(|a| a.line),
                column: at.map(|a| a.col),
                end_line: at.map(|a| a.end_line),
                end_column: at.map(|a| a.end_col),
                hint: d.hint.as_deref().map(shown),
                related: d
                    .labels
                    .iter()
                    .filter_map(|l| {
                        let at = index.locate(&l.location)?;
                        Some(JsonRelated {
                            message: shown(&l.message),
                            file: path(at.src),
                            line: at.line,
                            column: at.col,
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let doc = serde_json::json!({
        "diagnostics": items,
        "errors": errors,
        "warnings": diags.len() - errors,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Location;
    use crate::rules;

    #[test]
    fn names_place_end_hint_and_related_places() {
        let text = "id = \"a\"\nid = \"a\"\n";
        let sources = [SourceFile {
            path: "m.toml".into(),
            rel: "m.toml".into(),
            text: text.into(),
        }];
        let d = Diagnostic::new(&rules::DUPLICATE_ID, "duplicate person id `a`")
            .at(Some(Location {
                file: 0,
                span: 14..17,
            }))
            .hint("rename one")
            .label(
                Some(Location {
                    file: 0,
                    span: 5..8,
                }),
                "first defined here",
            );
        let doc: serde_json::Value = serde_json::from_str(&render(&[d], &sources)).unwrap();
        let d = &doc["diagnostics"][0];
        assert_eq!(d["code"], "RC011");
        assert_eq!(d["rule"], "duplicate-id");
        assert_eq!(
            (d["line"].as_u64(), d["column"].as_u64()),
            (Some(2), Some(6))
        );
        assert_eq!(
            (d["end_line"].as_u64(), d["end_column"].as_u64()),
            (Some(2), Some(9))
        );
        assert_eq!(d["hint"], "rename one");
        assert_eq!(d["related"][0]["message"], "first defined here");
        assert_eq!(d["related"][0]["line"], 1);
        assert_eq!(
            (doc["errors"].as_u64(), doc["warnings"].as_u64()),
            (Some(1), Some(0))
        );
    }
}
