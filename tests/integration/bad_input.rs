//! Bad input never loses data (issue 4): a failed build leaves the previous
//! bundle untouched and says why; broken, hostile or huge models give a clear
//! error or a correct result, in bounded memory and time, never a panic or a hang.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Run, build_into, example, rolecall, snapshot};

const DATE: &str = "2026-11-23";
const NAME: &str = "example-evidence-2026-11-23";
/// Address space the binary may use in these tests (`ulimit -v`, KiB): 1 GiB.
const MEMORY_KIB: u64 = 1024 * 1024;

/// Runs `rolecall args` through `sh -c "SETUP; ulimit -v ..."`, stopping it
/// (and failing the test) after `secs` seconds: a hang is a failure, not a stuck run.
fn run_bounded(setup: &str, args: &[&str], secs: u64) -> Run {
    let script = format!("{setup} ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_rolecall"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("failed to run sh");
    // Drain the pipes on threads so that a large output cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        std::io::Read::read_to_end(&mut stderr, &mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("rolecall {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

/// An output directory holding a bundle built from examples/minimal.
struct Previous {
    out: tempfile::TempDir,
    before: BTreeMap<PathBuf, Vec<u8>>,
}

impl Previous {
    fn build() -> Previous {
        let out = tempfile::tempdir().unwrap();
        let run = rolecall(&[
            "build",
            example("minimal").to_str().unwrap(),
            "--date",
            DATE,
            "--format",
            "md",
            "-o",
            out.path().to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(run.code, 0, "{}", run.all());
        let before = snapshot(out.path());
        assert!(before.contains_key(Path::new(&format!("{NAME}.zip"))));
        assert!(before.contains_key(&Path::new(NAME).join("SHA256SUMS")));
        Previous { out, before }
    }

    fn out(&self) -> &str {
        self.out.path().to_str().unwrap()
    }

    /// Every byte of the previous bundle is as it was, and nothing but `extra`
    /// (top-level names) was added: no staging directory is left behind.
    fn assert_untouched(&self, extra: &[&str]) {
        let now: BTreeMap<PathBuf, Vec<u8>> = snapshot(self.out.path())
            .into_iter()
            .filter(|(p, _)| !extra.iter().any(|e| p.starts_with(e)))
            .collect();
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            self.before.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &self.before {
            assert!(now[path] == *bytes, "{} changed", path.display());
        }
        let verify = rolecall(&["verify", &format!("{}/{NAME}.zip", self.out())]);
        assert_eq!(verify.code, 0, "{}", verify.all());
    }
}

/// A copy of examples/minimal's model, with `scope` changed so that a build
/// that went through would differ from the previous bundle.
fn changed_minimal(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    let changed = text.replacen("scope = \"\"\"", "scope = \"\"\"Changed. ", 1);
    assert_ne!(changed, text);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("model.toml"), changed).unwrap();
    dir.to_path_buf()
}

#[test]
fn a_rebuild_reuses_the_replaced_bundles_unchanged_files_and_nothing_else() {
    // A file the build would write again with the same bytes takes the inode of
    // the bundle it replaces (a hard link: no new file), unless that file is not
    // the bundle's own: a link to a file outside, or a file with another name.
    use std::os::unix::fs::MetadataExt as _;
    let prev = Previous::build();
    let dir = prev.out.path().join(NAME);
    let ino = |p: &Path| std::fs::symlink_metadata(p).unwrap().ino();
    let outside = tempfile::tempdir().unwrap();
    let csv = dir.join("raci-matrix.csv");
    let copy = outside.path().join("copy.csv");
    std::fs::copy(&csv, &copy).unwrap();
    std::fs::remove_file(&csv).unwrap();
    std::os::unix::fs::symlink(&copy, &csv).unwrap();
    let xlsx = dir.join("raci-matrix.xlsx");
    let second_name = outside.path().join("second-name.xlsx");
    if std::fs::hard_link(&xlsx, &second_name).is_err() {
        // Another file system: a copy stands in (the inode then differs anyway).
        std::fs::copy(&xlsx, &second_name).unwrap();
    }
    let before: BTreeMap<PathBuf, (Vec<u8>, u64)> = prev
        .before
        .iter()
        .filter_map(|(p, bytes)| {
            let rel = p.strip_prefix(NAME).ok()?.to_path_buf();
            Some((rel.clone(), (bytes.clone(), ino(&dir.join(&rel)))))
        })
        .collect();

    let work = tempfile::tempdir().unwrap();
    let model = changed_minimal(&work.path().join("model"));
    build_into(
        &model,
        DATE,
        prev.out.path(),
        &["--format", "md", "--force"],
    );
    let after = snapshot(&dir);
    let (mut reused, mut changed) = (0, 0);
    for (rel, bytes) in &after {
        let path = dir.join(rel);
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.is_file(), "{} is a regular file", rel.display());
        assert_eq!(meta.nlink(), 1, "{} has one name", rel.display());
        let Some((old, old_ino)) = before.get(rel) else {
            continue;
        };
        if rel == Path::new("raci-matrix.csv") || rel == Path::new("raci-matrix.xlsx") {
            assert_ne!(meta.ino(), ino(&copy));
            assert_ne!(meta.ino(), ino(&second_name));
        } else if old == bytes {
            assert_eq!(meta.ino(), *old_ino, "{} was reused", rel.display());
            reused += 1;
        } else {
            changed += 1;
        }
    }
    assert!(
        reused >= 10 && changed >= 5,
        "reused {reused}, changed {changed}"
    );
    assert_eq!(
        std::fs::read(&second_name).unwrap(),
        before[Path::new("raci-matrix.xlsx")].0
    );
    let verify = rolecall(&["verify", &format!("{}/{NAME}.zip", prev.out())]);
    assert_eq!(verify.code, 0, "{}", verify.all());
    let verify = rolecall(&["verify", dir.to_str().unwrap()]);
    assert_eq!(verify.code, 0, "{}", verify.all());
}

#[test]
fn an_unreadable_model_file_fails_the_build_and_keeps_the_previous_bundle() {
    let prev = Previous::build();
    let work = tempfile::tempdir().unwrap();
    let model = changed_minimal(&work.path().join("model"));
    std::os::unix::fs::symlink("gone.toml", model.join("extra.toml")).unwrap();
    let run = run_bounded(
        "",
        &[
            "build",
            model.to_str().unwrap(),
            "--date",
            DATE,
            "-o",
            prev.out(),
        ],
        60,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "error[RC003]: cannot read `{}` (No such file or directory",
            model.join("extra.toml").display()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no bundle was written"),
        "{}",
        run.stderr
    );
    prev.assert_untouched(&[]);

    // Permissions, where they hold (not for root, who reads anything).
    std::fs::remove_file(model.join("extra.toml")).unwrap();
    let locked = model.join("locked.toml");
    std::fs::write(&locked, "# no access\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        let run = rolecall(&[
            "build",
            model.to_str().unwrap(),
            "--date",
            DATE,
            "-o",
            prev.out(),
        ]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(run.stderr.contains("Permission denied"), "{}", run.stderr);
        prev.assert_untouched(&[]);
    }
}

#[test]
fn a_typst_failure_keeps_the_previous_bundle_and_the_sources() {
    let prev = Previous::build();
    let work = tempfile::tempdir().unwrap();
    let model = changed_minimal(&work.path().join("model"));
    let run = rolecall(&[
        "build",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "-o",
        prev.out(),
        "--pdf-standard",
        "no-such-standard",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "error: failed to build PDFs; the Typst sources are kept in `{}/{NAME}.typst`",
            prev.out()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("invalid value 'no-such-standard'"),
        "typst's own message is shown:\n{}",
        run.stderr
    );
    prev.assert_untouched(&[&format!("{NAME}.typst")]);
    // Each typst run's file holds its documents' sources.
    let kept = prev.out.path().join(format!("{NAME}.typst"));
    let policy = std::fs::read_dir(&kept)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("bundle-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .find(|text| text.contains("// Generated by rolecall from policy.md."));
    assert!(policy.is_some_and(|text| text.contains("#document(\"policy.pdf\"")));
}

#[test]
fn a_full_disk_keeps_the_previous_bundle_and_says_why() {
    // `ulimit -f` caps the size of any file the process writes; with SIGXFSZ
    // ignored, the write that crosses it fails with EFBIG ("File too large"),
    // as a write to a full disk fails with ENOSPC.
    let prev = Previous::build();
    let work = tempfile::tempdir().unwrap();
    let model = changed_minimal(&work.path().join("model"));
    let run = run_bounded(
        "trap '' XFSZ; ulimit -f 8;",
        &[
            "build",
            model.to_str().unwrap(),
            "--date",
            DATE,
            "--format",
            "md",
            "-o",
            prev.out(),
        ],
        60,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with(&format!(
            "error: failed to write the bundle; any previous `{NAME}` in `{}` is untouched\n",
            prev.out()
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("caused by: File too large"),
        "{}",
        run.stderr
    );
    prev.assert_untouched(&[]);
}

#[test]
fn a_zip_that_cannot_be_replaced_leaves_the_previous_directory_in_place() {
    // The last step of a build moves the zip into place; when that fails, the
    // directory already swapped in must be swapped back.
    let prev = Previous::build();
    let zip = prev.out.path().join(format!("{NAME}.zip"));
    std::fs::remove_file(&zip).unwrap();
    std::fs::create_dir_all(zip.join("in-the-way")).unwrap();
    let prev = Previous {
        before: snapshot(prev.out.path()),
        out: prev.out,
    };
    let work = tempfile::tempdir().unwrap();
    let model = changed_minimal(&work.path().join("model"));
    // --force: only a build that may replace the bundle gets as far as the swap.
    let run = rolecall(&[
        "build",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "md",
        "-o",
        prev.out(),
        "--force",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with(&format!(
            "error: failed to move the zip to `{}`",
            zip.display()
        )),
        "{}",
        run.stderr
    );
    let now = snapshot(prev.out.path());
    assert_eq!(now, prev.before, "the previous bundle directory is back");
}

#[test]
fn pipes_and_looping_links_in_a_model_are_errors_not_hangs() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("model");
    std::fs::create_dir_all(model.join("sub")).unwrap();
    std::fs::copy(
        example("minimal").join("model.toml"),
        model.join("model.toml"),
    )
    .unwrap();
    // Directory links that loop are not followed: the model is still correct.
    std::os::unix::fs::symlink("..", model.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(".", model.join("self")).unwrap();
    let m = model.to_str().unwrap();
    let run = run_bounded("", &["check", m, "--date", DATE], 30);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        format!("{m}: no problems found (as of {DATE})\n")
    );

    // File links that loop or point nowhere, and a pipe, are named.
    std::os::unix::fs::symlink("b.toml", model.join("a.toml")).unwrap();
    std::os::unix::fs::symlink("a.toml", model.join("b.toml")).unwrap();
    let fifo = model.join("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let run = run_bounded("", &["check", m, "--date", DATE], 30);
    assert_eq!(run.code, 1, "{}", run.all());
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error"))
        .collect();
    assert_eq!(
        errors,
        [
            format!(
                "error[RC003]: cannot read `{m}/a.toml` (Too many levels of symbolic links (os error 40))"
            ),
            format!(
                "error[RC003]: cannot read `{m}/b.toml` (Too many levels of symbolic links (os error 40))"
            ),
            format!(
                "error[RC003]: `{m}/pipe.toml` is not a regular file (a pipe, socket or device)"
            ),
        ]
    );
    // A pipe named as the model would block a reader forever.
    let run = run_bounded("", &["check", fifo.to_str().unwrap(), "--date", DATE], 30);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("is not a regular file (a pipe, socket or device)"),
        "{}",
        run.stderr
    );
}

#[test]
fn non_utf8_content_and_names_are_clear_errors() {
    let work = tempfile::tempdir().unwrap();
    let text = std::fs::read(example("minimal").join("model.toml")).unwrap();
    let bad = work.path().join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let mut bytes = text.clone();
    let at = bytes.len() / 2;
    bytes.splice(at..at, *b"\xff\xfe");
    std::fs::write(bad.join("model.toml"), &bytes).unwrap();
    let run = rolecall(&["check", bad.to_str().unwrap(), "--date", DATE]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with(&format!(
            "error[RC003]: `{}` is not UTF-8 (invalid byte at offset {at})",
            bad.join("model.toml").display()
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: save the file as UTF-8"));

    use std::os::unix::ffi::OsStrExt as _;
    let named = work.path().join("named");
    std::fs::create_dir_all(&named).unwrap();
    std::fs::write(named.join("model.toml"), &text).unwrap();
    let odd = named.join(std::ffi::OsStr::from_bytes(b"caf\xe9.toml"));
    std::fs::write(&odd, "# people\n").unwrap();
    let run = rolecall(&["check", named.to_str().unwrap(), "--date", DATE]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with(&format!(
            "error[RC003]: the name of `{}` is not UTF-8",
            odd.display()
        )),
        "{}",
        run.stderr
    );
}

/// examples/minimal's model text.
fn minimal_text() -> String {
    std::fs::read_to_string(example("minimal").join("model.toml")).unwrap()
}

#[test]
fn a_50_mb_model_is_read_in_bounded_memory_and_errors_stay_short() {
    let work = tempfile::tempdir().unwrap();
    // 50 MB of comments around a valid model: a correct result.
    let big = work.path().join("big.toml");
    let mut text = minimal_text();
    let line = format!("# {}\n", "x".repeat(98));
    text.push_str(&line.repeat(500_000));
    assert!(text.len() > 50_000_000);
    std::fs::write(&big, &text).unwrap();
    let run = run_bounded("", &["check", big.to_str().unwrap(), "--date", DATE], 120);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("no problems found"), "{}", run.all());

    // A 50 MB line of garbage: the error points at it without printing it.
    let garbage = work.path().join("garbage.toml");
    let line_no = minimal_text().lines().count() + 1;
    std::fs::write(
        &garbage,
        format!("{}junk = {}\n", minimal_text(), "y".repeat(50_000_000)),
    )
    .unwrap();
    let run = run_bounded(
        "",
        &["check", garbage.to_str().unwrap(), "--date", DATE],
        120,
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.len() < 2_000,
        "{} bytes of error",
        run.stderr.len()
    );
    assert!(
        run.stderr.starts_with("error[RC001]: invalid TOML"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("--> {}:{line_no}:8", garbage.display())),
        "{}",
        run.stderr
    );

    // Past the 64 MiB limit, the file is refused before it is read.
    let huge = work.path().join("huge.toml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(70 * 1024 * 1024)
        .unwrap();
    let run = run_bounded("", &["check", huge.to_str().unwrap(), "--date", DATE], 30);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "`{}` is too large to be a model file (73400320 bytes, the limit is 67108864)",
            huge.display()
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn a_1_mb_string_is_kept_whole_or_reported_briefly() {
    let work = tempfile::tempdir().unwrap();
    let long = "lorem ipsum ".repeat(90_000);
    assert!(long.len() > 1_000_000);
    let model = work.path().join("model.toml");
    std::fs::write(
        &model,
        minimal_text().replacen("scope = \"\"\"", &format!("scope = \"\"\"{long}"), 1),
    )
    .unwrap();
    let out = work.path().join("out");
    let run = run_bounded(
        "",
        &[
            "build",
            model.to_str().unwrap(),
            "--date",
            DATE,
            "--format",
            "md",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
        120,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let policy = std::fs::read_to_string(out.join(NAME).join("policy.md")).unwrap();
    assert!(
        policy.contains(long.trim_end()),
        "the scope is in the policy whole"
    );
    assert_eq!(
        rolecall(&["verify", out.join(NAME).to_str().unwrap()]).code,
        0
    );

    // A 1 MB reference that resolves to nothing: named, shortened.
    let id = "z".repeat(1_000_000);
    std::fs::write(
        &model,
        minimal_text().replacen("holders = [\"sam\"]", &format!("holders = [\"{id}\"]"), 1),
    )
    .unwrap();
    let run = run_bounded("", &["check", model.to_str().unwrap(), "--date", DATE], 60);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.len() < 4_000,
        "{} bytes of error",
        run.stderr.len()
    );
    assert!(
        run.stderr.contains(&format!(
            "error[RC012]: unknown person `{}…`",
            "z".repeat(80)
        )),
        "{}",
        run.stderr
    );
}

/// A valid model of `roles` roles (all but the two key ones vacant unless
/// `held`) and `activities` activities, in one TOML file.
fn big_model(roles: usize, activities: usize, held: bool) -> String {
    let mut s = String::from(
        "[organisation]\nname = \"Big Corp\"\nscope = \"All of Big Corp.\"\n\n\
         [policy]\nid = \"BIG-POL-01\"\nversion = \"1.0\"\nowner = \"r00001\"\n\
         approver = \"r00000\"\neffective = 2026-01-15\n\n\
         [[policy.history]]\nversion = \"1.0\"\ndate = 2026-01-15\nauthor = \"p000\"\n\
         summary = \"First issue\"\n\n\
         [lint]\nallow = [\"RC023\", \"RC042\", \"RC061\", \"RC062\"]\n\n",
    );
    for p in 0..100 {
        s.push_str(&format!(
            "[[people]]\nid = \"p{p:03}\"\nname = \"Person {p}\"\ntitle = \"Title {p}\"\n\n"
        ));
    }
    for r in 0..roles {
        let extra = match r {
            0 => "top-management = true\n".to_string(),
            1 => "isms-conformity = true\nisms-reporting = true\nreports-to = \"r00000\"\n"
                .to_string(),
            _ => String::new(),
        };
        let holders = if held || r < 2 {
            format!("holders = [\"p{:03}\"]\n", r % 100)
        } else {
            String::new()
        };
        s.push_str(&format!(
            "[[roles]]\nid = \"r{r:05}\"\nname = \"Role {r}\"\n{holders}{extra}\
             responsibilities = [\"Do the work of role {r}\"]\n\
             authorities = [\"Decide on the work of role {r}\"]\n\n"
        ));
    }
    for a in 0..activities {
        s.push_str(&format!(
            "[[activities]]\nid = \"a{a:04}\"\nname = \"Activity {a}\"\n\
             responsible = [\"r{:05}\"]\naccountable = \"r{:05}\"\n\n",
            (a + 1) % roles,
            a % 2
        ));
    }
    s
}

#[test]
fn ten_thousand_roles_check_and_build_in_bounded_memory() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("big.toml");
    std::fs::write(&model, big_model(10_000, 50, false)).unwrap();
    let m = model.to_str().unwrap();

    let start = Instant::now();
    let run = run_bounded("", &["check", m, "--date", DATE], 120);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        format!("{m}: no problems found (as of {DATE})\n")
    );
    let checked = start.elapsed();

    let out = work.path().join("out");
    let start = Instant::now();
    let run = run_bounded(
        "",
        &[
            "build",
            m,
            "--date",
            DATE,
            "--format",
            "md",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ],
        300,
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let built = start.elapsed();
    let dir = out.join("big-corp-evidence-2026-11-23");
    let roles = std::fs::read_dir(dir.join("roles"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "md"))
        })
        .count();
    assert_eq!(roles, 10_000);
    let raci = std::fs::read_to_string(dir.join("raci-matrix.md")).unwrap();
    assert!(raci.contains("\n| Role 9999 | Role 9999 | vacant |\n"));
    // Activity 49: Role 1 accountable, Role 50 responsible, in a row of 10,000 cells.
    let row = raci
        .lines()
        .find(|l| l.starts_with("| Activity 49 |"))
        .expect("every activity is a row");
    let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
    assert_eq!(cells.len(), 2 + 10_000);
    assert_eq!((cells[2 + 1], cells[2 + 50]), ("A", "R"));
    assert_eq!(cells.iter().filter(|c| !c.is_empty()).count(), 3);
    eprintln!("10,000 roles: check {checked:?}, build --format md {built:?}");

    // Ten thousand roles by as many activities would be 10^8 RACI cells: refused.
    std::fs::write(&model, big_model(10_000, 201, false)).unwrap();
    let run = run_bounded("", &["check", m, "--date", DATE], 120);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error[RC003]: the model is too large to build: its RACI matrix would have 2010000 cells (10000 roles × 201 activities), more than 2000000"
        ),
        "{}",
        run.stderr
    );
}
