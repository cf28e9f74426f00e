//! `rolecall verify`: untouched bundles verify; each way of tampering with one is
//! named in a problem line and fails the verdict (issue 4).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::support::{Run, build_bundle, example, files_below, register_counts, rolecall};

const DATE: &str = "2026-11-23";
const MINIMAL: &str = "example-evidence-2026-11-23";

/// A built bundle in its own temporary directory.
struct Built {
    out: tempfile::TempDir,
    dir: PathBuf,
    zip: PathBuf,
}

/// Builds an example as of [`DATE`] (`--format md` unless `pdf`).
fn build(name: &str, pdf: bool) -> Built {
    let extra: &[&str] = if pdf { &[] } else { &["--format", "md"] };
    let (out, dir) = build_bundle(&example(name), DATE, extra);
    let zip = dir.with_extension("zip");
    assert!(zip.is_file(), "{zip:?}");
    Built { out, dir, zip }
}

fn verify(path: &Path) -> Run {
    rolecall(&["verify", path.to_str().unwrap()])
}

/// The problem lines (every line but the verdict) of a failed run.
fn problems(run: &Run) -> Vec<String> {
    assert_eq!(run.code, 1, "verify did not fail:\n{}", run.all());
    let lines: Vec<String> = run.stdout.lines().map(str::to_string).collect();
    let (verdict, problems) = lines.split_last().expect("a verdict");
    let n = problems.len();
    let plural = if n == 1 { "" } else { "s" };
    assert!(
        verdict.starts_with(&format!("FAILED: {n} problem{plural} in ")),
        "verdict {verdict:?} after {n} problems:\n{}",
        run.all()
    );
    problems.to_vec()
}

/// Asserts a clean verdict for a bundle of `files` files and `sheets` sheets,
/// with signatures counted as its register counts them (issue 13).
fn assert_verified(path: &Path, files: usize, sheets: usize, register: [usize; 3]) {
    let run = verify(path);
    assert_eq!(run.code, 0, "{}", run.all());
    let [current, outdated, outstanding] = register;
    let total = current + outdated + outstanding;
    assert_eq!(
        run.stdout,
        format!(
            "verified: {files} files match manifest.json and SHA256SUMS; {sheets} signature sheets bind their documents; {current} of {total} signatures current, {outdated} for an older version, {outstanding} outstanding (as signatures/register.md lists them); the model copy has the model digest ({})\n",
            path.display()
        )
    );
}

/// Bundle-relative paths of every file below `dir`, sorted.
fn rel_files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = files_below(dir)
        .iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_str().unwrap())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    v.sort();
    v
}

/// A copy of a bundle directory, under its own name, to tamper with.
fn copy(built: &Built) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join(built.dir.file_name().unwrap());
    for rel in rel_files(&built.dir) {
        let to = dir.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(built.dir.join(&rel), to).unwrap();
    }
    (work, dir)
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// What a forger would do after changing files: recompute every hash and size in
/// `manifest.json` and `SHA256SUMS`, so that only the binding and model checks
/// can notice.
fn forge(dir: &Path) {
    let mut m = manifest(dir);
    for f in m["files"].as_array_mut().unwrap() {
        let bytes = std::fs::read(dir.join(f["path"].as_str().unwrap())).unwrap();
        f["sha256"] = sha256(&bytes).into();
        f["size"] = bytes.len().into();
    }
    let json = serde_json::to_string_pretty(&m).unwrap() + "\n";
    std::fs::write(dir.join("manifest.json"), json).unwrap();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let sums: String = sums
        .lines()
        .map(|l| {
            let path = l.split_once("  ").unwrap().1;
            format!(
                "{}  {path}\n",
                sha256(&std::fs::read(dir.join(path)).unwrap())
            )
        })
        .collect();
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
}

/// The entries of a zip, in order: (name, content).
fn zip_entries(zip: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut e = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            (e.name().to_string(), bytes)
        })
        .collect()
}

