//! PDFs: text extracted from every PDF holds the content of its Markdown twin.

use std::path::{Path, PathBuf};

use crate::support::{build_bundle, example, files_below, fixture, read, rolecall};

/// Builds `model` with PDFs as of `date`; returns the temp dir and the bundle dir.
fn build_pdf(model: &Path, date: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    build_bundle(model, date, extra)
}

/// The text of a PDF, whitespace collapsed so that line breaks do not matter.
pub(crate) fn pdf_text(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = pdf_extract::extract_text_from_mem(&bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    squash(&text)
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The PDF's pages, as (width, height) in points.
fn pages(path: &Path) -> Vec<(f32, f32)> {
    let doc = lopdf::Document::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc.get_pages()
        .values()
        .map(|&id| {
            let page = doc.get_dictionary(id).unwrap();
            let mb = page.get(b"MediaBox").unwrap().as_array().unwrap();
            let num = |o: &lopdf::Object| {
                o.as_float()
                    .or_else(|_| o.as_i64().map(|i| i as f32))
                    .unwrap()
            };
            (num(&mb[2]) - num(&mb[0]), num(&mb[3]) - num(&mb[1]))
        })
        .collect()
}

#[test]
fn every_markdown_document_has_a_pdf_with_its_text() {
    let (_out, dir) = build_pdf(&example("northwind"), "2026-01-31", &[]);
    let mut checked = 0;
    for entry in files_below(&dir) {
        let rel = entry
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !rel.ends_with(".md") || rel == "README.md" {
            continue;
        }
        let pdf = dir.join(rel.replace(".md", ".pdf"));
        assert!(pdf.is_file(), "no PDF beside {rel}");
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{rel}");
        let text = pdf_text(&pdf);
        // Every heading of the Markdown appears in the PDF.
        for line in read(&dir, &rel).lines().filter(|l| l.starts_with('#')) {
            let heading = squash(line.trim_start_matches('#').trim());
            assert!(
                text.contains(&heading),
                "{rel}: PDF lacks heading {heading:?}"
            );
        }
        checked += 1;
    }
    assert!(checked > 30, "only {checked} PDFs checked");
}

#[test]
fn pdfs_hold_roles_holders_responsibilities_and_digests() {
    let (_out, dir) = build_pdf(&example("minimal"), "2026-11-23", &[]);
    let policy = pdf_text(&dir.join("policy.pdf"));
    for s in [
        "Information Security Manager",
        "Sam Okoye",
        "Run the risk assessment and keep the risk register",
        "Managing Director",
        "Alex Morgan",
        "Contents",
        "Page 1 of",
    ] {
        assert!(policy.contains(s), "policy.pdf lacks {s:?}");
    }
    let role = pdf_text(&dir.join("roles/isms-manager.pdf"));
    assert!(role.contains("Coordinate the response to security incidents"));
    let sheet_md = read(&dir, "signatures/isms-manager--sam.md");
    let digest = sheet_md.split('`').nth(1).unwrap().to_string();
    assert_eq!(digest.len(), 64);
    let sheet = pdf_text(&dir.join("signatures/isms-manager--sam.pdf"));
    assert!(sheet.contains(&digest), "sheet PDF lacks the full digest");
    assert!(sheet.contains(&digest[..12]));
    assert!(sheet.contains("Sam Okoye") && sheet.contains("Alex Morgan"));
    assert_eq!(
        pages(&dir.join("signatures/isms-manager--sam.pdf")).len(),
        1,
        "a signature sheet is one page"
    );
    let policy_pages = pages(&dir.join("policy.pdf"));
    assert!(
        (3..=12).contains(&policy_pages.len()),
        "policy has {} pages",
        policy_pages.len()
    );
    assert!(policy.contains(&format!("Page 1 of {}", policy_pages.len())));
    let (w, h) = policy_pages[0];
    assert!(
        (w - 595.3).abs() < 1.0 && (h - 841.9).abs() < 1.0,
        "policy is not A4: {w}x{h}"
    );
    let raci = pdf_text(&dir.join("raci-matrix.pdf"));
    for s in ["Carry out the internal audit", "A/R", "ISM", "Auditor"] {
        assert!(raci.contains(s), "raci-matrix.pdf lacks {s:?}");
    }
}

#[test]
fn hostile_text_is_printed_literally_in_pdfs() {
    let (_out, dir) = build_pdf(&fixture("valid/hostile"), "2026-11-23", &[]);
    let policy = pdf_text(&dir.join("policy.pdf"));
    for s in [
        "*Bob* <b>_x_</b> #1 [a](b)",
        "Chief #strong[Executive] Officer",
        "#read(\"/etc/passwd\") $x^2$ @label <label> // not a comment /* nor this */",
        "Approve `policy` #1 & [x]",
        "ISMS _Manager_ //",
        "Zoë Ångström-Ñúñez",
        "<script>alert(1)</script> &amp; &#35;",
        "# Kim [link](http://evil.example) ![img](x.png)",
    ] {
        assert!(
            policy.contains(s),
            "policy.pdf does not show {s:?} literally"
        );
    }
    let raci = pdf_text(&dir.join("raci-matrix.pdf"));
    assert!(raci.contains("Audit the *ISMS* | yearly"));
    assert!(raci.contains("C*E*O"));
}

#[test]
fn pdfs_and_zip_are_reproducible_and_both_engines_agree_on_text() {
    let (a, dir_a) = build_pdf(&example("minimal"), "2026-11-23", &[]);
    let (b, _) = build_pdf(&example("minimal"), "2026-11-23", &[]);
    let zip = |d: &tempfile::TempDir| {
        std::fs::read(d.path().join("example-evidence-2026-11-23.zip")).unwrap()
    };
    assert!(
        zip(&a) == zip(&b),
        "zips with PDFs differ between two builds"
    );
    let (_c, dir_c) = build_pdf(
        &example("minimal"),
        "2026-11-23",
        &["--pdf-engine", "per-document", "--jobs", "2"],
    );
    for doc in ["policy.pdf", "raci-matrix.pdf", "signatures/ceo--alex.pdf"] {
        assert_eq!(
            pdf_text(&dir_a.join(doc)),
            pdf_text(&dir_c.join(doc)),
            "{doc}"
        );
    }
}

#[test]
fn markdown_only_builds_need_no_typst_and_missing_typst_is_explained() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let md = rolecall(&[
        "build",
        example("minimal").to_str().unwrap(),
        "--date",
        "2026-11-23",
        "-o",
        o,
        "--format",
        "md",
        "--typst",
        "/nonexistent/typst",
        "--quiet",
    ]);
    assert_eq!(md.code, 0, "{}", md.all());
    assert!(!PathBuf::from(md.stdout.trim()).join("policy.pdf").exists());
    let missing = rolecall(&[
        "build",
        example("minimal").to_str().unwrap(),
        "--date",
        "2026-11-23",
        "-o",
        o,
        "--typst",
        "/nonexistent/typst",
    ]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("typst not found"),
        "{}",
        missing.stderr
    );
    assert!(
        missing
            .stderr
            .contains("cargo install typst-cli --locked --version 0.15.1"),
        "{}",
        missing.stderr
    );
}

#[test]
fn us_letter_and_landscape_raci() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    let model = dir.path().join("model.toml");
    std::fs::write(
        &model,
        text.replacen(
            "[organisation]\n",
            "[organisation]\npaper = \"us-letter\"\n",
            1,
        ),
    )
    .unwrap();
    let (_out, b) = build_pdf(&model, "2026-11-23", &[]);
    assert_eq!(
        pages(&b.join("policy.pdf"))[0],
        (612.0, 792.0),
        "policy is not US Letter"
    );
    assert_eq!(
        pages(&b.join("raci-matrix.pdf"))[0],
        (792.0, 612.0),
        "RACI matrix is not landscape US Letter"
    );
}

