//! `rolecall schema`: the JSON Schema editors use, checked against the models.
//!
//! Every TOML file of every example and valid fixture must validate; the invalid
//! fixtures whose mistake is structural (unknown key, wrong type, bad id) must
//! not. TOML is turned into JSON as Taplo does it: dates become strings, which
//! the schema types as `format: date`. The schema's agreement with serde (keys,
//! required keys, types) is tested in `src/schema.rs`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::support::{fixture, rolecall, root, toml_files};

/// The schema as `rolecall schema` prints it.
fn printed_schema() -> Json {
    let run = rolecall(&["schema"]);
    assert_eq!(run.code, 0, "{}", run.all());
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("rolecall schema printed invalid JSON ({e})"))
}

/// A validator that, like Taplo, checks formats (`date`).
fn validator(schema: &Json) -> jsonschema::Validator {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles")
}

/// A TOML value as Taplo hands it to the schema: dates become their text.
fn to_json(v: &toml::Value) -> Json {
    match v {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => Json::from(*f),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        toml::Value::Table(t) => {
            Json::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

/// The schema errors of one TOML text, as `path: message` lines.
fn errors(v: &jsonschema::Validator, text: &str) -> Vec<String> {
    let table: toml::Table = text.parse().unwrap_or_else(|e| panic!("not TOML: {e}"));
    let json = to_json(&toml::Value::Table(table));
    v.iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn schema_is_a_valid_draft_07_schema() {
    let schema = printed_schema();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    if let Err(e) = jsonschema::draft7::meta::validate(&schema) {
        panic!("the schema breaks the draft-07 meta-schema: {e}");
    }
    // The file shipped in the binary is the one in the repository.
    let run = rolecall(&["schema"]);
    let file = std::fs::read_to_string(root().join("src/schema.json")).unwrap();
    assert_eq!(run.stdout, file);
    // No table is required: a directory model spreads tables over files.
    assert!(schema.get("required").is_none(), "{}", schema["required"]);
    assert_eq!(schema["additionalProperties"], false);
}

#[test]
fn every_example_and_valid_fixture_validates() {
    let v = validator(&printed_schema());
    let mut files = toml_files(&root().join("examples"));
    files.extend(toml_files(&fixture("valid")));
    assert!(files.len() >= 10, "too few model files found: {files:?}");
    let mut failures = Vec::new();
    for f in &files {
        let errs = errors(&v, &std::fs::read_to_string(f).unwrap());
        if !errs.is_empty() {
            failures.push(format!("{}:\n  {}", f.display(), errs.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the schema says about each invalid fixture: `Some(path)` when it must
/// refuse it at that instance path, `None` when the mistake is one only
/// `rolecall check` can see (references, RACI rules, a quoted date).
const INVALID: &[(&str, Option<&str>)] = &[
    ("cjk-caret", Some("/roles/2/holders/0")),
    ("multiple-errors", Some("/activities/3/id")),
    ("quoted-date", None),
    // A quoted date is a string in JSON too; Taplo cannot tell it from a date.
    ("rc002-schema", None),
    ("rc003-model-structure", None),
    ("rc010-invalid-id", Some("/activities/3/id")),
    ("rc011-duplicate-id", None),
    ("rc012-unknown-reference", None),
    ("rc013-all-staff-holders", None),
    ("rc020-accountable-count", Some("/activities/1/accountable")),
    ("rc021-no-responsible", None),
    ("rc022-conflicting-letters", None),
    ("rc023-shared-accountability", None),
    ("rc030-no-top-management", None),
    ("rc031-no-isms-conformity", None),
    ("rc032-no-isms-reporting", None),
    ("rc033-indirect-reporting", None),
    ("rc034-approver-not-top-management", None),
    ("rc040-person-left", None),
    ("rc041-vacant-key-role", None),
    ("rc042-vacant-role", None),
    ("rc050-conflicting-roles", None),
    ("rc051-segregated-activities", None),
    ("rc052-reporting-cycle", None),
    ("rc060-review-overdue", None),
    ("rc061-concentration", None),
    ("rc062-unused-role", None),
    ("rc063-no-authority", None),
    ("rc064-invalid-lint-allow", Some("/lint/allow/0")),
    ("rc065-invalid-clause-ref", Some("/roles/2/refs/1")),
    ("rc070-signature-sheet", None),
    ("rc071-signature-signer", None),
    ("rc072-signature-date", None),
    ("rc073-signature-digest", Some("/signatures/0/digest")),
    ("rc074-signature-outdated", None),
    ("rc075-signature-outstanding", None),
    ("rc076-signature-evidence", None),
    ("rc077-evidence-without-digest", None),
    ("rc078-signature-duplicate", None),
    ("rc090-control-character", None),
    ("rc091-invisible-character", None),
    ("rc092-too-large", None),
    ("rc093-unsupported-markdown", None),
    ("rc080-missing-glyph", None),
    ("rc053-auditor-holds-isms-role", None),
    ("rc054-auditor-implements-controls", None),
    ("rc055-exception-unused", None),
    ("rc056-exception-review-overdue", None),
    ("rc066-isms-accountability-concentration", None),
    ("rc067-future-date", None),
    ("rc068-long-review-interval", None),
    ("rc069-version-without-history", None),
    ("rc130-party-owner", None),
    ("rc131-party-without-contract", None),
    ("rc132-party-review-overdue", None),
    ("rc100-evidence-missing", None),
    ("rc101-evidence-expired", None),
    ("rc102-evidence-expiring", None),
    ("rc110-control-without-owner", None),
    ("rc111-control-owner-vacant", None),
    ("rc112-not-annex-a-control", Some("/controls/1/id")),
    ("rc113-control-not-justified", None),
    ("rc114-excluded-control-referenced", None),
    ("rc120-roster-holder-missing", None),
    ("rc121-roster-holder-left", None),
    ("rc122-roster-staff-missing", None),
    ("duplicate-control", None),
    ("exception-approved-by-top-management", None),
    ("external-person-on-all-staff-sheet", None),
    ("one-person-holds-everything", None),
    ("placeholder-authority", None),
    ("unknown-party-competence-and-owner", None),
    ("terminal-injection", Some("/roles/2/refs/1")),
    ("three-schema-errors", Some("/people/1/title")),
    ("typo-key", Some("/roles/2")),
];

#[test]
fn structural_mistakes_in_invalid_fixtures_fail() {
    let v = validator(&printed_schema());
    let mut failures = Vec::new();
    let mut seen = BTreeMap::new();
    for entry in std::fs::read_dir(fixture("invalid")).unwrap().flatten() {
        let dir = entry.file_name().to_string_lossy().into_owned();
        // Not TOML at all: nothing for a schema to say.
        if dir == "rc001-toml-syntax" || dir == "impossible-date" {
            continue;
        }
        let Some((_, expected)) = INVALID.iter().find(|(d, _)| *d == dir) else {
            failures.push(format!(
                "{dir}: not in INVALID; say whether the schema catches it"
            ));
            continue;
        };
        let mut errs = Vec::new();
        for f in toml_files(&entry.path()) {
            errs.extend(errors(&v, &std::fs::read_to_string(&f).unwrap()));
        }
        match expected {
            None if errs.is_empty() => {}
            None => failures.push(format!("{dir}: refused by the schema: {errs:?}")),
            Some(path) if errs.iter().any(|e| e.starts_with(&format!("{path}: "))) => {}
            Some(path) => {
                failures.push(format!("{dir}: expected an error at {path}, got {errs:?}"))
            }
        }
        seen.insert(dir, ());
    }
    for (dir, _) in INVALID {
        if !seen.contains_key(*dir) {
            failures.push(format!("{dir}: listed in INVALID but no such fixture"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Mistakes an editor should flag as they are typed, each with the path it is flagged at.
#[test]
fn schema_flags_typical_mistakes() {
    let v = validator(&printed_schema());
    let cases: &[(&str, &str)] = &[
        (
            "[organisation]\nname = \"X\"\nscope = \"Y\"\npaper = \"a3\"\n",
            "/organisation/paper",
        ),
        (
            "[organisation]\nname = \"X\"\nscope = \"Y\"\ndate-format = \"short\"\n",
            "/organisation/date-format",
        ),
        ("[organisation]\nname = \"X\"\n", "/organisation"),
        (
            "[policy]\nid = \"P\"\nversion = \"1\"\nowner = \"a\"\napprover = \"b\"\neffective = 2026-01-15T09:00:00\n",
            "/policy/effective",
        ),
        (
            "[policy]\nid = \"P\"\nversion = \"1\"\nowner = \"a\"\napprover = \"b\"\neffective = 2026-01-15\nreview-months = 0\n",
            "/policy/review-months",
        ),
        (
            "[policy]\nid = \"P\"\nversion = 1\nowner = \"a\"\napprover = \"b\"\neffective = 2026-01-15\n",
            "/policy/version",
        ),
        (
            "[[roles]]\nid = \"ceo\"\nname = \"CEO\"\ntop-management = \"yes\"\n",
            "/roles/0/top-management",
        ),
        (
            "[[roles]]\nid = \"ceo\"\nname = \"CEO\"\nholders = \"alex\"\n",
            "/roles/0/holders",
        ),
        (
            "[[roles]]\nid = \"ceo\"\nname = \"CEO\"\nholders = [\"Alex\"]\n",
            "/roles/0/holders/0",
        ),
        (
            "[[people]]\nid = \"alex\"\nname = \"Alex\"\ntitle = \"MD\"\nleft = \"soon\"\n",
            "/people/0/left",
        ),
        ("[[people]]\nid = \"alex\"\nname = \"Alex\"\n", "/people/0"),
        (
            "[[signatures]]\nsheet = \"role/ceo\"\nsigned-by = \"alex\"\ndate = 2026-01-20\ndigest = \"0123456789ab\"\n",
            "/signatures/0/sheet",
        ),
        (
            "[[signatures]]\nsheet = \"policy-approval\"\nsigned-by = \"alex\"\ndate = 2026-01-20\ndigest = \"0123\"\n",
            "/signatures/0/digest",
        ),
        (
            "[[signatures]]\nsheet = \"policy-approval\"\nsigned-by = \"alex\"\ndate = 2026-01-20\n",
            "/signatures/0",
        ),
        (
            "[[signatures]]\nsheet = \"policy-approval\"\nsigned-by = \"alex\"\ndate = 2026-01-20\ndigest = \"0123456789ab\"\nwitness = \"jo\"\n",
            "/signatures/0",
        ),
        ("[lint]\nallow = [\"RC012\"]\n", "/lint/allow/0"),
        (
            "[organisation]\nname = \"X\"\nscope = \"Y\"\n[organization]\nname = \"X\"\n",
            "",
        ),
    ];
    let mut failures = Vec::new();
    for (text, path) in cases {
        let errs = errors(&v, text);
        if !errs.iter().any(|e| e.starts_with(&format!("{path}: "))) {
            failures.push(format!(
                "expected an error at `{path}` for:\n{text}got {errs:?}"
            ));
        }
    }
    // And what is right passes: every sheet kind, both digest lengths.
    let good = "[[signatures]]\nsheet = \"role/isms-manager/sam\"\nsigned-by = \"alex\"\ndate = 2026-01-20\ndigest = \"3f2a9c01b7de\"\n\n\
                [[signatures]]\nsheet = \"policy-approval\"\nsigned-by = \"alex\"\ndate = 2026-01-20\n\
                digest = \"3f2a9c01b7de3f2a9c01b7de3f2a9c01b7de3f2a9c01b7de3f2a9c01b7de3f2a\"\n\n\
                [[signatures]]\nsheet = \"all-staff/jo\"\nsigned-by = \"jo\"\ndate = 2026-01-21\ndigest = \"3f2a9c01b7de\"\n\n\
                [lint]\nallow = [\"RC062\", \"unused-role\"]\n";
    let errs = errors(&v, good);
    if !errs.is_empty() {
        failures.push(format!("a valid document is refused: {errs:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_schema_directive_does_not_disturb_check() {
    // The README tells users to put `#:schema ./rolecall.schema.json` first in
    // their model files: it is a TOML comment, and the model still checks clean.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/minimal/model.toml")).unwrap();
    std::fs::write(
        dir.path().join("model.toml"),
        format!("#:schema ./rolecall.schema.json\n{text}"),
    )
    .unwrap();
    let schema = rolecall(&["schema"]);
    std::fs::write(dir.path().join("rolecall.schema.json"), &schema.stdout).unwrap();
    let run = rolecall(&[
        "check",
        dir.path().to_str().unwrap(),
        "--date",
        "2026-11-23",
        "--deny-warnings",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("no problems found"), "{}", run.all());
}
