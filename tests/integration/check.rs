//! `rolecall check` over the invalid fixtures: one per rule.
//!
//! Every rule of `rolecall explain --list` has a fixture directory
//! `tests/fixtures/invalid/<code>-<name>/`: a small model (a trimmed copy of
//! `examples/minimal`) with the one problem the rule finds, its line marked with
//! `# <- CODE`. [`CASES`] says, by hand, which file and line each diagnostic must
//! point at; the tests run the real binary, in human and JSON format, and compare.
//! The remaining tests cover `explain`, the examples, hints, usage errors and
//! `[lint] allow`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use self::Sev::{Error, Warning};
use crate::support::{Run, example, fixture, rolecall};

/// The bundle date of every check in this module.
const DATE: &str = "2026-11-23";

/// The severity a rule reports with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sev {
    Error,
    Warning,
}

impl Sev {
    /// The word printed before a diagnostic and used in JSON.
    fn as_str(self) -> &'static str {
        match self {
            Error => "error",
            Warning => "warning",
        }
    }
}

/// One invalid fixture and where its diagnostic must point.
struct Case {
    /// The rule code the fixture triggers.
    code: &'static str,
    /// The rule's severity.
    sev: Sev,
    /// The fixture directory below `tests/fixtures/invalid/`.
    dir: &'static str,
    /// The model file (relative to the fixture directory) the diagnostic names.
    file: &'static str,
    /// The 1-based line the diagnostic names.
    line: usize,
    /// Other codes the fixture cannot avoid raising (the set must match exactly).
    also: &'static [&'static str],
}

/// A [`Case`] whose diagnostic points into the fixture's `model.toml`.
const fn case(code: &'static str, sev: Sev, dir: &'static str, line: usize) -> Case {
    Case {
        code,
        sev,
        dir,
        file: "model.toml",
        line,
        also: &[],
    }
}

/// Every rule's fixture, with the file and line computed by hand from the fixture.
const CASES: &[Case] = &[
    case("RC001", Error, "rc001-toml-syntax", 28),
    case("RC002", Error, "rc002-schema", 15),
    // Directory models: the diagnostic names the second file.
    Case {
        file: "people-and-roles.toml",
        ..case("RC003", Error, "rc003-model-structure", 4)
    },
    case("RC010", Error, "rc010-invalid-id", 113),
    Case {
        file: "people/contractors.toml",
        ..case("RC011", Error, "rc011-duplicate-id", 9)
    },
    case("RC012", Error, "rc012-unknown-reference", 109),
    case("RC013", Error, "rc013-all-staff-holders", 82),
    case("RC020", Error, "rc020-accountable-count", 100),
    case("RC021", Error, "rc021-no-responsible", 96),
    case("RC022", Error, "rc022-conflicting-letters", 119),
    case("RC023", Warning, "rc023-shared-accountability", 108),
    // Without any top-management role the approver cannot be one (RC034), and the
    // ISMS manager cannot report to one (RC033).
    Case {
        also: &["RC033", "RC034"],
        ..case("RC030", Error, "rc030-no-top-management", 7)
    },
    case("RC031", Error, "rc031-no-isms-conformity", 5),
    case("RC032", Error, "rc032-no-isms-reporting", 5),
    case("RC033", Warning, "rc033-indirect-reporting", 60),
    case("RC034", Error, "rc034-approver-not-top-management", 14),
    case("RC040", Error, "rc040-person-left", 60),
    case("RC041", Error, "rc041-vacant-key-role", 56),
    case("RC042", Warning, "rc042-vacant-role", 68),
    case("RC050", Error, "rc050-conflicting-roles", 61),
    case("RC051", Error, "rc051-segregated-activities", 110),
    case("RC052", Error, "rc052-reporting-cycle", 50),
    case("RC060", Warning, "rc060-review-overdue", 18),
    case("RC061", Warning, "rc061-concentration", 31),
    case("RC062", Warning, "rc062-unused-role", 87),
    case("RC063", Warning, "rc063-no-authority", 68),
    case("RC064", Error, "rc064-invalid-lint-allow", 122),
    case("RC065", Warning, "rc065-invalid-clause-ref", 76),
    case("RC070", Error, "rc070-signature-sheet", 186),
    case("RC071", Error, "rc071-signature-signer", 187),
    case("RC072", Error, "rc072-signature-date", 188),
    case("RC073", Error, "rc073-signature-digest", 189),
    // The other sheets are outstanding: the model records signatures.
    Case {
        also: &["RC075"],
        ..case("RC074", Warning, "rc074-signature-outdated", 189)
    },
    case("RC075", Warning, "rc075-signature-outstanding", 189),
];

