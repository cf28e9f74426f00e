//! The formats CI reads: SARIF 2.1.0 (validated against the vendored OASIS
//! schema), GitHub workflow commands (line by line), the pre-commit hook
//! (its entry run on fixtures) and the GitLab CI job of docs/ci.md (its
//! script run on fixtures).

use std::path::Path;

use serde_json::Value;

use super::{
    DATE, FOUND_BY_BUILD, Mark, fixture_dirs, in_fixture, marked_line, markers, rules, severity,
};
use crate::support::{Run, example, fixture, rolecall, root};

/// A compiled validator of the vendored SARIF 2.1.0 schema.
fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/sarif/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the OASIS schema compiles")
}

/// `rolecall check MODEL --format FORMAT`, run from the repository root with
/// the model's path relative to it (as CI runs it from a checkout).
fn check_rel(model: &str, format: &str) -> Run {
    rolecall(&["check", model, "--date", DATE, "--format", format])
}

#[test]
fn sarif_is_valid_sarif_2_1_0_and_names_every_marker() {
    let validator = sarif_validator();
    let rules = rules();
    let mut failures = Vec::new();
    let mut models: Vec<(String, Option<String>)> = fixture_dirs()
        .into_iter()
        .filter(|d| !FOUND_BY_BUILD.contains(&d.as_str()))
        .map(|d| (format!("tests/fixtures/invalid/{d}"), Some(d)))
        .collect();
    models.push(("examples/minimal".into(), None));
    models.push(("tests/fixtures/invalid/no-such-model".into(), None));
    for (model, dir) in models {
        // Relative, as the model's path: SARIF names files relative to the checkout.
        let roster = dir
            .as_deref()
            .and_then(super::roster_of)
            .map(|_| format!("{model}/{}", super::ROSTER));
        let run = match &roster {
            Some(r) => rolecall(&[
                "check", &model, "--date", DATE, "--format", "sarif", "--roster", r,
            ]),
            None => check_rel(&model, "sarif"),
        };
        let fail = |what: String| format!("{model}: {what}\n--- output ---\n{}", run.all());
        let Ok(log) = serde_json::from_str::<Value>(&run.stdout) else {
            failures.push(fail("not JSON".into()));
            continue;
        };
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            failures.push(fail(format!("invalid SARIF 2.1.0: {errors:?}")));
        }
        let run_ = &log["runs"][0];
        let driver_rules = run_["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if driver_rules.len() != rules.len() {
            failures.push(fail(format!("{} rules in the driver", driver_rules.len())));
        }
        let mut got: Vec<Mark> = Vec::new();
        for r in run_["results"].as_array().cloned().unwrap_or_default() {
            let code = r["ruleId"].as_str().unwrap_or_default().to_string();
            let index = r["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
            if driver_rules.get(index).map(|d| &d["id"]) != Some(&Value::from(code.as_str())) {
                failures.push(fail(format!("ruleIndex {index} is not {code}")));
            }
            if r["level"] != severity(&rules, &code) {
                failures.push(fail(format!("{code} has level {}", r["level"])));
            }
            let place = &r["locations"][0]["physicalLocation"];
            let uri = place["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_default();
            match (&dir, place["region"]["startLine"].as_u64()) {
                (Some(dir), Some(line)) => match in_fixture(uri, dir) {
                    Some(file) => got.push((code, file, line as usize)),
                    None => failures.push(fail(format!("{code} at {uri}, outside the fixture"))),
                },
                // A finding without a place in a file is given the model's.
                _ if uri == model => {}
                _ => failures.push(fail(format!("{code} at {uri}"))),
            }
        }
        got.sort();
        let expected = dir.as_deref().map(markers).unwrap_or_default();
        if dir.is_some() && got != expected {
            failures.push(fail(format!("results {got:?}, markers {expected:?}")));
        }
    }
    super::report(failures);
}

#[test]
fn github_commands_line_by_line() {
    let dir = "multiple-errors";
    let path = format!("tests/fixtures/invalid/{dir}/model.toml");
    let run = check_rel(&format!("tests/fixtures/invalid/{dir}"), "github");
    assert_eq!(run.code, 1, "{}", run.all());
    // (code, rule, the quoted token the finding points at, message, hint), in marker order.
    let findings = [
        (
            "RC012",
            "unknown-reference",
            "\"isms-manger\"",
            "unknown role `isms-manger`",
            "did you mean `isms-manager`?",
        ),
        (
            "RC010",
            "invalid-id",
            "\"Management_Review\"",
            "invalid activity id `Management_Review`",
            "ids use lowercase letters, digits and `-`, start with a letter or digit and have at most 64 characters: for example `management-review`",
        ),
        (
            "RC034",
            "approver-not-top-management",
            "\"isms-manager\"",
            "policy approver `isms-manager` is not a top-management role",
            "set `policy.approver` to a role with `top-management = true`",
        ),
    ];
    let mut marks = markers(dir);
    marks.sort_by_key(|m| m.2);
    let expected: Vec<String> = marks
        .iter()
        .map(|mark| {
            let (code, rule, token, message, hint) = findings
                .iter()
                .find(|f| f.0 == mark.0)
                .unwrap_or_else(|| panic!("no expectation for {mark:?}"));
            let line = marked_line(dir, mark);
            let col = line.find(token).unwrap() + 1;
            let end = col + token.chars().count() - 1;
            format!(
                "::error file={path},line={l},col={col},endLine={l},endColumn={end},title={code} {rule}::{message}%0Ahint: {hint}",
                l = mark.2
            )
        })
        .collect();
    let got: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(got, expected, "{}", run.stdout);
    assert_eq!(run.stderr, "3 errors\n");

    // Warnings are ::warning; a second place is named in the message.
    let run = check_rel("tests/fixtures/invalid/rc011-duplicate-id", "github");
    let [mark] = markers("rc011-duplicate-id").try_into().unwrap();
    let first = std::fs::read_to_string(fixture("invalid/rc011-duplicate-id/model.toml")).unwrap();
    let first_line = first.lines().position(|l| l == "id = \"jo\"").unwrap() + 1;
    assert_eq!(
        run.stdout,
        format!(
            "::error file=tests/fixtures/invalid/rc011-duplicate-id/{},line={l},col=6,endLine={l},endColumn=9,title=RC011 duplicate-id::duplicate person id `jo`%0Afirst defined here: tests/fixtures/invalid/rc011-duplicate-id/model.toml:{first_line}:6%0Ahint: rename one of them, or merge them\n",
            mark.1,
            l = mark.2
        )
    );
    let run = check_rel("tests/fixtures/invalid/rc062-unused-role", "github");
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.starts_with("::warning file="), "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    let clean = check_rel("examples/minimal", "github");
    assert_eq!(
        (clean.code, clean.stdout.as_str()),
        (0, ""),
        "{}",
        clean.all()
    );
}

/// The hooks of `.pre-commit-hooks.yaml`: each a list of `key: value` pairs.
/// A deliberately small reader of the file's plain form (comments, `- id:`
/// items, `  key: value` lines); anything else fails the test.
fn pre_commit_hooks() -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let mut hooks: Vec<Vec<(String, String)>> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (item, rest) = match line.strip_prefix("- ") {
            Some(rest) => (true, rest),
            None => (
                false,
                line.strip_prefix("  ")
                    .unwrap_or_else(|| panic!("unexpected line: {line}")),
            ),
        };
        let (key, value) = rest
            .split_once(": ")
            .unwrap_or_else(|| panic!("not `key: value`: {line}"));
        if item {
            hooks.push(Vec::new());
        }
        hooks
            .last_mut()
            .expect("a key before the first hook")
            .push((key.to_string(), value.trim().to_string()));
    }
    hooks
}

