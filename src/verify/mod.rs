//! Checking a built evidence bundle: `rolecall verify`.
//!
//! Runs after the pipeline, on what [`crate::bundle`] wrote (the directory or the
//! zip), typically on the auditor's machine. [`verify`] is the one entry point:
//! it reads the bundle without trusting it (no path from a zip is ever used on
//! disk, symbolic links are reported instead of followed, every read is bounded)
//! and returns a [`Report`] listing every problem found:
//! - each file against `manifest.json` and `SHA256SUMS`, and the two against each
//!   other (modified, missing and unexpected files);
//! - each signature sheet against the document it binds (the digest it prints);
//! - the model copy in `model/` against the manifest's model digest;
//! - the signatures the manifest lists: each status against the digest
//!   recorded and the sheet's, each evidence file against what it was when the
//!   bundle was built (a PDF still carries the recorded digest), and their counts,
//!   which are the register's ([`Report::signatures`]);
//! - `SHA256SUMS.sig`, when given an `allowed_signers` file ([`crate::bundle_sig`]).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::bundle::manifest::{Manifest, SheetEntry, SignatureEntry, Sums};
use crate::bundle::{self, BundleFile};
use crate::error::{Error, Result};
use crate::model::EvidenceKind;
use crate::signatures::{Counts, Status};

mod zip;
use self::zip::read_zip_bundle;
use crate::bundle_sig::{self, AllowedSigners, Signer};

/// Largest single file that is read; a larger one is reported, not read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// Most bytes read from one bundle in all (a zip bomb stops here).
pub const MAX_TOTAL_BYTES: u64 = 4 * 1024 * 1024 * 1024;
/// Most bytes kept in memory: `manifest.json`, `SHA256SUMS`, the sheets and
/// `model/` (every other file is hashed as it streams past).
pub const MAX_KEPT_BYTES: u64 = 256 * 1024 * 1024;
/// Most files (or zip entries) looked at.
pub const MAX_ENTRIES: usize = 100_000;
/// How deep a bundle directory may nest.
const MAX_DEPTH: usize = 32;

/// Bundle files that are in `signatures/` but are not signature sheets: the
/// register of recorded signatures (issue 4) lists sheets, it is not one.
const NOT_SHEETS: &[&str] = &["signatures/register.md"];

/// What went wrong, for `--format json` consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The file's content differs from what both listings say.
    Modified,
    /// A listed file is not in the bundle.
    Missing,
    /// A file in the bundle is listed nowhere.
    Unexpected,
    /// `manifest.json` and `SHA256SUMS` disagree, or one of them lacks a file.
    Listing,
    /// `manifest.json` or `SHA256SUMS` cannot be read as what it should be.
    Malformed,
    /// A signature sheet does not bind the document in the bundle.
    Signature,
    /// The model copy does not have the manifest's model digest.
    ModelDigest,
    /// A path, link or entry that no bundle rolecall writes can contain.
    Tampering,
    /// A file larger than verify reads.
    TooLarge,
    /// A file that could not be read (damaged zip entry, I/O error).
    Unreadable,
    /// `SHA256SUMS.sig` is missing, or does not verify against the allowed signers.
    BundleSignature,
    /// An evidence file is not what the manifest says it is (a PDF no longer
    /// carries the recorded digest).
    Evidence,
    /// Not every signature is current, and `--require-signatures` asks for it.
    Unsigned,
}

/// One problem, about one file.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// The bundle-relative path (or zip entry name) the problem is about.
    pub path: String,
    /// What kind of problem.
    pub kind: Kind,
    /// What is wrong, without the path.
    pub message: String,
}

impl Problem {
    fn new(path: impl Into<String>, kind: Kind, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            kind,
            message: message.into(),
        }
    }
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Report {
    /// The bundle as named on the command line.
    pub bundle: String,
    /// `true` when there is no problem.
    pub verified: bool,
    /// Files found in the bundle (`manifest.json` and `SHA256SUMS` included).
    pub files: usize,
    /// Signature sheets listed in the manifest.
    pub signature_sheets: usize,
    /// The manifest's model digest, when it has one.
    pub model_digest: Option<String>,
    /// How many signatures are current, for an older version and outstanding
    /// (the register's counts); `None` for a bundle whose manifest does not
    /// list its signatures.
    pub signatures: Option<Counts>,
    /// Every problem found, in the order checked.
    pub problems: Vec<Problem>,
    /// What became of `SHA256SUMS.sig`.
    pub signature: SignatureCheck,
}

/// The bundle signature's part of the [`Report`].
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureCheck {
    /// The bundle has no `SHA256SUMS.sig` (a problem when signers were given).
    Absent,
    /// `SHA256SUMS.sig` is there, but no `allowed_signers` file was given.
    Unchecked,
    /// `SHA256SUMS.sig` verifies; its key is admitted by `allowed_signers`.
    Verified {
        /// Who signed.
        signer: Signer,
        /// The `allowed_signers` file, as named on the command line.
        allowed_signers: String,
    },
    /// `SHA256SUMS.sig` does not verify; a problem says why.
    Refused,
}

