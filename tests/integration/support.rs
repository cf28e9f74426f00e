//! Shared helpers: running the binary, locating fixtures, reading bundles.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture path below `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// An example model below `examples/`.
pub fn example(name: &str) -> PathBuf {
    root().join("examples").join(name)
}

/// The result of one run.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for assertions that do not care which.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `rolecall` with `args` in `cwd` (the repository root when `None`),
/// with `SOURCE_DATE_EPOCH` removed so that only `--date` sets the date.
pub fn rolecall_in(cwd: Option<&Path>, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_rolecall"))
        .args(args)
        .current_dir(cwd.map(Path::to_path_buf).unwrap_or_else(root))
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("failed to run rolecall");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `rolecall` with `args` in the repository root.
pub fn rolecall(args: &[&str]) -> Run {
    rolecall_in(None, args)
}

/// Reads a file of a bundle as text.
pub fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// Every file below `dir`, recursively.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Builds `model` as of `date` (with `extra` arguments, e.g. `--format md`) into a
/// fresh temporary directory; returns it and the bundle directory.
pub fn build_bundle(model: &Path, date: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let dir = build_into(model, date, out.path(), extra);
    (out, dir)
}

/// Builds `model` as of `date` (with `extra` arguments) into `out`, which may
/// hold earlier builds; returns the bundle directory.
pub fn build_into(model: &Path, date: &str, out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec![
        "build",
        model.to_str().unwrap(),
        "--date",
        date,
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let run = rolecall(&args);
    assert_eq!(
        run.code,
        0,
        "build failed (PDFs need typst 0.15: `make test` installs it):\n{}",
        run.all()
    );
    let dir = PathBuf::from(run.stdout.trim());
    assert!(dir.is_dir(), "printed path {dir:?} is not a directory");
    dir
}

/// The `*.toml` files below `dir`, sorted.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = files_below(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// A model (a file or a directory) read with the `toml` crate, independently of
/// rolecall's own loader: its files merged into one table, arrays of tables
/// concatenated in file order. Tests cross-check outputs against it.
pub fn raw_model(model: &Path) -> toml::Table {
    let files = if model.is_dir() {
        toml_files(model)
    } else {
        vec![model.to_path_buf()]
    };
    let mut merged = toml::Table::new();
    for f in files {
        let t: toml::Table = std::fs::read_to_string(&f).unwrap().parse().unwrap();
        for (k, v) in t {
            match (merged.get_mut(&k), v) {
                (Some(toml::Value::Array(a)), toml::Value::Array(b)) => a.extend(b),
                (_, v) => {
                    merged.insert(k, v);
                }
            }
        }
    }
    merged
}

/// The counts of a bundle directory's signature register (`signatures/register.md`,
/// English): signed for the current version, for an older version, outstanding.
pub fn register_counts(bundle: &Path) -> [usize; 3] {
    let register = read(bundle, "signatures/register.md");
    let count = |label: &str| -> usize {
        register
            .lines()
            .find_map(|l| {
                l.strip_prefix(&format!("| {label} | "))?
                    .strip_suffix(" |")?
                    .parse()
                    .ok()
            })
            .unwrap_or_else(|| panic!("no count `{label}` in:\n{register}"))
    };
    [
        count("Signed for the current version"),
        count("Signed for an older version (to be signed again)"),
        count("Outstanding"),
    ]
}

/// The counts in the verdict of `rolecall verify BUNDLE` (which must verify):
/// current, for an older version, outstanding; and their total.
pub fn verify_counts(bundle: &Path) -> ([usize; 3], usize) {
    let run = rolecall(&["verify", bundle.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    let verdict = run.stdout.lines().last().unwrap_or_default();
    let counts = verdict
        .split("; ")
        .find(|part| part.contains(" signatures current, "))
        .unwrap_or_else(|| panic!("no signature counts in {verdict:?}"));
    let numbers: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [current, total, outdated, outstanding] = numbers[..] else {
        panic!("unexpected counts {counts:?}");
    };
    ([current, outdated, outstanding], total)
}

/// Asserts that `rolecall verify` counts the signatures of the bundle directory
/// `bundle` as its register does (issue 13); returns the counts.
pub fn assert_counts_agree(bundle: &Path) -> [usize; 3] {
    let register = register_counts(bundle);
    let (verified, total) = verify_counts(bundle);
    assert_eq!(
        verified, register,
        "verify and signatures/register.md disagree"
    );
    assert_eq!(total, register.iter().sum::<usize>());
    register
}

/// A 1×1 PNG (as Python's zlib writes it).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xf7, 0x03, 0x41, 0x43, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Every file below `dir` with its bytes, by path relative to `dir`.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    files_below(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect()
}
