//! The PDF cache (issue 14): a cached build gives the bytes of an uncached one,
//! only changed documents go to typst, damaged entries are rebuilt, and two
//! builds can share one cache.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{build_into, example, files_below};

/// A `--typst` program that logs each call's arguments to `log`, then runs the
/// real typst from PATH: it shows which documents a build typeset.
fn logging_typst(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("typst.log");
    let script = dir.join("typst-logging.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec typst \"$@\"\n",
            log.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, log)
}

/// The `compile` lines of the log (and empties it).
fn compiles(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let _ = std::fs::remove_file(log);
    text.lines()
        .filter(|l| l.starts_with("compile"))
        .map(str::to_string)
        .collect()
}

/// Builds `model` as of `date` into `out` with `extra` arguments; returns the
/// bundle directory and the zip's bytes.
fn build(model: &Path, date: &str, out: &Path, extra: &[&str]) -> (PathBuf, Vec<u8>) {
    let dir = build_into(model, date, out, extra);
    let zip = std::fs::read(dir.with_extension("zip")).unwrap();
    (dir, zip)
}

/// The documents named in the bundle-export main files of kept sources: the
/// ones that went to typst.
fn typeset_documents(out: &Path) -> Vec<String> {
    let mut docs: Vec<String> = files_below(out)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("bundle-"))
        })
        .flat_map(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .lines()
                .filter_map(|l| l.strip_prefix("#document(\""))
                .filter_map(|l| l.split('"').next())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    docs.sort();
    docs
}

/// Every cache entry's path.
fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut e: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    e.sort();
    e
}

#[test]
fn cached_builds_are_byte_identical_and_typeset_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (typst, log) = logging_typst(tmp.path());
    let typst = typst.to_str().unwrap();
    let cache = tmp.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let model = example("northwind");

    let (_, uncached) = build(&model, "2026-11-23", &tmp.path().join("a"), &["--no-cache"]);
    let (cold_dir, cold) = build(
        &model,
        "2026-11-23",
        &tmp.path().join("b"),
        &["--typst", typst, "--cache-dir", cache_arg],
    );
    assert!(!compiles(&log).is_empty(), "a cold cache typesets");
    let pdfs = files_below(&cold_dir)
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .count();
    assert_eq!(entries(&cache).len(), pdfs, "one entry per PDF");
    assert!(
        !tmp.path().join("b/.rolecall-cache").exists(),
        "--cache-dir is used"
    );
    // A second build in another folder: the same bytes, and typst is not run.
    let (_, warm) = build(
        &model,
        "2026-11-23",
        &tmp.path().join("c"),
        &["--typst", typst, "--cache-dir", cache_arg],
    );
    assert!(
        cold == uncached,
        "a cold cached build differs from --no-cache"
    );
    assert!(
        warm == uncached,
        "a warm cached build differs from --no-cache"
    );
    assert_eq!(compiles(&log), Vec::<String>::new());

    // The next day's bundle: its PDFs do not depend on the bundle date.
    let (next_dir, _) = build(
        &model,
        "2026-11-24",
        &tmp.path().join("d"),
        &["--typst", typst, "--cache-dir", cache_arg],
    );
    assert_eq!(compiles(&log), Vec::<String>::new());
    let policy = std::fs::read(next_dir.join("policy.pdf")).unwrap();
    assert_eq!(policy, std::fs::read(cold_dir.join("policy.pdf")).unwrap());

    // One role's responsibilities edited: only the documents that show them are
    // typeset; the default cache is OUT/.rolecall-cache; bundle export writes no
    // per-document entry files.
    let edited = tmp.path().join("edited");
    std::fs::create_dir_all(edited.join("roles")).unwrap();
    for f in files_below(&model) {
        let rel = f.strip_prefix(&model).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        let text = text.replace(
            "Set the technology strategy and make sure security requirements are part of it",
            "Set the technology strategy and make security requirements part of it",
        );
        std::fs::write(edited.join(rel), text).unwrap();
    }
    let out = tmp.path().join("e");
    build(&model, "2026-11-23", &out, &[]);
    assert!(out.join(".rolecall-cache").is_dir());
    // The same OUT (its cache) and date: --force replaces the first bundle.
    let (_, edited_cached) = build(&edited, "2026-11-23", &out, &["--keep-sources", "--force"]);
    let typeset = typeset_documents(&out);
    assert!(typeset.contains(&"policy.pdf".to_string()), "{typeset:?}");
    assert!(
        typeset.iter().any(|d| d.starts_with("roles/")),
        "{typeset:?}"
    );
    assert!(
        (3..=8).contains(&typeset.len()),
        "an edit of one role typesets a handful of the {pdfs} documents: {typeset:?}"
    );
    let kept = files_below(&out);
    assert!(
        !kept
            .iter()
            .any(|p| p.components().any(|c| c.as_os_str() == "entry")),
        "bundle export needs no entry files"
    );
    let (_, edited_uncached) = build(
        &edited,
        "2026-11-23",
        &tmp.path().join("f"),
        &["--no-cache"],
    );
    assert!(
        edited_cached == edited_uncached,
        "the edited build differs from --no-cache"
    );
}