#[test]
fn cjk_and_arabic_names_need_a_font_and_render_with_one() {
    let model = fixture("valid/scripts");
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    // typst's embedded fonts lack CJK: the build must refuse, naming the text and the character.
    let run = rolecall(&[
        "build",
        model.to_str().unwrap(),
        "--date",
        "2026-11-23",
        "-o",
        o,
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("'张' (U+5F20)"), "{}", run.stderr);
    assert!(run.stderr.contains("张伟 (Zhang Wei)"), "{}", run.stderr);
    assert!(run.stderr.contains("fonts/ folder"), "{}", run.stderr);
    assert!(
        std::fs::read_dir(out.path())
            .unwrap()
            .flatten()
            .all(|e| !e.path().join("policy.md").exists()),
        "no bundle may be written"
    );

    let fonts = crate::support::root().join("tests/fonts");
    let (_out, dir) = build_pdf(
        &model,
        "2026-11-23",
        &["--font-path", fonts.to_str().unwrap()],
    );
    // pdf-extract cannot decode CFF-based CJK text, so check the Latin part of the
    // name in the text and that the PDF embeds (and so draws with) both test fonts.
    let policy = pdf_text(&dir.join("policy.pdf"));
    assert!(
        policy.contains("Information Security Manager"),
        "policy.pdf lacks its text"
    );
    let embedded = base_fonts(&dir.join("policy.pdf"));
    for family in ["NotoSansCJKsc", "NotoSansArabic"] {
        assert!(
            embedded.iter().any(|f| f.contains(family)),
            "policy.pdf does not embed {family}: {embedded:?}"
        );
    }
    let manifest: serde_json::Value = serde_json::from_str(&read(&dir, "manifest.json")).unwrap();
    let used: Vec<&str> = manifest["fonts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(
        used.contains(&"Noto Sans CJK SC"),
        "manifest fonts: {used:?}"
    );
}

/// The `/BaseFont` names of every font in a PDF.
fn base_fonts(path: &Path) -> Vec<String> {
    let doc = lopdf::Document::load(path).unwrap();
    doc.objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter_map(|d| d.get(b"BaseFont").ok().and_then(|n| n.as_name().ok()))
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

#[test]
fn a_forty_role_matrix_splits_into_landscape_parts_holding_every_activity() {
    // examples/minimal (4 roles) plus 36 roles and 145 activities: 40 x 150.
    let mut model = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    for r in 0..36 {
        model.push_str(&format!(
            "\n[[roles]]\nid = \"extra-{r:02}\"\nname = \"Extra role {r:02}\"\nshort-name = \"X{r:02}\"\n\
             holders = [\"jo\"]\npurpose = \"Extra.\"\nresponsibilities = [\"Work\"]\nauthorities = [\"Decide\"]\n"
        ));
    }
    for a in 0..145 {
        model.push_str(&format!(
            "\n[[activities]]\nid = \"act-{a:03}\"\nname = \"Generated activity {a:03}\"\n\
             responsible = [\"extra-{:02}\"]\naccountable = \"extra-{:02}\"\n",
            a % 36,
            (a * 7 + 3) % 36
        ));
    }
    // One role both accountable and responsible: "A/R" in a 0.9 cm column.
    model.push_str(
        "\n[[activities]]\nid = \"both\"\nname = \"Both at once\"\n\
         responsible = [\"extra-05\"]\naccountable = \"extra-05\"\n",
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.toml"), &model).unwrap();
    let (_out, bundle) = build_pdf(dir.path(), "2026-11-23", &[]);
    let pdf = bundle.join("raci-matrix.pdf");
    let text = pdf_text(&pdf);
    // Issue 14: "A/R" wrapped onto two lines in its column; now the legend's and
    // both cells' (this one and minimal's internal audit) read back whole.
    assert_eq!(text.matches("A/R").count(), 3, "{text}");
    assert!(text.contains("Matrix, part 1 of 2"), "{text}");
    assert!(text.contains("Matrix, part 2 of 2"), "{text}");
    for a in 0..145 {
        assert!(
            text.contains(&format!("Generated activity {a:03}")),
            "activity {a} missing"
        );
    }
    for r in 0..36 {
        assert!(
            text.contains(&format!("X{r:02}")),
            "column head X{r:02} missing"
        );
    }
    // Every page is landscape, and leaving out rows that are empty in a part
    // keeps the matrix short: 150 activities in two parts, a few pages each.
    let sizes = pages(&pdf);
    assert!(sizes.iter().all(|(w, h)| w > h), "{sizes:?}");
    assert!((3..=16).contains(&sizes.len()), "{} pages", sizes.len());
    // The Markdown twin has every activity and every letter.
    let md = read(&bundle, "raci-matrix.md");
    assert_eq!(md.matches("| Generated activity").count(), 145);
}

/// Issue 14: every page of a signature sheet says what is signed (the all-staff
/// acknowledgement had the policy's id and digest on page 1 of 4 only), and a
/// field to sign in has room for a wet signature (it was about 1 cm high).
#[test]
fn every_page_of_a_sheet_names_what_it_signs_and_fields_are_two_centimetres_high() {
    let (out, dir) = build_pdf(&example("northwind"), "2026-11-23", &["--keep-sources"]);
    let ack_md = read(&dir, "signatures/all-staff-acknowledgement.md");
    let short = ack_md.split('`').nth(1).unwrap().to_string();
    assert_eq!(short.len(), 12, "{ack_md}");
    let bytes = std::fs::read(dir.join("signatures/all-staff-acknowledgement.pdf")).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    assert!(
        pages.len() >= 2,
        "the Northwind sheet has {} pages",
        pages.len()
    );
    for (n, page) in pages.iter().enumerate() {
        let page = squash(page);
        // The acknowledgement binds what all staff read (ISMS-POL-05/staff).
        for s in ["ISMS-POL-05/staff version 3.0", &short] {
            assert!(page.contains(s), "page {} lacks {s:?}:\n{page}", n + 1);
        }
    }
    // The heights of the fields as typst lays out the kept source of a sheet;
    // every empty cell of its two tables (place and date, signature) is one
    // (the ISMS manager's: top management assigns, and the appointee accepts).
    let sources = out.path().join(format!(
        "{}.typst",
        dir.file_name().unwrap().to_str().unwrap()
    ));
    let run = std::process::Command::new("typst")
        .current_dir(&sources)
        .args([
            "eval",
            "--root",
            ".",
            "--in",
            "docs/signatures/isms-manager--kwame.typ",
        ])
        .arg("query(<rolecall-signing-field>).map(it => it.height.length.cm())")
        .output()
        .expect("typst 0.15 on PATH (`make test` installs it)");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let heights: Vec<f64> = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(heights.len(), 4, "{heights:?}");
    assert!(heights.iter().all(|&h| h >= 2.0), "{heights:?}");
    let sheet = pdf_text(&dir.join("signatures/ceo--amara.pdf"));
    for s in [
        "Place, date",
        "Signature",
        "fingerprint",
        "Responsibilities:",
        "Authorities:",
    ] {
        assert!(sheet.contains(s), "the CEO's sheet lacks {s:?}:\n{sheet}");
    }
    assert!(!sheet.contains("SHA-256 of the role description's Markdown"));
}

/// Issue 14: an all-staff role, which has no authorities of its own, shows no
/// empty "Authorities" section.
#[test]
fn an_all_staff_role_without_authorities_prints_no_empty_section() {
    let work = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    let line = "authorities = [\"Refuse any request that would breach the policy\"]\n";
    assert!(text.contains(line));
    std::fs::write(work.path().join("model.toml"), text.replace(line, "")).unwrap();
    let (_out, dir) = build_pdf(work.path(), "2026-11-23", &[]);
    let md = read(&dir, "roles/all-staff.md");
    assert!(
        md.contains("Follow the information security policy"),
        "{md}"
    );
    assert!(!md.contains("None defined"), "{md}");
    let pdf = pdf_text(&dir.join("roles/all-staff.pdf"));
    assert!(!pdf.contains("None defined"), "{pdf}");
    // Nor what all staff read, which holds the all-staff role too.
    let staff = read(&dir, "policy-for-staff.md");
    assert!(
        staff.contains("Follow the information security policy"),
        "{staff}"
    );
    assert!(!staff.contains("None defined"), "{staff}");
}

/// Issue 14: Northwind's matrix left page 1 two-thirds empty (the matrix always
/// started a page); a one-part matrix now follows the list of roles.
#[test]
fn a_one_part_matrix_starts_on_the_first_page() {
    let (_out, dir) = build_pdf(&example("northwind"), "2026-11-23", &[]);
    let bytes = std::fs::read(dir.join("raci-matrix.pdf")).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    let first = squash(&pages[0]);
    for s in ["Roles", "Matrix", "Determine the context"] {
        assert!(first.contains(s), "page 1 lacks {s:?}:\n{first}");
    }
}

/// Issue 14: paths, addresses and ids are never hyphenated (changes.pdf printed
/// "asset-owner-produc-tion--nils.md"). A justified paragraph of them, many at a
/// line's end, reads back from the PDF whole: no soft hyphen inserted (a line
/// may break after a `/` or a `-` of the name, which inserts no character).
#[test]
fn paths_ids_and_addresses_are_never_hyphenated_in_pdfs() {
    let words = [
        "signatures/asset-owner-production--nils.md",
        "roles/information-classification.md",
        "records/documentation-administration.md",
        "security@northwind-production.example",
        "exports/responsibilities_matrix.csv",
    ];
    let list: Vec<&str> = (0..30).map(|i| words[i % words.len()]).collect();
    let text = std::fs::read_to_string(example("minimal").join("model.toml")).unwrap();
    let purpose = "purpose = \"Everyone protects the information entrusted to the company.\"";
    assert!(text.contains(purpose));
    let work = tempfile::tempdir().unwrap();
    let model = text.replace(
        purpose,
        &format!("purpose = \"Keeps {} current.\"", list.join(", ")),
    );
    std::fs::write(work.path().join("model.toml"), model).unwrap();
    let (_out, dir) = build_pdf(work.path(), "2026-11-23", &[]);
    let bytes = std::fs::read(dir.join("roles/all-staff.pdf")).unwrap();
    let pdf: String = pdf_extract::extract_text_from_mem(&bytes)
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(!pdf.contains('\u{ad}'), "a hyphen was inserted:\n{pdf}");
    let expected: String = format!("Keeps{}current.", list.join(","));
    assert!(pdf.contains(&expected), "{pdf}");
}

/// Issue 12: a hosting provider and an external DPO, modelled as parties, are in the
/// policy's PDF with their agreement and the role that owns the relationship, and
/// neither they nor their people are on the all-staff acknowledgement.
#[test]
fn parties_are_in_the_policy_pdf_and_not_on_the_all_staff_acknowledgement() {
    let (_out, dir) = build_pdf(&fixture("valid/third-parties"), "2026-11-23", &[]);
    let policy = pdf_text(&dir.join("policy.pdf"));
    for expected in [
        "Third parties",
        "HostCo Managed Services GmbH",
        "Managed hosting of the production platform",
        "MSA-2024-017, DPA annex 3",
        "Owner of the relationship",
        "Chief Technology Officer (Jonas Weber)",
        "Patch hypervisors within 14 days",
        "DPO Services GmbH",
        "DPO service agreement 2025-07",
        "Managing Director (Katrin Vogel)",
        "Dr. Eva Klein",
        // The DPO role is held only by the party's DPO: outsourced, with the agreement.
        "Outsourced to",
    ] {
        assert!(
            policy.contains(expected),
            "policy PDF lacks {expected:?}: {policy}"
        );
    }
    let ack = pdf_text(&dir.join("signatures/all-staff-acknowledgement.pdf"));
    for staff in ["Katrin Vogel", "Jonas Weber", "Lena Schmidt", "Tim Becker"] {
        assert!(ack.contains(staff), "acknowledgement lacks {staff}: {ack}");
    }
    for external in ["Eva Klein", "Piotr Zielinski", "HostCo", "DPO Services"] {
        assert!(
            !ack.contains(external),
            "{external} is on the all-staff acknowledgement: {ack}"
        );
    }
    // The index counts the staff who sign it: four, not six.
    assert!(
        read(&dir, "README.md").contains("Acknowledgement of the policy by all 4 active staff"),
        "{}",
        read(&dir, "README.md")
    );
}
