//! DOCX tests: every package written is read back with quick-xml (an XML
//! parser independent of the writer) and checked for texts, styles, fields and
//! layout; LibreOffice converts samples to PDF and the text is compared.

use std::collections::BTreeMap;
use std::io::{Cursor, Read as _};

use quick_xml::events::Event;

use super::escape::tests::HOSTILE;
use super::*;

/// The labels of the English locale.
const LABELS: Labels<'static> = Labels {
    version: "version {version}",
    page: "Page {page} of {pages}",
    contents: "Contents",
};

/// Options for a test document of the given layout.
fn options(layout: Layout) -> DocxOptions<'static> {
    DocxOptions {
        title: "Test <Title> & \"more\"",
        org_name: "Org & Co <ltd>",
        doc_id: "DOC-1",
        version: "2.0",
        classification: "Internal",
        paper: Paper::A4,
        lang: "en-GB",
        layout,
        logo: None,
        labels: LABELS,
        date: Date::new(2026, 3, 1).unwrap_or_else(|| unreachable!()),
        reference: None,
    }
}

/// Converts, panicking with the error.
fn convert(markdown: &str, opts: &DocxOptions<'_>) -> Vec<u8> {
    document(markdown, opts).unwrap_or_else(|e| panic!("{e:#} for {markdown:?}"))
}

/// A paragraph as read back.
#[derive(Debug, Clone, Default)]
struct Para {
    /// Its `w:pStyle`, or "".
    style: String,
    /// Its text: `w:t`, `w:tab` as a tab, `w:br` as a newline.
    text: String,
    /// Its `w:numPr` as (ilvl, numId).
    num: Option<(String, String)>,
    /// (table, row, cell) when in a table, counted from 0 in the part.
    cell: Option<(usize, usize, usize)>,
    /// Its `w:jc`.
    jc: String,
}

/// A part read back.
#[derive(Debug, Default)]
struct Read {
    /// Paragraphs in order.
    paragraphs: Vec<Para>,
    /// Field instructions, in order.
    instructions: Vec<String>,
    /// Every element's local name with its attributes, in order (for layout checks).
    elements: Vec<(String, BTreeMap<String, String>)>,
}

impl Read {
    /// The paragraphs of a style.
    fn styled(&self, style: &str) -> Vec<&Para> {
        self.paragraphs
            .iter()
            .filter(|p| p.style == style)
            .collect()
    }

    /// All text, paragraphs on lines.
    fn text(&self) -> String {
        self.paragraphs
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The elements of a local name.
    fn all(&self, name: &str) -> Vec<&BTreeMap<String, String>> {
        self.elements
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, a)| a)
            .collect()
    }
}

