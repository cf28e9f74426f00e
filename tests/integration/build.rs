//! `rolecall build`: bundle content, reproducibility, manifest and atomicity.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::support::{
    build_bundle, example, files_below, fixture, raw_model, read, rolecall, snapshot,
};

/// Builds `model` (with PDFs) as of `date`; returns the temp dir and the bundle dir.
fn build(model: &Path, date: &str) -> (tempfile::TempDir, PathBuf) {
    build_bundle(model, date, &[])
}

/// Separates table cells in [`markdown_text`] (model text may contain `|`).
const CELL: char = '\u{1f}';

/// Text that a CommonMark reader sees, with cells ended by [`CELL`] and blocks by newlines.
fn markdown_text(md: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser, TagEnd};
    let mut out = String::new();
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(TagEnd::TableCell) => out.push(CELL),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::Heading(_),
            ) => out.push('\n'),
            _ => {}
        }
    }
    out
}

/// The RACI cells of the matrix: (activity name, column head) -> letters.
fn raci_cells(md: &str) -> BTreeMap<(String, String), String> {
    let text = markdown_text(md);
    let mut cells = BTreeMap::new();
    let mut head: Vec<String> = Vec::new();
    for line in text.lines() {
        let parts: Vec<String> = line.split(CELL).map(str::to_string).collect();
        if parts.first().map(String::as_str) == Some("Activity") {
            head = parts;
            continue;
        }
        if head.len() > 3 && parts.len() == head.len() {
            for (i, col) in head.iter().enumerate().skip(2) {
                if !col.is_empty() {
                    cells.insert((parts[0].clone(), col.clone()), parts[i].clone());
                }
            }
        }
    }
    cells
}

/// Northwind, parsed with toml for cross-checking the documents against the model.
fn northwind_model() -> toml::Table {
    raw_model(&example("northwind"))
}

