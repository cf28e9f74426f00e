//! Whole outputs, compared byte for byte with the snapshots in `snapshots/`
//! (insta): `rolecall check` of every invalid fixture (the exact diagnostics,
//! carets under CJK text included), `rolecall explain` of every rule, and
//! `rolecall verify` of a bundle that was tampered with. After an intended
//! change, review the differences with `cargo insta review` (or rerun with
//! `INSTA_UPDATE=always` and read the diff of `snapshots/`).

use super::{DATE, FOUND_BY_BUILD, ROSTER, fixture_dirs, roster_of, rules};
use crate::support::{Run, build_bundle, example, files_below, rolecall};

/// `text` with every SHA-256 (64 hex digits) as `<sha256>`: a bundle's digests
/// change with every template change, and other tests check them.
fn without_digests(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(['\n']) {
        if c.is_ascii_hexdigit() {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() == 64 { "<sha256>" } else { &run });
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

/// A run as a snapshot shows it: the command, the exit code, both streams.
fn shown(command: &str, run: &Run) -> String {
    format!(
        "$ {command}\nexit code {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

#[test]
fn check_output_of_every_invalid_fixture() {
    for dir in fixture_dirs() {
        let model = format!("tests/fixtures/invalid/{dir}");
        let (command, run) = if FOUND_BY_BUILD.contains(&dir.as_str()) {
            let out = tempfile::tempdir().unwrap();
            let run = rolecall(&[
                "build",
                &model,
                "--date",
                DATE,
                "-o",
                out.path().to_str().unwrap(),
            ]);
            (format!("rolecall build {model} --date {DATE} -o OUT"), run)
        } else if let Some(roster) = roster_of(&dir) {
            let run = rolecall(&["check", &model, "--date", DATE, "--roster", &roster]);
            let shown = format!("{model}/{ROSTER}");
            let out = Run {
                stdout: run.stdout.replace(&roster, &shown),
                stderr: run.stderr.replace(&roster, &shown),
                ..run
            };
            (
                format!("rolecall check {model} --date {DATE} --roster {shown}"),
                out,
            )
        } else {
            let run = rolecall(&["check", &model, "--date", DATE]);
            (format!("rolecall check {model} --date {DATE}"), run)
        };
        insta::assert_snapshot!(format!("check-{dir}"), shown(&command, &run));
    }
}

#[test]
fn explain_output_of_every_rule() {
    for (code, _, _) in rules() {
        let run = rolecall(&["explain", &code]);
        insta::assert_snapshot!(
            format!("explain-{code}"),
            shown(&format!("rolecall explain {code}"), &run)
        );
    }
}

#[test]
fn verify_output_of_a_tampered_bundle() {
    let (_out, dir) = build_bundle(&example("minimal"), DATE, &["--format", "md"]);
    let run = rolecall(&["verify", dir.to_str().unwrap()]);
    let bundle = dir.display().to_string();
    let clean = without_digests(&shown("rolecall verify BUNDLE", &run).replace(&bundle, "BUNDLE"));
    insta::assert_snapshot!("verify-clean", clean);

    // One file changed, one removed, one added: each a line, then the verdict.
    let policy = dir.join("policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replacen("Managing Director", "Managing Directrix", 1),
    )
    .unwrap();
    let removed = files_below(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .filter(|p| p.to_string_lossy().contains("/roles/"))
        .min()
        .expect("a role description");
    std::fs::remove_file(&removed).unwrap();
    std::fs::write(dir.join("notes.md"), "added later\n").unwrap();
    let run = rolecall(&["verify", dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.all());
    let tampered =
        without_digests(&shown("rolecall verify BUNDLE", &run).replace(&bundle, "BUNDLE"));
    insta::assert_snapshot!("verify-tampered", tampered);
}
