//! DOCX tests: every package written is read back with quick-xml (an XML
//! parser independent of the writer) and checked for texts, styles, fields and
//! layout; LibreOffice converts samples to PDF and the text is compared.

use std::collections::BTreeMap;
use std::io::{Cursor, Read as _};

use quick_xml::events::Event;

use super::escape::tests::HOSTILE;
use super::*;
use crate::typst::writer::tests::escape_markdown;

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
                "instrText" => read.instructions.push(String::new()),
                _ => {}
            }
            read.elements.push((name.clone(), attrs));
            if !empty {
                names.push(name);
            }
            continue;
        }
        let chars = match &event {
            Event::Text(t) => Some(
                t.xml_content()
                    .unwrap_or_else(|e| panic!("bad text: {e}"))
                    .into_owned(),
            ),
            Event::GeneralRef(r) => Some(reference(&String::from_utf8_lossy(r))),
            _ => None,
        };
        if let Some(chars) = chars {
            match names.last().map(String::as_str) {
                Some("t") => {
                    if let Some(p) = current.as_mut() {
                        p.text.push_str(&chars);
                    }
                }
                Some("instrText") => {
                    if let Some(i) = read.instructions.last_mut() {
                        i.push_str(&chars);
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
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

/// The character of an XML entity or character reference (`amp`, `#x41`).
fn reference(name: &str) -> String {
    match name {
        "amp" => "&".into(),
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
    }
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

/// Every construct gets its built-in style, numbering, link or footnote.
#[test]
fn constructs_get_word_styles() {
    let md = "# The Title\n\nBody *em* **strong** ~~gone~~ `code` [link](<https://e.com/a b>).\n\n\
              ## Section\n\n### Sub\n\n#### Subsub\n\n- one\n- two\n  - nested\n\n3. three\n4. four\n\n\
              > quoted\n>\n> > deeper\n\n```rust\nfn x() {\n\tlet y = 1;\n}\n```\n\n\
              | A | B |\n|:--|--:|\n| 1 | 2 |\n\nNote[^n] and again[^n].\n\n[^n]: The *note*, see [e](https://e.com).\n\n---\n";
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
    assert_eq!(notes.styled("FootnoteText")[0].text, " The note, see e.");
    // A link in a footnote is a relationship of the footnotes part.
    let note_rels =
        String::from_utf8(part(&bytes, "word/_rels/footnotes.xml.rels")).unwrap_or_default();
    assert!(note_rels.contains("Id=\"rIdNoteLink1\""), "{note_rels}");
    assert!(
        notes.all("hyperlink")[0]
            .get("id")
            .is_some_and(|id| id == "rIdNoteLink1")
    );
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
        assert!(err.report().contains("hint:"), "{err}");
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

/// The DOCX layout of a document, by its row of the table of documents.
fn layout_of(doc: &crate::render::Document) -> Layout {
    Layout::from_name(doc.spec.id).unwrap_or_else(|| panic!("no layout for {}", doc.spec.id))
}

/// The Northwind example's model and rendered documents.
fn northwind() -> (crate::model::Model, Vec<crate::render::Document>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/northwind");
    let date = Date::new(2026, 3, 1).unwrap_or_else(|| unreachable!());
    let checked = crate::model::check(&dir, date);
    let model = checked
        .model
        .unwrap_or_else(|| panic!("northwind: {:?}", checked.diagnostics));
    let templates =
        crate::render::Templates::load(None, "en").unwrap_or_else(|e| panic!("{}", e.report()));
    let docs = crate::render::render(&model, &templates)
        .unwrap_or_else(|e| panic!("{}", e.report()))
        .documents;
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
        layout: layout_of(doc),
        logo: None,
        labels: LABELS,
        date: model.date,
        reference: None,
    };
    document(&doc.markdown, &opts).unwrap_or_else(|e| panic!("{}: {}", doc.path, e.report()))
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

/// LibreOffice converts every Northwind document to PDF without error (one
/// soffice run for all of them), and each PDF's text is its document's: title,
/// footer and document id. With ROLECALL_DOCX_OUT set, the files are kept there.
#[test]
fn libreoffice_converts_every_document() {
    let (model, docs) = northwind();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let samples: Vec<&crate::render::Document> = docs.iter().collect();
    assert!(samples.len() > 30, "{} documents", samples.len());
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

/// Every Northwind document converts, twice to the same bytes, also on
/// several threads at once, and reads back with its texts: every role name,
/// holder, responsibility and RACI letter where it belongs.
#[test]
fn northwind_documents_read_back() {
    let (model, docs) = northwind();
    let first: Vec<Vec<u8>> = docs.iter().map(|d| northwind_docx(&model, d)).collect();
    let again: Vec<Vec<u8>> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .iter()
            .map(|d| s.spawn(|| northwind_docx(&model, d)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for ((doc, a), b) in docs.iter().zip(&first).zip(&again) {
        assert!(a == b, "{} differs between runs", doc.path);
        let body = read(a, "word/document.xml");
        assert_eq!(body.styled("Title").len(), 1, "{}", doc.path);
        assert_eq!(
            body.styled("Title")[0].text,
            doc.markdown
                .lines()
                .find_map(|l| l.strip_prefix("# "))
                .unwrap_or_default(),
            "{}",
            doc.path
        );
    }
    let docx = |path: &str| {
        let i = docs
            .iter()
            .position(|d| d.path == path)
            .unwrap_or_else(|| panic!("no {path}"));
        read(&first[i], "word/document.xml")
    };
    let policy = docx("policy.md");
    let text = policy.text();
    for role in &model.roles {
        let heading = policy
            .styled("Heading2")
            .iter()
            .any(|p| p.text.ends_with(&format!(" {}", role.name)));
        assert!(heading, "policy lacks a heading for {}", role.name);
        for r in &role.responsibilities {
            assert!(text.contains(r.as_str()), "policy lacks {r:?}");
        }
        let role_doc = docx(&format!("roles/{}.md", role.id));
        let role_text = role_doc.text();
        for r in role.responsibilities.iter().chain(&role.authorities) {
            assert!(role_text.contains(r.as_str()), "{} lacks {r:?}", role.id);
        }
        // All staff are named on the acknowledgement, not in the role.
        for holder in role.holders.iter().filter(|_| !role.all_staff) {
            let name = model.people.get(*holder).map_or("", |p| p.name.as_str());
            assert!(text.contains(name), "policy lacks holder {name}");
            assert!(role_text.contains(name), "{} lacks holder {name}", role.id);
        }
    }
    // The policy's table of contents lists every section (Word's Heading 1).
    let entries: Vec<&str> = policy
        .styled("TOC1")
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    let sections: Vec<&str> = policy
        .styled("Heading1")
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    assert_eq!(
        entries,
        sections
            .iter()
            .map(|s| format!("{s}\t"))
            .collect::<Vec<_>>(),
        "TOC entries"
    );
    assert!(
        policy.instructions[0].starts_with(" TOC \\o \"1-1\""),
        "{:?}",
        policy.instructions
    );
    assert_eq!(policy.styled("TOCHeading")[0].text, "Contents");

    // The RACI matrix: every cell's letters in its row and column, coloured.
    let raci = docx("raci-matrix.md");
    let i = docs
        .iter()
        .position(|d| d.path == "raci-matrix.md")
        .unwrap_or(0);
    let raci_xml = String::from_utf8(part(&first[i], "word/document.xml")).unwrap_or_default();
    for activity in &model.activities {
        let row = raci
            .paragraphs
            .iter()
            .find(|p| p.cell.is_some_and(|c| c.2 == 0) && p.text == activity.name)
            .and_then(|p| p.cell)
            .unwrap_or_else(|| panic!("no row for {}", activity.name));
        let cells: Vec<&str> = raci
            .paragraphs
            .iter()
            .filter(|p| {
                p.cell
                    .is_some_and(|c| c.0 == row.0 && c.1 == row.1 && c.2 >= 2)
            })
            .map(|p| p.text.as_str())
            .collect();
        let letters: Vec<&str> = cells.iter().copied().filter(|c| !c.is_empty()).collect();
        assert!(!letters.is_empty(), "{}", activity.name);
        for l in letters {
            assert!(colours::raci_fill(l).is_some(), "{l:?}");
        }
    }
    for fill in ["F4B183", "A9D18E", "9DC3E6"] {
        assert!(
            raci_xml.contains(&format!("w:fill=\"{fill}\"")),
            "no {fill}"
        );
    }
    assert!(raci_xml.contains("<w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>"));
    assert!(raci_xml.contains("<w:textDirection w:val=\"btLr\"/>"));

    // Signature sheets: each empty cell is in a row at least 2 cm high.
    for (doc, bytes) in docs.iter().zip(&first) {
        if !matches!(
            layout_of(doc),
            Layout::Assignment | Layout::Approval | Layout::Acknowledgement
        ) {
            continue;
        }
        let xml = String::from_utf8(part(bytes, "word/document.xml")).unwrap_or_default();
        let tall = format!(
            "<w:trHeight w:val=\"{}\" w:hRule=\"atLeast\"/>",
            writer::SIGNING_FIELD_HEIGHT
        );
        for row in xml.split("<w:tr>").skip(1) {
            let row = row.split("</w:tr>").next().unwrap_or_default();
            let empty = row
                .contains("<w:p><w:pPr><w:keepNext/><w:jc w:val=\"left\"/></w:pPr></w:p>")
                || row.contains("<w:p><w:pPr><w:jc w:val=\"left\"/></w:pPr></w:p>");
            assert_eq!(empty, row.contains(&tall), "{}: {row}", doc.path);
        }
        assert!(xml.contains(&tall), "{} has no field to sign in", doc.path);
    }
}

/// Page frame: letterhead, footer fields, paper, language, properties.
#[test]
fn page_frame() {
    let bytes = convert("# T\n\ntext", &options(Layout::Role));
    let header = read(&bytes, "word/header1.xml");
    let texts: Vec<&str> = header.paragraphs.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["Org & Co <ltd>", "Test <Title> & \"more\"", ""]);
    let footer = read(&bytes, "word/footer1.xml");
    let texts: Vec<&str> = footer.paragraphs.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["DOC-1  version 2.0", "Internal", "Page 1 of 1", ""]);
    assert_eq!(footer.instructions, [" PAGE ", " NUMPAGES "]);
    let doc = String::from_utf8(part(&bytes, "word/document.xml")).unwrap_or_default();
    assert!(
        doc.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"),
        "{doc}"
    );
    assert!(doc.contains("<w:headerReference w:type=\"default\" r:id=\"rIdHeader1\"/>"));
    let styles = read(&bytes, "word/styles.xml");
    let lang = styles.all("lang");
    assert_eq!(lang.len(), 1);
    assert_eq!(lang[0].get("val").map(String::as_str), Some("en-GB"));
    let core = String::from_utf8(part(&bytes, "docProps/core.xml")).unwrap_or_default();
    assert!(core.contains("<dc:language>en-GB</dc:language>"), "{core}");
    assert!(core.contains("<dc:title>Test &lt;Title&gt; &amp; &quot;more&quot;</dc:title>"));
    assert!(core.contains(">2026-03-01T00:00:00Z</dcterms:created>"));
    let custom = String::from_utf8(part(&bytes, "docProps/custom.xml")).unwrap_or_default();
    assert!(
        custom.contains("name=\"DocumentId\"><vt:lpwstr>DOC-1</vt:lpwstr>"),
        "{custom}"
    );

    // US Letter, German, landscape.
    let opts = DocxOptions {
        paper: Paper::UsLetter,
        lang: "de-DE",
        labels: Labels {
            version: "Version {version}",
            page: "Seite {page} von {pages}",
            contents: "Inhalt",
        },
        ..options(Layout::Raci)
    };
    let bytes = convert("x", &opts);
    let doc = String::from_utf8(part(&bytes, "word/document.xml")).unwrap_or_default();
    assert!(doc.contains("<w:pgSz w:w=\"15840\" w:h=\"12240\" w:orient=\"landscape\"/>"));
    let footer = read(&bytes, "word/footer1.xml");
    assert_eq!(footer.paragraphs[2].text, "Seite 1 von 1");
    let settings = String::from_utf8(part(&bytes, "word/settings.xml")).unwrap_or_default();
    assert!(settings.contains("<w:themeFontLang w:val=\"de-DE\"/>"));
    assert!(settings.contains("<w:autoHyphenation w:val=\"true\"/>"));
}

/// Entries in one order, all at the document's date; bytes depend on nothing else.
#[test]
fn reproducible_zip() {
    let md = "# T\n\n[a](https://a) [b](https://b)[^1]\n\n1. x\n\n[^1]: n";
    let a = convert(md, &options(Layout::Policy));
    let b = convert(md, &options(Layout::Policy));
    assert!(a == b);
    let entries = unzip(&a);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "docProps/app.xml",
            "docProps/custom.xml",
            "word/document.xml",
            "word/styles.xml",
            "word/settings.xml",
            "word/numbering.xml",
            "word/footnotes.xml",
            "word/header1.xml",
            "word/footer1.xml",
            "word/_rels/document.xml.rels",
        ]
    );
    for (name, _, time) in &entries {
        assert_eq!(
            (
                time.year(),
                time.month(),
                time.day(),
                time.hour(),
                time.minute()
            ),
            (2026, 3, 1, 0, 0),
            "{name}"
        );
    }
    // Another date changes the bytes.
    let later = DocxOptions {
        date: Date::new(2026, 3, 2).unwrap_or_else(|| unreachable!()),
        ..options(Layout::Policy)
    };
    assert!(convert(md, &later) != a);
    // Every content type is declared, every relationship's part exists.
    let types = String::from_utf8(part(&a, "[Content_Types].xml")).unwrap_or_default();
    for name in &names[1..] {
        if !name.ends_with(".rels") {
            assert!(types.contains(&format!("PartName=\"/{name}\"")), "{name}");
        }
    }
}

/// A logo is embedded and drawn 1 cm high; other formats are errors.
#[test]
fn logo() {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(400u32.to_be_bytes());
    png.extend(100u32.to_be_bytes());
    png.extend([8, 6, 0, 0, 0]);
    let opts = DocxOptions {
        logo: Some(Logo {
            bytes: &png,
            ext: "png",
        }),
        ..options(Layout::Role)
    };
    let bytes = convert("x", &opts);
    assert_eq!(part(&bytes, "word/media/logo.png"), png);
    let header = read(&bytes, "word/header1.xml");
    let extent = header.all("extent");
    assert_eq!(extent[0].get("cy").map(String::as_str), Some("360000"));
    assert_eq!(extent[0].get("cx").map(String::as_str), Some("1440000"));
    let texts: Vec<&str> = header.paragraphs.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["", "Org & Co <ltd>\nTest <Title> & \"more\"", ""]);
    let rels = String::from_utf8(part(&bytes, "word/_rels/header1.xml.rels")).unwrap_or_default();
    assert!(rels.contains("Id=\"rIdLogo\""), "{rels}");
    for (bytes, ext, expected) in [
        (&b"<svg/>"[..], "svg", "cannot put a `svg` logo"),
        (&b"nope"[..], "png", "not a readable PNG"),
    ] {
        let opts = DocxOptions {
            logo: Some(Logo { bytes, ext }),
            ..options(Layout::Role)
        };
        let err = document("x", &opts).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains(expected), "{err}");
    }
}

/// A small reference document as Word (German) would save one.
fn reference_docx() -> Vec<u8> {
    let w = package::NS_W;
    let files: Vec<(&str, String)> = vec![
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/><Default Extension=\"png\" ContentType=\"image/png\"/>\
             </Types>"
                .into(),
        ),
        (
            "_rels/.rels",
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>"
                .into(),
        ),
        (
            "word/document.xml",
            format!(
                "<w:document xmlns:w=\"{w}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
                 <w:body><w:p/><w:sectPr><w:headerReference w:type=\"first\" r:id=\"rId9\"/>\
                 <w:headerReference w:type=\"default\" r:id=\"rId7\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body></w:document>"
            ),
        ),
        (
            "word/_rels/document.xml.rels",
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
             <Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"kopf.xml\"/>\
             <Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"first.xml\"/>\
             </Relationships>"
                .into(),
        ),
        (
            "word/styles.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:styles xmlns:w=\"{w}\"><w:docDefaults><w:rPrDefault><w:rPr>\
                 <w:lang w:val=\"de-DE\"/></w:rPr></w:rPrDefault></w:docDefaults>\
                 <w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Standard\"><w:name w:val=\"Normal\"/></w:style>\
                 <w:style w:type=\"paragraph\" w:styleId=\"berschrift1\"><w:name w:val=\"heading 1\"/>\
                 <w:rPr><w:color w:val=\"FF0000\"/></w:rPr></w:style></w:styles>"
            ),
        ),
        (
            "word/kopf.xml",
            format!(
                "<w:hdr xmlns:w=\"{w}\"><w:p><w:r><w:t>Briefkopf der Firma</w:t></w:r></w:p></w:hdr>"
            ),
        ),
        (
            "word/_rels/kopf.xml.rels",
            "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rIdPic\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.png\"/>\
             </Relationships>"
                .into(),
        ),
        ("word/media/image1.png", "PNGDATA".into()),
        ("word/first.xml", format!("<w:hdr xmlns:w=\"{w}\"><w:p/></w:hdr>")),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        std::io::Write::write_all(&mut zip, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// A reference document's styles (by built-in name), language default,
/// header and its image come into the document; our footer stays where it has none.
#[test]
fn reference_document() {
    let reference = reference_docx();
    let opts = DocxOptions {
        reference: Some(&reference),
        ..options(Layout::Role)
    };
    let bytes = convert("# T\n\n## Abschnitt\n\n- x\n\ntext", &opts);
    let doc = read(&bytes, "word/document.xml");
    // The German ids of the reference are used for its styles, ours for the rest.
    assert_eq!(doc.styled("berschrift1")[0].text, "Abschnitt");
    assert_eq!(doc.styled("ListBullet")[0].text, "x");
    let styles = String::from_utf8(part(&bytes, "word/styles.xml")).unwrap_or_default();
    assert!(
        styles.contains("<w:color w:val=\"FF0000\"/>"),
        "the reference's own style is kept"
    );
    assert!(!styles.contains("de-DE"), "{styles}");
    assert!(styles.contains("<w:lang w:val=\"en-GB\""), "{styles}");
    assert!(styles.contains("w:styleId=\"ListBullet\""));
    assert!(styles.contains("<w:basedOn w:val=\"Standard\"/>"));
    assert!(!styles.contains("w:styleId=\"Heading1\""), "{styles}");
    let parsed = read_part(styles.as_bytes());
    assert!(!parsed.all("style").is_empty());
    // Its default header, not its first-page one, with its image.
    let header = read(&bytes, "word/header1.xml");
    assert_eq!(header.text(), "Briefkopf der Firma");
    assert_eq!(
        part(&bytes, "word/media/reference-header-1.png"),
        b"PNGDATA"
    );
    let rels = String::from_utf8(part(&bytes, "word/_rels/header1.xml.rels")).unwrap_or_default();
    assert!(rels.contains("Id=\"rIdPic\""), "{rels}");
    assert!(
        rels.contains("Target=\"media/reference-header-1.png\""),
        "{rels}"
    );
    let types = String::from_utf8(part(&bytes, "[Content_Types].xml")).unwrap_or_default();
    assert!(
        types.contains("PartName=\"/word/media/reference-header-1.png\" ContentType=\"image/png\"")
    );
    // The reference has no footer: ours.
    let footer = read(&bytes, "word/footer1.xml");
    assert_eq!(footer.instructions, [" PAGE ", " NUMPAGES "]);
    // Same reference, same bytes.
    assert!(convert("# T\n\n## Abschnitt\n\n- x\n\ntext", &opts) == bytes);
}