/// What a zip entry to write is.
enum Entry {
    File(Vec<u8>),
    Symlink(&'static str),
}

/// Writes a zip of `entries` in order, stored (fast), and returns its bytes.
fn zip_bytes(entries: &[(String, Entry)]) -> Vec<u8> {
    zip_bytes_with(entries, zip::CompressionMethod::Stored)
}

/// Writes a zip of `entries` in order, compressed with `method`.
fn zip_bytes_with(entries: &[(String, Entry)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .unix_permissions(0o644);
    for (name, entry) in entries {
        match entry {
            Entry::File(bytes) => {
                zip.start_file(name.as_str(), options).unwrap();
                zip.write_all(bytes).unwrap();
            }
            Entry::Symlink(target) => zip.add_symlink(name.as_str(), *target, options).unwrap(),
        }
    }
    zip.finish().unwrap().into_inner()
}

/// The entries of a built zip, as files to write again.
fn files_of(zip: &Path) -> Vec<(String, Entry)> {
    zip_entries(zip)
        .into_iter()
        .map(|(n, b)| (n, Entry::File(b)))
        .collect()
}

/// Replaces every occurrence of `from` by `to` (same length) in `bytes`.
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut n = 0;
    for i in 0..=bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
        }
    }
    n
}

/// Sets the uncompressed size the central directory gives entry `name`.
fn patch_declared_size(bytes: &mut [u8], name: &str, size: u32) {
    for i in 0..bytes.len() - 46 {
        if &bytes[i..i + 4] != b"PK\x01\x02" {
            continue;
        }
        let len = u16::from_le_bytes([bytes[i + 28], bytes[i + 29]]) as usize;
        if &bytes[i + 46..i + 46 + len] == name.as_bytes() {
            bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            return;
        }
    }
    panic!("no central directory entry {name}");
}

#[test]
fn untouched_bundles_verify_as_directory_and_zip() {
    let b = build("northwind", false);
    let files = rel_files(&b.dir).len();
    let sheets = manifest(&b.dir)["signature-sheets"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        files >= 50 && sheets >= 20,
        "{files} files, {sheets} sheets"
    );
    let register = register_counts(&b.dir);
    assert_verified(&b.dir, files, sheets, register);
    assert_verified(&b.zip, files, sheets, register);
    // A zip rewritten entry by entry (as another zip tool would) still verifies.
    let again = b.out.path().join("again.zip");
    std::fs::write(&again, zip_bytes(&files_of(&b.zip))).unwrap();
    assert_verified(&again, files, sheets, register);

    let json = verify_json(&b.zip);
    assert_eq!(json["verified"], true);
    assert_eq!(json["files"], files);
    assert_eq!(json["problems"].as_array().unwrap().len(), 0);
    assert_eq!(json["model-digest"], manifest(&b.dir)["model-digest"]);
}

#[test]
fn untouched_bundle_with_pdfs_verifies() {
    let b = build("minimal", true);
    let files = rel_files(&b.dir);
    assert!(files.iter().any(|f| f.ends_with(".pdf")), "{files:?}");
    let sheets = manifest(&b.dir)["signature-sheets"]
        .as_array()
        .unwrap()
        .len();
    let register = register_counts(&b.dir);
    assert_verified(&b.dir, files.len(), sheets, register);
    assert_verified(&b.zip, files.len(), sheets, register);
}

fn verify_json(path: &Path) -> serde_json::Value {
    let run = rolecall(&["verify", path.to_str().unwrap(), "--format", "json"]);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}:\n{}", run.all()))
}

#[test]
fn changing_one_byte_of_any_file_fails_naming_that_file() {
    let b = build("northwind", false);
    let (_work, dir) = copy(&b);
    let files = rel_files(&dir);
    assert!(files.contains(&"manifest.json".to_string()));
    assert!(files.contains(&"SHA256SUMS".to_string()));
    for rel in &files {
        let path = dir.join(rel);
        let original = std::fs::read(&path).unwrap();
        let mut at = vec![original.len() / 2];
        if rel == "manifest.json" || rel == "SHA256SUMS" {
            at.extend([0, original.len() - 1]);
        }
        for at in at {
            let mut bytes = original.clone();
            bytes[at] ^= 0x01;
            std::fs::write(&path, &bytes).unwrap();
            let run = verify(&dir);
            let lines = problems(&run);
            assert!(
                lines.iter().any(|l| l.starts_with(&format!("{rel}:"))),
                "byte {at} of {rel} changed, but no problem names it:\n{}",
                run.stdout
            );
        }
        std::fs::write(&path, &original).unwrap();
    }
    assert_eq!(verify(&dir).code, 0, "restored bundle verifies");
}