#[test]
fn pre_commit_hook_runs_its_entry_on_fixtures() {
    let hooks = pre_commit_hooks();
    let ids: Vec<&str> = hooks
        .iter()
        .map(|h| {
            h.iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.as_str())
                .unwrap()
        })
        .collect();
    assert_eq!(ids, ["rolecall-check", "rolecall-check-system"]);
    for hook in &hooks {
        let get = |key: &str| {
            hook.iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("hook without {key}: {hook:?}"))
        };
        assert!(["rust", "system"].contains(&get("language")), "{hook:?}");
        // rolecall checks a whole model: the changed file names are not passed.
        assert_eq!(get("pass_filenames"), "false");
        assert_eq!(get("files"), "\\.toml$");
        let entry: Vec<&str> = get("entry").split_whitespace().collect();
        assert_eq!(entry[0], "rolecall", "{hook:?}");
        // What pre-commit runs: the entry, then the `args` of the user's
        // config (the model), as the header of the file shows.
        let run = |model: &Path| {
            let mut args: Vec<&str> = entry[1..].to_vec();
            args.extend([model.to_str().unwrap(), "--date", DATE]);
            rolecall(&args)
        };
        let bad = run(&fixture("invalid/quoted-date"));
        assert_eq!(bad.code, 1, "{}", bad.all());
        assert!(bad.stderr.contains("error[RC002]"), "{}", bad.all());
        let good = run(&example("northwind"));
        assert_eq!(good.code, 0, "{}", good.all());
    }
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(
        text.contains("#     hooks: [{id: rolecall-check, args: [isms-model]}]"),
        "the three lines of the header name the hook"
    );
}

