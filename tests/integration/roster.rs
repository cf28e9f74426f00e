//! `rolecall check --roster` (issue 12): the model's staff against an export of the
//! HR directory, in the shapes BambooHR and Personio export (tests/fixtures/roster/),
//! over the Medisync model of tests/fixtures/valid/third-parties (four staff, two
//! people of external parties).

use serde_json::Value;

use crate::support::{Run, fixture, rolecall};

const DATE: &str = "2026-11-23";

/// `rolecall check` of the Medisync model with `--roster FILE` and `extra`.
fn check(roster: &str, extra: &[&str]) -> Run {
    let model = fixture("valid/third-parties");
    let roster = fixture("roster").join(roster);
    let mut args = vec![
        "check",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--roster",
        roster.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    rolecall(&args)
}

/// The (code, file name, line) of each finding.
fn places(found: &[(String, String, u64, String)]) -> Vec<(&str, &str, u64)> {
    found
        .iter()
        .map(|(c, f, l, _)| (c.as_str(), f.as_str(), *l))
        .collect()
}

/// Each JSON diagnostic as (code, file name, line, message).
fn findings(run: &Run) -> Vec<(String, String, u64, String)> {
    let doc: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.all()));
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or_default();
            (
                d["code"].as_str().unwrap().to_string(),
                file.rsplit('/').next().unwrap().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_bamboohr_export_finds_the_leaver_the_unknown_holder_and_the_new_starter() {
    let run = check(
        "bamboohr.csv",
        &["--roster-columns", "bamboohr", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let got = findings(&run);
    assert_eq!(
        places(&got),
        [
            // Lena holds the ISMS role; BambooHR: Inactive, terminated 10/31/2026.
            ("RC121", "model.toml", 38),
            // Tim holds the internal auditor role; the export has no row for him.
            ("RC120", "model.toml", 44),
            // Mara is active in BambooHR, not in the model: at her row of the export.
            ("RC122", "bamboohr.csv", 5),
        ],
        "{}",
        run.stdout
    );
    assert!(got[0].3.contains("end date 2026-10-31"), "{}", got[0].3);
    assert!(got[2].3.starts_with("Mara Koch "), "{}", got[2].3);
    // Ole left in 2025 and is not in the model; the DPO and HostCo's manager are
    // people of external parties: HR does not list them, and nothing is reported.
    for absent in ["Ole", "eva", "piotr"] {
        assert!(!run.stdout.contains(absent), "{absent}: {}", run.stdout);
    }

    // The same columns named one by one.
    let pairs = "email=Work Email,first-name=First Name,last-name=Last Name,status=Status,left=Termination Date";
    let again = check(
        "bamboohr.csv",
        &["--roster-columns", pairs, "--format", "json"],
    );
    assert_eq!(findings(&again), got, "{}", again.all());
}

#[test]
fn a_personio_export_reads_semicolons_a_byte_order_mark_german_dates_and_its_statuses() {
    let run = check(
        "personio.csv",
        &["--roster-columns", "personio", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.all());
    let got = findings(&run);
    assert_eq!(
        places(&got),
        [
            // Lena's status is still Active, but her termination date has passed.
            ("RC121", "model.toml", 38),
            ("RC122", "personio.csv", 6),
        ],
        "{}",
        run.stdout
    );
    assert!(got[0].3.contains("end date 2026-11-15"), "{}", got[0].3);
    // Tim is on leave (still employed); Finn is onboarding (not started yet).
    assert!(
        !run.stdout.contains("tim") && !run.stdout.contains("Finn"),
        "{}",
        run.stdout
    );

    // Human output shows the export's row the finding is about.
    let human = check("personio.csv", &["--roster-columns", "personio"]);
    assert!(
        human
            .stderr
            .contains("6 | 2005;Mara;Koch;mara.koch@medisync.example;UX Designer"),
        "{}",
        human.stderr
    );
    assert!(
        human.stderr.contains("the HR export's row"),
        "{}",
        human.stderr
    );
}

#[test]
fn roster_warnings_are_warnings_and_lint_allow_silences_them() {
    // Without the leaver only warnings remain: exit 0, or 1 with --deny-warnings.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hr.csv");
    std::fs::write(
        &csv,
        "email,name,status\nkatrin.vogel@medisync.example,Katrin Vogel,Active\n\
         jonas.weber@medisync.example,Jonas Weber,Active\nlena.schmidt@medisync.example,Lena Schmidt,Active\n\
         mara.koch@medisync.example,Mara Koch,Active\n",
    )
    .unwrap();
    let model = fixture("valid/third-parties");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "check".to_string(),
            model.to_str().unwrap().to_string(),
            "--date".into(),
            DATE.into(),
            "--roster".into(),
            csv.to_str().unwrap().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = rolecall(&args(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.contains("warning[RC120]") && run.stderr.contains("warning[RC122]"));
    let denied = rolecall(
        &args(&["--deny-warnings"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(denied.code, 1, "{}", denied.all());
}

#[test]
fn a_roster_without_the_columns_or_with_a_bad_date_is_a_usage_error() {
    // BambooHR's headers without the preset: no id, email or name column.
    let run = check("bamboohr.csv", &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("has no column for id, e-mail or name")
            && run.stderr.contains("--roster-columns"),
        "{}",
        run.all()
    );
    let run = check("bamboohr.csv", &["--roster-columns", "mail=Work Email"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("unknown roster column key `mail`"),
        "{}",
        run.all()
    );

    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("hr.csv");
    std::fs::write(&csv, "name,left\nKatrin Vogel,31/10/2026\n").unwrap();
    let model = fixture("valid/third-parties");
    let run = rolecall(&[
        "check",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--roster",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("line 2: `31/10/2026` is not a date"),
        "{}",
        run.all()
    );
}
