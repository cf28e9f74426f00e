//! Hardening (issue 11): nothing outside the model enters a bundle, `verify`
//! sees what every unzip sees, no interrupt or concurrent build loses a bundle
//! or leaves anything behind, and HTML links stay in the bundle. Each test
//! reproduces one finding of the issue and is named after what it shows.
//! `text` has the findings about what a model may hold (items 5-8, 14),
//! `process` those about typst, templates, pipes and `eject` (9, 10, 12, 13).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{PNG, Run, example, files_below, read, rolecall};

mod process;
mod text;

const DATE: &str = "2026-11-23";
const NAME: &str = "example-evidence-2026-11-23";

/// A copy of examples/minimal in a fresh directory `work/model`, with `logo`
/// set (when given) and `edit` applied to its text.
fn minimal_with(
    logo: Option<&str>,
    edit: &dyn Fn(String) -> String,
) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("model");
    std::fs::create_dir_all(&model).unwrap();
    let mut text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    if let Some(logo) = logo {
        text = text.replacen(
            "short-name = \"Example\"",
            &format!(
                "short-name = \"Example\"\nlogo = {}",
                toml::Value::from(logo)
            ),
            1,
        );
    }
    std::fs::write(model.join("model.toml"), edit(text)).unwrap();
    (work, model)
}

fn check(model: &Path) -> Run {
    rolecall(&["check", model.to_str().unwrap(), "--date", DATE])
}

fn build_md(model: &Path, out: &Path) -> Run {
    rolecall(&[
        "build",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "md",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
        // These tests replace a bundle by another of the same name on purpose.
        "--force",
    ])
}

/// The line and column of the `logo` key's value in the model file.
fn logo_at(model: &Path) -> String {
    let text = std::fs::read_to_string(model.join("model.toml")).unwrap();
    let (n, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("logo = "))
        .unwrap();
    format!("model.toml:{}:{}", n + 1, line.find('"').unwrap() + 1)
}

