//! `rolecall check` over the invalid fixtures, and what it promises (issue 10).
//!
//! Every directory below `tests/fixtures/invalid/` is a small model (most a
//! trimmed copy of `examples/minimal`) with known problems; each line a
//! diagnostic must point at is marked in the fixture with `# <- CODE` (a code
//! once per diagnostic on that line). The tests run the real binary and
//! compare the diagnostics, in human and JSON format, with the markers:
//! exactly those, no more (one root cause, one error). Every rule of
//! `rolecall explain --list` has a fixture `<code>-<name>/`. The remaining
//! tests cover hints, colour, usage errors and `[lint] allow`; [`formats`] the
//! CI formats, the pre-commit hook and the GitLab job; [`snapshots`] whole
//! outputs of `check`, `explain` and `verify`.

mod formats;
mod snapshots;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::{Run, example, fixture, rolecall, root, toml_files};

/// The bundle date of every check in this module.
const DATE: &str = "2026-11-23";

/// Fixtures whose finding only `rolecall build` makes: none since `check` checks
/// the glyphs of the fonts typst will see (RC080) as a PDF build does (issue 11,
/// item 8: `check` finds what `build` would refuse).
const FOUND_BY_BUILD: &[&str] = &[];

/// One diagnostic: its code, the file (relative to the fixture directory,
/// `/`-separated) and the 1-based line.
type Mark = (String, String, usize);