fn strs(v: &toml::Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(|x| x.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn northwind_bundle_holds_every_document_with_the_model_content() {
    let (_out, dir) = build(&example("northwind"), "2026-01-31");
    assert!(dir.ends_with("northwind-evidence-2026-01-31"), "{dir:?}");
    let model = northwind_model();
    let people: BTreeMap<String, String> = model["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();

    let policy = markdown_text(&read(&dir, "policy.md"));
    for doc in [
        "README.md",
        "raci-matrix.md",
        "signatures/policy-approval.md",
        "signatures/all-staff-acknowledgement.md",
    ] {
        assert!(dir.join(doc).is_file(), "{doc} missing");
    }
    for role in model["roles"].as_array().unwrap() {
        let id = role["id"].as_str().unwrap();
        let name = role["name"].as_str().unwrap();
        assert!(policy.contains(name), "policy lacks role {name}");
        let desc = markdown_text(&read(&dir, &format!("roles/{id}.md")));
        assert!(desc.contains(name), "roles/{id}.md lacks its name");
        for r in strs(role, "responsibilities")
            .iter()
            .chain(&strs(role, "authorities"))
        {
            assert!(desc.contains(r.as_str()), "roles/{id}.md lacks {r:?}");
            assert!(policy.contains(r.as_str()), "policy lacks {r:?}");
        }
        for h in strs(role, "holders") {
            let person = &people[&h];
            assert!(
                desc.contains(person.as_str()),
                "roles/{id}.md lacks holder {person}"
            );
            let sheet_path = format!("signatures/{id}--{h}.md");
            let sheet = read(&dir, &sheet_path);
            let digest = sha256(read(&dir, &format!("roles/{id}.md")).as_bytes());
            assert!(
                sheet.contains(&digest),
                "{sheet_path} lacks the role digest {digest}"
            );
            assert!(
                sheet.contains(&digest[..12]),
                "{sheet_path} lacks the short digest"
            );
            assert!(
                markdown_text(&sheet).contains(person.as_str()),
                "{sheet_path} lacks the appointee"
            );
        }
    }
    // Every active member of staff signs the acknowledgement; the leaver does not,
    // nor the external DPO (issue 12: a person of a party acknowledges by party).
    let ack = markdown_text(&read(&dir, "signatures/all-staff-acknowledgement.md"));
    for p in model["people"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        assert_eq!(
            ack.contains(name),
            p.get("left").is_none() && p.get("party").is_none(),
            "acknowledgement and {name}"
        );
    }
    assert!(
        model["people"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.get("party").is_some())
    );
}

#[test]
fn every_raci_letter_is_in_its_cell() {
    let (_out, dir) = build(&example("northwind"), "2026-01-31");
    let model = northwind_model();
    let cells = raci_cells(&read(&dir, "raci-matrix.md"));
    let short: BTreeMap<String, String> = model["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = r["name"].as_str().unwrap();
            let s = r.get("short-name").and_then(|s| s.as_str()).unwrap_or(name);
            (r["id"].as_str().unwrap().to_string(), s.to_string())
        })
        .collect();
    let mut checked = 0;
    for a in model["activities"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap().to_string();
        let acc = a["accountable"].as_str().unwrap();
        let resp = strs(a, "responsible");
        for (id, col) in &short {
            let expected = if id == acc && resp.contains(id) {
                "A/R"
            } else if id == acc {
                "A"
            } else if resp.contains(id) {
                "R"
            } else if strs(a, "consulted").contains(id) {
                "C"
            } else if strs(a, "informed").contains(id) {
                "I"
            } else {
                ""
            };
            let got = cells
                .get(&(name.clone(), col.clone()))
                .unwrap_or_else(|| panic!("no cell {name} x {col}"));
            assert_eq!(got, expected, "cell {name} x {col}");
            checked += 1;
        }
    }
    assert!(checked >= 25 * 12, "only {checked} cells checked");
}

#[test]
fn manifest_and_sha256sums_cover_every_file() {
    let (_out, dir) = build(&example("northwind"), "2026-01-31");
    let sums = read(&dir, "SHA256SUMS");
    let mut listed = 0;
    for line in sums.lines() {
        let (hash, path) = line.split_once("  ").expect("sha256sum format");
        let bytes = std::fs::read(dir.join(path)).unwrap();
        assert_eq!(sha256(&bytes), hash, "{path}");
        listed += 1;
    }
    let on_disk = files_below(&dir);
    assert_eq!(
        listed + 1,
        on_disk.len(),
        "SHA256SUMS lists every file but itself"
    );

    let manifest: serde_json::Value = serde_json::from_str(&read(&dir, "manifest.json")).unwrap();
    assert_eq!(manifest["bundle-date"], "2026-01-31");
    assert_eq!(manifest["tool"], "rolecall");
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(
        files.len() + 2,
        on_disk.len(),
        "manifest lists every file but itself and SHA256SUMS"
    );
    for f in files {
        let bytes = std::fs::read(dir.join(f["path"].as_str().unwrap())).unwrap();
        assert_eq!(f["sha256"].as_str().unwrap(), sha256(&bytes));
        assert_eq!(f["size"].as_u64().unwrap(), bytes.len() as u64);
    }
    // The model digest is the SHA-256 of the model/ lines of SHA256SUMS.
    let model_lines: String = sums
        .lines()
        .filter(|l| l.contains("  model/"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(model_lines.contains("model/roles/01-top-management.toml"));
    assert_eq!(
        manifest["model-digest"].as_str().unwrap(),
        sha256(model_lines.as_bytes())
    );
    assert!(read(&dir, "README.md").contains(manifest["model-digest"].as_str().unwrap()));

    // Every signature sheet is listed with the document it binds, and prints
    // that document's digest.
    let sheets = manifest["signature-sheets"].as_array().unwrap();
    let on_disk_sheets = on_disk
        .iter()
        .filter(|p| {
            p.strip_prefix(&dir).unwrap().starts_with("signatures")
                && p.extension().is_some_and(|e| e == "md")
                && !p.ends_with("signatures/register.md")
        })
        .count();
    assert_eq!(sheets.len(), on_disk_sheets);
    for s in sheets {
        let sheet = read(&dir, s["path"].as_str().unwrap());
        let digest = s["digest"].as_str().unwrap();
        let document = std::fs::read(dir.join(s["document"].as_str().unwrap())).unwrap();
        assert_eq!(sha256(&document), digest, "{s}");
        assert!(sheet.contains(&digest[..12]), "{s} prints its digest");
    }
    let ids: Vec<&str> = sheets
        .iter()
        .map(|s| s["sheet"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"role/isms-manager/kwame"), "{ids:?}");
    assert!(ids.contains(&"policy-approval"));
    assert!(ids.contains(&"all-staff"));
}

#[test]
fn zip_is_byte_for_byte_reproducible_and_matches_the_directory() {
    let (out1, dir1) = build(&example("northwind"), "2026-01-31");
    let (out2, _dir2) = build(&example("northwind"), "2026-01-31");
    let zip1 = std::fs::read(out1.path().join("northwind-evidence-2026-01-31.zip")).unwrap();
    let zip2 = std::fs::read(out2.path().join("northwind-evidence-2026-01-31.zip")).unwrap();
    assert_eq!(sha256(&zip1), sha256(&zip2));

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip1)).unwrap();
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_string();
        let rel = name
            .strip_prefix("northwind-evidence-2026-01-31/")
            .expect("entries under the bundle folder");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, std::fs::read(dir1.join(rel)).unwrap(), "{rel}");
        let t = entry.last_modified().unwrap();
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour()),
            (2026, 1, 31, 0),
            "{rel}"
        );
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o644), "{rel}");
        names.push(name);
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "zip entries are sorted");
    assert_eq!(names.len(), files_below(&dir1).len());
}