/// Asserts that `check` fails with one RC002 error at the logo key saying
/// `says`, and that a build writes nothing.
fn assert_logo_refused(model: &Path, says: &str) {
    let run = check(model);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("error[RC002]: logo `"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(says), "{says}:\n{}", run.stderr);
    assert!(run.stderr.contains(&logo_at(model)), "{}", run.stderr);
    assert!(
        run.stderr.contains("= hint: ") || run.stderr.contains("hint: "),
        "{}",
        run.stderr
    );
    let out = tempfile::tempdir().unwrap();
    let build = build_md(model, out.path());
    assert_eq!(build.code, 1, "{}", build.all());
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn a_logo_outside_the_model_directory_is_a_check_error_at_its_key() {
    let (work, _) = minimal_with(None, &|t| t);
    let secret = work.path().join("secret.png");
    std::fs::write(&secret, PNG).unwrap();
    let outside = "is outside the model directory";
    // An absolute path, a relative one climbing out, and /etc/shadow itself.
    for logo in [
        secret.to_str().unwrap(),
        "../secret.png",
        "assets/../../secret.png",
    ] {
        let (_w, model) = minimal_with(Some(logo), &|t| t);
        std::fs::copy(&secret, model.parent().unwrap().join("secret.png")).unwrap();
        std::fs::create_dir(model.join("assets")).unwrap();
        assert_logo_refused(&model, outside);
    }
    if Path::new("/etc/shadow").exists() {
        let (_w, model) = minimal_with(Some("/etc/shadow"), &|t| t);
        assert_logo_refused(&model, "`/etc/shadow` is outside the model directory");
    }
    // A link to a file outside, and a linked folder leading outside.
    let (_w, model) = minimal_with(Some("logo.png"), &|t| t);
    std::os::unix::fs::symlink(&secret, model.join("logo.png")).unwrap();
    assert_logo_refused(
        &model,
        &format!(
            "(it resolves to `{}`)",
            secret.canonicalize().unwrap().display()
        ),
    );
    let (_w, model) = minimal_with(Some("assets/secret.png"), &|t| t);
    std::os::unix::fs::symlink(work.path(), model.join("assets")).unwrap();
    assert_logo_refused(&model, outside);
}

#[test]
fn a_logo_must_be_a_png_jpeg_or_svg_by_its_bytes() {
    for (name, bytes, says) in [
        (
            "logo.png",
            &b"root:x:0:0:root:/root:/bin/bash\n"[..],
            "is not a PNG, JPEG or SVG image (judged by its content)",
        ),
        (
            "logo.jpg",
            PNG,
            "is a PNG image, but its name does not end in .png",
        ),
        (
            "logo.svg",
            b"<!DOCTYPE svg [<!ENTITY x \"y\">]><svg/>",
            "is not a PNG, JPEG or SVG image",
        ),
    ] {
        let (_w, model) = minimal_with(Some(name), &|t| t);
        std::fs::write(model.join(name), bytes).unwrap();
        assert_logo_refused(&model, says);
    }
    // A folder is not a logo.
    let (_w, model) = minimal_with(Some("assets"), &|t| t);
    std::fs::create_dir(model.join("assets")).unwrap();
    assert_logo_refused(&model, "is not a regular file");
}

#[test]
fn a_3_gb_logo_is_refused_by_its_size_without_being_read() {
    let (_w, model) = minimal_with(Some("logo.png"), &|t| t);
    // Sparse: a PNG signature, then 3 GB of nothing on disk.
    let file = std::fs::File::create(model.join("logo.png")).unwrap();
    std::io::Write::write_all(&mut &file, PNG).unwrap();
    file.set_len(3_000_000_000).unwrap();
    let started = std::time::Instant::now();
    // In 256 MiB of address space: reading the file whole would fail.
    let run = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 262144; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rolecall"))
        .args(["check", model.to_str().unwrap(), "--date", DATE])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is too large (3000000000 bytes, the limit is 4194304)"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn fonts_and_model_files_linked_from_outside_the_model_are_check_errors() {
    let fonts = crate::support::root().join("tests/fonts");
    let arabic = fonts.join("NotoSansArabic-Regular-subset.ttf");
    // A font file linking out.
    let (_w, model) = minimal_with(None, &|t| t);
    std::fs::create_dir(model.join("fonts")).unwrap();
    std::os::unix::fs::symlink(&arabic, model.join("fonts/arabic.ttf")).unwrap();
    let run = check(&model);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "error[RC003]: font `{}` is outside the model directory",
            model.join("fonts/arabic.ttf").display()
        )),
        "{}",
        run.stderr
    );
    // The fonts folder itself linking out.
    let (_w, model) = minimal_with(None, &|t| t);
    std::os::unix::fs::symlink(&fonts, model.join("fonts")).unwrap();
    let run = check(&model);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("error[RC003]: font folder `")
            && run.stderr.contains("is outside the model directory"),
        "{}",
        run.stderr
    );
    // A font inside the model, also through a link inside it, is fine.
    let (_w, model) = minimal_with(None, &|t| t);
    std::fs::create_dir_all(model.join("fonts/real")).unwrap();
    std::fs::copy(&arabic, model.join("fonts/real/arabic.ttf")).unwrap();
    std::os::unix::fs::symlink("real/arabic.ttf", model.join("fonts/linked.ttf")).unwrap();
    assert_eq!(check(&model).code, 0, "{}", check(&model).all());

    // A model file of a model directory linking out.
    let (work, model) = minimal_with(None, &|t| t);
    std::fs::write(work.path().join("outside.toml"), "# secret = \"x\"\n").unwrap();
    std::os::unix::fs::symlink(work.path().join("outside.toml"), model.join("extra.toml")).unwrap();
    let run = check(&model);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "error[RC003]: model file `{}` is outside the model directory",
            model.join("extra.toml").display()
        )),
        "{}",
        run.stderr
    );
}

