//! Recorded signatures (issues 4 and 13): the register in the bundle, the warnings
//! of `check`, `rolecall signatures`, what the acknowledgement binds, who assigns
//! top management, the board resolution and signed evidence. In every test that
//! builds a bundle, `verify` counts the signatures as the register does.

use std::path::{Path, PathBuf};

use crate::support::{
    PNG, assert_counts_agree, build_bundle, build_into, example, files_below, read, rolecall,
};

const DATE: &str = "2026-11-23";

/// A copy of an example model in a temporary directory.
fn copy_of(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = example(name);
    for file in files_below(&src) {
        let rel = file.strip_prefix(&src).unwrap();
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    tmp
}

/// Builds `model` (Markdown only, or with `extra` arguments) into a fresh
/// directory; checks that `verify` counts its signatures as its register does.
fn build(model: &Path, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let mut args = vec!["--format", "md"];
    args.extend_from_slice(extra);
    let (out, dir) = build_bundle(model, DATE, &args);
    assert_counts_agree(&dir);
    (out, dir)
}

/// The short digest the manifest records for sheet `id`.
fn sheet_digest(bundle: &Path, id: &str) -> String {
    let manifest: serde_json::Value = serde_json::from_str(&read(bundle, "manifest.json")).unwrap();
    let sheet = manifest["signature-sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sheet"] == id)
        .unwrap_or_else(|| panic!("no sheet {id}"));
    sheet["digest"].as_str().unwrap()[..12].to_string()
}

/// One row of a register: sheet id, sheet file, party, name, status, evidence cell.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    sheet: String,
    file: String,
    party: String,
    name: String,
    status: String,
    evidence: String,
}

/// Every row of the register's signature table.
fn rows(register: &str) -> Vec<Row> {
    register
        .lines()
        .filter(|l| l.starts_with("| [") && l.contains("](") && l.matches(" | ").count() >= 7)
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let (sheet, file) = cells[0]
                .trim_start_matches('[')
                .trim_end_matches(')')
                .split_once("](")
                .unwrap();
            Row {
                sheet: sheet.to_string(),
                file: format!("signatures/{file}"),
                party: cells[1].to_string(),
                name: cells[2].to_string(),
                status: cells[3].to_string(),
                evidence: cells[7].to_string(),
            }
        })
        .collect()
}

/// The register row of `sheet` for `name`.
fn row(register: &str, sheet: &str, name: &str) -> String {
    register
        .lines()
        .find(|l| l.starts_with(&format!("| [{sheet}](")) && l.contains(&format!("| {name} |")))
        .unwrap_or_else(|| panic!("no row for {sheet} / {name} in:\n{register}"))
        .to_string()
}

fn append(model: &Path, file: &str, text: &str) {
    let path = model.join(file);
    let mut old = std::fs::read_to_string(&path).unwrap_or_default();
    old.push_str(text);
    std::fs::write(path, old).unwrap();
}

/// Replaces `from` (once, and it must be there) by `to` in the model file `rel`.
fn edit(model: &Path, rel: &str, from: &str, to: &str) {
    let path = model.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from:?} in {rel}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn check(model: &Path, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["check", model.to_str().unwrap(), "--date", DATE];
    args.extend_from_slice(extra);
    rolecall(&args)
}