#[test]
fn a_damaged_cache_entry_is_rebuilt_never_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let model = example("minimal");
    let (_, uncached) = build(&model, "2026-11-23", &tmp.path().join("a"), &["--no-cache"]);
    build(
        &model,
        "2026-11-23",
        &tmp.path().join("b"),
        &["--cache-dir", cache_arg],
    );
    let all = entries(&cache);
    assert!(all.len() >= 3, "{all:?}");
    // Truncated; one byte of the PDF changed; the header's digest changed.
    let bytes: Vec<Vec<u8>> = all.iter().map(|p| std::fs::read(p).unwrap()).collect();
    std::fs::write(&all[0], &bytes[0][..bytes[0].len() / 2]).unwrap();
    let mut flipped = bytes[1].clone();
    let at = flipped.len() - 100;
    flipped[at] ^= 0x20;
    std::fs::write(&all[1], &flipped).unwrap();
    let header_end = bytes[2].iter().position(|&b| b == b'\n').unwrap();
    let mut wrong = bytes[2].clone();
    wrong[header_end - 10] = if wrong[header_end - 10] == b'0' {
        b'1'
    } else {
        b'0'
    };
    std::fs::write(&all[2], &wrong).unwrap();

    let out = tmp.path().join("c");
    let (_, rebuilt) = build(
        &model,
        "2026-11-23",
        &out,
        &["--cache-dir", cache_arg, "--keep-sources"],
    );
    assert!(rebuilt == uncached, "a damaged entry reached the bundle");
    assert_eq!(
        typeset_documents(&out).len(),
        3,
        "exactly the damaged three"
    );
    for (p, good) in all.iter().zip(&bytes).take(3) {
        assert_eq!(
            &std::fs::read(p).unwrap(),
            good,
            "{} was rebuilt",
            p.display()
        );
    }
}

#[test]
fn two_builds_can_share_a_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let model = example("northwind");
    let (_, uncached) = build(
        &model,
        "2026-11-23",
        &tmp.path().join("ref"),
        &["--no-cache"],
    );
    let start = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_rolecall"))
            .args([
                "build",
                model.to_str().unwrap(),
                "--date",
                "2026-11-23",
                "--quiet",
            ])
            .arg("-o")
            .arg(tmp.path().join(name))
            .arg("--cache-dir")
            .arg(&cache)
            .env_remove("SOURCE_DATE_EPOCH")
            .output()
    };
    // Twice over: both cold, then both warm.
    for round in ["cold", "warm"] {
        let (one, two) = std::thread::scope(|s| {
            let a = s.spawn(|| start(&format!("{round}-1")).unwrap());
            let b = s.spawn(|| start(&format!("{round}-2")).unwrap());
            (a.join().unwrap(), b.join().unwrap())
        });
        for run in [one, two] {
            assert!(
                run.status.success(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            let dir = PathBuf::from(String::from_utf8_lossy(&run.stdout).trim());
            let zip = std::fs::read(dir.with_extension("zip")).unwrap();
            assert!(
                zip == uncached,
                "{round}: a build sharing the cache differs"
            );
        }
    }
    let names: Vec<String> = entries(&cache)
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".pdf")), "{names:?}");
}