/// Runs `rolecall check MODEL --date DATE` with `extra` arguments.
fn check(model: &Path, extra: &[&str]) -> Run {
    let model = model.to_str().expect("fixture paths are UTF-8");
    let mut args = vec!["check", model, "--date", DATE];
    args.extend_from_slice(extra);
    rolecall(&args)
}

/// The `(path, line, column)` of every human-format diagnostic with `code`, in output order.
fn locations(out: &str, code: &str) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    let mut lines = out.lines();
    while let Some(l) = lines.next() {
        let header = ["error", "warning"]
            .iter()
            .any(|sev| l.starts_with(&format!("{sev}[{code}]: ")));
        if !header {
            continue;
        }
        let Some(at) = lines
            .next()
            .and_then(|l| l.trim_start().strip_prefix("--> "))
        else {
            continue;
        };
        let mut parts = at.rsplitn(3, ':');
        let col = parts.next().and_then(|c| c.parse().ok());
        let line = parts.next().and_then(|c| c.parse().ok());
        if let (Some(col), Some(line), Some(path)) = (col, line, parts.next()) {
            found.push((path.to_string(), line, col));
        }
    }
    found
}

/// The `diagnostics` array of `rolecall check --format json` output.
fn json_diagnostics(run: &Run) -> Vec<Value> {
    let doc: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "check --format json printed invalid JSON ({e}):\n{}",
            run.all()
        )
    });
    doc["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics array in:\n{}", run.stdout))
        .clone()
}