/// Parses a WordprocessingML part; panics on anything that is not well-formed.
fn read_part(xml: &[u8]) -> Read {
    let text = std::str::from_utf8(xml).unwrap_or_else(|e| panic!("not UTF-8: {e}"));
    let mut reader = quick_xml::Reader::from_str(text);
    let mut read = Read::default();
    let mut names: Vec<String> = Vec::new();
    let (mut tables, mut table_stack): (usize, Vec<(usize, usize, usize)>) = (0, Vec::new());
    let mut current: Option<Para> = None;
    let mut num = (String::new(), String::new());
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("not well-formed: {e}"));
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
            let attrs: BTreeMap<String, String> = e
                .attributes()
                .map(|a| {
                    let a = a.unwrap_or_else(|e| panic!("bad attribute: {e}"));
                    (
                        String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                        a.decode_and_unescape_value(reader.decoder())
                            .unwrap_or_else(|e| panic!("bad value: {e}"))
                            .into_owned(),
                    )
                })
                .collect();
            let val = attrs.get("val").cloned().unwrap_or_default();
            match name.as_str() {
                "tbl" => {
                    table_stack.push((tables, 0, 0));
                    tables += 1;
                }
                "tr" => {
                    if let Some(t) = table_stack.last_mut() {
                        t.2 = 0;
                    }
                }
                "tc" => {}
                "p" => {
                    current = Some(Para {
                        cell: table_stack.last().map(|t| (t.0, t.1, t.2)),
                        ..Para::default()
                    });
                    if empty {
                        read.paragraphs.extend(current.take());
                    }
                }
                "pStyle" => {
                    if let Some(p) = current.as_mut() {
                        p.style = val;
                    }
                }
                "jc" => {
                    if let Some(p) = current.as_mut() {
                        p.jc = val;
                    }
                }
                "ilvl" => num.0 = val,
                "numId" => {
                    num.1 = val;
                    if let Some(p) = current.as_mut() {
                        p.num = Some(num.clone());
                    }
                }
                "tab" if names.last().is_some_and(|n| n == "r") => {
                    if let Some(p) = current.as_mut() {
                        p.text.push('\t');
                    }
                }
                "br" => {
                    if let Some(p) = current.as_mut() {
                        p.text.push('\n');
                    }
                }
                _ => {}
            }
            read.elements.push((name.clone(), attrs));
            if !empty {
                names.push(name);
            }
            continue;
        }
        match event {
            Event::Text(t) => {
                let t = t
                    .xml_content()
                    .unwrap_or_else(|e| panic!("bad text: {e}"))
                    .into_owned();
                match names.last().map(String::as_str) {
                    Some("t") => {
                        if let Some(p) = current.as_mut() {
                            p.text.push_str(&t);
                        }
                    }
                    Some("instrText") => read.instructions.push(t),
                    _ => {}
                }
            }
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let c = match name.as_str() {
                    "amp" => "&".to_string(),
                    "lt" => "<".into(),
                    "gt" => ">".into(),
                    "quot" => "\"".into(),
                    "apos" => "'".into(),
                    n => {
                        let code = n
                            .strip_prefix("#x")
                            .map(|h| u32::from_str_radix(h, 16))
                            .or_else(|| n.strip_prefix('#').map(str::parse))
                            .unwrap_or_else(|| panic!("unknown entity {n}"))
                            .unwrap_or_else(|e| panic!("bad reference {n}: {e}"));
                        char::from_u32(code)
                            .unwrap_or_else(|| panic!("bad code point {n}"))
                            .to_string()
                    }
                };
                match names.last().map(String::as_str) {
                    Some("t") => {
                        if let Some(p) = current.as_mut() {
                            p.text.push_str(&c);
                        }
                    }
                    Some("instrText") => read.instructions.push(c),
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                assert_eq!(names.pop().as_deref(), Some(name.as_str()));
                match name.as_str() {
                    "p" => read.paragraphs.extend(current.take()),
                    "tbl" => {
                        table_stack.pop();
                    }
                    "tr" => {
                        if let Some(t) = table_stack.last_mut() {
                            t.1 += 1;
                        }
                    }
                    "tc" => {
                        if let Some(t) = table_stack.last_mut() {
                            t.2 += 1;
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    read
}

/// The entries of a DOCX, in zip order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>, zip::DateTime)> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).unwrap_or_else(|e| panic!("not a zip: {e}"));
    (0..archive.len())
        .map(|i| {
            let mut file = archive
                .by_index(i)
                .unwrap_or_else(|e| panic!("bad entry: {e}"));
            let mut data = Vec::new();
            file.read_to_end(&mut data)
                .unwrap_or_else(|e| panic!("bad entry: {e}"));
            let time = file.last_modified().unwrap_or_default();
            (file.name().to_string(), data, time)
        })
        .collect()
}

/// One part of a DOCX.
fn part(bytes: &[u8], name: &str) -> Vec<u8> {
    unzip(bytes)
        .into_iter()
        .find(|(n, _, _)| n == name)
        .map(|(_, d, _)| d)
        .unwrap_or_else(|| panic!("no part {name}"))
}

/// One part of a DOCX, read back.
fn read(bytes: &[u8], name: &str) -> Read {
    read_part(&part(bytes, name))
}

/// Test-only Markdown escaper: backslash-escapes every ASCII punctuation
/// character, which CommonMark defines as always literal.
fn escape_markdown(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Every construct gets its built-in style, numbering, link or footnote.
#[test]
fn constructs_get_word_styles() {
    let md = "# The Title\n\nBody *em* **strong** ~~gone~~ `code` [link](<https://e.com/a b>).\n\n\
              ## Section\n\n### Sub\n\n#### Subsub\n\n- one\n- two\n  - nested\n\n3. three\n4. four\n\n\
              > quoted\n>\n> > deeper\n\n```rust\nfn x() {\n\tlet y = 1;\n}\n```\n\n\
              | A | B |\n|:--|--:|\n| 1 | 2 |\n\nNote[^n] and again[^n].\n\n[^n]: The *note*.\n\n---\n";
    let bytes = convert(md, &options(Layout::Role));
    let doc = read(&bytes, "word/document.xml");
    let first = |style: &str| {
        doc.styled(style)
            .first()
            .map(|p| p.text.clone())
            .unwrap_or_else(|| panic!("no {style} paragraph in {:#?}", doc.paragraphs))
    };
    assert_eq!(first("Title"), "The Title");
    assert_eq!(first("Heading1"), "Section");
    assert_eq!(first("Heading2"), "Sub");
    assert_eq!(first("Heading3"), "Subsub");
    assert_eq!(
        first(""),
        "Body em strong gone code link.",
        "paragraph text"
    );
    let bullets = doc.styled("ListBullet");
    assert_eq!(bullets.len(), 2);
    assert_eq!(bullets[0].num, Some(("0".into(), "1".into())));
    assert_eq!(first("ListBullet2"), "nested");
    assert_eq!(
        doc.styled("ListBullet2")[0].num,
        Some(("1".into(), "1".into()))
    );
    let numbers = doc.styled("ListNumber");
    assert_eq!(numbers.len(), 2);
    assert_eq!(numbers[0].num, Some(("0".into(), "2".into())));
    assert_eq!(first("Quote"), "quoted");
    assert_eq!(doc.styled("Quote")[1].text, "deeper");
    assert_eq!(first("HTMLPreformatted"), "fn x() {\n\tlet y = 1;\n}");
    let cells: Vec<&Para> = doc.paragraphs.iter().filter(|p| p.cell.is_some()).collect();
    assert_eq!(
        cells
            .iter()
            .map(|p| (p.text.as_str(), p.jc.as_str()))
            .collect::<Vec<_>>(),
        [("A", "left"), ("B", "right"), ("1", "left"), ("2", "right")]
    );
    assert_eq!(
        doc.all("tblStyle")[0].get("val").map(String::as_str),
        Some("TableGrid")
    );
    assert_eq!(doc.all("tblHeader").len(), 1);
    // Character formatting and styles.
    for name in ["b", "i", "strike", "footnoteReference", "hyperlink", "pBdr"] {
        assert!(!doc.all(name).is_empty(), "no {name}");
    }
    let run_styles: Vec<&str> = doc
        .all("rStyle")
        .iter()
        .filter_map(|a| a.get("val").map(String::as_str))
        .collect();
    for style in ["HTMLCode", "Hyperlink", "FootnoteReference"] {
        assert!(run_styles.contains(&style), "{run_styles:?}");
    }
    // The second reference repeats the note's number through a NOTEREF field.
    assert!(
        doc.instructions
            .iter()
            .any(|i| i.contains("NOTEREF _RefNote1")),
        "{:?}",
        doc.instructions
    );
    let notes = read(&bytes, "word/footnotes.xml");
    assert_eq!(notes.styled("FootnoteText")[0].text, " The note.");
    // The link's target is percent-encoded in the relationships.
    let rels = String::from_utf8(part(&bytes, "word/_rels/document.xml.rels")).unwrap_or_default();
    assert!(
        rels.contains("Target=\"https://e.com/a%20b\" TargetMode=\"External\""),
        "{rels}"
    );
    // Every style used is defined, under its built-in name.
    let styles = read(&bytes, "word/styles.xml");
    let defined: Vec<String> = styles
        .all("style")
        .iter()
        .filter_map(|a| a.get("styleId").cloned())
        .collect();
    for p in &doc.paragraphs {
        assert!(
            p.style.is_empty() || defined.contains(&p.style),
            "{}",
            p.style
        );
    }
    let names: Vec<String> = styles
        .all("name")
        .iter()
        .filter_map(|a| a.get("val").cloned())
        .collect();
    for name in [
        "Title",
        "heading 1",
        "List Bullet",
        "List Number",
        "Table Grid",
        "Quote",
    ] {
        assert!(names.contains(&name.to_string()), "{names:?}");
    }
}

/// Unsupported constructs are errors naming the line; nothing is dropped.
#[test]
fn unsupported_constructs_are_errors() {
    let cases = [
        ("a\n\n![alt](x.png)", "image at line 3"),
        ("<div>x</div>", "raw HTML at line 1"),
        (
            "a[^1]\n\n[^1]: b[^2]\n[^2]: c",
            "footnote inside a footnote at line 3",
        ),
    ];
    for (md, expected) in cases {
        let err = document(md, &options(Layout::Role))
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains(expected), "{err} for {md:?}");
        assert!(err.to_string().contains("hint:"), "{err}");
    }
}

/// Hostile text comes out literally, as text, in every kind of place, and
/// never as markup or a field.
#[test]
fn hostile_text_comes_out_literally() {
    for input in HOSTILE {
        let md_text = escape_markdown(input.trim());
        let md = format!(
            "# {md_text}\n\n{md_text}\n\n- {md_text}\n\n| h |\n|---|\n| {md_text} |\n\n\
             [{md_text}](https://e.com)\n\n> {md_text}\n\nx[^n]\n\n[^n]: {md_text}\n"
        );
        let bytes = convert(&md, &options(Layout::Policy));
        let doc = read(&bytes, "word/document.xml");
        let want = input.trim();
        let with = |style: &str| doc.styled(style).iter().any(|p| p.text == want);
        assert!(with("Title"), "title {input:?}: {:#?}", doc.paragraphs);
        assert!(with(""), "paragraph {input:?}");
        assert!(with("ListBullet"), "list {input:?}");
        assert!(with("Quote"), "quote {input:?}");
        assert!(
            doc.paragraphs
                .iter()
                .any(|p| p.cell.is_some() && p.text == want),
            "cell {input:?}"
        );
        let notes = read(&bytes, "word/footnotes.xml");
        assert!(
            notes
                .paragraphs
                .iter()
                .any(|p| p.text == format!(" {want}")),
            "footnote {input:?}"
        );
        // The only fields are the table of contents': text made none.
        for i in &doc.instructions {
            assert!(
                i.starts_with(" TOC ") || i.starts_with(" PAGEREF _Toc"),
                "{i:?}"
            );
        }
        assert!(notes.instructions.is_empty());
        // Document control reaches letterhead, footer and properties as text too.
        let opts = DocxOptions {
            title: input,
            org_name: input,
            doc_id: input,
            classification: input,
            ..options(Layout::Role)
        };
        let bytes = convert("x", &opts);
        let header = read(&bytes, "word/header1.xml");
        assert_eq!(
            header
                .paragraphs
                .iter()
                .filter(|p| p.text == *input)
                .count(),
            2,
            "header {input:?}"
        );
        let footer = read(&bytes, "word/footer1.xml");
        assert_eq!(
            footer
                .paragraphs
                .iter()
                .filter(|p| p.text.starts_with(input) || p.text == *input)
                .count(),
            2,
            "footer {input:?}"
        );
        assert_eq!(footer.instructions, [" PAGE ", " NUMPAGES "]);
        let core = String::from_utf8(part(&bytes, "docProps/core.xml")).unwrap_or_default();
        let mut reader = quick_xml::Reader::from_str(&core);
        let mut titles = Vec::new();
        let mut in_title = false;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => in_title = e.local_name().as_ref() == b"title",
                Ok(Event::Text(t)) if in_title => {
                    titles.push(t.xml_content().map(|c| c.into_owned()).unwrap_or_default());
                }
                Ok(Event::GeneralRef(_)) if in_title => titles.push(String::new()),
                Ok(Event::Eof) => break,
                Err(e) => panic!("core.xml: {e}"),
                _ => {}
            }
        }
        assert!(!titles.is_empty(), "{core}");
    }
}

/// Characters XML cannot carry become visible stand-ins instead of a broken file.
#[test]
fn control_characters_become_pictures() {
    let bytes = convert("a\u{1}b\u{7}c\u{1b}d", &options(Layout::Role));
    let doc = read(&bytes, "word/document.xml");
    assert_eq!(doc.paragraphs[0].text, "a\u{2401}b\u{2407}c\u{241b}d");
    let opts = DocxOptions {
        title: "t\u{0}",
        ..options(Layout::Role)
    };
    let header = read(&convert("x", &opts), "word/header1.xml");
    assert!(header.text().contains("t\u{2400}"), "{}", header.text());
}

/// A 100,000-character word is one text run, whole.
#[test]
fn very_long_word() {
    let word = "x".repeat(100_000);
    let bytes = convert(
        &format!("| a |\n|---|\n| {word} |\n\n{word}"),
        &options(Layout::Role),
    );
    let doc = read(&bytes, "word/document.xml");
    assert_eq!(doc.paragraphs.iter().filter(|p| p.text == word).count(), 2);
}

/// The DOCX layout of a document kind, as the PDF stage names them.
fn layout_of(kind: crate::render::DocKind) -> Layout {
    use crate::render::DocKind;
    match kind {
        DocKind::Policy => Layout::Policy,
        DocKind::Raci => Layout::Raci,
        DocKind::Role => Layout::Role,
        DocKind::Assignment => Layout::Assignment,
        DocKind::Approval => Layout::Approval,
        DocKind::Acknowledgement => Layout::Acknowledgement,
        DocKind::Register => Layout::Register,
        DocKind::Changes => Layout::Changes,
    }
}

/// The Northwind example's model and rendered documents.
fn northwind() -> (crate::model::Model, Vec<crate::render::Document>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/northwind");
    let date = Date::new(2026, 3, 1).unwrap_or_else(|| unreachable!());
    let checked = crate::model::check(&dir, date);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("northwind: {:?}", checked.diagnostics));
    let templates = crate::render::Templates::load(None).unwrap_or_else(|e| panic!("{e:#}"));
    let docs =
        crate::render::render_documents(&model, &templates).unwrap_or_else(|e| panic!("{e:#}"));
    (model, docs)
}

