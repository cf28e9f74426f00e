//! Diagnostics as SARIF 2.1.0, the format code-scanning services read.
//!
//! One run of the tool `rolecall`, whose driver lists every rule of the
//! catalogue (what it checks, why, how to fix, a link to docs/rules.md); one
//! result per diagnostic with its rule, level, message (and hint), its place
//! as a region of the model file (columns in Unicode code points, as
//! rolecall counts them) and its secondary labels as related locations.
//! Upload it with GitHub's `github/codeql-action/upload-sarif` (docs/rules.md).

use serde_json::{Value, json};

use super::{Diagnostic, LineIndex, Located, SourceFile, shown};
use crate::rules::{self, Severity};

/// The SARIF version written, and the schema tests validate it against.
pub const VERSION: &str = "2.1.0";

/// Renders diagnostics as a SARIF 2.1.0 log. `fallback` (the model path as
/// given) is the place of a diagnostic that has none in a file: code scanning
/// wants every result somewhere.
pub fn render(diags: &[Diagnostic], sources: &[SourceFile], fallback: &str) -> String {
    let mut index = LineIndex::new(sources);
    let repository = env!("CARGO_PKG_REPOSITORY");
    let rules: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.checks },
                "fullDescription": { "text": r.why },
                "help": { "text": r.fix, "markdown": r.fix },
                "helpUri": format!(
                    "{repository}/blob/main/docs/rules.md#{}-{}",
                    r.code.to_lowercase(),
                    r.name
                ),
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut text = shown(&d.message);
            if let Some(hint) = &d.hint {
                text.push_str("\nhint: ");
                text.push_str(&shown(hint));
            }
            let location = match d.location.as_ref().and_then(|l| index.locate(l)) {
                Some(at) => physical(&at),
                None => json!({ "artifactLocation": { "uri": uri(fallback) } }),
            };
            let related: Vec<Value> = d
                .labels
                .iter()
                .filter_map(|l| Some((l, index.locate(&l.location)?)))
                .enumerate()
                .map(|(id, (l, at))| {
                    json!({
                        "id": id,
                        "message": { "text": shown(&l.message) },
                        "physicalLocation": physical(&at),
                    })
                })
                .collect();
            let mut result = json!({
                "ruleId": d.rule.code,
                "ruleIndex": rules::ALL.iter().position(|r| r.code == d.rule.code),
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [ { "physicalLocation": location } ],
            });
            if !related.is_empty() {
                result["relatedLocations"] = Value::Array(related);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": VERSION,
        "runs": [{
            "tool": { "driver": {
                "name": "rolecall",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": repository,
                "rules": rules,
            } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A SARIF `physicalLocation`: the file and the region.
fn physical(at: &Located) -> Value {
    json!({
        "artifactLocation": { "uri": uri(&at.src.path.display().to_string()) },
        "region": {
            "startLine": at.line,
            "startColumn": at.col,
            "endLine": at.end_line,
            "endColumn": at.end_col,
        },
    })
}

/// A path as a URI reference: relative paths stay relative (code scanning
/// resolves them against the checkout), absolute ones become `file://` URIs;
/// anything but unreserved characters and `/` is percent-encoded.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let scheme = if path.starts_with('/') { "file://" } else { "" };
    format!("{scheme}{}", crate::url::percent_encode(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri("isms-model/people.toml"), "isms-model/people.toml");
        assert_eq!(
            uri("/srv/m/roles é.toml"),
            "file:///srv/m/roles%20%C3%A9.toml"
        );
        assert_eq!(uri("a#b?c%d"), "a%23b%3Fc%25d");
    }
}