#[test]
fn documents_do_not_depend_on_the_bundle_date() {
    let (_a, dir_a) = build(&example("northwind"), "2026-01-31");
    let (_b, dir_b) = build(&example("northwind"), "2026-02-27");
    for path in files_below(&dir_a) {
        let rel = path
            .strip_prefix(&dir_a)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // PDFs carry the bundle date as their creation date (metadata only); their
        // text is checked in the pdf module. The XLSX and OSCAL exports carry it as
        // creation date and `last-modified` (checked in the export module).
        if rel == "README.md"
            || rel == "README.html"
            || rel == "index.html"
            || rel == "manifest.json"
            || rel == "SHA256SUMS"
            || rel.ends_with(".pdf")
            || rel == "raci-matrix.xlsx"
            || rel == "oscal/component-definition.json"
        {
            continue;
        }
        let a = std::fs::read_to_string(&path).unwrap();
        assert!(
            !a.contains("2026-01-31") && !a.contains("31 January 2026"),
            "{rel} holds the bundle date"
        );
        assert_eq!(
            a,
            std::fs::read_to_string(dir_b.join(&rel)).unwrap(),
            "{rel} changed with the bundle date"
        );
    }
    assert!(read(&dir_a, "README.md").contains("31 January 2026"));
}

#[test]
fn hostile_text_comes_out_literally_in_markdown() {
    let (_out, dir) = build(&fixture("valid/hostile"), "2026-11-23");
    let policy = markdown_text(&read(&dir, "policy.md"));
    for s in [
        "*Bob* <b>_x_</b> #1 [a](b) & Co | Ltd",
        "*Bob* <b>_x_</b> #1 [a](b)",
        "# Kim [link](http://evil.example) ![img](x.png)",
        "<script>alert(1)</script> &amp; &#35;",
        "Chief #strong[Executive] Officer",
        "Approve `policy` #1 & [x]",
        "> quoted? no",
        "1986. A great year",
        "| pipes | in | a | table | and ~~strike~~",
        "#read(\"/etc/passwd\") $x^2$ @label <label> // not a comment /* nor this */ = not a heading - not a list",
    ] {
        assert!(
            policy.contains(s),
            "policy does not show {s:?} literally:\n{policy}"
        );
    }
    let raci = raci_cells(&read(&dir, "raci-matrix.md"));
    assert_eq!(
        raci[&("Audit the *ISMS* | yearly".to_string(), "C*E*O".to_string())],
        "A"
    );
    assert_eq!(
        raci[&(
            "Assess [risks](http://x) `now`".to_string(),
            "ISMS _Manager_ //".to_string()
        )],
        "A/R"
    );
}

#[test]
fn a_failing_build_leaves_the_previous_bundle_untouched() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let ok = rolecall(&[
        "build",
        example("minimal").to_str().unwrap(),
        "--date",
        "2026-11-23",
        "-o",
        o,
        "--quiet",
    ]);
    assert_eq!(ok.code, 0, "{}", ok.all());
    let dir = PathBuf::from(ok.stdout.trim());
    let before = std::fs::read(dir.join("SHA256SUMS")).unwrap();
    let zip = out.path().join("example-evidence-2026-11-23.zip");
    let zip_before = std::fs::read(&zip).unwrap();

    // Same organisation, same date, but invalid: the build must refuse and touch nothing.
    let broken = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    std::fs::write(
        broken.path().join("model.toml"),
        text.replace("holders = [\"sam\"]", "holders = [\"nobody\"]"),
    )
    .unwrap();
    let bad = rolecall(&[
        "build",
        broken.path().to_str().unwrap(),
        "--date",
        "2026-11-23",
        "-o",
        o,
    ]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("error[RC012]"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("no bundle was written"),
        "{}",
        bad.stderr
    );
    assert_eq!(std::fs::read(dir.join("SHA256SUMS")).unwrap(), before);
    assert_eq!(std::fs::read(&zip).unwrap(), zip_before);
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|name| name != ".rolecall-cache")
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the bundle, its zip and the PDF cache: {leftovers:?}"
    );
}