/// One Northwind document as DOCX, as the pipeline would write it.
fn northwind_docx(model: &crate::model::Model, doc: &crate::render::Document) -> Vec<u8> {
    let opts = DocxOptions {
        title: &doc.title,
        org_name: &model.organisation.name,
        doc_id: &doc.doc_id,
        version: &doc.version,
        classification: &model.policy.classification,
        paper: model.organisation.paper,
        lang: "en-GB",
        layout: layout_of(doc.kind),
        logo: None,
        labels: LABELS,
        date: model.date,
        reference: None,
    };
    document(&doc.markdown, &opts).unwrap_or_else(|e| panic!("{}: {e:#}", doc.path))
}

/// Runs LibreOffice to convert DOCX files to PDF in `dir`; `None` when soffice
/// is not installed (an error where CI or ROLECALL_REQUIRE_SOFFICE says it must be).
fn soffice_to_pdf(dir: &std::path::Path, files: &[std::path::PathBuf]) -> Option<()> {
    let required =
        std::env::var_os("CI").is_some() || std::env::var_os("ROLECALL_REQUIRE_SOFFICE").is_some();
    let profile = dir.join("profile");
    let mut cmd = std::process::Command::new("soffice");
    cmd.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args([
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
    ])
    .arg(dir)
    .args(files)
    .stdin(std::process::Stdio::null());
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            eprintln!(
                "\n*** SKIPPED: soffice (LibreOffice) is not installed, so the DOCX files were not \
                 converted; install Debian's libreoffice-writer (.ci/run does) ***\n"
            );
            return None;
        }
        Err(e) => panic!("cannot run soffice ({e}); CI installs libreoffice-writer"),
    };
    assert!(
        output.status.success(),
        "soffice failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(())
}

