//! The change report: `build --previous` adds changes.md, `diff` prints the same
//! report for two models or bundles (issue 4).

use std::path::{Path, PathBuf};

use crate::support::{Run, example, files_below, read, rolecall};

const OLD_DATE: &str = "2026-01-31";
const NEW_DATE: &str = "2026-02-28";

/// A copy of an example model in its own temporary directory.
fn copy_example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let to = work.path().join(name);
    let from = example(name);
    for file in files_below(&from) {
        let target = to.join(file.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, target).unwrap();
    }
    (work, to)
}

/// Replaces `from` (which must be there, once) by `to` in the model file `rel`.
fn edit(model: &Path, rel: &str, from: &str, to: &str) {
    let path = model.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in {rel}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Builds `model` as of `date` into `out` (Markdown only unless `extra` says
/// otherwise); returns the run and the bundle directory.
fn build(model: &Path, date: &str, out: &Path, extra: &[&str]) -> (Run, PathBuf) {
    let mut args = vec![
        "build",
        model.to_str().unwrap(),
        "--date",
        date,
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ];
    if !extra.contains(&"md+pdf") {
        args.extend(["--format", "md"]);
    }
    args.extend_from_slice(extra);
    let run = rolecall(&args);
    let dir = PathBuf::from(run.stdout.trim());
    (run, dir)
}

/// The unchanged Northwind example's bundle as of [`OLD_DATE`].
fn old_bundle() -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let (run, dir) = build(&example("northwind"), OLD_DATE, out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    (out, dir)
}

/// Northwind with one holder changed (Nadia hands the Security Champion role to
/// Mei) and one RACI cell changed (the ISMS manager is consulted on backups
/// rather than informed).
fn holder_and_cell() -> (tempfile::TempDir, PathBuf) {
    let (work, model) = copy_example("northwind");
    edit(
        &model,
        "roles/03-technology.toml",
        "holders = [\"yusuf\", \"chidi\", \"nadia\"]",
        "holders = [\"yusuf\", \"chidi\", \"mei\"]",
    );
    edit(
        &model,
        "activities.toml",
        "refs = [\"A.8.13\"]\nresponsible = [\"system-administrator\"]\naccountable = \"system-owner\"\nconsulted = [\"data-owner\"]\ninformed = [\"isms-manager\"]",
        "refs = [\"A.8.13\"]\nresponsible = [\"system-administrator\"]\naccountable = \"system-owner\"\nconsulted = [\"data-owner\", \"isms-manager\"]",
    );
    (work, model)
}

/// The lines of the report between its introduction and the signatures to
/// renew: every change it names, and nothing else.
fn change_lines(report: &str) -> Vec<String> {
    let start = report
        .lines()
        .position(|l| l.starts_with("rolecall compared"))
        .expect("the introduction");
    report
        .lines()
        .skip(start + 1)
        // The accepted exceptions are listed in every report: they are not changes.
        .take_while(|l| {
            !l.starts_with("## Signatures needed again")
                && !l.starts_with("## Accepted segregation exceptions")
        })
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The role bullets under "Role assignments", up to their colon.
fn roles_to_sign(report: &str) -> Vec<String> {
    report
        .lines()
        .skip_while(|l| *l != "### Role assignments")
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("- "))
        .map(|l| l.split_once(':').unwrap().0.to_string())
        .collect()
}

/// The rows of the report's "Signatures to collect" table: sheet file, party,
/// name, status.
fn to_collect(report: &str) -> Vec<[String; 4]> {
    report
        .lines()
        .skip_while(|l| *l != "### Signatures to collect")
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .take_while(|l| l.starts_with("| ["))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let file = cells[0].split_once("](").unwrap().0.trim_start_matches('[');
            [file, cells[1], cells[2], cells[3]].map(str::to_string)
        })
        .collect()
}

/// The rows of a register (signatures/register.md) for sheet `file`: sheet
/// file, party, name, status.
fn register_rows(dir: &Path, file: &str) -> Vec<[String; 4]> {
    let link = file.trim_start_matches("signatures/");
    read(dir, "signatures/register.md")
        .lines()
        .filter(|l| l.contains(&format!("]({link}) |")))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            [file, cells[1], cells[2], cells[3]].map(str::to_string)
        })
        .collect()
}