#[test]
fn an_issued_bundle_is_never_replaced_under_its_name() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let model = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    std::fs::write(model.path().join("model.toml"), &text).unwrap();
    let m = model.path().to_str().unwrap();
    let build = |extra: &[&str]| {
        let mut args = vec![
            "build",
            m,
            "--date",
            "2026-11-23",
            "-o",
            o,
            "--format",
            "md",
        ];
        args.extend_from_slice(extra);
        rolecall(&args)
    };
    assert_eq!(build(&[]).code, 0);
    let dir = out.path().join("example-evidence-2026-11-23");
    let zip = dir.with_extension("zip");
    let issued = (snapshot(&dir), std::fs::read(&zip).unwrap());

    // The same model again: the same bytes, nothing to do.
    let again = build(&[]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        again.stdout,
        format!(
            "nothing to do: `{}` and its zip already hold this bundle\n",
            dir.display()
        )
    );
    assert_eq!((snapshot(&dir), std::fs::read(&zip).unwrap()), issued);

    // A changed model with the same date: refused, and the bundle stays as issued.
    std::fs::write(
        model.path().join("model.toml"),
        text.replacen("scope = \"\"\"", "scope = \"\"\"Changed. ", 1),
    )
    .unwrap();
    let refused = build(&[]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert_eq!(
        refused.stderr,
        format!(
            "error: `{}` and `{}` already hold a different bundle of this name and date (an issued bundle must not change under its name)\nhint: to issue a new bundle, build it for another date (--date); to replace this one (it was never handed out), pass --force\n",
            dir.display(),
            zip.display()
        )
    );
    assert_eq!((snapshot(&dir), std::fs::read(&zip).unwrap()), issued);
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".rolecall-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Never over its own --previous input, even with --force.
    for previous in [&dir, &zip] {
        let p = previous.to_str().unwrap();
        let run = build(&["--previous", p, "--force"]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stderr.starts_with(&format!(
                "error: this build would write over `{}`, its own --previous input",
                previous.display()
            )),
            "{}",
            run.stderr
        );
        assert_eq!((snapshot(&dir), std::fs::read(&zip).unwrap()), issued);
    }

    // --force replaces it, directory and zip together.
    let forced = build(&["--force"]);
    assert_eq!(forced.code, 0, "{}", forced.all());
    assert!(read(&dir, "policy.md").contains("Changed. "));
    assert_ne!(std::fs::read(&zip).unwrap(), issued.1);
    assert_eq!(rolecall(&["verify", zip.to_str().unwrap()]).code, 0);
}