/// The set of codes in JSON diagnostics.
fn codes(diags: &[Value]) -> BTreeSet<String> {
    diags
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

/// Whether `path` (as printed) is `file` of fixture directory `dir`.
fn is_fixture_file(path: &str, dir: &str, file: &str) -> bool {
    Path::new(path).ends_with(Path::new(dir).join(file))
}

/// The text of the fixture line a case points at.
fn fixture_line(case: &Case) -> String {
    let path = fixture("invalid").join(case.dir).join(case.file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .nth(case.line - 1)
        .unwrap_or_default()
        .to_string()
}

/// A temporary model: fixture `from` (a `model.toml` below `tests/fixtures/`) with
/// each `(old, new)` replacement applied; `old` must occur exactly once.
fn temp_model(from: &str, replace: &[(&str, &str)]) -> tempfile::TempDir {
    let mut text = std::fs::read_to_string(fixture(from).join("model.toml")).unwrap();
    for (old, new) in replace {
        assert_eq!(text.matches(old).count(), 1, "`{old}` in {from}");
        text = text.replace(old, new);
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.toml"), text).unwrap();
    dir
}

/// Panics listing every failure, if there are any.
fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_rule_fires_at_the_right_file_and_line() {
    let mut failures = Vec::new();
    for c in CASES {
        let dir = fixture("invalid").join(c.dir);
        let run = check(&dir, &[]);
        let out = run.all();
        let fail = |what: String| format!("{} ({}): {what}\n--- output ---\n{out}", c.code, c.dir);
        let expected_exit = if c.sev == Error { 1 } else { 0 };
        if run.code != expected_exit {
            failures.push(fail(format!(
                "exit code {}, expected {expected_exit}",
                run.code
            )));
        }
        let header = format!("{}[{}]: ", c.sev.as_str(), c.code);
        if !out.contains(&header) {
            failures.push(fail(format!("no `{header}` diagnostic")));
            continue;
        }
        let at = locations(&out, c.code);
        let right = at
            .iter()
            .any(|(path, line, _)| is_fixture_file(path, c.dir, c.file) && *line == c.line);
        if !right {
            failures.push(fail(format!(
                "expected `--> .../{}/{}:{}:`, got {at:?}",
                c.dir, c.file, c.line
            )));
        }
        let source = fixture_line(c);
        if !source.contains(&format!("# <- {}", c.code)) {
            failures.push(fail(format!(
                "line {} of the fixture is not marked `# <- {}`: {source}",
                c.line, c.code
            )));
        }
        if !out.contains(&format!("{} | {source}", c.line)) {
            failures.push(fail(format!("the source line `{source}` is not shown")));
        }
        let denied = check(&dir, &["--deny-warnings"]);
        if denied.code != 1 {
            failures.push(fail(format!(
                "exit code {} with --deny-warnings, expected 1",
                denied.code
            )));
        }
    }
    report(failures);
}

#[test]
fn json_output_names_code_file_and_line() {
    let mut failures = Vec::new();
    for c in CASES {
        let run = check(&fixture("invalid").join(c.dir), &["--format", "json"]);
        let fail = |what: String| {
            format!(
                "{} ({}): {what}\n--- output ---\n{}",
                c.code,
                c.dir,
                run.all()
            )
        };
        let diags = json_diagnostics(&run);
        let hit = diags.iter().find(|d| d["code"] == c.code);
        let Some(d) = hit else {
            failures.push(fail("no diagnostic with this code".into()));
            continue;
        };
        if d["severity"] != c.sev.as_str() {
            failures.push(fail(format!(
                "severity {}, expected {}",
                d["severity"],
                c.sev.as_str()
            )));
        }
        let file = d["file"].as_str().unwrap_or_default();
        if !is_fixture_file(file, c.dir, c.file) || d["line"] != c.line {
            failures.push(fail(format!(
                "at {file}:{}, expected .../{}/{}:{}",
                d["line"], c.dir, c.file, c.line
            )));
        }
        if !d["column"].is_u64() || !d["message"].is_string() || d["rule"].as_str().is_none() {
            failures.push(fail("column, message or rule missing".into()));
        }
        let mut expected: BTreeSet<String> = c.also.iter().map(|s| s.to_string()).collect();
        expected.insert(c.code.to_string());
        let got = codes(&diags);
        if got != expected {
            failures.push(fail(format!(
                "codes {got:?}, expected exactly {expected:?}"
            )));
        }
    }
    report(failures);
}

#[test]
fn every_rule_has_a_fixture_and_a_case() {
    let list = rolecall(&["explain", "--list"]);
    assert_eq!(list.code, 0, "{}", list.all());
    let rules: Vec<(String, String, String)> = list
        .stdout
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some((
                words.next()?.to_string(),
                words.next()?.to_string(),
                words.next()?.to_string(),
            ))
        })
        .filter(|(code, _, _)| code.starts_with("RC"))
        .collect();
    assert!(
        rules.len() >= 28,
        "explain --list lists too few rules:\n{}",
        list.stdout
    );

    let dirs: BTreeSet<String> = std::fs::read_dir(fixture("invalid"))
        .expect("tests/fixtures/invalid exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut failures = Vec::new();
    for (code, sev, name) in &rules {
        let dir = format!("{}-{name}", code.to_lowercase());
        if !dirs.contains(&dir) {
            failures.push(format!(
                "{code} ({name}) has no fixture tests/fixtures/invalid/{dir}/"
            ));
        }
        match CASES.iter().find(|c| c.code == code) {
            None => failures.push(format!("{code} ({name}) has no entry in CASES")),
            Some(c) if c.dir != dir || c.sev.as_str() != sev => failures.push(format!(
                "{code}: CASES says {} ({}), explain --list says {dir} ({sev})",
                c.dir,
                c.sev.as_str()
            )),
            Some(_) => {}
        }
    }
    for dir in dirs.iter().filter(|d| d.starts_with("rc")) {
        if !CASES.iter().any(|c| c.dir == dir) {
            failures.push(format!("fixture {dir} is not in CASES"));
        }
    }
    for c in CASES {
        if !rules.iter().any(|(code, _, _)| code == c.code) {
            failures.push(format!("{} is in CASES but not in explain --list", c.code));
        }
    }
    report(failures);
}

#[test]
fn explain_prints_checks_why_and_fix() {
    let run = rolecall(&["explain", "RC012"]);
    assert_eq!(run.code, 0, "{}", run.all());
    for part in [
        "RC012",
        "unknown-reference",
        "Checks:",
        "Why it matters:",
        "How to fix:",
    ] {
        assert!(
            run.stdout.contains(part),
            "`{part}` missing from:\n{}",
            run.stdout
        );
    }
    let by_name = rolecall(&["explain", "unknown-reference"]);
    assert_eq!(by_name.code, 0, "{}", by_name.all());
    assert_eq!(by_name.stdout, run.stdout);
}

#[test]
fn explain_unknown_code_fails() {
    let run = rolecall(&["explain", "RC999"]);
    assert_ne!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("RC999"), "{}", run.all());
    assert!(run.stdout.is_empty(), "{}", run.all());
}

#[test]
fn examples_check_clean_with_deny_warnings() {
    for name in ["minimal", "northwind"] {
        for date in [DATE, "2026-01-31"] {
            let model = example(name);
            let model = model.to_str().unwrap();
            let run = rolecall(&["check", model, "--date", date, "--deny-warnings"]);
            assert_eq!(run.code, 0, "{name} at {date}:\n{}", run.all());
            assert!(
                run.stdout.contains("no problems found"),
                "{name} at {date}:\n{}",
                run.all()
            );
            let json = rolecall(&["check", model, "--date", date, "--format", "json"]);
            assert_eq!(json.code, 0, "{name} at {date}:\n{}", json.all());
            assert!(
                json_diagnostics(&json).is_empty(),
                "{name} at {date}:\n{}",
                json.stdout
            );
        }
    }
}

#[test]
fn misspelt_role_id_suggests_the_right_one() {
    let run = check(&fixture("invalid/rc012-unknown-reference"), &[]);
    let out = run.all();
    assert!(out.contains("unknown role `isms-manger`"), "{out}");
    assert!(out.contains("hint: did you mean `isms-manager`?"), "{out}");
    // The caret sits under the misspelt id (column 14, 13 characters with quotes).
    let at = locations(&out, "RC012");
    assert!(
        at.iter().any(|(p, l, c)| {
            is_fixture_file(p, "rc012-unknown-reference", "model.toml") && (*l, *c) == (109, 14)
        }),
        "{at:?}\n{out}"
    );
    assert!(
        out.contains(&format!("{}^^^^^^^^^^^^^", " ".repeat(13))),
        "{out}"
    );
}

#[test]
fn typo_key_is_named_with_a_suggestion() {
    let run = check(&fixture("invalid/typo-key"), &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    assert!(out.contains("error[RC002]: unknown key `holder`"), "{out}");
    assert!(out.contains("hint: did you mean `holders`?"), "{out}");
    let at = locations(&out, "RC002");
    assert!(
        at.iter()
            .any(|(p, l, c)| is_fixture_file(p, "typo-key", "model.toml") && (*l, *c) == (71, 1)),
        "{at:?}\n{out}"
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let dir = fixture("invalid/multiple-errors");
    let run = check(&dir, &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    for (code, line) in [("RC034", 14), ("RC012", 108), ("RC010", 113)] {
        let at = locations(&out, code);
        assert!(
            at.iter()
                .any(|(p, l, _)| is_fixture_file(p, "multiple-errors", "model.toml") && *l == line),
            "{code} at line {line} missing: {at:?}\n{out}"
        );
    }
    assert!(out.contains("3 errors"), "{out}");
    let json = check(&dir, &["--format", "json"]);
    let got = codes(&json_diagnostics(&json));
    let expected: BTreeSet<String> = ["RC010", "RC012", "RC034"].map(String::from).into();
    assert_eq!(got, expected, "{}", json.stdout);
}

#[test]
fn missing_model_path_is_a_clear_error() {
    let missing = fixture("invalid/no-such-model");
    let run = check(&missing, &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    assert!(out.contains("error[RC003]"), "{out}");
    assert!(
        out.contains("cannot read model") && out.contains("no-such-model"),
        "{out}"
    );
    assert!(!out.contains("panicked"), "{out}");
    let json = check(&missing, &["--format", "json"]);
    let diags = json_diagnostics(&json);
    assert_eq!(
        codes(&diags),
        BTreeSet::from(["RC003".to_string()]),
        "{}",
        json.stdout
    );
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let run = check(&fixture("invalid/rc001-toml-syntax"), &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    let at = locations(&out, "RC001");
    assert!(
        at.iter().any(
            |(p, l, c)| is_fixture_file(p, "rc001-toml-syntax", "model.toml")
                && (*l, *c) == (28, 9)
        ),
        "expected model.toml:28:9, got {at:?}\n{out}"
    );
}

#[test]
fn bad_date_is_a_usage_error() {
    for bad in ["garbage", "2026-02-30", "23/11/2026"] {
        let run = rolecall(&["check", example("minimal").to_str().unwrap(), "--date", bad]);
        assert!(run.stderr.contains(bad), "--date {bad}:\n{}", run.all());
        assert_eq!(
            run.code,
            2,
            "--date {bad} must be a usage error (exit 2):\n{}",
            run.all()
        );
    }
}

#[test]
fn unknown_option_value_is_a_usage_error() {
    let run = rolecall(&[
        "check",
        example("minimal").to_str().unwrap(),
        "--format",
        "xml",
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
}

#[test]
fn lint_allow_silences_a_warning() {
    // The same model without the [lint] table warns (fixture rc062-unused-role).
    let warned = check(&fixture("invalid/rc062-unused-role"), &["--deny-warnings"]);
    assert_eq!(warned.code, 1, "{}", warned.all());
    let run = check(&fixture("valid/lint-allow"), &["--deny-warnings"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("warning[RC062]"), "{}", run.all());
    assert!(run.stdout.contains("no problems found"), "{}", run.all());
}

#[test]
fn lint_allow_cannot_silence_an_error() {
    let run = check(&fixture("invalid/rc064-invalid-lint-allow"), &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    assert!(out.contains("error[RC064]: RC012"), "{out}");
    // Allowing an error code does not silence the error itself.
    let dir = temp_model(
        "invalid/rc012-unknown-reference",
        &[(
            "informed = [\"all-staff\"]\n",
            "informed = [\"all-staff\"]\n\n[lint]\nallow = [\"RC012\"]\n",
        )],
    );
    let run = check(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let expected = BTreeSet::from(["RC012".to_string(), "RC064".to_string()]);
    assert_eq!(codes(&json_diagnostics(&run)), expected, "{}", run.stdout);
}

#[test]
fn lint_allow_rejects_an_unknown_code() {
    let dir = temp_model(
        "valid/lint-allow",
        &[("allow = [\"RC062\"]", "allow = [\"RC062\", \"RC999\"]")],
    );
    let run = check(dir.path(), &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    assert!(out.contains("error[RC064]: unknown rule `RC999`"), "{out}");
    assert!(!out.contains("warning[RC062]"), "{out}");
}

#[test]
fn a_broken_policy_reference_hides_no_other_problem() {
    // A misspelt `policy.owner` must not stop the model-wide rules: the missing
    // authority of the internal auditor (RC063) is still reported.
    let dir = temp_model(
        "invalid/rc063-no-authority",
        &[("owner = \"isms-manager\"", "owner = \"isms-manger\"")],
    );
    let run = check(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let expected = BTreeSet::from(["RC012".to_string(), "RC063".to_string()]);
    assert_eq!(codes(&json_diagnostics(&run)), expected, "{}", run.stdout);
}