/// The mode bits of `path`.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn bundle_files_get_the_bundle_modes_not_the_sources_or_the_umask() {
    let (_w, model) = minimal_with(Some("assets/logo.png"), &|t| t);
    std::fs::create_dir(model.join("assets")).unwrap();
    std::fs::write(model.join("assets/logo.png"), PNG).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(
        model.join("assets/logo.png"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("sh")
        .arg("-c")
        .arg("umask 077; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rolecall"))
        .args([
            "build",
            model.to_str().unwrap(),
            "--date",
            DATE,
            "--format",
            "md",
            "-o",
        ])
        .arg(out.path())
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let dir = out.path().join(NAME);
    assert_eq!(
        std::fs::read(dir.join("model/assets/logo.png")).unwrap(),
        PNG
    );
    assert_eq!(mode(&dir), 0o755);
    assert_eq!(mode(&out.path().join(format!("{NAME}.zip"))), 0o644);
    for file in files_below(&dir) {
        assert_eq!(mode(&file), 0o644, "{}", file.display());
        let mut parent = file.parent().unwrap();
        while parent != dir {
            assert_eq!(mode(parent), 0o755, "{}", parent.display());
            parent = parent.parent().unwrap();
        }
    }
}

#[test]
fn a_logo_inside_the_model_is_the_image_of_the_pdfs() {
    let (_w, model) = minimal_with(Some("logo.png"), &|t| t);
    std::fs::write(model.join("logo.png"), PNG).unwrap();
    let (_out, dir) = crate::support::build_bundle(&model, DATE, &[]);
    assert_eq!(std::fs::read(dir.join("model/logo.png")).unwrap(), PNG);
    let pdf = lopdf::Document::load(dir.join("policy.pdf")).unwrap();
    let images = pdf
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .filter(|s| {
            s.dict
                .get(b"Subtype")
                .and_then(|v| v.as_name())
                .is_ok_and(|n| n == b"Image")
        })
        .filter(|s| {
            let dim = |k: &[u8]| s.dict.get(k).and_then(|v| v.as_i64()).ok();
            dim(b"Width") == Some(1) && dim(b"Height") == Some(1)
        })
        .count();
    assert!(images >= 1, "the 1×1 logo is an image of policy.pdf");
}

// ---------------------------------------------------------------------------
// verify and zips written by hand
// ---------------------------------------------------------------------------

/// CRC-32 (IEEE), bit by bit.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// One entry of a zip written by hand: the name in each header, the data, and
/// how the local header lies about it.
struct Raw {
    local_name: Vec<u8>,
    central_name: Vec<u8>,
    data: Vec<u8>,
    local_crc: Option<u32>,
    listed: bool,
}

impl Raw {
    fn file(name: &str, data: &[u8]) -> Raw {
        Raw {
            local_name: name.as_bytes().to_vec(),
            central_name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            local_crc: None,
            listed: true,
        }
    }
}

/// What else a hand-written zip holds.
#[derive(Default)]
struct Layout {
    /// Bytes before the first entry (the offsets count them, as in a self-extractor).
    prefix: Vec<u8>,
    /// Bytes after the entry at this index.
    gap_after: Option<(usize, Vec<u8>)>,
    /// The archive comment.
    comment: Vec<u8>,
    /// Bytes after the end record.
    suffix: Vec<u8>,
}

/// Writes `entries` (stored) byte by byte: local entries in order, then the
/// central directory of the listed ones, then the end record.
fn raw_zip(entries: &[Raw], layout: &Layout) -> Vec<u8> {
    let le16 =
        |v: &mut Vec<u8>, x: usize| v.extend_from_slice(&u16::try_from(x).unwrap().to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    let mut out = layout.prefix.clone();
    let mut central = Vec::new();
    let mut listed = 0;
    for (i, e) in entries.iter().enumerate() {
        let offset = out.len() as u32;
        let crc = crc32(&e.data);
        let size = e.data.len() as u32;
        out.extend_from_slice(b"PK\x03\x04");
        le16(&mut out, 20); // version needed
        le16(&mut out, 0); // flags
        le16(&mut out, 0); // stored
        le16(&mut out, 0); // time
        le16(&mut out, 0x21); // date: 1980-01-01
        le32(&mut out, e.local_crc.unwrap_or(crc));
        le32(&mut out, size);
        le32(&mut out, size);
        le16(&mut out, e.local_name.len());
        le16(&mut out, 0);
        out.extend_from_slice(&e.local_name);
        out.extend_from_slice(&e.data);
        if let Some((at, bytes)) = &layout.gap_after {
            if *at == i {
                out.extend_from_slice(bytes);
            }
        }
        if !e.listed {
            continue;
        }
        listed += 1;
        let dir = e.central_name.ends_with(b"/");
        central.extend_from_slice(b"PK\x01\x02");
        le16(&mut central, 0x0314); // made by: Unix, 2.0
        le16(&mut central, 20);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0x21);
        le32(&mut central, crc);
        le32(&mut central, size);
        le32(&mut central, size);
        le16(&mut central, e.central_name.len());
        le16(&mut central, 0); // extra
        le16(&mut central, 0); // comment
        le16(&mut central, 0); // disk
        le16(&mut central, 0); // internal attributes
        let mode: u32 = if dir { 0o040_755 } else { 0o100_644 };
        le32(&mut central, (mode << 16) | u32::from(dir) << 4);
        le32(&mut central, offset);
        central.extend_from_slice(&e.central_name);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, listed);
    le16(&mut out, listed);
    le32(&mut out, central.len() as u32);
    le32(&mut out, cd_offset);
    le16(&mut out, layout.comment.len());
    out.extend_from_slice(&layout.comment);
    out.extend_from_slice(&layout.suffix);
    out
}