/// Every fixture directory below `tests/fixtures/invalid/`, sorted.
fn fixture_dirs() -> Vec<String> {
    let mut dirs: Vec<String> = std::fs::read_dir(fixture("invalid"))
        .expect("tests/fixtures/invalid exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    dirs
}

/// The HR export of a fixture whose findings `check --roster` makes: its
/// `roster.csv`, if it has one (its markers are in a column of their own).
fn roster_of(dir: &str) -> Option<String> {
    let path = fixture("invalid").join(dir).join(ROSTER);
    path.is_file()
        .then(|| path.to_str().expect("fixture paths are UTF-8").to_string())
}

/// The file name of a fixture's HR export.
const ROSTER: &str = "roster.csv";

/// The `# <- CODE ...` markers of a fixture (its model files and its roster), sorted.
fn markers(dir: &str) -> Vec<Mark> {
    let base = fixture("invalid").join(dir);
    let mut out = Vec::new();
    let roster = roster_of(dir).map(std::path::PathBuf::from);
    for file in toml_files(&base).into_iter().chain(roster) {
        let rel = rel_path(&base, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, line) in text.lines().enumerate() {
            let Some((_, codes)) = line.split_once("# <- ") else {
                continue;
            };
            for code in codes.split_whitespace() {
                assert!(
                    code.len() == 5 && code.starts_with("RC"),
                    "{dir}/{rel}:{}: marker `{code}` is not a rule code",
                    i + 1
                );
                out.push((code.to_string(), rel.clone(), i + 1));
            }
        }
    }
    out.sort();
    out
}

/// `file` relative to `base`, with `/` separators.
fn rel_path(base: &Path, file: &Path) -> String {
    file.strip_prefix(base)
        .unwrap_or(file)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// The source line a marker points at.
fn marked_line(dir: &str, mark: &Mark) -> String {
    let path = fixture("invalid").join(dir).join(&mark.1);
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines().nth(mark.2 - 1).unwrap_or_default().to_string()
}

/// Runs `rolecall check MODEL --date DATE` with `extra` arguments.
fn check(model: &Path, extra: &[&str]) -> Run {
    let model = model.to_str().expect("fixture paths are UTF-8");
    let mut args = vec!["check", model, "--date", DATE];
    args.extend_from_slice(extra);
    rolecall(&args)
}

/// Runs a fixture as its finding is made: `check` (with `extra`), or for
/// [`FOUND_BY_BUILD`] a PDF build into a temporary directory.
fn run_fixture(dir: &str, extra: &[&str]) -> Run {
    let model = fixture("invalid").join(dir);
    if !FOUND_BY_BUILD.contains(&dir) {
        let roster = roster_of(dir);
        let mut args: Vec<&str> = match &roster {
            Some(r) => vec!["--roster", r],
            None => Vec::new(),
        };
        args.extend_from_slice(extra);
        return check(&model, &args);
    }
    let out = tempfile::tempdir().unwrap();
    rolecall(&[
        "build",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "-o",
        out.path().to_str().unwrap(),
    ])
}

/// A printed place: path, line, column.
type Place = (String, usize, usize);

/// Every diagnostic of human-format output: severity word, code, and the
/// `--> path:line:col` under it (`None` when it has no line).
fn human_diagnostics(out: &str) -> Vec<(String, String, Option<Place>)> {
    let mut found = Vec::new();
    let mut lines = out.lines().peekable();
    while let Some(l) = lines.next() {
        let Some((sev, rest)) = l.split_once('[') else {
            continue;
        };
        if sev != "error" && sev != "warning" {
            continue;
        }
        let Some((code, _)) = rest.split_once("]: ") else {
            continue;
        };
        let at = lines
            .peek()
            .and_then(|l| l.trim_start().strip_prefix("--> "))
            .and_then(|at| {
                let mut parts = at.rsplitn(3, ':');
                let col = parts.next()?.parse().ok()?;
                let line = parts.next()?.parse().ok()?;
                Some((parts.next()?.to_string(), line, col))
            });
        found.push((sev.to_string(), code.to_string(), at));
    }
    found
}

/// The `(path, line, column)` of every human-format diagnostic with `code`.
fn locations(out: &str, code: &str) -> Vec<Place> {
    human_diagnostics(out)
        .into_iter()
        .filter(|(_, c, _)| c == code)
        .filter_map(|(_, _, at)| at)
        .collect()
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

/// A printed path as a file of fixture `dir`, if it is one.
fn in_fixture(path: &str, dir: &str) -> Option<String> {
    let base = fixture("invalid").join(dir);
    let path = Path::new(path);
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root().join(path)
    };
    abs.starts_with(&base).then(|| rel_path(&base, &abs))
}

/// Every rule of `explain --list`: (code, severity, name).
fn rules() -> Vec<(String, String, String)> {
    let list = rolecall(&["explain", "--list"]);
    assert_eq!(list.code, 0, "{}", list.all());
    list.stdout
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
        .collect()
}

/// The severity word of a rule code.
fn severity(rules: &[(String, String, String)], code: &str) -> String {
    rules
        .iter()
        .find(|(c, _, _)| c == code)
        .map(|(_, s, _)| s.clone())
        .unwrap_or_else(|| panic!("{code} is not a rule"))
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
fn every_fixture_reports_exactly_its_markers() {
    let rules = rules();
    let mut failures = Vec::new();
    for dir in fixture_dirs() {
        let expected = markers(&dir);
        let run = run_fixture(&dir, &[]);
        let out = run.all();
        let fail = |what: String| format!("{dir}: {what}\n--- output ---\n{out}");
        if expected.is_empty() {
            failures.push(fail("the fixture marks no line with `# <- CODE`".into()));
            continue;
        }
        let any_error = expected.iter().any(|m| severity(&rules, &m.0) == "error");
        if run.code != i32::from(any_error) {
            failures.push(fail(format!(
                "exit code {}, expected {}",
                run.code,
                i32::from(any_error)
            )));
        }
        let mut got: Vec<Mark> = Vec::new();
        for (sev, code, at) in human_diagnostics(&out) {
            if sev != severity(&rules, &code) {
                failures.push(fail(format!("{code} printed as {sev}")));
            }
            match at.and_then(|(path, line, _)| Some((in_fixture(&path, &dir)?, line))) {
                Some((file, line)) => got.push((code, file, line)),
                None => failures.push(fail(format!("{code} has no place in the fixture"))),
            }
        }
        got.sort();
        if got != expected {
            failures.push(fail(format!("diagnostics {got:?}, markers {expected:?}")));
        }
        for mark in &expected {
            let source = marked_line(&dir, mark);
            if !out.contains(&format!("{} | {source}", mark.2)) {
                failures.push(fail(format!("the source line `{source}` is not shown")));
            }
        }
        if !any_error && !FOUND_BY_BUILD.contains(&dir.as_str()) {
            let denied = run_fixture(&dir, &["--deny-warnings"]);
            if denied.code != 1 {
                failures.push(fail(format!(
                    "exit code {} with --deny-warnings, expected 1",
                    denied.code
                )));
            }
        }
    }
    report(failures);
}

#[test]
fn json_output_names_code_file_line_and_column_of_every_marker() {
    let mut failures = Vec::new();
    for dir in fixture_dirs() {
        if FOUND_BY_BUILD.contains(&dir.as_str()) {
            continue;
        }
        let run = run_fixture(&dir, &["--format", "json"]);
        let fail = |what: String| format!("{dir}: {what}\n--- output ---\n{}", run.all());
        let diags = json_diagnostics(&run);
        let mut got: Vec<Mark> = Vec::new();
        for d in &diags {
            let file = d["file"].as_str().and_then(|f| in_fixture(f, &dir));
            match (d["code"].as_str(), file, d["line"].as_u64()) {
                (Some(code), Some(file), Some(line)) => {
                    got.push((code.into(), file, line as usize))
                }
                _ => failures.push(fail(format!("a diagnostic without code or place: {d}"))),
            }
            if !d["column"].is_u64() || !d["message"].is_string() || !d["rule"].is_string() {
                failures.push(fail(format!("column, message or rule missing: {d}")));
            }
        }
        got.sort();
        if got != markers(&dir) {
            failures.push(fail(format!(
                "diagnostics {got:?}, markers {:?}",
                markers(&dir)
            )));
        }
    }
    report(failures);
}

#[test]
fn every_rule_has_a_fixture_that_raises_it() {
    let rules = rules();
    assert!(
        rules.len() >= 29,
        "explain --list lists too few rules: {rules:?}"
    );
    let dirs = fixture_dirs();
    let mut failures = Vec::new();
    for (code, _, name) in &rules {
        let dir = format!("{}-{name}", code.to_lowercase());
        if !dirs.contains(&dir) {
            failures.push(format!(
                "{code} ({name}) has no fixture tests/fixtures/invalid/{dir}/"
            ));
        } else if !markers(&dir).iter().any(|m| &m.0 == code) {
            failures.push(format!("fixture {dir} marks no {code}"));
        }
    }
    for dir in dirs.iter().filter(|d| d.starts_with("rc")) {
        if !rules
            .iter()
            .any(|(code, _, name)| *dir == format!("{}-{name}", code.to_lowercase()))
        {
            failures.push(format!("fixture {dir} is named after no rule"));
        }
    }
    report(failures);
}

#[test]
fn a_quoted_date_is_one_error_with_the_remove_the_quotes_hint() {
    // Issue 10: one quoted date in people.toml gave 76 errors and 11 warnings,
    // the file dropped and everyone in it unknown.
    let dir = fixture("invalid/quoted-date");
    let run = check(&dir, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let diags = json_diagnostics(&run);
    assert_eq!(diags.len(), 1, "{}", run.stdout);
    let [mark] = markers("quoted-date").try_into().unwrap();
    assert_eq!(diags[0]["code"], "RC002");
    assert_eq!(diags[0]["line"], mark.2);
    assert_eq!(diags[0]["hint"], "remove the quotes: `left = 2027-02-28`");
    let human = check(&dir, &[]);
    assert!(human.stderr.ends_with("\n1 error\n"), "{}", human.stderr);
    assert!(
        human
            .stderr
            .contains("= hint: remove the quotes: `left = 2027-02-28`"),
        "{}",
        human.stderr
    );
}

#[test]
fn three_schema_errors_are_three_errors_and_the_other_people_load() {
    let run = check(
        &fixture("invalid/three-schema-errors"),
        &["--format", "json"],
    );
    let diags = json_diagnostics(&run);
    assert_eq!(diags.len(), 3, "{}", run.stdout);
    let lines: BTreeSet<u64> = diags.iter().filter_map(|d| d["line"].as_u64()).collect();
    assert_eq!(lines.len(), 3, "each at its own line: {}", run.stdout);
    assert_eq!(codes(&diags), BTreeSet::from(["RC002".to_string()]));
    let messages: Vec<&str> = diags.iter().filter_map(|d| d["message"].as_str()).collect();
    assert_eq!(
        messages,
        [
            "unknown key `emial` in [[people]]",
            "`title` must be a string, not an integer",
            "missing key `name` in [[people]]",
        ]
    );
    // Ruth holds a role and Kim deputises: no unknown person, no vacancy.
    assert!(
        !run.stdout.contains("RC012") && !run.stdout.contains("RC04"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_impossible_date_says_how_long_the_month_is_and_the_file_still_loads() {
    let run = check(&fixture("invalid/impossible-date"), &["--format", "json"]);
    let diags = json_diagnostics(&run);
    let rc001 = diags.iter().find(|d| d["code"] == "RC001").expect("RC001");
    assert_eq!(rc001["hint"], "February 2026 has 28 days", "{}", run.stdout);
    // The misspelt role further down the same file is still found.
    assert_eq!(
        codes(&diags),
        BTreeSet::from(["RC001".to_string(), "RC012".to_string()])
    );
}

#[test]
fn terminal_escape_sequences_in_model_text_are_shown_escaped() {
    // Issue 11, item 5: `refs = ["\u001b]0;owned\u0007\u001b[2J\u001b[8m"]`
    // set the window title, cleared the screen and hid what followed.
    let dir = fixture("invalid/terminal-injection");
    for format in ["human", "json", "sarif", "github"] {
        let run = check(&dir, &["--format", format, "--color", "never"]);
        let out = run.all();
        assert!(
            !out.bytes().any(|b| b == 0x1b || b == 0x07),
            "--format {format} printed a raw control character:\n{out:?}"
        );
        assert!(out.contains("RC065"), "--format {format}:\n{out}");
    }
    let human = check(&dir, &[]);
    assert!(
        human
            .stderr
            .contains("warning[RC065]: `\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{1b}[8m` is not"),
        "{}",
        human.stderr
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = fixture("invalid/rc012-unknown-reference");
    let always = check(&dir, &["--color", "always"]);
    assert!(always.stderr.contains("\u{1b}["), "{:?}", always.stderr);
    for extra in [&["--color", "never"][..], &[]] {
        let plain = check(&dir, extra);
        assert!(
            !plain.stderr.contains('\u{1b}'),
            "{extra:?}: {:?}",
            plain.stderr
        );
    }
    // On a terminal (script(1) gives the run one), `auto` colours unless NO_COLOR is set.
    let on_terminal = |no_color: Option<&str>| {
        let cmd = format!(
            "{} check {} --date {DATE}",
            env!("CARGO_BIN_EXE_rolecall"),
            dir.display()
        );
        let mut script = std::process::Command::new("script");
        script
            .args(["-qec", &cmd, "/dev/null"])
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            script.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&script.output().expect("script(1) runs").stdout).into_owned()
    };
    assert!(
        on_terminal(None).contains("\u{1b}["),
        "{:?}",
        on_terminal(None)
    );
    assert!(
        !on_terminal(Some("1")).contains("\u{1b}["),
        "{:?}",
        on_terminal(Some("1"))
    );
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
    for name in ["minimal", "northwind", "northwind-de"] {
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

/// Issue 12: a model in which one person is ISMS manager, internal auditor, head of
/// engineering and both risk owners, with no declared conflict, fails with the
/// built-in independence rules (it gave "no problems found" before).
#[test]
fn one_person_holding_everything_fails_with_the_independence_rules() {
    let dir = fixture("invalid/one-person-holds-everything");
    let text = std::fs::read_to_string(dir.join("model.toml")).unwrap();
    assert!(!text.contains("\nconflicts") && !text.contains("\nsegregate-from"));
    let run = check(&dir, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let diags = json_diagnostics(&run);
    for code in ["RC053", "RC054"] {
        let d = diags
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("no {code}: {}", run.stdout));
        assert_eq!(d["severity"], "error");
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .starts_with("`sam` performs internal audit")
        );
    }
}

#[test]
fn misspelt_role_id_suggests_the_right_one() {
    let run = check(&fixture("invalid/rc012-unknown-reference"), &[]);
    let out = run.all();
    assert!(out.contains("unknown role `isms-manger`"), "{out}");
    assert!(out.contains("hint: did you mean `isms-manager`?"), "{out}");
    // The caret sits under the misspelt id, quotes included.
    let [mark] = markers("rc012-unknown-reference").try_into().unwrap();
    let line = marked_line("rc012-unknown-reference", &mark);
    let col = line.find("\"isms-manger\"").unwrap();
    let at = locations(&out, "RC012");
    assert_eq!(at.len(), 1, "{out}");
    assert_eq!((at[0].1, at[0].2), (mark.2, col + 1), "{out}");
    let gutter = mark.2.to_string().len();
    assert!(
        out.contains(&format!(
            "{} | {}{}\n",
            " ".repeat(gutter),
            " ".repeat(col),
            "^".repeat(13)
        )),
        "{out}"
    );
}

#[test]
fn typo_key_is_named_with_a_suggestion() {
    let run = check(&fixture("invalid/typo-key"), &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    assert!(
        out.contains("error[RC002]: unknown key `holder` in [[roles]]"),
        "{out}"
    );
    assert!(out.contains("hint: did you mean `holders`?"), "{out}");
    let [mark] = markers("typo-key").try_into().unwrap();
    let at = locations(&out, "RC002");
    assert_eq!((at[0].1, at[0].2), (mark.2, 1), "{out}");
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let run = check(&fixture("invalid/rc001-toml-syntax"), &[]);
    let out = run.all();
    assert_eq!(run.code, 1, "{out}");
    let [mark] = markers("rc001-toml-syntax").try_into().unwrap();
    let col = marked_line("rc001-toml-syntax", &mark)
        .find("Managing")
        .unwrap()
        + 1;
    assert_eq!(
        locations(&out, "RC001"),
        [(
            fixture("invalid/rc001-toml-syntax")
                .join("model.toml")
                .display()
                .to_string(),
            mark.2,
            col
        )]
    );
    assert!(
        out.contains("hint: put the text in double quotes: `title = \"Managing Director\"`"),
        "{out}"
    );
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
    for (option, value) in [("--format", "xml"), ("--color", "sometimes")] {
        let run = rolecall(&["check", example("minimal").to_str().unwrap(), option, value]);
        assert_eq!(run.code, 2, "{option} {value}: {}", run.all());
    }
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

#[test]
fn a_policy_with_a_schema_error_hides_no_other_problem() {
    // The policy is left out; the rules that do not need it still run.
    let dir = temp_model(
        "invalid/rc063-no-authority",
        &[("effective = 2026-01-15", "effective = \"2026-01-15\"")],
    );
    let run = check(dir.path(), &["--format", "json"]);
    let expected = BTreeSet::from(["RC002".to_string(), "RC063".to_string()]);
    assert_eq!(codes(&json_diagnostics(&run)), expected, "{}", run.stdout);
}

#[test]
fn a_reference_to_an_item_that_failed_is_not_reported_again() {
    // A role with a wrong type is left out: the activities naming it, the
    // policy owning it and the unused-role and vacancy rules stay quiet.
    let dir = temp_model(
        "invalid/multiple-errors",
        &[
            (
                "approver = \"isms-manager\"  # <- RC034",
                "approver = \"ceo\"",
            ),
            (
                "consulted = [\"isms-manger\"]  # <- RC012",
                "consulted = [\"isms-manager\"]",
            ),
            (
                "id = \"Management_Review\"  # <- RC010",
                "id = \"management-review\"",
            ),
            ("isms-conformity = true", "isms-conformity = \"yes\""),
        ],
    );
    let run = check(dir.path(), &["--format", "json"]);
    let diags = json_diagnostics(&run);
    assert_eq!(diags.len(), 1, "{}", run.stdout);
    assert_eq!(
        diags[0]["message"],
        "`isms-conformity` must be `true` or `false`, not a string"
    );
}