/// Verifies the bundle at `path`: a `.zip` or an unpacked bundle directory.
///
/// Problems with the bundle are in the report; an error (a usage error) means
/// `path` could not be checked at all (unreadable, not a zip, not a bundle).
///
/// With `signers`, `SHA256SUMS.sig` must verify and be admitted by them; with
/// `require_signatures`, every signature must be current.
pub fn verify(
    path: &Path,
    signers: Option<&AllowedSigners>,
    require_signatures: bool,
) -> Result<Report> {
    let found = read_bundle(path)?;
    let mut report = report(path.display().to_string(), found, signers);
    if require_signatures {
        let missing = match report.signatures {
            Some(c) if c.current == c.total() => None,
            Some(c) => Some(format!(
                "{} of {} signatures are not current ({} for an older version, {} outstanding), and --require-signatures asks for all",
                c.outdated + c.outstanding,
                c.total(),
                c.outdated,
                c.outstanding
            )),
            None => Some(
                "manifest.json does not list the signatures (a bundle of an earlier rolecall), so --require-signatures cannot be met".to_string(),
            ),
        };
        if let Some(message) = missing {
            report
                .problems
                .push(Problem::new(REGISTER, Kind::Unsigned, message));
            report.verified = false;
        }
    }
    Ok(report)
}

/// The register, which the problem of `--require-signatures` names.
const REGISTER: &str = "signatures/register.md";

/// Reads the bundle at `path` (nothing checked yet); an error when `path` is not
/// a bundle at all.
fn read_bundle(path: &Path) -> Result<Found> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| {
        Error::usage(format!("cannot read `{shown}` ({e})"))
            .hint("pass an evidence bundle: its directory or its .zip")
    })?;
    let not_a_bundle = || {
        Error::usage(format!(
            "`{shown}` is not an evidence bundle (it holds no manifest.json or SHA256SUMS)"
        ))
        .hint("pass the directory or .zip that `rolecall build` wrote (OUT/<org>-evidence-<date>)")
    };
    let found = if meta.is_dir() {
        // Checked first, so that a wrong directory is not read through.
        let has = |name: &str| std::fs::symlink_metadata(path.join(name)).is_ok();
        if !has("manifest.json") && !has("SHA256SUMS") {
            return Err(not_a_bundle());
        }
        read_dir_bundle(path)
    } else {
        read_zip_bundle(path)?
    };
    if !found.files.contains_key("manifest.json")
        && !found.files.contains_key("SHA256SUMS")
        && found.problems.is_empty()
    {
        return Err(not_a_bundle());
    }
    Ok(found)
}

/// Checks what [`read_bundle`] found.
fn report(shown: String, found: Found, signers: Option<&AllowedSigners>) -> Report {
    if found.files.is_empty() {
        // A damaged zip, or one whose every entry was refused: nothing to compare.
        return Report {
            bundle: shown,
            verified: false,
            files: 0,
            signature_sheets: 0,
            model_digest: None,
            signatures: None,
            problems: found.problems,
            signature: SignatureCheck::Absent,
        };
    }
    check(shown, found, signers)
}

/// One file of the bundle as read.
#[derive(Debug)]
struct FoundFile {
    /// SHA-256 and size, or `None` when it could not be read (a problem says why).
    hash: Option<(String, u64)>,
    /// The content, for the files verify reads (see [`keeps`]).
    bytes: Option<Vec<u8>>,
}

/// Everything read from a bundle, before any check.
#[derive(Debug, Default)]
struct Found {
    /// Files by bundle-relative path.
    files: BTreeMap<String, FoundFile>,
    /// Problems met while reading (tampering, oversize, unreadable).
    problems: Vec<Problem>,
    /// Bytes read so far.
    total: u64,
    /// Bytes kept so far.
    kept: u64,
    /// Entries looked at so far.
    entries: usize,
}

/// Files whose content the checks need, beyond their hash.
fn keeps(rel: &str) -> bool {
    rel == "manifest.json"
        || rel == "SHA256SUMS"
        || rel == bundle_sig::FILE
        || rel.starts_with("model/")
        || (rel.starts_with("signatures/") && rel.ends_with(".md"))
}

impl Found {
    /// Counts one more entry; `false` (and a problem, once) past [`MAX_ENTRIES`].
    fn count_entry(&mut self, bundle: &str) -> bool {
        self.entries += 1;
        if self.entries == MAX_ENTRIES + 1 {
            self.problems.push(Problem::new(
                bundle,
                Kind::TooLarge,
                format!("holds more than {MAX_ENTRIES} entries; the rest were not checked"),
            ));
        }
        self.entries <= MAX_ENTRIES
    }

    /// Records `rel` as present but not read, and why.
    fn not_read(&mut self, rel: String, kind: Kind, message: String) {
        self.problems
            .push(Problem::new(rel.as_str(), kind, message));
        self.files.insert(
            rel,
            FoundFile {
                hash: None,
                bytes: None,
            },
        );
    }

