//! `manifest.json` and `SHA256SUMS`: written by `build`, read by `verify` and `diff`.
//!
//! The one place that knows the two listings' formats: [`Manifest`] is both the
//! type `build` serialises and the one `verify` parses, and [`Sums`] writes and
//! parses the `<sha256>  <path>` lines that `sha256sum -c` reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;

/// One `files` entry of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Bundle-relative path.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// One `signature-sheets` entry of `manifest.json`: what `rolecall verify`
/// checks a sheet against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetEntry {
    /// Bundle-relative path of the sheet's Markdown.
    pub path: String,
    /// The sheet's id, as `[[signatures]] sheet` names it.
    #[serde(default)]
    pub sheet: String,
    /// Bundle-relative path of the bound document's Markdown.
    pub document: String,
    /// SHA-256 of the bound document's Markdown, as printed on the sheet.
    pub digest: String,
}

/// One `signatures` entry of `manifest.json`: a signature a sheet asks for,
/// and where it stands, as the bundle's register shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SignatureEntry {
    /// The sheet id the signature is recorded under (`all-staff/<person>` for a line).
    pub sheet: String,
    /// Bundle-relative path of the sheet.
    pub path: String,
    /// Bundle-relative path of the document it binds.
    pub document: String,
    /// That document's SHA-256.
    pub digest: String,
    /// In what capacity: `assigner`, `governing-body`, `appointee`, `approver`,
    /// `staff` or `resolution`.
    pub party: String,
    /// Who signs: a person id, or `governing-body`.
    pub signer: String,
    /// Their name as the sheet prints it.
    pub name: String,
    /// `signed`, `outdated` or `outstanding`.
    pub status: String,
    /// The date of the record that decides the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The digest that record gives (12 or 64 hex digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// The scan or signed PDF of that record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceEntry>,
}

/// The evidence file of a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceEntry {
    /// Bundle-relative path (below `model/`).
    pub path: String,
    /// `scan` (PNG, JPEG, or a PDF without text), `pdf-with-digest` (a PDF whose
    /// text carries the recorded digest) or `pdf-without-digest`.
    pub kind: String,
}

/// `manifest.json`. Reading is lenient about keys a later version may add.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    /// Always `rolecall`.
    #[serde(default)]
    pub tool: String,
    /// rolecall's version.
    #[serde(default)]
    pub tool_version: String,
    /// The bundle date, `YYYY-MM-DD`.
    #[serde(default)]
    pub bundle_date: Option<String>,
    /// The organisation.
    #[serde(default)]
    pub organisation: String,
    /// SHA-256 over the `model/` lines of `SHA256SUMS` ([`model_digest`]).
    #[serde(default)]
    pub model_digest: Option<String>,
    /// Font families the PDFs' text is set in (empty for a Markdown-only bundle).
    #[serde(default)]
    pub fonts: Vec<String>,
    /// Each signature sheet and the exact document content its signatures bind to.
    #[serde(default)]
    pub signature_sheets: Vec<SheetEntry>,
    /// Every signature the sheets ask for, with its status; `None` in a bundle
    /// of a rolecall that did not list them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<Vec<SignatureEntry>>,
    /// Every file but `manifest.json` and `SHA256SUMS`, sorted by path.
    pub files: Vec<ManifestEntry>,
}

impl Manifest {
    /// The manifest as written: pretty JSON ending with a newline.
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Parses `manifest.json`; the error says why it is not a rolecall manifest.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a rolecall manifest ({e})"))
    }

    /// The files by path, with the paths listed more than once.
    pub fn listing(&self) -> (BTreeMap<&str, &ManifestEntry>, Vec<&str>) {
        let mut listing = BTreeMap::new();
        let mut twice = Vec::new();
        for f in &self.files {
            if listing.insert(f.path.as_str(), f).is_some() {
                twice.push(f.path.as_str());
            }
        }
        (listing, twice)
    }
}

/// `SHA256SUMS`: one `<sha256>  <path>` line per file, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    /// SHA-256 by path.
    pub hashes: BTreeMap<String, String>,
}