/// The files of a freshly built minimal bundle, as zip entries under its folder.
fn bundle_entries() -> (tempfile::TempDir, Vec<Raw>) {
    let out = tempfile::tempdir().unwrap();
    let run = build_md(&example("minimal"), out.path());
    assert_eq!(run.code, 0, "{}", run.all());
    let dir = out.path().join(NAME);
    let mut files: Vec<(String, Vec<u8>)> = files_below(&dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&dir).unwrap().to_str().unwrap().to_string();
            (format!("{NAME}/{rel}"), std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    (out, files.iter().map(|(n, b)| Raw::file(n, b)).collect())
}

/// The entry of `entries` that the central directory names `name`.
fn entry<'a>(entries: &'a mut [Raw], name: &str) -> &'a mut Raw {
    entries
        .iter_mut()
        .find(|e| e.central_name == name.as_bytes())
        .unwrap()
}

/// Writes the zip and runs `verify` on it.
fn verify_raw(dir: &Path, entries: &[Raw], layout: &Layout) -> (PathBuf, Run) {
    let path = dir.join("hand.zip");
    std::fs::write(&path, raw_zip(entries, layout)).unwrap();
    let run = rolecall(&["verify", path.to_str().unwrap()]);
    (path, run)
}

/// Asserts that `verify` fails and that one of its lines is `line`.
fn assert_problem(run: &Run, line: &str) {
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.lines().any(|l| l == line),
        "no line {line:?} in:\n{}",
        run.stdout
    );
}

