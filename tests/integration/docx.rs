//! Word documents in the bundle (issue 15): `build --format md,docx` and `export --format docx`.

use std::io::Read as _;

use super::support::{build_bundle, example, files_below, read, rolecall};

/// The text of a .docx file's body: every `w:t` run, paragraphs on lines.
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"w:p" => out.push('\n'),
            quick_xml::events::Event::Text(t) if in_text => {
                out.push_str(&t.xml_content().unwrap());
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    out
}

#[test]
fn every_document_gets_a_word_twin_listed_checked_and_linked() {
    let (_tmp, dir) = build_bundle(
        &example("northwind"),
        "2026-11-23",
        &["--format", "md,docx"],
    );
    let sums = read(&dir, "SHA256SUMS");
    let index = read(&dir, "index.html");
    let mut n = 0;
    for f in files_below(&dir) {
        let rel = f
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some(stem) = rel.strip_suffix(".md") else {
            continue;
        };
        if rel.starts_with("model/") || rel == "README.md" {
            continue;
        }
        let docx = format!("{stem}.docx");
        let bytes = std::fs::read(dir.join(&docx)).unwrap_or_else(|e| panic!("{docx}: {e}"));
        assert!(
            sums.contains(&format!("  {docx}\n")),
            "{docx} not in SHA256SUMS"
        );
        let href = docx.rsplit('/').next().unwrap();
        assert!(index.contains(href), "{docx} not linked from index.html");
        // The Word text holds the Markdown document's title line.
        let md = read(&dir, &rel);
        let title = md
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# ")
            .replace('\\', "");
        assert!(docx_text(&bytes).contains(&title), "{docx} lacks {title:?}");
        n += 1;
    }
    assert!(n > 30, "{n} documents");
    assert!(!dir.join("policy.pdf").exists(), "md,docx holds no PDFs");
    let verify = rolecall(&["verify", dir.to_str().unwrap()]);
    assert_eq!(verify.code, 0, "{}", verify.all());
}

#[test]
fn word_files_are_reproducible_and_match_export() {
    let (_a, one) = build_bundle(
        &example("northwind"),
        "2026-11-23",
        &["--format", "md,docx"],
    );
    let (_b, two) = build_bundle(
        &example("northwind"),
        "2026-11-24",
        &["--format", "md,docx"],
    );
    for rel in ["policy.docx", "raci-matrix.docx", "roles/ceo.docx"] {
        // Same model: the same bytes, whatever the bundle date (a Word file is dated by
        // the policy's effective date, as the PDFs).
        assert_eq!(
            std::fs::read(one.join(rel)).unwrap(),
            std::fs::read(two.join(rel)).unwrap(),
            "{rel}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ceo.docx");
    let run = rolecall(&[
        "export",
        "examples/northwind",
        "--date",
        "2026-11-23",
        "--format",
        "docx",
        "roles/ceo.md",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(one.join("roles/ceo.docx")).unwrap()
    );
    let missing = rolecall(&[
        "export",
        "examples/northwind",
        "--format",
        "docx",
        "roles/nobody.md",
    ]);
    assert_eq!(missing.code, 2, "{}", missing.all());
    assert!(
        missing.stderr.contains("no document `roles/nobody.md`"),
        "{}",
        missing.stderr
    );
}