/// `rolecall signatures MODEL --toml`, without its `evidence` lines: the records
/// of every signature not yet current, as if every sheet had been signed on paper.
fn records_to_fill_in(model: &Path) -> String {
    let run = rolecall(&[
        "signatures",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--toml",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    // What it prints is TOML, records only.
    let parsed: toml::Table = run.stdout.parse().unwrap();
    assert_eq!(parsed.keys().collect::<Vec<_>>(), ["signatures"]);
    run.stdout
        .lines()
        .filter(|l| !l.starts_with("evidence = "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn register_tracks_current_outdated_and_outstanding_signatures() {
    let model = copy_of("northwind");
    let (_out, first) = build(model.path(), &[]);
    let register = read(&first, "signatures/register.md");
    assert!(row(&register, "role/isms-manager/kwame", "Kwame Mensah").contains("| outstanding |"));
    let ism = sheet_digest(&first, "role/isms-manager/kwame");
    let staff = sheet_digest(&first, "all-staff");

    // Kwame and the CEO sign his assignment; Kwame signs the acknowledgement;
    // Priya signs it with a digest that is not the current one.
    append(
        model.path(),
        "signatures.toml",
        &format!(
            r#"
[[signatures]]
sheet = "role/isms-manager/kwame"
signed-by = "amara"
date = 2026-01-20
digest = "{ism}"

[[signatures]]
sheet = "role/isms-manager/kwame"
signed-by = "kwame"
date = 2026-01-21
digest = "{ism}"

[[signatures]]
sheet = "all-staff/kwame"
signed-by = "kwame"
date = 2026-01-22
digest = "{staff}"

[[signatures]]
sheet = "all-staff/priya"
signed-by = "priya"
date = 2026-01-22
digest = "0123456789ab"
"#
        ),
    );
    let (_out2, second) = build(model.path(), &[]);
    let register = read(&second, "signatures/register.md");
    assert!(
        row(&register, "role/isms-manager/kwame", "Kwame Mensah")
            .contains("| signed | 21 January 2026 |")
    );
    assert!(
        row(&register, "role/isms-manager/kwame", "Amara Okafor")
            .contains("| signed | 20 January 2026 |")
    );
    assert!(row(&register, "all-staff/kwame", "Kwame Mensah").contains("| signed |"));
    assert!(
        row(&register, "all-staff/priya", "Priya Raman")
            .contains("| signed for an older version | 22 January 2026 | `0123456789ab` |")
    );
    assert!(row(&register, "role/ceo/amara", "Amara Okafor").contains("| outstanding |"));

    let check = check(model.path(), &[]);
    assert_eq!(check.code, 0, "warnings only:\n{}", check.all());
    let outdated: Vec<&str> = check
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning[RC074]"))
        .collect();
    assert_eq!(outdated.len(), 1, "{}", check.all());
    // Not presumed an older version: it may be a typo (issue 13).
    assert_eq!(
        outdated[0],
        format!(
            "warning[RC074]: `all-staff/priya` signed by Priya Raman (`priya`) on 2026-01-22: digest 0123456789ab is not the current one ({staff}): signed for an older version, or mistyped"
        )
    );
    assert!(
        check
            .stderr
            .contains("warning[RC075]: signatures/ceo--amara.md"),
        "{}",
        check.all()
    );

    // Kwame's role description changes: his signed assignment is now for an
    // older version, in the register and in `check`.
    edit(
        model.path(),
        "roles/02-security-and-compliance.toml",
        "\"Propose information security objectives and measure progress against them\"",
        "\"Propose information security objectives, and measure and report progress against them\"",
    );
    let (_out3, third) = build(model.path(), &[]);
    let register = read(&third, "signatures/register.md");
    for name in ["Kwame Mensah", "Amara Okafor"] {
        let r = row(&register, "role/isms-manager/kwame", name);
        assert!(r.contains("| signed for an older version |"), "{r}");
        assert!(r.contains(&format!("`{ism}`")), "{r}");
    }
    assert_ne!(sheet_digest(&third, "role/isms-manager/kwame"), ism);
    let check = self::check(model.path(), &[]);
    let outdated = check
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning[RC074]: `role/isms-manager/kwame`"))
        .count();
    assert_eq!(outdated, 2, "{}", check.all());
    let denied = self::check(model.path(), &["--deny-warnings"]);
    assert_eq!(denied.code, 1);
}

#[test]
fn register_without_records_lists_every_sheet_outstanding_and_check_stays_quiet() {
    let (_out, bundle) = build(&example("minimal"), &[]);
    let register = read(&bundle, "signatures/register.md");
    assert!(
        register.contains("| Signed for the current version | 0 |"),
        "{register}"
    );
    // Minimal: the sole director's assignment (the governing body and the
    // director), two assignments of two parties, one approver, three staff (the
    // contracted auditor acknowledges through her firm's agreement).
    assert!(register.contains("| Outstanding | 10 |"), "{register}");
    let check = check(&example("minimal"), &[]);
    assert!(!check.all().contains("RC075"), "{}", check.all());
}

/// Issue 14: the register's PDF (its own Typst template, one row per sheet, a
/// third of the cells of the Markdown's table) says what the Markdown says:
/// every signature's sheet, party, name, status, date, digests and evidence.
#[test]
fn the_register_pdf_holds_every_row_of_the_markdown() {
    let model = copy_of("northwind");
    let (_out, first) = build(model.path(), &[]);
    let ism = sheet_digest(&first, "role/isms-manager/kwame");
    append(
        model.path(),
        "signatures.toml",
        &format!(
            "\n[[signatures]]\nsheet = \"role/isms-manager/kwame\"\nsigned-by = \"kwame\"\n\
             date = 2026-01-21\ndigest = \"{ism}\"\n\n[[signatures]]\nsheet = \"all-staff/priya\"\n\
             signed-by = \"priya\"\ndate = 2026-01-22\ndigest = \"0123456789ab\"\n"
        ),
    );
    let (_out2, dir) = build_bundle(model.path(), DATE, &["--format", "md,pdf"]);
    let bytes = std::fs::read(dir.join("signatures/register.pdf")).unwrap();
    let pdf: String = pdf_extract::extract_text_from_mem(&bytes)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let register = read(&dir, "signatures/register.md");
    let mut rows = 0;
    for line in register.lines().filter(|l| l.starts_with("| [")) {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let [
            sheet,
            party,
            name,
            status,
            date,
            recorded,
            current,
            evidence,
        ] = cells[..]
        else {
            panic!("{line}");
        };
        let sheet = &sheet[1..sheet.find(']').unwrap()];
        let mut said = format!("{name}, {party}: {status}");
        if !date.is_empty() {
            said.push_str(&format!(", {date}, digest {}", recorded.trim_matches('`')));
        }
        if let Some((kind, _)) = evidence.strip_prefix('[').and_then(|e| e.split_once("](")) {
            said.push_str(&format!(", {kind}"));
        }
        for s in [sheet, current.trim_matches('`'), &said] {
            assert!(pdf.contains(s), "the register's PDF lacks {s:?} ({line})");
        }
        rows += 1;
    }
    assert!(rows > 60, "{register}");
    assert!(pdf.contains("Kwame Mensah, appointee (accepts): signed, 21 January 2026"));
    assert!(pdf.contains("signed for an older version, 22 January 2026, digest 0123456789ab"));
}

#[test]
fn a_role_edit_outdates_that_roles_sheets_and_the_approval_but_no_acknowledgement() {
    let model = copy_of("northwind");
    let m = model.path();
    // Every signature the sheets ask for, as `rolecall signatures --toml` prints them.
    std::fs::write(m.join("signatures.toml"), records_to_fill_in(m)).unwrap();
    let quiet = check(m, &["--deny-warnings"]);
    assert_eq!(quiet.code, 0, "{}", quiet.all());
    let listed = rolecall(&["signatures", m.to_str().unwrap(), "--date", DATE]);
    assert_eq!(
        listed.stdout,
        "Northwind Analytics Ltd: 70 of 70 signatures current, 0 for an older version, 0 outstanding (as of 2026-11-23)\n"
    );
    let out = tempfile::tempdir().unwrap();
    let signed = build_into(m, DATE, out.path(), &["--format", "md"]);
    assert_eq!(assert_counts_agree(&signed), [70, 0, 0]);
    let all = rows(&read(&signed, "signatures/register.md"));
    assert_eq!(all.len(), 70);
    assert!(all.iter().all(|r| r.status == "signed"), "{all:#?}");
    let ok = rolecall(&["verify", signed.to_str().unwrap(), "--require-signatures"]);
    assert_eq!(ok.code, 0, "{}", ok.all());

    // One responsibility more for the ISMS manager: exactly his assignment's
    // two signatures and the policy approval are for an older version.
    edit(
        m,
        "roles/02-security-and-compliance.toml",
        "\"Propose information security objectives and measure progress against them\"",
        "\"Propose information security objectives and measure progress against them\",\n  \"Keep the register of suppliers with access to customer data\"",
    );
    let previous = signed.with_extension("zip");
    let edited = build_into(
        m,
        "2026-11-24",
        out.path(),
        &["--format", "md", "--previous", previous.to_str().unwrap()],
    );
    assert_eq!(assert_counts_agree(&edited), [67, 3, 0]);
    let register = rows(&read(&edited, "signatures/register.md"));
    let outdated: Vec<(&str, &str)> = register
        .iter()
        .filter(|r| r.status != "signed")
        .map(|r| (r.file.as_str(), r.name.as_str()))
        .collect();
    assert_eq!(
        outdated,
        [
            ("signatures/isms-manager--kwame.md", "Amara Okafor"),
            ("signatures/isms-manager--kwame.md", "Kwame Mensah"),
            ("signatures/policy-approval.md", "Amara Okafor"),
        ]
    );
    assert!(
        register
            .iter()
            .filter(|r| r.sheet.starts_with("all-staff/"))
            .all(|r| r.status == "signed")
    );
    // changes.md asks for exactly these signatures, every party of each sheet.
    let changes = read(&edited, "changes.md");
    let collect: Vec<(String, String, String)> = changes
        .lines()
        .skip_while(|l| *l != "### Signatures to collect")
        .filter(|l| l.starts_with("| [signatures/"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            let file = cells[0].split_once("](").unwrap().0.trim_start_matches('[');
            (file.to_string(), cells[2].to_string(), cells[3].to_string())
        })
        .collect();
    let expected: Vec<(String, String, String)> = register
        .iter()
        .filter(|r| r.status != "signed")
        .map(|r| (r.file.clone(), r.name.clone(), r.status.clone()))
        .collect();
    assert_eq!(collect, expected, "{changes}");
    // verify can insist on complete signatures.
    let incomplete = rolecall(&["verify", edited.to_str().unwrap(), "--require-signatures"]);
    assert_eq!(incomplete.code, 1, "{}", incomplete.all());
    assert!(incomplete.stdout.starts_with(
        "signatures/register.md: 3 of 70 signatures are not current (3 for an older version, 0 outstanding), and --require-signatures asks for all\n"
    ), "{}", incomplete.stdout);

    // The all-staff role's own text changes: every acknowledgement is outdated.
    edit(
        m,
        "roles/05-all-staff.toml",
        "Security is part of **everyone's** job.",
        "Security is part of **everyone's** job, every day.",
    );
    let (_out, staff_edited) = build(m, &[]);
    let register = rows(&read(&staff_edited, "signatures/register.md"));
    let lines: Vec<&Row> = register
        .iter()
        .filter(|r| r.sheet.starts_with("all-staff/"))
        .collect();
    assert_eq!(lines.len(), 29);
    assert!(
        lines
            .iter()
            .all(|r| r.status == "signed for an older version"),
        "{lines:#?}"
    );
    // The other role descriptions do not print the all-staff role's purpose.
    let isms_and_approval = register
        .iter()
        .filter(|r| !r.sheet.starts_with("all-staff/") && r.status != "signed")
        .count();
    assert_eq!(isms_and_approval, 3);
}

#[test]
fn a_mistyped_digest_is_told_from_an_older_version_with_previous() {
    let model = copy_of("minimal");
    let m = model.path();
    let (_first_out, first) = build(m, &[]);
    let old = sheet_digest(&first, "role/isms-manager/sam");
    // The role changes after Alex and Sam signed it; Sam's copy is mistyped.
    append(
        m,
        "model.toml",
        &format!(
            "\n[[signatures]]\nsheet = \"role/isms-manager/sam\"\nsigned-by = \"alex\"\ndate = 2026-01-20\ndigest = \"{old}\"\n\n[[signatures]]\nsheet = \"role/isms-manager/sam\"\nsigned-by = \"sam\"\ndate = 2026-01-20\ndigest = \"1234abcd5678\"\n"
        ),
    );
    edit(
        m,
        "model.toml",
        "\"Declare a security incident\",",
        "\"Declare a security incident\", \"Stop a release that fails its security review\",",
    );
    let text = std::fs::read_to_string(m.join("model.toml")).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let (alex_at, sam_at) = (
        line_of(&format!("digest = \"{old}\"")),
        line_of("digest = \"1234abcd5678\""),
    );
    let (_second_out, second) = build(m, &[]);
    let current = sheet_digest(&second, "role/isms-manager/sam");
    assert_ne!(current, old);

    let at = |run: &crate::support::Run, line: usize| {
        let shown = format!("model.toml:{line}:10");
        assert!(run.stderr.contains(&shown), "{shown} in:\n{}", run.stderr);
    };
    let without = check(m, &[]);
    assert!(without.stderr.contains(&format!(
        "warning[RC074]: `role/isms-manager/sam` signed by Sam Okoye (`sam`) on 2026-01-20: digest 1234abcd5678 is not the current one ({current}): signed for an older version, or mistyped"
    )), "{}", without.stderr);
    at(&without, sam_at);

    // With the earlier bundle: Alex's digest is the one its sheet printed, an
    // older version; Sam's is in neither bundle. Each points at its own record.
    let zip = first.with_extension("zip");
    let with = check(m, &["--previous", zip.to_str().unwrap()]);
    let name = "example-evidence-2026-11-23";
    assert!(with.stderr.contains(&format!(
        "warning[RC074]: `role/isms-manager/sam` signed by Alex Morgan (`alex`) on 2026-01-20: digest {old} is that of an older version (in {name}); roles/isms-manager.md now has digest {current}"
    )), "{}", with.stderr);
    assert!(with.stderr.contains(&format!(
        "warning[RC074]: `role/isms-manager/sam` signed by Sam Okoye (`sam`) on 2026-01-20: digest 1234abcd5678 is unknown: not the current one ({current}) nor that of {name} ({old}); mistyped, or signed for a version older than {name}"
    )), "{}", with.stderr);
    at(&with, alex_at);
    at(&with, sam_at);
}

/// `examples/minimal` with a second director (the CFO, reporting to the
/// managing director) who holds nothing else, and the managing director also
/// holding a role that is not top management.
fn two_directors() -> tempfile::TempDir {
    let model = copy_of("minimal");
    append(
        model.path(),
        "model.toml",
        r#"
[[people]]
id = "kim"
name = "Kim Lee"
title = "Finance Director"

[[roles]]
id = "cfo"
name = "Finance Director"
top-management = true
holders = ["kim"]
reports-to = "ceo"
responsibilities = ["Approve the ISMS budget"]
authorities = ["Approve spending"]

[[roles]]
id = "asset-owner"
name = "Owner of the company laptops"
holders = ["alex"]
reports-to = "ceo"
responsibilities = ["Approve who gets a laptop"]
authorities = ["Approve or refuse a laptop"]
"#,
    );
    model
}

/// The "Assigned by" part of an assignment sheet.
fn assigned_by(sheet: &str) -> &str {
    let start = sheet.find("## Signatures").unwrap();
    let end = sheet.find("Accepted by the appointee").unwrap();
    &sheet[start..end]
}

#[test]
fn the_governing_body_assigns_top_management() {
    // A sole director: the shareholders' meeting assigns her role; the register
    // tracks that signature, which `signed-by = "governing-body"` records.
    let model = copy_of("minimal");
    let (_out, dir) = build(model.path(), &[]);
    let sheet = read(&dir, "signatures/ceo--alex.md");
    let by = assigned_by(&sheet);
    assert!(
        by.contains("Assigned by the governing body (Shareholders' meeting):"),
        "{by}"
    );
    // One row to sign in (issue 14): the body, who signs for it, place and date.
    assert!(
        by.contains(
            "| Governing body | Signed on its behalf by | Place, date | Signature |\n\
             |---|---|---|---|\n| Shareholders' meeting | | | |"
        ),
        "{by}"
    );
    assert!(!by.contains("Alex Morgan"), "{by}");
    let register = read(&dir, "signatures/register.md");
    assert!(
        row(&register, "role/ceo/alex", "Shareholders' meeting")
            .contains("| governing body (assigns) | Shareholders' meeting | outstanding |")
    );
    // The director still assigns the other roles.
    assert!(
        assigned_by(&read(&dir, "signatures/isms-manager--sam.md"))
            .contains("|---|---|---|---|\n| Alex Morgan | Managing Director | | |")
    );
    let digest = sheet_digest(&dir, "role/ceo/alex");
    append(
        model.path(),
        "model.toml",
        &format!(
            "\n[[signatures]]\nsheet = \"role/ceo/alex\"\nsigned-by = \"governing-body\"\nsignatory = \"Maria Schmidt, shareholder\"\ndate = 2026-01-15\ndigest = \"{digest}\"\n"
        ),
    );
    let (_out2, signed) = build(model.path(), &[]);
    assert!(
        row(
            &read(&signed, "signatures/register.md"),
            "role/ceo/alex",
            "Shareholders' meeting"
        )
        .contains("| signed | 15 January 2026 |")
    );
    // A member of top management is not a party for the governing body, nor the
    // governing body on another role's sheet.
    let bad = copy_of("minimal");
    append(
        bad.path(),
        "model.toml",
        &format!(
            "\n[[signatures]]\nsheet = \"role/isms-manager/sam\"\nsigned-by = \"governing-body\"\ndate = 2026-01-15\ndigest = \"{digest}\"\n"
        ),
    );
    let run = check(bad.path(), &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error[RC071]: the governing body is not a party to sheet `role/isms-manager/sam`"
        ),
        "{}",
        run.stderr
    );

    // Two directors: the governing body assigns both; the managing director's
    // other role is not assigned by the finance director, who reports to her.
    let model = two_directors();
    let (_out3, dir) = build(model.path(), &[]);
    for sheet in ["signatures/ceo--alex.md", "signatures/cfo--kim.md"] {
        let by = read(&dir, sheet);
        let by = assigned_by(&by);
        assert!(
            by.contains("|---|---|---|---|\n| Shareholders' meeting | | | |"),
            "{sheet}: {by}"
        );
        assert!(
            !by.contains("Kim Lee") && !by.contains("Alex Morgan"),
            "{sheet}: {by}"
        );
    }
    let owner = read(&dir, "signatures/asset-owner--alex.md");
    assert!(
        assigned_by(&owner).contains("|---|---|---|---|\n| Shareholders' meeting | | | |"),
        "{owner}"
    );
    let register = read(&dir, "signatures/register.md");
    assert!(
        !register.contains("| top management (assigns) | Kim Lee |"),
        "{register}"
    );
    assert!(
        row(&register, "role/isms-manager/sam", "Alex Morgan")
            .contains("| top management (assigns) |")
    );
}

#[test]
fn a_board_resolution_stands_in_for_the_assigners_signatures() {
    let model = two_directors();
    edit(
        model.path(),
        "model.toml",
        "governing-body = \"Shareholders' meeting\"",
        "governing-body = \"Shareholders' meeting\"\nboard-resolution = true",
    );
    let (_out, dir) = build(model.path(), &[]);
    let resolution = read(&dir, "role-assignments.md");
    for role in ["isms-manager", "internal-auditor"] {
        let digest = sheet_digest(
            &dir,
            &format!(
                "role/{role}/{}",
                if role == "isms-manager" {
                    "sam"
                } else {
                    "ruth"
                }
            ),
        );
        assert!(
            resolution.contains(&format!("`{digest}` |")),
            "{resolution}"
        );
    }
    // Top-management roles and the director's own other role are the governing
    // body's, not the resolution's.
    assert!(
        !resolution.contains("(ceo)") && !resolution.contains("(cfo)"),
        "{resolution}"
    );
    assert!(!resolution.contains("(asset-owner)"), "{resolution}");
    let sheet = read(&dir, "signatures/isms-manager--sam.md");
    assert!(
        assigned_by(&sheet).contains("in the board resolution (role-assignments.md)"),
        "{sheet}"
    );
    let board = read(&dir, "signatures/board-resolution.md");
    assert!(board.contains(&format!("`{}`", sheet_digest(&dir, "board-resolution"))));
    let register = read(&dir, "signatures/register.md");
    let all = rows(&register);
    let resolvers: Vec<&str> = all
        .iter()
        .filter(|r| r.sheet == "board-resolution")
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(resolvers, ["Alex Morgan", "Kim Lee"]);
    assert!(
        !register.contains("| top management (assigns) |"),
        "{register}"
    );
    assert!(
        row(&register, "role/isms-manager/sam", "Sam Okoye").contains("| appointee (accepts) |")
    );

    // Recorded, the register counts them as verify does.
    std::fs::write(
        model.path().join("signatures.toml"),
        records_to_fill_in(model.path()),
    )
    .unwrap();
    let (_out2, signed) = build(model.path(), &[]);
    let [current, outdated, outstanding] = assert_counts_agree(&signed);
    assert_eq!((outdated, outstanding), (0, 0));
    assert_eq!(current, all.len());
}

#[test]
fn scans_and_signed_pdfs_are_evidence_in_the_bundle_and_verify_checks_them() {
    let model = copy_of("minimal");
    let m = model.path();
    // The sheets as typst prints them: an e-signature service returns them signed.
    let (_pdf_out, printed) = build_bundle(m, DATE, &[]);
    std::fs::create_dir(m.join("signed")).unwrap();
    std::fs::copy(
        printed.join("signatures/isms-manager--sam.pdf"),
        m.join("signed/isms-manager--sam.pdf"),
    )
    .unwrap();
    std::fs::write(m.join("signed/acknowledgement scan.png"), PNG).unwrap();
    let ism = sheet_digest(&printed, "role/isms-manager/sam");
    let staff = sheet_digest(&printed, "all-staff");
    append(
        m,
        "model.toml",
        &format!(
            r#"
[[signatures]]
sheet = "role/isms-manager/sam"
signed-by = "sam"
date = 2026-01-20
digest = "{ism}"
evidence = "signed/isms-manager--sam.pdf"

[[signatures]]
sheet = "all-staff/jo"
signed-by = "jo"
date = 2026-01-21
digest = "{staff}"
evidence = "signed/acknowledgement scan.png"

[[signatures]]
sheet = "all-staff/alex"
signed-by = "alex"
date = 2026-01-21
digest = "{staff}"
evidence = "signed/acknowledgement scan.png"
"#
        ),
    );
    let out = tempfile::tempdir().unwrap();
    let dir = build_into(m, DATE, out.path(), &["--format", "md"]);
    assert_counts_agree(&dir);
    let (pdf, png) = (
        "model/signed/isms-manager--sam.pdf",
        "model/signed/acknowledgement scan.png",
    );
    // In the bundle and its zip, listed in SHA256SUMS and the manifest.
    assert_eq!(
        std::fs::read(dir.join(pdf)).unwrap(),
        std::fs::read(m.join("signed/isms-manager--sam.pdf")).unwrap()
    );
    assert_eq!(std::fs::read(dir.join(png)).unwrap(), PNG);
    let sums = read(&dir, "SHA256SUMS");
    for path in [pdf, png] {
        assert!(
            sums.lines().any(|l| l.ends_with(&format!("  {path}"))),
            "{path}"
        );
    }
    let mut zip =
        zip::ZipArchive::new(std::fs::File::open(dir.with_extension("zip")).unwrap()).unwrap();
    for path in [pdf, png] {
        assert!(
            zip.by_name(&format!("example-evidence-{DATE}/{path}"))
                .is_ok(),
            "{path}"
        );
    }
    let manifest: serde_json::Value = serde_json::from_str(&read(&dir, "manifest.json")).unwrap();
    let kinds: Vec<(&str, &str)> = manifest["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| {
            Some((
                s["evidence"]["path"].as_str()?,
                s["evidence"]["kind"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(
        kinds,
        [(pdf, "pdf-with-digest"), (png, "scan"), (png, "scan")]
    );
    // The register says which is which and links them, in Markdown and on its page.
    let register = read(&dir, "signatures/register.md");
    assert!(
        row(&register, "role/isms-manager/sam", "Sam Okoye")
            .contains("| [signed PDF, digest confirmed](../model/signed/isms-manager--sam.pdf) |"),
        "{register}"
    );
    assert!(
        row(&register, "all-staff/jo", "Jo Patel")
            .contains("| [scan](../model/signed/acknowledgement%20scan.png) |"),
        "{register}"
    );
    let page = read(&dir, "signatures/register.html");
    assert!(
        page.contains(
            "<a href=\"../model/signed/isms-manager--sam.pdf\">signed PDF, digest confirmed</a>"
        ),
        "{page}"
    );
    assert!(
        page.contains("<a href=\"../model/signed/acknowledgement%20scan.png\">scan</a>"),
        "{page}"
    );

    // One byte of an evidence file changed: verify fails naming it.
    for path in [pdf, png] {
        let copy = tempfile::tempdir().unwrap();
        for f in files_below(&dir) {
            let to = copy.path().join(f.strip_prefix(&dir).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(&f, &to).unwrap();
        }
        let target = copy.path().join(path);
        let mut bytes = std::fs::read(&target).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&target, bytes).unwrap();
        let run = rolecall(&["verify", copy.path().to_str().unwrap()]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stdout
                .starts_with(&format!("{path}: modified (its SHA-256 is ")),
            "{}",
            run.stdout
        );
    }

    // A signed PDF of another sheet shows another digest: the person signed
    // another version, and the model does not build.
    let wrong = copy_of("minimal");
    std::fs::create_dir(wrong.path().join("signed")).unwrap();
    std::fs::copy(
        printed.join("signatures/internal-auditor--ruth.pdf"),
        wrong.path().join("signed/isms-manager--sam.pdf"),
    )
    .unwrap();
    append(
        wrong.path(),
        "model.toml",
        &format!(
            "\n[[signatures]]\nsheet = \"role/isms-manager/sam\"\nsigned-by = \"sam\"\ndate = 2026-01-20\ndigest = \"{ism}\"\nevidence = \"signed/isms-manager--sam.pdf\"\n"
        ),
    );
    let ruth = sheet_digest(&printed, "role/internal-auditor/ruth");
    let run = rolecall(&[
        "build",
        wrong.path().to_str().unwrap(),
        "--date",
        DATE,
        "--format",
        "md",
        "-o",
        out.path().join("wrong").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!(
            "error[RC076]: evidence `signed/isms-manager--sam.pdf` shows the digest {ruth}"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no bundle was written"),
        "{}",
        run.stderr
    );
}