/// Asserts that the report lists every party of every sheet it names, with the
/// status the bundle's register gives (issue 13); returns its rows.
fn assert_collect_matches_register(dir: &Path, report: &str) -> Vec<[String; 4]> {
    let rows = to_collect(report);
    assert!(!rows.is_empty(), "{report}");
    let mut files: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    files.dedup();
    let mut expected = Vec::new();
    for f in files {
        expected.extend(register_rows(dir, f));
    }
    // The report marks a first assignment after the name.
    let plain: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r[2] = r[2].trim_end_matches(" (first assignment)").to_string();
            r
        })
        .collect();
    assert_eq!(plain, expected, "{report}");
    rows
}

/// A row of the "Signatures to collect" table.
fn row(file: &str, party: &str, name: &str, status: &str) -> [String; 4] {
    [file, party, name, status].map(str::to_string)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

const HOLDER_AND_CELL: &[&str] = &[
    "## Roles",
    "### Security Champion (security-champion)",
    "- Holders added: Mei Tanaka (mei)",
    "- Holders removed: Nadia Rahman (nadia)",
    "## RACI matrix",
    "Cells whose letters changed, in activities on both sides (R responsible, A accountable, C consulted, I informed).",
    "| Activity | Role | Before | Now |",
    "|---|---|:-:|:-:|",
    "| Take, protect and restore-test backups (backup) | Information Security Manager (isms-manager) | I | C |",
];

#[test]
fn build_previous_names_exactly_the_changed_holder_and_raci_cell() {
    let (_old_out, old) = old_bundle();
    let (_work, model) = holder_and_cell();
    let zip = old.with_extension("zip");
    let out = tempfile::tempdir().unwrap();
    let (run, dir) = build(
        &model,
        NEW_DATE,
        out.path(),
        &["--previous", zip.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let report = read(&dir, "changes.md");
    assert!(
        report.starts_with("# Changes since the bundle of 31 January 2026\n"),
        "{report}"
    );
    assert_eq!(change_lines(&report), HOLDER_AND_CELL, "{report}");
    // Whose signatures no longer cover their role description: the champions
    // (holders changed) and the ISMS manager (its letters changed).
    assert_eq!(
        roles_to_sign(&report),
        [
            "Information Security Manager (isms-manager)",
            "Security Champion (security-champion)"
        ]
    );
    // Every party of every sheet to sign again, as the register has them (issue
    // 13): the assigner as well as the appointee; not Nadia, who left the role;
    // the policy approval, but no acknowledgement (what staff read is unchanged).
    let rows = assert_collect_matches_register(&dir, &report);
    let mei = "signatures/security-champion--mei.md";
    let yusuf = "signatures/security-champion--yusuf.md";
    for expected in [
        row(
            mei,
            "top management (assigns)",
            "Amara Okafor",
            "outstanding",
        ),
        row(
            mei,
            "appointee (accepts)",
            "Mei Tanaka (first assignment)",
            "outstanding",
        ),
        row(
            yusuf,
            "top management (assigns)",
            "Amara Okafor",
            "outstanding",
        ),
        row(yusuf, "appointee (accepts)", "Yusuf Demir", "outstanding"),
        row(
            "signatures/policy-approval.md",
            "approver",
            "Amara Okafor",
            "outstanding",
        ),
    ] {
        assert!(rows.contains(&expected), "{expected:?} in {rows:#?}");
    }
    assert!(!report.contains("Nadia Rahman |"), "{report}");
    assert!(!report.contains("all-staff-acknowledgement.md"), "{report}");

    // The report names the previous bundle and both model digests, and never
    // the new bundle's date (it changes only when the changes do).
    let (old_m, new_m) = (manifest(&old), manifest(&dir));
    assert!(
        report.contains("| Compared with | northwind-evidence-2026-01-31 |"),
        "{report}"
    );
    assert!(report.contains("| Previous bundle date | 2026-01-31 |"));
    for (what, m) in [("Previous", &old_m), ("Current", &new_m)] {
        let digest = m["model-digest"].as_str().unwrap();
        assert!(
            report.contains(&format!("| {what} model digest (SHA-256) | {digest} |")),
            "{report}"
        );
    }
    assert_ne!(old_m["model-digest"], new_m["model-digest"]);
    assert!(!report.contains(NEW_DATE) && !report.contains("28 February 2026"));

    // Indexed for the auditor, listed in the manifest, and the bundle verifies.
    let readme = read(&dir, "README.md");
    let line = readme
        .lines()
        .find(|l| l.starts_with("| [changes.md](changes.md) |"))
        .expect("changes.md in the README index");
    assert!(
        line.contains("Changes since the bundle of 31 January 2026"),
        "{line}"
    );
    assert!(line.ends_with("| 7.5, A.5.2 |"), "{line}");
    assert!(read(&dir, "index.html").contains("<a href=\"changes.html\">"));
    assert!(read(&dir, "changes.html").contains("Holders added: Mei Tanaka (mei)"));
    let files = new_m["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["path"] == "changes.md"));
    let verified = rolecall(&["verify", dir.to_str().unwrap()]);
    assert_eq!(verified.code, 0, "{}", verified.all());

    // An auditor reproduces the report from the two bundles (docs/auditor.md);
    // only the name of the previous bundle differs: the path given.
    let again = rolecall(&[
        "diff",
        zip.to_str().unwrap(),
        dir.with_extension("zip").to_str().unwrap(),
    ]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        again
            .stdout
            .replace(zip.to_str().unwrap(), "northwind-evidence-2026-01-31"),
        report
    );
}

#[test]
fn a_zip_and_a_directory_as_previous_give_the_same_report() {
    let (_old_out, old) = old_bundle();
    let (_work, model) = holder_and_cell();
    let reports: Vec<String> = [old.with_extension("zip"), old.clone()]
        .iter()
        .map(|previous| {
            let out = tempfile::tempdir().unwrap();
            let (run, dir) = build(
                &model,
                NEW_DATE,
                out.path(),
                &["--previous", previous.to_str().unwrap()],
            );
            assert_eq!(run.code, 0, "{}", run.all());
            read(&dir, "changes.md")
        })
        .collect();
    assert_eq!(change_lines(&reports[0]), HOLDER_AND_CELL);
    assert_eq!(reports[0], reports[1]);
}

#[test]
fn an_unchanged_model_reports_no_changes() {
    let (_old_out, old) = old_bundle();
    let out = tempfile::tempdir().unwrap();
    let (run, dir) = build(
        &example("northwind"),
        NEW_DATE,
        out.path(),
        &["--previous", old.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let report = read(&dir, "changes.md");
    assert_eq!(
        change_lines(&report),
        [
            "**No changes.** The model is the same as in the bundle of 31 January 2026, and every document that carries signatures has the same text, so no sheet needs signing again."
        ]
    );
    assert!(!report.contains("## Signatures needed again"));

    let diff = rolecall(&[
        "diff",
        old.to_str().unwrap(),
        example("northwind").to_str().unwrap(),
        "--exit-code",
    ]);
    assert_eq!(diff.code, 0, "{}", diff.all());
    assert!(diff.stdout.contains("**No changes.**"));
}

#[test]
fn a_model_that_differs_only_in_comments_has_no_changes() {
    let (_work, model) = copy_example("minimal");
    let file = model.join("model.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("# Reviewed in February.\n{text}")).unwrap();
    let run = rolecall(&[
        "diff",
        example("minimal").to_str().unwrap(),
        model.to_str().unwrap(),
        "--exit-code",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        change_lines(&run.stdout),
        [format!(
            "**No changes.** The model is the same as in {}, and every document that carries signatures has the same text, so no sheet needs signing again. (The model's files differ only in what no document shows: comments, layout or lint settings.)",
            example("minimal").display()
        )]
    );
}

/// `rolecall diff OLD NEW` with extra arguments.
fn diff(old: &Path, new: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--date",
        NEW_DATE,
    ];
    args.extend_from_slice(extra);
    rolecall(&args)
}

fn diff_json(old: &Path, new: &Path) -> serde_json::Value {
    let run = diff(old, new, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}\n{}", run.stdout))
}

#[test]
fn diff_between_two_models_in_markdown_and_json() {
    let (_work, model) = holder_and_cell();
    let run = diff(&example("northwind"), &model, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(run.stdout.starts_with("# Changes since "));
    assert_eq!(change_lines(&run.stdout), HOLDER_AND_CELL);
    assert_eq!(
        roles_to_sign(&run.stdout),
        [
            "Information Security Manager (isms-manager)",
            "Security Champion (security-champion)"
        ]
    );
    // `--exit-code` turns "there are changes" into exit 1.
    assert_eq!(
        diff(&example("northwind"), &model, &["--exit-code"]).code,
        1
    );

    let j = diff_json(&example("northwind"), &model);
    assert_eq!(j["format"], "rolecall-changes");
    assert_eq!(j["format-version"], 1);
    assert_eq!(j["changed"], true);
    assert_eq!(j["model-changed"], true);
    assert_eq!(j["old"]["kind"], "model");
    assert_eq!(j["old"]["bundle-date"], serde_json::Value::Null);
    assert_eq!(j["new"]["date"], NEW_DATE);
    assert_eq!(
        j["roles"]["changed"],
        serde_json::json!([{
            "id": "security-champion",
            "name": "Security Champion",
            "id-changed-from": null,
            "renamed-from": null,
            "fields": [],
            "holders-added": [{"id": "mei", "name": "Mei Tanaka"}],
            "holders-removed": [{"id": "nadia", "name": "Nadia Rahman"}],
            "deputies-added": [],
            "deputies-removed": [],
            "lists": []
        }])
    );
    assert_eq!(
        j["raci"],
        serde_json::json!([{
            "activity": {"id": "backup", "name": "Take, protect and restore-test backups"},
            "role": {"id": "isms-manager", "name": "Information Security Manager"},
            "old": "I",
            "new": "C"
        }])
    );
    for empty in [
        &j["organisation"],
        &j["roles"]["added"],
        &j["roles"]["removed"],
        &j["people"]["joined"],
        &j["people"]["left"],
        &j["people"]["changed"],
        &j["activities"]["added"],
        &j["activities"]["removed"],
        &j["activities"]["changed"],
        &j["policy"]["fields"],
        &j["policy"]["history-added"],
    ] {
        assert_eq!(empty, &serde_json::json!([]), "{j:#}");
    }
    let sign: Vec<&str> = j["sign-again"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["role"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(sign, ["isms-manager", "security-champion"]);
    let champion = &j["sign-again"]["roles"][1];
    assert_eq!(
        champion["description"]["document"],
        "roles/security-champion.md"
    );
    assert_eq!(champion["description"]["version-unchanged"], true);
    assert_eq!(champion["sheets"].as_array().unwrap().len(), 3);
    assert_eq!(champion["sheets"][2]["sheet"], "role/security-champion/mei");
    assert_eq!(champion["sheets"][2]["first"], true);
    assert_eq!(j["sign-again"]["policy"]["document"], "policy.md");
}

#[test]
fn diff_against_a_bundle_uses_its_signed_digests() {
    let (_old_out, old) = old_bundle();
    let (_work, model) = holder_and_cell();
    let j = diff_json(&old.with_extension("zip"), &model);
    assert_eq!(j["old"]["kind"], "bundle");
    assert_eq!(j["old"]["bundle-date"], OLD_DATE);
    assert_eq!(j["old"]["model-digest"], manifest(&old)["model-digest"]);
    let old_sums = read(&old, "SHA256SUMS");
    let champion = &j["sign-again"]["roles"][1]["description"];
    let signed = champion["old-digest"].as_str().unwrap();
    assert!(
        old_sums.contains(&format!("{signed}  roles/security-champion.md\n")),
        "{signed}"
    );
}

#[test]
fn roles_added_removed_and_renamed() {
    let (_work, model) = copy_example("northwind");
    edit(
        &model,
        "roles/03-technology.toml",
        "name = \"Security Champion\"",
        "name = \"Security Champion (engineering)\"",
    );
    edit(
        &model,
        "roles/05-all-staff.toml",
        "[[roles]]",
        "[[roles]]\nid = \"privacy-champion\"\nname = \"Privacy Champion\"\nholders = [\"zara\"]\nreports-to = \"dpo\"\nresponsibilities = [\"Answer privacy questions in marketing\"]\nauthorities = [\"Pause a campaign that breaches the privacy notice\"]\n\n[[roles]]",
    );
    let run = diff(&example("northwind"), &model, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    let lines = change_lines(&run.stdout);
    assert_eq!(
        lines,
        [
            "## Roles",
            "### Roles added",
            "- Privacy Champion (privacy-champion), held by Zara Hussain (zara)",
            "### Security Champion (engineering) (security-champion)",
            "- Renamed: Security Champion before",
        ],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("- Privacy Champion (privacy-champion): roles/privacy-champion.md, new, version 1.0; digest "),
        "{}",
        run.stdout
    );
    assert!(
        to_collect(&run.stdout).contains(&row(
            "signatures/privacy-champion--zara.md",
            "appointee (accepts)",
            "Zara Hussain (first assignment)",
            "outstanding"
        )),
        "{}",
        run.stdout
    );
    // Sign again: the renamed role, the roles whose descriptions name it or the
    // new role (their reporting lines), and the new role.
    assert_eq!(
        roles_to_sign(&run.stdout),
        [
            "Data Protection Officer (dpo)",
            "Head of Engineering (head-of-engineering)",
            "Security Champion (engineering) (security-champion)",
            "Privacy Champion (privacy-champion)"
        ]
    );

    // The other way round, the new role is a removed one.
    let back = diff(&model, &example("northwind"), &[]);
    assert_eq!(
        change_lines(&back.stdout),
        [
            "## Roles",
            "### Roles removed",
            "- Privacy Champion (privacy-champion), held by Zara Hussain (zara)",
            "### Security Champion (security-champion)",
            "- Renamed: Security Champion (engineering) before",
        ]
    );
}

#[test]
fn a_leaver_a_joiner_and_a_policy_version_bump() {
    let (_work, model) = copy_example("northwind");
    edit(
        &model,
        "people.toml",
        "email = \"liam.foster@northwind.example\"\n",
        "email = \"liam.foster@northwind.example\"\nleft = 2026-02-13\n",
    );
    edit(
        &model,
        "people.toml",
        "# --- Sales and Marketing",
        "[[people]]\nid = \"noor\"\nname = \"Noor Aziz\"\ntitle = \"Support Engineer\"\ndepartment = \"Customer Success\"\n\n# --- Sales and Marketing",
    );
    edit(
        &model,
        "organisation.toml",
        "version = \"3.0\"\nclassification",
        "version = \"3.1\"\nclassification",
    );
    edit(
        &model,
        "organisation.toml",
        "effective = 2026-01-15",
        "effective = 2026-02-20",
    );
    edit(
        &model,
        "organisation.toml",
        "[lint]",
        "[[policy.history]]\nversion = \"3.1\"\ndate = 2026-02-20\nauthor = \"kwame\"\nsummary = \"New support engineer; Liam Foster left\"\n\n[lint]",
    );
    let run = diff(&example("northwind"), &model, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        change_lines(&run.stdout),
        [
            "## Policy",
            "- Version: 3.0 before, 3.1 now",
            "- Effective date: 2026-01-15 before, 2026-02-20 now",
            "- Version history row added: version 3.1 of 2026-02-20 by Kwame Mensah (kwame): New support engineer; Liam Foster left",
            "## People",
            "### Joined",
            "- Noor Aziz (noor), Support Engineer",
            "### Left",
            "- Liam Foster (liam), Support Engineer: last working day 2026-02-13",
        ],
        "{}",
        run.stdout
    );
    // No role description names Liam or Noor; the policy's text changed with its version.
    assert!(roles_to_sign(&run.stdout).is_empty());
    assert!(
        run.stdout
            .contains("- policy.md, version 3.0 before, 3.1 now; digest "),
        "{}",
        run.stdout
    );
}

#[test]
fn a_logo_outside_the_previous_model_directory_is_found_again() {
    // rolecall 0.1 let a model name a logo beside its directory (`../logo.png`)
    // and kept it as model/assets/logo.png; this rolecall refuses such a model
    // (issue 11), so that bundle is made here from one with the logo inside.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n a logo";
    let (_work, minimal) = copy_example("minimal");
    std::fs::create_dir(minimal.join("assets")).unwrap();
    std::fs::write(minimal.join("assets/logo.png"), PNG).unwrap();
    edit(
        &minimal,
        "model.toml",
        "name = \"Example Widgets Ltd\"",
        "name = \"Example Widgets Ltd\"\nlogo = \"assets/logo.png\"",
    );
    let out = tempfile::tempdir().unwrap();
    let (run, built) = build(&minimal, OLD_DATE, out.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    for outside in ["../logo.png", "/elsewhere/logo.png"] {
        let (_w, old) = copy_bundle(&built);
        edit(
            &old,
            "model/model.toml",
            "logo = \"assets/logo.png\"",
            &format!("logo = \"{outside}\""),
        );
        reseal(&old);
        assert_eq!(rolecall(&["verify", old.to_str().unwrap()]).code, 0);
        assert_eq!(
            std::fs::read(old.join("model/assets/logo.png")).unwrap(),
            PNG
        );
        // Each against another previous bundle: into a fresh OUT.
        let new_out = tempfile::tempdir().unwrap();
        let (run, dir) = build(
            &minimal,
            NEW_DATE,
            new_out.path(),
            &["--previous", old.to_str().unwrap()],
        );
        assert_eq!(run.code, 0, "{outside}: {}", run.all());
        assert!(read(&dir, "changes.md").contains("**No changes.**"));
    }
    // A model naming a logo outside its directory is refused now.
    edit(
        &minimal,
        "model.toml",
        "logo = \"assets/logo.png\"",
        "logo = \"../logo.png\"",
    );
    std::fs::copy(minimal.join("assets/logo.png"), minimal.join("../logo.png")).unwrap();
    let (run, _) = build(&minimal, NEW_DATE, out.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("is outside the model directory"),
        "{}",
        run.stderr
    );
}

/// A copy of a bundle directory to tamper with.
fn copy_bundle(dir: &Path) -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let to = work.path().join(dir.file_name().unwrap());
    for file in files_below(dir) {
        let target = to.join(file.strip_prefix(dir).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, target).unwrap();
    }
    (work, to)
}

/// Builds Northwind with `--previous previous`: the run must fail with `code`
/// and write nothing.
fn build_against(previous: &Path, code: i32) -> Run {
    let out = tempfile::tempdir().unwrap();
    let (run, _) = build(
        &example("northwind"),
        NEW_DATE,
        out.path(),
        &["--previous", previous.to_str().unwrap()],
    );
    assert_eq!(run.code, code, "{}", run.all());
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(
        std::fs::read_dir(out.path()).unwrap().next().is_none(),
        "a bundle was written"
    );
    run
}

#[test]
fn a_tampered_or_missing_model_in_the_previous_bundle_is_refused() {
    let (_old_out, old) = old_bundle();

    let (_w1, tampered) = copy_bundle(&old);
    let people = tampered.join("model/people.toml");
    let text = std::fs::read_to_string(&people).unwrap();
    std::fs::write(&people, text.replace("Liam Foster", "Liam Forster")).unwrap();
    let run = build_against(&tampered, 1);
    assert!(
        run.stderr
            .contains("does not verify (2 problems), so the model in it cannot be trusted"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("  model/people.toml: modified"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("  model/: the model copy's digest is "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: `rolecall verify "),
        "{}",
        run.stderr
    );

    let (_w2, missing) = copy_bundle(&old);
    std::fs::remove_dir_all(missing.join("model")).unwrap();
    let run = build_against(&missing, 1);
    assert!(
        run.stderr.contains("model/people.toml: missing"),
        "{}",
        run.stderr
    );

    // A folder that is no bundle at all: a usage error.
    let run = build_against(&example("northwind"), 2);
    assert!(
        run.stderr.contains("is not an evidence bundle"),
        "{}",
        run.stderr
    );
    let diff = rolecall(&["diff", old.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(diff.code, 2, "{}", diff.all());
    assert!(diff.stdout.is_empty());
}

/// What a forger (or an older rolecall) leaves: a bundle that verifies, whose
/// model this rolecall refuses. Every hash is recomputed after `model/` changed.
fn reseal(dir: &Path) {
    use sha2::Digest as _;
    let sha = |b: &[u8]| -> String {
        sha2::Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    let mut m = manifest(dir);
    for f in m["files"].as_array_mut().unwrap() {
        let bytes = std::fs::read(dir.join(f["path"].as_str().unwrap())).unwrap();
        f["sha256"] = sha(&bytes).into();
        f["size"] = bytes.len().into();
    }
    let model_lines: String = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"].as_str().unwrap().starts_with("model/"))
        .map(|f| {
            format!(
                "{}  {}\n",
                f["sha256"].as_str().unwrap(),
                f["path"].as_str().unwrap()
            )
        })
        .collect();
    m["model-digest"] = sha(model_lines.as_bytes()).into();
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&m).unwrap() + "\n",
    )
    .unwrap();
    let sums: String = std::fs::read_to_string(dir.join("SHA256SUMS"))
        .unwrap()
        .lines()
        .map(|l| {
            let path = l.split_once("  ").unwrap().1;
            format!("{}  {path}\n", sha(&std::fs::read(dir.join(path)).unwrap()))
        })
        .collect();
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
}

#[test]
fn a_previous_model_that_no_longer_validates_is_explained() {
    let (_old_out, old) = old_bundle();
    let (_w, resealed) = copy_bundle(&old);
    // Liam becomes a deputy although he left before that bundle's date.
    edit(
        &resealed,
        "model/people.toml",
        "email = \"liam.foster@northwind.example\"\n",
        "email = \"liam.foster@northwind.example\"\nleft = 2026-01-02\n",
    );
    edit(
        &resealed,
        "model/roles/03-technology.toml",
        "deputies = [\"yusuf\"]",
        "deputies = [\"liam\"]",
    );
    reseal(&resealed);
    let verified = rolecall(&["verify", resealed.to_str().unwrap()]);
    assert_eq!(verified.code, 0, "{}", verified.all());

    let run = build_against(&resealed, 1);
    let shown = resealed.display().to_string();
    assert!(
        run.stderr.contains(&format!(
            "error: the model in `{shown}` (the bundle of 2026-01-31) does not validate with rolecall"
        )),
        "{}",
        run.stderr
    );
    // The diagnostic names the file inside the bundle, not a temporary copy.
    assert!(run.stderr.contains("error[RC040]"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{shown}/model/roles/03-technology.toml:")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: a change report needs both models to validate")
    );
}

#[test]
fn the_pdf_of_changes_md_holds_the_change_text() {
    let (_old_out, old) = old_bundle();
    let (_work, model) = holder_and_cell();
    let out = tempfile::tempdir().unwrap();
    let (run, dir) = build(
        &model,
        NEW_DATE,
        out.path(),
        &[
            "--format",
            "md+pdf",
            "--previous",
            old.with_extension("zip").to_str().unwrap(),
        ],
    );
    assert_eq!(
        run.code,
        0,
        "build failed (is typst 0.15 installed? `make test` installs it):\n{}",
        run.all()
    );
    let bytes = std::fs::read(dir.join("changes.pdf")).unwrap();
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Changes since the bundle of 31 January 2026",
        "Holders added: Mei Tanaka (mei)",
        "Holders removed: Nadia Rahman (nadia)",
        "Take, protect and restore-test backups (backup)",
        "Information Security Manager (isms-manager)",
        "Signatures needed again",
        "Mei Tanaka (first assignment)",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF:\n{text}"
        );
    }
    // Issue 14: paths are never hyphenated ("asset-owner-produc-tion--nils.md"
    // put a hyphen into a name that has none): every path of the report reads
    // back whole, though many of them end a line (a line may break after a `/`:
    // that inserts no character, so whitespace is left out of the comparison).
    let joined: String = text.split_whitespace().collect();
    let report = read(&dir, "changes.md");
    let paths: Vec<String> = report
        .split(|c: char| c.is_whitespace() || "()`,;".contains(c))
        .filter(|w| w.ends_with(".md") && w.contains('/'))
        .map(|w| w.replace('\\', ""))
        .collect();
    assert!(paths.len() >= 5, "{report}");
    for path in &paths {
        assert!(
            joined.contains(path.as_str()),
            "{path:?} not whole in the PDF:\n{text}"
        );
    }
}

#[test]
fn hostile_names_are_escaped_in_the_report() {
    let work = tempfile::tempdir().unwrap();
    let model = work.path().join("model.toml");
    let hostile = crate::support::fixture("valid/hostile/model.toml");
    let text = std::fs::read_to_string(&hostile).unwrap();
    let renamed = text.replacen(
        "name = \"Chief #strong[Executive] Officer\"",
        "name = \"Chief | <b>Boss</b> *Officer*\"",
        1,
    );
    assert_ne!(text, renamed);
    std::fs::write(&model, renamed).unwrap();
    let run = diff(&hostile, &model, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("### Chief \\| \\<b\\>Boss\\</b\\> \\*Officer\\* (ceo)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("- Renamed: Chief #strong\\[Executive\\] Officer before"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("<b>"));
}

/// Every key of `v`, recursively, with `_` for `-` as templates see them.
fn keys(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                out.insert(k.replace('-', "_"));
                keys(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        _ => {}
    }
}

#[test]
fn every_key_of_the_report_is_documented() {
    let (_work, model) = holder_and_cell();
    edit(
        &model,
        "organisation.toml",
        "short-name = \"Northwind\"",
        "short-name = \"Northwind Analytics\"",
    );
    edit(
        &model,
        "organisation.toml",
        "summary = \"First issue, written for",
        "summary = \"First issue, for",
    );
    edit(
        &model,
        "people.toml",
        "email = \"liam.foster@northwind.example\"\n",
        "email = \"liam.foster@northwind.example\"\nleft = 2026-02-13\n",
    );
    edit(
        &model,
        "people.toml",
        "# --- Sales and Marketing",
        "[[people]]\nid = \"noor\"\nname = \"Noor Aziz\"\ntitle = \"Support Engineer\"\n\n# --- Sales and Marketing",
    );
    edit(
        &model,
        "roles/05-all-staff.toml",
        "[[roles]]",
        "[[roles]]\nid = \"privacy-champion\"\nname = \"Privacy Champion\"\nholders = [\"zara\"]\nreports-to = \"dpo\"\nauthorities = [\"Pause a campaign\"]\n\n[[roles]]",
    );
    edit(
        &model,
        "activities.toml",
        "[[activities]]\nid = \"deploy-production-changes\"",
        "[[activities]]\nid = \"privacy-questions\"\nname = \"Answer privacy questions\"\nresponsible = [\"privacy-champion\"]\naccountable = \"dpo\"\n\n[[activities]]\nid = \"deploy-production-changes\"",
    );
    edit(
        &model,
        "activities.toml",
        "refs = [\"A.8.32\", \"A.8.31\"]",
        "refs = [\"A.8.32\"]",
    );
    let file = model.join("organisation.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        format!("{text}\n[[signatures]]\nsheet = \"role/cto/tomasz\"\nsigned-by = \"amara\"\ndate = 2026-02-02\ndigest = \"0123456789ab\"\n"),
    )
    .unwrap();
    let j = diff_json(&example("northwind"), &model);
    let mut found = std::collections::BTreeSet::new();
    keys(&j, &mut found);
    // Every kind of entry is there, so every key of the shape is.
    for key in [
        "holders_added",
        "history_removed",
        "author",
        "removed",
        "sheets",
        "first",
        "version_unchanged",
        "reordered",
        "all_staff",
        "title",
        "signer",
    ] {
        assert!(found.contains(key), "{key} not exercised: {j:#}");
    }
    let md = std::fs::read_to_string(crate::support::root().join("docs/templates.md")).unwrap();
    let section = &md[md.find("### ChangeSet").unwrap()..md.find("## Escaping").unwrap()];
    let missing: Vec<&String> = found
        .iter()
        .filter(|k| !section.contains(&format!("| `{k}` |")))
        .collect();
    assert!(missing.is_empty(), "not in docs/templates.md: {missing:?}");
}

/// Issue 12: the change report lists the model v2 entries added, removed and changed,
/// and the exceptions the new model accepts; between two v1 models it has no `v2` key.
#[test]
fn the_change_report_lists_model_v2_changes_and_the_accepted_exceptions() {
    let v1 = crate::support::fixture("valid/northwind-v1");
    let run = diff(&v1, &example("northwind"), &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    for expected in [
        "## Third parties",
        "- Added: `harbour-privacy`",
        "## Statement of Applicability",
        "- Added: `A.8.30`",
        "## Accepted segregation exceptions",
        "| Margaret Ellison (margaret) | is responsible or accountable for: Commission the yearly external penetration test",
    ] {
        assert!(
            run.stdout.contains(expected),
            "no {expected:?}:\n{}",
            run.stdout
        );
    }
    let j = diff_json(&v1, &example("northwind"));
    assert_eq!(j["model-changed"], true);
    assert_eq!(
        j["v2"]["exceptions"][0]["id"],
        "auditor-commissions-pentest"
    );

    // A party's agreement changes: that entry is changed, nothing added.
    let (_work, model) = copy_example("northwind");
    let parties = model.join("parties.toml");
    let text = std::fs::read_to_string(&parties).unwrap();
    std::fs::write(&parties, text.replace("PSA-2023-04", "PSA-2026-01")).unwrap();
    let j = diff_json(&example("northwind"), &model);
    assert_eq!(
        j["v2"]["tables"],
        serde_json::json!([{"table": "parties", "added": [], "removed": [], "changed": ["payroll"]}])
    );
    // Two v1 models: no `v2` at all.
    let j = diff_json(&v1, &v1);
    assert!(j.get("v2").is_none(), "{j}");
}