#[test]
fn a_zip_written_by_hand_as_rolecall_writes_it_verifies() {
    let (out, entries) = bundle_entries();
    let (_, run) = verify_raw(out.path(), &entries, &Layout::default());
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_local_entry_the_central_directory_does_not_list_is_tampering() {
    let (out, mut entries) = bundle_entries();
    let mut backdoor = Raw::file(&format!("{NAME}/roles/backdoor.md"), b"# Backdoor\n");
    backdoor.listed = false;
    entries.push(backdoor);
    let bytes = raw_zip(&entries, &Layout::default());
    let at = bytes.windows(4).rposition(|w| w == b"PK\x03\x04").unwrap();
    let (_, run) = verify_raw(out.path(), &entries, &Layout::default());
    assert_problem(
        &run,
        &format!(
            "{NAME}/roles/backdoor.md: tampering: a local zip entry at byte {at} that the central directory does not list (a streaming unzip extracts it, verify cannot check it)"
        ),
    );
}

#[test]
fn a_local_header_naming_another_path_than_the_central_directory_is_tampering() {
    let (out, mut entries) = bundle_entries();
    let ceo = format!("{NAME}/roles/ceo.md");
    let e = entry(&mut entries, &ceo);
    e.local_name = b"../../../../tmp/x.md".to_vec();
    let (_, run) = verify_raw(out.path(), &entries, &Layout::default());
    assert_problem(
        &run,
        &format!(
            "{ceo}: tampering: its local header names it `../../../../tmp/x.md` (what a streaming unzip such as Java's ZipInputStream extracts)"
        ),
    );
    assert!(!Path::new("/tmp/x.md").exists());
}

#[test]
fn a_name_that_is_both_a_file_and_a_directory_is_tampering() {
    let (out, mut entries) = bundle_entries();
    let policy = format!("{NAME}/policy.md");
    entries.push(Raw::file(&format!("{policy}/"), b""));
    let (_, run) = verify_raw(out.path(), &entries, &Layout::default());
    assert_problem(
        &run,
        &format!(
            "{policy}: tampering: a zip entry names this as a file and another as a directory (an unpacker keeps one of them)"
        ),
    );
}

#[test]
fn data_before_between_or_after_the_entries_is_tampering() {
    let (out, entries) = bundle_entries();
    let shown = out.path().join("hand.zip").display().to_string();
    let (_, run) = verify_raw(
        out.path(),
        &entries,
        &Layout {
            prefix: vec![b'#'; 64],
            ..Layout::default()
        },
    );
    assert_problem(
        &run,
        &format!("{shown}: tampering: 64 bytes before the first zip entry that no entry holds"),
    );

    let first = raw_zip(&entries[..1], &Layout::default());
    let at = first.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let layout = Layout {
        gap_after: Some((0, b"hidden data".repeat(9))),
        ..Layout::default()
    };
    let (_, run) = verify_raw(out.path(), &entries, &layout);
    assert_problem(
        &run,
        &format!("{shown}: tampering: 99 bytes at byte {at} of the zip that no entry holds"),
    );

    let (_, run) = verify_raw(
        out.path(),
        &entries,
        &Layout {
            suffix: b"trailing".to_vec(),
            ..Layout::default()
        },
    );
    assert_problem(
        &run,
        &format!(
            "{shown}: tampering: 8 bytes follow the end of the zip (data that no entry holds)"
        ),
    );

    let (_, run) = verify_raw(
        out.path(),
        &entries,
        &Layout {
            comment: b"see me".to_vec(),
            ..Layout::default()
        },
    );
    assert_problem(
        &run,
        &format!(
            "{shown}: tampering: the zip has a comment of 6 bytes (rolecall writes none; unzip shows it, verify cannot check it)"
        ),
    );
}

#[test]
fn a_local_header_whose_crc_differs_from_the_central_directory_is_tampering() {
    let (out, mut entries) = bundle_entries();
    let policy = format!("{NAME}/policy.md");
    let e = entry(&mut entries, &policy);
    let crc = crc32(&e.data);
    let size = e.data.len();
    e.local_crc = Some(crc ^ 1);
    let (_, run) = verify_raw(out.path(), &entries, &Layout::default());
    assert_problem(
        &run,
        &format!(
            "{policy}: tampering: its local header says CRC-32 {:08x}, {size} bytes compressed, {size} bytes; the central directory says {crc:08x}, {size}, {size}",
            crc ^ 1
        ),
    );
}

// ---------------------------------------------------------------------------
// Interrupted and concurrent builds
// ---------------------------------------------------------------------------

/// A build run in the background, its stderr read line by line.
struct Background {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

/// Starts `rolecall build MODEL -o OUT --date DATE --quiet EXTRA` with
/// `ROLECALL_TEST_PAUSE=pause` when given.
fn start(model: &Path, out: &Path, pause: Option<&str>, extra: &[&str]) -> Background {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolecall"));
    cmd.args([
        "build",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--quiet",
        "-o",
    ])
    .arg(out)
    .args(extra)
    .env_remove("SOURCE_DATE_EPOCH")
    .env_remove("ROLECALL_TEST_PAUSE")
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    if let Some(p) = pause {
        cmd.env("ROLECALL_TEST_PAUSE", p);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Background {
        child,
        lines,
        seen: Vec::new(),
    }
}

impl Background {
    /// Waits (at most 120 s) for a stderr line starting with `prefix`.
    fn wait_for(&mut self, prefix: &str) {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(120)) {
                Ok(line) => {
                    let hit = line.starts_with(prefix);
                    self.seen.push(line);
                    if hit {
                        return;
                    }
                }
                Err(_) => panic!(
                    "no line {prefix:?}; stderr so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`) and waits for the exit; returns
    /// the exit code (`None` when killed by a signal) and the rest of stderr.
    fn stop(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code(), self.seen.join("\n"))
    }

    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        self.seen.extend(self.lines.iter());
        (status.code(), self.seen.join("\n"))
    }
}

/// The `model-digest` of the manifest in a bundle directory or zip, after
/// checking that `rolecall verify` passes on it.
fn verified_digest(path: &Path) -> String {
    let run = rolecall(&["verify", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(
        run.code,
        0,
        "{} does not verify:\n{}",
        path.display(),
        run.all()
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    report["model-digest"].as_str().unwrap().to_string()
}

/// Names in `out` that a build leaves only while it runs.
fn leftovers(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // The PDF cache is meant to stay between builds.
        .filter(|n| (n.starts_with('.') || n.ends_with(".typst")) && n != ".rolecall-cache")
        .collect()
}

/// Two models of the same bundle name whose bundles differ.
struct Two {
    _work: tempfile::TempDir,
    old: PathBuf,
    new: PathBuf,
}

fn two_models() -> Two {
    let work = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    let old = work.path().join("old");
    let new = work.path().join("new");
    for (dir, text) in [
        (&old, text.clone()),
        (
            &new,
            text.replacen("scope = \"\"\"", "scope = \"\"\"Changed. ", 1),
        ),
    ] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("model.toml"), text).unwrap();
    }
    Two {
        _work: work,
        old,
        new,
    }
}

#[test]
fn a_build_killed_at_any_point_leaves_a_whole_bundle_and_the_next_build_cleans_up() {
    let two = two_models();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join(NAME);
    let zip = out.path().join(format!("{NAME}.zip"));
    assert_eq!(build_md(&two.old, out.path()).code, 0);
    let old = verified_digest(&dir);
    let new = {
        let o = tempfile::tempdir().unwrap();
        assert_eq!(build_md(&two.new, o.path()).code, 0);
        verified_digest(&o.path().join(NAME))
    };
    assert_ne!(old, new);
    // --force: each build replaces the other's bundle of the same name.
    let md = ["--format", "md", "--force"];
    for point in ["staged", "journal", "between-renames", "swapped"] {
        for signal in ["KILL", "TERM", "INT"] {
            // Start from the previous bundle each time.
            assert_eq!(build_md(&two.old, out.path()).code, 0);
            assert!(
                leftovers(out.path()).is_empty(),
                "{:?}",
                leftovers(out.path())
            );
            let mut b = start(&two.new, out.path(), Some(&format!("{point}=5")), &md);
            b.wait_for(&format!("paused at {point}"));
            let (code, stderr) = b.stop(signal);
            let case = format!("{signal} at {point}: {stderr}");
            // Whatever the moment, each of the two is whole: the previous or the new.
            let (d, z) = (verified_digest(&dir), verified_digest(&zip));
            assert!([&old, &new].contains(&&d), "{case}");
            assert!([&old, &new].contains(&&z), "{case}");
            if signal != "KILL" {
                // Caught: a swap under way ends first, nothing is left, no mix.
                let expected = if signal == "TERM" { 143 } else { 130 };
                assert_eq!(code, Some(expected), "{case}");
                assert!(
                    stderr.contains(&format!("error: interrupted (SIG{signal})")),
                    "{case}"
                );
                assert!(
                    leftovers(out.path()).is_empty(),
                    "{case}: {:?}",
                    leftovers(out.path())
                );
                assert_eq!(d, z, "{case}");
                let in_swap =
                    point == "journal" || point == "between-renames" || point == "swapped";
                assert_eq!(d, if in_swap { new.clone() } else { old.clone() }, "{case}");
            } else if point == "between-renames" {
                // Killed between the two renames: the new directory, the old zip.
                assert_eq!(
                    (d.as_str(), z.as_str()),
                    (new.as_str(), old.as_str()),
                    "{case}"
                );
                assert_eq!(leftovers(out.path()).len(), 1, "{case}");
            }
        }
    }
    // What a SIGKILL between the renames leaves, the next build into OUT (here
    // of another bundle) completes: the new directory gets its zip.
    assert_eq!(build_md(&two.old, out.path()).code, 0);
    let b = start(&two.new, out.path(), Some("between-renames=5"), &md);
    let mut b = b;
    b.wait_for("paused at between-renames");
    b.stop("KILL");
    let other = out.path().join("northwind-evidence-2026-11-23");
    assert_eq!(build_md(&example("northwind"), out.path()).code, 0);
    assert!(
        leftovers(out.path()).is_empty(),
        "{:?}",
        leftovers(out.path())
    );
    assert_eq!(verified_digest(&dir), new);
    assert_eq!(verified_digest(&zip), new);
    verified_digest(&other);

    // Killed at arbitrary moments, without a hook: after each, whole bundles;
    // after the next build, nothing left.
    for ms in (0..600).step_by(60) {
        let b = start(&two.new, out.path(), None, &md);
        std::thread::sleep(Duration::from_millis(ms));
        b.stop("KILL");
        for path in [&dir, &zip] {
            let d = verified_digest(path);
            assert!([&old, &new].contains(&&d), "killed after {ms} ms");
        }
        assert_eq!(build_md(&two.old, out.path()).code, 0);
        assert!(
            leftovers(out.path()).is_empty(),
            "{:?}",
            leftovers(out.path())
        );
        assert_eq!(verified_digest(&zip), old);
    }
}

/// A stand-in for typst that says it is typst 0.15.1 and, asked to compile,
/// records its process id and sleeps: a typst run that is under way.
fn slow_typst(dir: &Path) -> (PathBuf, PathBuf) {
    let script = dir.join("typst");
    let pids = dir.join("typst.pids");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$1\" in --version) echo 'typst 0.15.1'; exit 0;; esac\necho $$ >> '{}'\nexec sleep 60\n",
            pids.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, pids)
}

fn alive(pid: &str) -> bool {
    // A zombie has exited; only a running process counts.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

#[test]
fn an_interrupted_pdf_build_stops_typst_and_removes_its_sources() {
    let work = tempfile::tempdir().unwrap();
    let (typst, pids) = slow_typst(work.path());
    for signal in ["TERM", "INT", "KILL"] {
        let out = tempfile::tempdir().unwrap();
        let _ = std::fs::remove_file(&pids);
        let mut b = start(
            &example("minimal"),
            out.path(),
            None,
            &["--typst", typst.to_str().unwrap(), "--jobs", "2"],
        );
        // Wait until the typst runs are under way.
        let started = std::time::Instant::now();
        while std::fs::read_to_string(&pids).map_or(0, |s| s.lines().count()) < 2 {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "typst never ran"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            leftovers(out.path())
                .iter()
                .any(|n| n.starts_with(".rolecall-typst-"))
        );
        b.seen.clear();
        let (code, stderr) = b.stop(signal);
        let running: Vec<String> = std::fs::read_to_string(&pids)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        if signal == "KILL" {
            // Uncatchable: typst is orphaned and its sources stay, until the next build.
            for pid in &running {
                let _ = Command::new("kill").args(["-KILL", pid]).status();
            }
            assert_eq!(build_md(&example("minimal"), out.path()).code, 0);
        } else {
            assert_eq!(
                code,
                Some(if signal == "TERM" { 143 } else { 130 }),
                "{stderr}"
            );
            assert_eq!(
                stderr.lines().count(),
                1,
                "one line, no typst error: {stderr}"
            );
            for pid in &running {
                assert!(!alive(pid), "typst {pid} still runs after SIG{signal}");
            }
        }
        assert!(
            leftovers(out.path()).is_empty(),
            "SIG{signal}: {:?}",
            leftovers(out.path())
        );
    }
}

#[test]
fn a_typst_run_past_its_time_limit_is_stopped_and_says_so() {
    // typst is waited for by its stderr closing: a run that never ends must
    // still be stopped when its time is up.
    let work = tempfile::tempdir().unwrap();
    let (typst, pids) = slow_typst(work.path());
    let out = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let run = rolecall(&[
        "build",
        example("minimal").to_str().unwrap(),
        "--date",
        DATE,
        "--quiet",
        "--no-cache",
        "-o",
        out.path().to_str().unwrap(),
        "--typst",
        typst.to_str().unwrap(),
        "--typst-timeout",
        "1",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("typst did not finish ")
            && run.stderr.contains(" within 1 s and was stopped"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: raise --typst-timeout"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let pids = std::fs::read_to_string(&pids).unwrap();
    assert!(!pids.is_empty(), "typst never ran");
    for pid in pids.lines() {
        assert!(!alive(pid), "typst {pid} was left running");
    }
}

#[test]
fn two_concurrent_builds_into_one_out_never_mix_their_directory_and_zip() {
    let two = two_models();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join(NAME);
    let zip = out.path().join(format!("{NAME}.zip"));
    // --force: each build replaces the other's bundle of the same name.
    let md = ["--format", "md", "--force"];
    // The first pauses inside its swap, the second runs meanwhile: the second
    // waits for the first, then replaces the pair whole.
    for point in ["staged", "between-renames"] {
        let mut first = start(&two.old, out.path(), Some(&format!("{point}=3")), &md);
        first.wait_for(&format!("paused at {point}"));
        let mut second = start(&two.new, out.path(), None, &md);
        second.wait_for("waiting for another rolecall build into");
        assert_eq!(first.finish().0, Some(0));
        assert_eq!(second.finish().0, Some(0));
        let d = verified_digest(&dir);
        assert_eq!(
            d,
            verified_digest(&zip),
            "the directory and the zip of one build, at {point}"
        );
        assert_eq!(d, verified_digest(&out.path().join(NAME)));
        assert!(leftovers(out.path()).is_empty());
    }
    // And started together, a few times.
    for _ in 0..3 {
        let a = start(&two.old, out.path(), None, &md);
        let b = start(&two.new, out.path(), None, &md);
        assert_eq!(a.finish().0, Some(0));
        assert_eq!(b.finish().0, Some(0));
        assert_eq!(verified_digest(&dir), verified_digest(&zip));
        assert!(leftovers(out.path()).is_empty());
    }
}

#[test]
fn a_previous_bundle_moved_aside_by_an_interrupted_build_is_put_back() {
    // What rolecall 0.1 left when killed between its renames: the previous
    // directory inside the staging directory, the new zip beside it, and no
    // bundle directory in OUT.
    let two = two_models();
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build_md(&two.old, out.path()).code, 0);
    let dir = out.path().join(NAME);
    let old = verified_digest(&dir);
    let staging = out.path().join(".rolecall-staging-abc123");
    std::fs::create_dir(&staging).unwrap();
    std::fs::rename(&dir, staging.join("previous")).unwrap();
    std::fs::copy(
        out.path().join(format!("{NAME}.zip")),
        staging.join(format!("{NAME}.zip")),
    )
    .unwrap();
    std::fs::create_dir(out.path().join(".rolecall-typst-xyz")).unwrap();
    std::fs::write(out.path().join(".rolecall-typst-xyz/layout.typ"), "").unwrap();
    // The next build, of another bundle into the same OUT, puts it back.
    assert_eq!(build_md(&example("northwind"), out.path()).code, 0);
    assert!(
        leftovers(out.path()).is_empty(),
        "{:?}",
        leftovers(out.path())
    );
    assert_eq!(verified_digest(&dir), old);
}

// ---------------------------------------------------------------------------
// HTML links
// ---------------------------------------------------------------------------

#[test]
fn html_links_climbing_out_of_the_bundle_keep_only_their_text() {
    let (_w, model) = minimal_with(None, &|t| {
        t.replacen(
            "Roles are explained to every new starter",
            "See [plain](../../../../../etc/passwd), [encoded](%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd) and [inside](roles/ceo.md). Roles are explained to every new starter",
            1,
        )
    });
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build_md(&model, out.path()).code, 0);
    let html = read(&out.path().join(NAME), "policy.html");
    assert!(
        html.contains("See plain, encoded and <a href=\"roles/ceo.html\">inside</a>."),
        "{html}"
    );
    for dir in [out.path().join(NAME)] {
        for file in files_below(&dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "html"))
        {
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(!text.contains("etc/passwd"), "{}", file.display());
        }
    }
}