#[test]
fn templates_can_be_ejected_and_overridden_file_by_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("tpl");
    let run = rolecall(&["templates", "eject", t.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(t.join("policy.md").is_file() && t.join("role.md").is_file());
    // Ejecting again refuses to overwrite.
    assert_eq!(
        rolecall(&["templates", "eject", t.to_str().unwrap()]).code,
        1
    );

    let only = dir.path().join("only");
    std::fs::create_dir(&only).unwrap();
    std::fs::write(
        only.join("raci-matrix.md"),
        "# Our matrix for {{ org.name }}\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = rolecall(&[
        "build",
        example("minimal").to_str().unwrap(),
        "--date",
        "2026-11-23",
        "-o",
        out.to_str().unwrap(),
        "--templates",
        only.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    let b = PathBuf::from(run.stdout.trim());
    assert_eq!(
        read(&b, "raci-matrix.md"),
        "# Our matrix for Example Widgets Ltd\n"
    );
    assert!(
        read(&b, "policy.md").contains("## Document control"),
        "built-in policy still used"
    );
}

/// The Northwind bundle's zip (Markdown, web pages, exports, model copy, manifest), at a
/// fixed date: any change to any of its bytes fails here, so that every change of the
/// documents is deliberate (issue 9: the redesign kept English bundles byte-identical).
/// After a deliberate change, look at `git diff` of a bundle built before and after, say
/// what changed in the commit message, and put the new digest here.
const NORTHWIND_ZIP_SHA256: &str =
    "b72f71bc2739d933a60b5337f2362bdcbd2ac80d2f1c0cd97a597c84fb4e7f66";

#[test]
fn the_northwind_zip_changes_only_deliberately() {
    let (_tmp, dir) = build_bundle(&example("northwind"), "2026-11-23", &["--format", "md"]);
    let zip = dir.with_extension("zip");
    assert_eq!(sha256(&std::fs::read(&zip).unwrap()), NORTHWIND_ZIP_SHA256);
}

/// Model v1 stays as it was (issue 12): `examples/northwind` and `examples/minimal` as they
/// were before model v2, kept as fixtures, build the bundles they built then, byte for byte
/// (the first digest is the one `the_northwind_zip_changes_only_deliberately` pinned before
/// Northwind took up the v2 tables). Their documents keep their digests, so that signatures
/// recorded for them stay current. Since issue 14's print work the signature sheets differ
/// (one-row signature tables with a place field, plain digest notes, the duties on an
/// assignment sheet): no signature binds a sheet's own text, and every other file is as it was.
/// Since the web pages give a table column's alignment as a class of its cells rather than an
/// inline style (the 300-role matrix's page went from 6.7 MB to 1.8 MB), every `.html` differs
/// too, and with them the manifest and `SHA256SUMS`; every Markdown file is as it was.
const V1_ZIPS: &[(&str, &str)] = &[
    (
        "valid/northwind-v1",
        "b188b21e4588f586288bb3cb9c4f8773bbc6e5bfa9b697e42d6e586513e6c4ba",
    ),
    (
        "valid/model-v1",
        "0329162b154a4d28eb4d841d2cf831503d6f1ff763ec2c232a6656017a941650",
    ),
];

#[test]
fn v1_models_build_the_bundles_they_built_before_model_v2() {
    for (model, digest) in V1_ZIPS {
        let (_tmp, dir) = build_bundle(&fixture(model), "2026-11-23", &["--format", "md"]);
        let zip = dir.with_extension("zip");
        assert_eq!(sha256(&std::fs::read(&zip).unwrap()), *digest, "{model}");
    }
}

/// Issue 12: Northwind uses every table of model v2 (a hosting provider, the payroll
/// provider of its scope and an external DPO as parties, competences with evidence, a
/// Statement of Applicability of at least 20 controls, one accepted exception), checks
/// clean with `--deny-warnings` and builds without a warning, with both new documents.
#[test]
fn northwind_uses_model_v2_and_builds_clean_with_deny_warnings() {
    let model = example("northwind");
    let m = raw_model(&model);
    let list = |k: &str| {
        m.get(k)
            .and_then(|v| v.as_array())
            .cloned()
            .unwrap_or_default()
    };
    let parties: Vec<String> = list("parties")
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(parties, ["aws", "payroll", "harbour-privacy"]);
    let people = list("people");
    assert!(
        people
            .iter()
            .any(|p| p.get("party").and_then(|v| v.as_str()) == Some("harbour-privacy")),
        "the DPO is a person of the DPO party"
    );
    assert!(
        people
            .iter()
            .filter(|p| p.get("evidence").is_some())
            .count()
            >= 5
    );
    assert!(!list("competences").is_empty());
    let controls = list("controls");
    assert!(controls.len() >= 20, "{} controls", controls.len());
    assert!(
        controls
            .iter()
            .any(|c| c.get("applicable").and_then(|v| v.as_bool()) == Some(false))
    );
    assert_eq!(list("exceptions").len(), 1);

    let model_arg = model.to_str().unwrap();
    for date in ["2026-01-31", "2026-11-23"] {
        let run = rolecall(&["check", model_arg, "--date", date, "--deny-warnings"]);
        assert_eq!(run.code, 0, "{date}: {}", run.all());
    }
    let out = tempfile::tempdir().unwrap();
    let run = rolecall(&[
        "build",
        model_arg,
        "--date",
        "2026-11-23",
        "--format",
        "md",
        "-o",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!run.all().contains("warning"), "{}", run.all());
    let dir = out.path().join("northwind-evidence-2026-11-23");
    let register = read(&dir, "competence-register.md");
    assert!(
        register.contains("| Information Security Manager | Kwame Mensah |"),
        "{register}"
    );
    let controls_md = read(&dir, "control-ownership.md");
    assert!(
        controls_md.contains(
            "| A.8.30 | Development done by others | Northwind develops all its software in house"
        ),
        "the excluded control with its justification: {controls_md}"
    );
    // The policy's segregation section names who audits and the accepted exception.
    let policy = read(&dir, "policy.md");
    let segregation = policy
        .split("\n## ")
        .find(|s| s.contains("independence rules"))
        .expect("a segregation section with the independence rules");
    assert!(
        segregation.contains("Internal audit is performed by: Internal Auditor (Margaret Ellison)"),
        "{segregation}"
    );
    assert!(
        segregation.contains("| Margaret Ellison | is responsible or accountable for: Commission the yearly external penetration test"),
        "{segregation}"
    );
}
