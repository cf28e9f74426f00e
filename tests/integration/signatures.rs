//! Recorded signatures: the register in the bundle and the warnings of `check`.

use std::path::Path;

use crate::support::{build_bundle, example, files_below, read, rolecall};

const DATE: &str = "2026-11-23";

/// A copy of the Northwind example in a temporary directory.
fn northwind_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = example("northwind");
    for file in files_below(&src) {
        let rel = file.strip_prefix(&src).unwrap();
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    tmp
}

/// Builds `model` (Markdown only); returns the output dir and the bundle dir.
fn build(model: &Path) -> (tempfile::TempDir, std::path::PathBuf) {
    build_bundle(model, DATE, &["--format", "md"])
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

#[test]
fn register_tracks_current_outdated_and_outstanding_signatures() {
    let model = northwind_copy();
    let (_out, first) = build(model.path());
    let register = read(&first, "signatures/register.md");
    assert!(row(&register, "role/isms-manager/kwame", "Kwame Mensah").contains("| outstanding |"));
    let ism = sheet_digest(&first, "role/isms-manager/kwame");
    let policy = sheet_digest(&first, "policy-approval");

    // Kwame and the CEO sign his assignment; Kwame signs the acknowledgement;
    // the CFO signs with the digest of an earlier policy.
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
digest = "{policy}"

[[signatures]]
sheet = "all-staff/priya"
signed-by = "priya"
date = 2026-01-22
digest = "0123456789ab"
"#
        ),
    );
    let (_out2, second) = build(model.path());
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

    let check = rolecall(&["check", model.path().to_str().unwrap(), "--date", DATE]);
    assert_eq!(check.code, 0, "warnings only:\n{}", check.all());
    let outdated: Vec<&str> = check
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning[RC074]"))
        .collect();
    assert_eq!(outdated.len(), 1, "{}", check.all());
    assert!(outdated[0].contains("all-staff/priya"), "{}", check.all());
    assert!(
        check
            .stderr
            .contains("warning[RC075]: signatures/ceo--amara.md"),
        "{}",
        check.all()
    );

    // Kwame's role description changes: his signed assignment is now for an
    // older version, in the register and in `check`.
    let roles = model.path().join("roles/02-security-and-compliance.toml");
    let text = std::fs::read_to_string(&roles).unwrap();
    let text = text.replacen(
        "\"Propose information security objectives and measure progress against them\"",
        "\"Propose information security objectives, and measure and report progress against them\"",
        1,
    );
    std::fs::write(&roles, text).unwrap();
    let (_out3, third) = build(model.path());
    let register = read(&third, "signatures/register.md");
    for name in ["Kwame Mensah", "Amara Okafor"] {
        let r = row(&register, "role/isms-manager/kwame", name);
        assert!(r.contains("| signed for an older version |"), "{r}");
        assert!(r.contains(&format!("`{ism}`")), "{r}");
    }
    assert_ne!(sheet_digest(&third, "role/isms-manager/kwame"), ism);
    let check = rolecall(&["check", model.path().to_str().unwrap(), "--date", DATE]);
    let outdated = check
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning[RC074]: `role/isms-manager/kwame`"))
        .count();
    assert_eq!(outdated, 2, "{}", check.all());
    let denied = rolecall(&[
        "check",
        model.path().to_str().unwrap(),
        "--date",
        DATE,
        "--deny-warnings",
    ]);
    assert_eq!(denied.code, 1);
}

#[test]
fn register_without_records_lists_every_sheet_outstanding_and_check_stays_quiet() {
    let (_out, bundle) = build(&example("minimal"));
    let register = read(&bundle, "signatures/register.md");
    assert!(
        register.contains("| Signed for the current version | 0 |"),
        "{register}"
    );
    // Minimal: ceo (1 party, no one else in top management), two assignments of two
    // parties, one approver, four staff.
    assert!(register.contains("| Outstanding | 10 |"), "{register}");
    let check = rolecall(&[
        "check",
        example("minimal").to_str().unwrap(),
        "--date",
        DATE,
    ]);
    assert!(!check.all().contains("RC075"), "{}", check.all());
}

/// Issue 14: the register's PDF (its own Typst template, one row per sheet, a
/// third of the cells of the Markdown's table) says what the Markdown says:
/// every signature's sheet, party, name, status, date and digests.
#[test]
fn the_register_pdf_holds_every_row_of_the_markdown() {
    let model = northwind_copy();
    let (_out, first) = build(model.path());
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
        let [sheet, party, name, status, date, recorded, current] = cells[..] else {
            panic!("{line}");
        };
        let sheet = &sheet[1..sheet.find(']').unwrap()];
        let mut said = format!("{name}, {party}: {status}");
        if !date.is_empty() {
            said.push_str(&format!(", {date}, digest {}", recorded.trim_matches('`')));
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