    /// Hashes `reader` as the file `rel` of `declared` bytes (its zip header's or
    /// directory entry's size), within the limits, keeping its bytes when the
    /// checks need them.
    fn add(&mut self, rel: String, declared: u64, reader: &mut dyn Read) {
        let keep = keeps(&rel);
        let refused = if declared > MAX_FILE_BYTES {
            Some(format!(
                "{declared} bytes, more than verify reads ({MAX_FILE_BYTES}); not checked"
            ))
        } else if self.total + declared > MAX_TOTAL_BYTES {
            Some(format!(
                "not checked: the bundle holds more than {MAX_TOTAL_BYTES} bytes"
            ))
        } else if keep && self.kept + declared > MAX_KEPT_BYTES {
            Some(format!(
                "not checked: manifest, checksums, sheets and model exceed {MAX_KEPT_BYTES} bytes"
            ))
        } else {
            None
        };
        if let Some(why) = refused {
            self.not_read(rel, Kind::TooLarge, why);
            return;
        }
        // Reading stops one byte past the declared size: an entry inflating to
        // more than its header says (a zip bomb) costs no more than the header admits.
        match hash_capped(reader, declared, keep) {
            Ok((hash, size, bytes)) => {
                self.total += size;
                if keep {
                    self.kept += size;
                }
                self.files.insert(
                    rel,
                    FoundFile {
                        hash: Some((hash, size)),
                        bytes,
                    },
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => self.not_read(
                rel,
                Kind::TooLarge,
                format!("holds more than the {declared} bytes its header declares (a zip bomb?); not checked"),
            ),
            Err(e) => self.not_read(rel, Kind::Unreadable, format!("cannot be read ({e})")),
        }
    }
}

/// Streams `reader` through SHA-256, failing with `FileTooLarge` past `cap` bytes.
fn hash_capped(
    reader: &mut dyn Read,
    cap: u64,
    keep: bool,
) -> std::io::Result<(String, u64, Option<Vec<u8>>)> {
    let mut hasher = Sha256::new();
    let mut kept = keep.then(Vec::new);
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    let mut limited = reader.take(cap + 1);
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        size += n as u64;
        if size > cap {
            return Err(std::io::ErrorKind::FileTooLarge.into());
        }
        hasher.update(&buf[..n]);
        if let Some(k) = kept.as_mut() {
            k.extend_from_slice(&buf[..n]);
        }
    }
    let hash = hasher.finalize();
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    Ok((hex, size, kept))
}

/// Why a bundle path cannot be a file of a bundle rolecall wrote (one rule for
/// `verify` and for the model's file names, which `build` copies into the bundle).
use crate::model::paths::unsafe_bundle_path as unsafe_path;

/// Reads a bundle directory: every regular file below it, recursively.
fn read_dir_bundle(root: &Path) -> Found {
    let mut found = Found::default();
    let bundle = root.display().to_string();
    walk(root, "", 0, &bundle, &mut found);
    found
}

fn walk(dir: &Path, prefix: &str, depth: usize, bundle: &str, found: &mut Found) {
    let here = if prefix.is_empty() { "." } else { prefix };
    if depth > MAX_DEPTH {
        found.problems.push(Problem::new(
            here,
            Kind::Tampering,
            format!("nested more than {MAX_DEPTH} directories deep; not read"),
        ));
        return;
    }
    let mut entries: Vec<std::fs::DirEntry> = match std::fs::read_dir(dir) {
        Ok(rd) => {
            let mut v = Vec::new();
            for e in rd {
                match e {
                    Ok(e) => v.push(e),
                    Err(e) => found.problems.push(Problem::new(
                        here,
                        Kind::Unreadable,
                        format!("directory cannot be listed ({e})"),
                    )),
                }
            }
            v
        }
        Err(e) => {
            found.problems.push(Problem::new(
                here,
                Kind::Unreadable,
                format!("directory cannot be listed ({e})"),
            ));
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if !found.count_entry(bundle) {
            return;
        }
        let os_name = entry.file_name();
        let lossy = os_name.to_string_lossy();
        let rel = if prefix.is_empty() {
            lossy.to_string()
        } else {
            format!("{prefix}/{lossy}")
        };
        if os_name.to_str().is_none() {
            found
                .problems
                .push(Problem::new(rel, Kind::Tampering, "name is not UTF-8"));
            continue;
        }
        if let Some(why) = unsafe_path(&rel) {
            found.problems.push(Problem::new(rel, Kind::Tampering, why));
            continue;
        }
        // The entry's own type: a symbolic link is not followed.
        let kind = match entry.file_type() {
            Ok(k) => k,
            Err(e) => {
                found.problems.push(Problem::new(
                    rel,
                    Kind::Unreadable,
                    format!("cannot be examined ({e})"),
                ));
                continue;
            }
        };
        if kind.is_symlink() {
            found.problems.push(Problem::new(
                rel,
                Kind::Tampering,
                "symbolic link (not followed; a bundle holds only regular files)",
            ));
        } else if kind.is_dir() {
            walk(&entry.path(), &rel, depth + 1, bundle, found);
        } else if kind.is_file() {
            let path = entry.path();
            let opened = std::fs::File::open(&path).and_then(|f| Ok((f.metadata()?.len(), f)));
            match opened {
                Ok((len, mut file)) => found.add(rel, len, &mut file),
                Err(e) => found.not_read(rel, Kind::Unreadable, format!("cannot be read ({e})")),
            }
        } else {
            found.problems.push(Problem::new(
                rel,
                Kind::Tampering,
                "not a regular file (a device, socket or pipe); not read",
            ));
        }
    }
}

/// The folder of the zip that holds the bundle, with its trailing `/` (`""` for
/// a zip whose root is the bundle): `bundle::Staging` puts every file under
/// `<org>-evidence-<date>/`.
fn bundle_folder(names: &BTreeSet<&str>) -> Option<String> {
    if names.contains("manifest.json") || names.contains("SHA256SUMS") {
        return Some(String::new());
    }
    let tops: BTreeSet<&str> = names
        .iter()
        .filter_map(|n| n.split_once('/').map(|(top, _)| top))
        .collect();
    let holding: Vec<&&str> = tops
        .iter()
        .filter(|t| {
            names.contains(format!("{t}/manifest.json").as_str())
                || names.contains(format!("{t}/SHA256SUMS").as_str())
        })
        .collect();
    match holding.as_slice() {
        [one] => Some(format!("{one}/")),
        _ => None,
    }
}

/// A listing: path → (SHA-256, size when the listing gives one).
type Listing = BTreeMap<String, (String, Option<u64>)>;

/// Parses `manifest.json`; problems go to `problems`.
fn parse_manifest(bytes: &[u8], problems: &mut Vec<Problem>) -> Option<(Manifest, Listing)> {
    let manifest = match Manifest::parse(bytes) {
        Ok(m) => m,
        Err(e) => {
            problems.push(Problem::new("manifest.json", Kind::Malformed, e));
            return None;
        }
    };
    let (entries, twice) = manifest.listing();
    for path in twice {
        problems.push(Problem::new(
            "manifest.json",
            Kind::Malformed,
            format!("lists `{path}` twice"),
        ));
    }
    let listing = entries
        .into_iter()
        .map(|(p, f)| (p.to_string(), (f.sha256.clone(), Some(f.size))))
        .collect();
    Some((manifest, listing))
}

/// Parses `SHA256SUMS`; problems go to `problems`.
fn parse_sums(bytes: &[u8], problems: &mut Vec<Problem>) -> Option<Listing> {
    let Some((sums, found)) = Sums::parse(bytes) else {
        problems.push(Problem::new(
            "SHA256SUMS",
            Kind::Malformed,
            "not UTF-8 text",
        ));
        return None;
    };
    for p in found {
        let at = if p.line == 0 {
            "SHA256SUMS".to_string()
        } else {
            format!("SHA256SUMS:{}", p.line)
        };
        problems.push(Problem::new(at, Kind::Malformed, p.message));
    }
    Some(
        sums.hashes
            .into_iter()
            .map(|(p, h)| (p, (h, None)))
            .collect(),
    )
}

/// Runs every check over what was read.
fn check(bundle: String, mut found: Found, signers: Option<&AllowedSigners>) -> Report {
    let mut problems = std::mem::take(&mut found.problems);
    let files = &found.files;
    let text = |rel: &str| files.get(rel).and_then(|f| f.bytes.as_deref());

    let manifest = match files.get("manifest.json") {
        None => {
            problems.push(Problem::new(
                "manifest.json",
                Kind::Missing,
                "missing: the bundle has no manifest",
            ));
            None
        }
        Some(_) => text("manifest.json").and_then(|b| parse_manifest(b, &mut problems)),
    };
    let sums = match files.get("SHA256SUMS") {
        None => {
            problems.push(Problem::new(
                "SHA256SUMS",
                Kind::Missing,
                "missing: the bundle has no checksum list",
            ));
            None
        }
        Some(_) => text("SHA256SUMS").and_then(|b| parse_sums(b, &mut problems)),
    };
    let listed = manifest.as_ref().map(|(_, l)| l);
    check_files(files, listed, sums.as_ref(), &mut problems);

    let mut sheets = 0;
    let mut model_digest = None;
    let mut signatures = None;
    if let Some((m, listing)) = &manifest {
        sheets = m.signature_sheets.len();
        check_sheets(files, &m.signature_sheets, listing, &mut problems);
        model_digest = m.model_digest.clone();
        check_model(files, m.model_digest.as_deref(), &mut problems);
        signatures = check_signatures(files, m, &mut problems);
    }
    let signature = check_signature(files, signers, &mut problems);
    Report {
        bundle,
        verified: problems.is_empty(),
        files: files.len(),
        signature_sheets: sheets,
        model_digest,
        signatures,
        problems,
        signature,
    }
}

/// Every file against both listings, and the listings against each other.
fn check_files(
    files: &BTreeMap<String, FoundFile>,
    manifest: Option<&Listing>,
    sums: Option<&Listing>,
    problems: &mut Vec<Problem>,
) {
    let empty = Listing::new();
    let m_known = manifest.is_some();
    let s_known = sums.is_some();
    let manifest = manifest.unwrap_or(&empty);
    let sums = sums.unwrap_or(&empty);
    let mut paths: BTreeSet<&str> = files.keys().map(String::as_str).collect();
    paths.extend(manifest.keys().map(String::as_str));
    paths.extend(sums.keys().map(String::as_str));

    for path in paths {
        let actual = files.get(path);
        let m = manifest.get(path);
        let s = sums.get(path);
        // The two listings do not list themselves, except SHA256SUMS listing manifest.json;
        // nor the signature over SHA256SUMS (see bundle_sig).
        if path == bundle_sig::FILE {
            for (listing, listed) in [("manifest.json", m.is_some()), ("SHA256SUMS", s.is_some())] {
                if listed {
                    problems.push(Problem::new(
                        listing,
                        Kind::Listing,
                        format!("lists `{path}`, which it cannot describe"),
                    ));
                }
            }
            continue;
        }
        if path == "SHA256SUMS" || path == "manifest.json" {
            if m.is_some() {
                problems.push(Problem::new(
                    "manifest.json",
                    Kind::Listing,
                    format!("lists `{path}`, which it cannot describe"),
                ));
            }
            if path == "SHA256SUMS" {
                if s.is_some() {
                    problems.push(Problem::new(
                        "SHA256SUMS",
                        Kind::Listing,
                        "lists itself, which it cannot describe",
                    ));
                }
                continue;
            }
        }
        let listed_in = match (m.is_some(), s.is_some()) {
            (true, true) => "manifest.json and SHA256SUMS",
            (true, false) => "manifest.json",
            (false, true) => "SHA256SUMS",
            (false, false) => "",
        };
        let Some(actual) = actual else {
            if m.is_some() && s.is_some() {
                problems.push(Problem::new(
                    path,
                    Kind::Missing,
                    "missing (listed in manifest.json and SHA256SUMS)",
                ));
            } else {
                problems.push(Problem::new(
                    listed_in,
                    Kind::Listing,
                    format!("lists `{path}`, which is not in the bundle"),
                ));
            }
            continue;
        };
        let Some((hash, size)) = &actual.hash else {
            continue; // could not be read: already a problem
        };
        if path == "manifest.json" {
            match s {
                Some((h, _)) if h == hash => {}
                Some((h, _)) => problems.push(Problem::new(
                    path,
                    Kind::Modified,
                    format!("modified (its SHA-256 is {hash}, SHA256SUMS says {h})"),
                )),
                None if s_known => problems.push(Problem::new(
                    "SHA256SUMS",
                    Kind::Listing,
                    "does not list manifest.json",
                )),
                None => {}
            }
            continue;
        }
        if m.is_none() && s.is_none() {
            if m_known || s_known {
                problems.push(Problem::new(
                    path,
                    Kind::Unexpected,
                    "unexpected file (listed neither in manifest.json nor in SHA256SUMS)",
                ));
            }
            continue;
        }
        let m_bad = m.map(|(h, _)| h).filter(|h| *h != hash);
        let s_bad = s.map(|(h, _)| h).filter(|h| *h != hash);
        match (m_bad, s_bad) {
            (None, None) => {}
            (Some(mh), Some(sh)) => {
                let says = if mh == sh {
                    format!("manifest.json and SHA256SUMS say {mh}")
                } else {
                    format!("manifest.json says {mh}, SHA256SUMS says {sh}")
                };
                problems.push(Problem::new(
                    path,
                    Kind::Modified,
                    format!("modified (its SHA-256 is {hash}, {says})"),
                ));
            }
            // Listed in one place only, and that place disagrees: the file changed.
            (Some(h), None) | (None, Some(h)) if m.is_none() || s.is_none() => {
                problems.push(Problem::new(
                    path,
                    Kind::Modified,
                    format!("modified (its SHA-256 is {hash}, {listed_in} says {h})"),
                ));
            }
            (Some(mh), None) => problems.push(Problem::new(
                "manifest.json",
                Kind::Listing,
                format!("gives `{path}` the SHA-256 {mh}, but the file and SHA256SUMS have {hash}"),
            )),
            (None, Some(sh)) => problems.push(Problem::new(
                "SHA256SUMS",
                Kind::Listing,
                format!(
                    "gives `{path}` the SHA-256 {sh}, but the file and manifest.json have {hash}"
                ),
            )),
        }
        let m_ok = m_bad.is_none();
        if let Some((_, Some(msize))) = m
            && msize != size
            && m_ok
        {
            problems.push(Problem::new(
                "manifest.json",
                Kind::Listing,
                format!("gives `{path}` a size of {msize} bytes, but it has {size}"),
            ));
        }
        if m.is_none() && m_known {
            problems.push(Problem::new(
                "manifest.json",
                Kind::Listing,
                format!("does not list `{path}` (SHA256SUMS does)"),
            ));
        }
        if s.is_none() && s_known {
            problems.push(Problem::new(
                "SHA256SUMS",
                Kind::Listing,
                format!("does not list `{path}` (manifest.json does)"),
            ));
        }
    }
}

/// `SHA256SUMS.sig` against `SHA256SUMS` and `signers`, as of now.
fn check_signature(
    files: &BTreeMap<String, FoundFile>,
    signers: Option<&AllowedSigners>,
    problems: &mut Vec<Problem>,
) -> SignatureCheck {
    let Some(sig) = files.get(bundle_sig::FILE) else {
        if signers.is_some() {
            problems.push(Problem::new(
                bundle_sig::FILE,
                Kind::BundleSignature,
                "missing: the bundle is not signed (`build --sign-key` signs it)",
            ));
        }
        return SignatureCheck::Absent;
    };
    let Some(signers) = signers else {
        return SignatureCheck::Unchecked;
    };
    let sums = files.get("SHA256SUMS").and_then(|f| f.bytes.as_deref());
    let (Some(sig), Some(sums)) = (sig.bytes.as_deref(), sums) else {
        return SignatureCheck::Refused; // unreadable or missing: already a problem
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match bundle_sig::verify(sums, sig, signers, now) {
        Ok(signer) => SignatureCheck::Verified {
            signer,
            allowed_signers: signers.path().display().to_string(),
        },
        Err(e) => {
            problems.push(Problem::new(
                bundle_sig::FILE,
                Kind::BundleSignature,
                format!("{e:#}"),
            ));
            SignatureCheck::Refused
        }
    }
}

/// Each signature sheet against the document it binds, and every sheet listed.
fn check_sheets(
    files: &BTreeMap<String, FoundFile>,
    sheets: &[SheetEntry],
    listing: &Listing,
    problems: &mut Vec<Problem>,
) {
    let mut seen = BTreeSet::new();
    for s in sheets {
        if !seen.insert(s.path.as_str()) {
            problems.push(Problem::new(
                "manifest.json",
                Kind::Malformed,
                format!("lists the signature sheet `{}` twice", s.path),
            ));
            continue;
        }
        let valid_digest = s.digest.len() == 64 && s.digest.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid_digest {
            problems.push(Problem::new(
                "manifest.json",
                Kind::Malformed,
                format!(
                    "gives the sheet `{}` the digest `{}`, which is not a SHA-256",
                    s.path, s.digest
                ),
            ));
            continue;
        }
        // A listed file that is absent is already reported by `check_files`.
        let sheet = match files.get(&s.path) {
            Some(f) => f,
            None => {
                if !listing.contains_key(&s.path) {
                    problems.push(Problem::new(
                        s.path.as_str(),
                        Kind::Missing,
                        "signature sheet named in manifest.json is not in the bundle",
                    ));
                }
                continue;
            }
        };
        match files.get(&s.document) {
            None if !listing.contains_key(&s.document) => problems.push(Problem::new(
                s.path.as_str(),
                Kind::Signature,
                format!("binds `{}`, which is not in the bundle", s.document),
            )),
            Some(FoundFile {
                hash: Some((hash, _)),
                ..
            }) if *hash != s.digest => problems.push(Problem::new(
                s.path.as_str(),
                Kind::Signature,
                format!(
                    "binds `{}` with SHA-256 {}, but that document has {hash} (it changed after the sheet was printed)",
                    s.document, s.digest
                ),
            )),
            _ => {}
        }
        if let Some(bytes) = &sheet.bytes {
            let text = String::from_utf8_lossy(bytes);
            if !text.contains(&s.digest) {
                problems.push(Problem::new(
                    s.path.as_str(),
                    Kind::Signature,
                    format!(
                        "does not print the digest {} of `{}`, which it binds",
                        s.digest, s.document
                    ),
                ));
            }
        }
    }
    for path in files.keys() {
        let is_sheet = path.starts_with("signatures/")
            && path.ends_with(".md")
            && !NOT_SHEETS.contains(&path.as_str());
        if is_sheet && !seen.contains(path.as_str()) {
            problems.push(Problem::new(
                path.as_str(),
                Kind::Signature,
                "signature sheet not named in manifest.json `signature-sheets` (what it binds cannot be checked)",
            ));
        }
    }
}

/// Each signature the manifest lists: on a sheet it lists, with the sheet's
/// document and digest; its status what the recorded digest makes it; its
/// evidence file what it was. Returns their counts.
fn check_signatures(
    files: &BTreeMap<String, FoundFile>,
    m: &Manifest,
    problems: &mut Vec<Problem>,
) -> Option<Counts> {
    let entries = m.signatures.as_ref()?;
    let sheets: BTreeMap<&str, &SheetEntry> = m
        .signature_sheets
        .iter()
        .map(|s| (s.path.as_str(), s))
        .collect();
    let mut examined: BTreeMap<(&str, &str), Option<EvidenceKind>> = BTreeMap::new();
    let mut statuses = Vec::new();
    for e in entries {
        let who = format!("the signature of {} on `{}`", e.name, e.sheet);
        match sheets.get(e.path.as_str()) {
            None => problems.push(Problem::new(
                "manifest.json",
                Kind::Malformed,
                format!(
                    "lists {who} on `{}`, which is not one of its signature sheets",
                    e.path
                ),
            )),
            Some(s) if s.document != e.document || s.digest != e.digest => {
                problems.push(Problem::new(
                    "manifest.json",
                    Kind::Malformed,
                    format!(
                        "lists {who} for `{}` with SHA-256 {}, but the sheet binds `{}` with {}",
                        e.document, e.digest, s.document, s.digest
                    ),
                ))
            }
            Some(_) => {}
        }
        let recorded = e
            .recorded
            .as_deref()
            .filter(|r| matches!(r.len(), 12 | 64) && r.bytes().all(|b| b.is_ascii_hexdigit()));
        let status = match recorded {
            Some(r) if e.digest.starts_with(r) => Status::Signed,
            Some(_) => Status::Outdated,
            None => Status::Outstanding,
        };
        if status.key() != e.status {
            problems.push(Problem::new(
                "manifest.json",
                Kind::Malformed,
                format!(
                    "says {who} is `{}`, but the digest recorded for it makes it `{}`",
                    e.status,
                    status.key()
                ),
            ));
        }
        statuses.push(status);
        let (Some(evidence), Some(recorded)) = (&e.evidence, recorded) else {
            continue;
        };
        let Some(bytes) = files.get(&evidence.path).and_then(|f| f.bytes.as_deref()) else {
            if !files.contains_key(&evidence.path) {
                problems.push(Problem::new(
                    evidence.path.as_str(),
                    Kind::Missing,
                    format!("the evidence of {who} is not in the bundle"),
                ));
            }
            continue; // unreadable: already a problem
        };
        let kind = *examined
            .entry((evidence.path.as_str(), recorded))
            .or_insert_with(|| evidence_kind(bytes, recorded));
        if kind.map(EvidenceKind::as_str) != Some(evidence.kind.as_str()) {
            let now = match kind {
                Some(k) => format!("it is now `{}`", k.as_str()),
                None => "it does not carry that digest, or cannot be read".to_string(),
            };
            problems.push(Problem::new(
                evidence.path.as_str(),
                Kind::Evidence,
                format!(
                    "the evidence of {who} was `{}` for the digest {recorded}, but {now}",
                    evidence.kind
                ),
            ));
        }
    }
    Some(Counts::of(statuses))
}

/// What an evidence file is for `digest`, as the model stage judged it when
/// the bundle was built; `None` when it is no evidence of it.
fn evidence_kind(bytes: &[u8], digest: &str) -> Option<EvidenceKind> {
    EvidenceKind::of(&crate::evidence::examine(bytes, digest).ok()?)
}

/// The model copy in `model/` against the manifest's model digest.
fn check_model(
    files: &BTreeMap<String, FoundFile>,
    digest: Option<&str>,
    problems: &mut Vec<Problem>,
) {
    let Some(digest) = digest else {
        problems.push(Problem::new(
            "manifest.json",
            Kind::Malformed,
            "has no `model-digest`",
        ));
        return;
    };
    let mut model = Vec::new();
    for (path, f) in files.iter().filter(|(p, _)| p.starts_with("model/")) {
        match &f.bytes {
            Some(bytes) => model.push(BundleFile {
                path: path.clone(),
                bytes: bytes.clone(),
            }),
            None => return, // unreadable: already a problem
        }
    }
    let actual = bundle::model_digest(&model);
    if actual != digest {
        problems.push(Problem::new(
            "model/",
            Kind::ModelDigest,
            format!(
                "the model copy's digest is {actual}, but manifest.json says {digest} (the model in the bundle is not the one it was built from)"
            ),
        ));
    }
}

/// The model copy of a bundle that verifies, for `build --previous` and `diff`.
#[derive(Debug, Clone)]
pub struct BundleModel {
    /// The manifest's `bundle-date` (`YYYY-MM-DD`, as written; the caller parses it).
    pub bundle_date: String,
    /// The manifest's `model-digest`, which the files of `model/` have.
    pub model_digest: String,
    /// The files of `model/`: path relative to `model/` (checked by the same
    /// rules as every bundle path) and content, sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
    /// The SHA-256 of every file of the bundle, by bundle-relative path.
    pub hashes: BTreeMap<String, String>,
    /// The manifest's signature sheets.
    pub signature_sheets: Vec<SheetEntry>,
    /// The manifest's signatures, with their status (none in a bundle of a
    /// rolecall that did not list them).
    pub signatures: Vec<SignatureEntry>,
}

/// Reads the model copy of the bundle at `path` (a `.zip` or a directory) as
/// [`verify`] reads a bundle: bounded, every path checked, nothing extracted.
///
/// The bundle must verify: a change report against a bundle that was altered
/// after it was built would compare against an unknown model, so any problem
/// [`verify`] finds is an error here, listing the problems.
pub fn bundle_model(path: &Path) -> Result<BundleModel> {
    let shown = path.display().to_string();
    let found = read_bundle(path)?;
    let mut files = Vec::new();
    let mut hashes = BTreeMap::new();
    for (rel, f) in &found.files {
        if let Some((hash, _)) = &f.hash {
            hashes.insert(rel.clone(), hash.clone());
        }
        if let (Some(name), Some(bytes)) = (rel.strip_prefix("model/"), &f.bytes) {
            files.push((name.to_string(), bytes.clone()));
        }
    }
    let manifest = found
        .files
        .get("manifest.json")
        .and_then(|f| f.bytes.clone());
    let report = report(shown.clone(), found, None);
    if !report.verified {
        const SHOWN: usize = 10;
        let n = report.problems.len();
        let mut lines: Vec<String> = report
            .problems
            .iter()
            .take(SHOWN)
            .map(|p| {
                let line = format!("  {}: {}", p.path, p.message);
                // Names come from the bundle: control characters are shown escaped.
                line.chars()
                    .map(|c| {
                        if c.is_control() {
                            c.escape_default().to_string()
                        } else {
                            c.to_string()
                        }
                    })
                    .collect()
            })
            .collect();
        if n > SHOWN {
            lines.push(format!("  and {} more", n - SHOWN));
        }
        return Err(Error::new(format!(
            "`{shown}` does not verify ({n} problem{}), so the model in it cannot be trusted:\n{}",
            if n == 1 { "" } else { "s" },
            lines.join("\n")
        ))
        .hint(format!(
            "`rolecall verify {shown}` explains each problem; compare against the bundle exactly as `rolecall build` wrote it (its .zip)"
        )));
    }
    let manifest = manifest.as_deref().and_then(|b| Manifest::parse(b).ok());
    let dates = manifest.and_then(|m| {
        Some((
            m.bundle_date?,
            m.model_digest?,
            m.signature_sheets,
            m.signatures.unwrap_or_default(),
        ))
    });
    let Some((bundle_date, model_digest, signature_sheets, signatures)) = dates else {
        return Err(Error::new(format!(
            "the manifest.json of `{shown}` has no `bundle-date` or `model-digest`"
        ))
        .hint("compare against a bundle written by `rolecall build`"));
    };
    Ok(BundleModel {
        bundle_date,
        model_digest,
        files,
        hashes,
        signature_sheets,
        signatures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::sha256_hex;

    #[test]
    fn plain_relative_paths_are_safe() {
        for ok in [
            "policy.md",
            "acme-evidence-2026-01-31/roles/ceo.md",
            "acme-evidence-2026-01-31/",
            "model/roles/01-top.toml",
            "a..b/c.d..",
            "..hidden",
        ] {
            assert_eq!(unsafe_path(ok), None, "{ok}");
        }
    }

    #[test]
    fn escaping_and_odd_paths_are_tampering() {
        for (bad, why) in [
            ("", "empty"),
            ("../evil.md", "`..`"),
            ("b/../../evil.md", "`..`"),
            ("b/..", "`..`"),
            ("/etc/passwd", "absolute"),
            ("//server/share", "absolute"),
            ("C:/Windows/x", "drive letter"),
            ("c:evil", "drive letter"),
            ("b\\..\\evil", "backslash"),
            ("b/file.md:stream", "colon"),
            ("b/./c", "`.`"),
            ("b//c", "empty component"),
            ("b/\u{1b}[2Jc", "control"),
            ("b/c\0.md", "control"),
        ] {
            let got = unsafe_path(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(got.contains(why), "{bad:?}: {got}");
        }
    }

    #[test]
    fn bundle_folder_is_the_one_holding_the_manifest() {
        let set = |v: &[&'static str]| v.iter().copied().collect::<BTreeSet<&str>>();
        assert_eq!(
            bundle_folder(&set(&["a/manifest.json", "a/SHA256SUMS", "a/x.md"])),
            Some("a/".into())
        );
        assert_eq!(
            bundle_folder(&set(&["manifest.json", "x.md"])),
            Some(String::new())
        );
        assert_eq!(
            bundle_folder(&set(&["a/manifest.json", "__MACOSX/a/x"])),
            Some("a/".into())
        );
        assert_eq!(
            bundle_folder(&set(&["a/manifest.json", "b/SHA256SUMS"])),
            None
        );
        assert_eq!(bundle_folder(&set(&["a/x.md"])), None);
    }

    #[test]
    fn hashing_stops_past_the_cap() {
        let data = vec![7u8; 1000];
        let (hash, size, kept) = hash_capped(&mut data.as_slice(), 1000, true).unwrap();
        assert_eq!((hash, size), (sha256_hex(&data), 1000));
        assert_eq!(kept.unwrap(), data);
        let err = hash_capped(&mut data.as_slice(), 999, false).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::FileTooLarge);
    }
}