/// The `script:` lines of the GitLab CI job in docs/ci.md.
fn gitlab_script() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let section = &doc[doc.find("## GitLab CI").expect("a GitLab CI section")..];
    let yaml = &section[section.find("```yaml\n").expect("a yaml block") + 8..];
    let yaml = &yaml[..yaml.find("```").unwrap()];
    let mut lines = yaml.lines().skip_while(|l| l.trim() != "script:").skip(1);
    let mut script = Vec::new();
    for l in lines.by_ref() {
        match l.trim_start().strip_prefix("- ") {
            Some(cmd) if l.starts_with("    ") => script.push(cmd.to_string()),
            _ => break,
        }
    }
    assert!(!script.is_empty(), "no script lines in:\n{yaml}");
    script
}

/// Runs the job's script as a GitLab runner does (each line in a shell, the
/// first that fails fails the job) in a checkout holding `model` as
/// `isms-model/`; returns the job's status and the checkout.
fn run_gitlab_job(model: &Path) -> (i32, tempfile::TempDir) {
    let checkout = tempfile::tempdir().unwrap();
    let target = checkout.path().join("isms-model");
    std::fs::create_dir_all(&target).unwrap();
    for file in crate::support::toml_files(model) {
        let rel = file.strip_prefix(model).unwrap();
        std::fs::create_dir_all(target.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&file, target.join(rel)).unwrap();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_rolecall")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for line in gitlab_script() {
        let status = std::process::Command::new("sh")
            .args(["-c", &line])
            .current_dir(checkout.path())
            .env("PATH", &path)
            .env("SOURCE_DATE_EPOCH", "1795392000") // 2026-11-23
            .output()
            .expect("sh runs")
            .status;
        if !status.success() {
            return (status.code().unwrap_or(-1), checkout);
        }
    }
    (0, checkout)
}

#[test]
fn gitlab_job_of_the_docs_fails_on_errors_and_keeps_the_sarif() {
    let (status, checkout) = run_gitlab_job(&fixture("invalid/quoted-date"));
    assert_eq!(status, 1, "the job must fail on an error");
    let sarif: Value = serde_json::from_slice(
        &std::fs::read(checkout.path().join("rolecall.sarif"))
            .expect("the job writes rolecall.sarif"),
    )
    .unwrap();
    assert!(sarif_validator().is_valid(&sarif));
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "RC002");
    let (status, _) = run_gitlab_job(&example("northwind"));
    assert_eq!(status, 0, "the job passes a clean model");
}