/// LibreOffice converts the policy, the RACI matrix and signature sheets of
/// Northwind to PDF without error, and the PDFs' text is the documents' text.
/// With ROLECALL_DOCX_OUT set, the DOCX and PDF files are kept there.
#[test]
fn libreoffice_converts_samples() {
    let (model, docs) = northwind();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let wanted = |d: &&crate::render::Document| {
        d.path == "policy.md"
            || d.path == "raci-matrix.md"
            || d.path == "signatures/all-staff-acknowledgement.md"
            || d.path == "signatures/policy-approval.md"
            || d.path == "signatures/isms-manager--kwame.md"
    };
    let samples: Vec<&crate::render::Document> = docs.iter().filter(wanted).collect();
    assert_eq!(
        samples.len(),
        5,
        "{:?}",
        docs.iter().map(|d| &d.path).collect::<Vec<_>>()
    );
    let mut files = Vec::new();
    for doc in &samples {
        let name = doc.path.replace('/', "-").replace(".md", ".docx");
        let path = dir.path().join(&name);
        std::fs::write(&path, northwind_docx(&model, doc)).unwrap_or_else(|e| panic!("{e}"));
        files.push(path);
    }
    if soffice_to_pdf(dir.path(), &files).is_none() {
        return;
    }
    let keep = std::env::var_os("ROLECALL_DOCX_OUT").map(std::path::PathBuf::from);
    for (doc, file) in samples.iter().zip(&files) {
        let pdf = file.with_extension("pdf");
        let bytes = std::fs::read(&pdf).unwrap_or_else(|e| panic!("no PDF for {}: {e}", doc.path));
        if let Some(keep) = &keep {
            let _ = std::fs::create_dir_all(keep);
            let _ = std::fs::copy(file, keep.join(file.file_name().unwrap_or_default()));
            let _ = std::fs::copy(&pdf, keep.join(pdf.file_name().unwrap_or_default()));
        }
        let text = pdf_extract::extract_text_from_mem(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", doc.path));
        let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = squash(&text);
        assert!(text.contains(&squash(&doc.title)), "{}: {text}", doc.path);
        assert!(text.contains("Page 1 of"), "{}: {text}", doc.path);
        assert!(text.contains(&doc.doc_id), "{}: {text}", doc.path);
        println!("{}: {text}", doc.path);
    }
}