#[test]
fn changing_one_byte_of_any_zip_entry_fails_naming_that_file() {
    let b = build("minimal", true);
    let entries = zip_entries(&b.zip);
    assert!(entries.iter().any(|(n, _)| n.ends_with(".pdf")));
    let tampered = b.out.path().join("tampered.zip");
    for i in 0..entries.len() {
        let mut files = files_of(&b.zip);
        let Entry::File(bytes) = &mut files[i].1 else {
            unreachable!()
        };
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x01;
        std::fs::write(&tampered, zip_bytes(&files)).unwrap();
        let rel = entries[i].0.strip_prefix(&format!("{MINIMAL}/")).unwrap();
        let run = verify(&tampered);
        assert!(
            problems(&run)
                .iter()
                .any(|l| l.starts_with(&format!("{rel}:"))),
            "{rel} changed in the zip, but no problem names it:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_missing_file_is_named() {
    let b = build("northwind", false);
    let (_work, dir) = copy(&b);
    std::fs::remove_file(dir.join("roles/ceo.md")).unwrap();
    assert_eq!(
        problems(&verify(&dir)),
        ["roles/ceo.md: missing (listed in manifest.json and SHA256SUMS)"]
    );
}

#[test]
fn an_unexpected_file_is_named() {
    let b = build("northwind", false);
    let (_work, dir) = copy(&b);
    std::fs::write(dir.join("notes.txt"), "added later\n").unwrap();
    std::fs::write(dir.join("signatures/extra--someone.md"), "# Extra\n").unwrap();
    assert_eq!(
        problems(&verify(&dir)),
        [
            "notes.txt: unexpected file (listed neither in manifest.json nor in SHA256SUMS)",
            "signatures/extra--someone.md: unexpected file (listed neither in manifest.json nor in SHA256SUMS)",
            "signatures/extra--someone.md: signature sheet not named in manifest.json `signature-sheets` (what it binds cannot be checked)",
        ]
    );
}

/// The sheets of a bundle that bind `document`.
fn sheets_binding(dir: &Path, document: &str) -> Vec<String> {
    manifest(dir)["signature-sheets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["document"] == document)
        .map(|s| s["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_document_changed_under_its_signature_sheets_is_caught_by_the_binding() {
    let b = build("northwind", false);
    let (_work, dir) = copy(&b);
    for document in ["roles/ceo.md", "policy.md", "policy-for-staff.md"] {
        let path = dir.join(document);
        let original = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, original.replace("## ", "## Amended: ")).unwrap();
        forge(&dir);
        let new = sha256(&std::fs::read(&path).unwrap());
        let sheets = sheets_binding(&dir, document);
        assert!(!sheets.is_empty(), "{document}");
        let lines = problems(&verify(&dir));
        assert_eq!(lines.len(), sheets.len(), "{lines:#?}");
        for (line, sheet) in lines.iter().zip(&sheets) {
            assert!(
                line.starts_with(&format!("{sheet}: binds `{document}` with SHA-256 "))
                    && line.ends_with(&format!(
                        "but that document has {new} (it changed after the sheet was printed)"
                    )),
                "{line}"
            );
        }
        std::fs::write(&path, original).unwrap();
        forge(&dir);
        assert_eq!(verify(&dir).code, 0);
    }
    // The acknowledgement binds what all staff read, not the whole policy (issue 13).
    assert_eq!(
        sheets_binding(&dir, "policy.md"),
        ["signatures/policy-approval.md"]
    );
    assert_eq!(
        sheets_binding(&dir, "policy-for-staff.md"),
        ["signatures/all-staff-acknowledgement.md"]
    );
}

#[test]
fn a_sheet_printing_another_digest_is_caught() {
    let b = build("northwind", false);
    let (_work, dir) = copy(&b);
    let sheet = "signatures/ceo--amara.md";
    let digest = sha256(&std::fs::read(dir.join("roles/ceo.md")).unwrap());
    let text = std::fs::read_to_string(dir.join(sheet)).unwrap();
    assert!(text.contains(&digest));
    std::fs::write(dir.join(sheet), text.replace(&digest, &"0".repeat(64))).unwrap();
    forge(&dir);
    assert_eq!(
        problems(&verify(&dir)),
        [format!(
            "{sheet}: does not print the digest {digest} of `roles/ceo.md`, which it binds"
        )]
    );
}

#[test]
fn a_model_file_changed_with_rehashed_listings_is_caught_by_the_model_digest() {
    let b = build("northwind", false);
    let (_work, dir) = copy(&b);
    let path = dir.join("model/people.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("Amara", "Amanda", 1)).unwrap();
    forge(&dir);
    let lines = problems(&verify(&dir));
    let digest = manifest(&dir)["model-digest"].as_str().unwrap().to_string();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("model/: the model copy's digest is ")
            && lines[0].contains(&format!("but manifest.json says {digest}")),
        "{}",
        lines[0]
    );
}

/// Writes `entries` as a zip beside the built one and returns the problems found.
fn zip_problems(b: &Built, entries: &[(String, Entry)]) -> Vec<String> {
    let path = b.out.path().join("tampered.zip");
    std::fs::write(&path, zip_bytes(entries)).unwrap();
    problems(&verify(&path))
}

#[test]
fn zip_entries_escaping_the_bundle_are_tampering_and_never_written() {
    let b = build("minimal", false);
    let cwd = tempfile::tempdir().unwrap();
    for (name, why) in [
        (format!("{MINIMAL}/../evil.md"), "`..` in the path"),
        ("../../evil.md".to_string(), "`..` in the path"),
        ("/tmp/evil.md".to_string(), "absolute path"),
        ("C:/evil.md".to_string(), "drive letter"),
        (format!("{MINIMAL}\\..\\evil.md"), "backslash"),
    ] {
        let mut entries = files_of(&b.zip);
        entries.push((name.clone(), Entry::File(b"# evil\n".to_vec())));
        let path = cwd.path().join("tampered.zip");
        std::fs::write(&path, zip_bytes(&entries)).unwrap();
        let run = crate::support::rolecall_in(Some(cwd.path()), &["verify", "tampered.zip"]);
        let lines = problems(&run);
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].starts_with(&format!("{name}: tampering: {why}")),
            "{}",
            lines[0]
        );
    }
    // Nothing was extracted anywhere.
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        1,
        "only the zip"
    );
    assert!(!Path::new("/tmp/evil.md").exists());
}

#[test]
fn zip_symlink_entries_are_tampering_and_not_followed() {
    let b = build("minimal", false);
    let mut entries = files_of(&b.zip);
    let policy = format!("{MINIMAL}/policy.md");
    let i = entries.iter().position(|(n, _)| *n == policy).unwrap();
    entries[i].1 = Entry::Symlink("../../../etc/passwd");
    entries.push((
        format!("{MINIMAL}/roles/link.md"),
        Entry::Symlink("../policy.md"),
    ));
    assert_eq!(
        zip_problems(&b, &entries),
        [
            format!(
                "{policy}: tampering: symbolic link (not followed; a bundle holds only regular files)"
            ),
            format!(
                "{MINIMAL}/roles/link.md: tampering: symbolic link (not followed; a bundle holds only regular files)"
            ),
            "policy.md: missing (listed in manifest.json and SHA256SUMS)".to_string(),
        ]
    );
}

#[test]
fn duplicate_zip_entry_names_are_tampering() {
    let b = build("minimal", false);
    let mut entries = files_of(&b.zip);
    let policy = format!("{MINIMAL}/policy.md");
    let decoy = format!("{MINIMAL}/policy.mX");
    let i = entries.iter().position(|(n, _)| *n == policy).unwrap();
    entries.insert(
        i + 1,
        (decoy.clone(), Entry::File(b"# Another policy\n".to_vec())),
    );
    // The zip crate refuses to write two entries of one name: rename in the bytes.
    let mut bytes = zip_bytes(&entries);
    assert_eq!(patch(&mut bytes, decoy.as_bytes(), policy.as_bytes()), 2);
    let path = b.out.path().join("dup.zip");
    std::fs::write(&path, bytes).unwrap();
    let lines = problems(&verify(&path));
    assert!(
        lines.contains(&format!(
            "{policy}: tampering: 2 zip entries have this name (an unpacker keeps one of them, unseen)"
        )),
        "{lines:#?}"
    );
}

#[test]
fn oversized_and_lying_zip_entries_are_not_read_through() {
    let b = build("minimal", false);
    // An entry that declares 3 GiB is refused without being read.
    let mut bytes = zip_bytes(&files_of(&b.zip));
    patch_declared_size(&mut bytes, &format!("{MINIMAL}/roles/ceo.md"), 3 << 30);
    let path = b.out.path().join("big.zip");
    std::fs::write(&path, &bytes).unwrap();
    let lines = problems(&verify(&path));
    assert!(
        lines.contains(&format!(
            "roles/ceo.md: {} bytes, more than verify reads (268435456); not checked",
            3u64 << 30
        )),
        "{lines:#?}"
    );

    // An entry inflating to far more than it declares (a zip bomb) stops at the declared size.
    let mut entries = files_of(&b.zip);
    let policy = format!("{MINIMAL}/policy.md");
    let i = entries.iter().position(|(n, _)| *n == policy).unwrap();
    entries[i].1 = Entry::File(vec![0u8; 8 << 20]);
    let mut bytes = zip_bytes_with(&entries, zip::CompressionMethod::Deflated);
    patch_declared_size(&mut bytes, &policy, 1000);
    std::fs::write(&path, &bytes).unwrap();
    let lines = problems(&verify(&path));
    assert!(
        lines.contains(
            &"policy.md: holds more than the 1000 bytes its header declares (a zip bomb?); not checked"
                .to_string()
        ),
        "{lines:#?}"
    );
}

#[test]
fn a_damaged_zip_fails_and_a_non_bundle_is_a_usage_error() {
    let b = build("minimal", false);
    let bytes = std::fs::read(&b.zip).unwrap();
    let cut = b.out.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let lines = problems(&verify(&cut));
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(&format!(
            "{}: the zip is damaged and cannot be read",
            cut.display()
        )),
        "{}",
        lines[0]
    );

    let missing = b.out.path().join("nothing-here.zip");
    let text = b.out.path().join("notes.txt");
    std::fs::write(&text, "not a zip\n").unwrap();
    let empty = b.out.path().join("empty.zip");
    std::fs::write(&empty, zip_bytes(&[])).unwrap();
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("policy.md"), "# a policy\n").unwrap();
    for (path, says) in [
        (missing.as_path(), "cannot read"),
        (text.as_path(), "is neither a directory nor a zip archive"),
        (empty.as_path(), "is not an evidence bundle"),
        (plain.path(), "is not an evidence bundle"),
    ] {
        let run = verify(path);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr
                .starts_with(&format!("error: `{}` {says}", path.display()))
                || run
                    .stderr
                    .starts_with(&format!("error: {says} `{}`", path.display())),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("\nhint: "), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[cfg(unix)]
#[test]
fn symlinks_in_a_bundle_directory_are_tampering_and_not_followed() {
    let b = build("minimal", false);
    let (work, dir) = copy(&b);
    // Same content, but through a link: still refused.
    let outside = work.path().join("ceo.md");
    std::fs::rename(dir.join("roles/ceo.md"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("roles/ceo.md")).unwrap();
    // A loop: a directory linking to its parent.
    std::os::unix::fs::symlink("..", dir.join("roles/loop")).unwrap();
    assert_eq!(
        problems(&verify(&dir)),
        [
            "roles/ceo.md: tampering: symbolic link (not followed; a bundle holds only regular files)",
            "roles/loop: tampering: symbolic link (not followed; a bundle holds only regular files)",
            "roles/ceo.md: missing (listed in manifest.json and SHA256SUMS)",
        ]
    );
}

#[test]
fn json_report_lists_each_problem_with_its_kind() {
    let b = build("minimal", false);
    let (_work, dir) = copy(&b);
    std::fs::write(dir.join("policy.md"), "# Replaced\n").unwrap();
    std::fs::write(dir.join("extra.md"), "# Extra\n").unwrap();
    let run = rolecall(&["verify", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verified"], false);
    let kinds: Vec<(&str, &str)> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["path"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("extra.md", "unexpected"),
            ("policy.md", "modified"),
            ("signatures/policy-approval.md", "signature"),
        ]
    );
}

#[test]
fn a_bundle_rebuilt_from_its_own_model_copy_is_identical() {
    // docs/auditor.md tells the auditor this: the model copy reproduces the bundle.
    let b = build("northwind", false);
    let (_out, dir) = build_bundle(&b.dir.join("model"), DATE, &["--format", "md"]);
    let again = dir.with_extension("zip");
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&b.zip).unwrap()
    );
    let readme = std::fs::read_to_string(b.dir.join("README.md")).unwrap();
    assert!(readme.contains("`rolecall verify`"), "{readme}");
}