/// A line of `SHA256SUMS` that is not a `<sha256>  <path>` line, or repeats a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumsProblem {
    /// 1-based line number; 0 for the file as a whole.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Sums {
    /// The checksums of `files`.
    pub fn of<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Sums {
        Sums {
            hashes: files
                .into_iter()
                .map(|(p, b)| (p.to_string(), sha256_hex(b)))
                .collect(),
        }
    }

    /// The text of `SHA256SUMS`, sorted by path, as `sha256sum -c` reads it.
    pub fn to_text(&self) -> String {
        self.hashes
            .iter()
            .map(|(path, hash)| format!("{hash}  {path}\n"))
            .collect()
    }

    /// Parses `SHA256SUMS` strictly (lowercase hex, two spaces, a path, a final
    /// newline); `None` when it is not text at all.
    pub fn parse(bytes: &[u8]) -> Option<(Sums, Vec<SumsProblem>)> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut sums = Sums::default();
        let mut problems = Vec::new();
        if !text.is_empty() && !text.ends_with('\n') {
            problems.push(SumsProblem {
                line: 0,
                message: "does not end with a newline".into(),
            });
        }
        for (n, line) in text.lines().enumerate() {
            let parsed = line.split_once("  ").filter(|(hash, path)| {
                hash.len() == 64
                    && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                    && !path.is_empty()
            });
            let Some((hash, path)) = parsed else {
                problems.push(SumsProblem {
                    line: n + 1,
                    message: "not a `<sha256>  <path>` line".into(),
                });
                continue;
            };
            if sums
                .hashes
                .insert(path.to_string(), hash.to_string())
                .is_some()
            {
                problems.push(SumsProblem {
                    line: n + 1,
                    message: format!("lists `{path}` a second time"),
                });
            }
        }
        Some((sums, problems))
    }

    /// The model digest of a bundle: SHA-256 of its `model/` lines, in order.
    pub fn model_digest(&self) -> String {
        let model: String = self
            .hashes
            .iter()
            .filter(|(p, _)| p.starts_with("model/"))
            .map(|(path, hash)| format!("{hash}  {path}\n"))
            .collect();
        sha256_hex(model.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_round_trip_and_sort() {
        let sums = Sums::of([("b.md", &b"b"[..]), ("a.md", &b"a"[..])]);
        let text = sums.to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("  a.md"));
        assert!(
            lines[0]
                .starts_with("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
        );
        let (back, problems) = Sums::parse(text.as_bytes()).unwrap();
        assert_eq!(back, sums);
        assert!(problems.is_empty());
    }

    #[test]
    fn sums_lines_are_parsed_strictly() {
        let h = "a".repeat(64);
        let text = format!("{h}  a.md\n{h} b.md\n{}  c.md\n{h}  a.md\n", "A".repeat(64));
        let (sums, problems) = Sums::parse(text.as_bytes()).unwrap();
        assert_eq!(sums.hashes.len(), 1);
        let at: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(at, [2, 3, 4]);
        let (_, problems) = Sums::parse(format!("{h}  a.md").as_bytes()).unwrap();
        assert!(problems[0].message.contains("newline"));
        assert!(Sums::parse(&[0xff, 0xfe]).is_none());
    }

    #[test]
    fn manifest_round_trips() {
        let m = Manifest {
            tool: "rolecall".into(),
            tool_version: "0.1.0".into(),
            bundle_date: Some("2026-11-23".into()),
            organisation: "Org".into(),
            model_digest: Some("d".repeat(64)),
            fonts: vec![],
            signature_sheets: vec![],
            signatures: None,
            files: vec![ManifestEntry {
                path: "a.md".into(),
                sha256: "e".repeat(64),
                size: 1,
            }],
        };
        let back = Manifest::parse(m.to_json().as_bytes()).unwrap();
        assert_eq!(back.files, m.files);
        assert_eq!(back.bundle_date, m.bundle_date);
        assert!(
            Manifest::parse(b"{}")
                .unwrap_err()
                .contains("not a rolecall manifest")
        );
    }
}
