//! The DOCX package: page layout, letterhead, footer, numbering, settings,
//! document properties and the reproducible zip around the writer's body.
//!
//! Place in the pipeline: [`super::writer`]'s body XML → **a `.docx` file (this
//! module)**. The page frame follows `templates/layout.typ`: the letterhead
//! with logo (or the organisation's name) and the title over a rule; the footer
//! with document id and version, classification, and "Page X of Y" as Word's
//! PAGE and NUMPAGES fields; A4 or US Letter, landscape for the RACI matrix.
//! Entries are written in one fixed order with one fixed time (the document's
//! date), so the same input gives the same bytes.

use std::io::Write as _;

use crate::error::{Context as _, Error, Result};

use super::escape::escape;
use super::reference::{Reference, ReferencePart};
use super::styles::{self, Style, StyleIds};
use super::writer::{BULLET_NUM_ID, Body, FIRST_ORDERED_NUM_ID, field};
use super::{DocxOptions, Logo, colours};
use crate::model::Paper;

/// The XML declaration every part starts with.
pub const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
/// WordprocessingML's main namespace (transitional).
pub const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// The relationships namespace of attributes such as `r:id`.
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
/// Namespaces of the main document, header and footer parts.
fn namespaces() -> String {
    format!(
        "xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\" \
         xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\""
    )
}

/// Relationship types by their last path segment.
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
/// Content types of WordprocessingML parts by their last segment.
const WML_TYPE: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.";

/// Page size and margins, in twentieths of a point.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Page width.
    width: u32,
    /// Page height.
    height: u32,
    /// Left and right margin.
    side: u32,
    /// Whether it is landscape.
    landscape: bool,
}

/// Top margin: 2.8 cm, as the PDF's.
const MARGIN_TOP: u32 = 1587;
/// Bottom margin: 2.4 cm.
const MARGIN_BOTTOM: u32 = 1361;
/// Distance of the letterhead and of the footer from the page's edge: 1 cm.
const HEADER_DISTANCE: u32 = 567;

impl Page {
    /// The page of a paper size, portrait or landscape.
    pub fn new(paper: Paper, landscape: bool) -> Page {
        let (width, height) = match paper {
            Paper::A4 => (11906, 16838),
            Paper::UsLetter => (12240, 15840),
        };
        let (width, height) = if landscape {
            (height, width)
        } else {
            (width, height)
        };
        // 1.5 cm and 2.2 cm, as the PDF's.
        let side = if landscape { 850 } else { 1247 };
        Page {
            width,
            height,
            side,
            landscape,
        }
    }

    /// The width between the margins.
    pub fn text_width(&self) -> u32 {
        self.width - 2 * self.side
    }

    /// The `w:sectPr` of the document's one section.
    fn section(&self, header: bool, footer: bool) -> String {
        let orient = if self.landscape {
            " w:orient=\"landscape\""
        } else {
            ""
        };
        format!(
            "<w:sectPr>{}{}<w:pgSz w:w=\"{}\" w:h=\"{}\"{orient}/>\
             <w:pgMar w:top=\"{MARGIN_TOP}\" w:right=\"{side}\" w:bottom=\"{MARGIN_BOTTOM}\" \
             w:left=\"{side}\" w:header=\"{HEADER_DISTANCE}\" w:footer=\"{HEADER_DISTANCE}\" w:gutter=\"0\"/>\
             <w:cols w:space=\"708\"/><w:docGrid w:linePitch=\"360\"/></w:sectPr>",
            if header {
                "<w:headerReference w:type=\"default\" r:id=\"rIdHeader1\"/>"
            } else {
                ""
            },
            if footer {
                "<w:footerReference w:type=\"default\" r:id=\"rIdFooter1\"/>"
            } else {
                ""
            },
            self.width,
            self.height,
            side = self.side,
        )
    }
}

/// One part of the package.
struct Part {
    /// Its path in the zip.
    path: String,
    /// Its content type (`None`: covered by a default, as `.rels` files are).
    content_type: Option<String>,
    /// Its bytes.
    bytes: Vec<u8>,
}

impl Part {
    /// A part with an explicit content type.
    fn new(path: &str, content_type: &str, bytes: impl Into<Vec<u8>>) -> Part {
        Part {
            path: path.to_string(),
            content_type: Some(content_type.to_string()),
            bytes: bytes.into(),
        }
    }

    /// A relationships part.
    fn rels(path: &str, rels: &[Rel]) -> Part {
        Part {
            path: path.to_string(),
            content_type: None,
            bytes: relationships(rels).into_bytes(),
        }
    }
}

/// One relationship of a part.
#[derive(Debug, Clone)]
pub struct Rel {
    /// Its id (`rIdStyles`).
    pub id: String,
    /// Its type, a full URI.
    pub kind: String,
    /// Its target, relative to the part's folder, or a URI.
    pub target: String,
    /// Whether the target is outside the package.
    pub external: bool,
}

impl Rel {
    /// A relationship to a part of the package.
    fn internal(id: &str, kind: &str, target: &str) -> Rel {
        Rel {
            id: id.to_string(),
            kind: format!("{REL}{kind}"),
            target: target.to_string(),
            external: false,
        }
    }
}

/// A relationships part's XML.
fn relationships(rels: &[Rel]) -> String {
    let mut xml = format!(
        "{XML_DECLARATION}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    );
    for rel in rels {
        xml.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"{}\" Target=\"{}\"{}/>",
            escape(&rel.id),
            escape(&rel.kind),
            escape(&rel.target),
            if rel.external {
                " TargetMode=\"External\""
            } else {
                ""
            }
        ));
    }
    xml.push_str("</Relationships>");
    xml
}

/// Writes the whole package.
pub fn write(
    body: &Body,
    opts: &DocxOptions<'_>,
    ids: &StyleIds,
    page: &Page,
    reference: Option<&Reference>,
) -> Result<Vec<u8>> {
    let mut parts = Vec::new();
    let mut document_rels = vec![
        Rel::internal("rIdStyles", "styles", "styles.xml"),
        Rel::internal("rIdSettings", "settings", "settings.xml"),
        Rel::internal("rIdNumbering", "numbering", "numbering.xml"),
        Rel::internal("rIdFootnotes", "footnotes", "footnotes.xml"),
        Rel::internal("rIdHeader1", "header", "header1.xml"),
        Rel::internal("rIdFooter1", "footer", "footer1.xml"),
    ];
    document_rels.extend(hyperlinks(&body.links, "rIdLink"));

    parts.push(Part::rels(
        "_rels/.rels",
        &[
            Rel {
                id: "rIdDocument".into(),
                kind: format!("{REL}officeDocument"),
                target: "word/document.xml".into(),
                external: false,
            },
            Rel {
                id: "rIdCore".into(),
                kind: "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
                    .into(),
                target: "docProps/core.xml".into(),
                external: false,
            },
            Rel::internal("rIdApp", "extended-properties", "docProps/app.xml"),
            Rel::internal("rIdCustom", "custom-properties", "docProps/custom.xml"),
        ],
    ));
    parts.push(Part::new(
        "docProps/core.xml",
        "application/vnd.openxmlformats-package.core-properties+xml",
        core_xml(opts),
    ));
    parts.push(Part::new(
        "docProps/app.xml",
        "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        app_xml(opts),
    ));
    parts.push(Part::new(
        "docProps/custom.xml",
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
        custom_xml(opts),
    ));
    parts.push(Part::new(
        "word/document.xml",
        &format!("{WML_TYPE}document.main+xml"),
        format!(
            "{XML_DECLARATION}<w:document {}><w:body>{}{}</w:body></w:document>",
            namespaces(),
            body.xml,
            page.section(true, true)
        ),
    ));
    let styles = match reference {
        Some(r) => r.styles_xml(&ids.definitions(opts.layout, page.text_width()), opts.lang)?,
        None => styles::styles_xml(ids, opts.layout, opts.lang, page.text_width()),
    };
    parts.push(Part::new(
        "word/styles.xml",
        &format!("{WML_TYPE}styles+xml"),
        styles,
    ));
    parts.push(Part::new(
        "word/settings.xml",
        &format!("{WML_TYPE}settings+xml"),
        settings_xml(opts.lang, body.toc),
    ));
    parts.push(Part::new(
        "word/numbering.xml",
        &format!("{WML_TYPE}numbering+xml"),
        numbering_xml(&body.ordered_lists),
    ));
    parts.push(Part::new(
        "word/footnotes.xml",
        &format!("{WML_TYPE}footnotes+xml"),
        format!(
            "{XML_DECLARATION}<w:footnotes {}>\
             <w:footnote w:type=\"separator\" w:id=\"-1\"><w:p><w:pPr><w:spacing w:after=\"0\" w:line=\"240\" \
             w:lineRule=\"auto\"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>\
             <w:footnote w:type=\"continuationSeparator\" w:id=\"0\"><w:p><w:pPr><w:spacing w:after=\"0\" \
             w:line=\"240\" w:lineRule=\"auto\"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>\
             {}</w:footnotes>",
            namespaces(),
            body.footnotes
        ),
    ));

    let mut header_rels = Vec::new();
    let header = match reference.and_then(|r| r.header.as_ref()) {
        Some(h) => {
            take_part(&mut parts, &mut header_rels, h);
            h.xml.clone()
        }
        None => {
            let logo = match opts.logo {
                Some(logo) => {
                    let image = Image::read(logo)?;
                    let path = format!("word/media/logo.{}", image.ext);
                    parts.push(Part::new(&path, image.content_type, logo.bytes));
                    header_rels.push(Rel::internal(
                        "rIdLogo",
                        "image",
                        &format!("media/logo.{}", image.ext),
                    ));
                    Some(image)
                }
                None => None,
            };
            letterhead(opts, ids, page, logo.as_ref()).into_bytes()
        }
    };
    parts.push(Part::new(
        "word/header1.xml",
        &format!("{WML_TYPE}header+xml"),
        header,
    ));
    let mut footer_rels = Vec::new();
    let footer = match reference.and_then(|r| r.footer.as_ref()) {
        Some(f) => {
            take_part(&mut parts, &mut footer_rels, f);
            f.xml.clone()
        }
        None => footer(opts, ids, page).into_bytes(),
    };
    parts.push(Part::new(
        "word/footer1.xml",
        &format!("{WML_TYPE}footer+xml"),
        footer,
    ));
    if let Some(theme) = reference.and_then(|r| r.theme.as_ref()) {
        parts.push(Part::new(
            "word/theme/theme1.xml",
            "application/vnd.openxmlformats-officedocument.theme+xml",
            theme.clone(),
        ));
        document_rels.push(Rel::internal("rIdTheme", "theme", "theme/theme1.xml"));
    }
    if !body.footnote_links.is_empty() {
        parts.push(Part::rels(
            "word/_rels/footnotes.xml.rels",
            &hyperlinks(&body.footnote_links, "rIdNoteLink"),
        ));
    }
    if !header_rels.is_empty() {
        parts.push(Part::rels("word/_rels/header1.xml.rels", &header_rels));
    }
    if !footer_rels.is_empty() {
        parts.push(Part::rels("word/_rels/footer1.xml.rels", &footer_rels));
    }
    parts.push(Part::rels("word/_rels/document.xml.rels", &document_rels));

    let mut content_types = format!(
        "{XML_DECLARATION}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    );
    for part in &parts {
        if let Some(kind) = &part.content_type {
            content_types.push_str(&format!(
                "<Override PartName=\"/{}\" ContentType=\"{}\"/>",
                escape(&part.path),
                escape(kind)
            ));
        }
    }
    content_types.push_str("</Types>");
    parts.insert(
        0,
        Part {
            path: "[Content_Types].xml".into(),
            content_type: None,
            bytes: content_types.into_bytes(),
        },
    );
    zip(&parts, opts)
}

/// Relationships to hyperlink targets, the n-th (from 1) `<prefix><n>`.
fn hyperlinks(targets: &[String], prefix: &str) -> Vec<Rel> {
    targets
        .iter()
        .enumerate()
        .map(|(n, url)| Rel {
            id: format!("{prefix}{}", n + 1),
            kind: format!("{REL}hyperlink"),
            target: url.clone(),
            external: true,
        })
        .collect()
}

/// Adds a reference's header or footer media to the package and its
/// relationships to `rels`.
fn take_part(parts: &mut Vec<Part>, rels: &mut Vec<Rel>, part: &ReferencePart) {
    for rel in &part.rels {
        rels.push(Rel {
            id: rel.id.clone(),
            kind: rel.kind.clone(),
            target: rel.target.clone(),
            external: rel.external,
        });
    }
    for media in &part.media {
        parts.push(Part::new(
            &format!("word/{}", media.target),
            &media.content_type,
            media.bytes.clone(),
        ));
    }
}

/// Zips the parts in their order, every entry with the document's date.
fn zip(parts: &[Part], opts: &DocxOptions<'_>) -> Result<Vec<u8>> {
    // The zip format cannot express dates before 1980.
    let year = opts.date.year().clamp(1980, 2107) as u16;
    let time = zip::DateTime::from_date_and_time(year, opts.date.month(), opts.date.day(), 0, 0, 0)
        .map_err(|e| Error::new(format!("cannot express {} in a zip ({e:?})", opts.date)))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for part in parts {
        zip.start_file(part.path.as_str(), options)
            .with_context(|| format!("failed to add `{}` to the DOCX", part.path))?;
        zip.write_all(&part.bytes)
            .with_context(|| format!("failed to add `{}` to the DOCX", part.path))?;
    }
    Ok(zip.finish()?.into_inner())
}

/// A W3CDTF timestamp of the document's date at midnight UTC.
fn timestamp(opts: &DocxOptions<'_>) -> String {
    let d = opts.date;
    format!("{:04}-{:02}-{:02}T00:00:00Z", d.year(), d.month(), d.day())
}

/// `docProps/core.xml`: title, author, language, id, version, dates. Word's
/// TITLE and AUTHOR fields read these.
fn core_xml(opts: &DocxOptions<'_>) -> String {
    let time = timestamp(opts);
    format!(
        "{XML_DECLARATION}<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:creator>{}</dc:creator><dc:identifier>{}</dc:identifier>\
         <dc:language>{}</dc:language><cp:version>{}</cp:version>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{time}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{time}</dcterms:modified></cp:coreProperties>",
        escape(opts.title),
        escape(opts.org_name),
        escape(opts.doc_id),
        escape(opts.lang),
        escape(opts.version),
    )
}

/// `docProps/app.xml`.
fn app_xml(opts: &DocxOptions<'_>) -> String {
    format!(
        "{XML_DECLARATION}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">\
         <Application>rolecall</Application><Company>{}</Company></Properties>",
        escape(opts.org_name)
    )
}

/// `docProps/custom.xml`: document control as custom properties, so that a
/// reference document's header or footer can show them with DOCPROPERTY fields.
fn custom_xml(opts: &DocxOptions<'_>) -> String {
    let mut xml = format!(
        "{XML_DECLARATION}<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">"
    );
    let properties = [
        ("DocumentId", opts.doc_id),
        ("Version", opts.version),
        ("Classification", opts.classification),
        ("Organisation", opts.org_name),
    ];
    for (n, (name, value)) in properties.iter().enumerate() {
        xml.push_str(&format!(
            "<property fmtid=\"{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}\" pid=\"{}\" name=\"{name}\">\
             <vt:lpwstr>{}</vt:lpwstr></property>",
            n + 2,
            escape(value)
        ));
    }
    xml.push_str("</Properties>");
    xml
}

/// `word/settings.xml`: hyphenation on (in the document's language), Word 2013+
/// compatibility, footnote separators; with a table of contents, Word updates
/// fields on opening.
fn settings_xml(lang: &str, update_fields: bool) -> String {
    format!(
        "{XML_DECLARATION}<w:settings xmlns:w=\"{NS_W}\"><w:zoom w:percent=\"100\"/>\
         <w:defaultTabStop w:val=\"709\"/><w:autoHyphenation w:val=\"true\"/>\
         <w:characterSpacingControl w:val=\"doNotCompress\"/>{}\
         <w:footnotePr><w:footnote w:id=\"-1\"/><w:footnote w:id=\"0\"/></w:footnotePr>\
         <w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" \
         w:val=\"15\"/></w:compat><w:themeFontLang w:val=\"{}\"/></w:settings>",
        if update_fields {
            "<w:updateFields w:val=\"true\"/>"
        } else {
            ""
        },
        escape(lang)
    )
}

/// `word/numbering.xml`: bullets (•, ◦, ▪ by level) and decimal numbers, and
/// one numbering instance per ordered list so each starts at its own number.
fn numbering_xml(ordered: &[(u8, u64)]) -> String {
    let levels = |numbered: bool| -> String {
        (0..9u32)
            .map(|level| {
                let (format, text) = if numbered {
                    ("decimal", format!("%{}.", level + 1))
                } else {
                    ("bullet", ["•", "◦", "▪"][level as usize % 3].to_string())
                };
                let left = 360 * (level + 1);
                format!(
                    "<w:lvl w:ilvl=\"{level}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"{format}\"/>\
                     <w:lvlText w:val=\"{text}\"/><w:lvlJc w:val=\"left\"/><w:pPr>\
                     <w:ind w:left=\"{left}\" w:hanging=\"360\"/></w:pPr></w:lvl>"
                )
            })
            .collect()
    };
    let mut xml = format!(
        "{XML_DECLARATION}<w:numbering xmlns:w=\"{NS_W}\">\
         <w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"hybridMultilevel\"/>{}</w:abstractNum>\
         <w:abstractNum w:abstractNumId=\"1\"><w:multiLevelType w:val=\"hybridMultilevel\"/>{}</w:abstractNum>\
         <w:num w:numId=\"{BULLET_NUM_ID}\"><w:abstractNumId w:val=\"0\"/></w:num>",
        levels(false),
        levels(true)
    );
    for (n, (level, start)) in ordered.iter().enumerate() {
        // Word's start numbers are 32-bit; a larger Markdown start is clamped.
        let start = (*start).min(i32::MAX as u64);
        xml.push_str(&format!(
            "<w:num w:numId=\"{}\"><w:abstractNumId w:val=\"1\"/><w:lvlOverride w:ilvl=\"{level}\">\
             <w:startOverride w:val=\"{start}\"/></w:lvlOverride></w:num>",
            FIRST_ORDERED_NUM_ID + n as u32
        ));
    }
    xml.push_str("</w:numbering>");
    xml
}

/// A borderless table of one row for the page frame, with a rule on one side.
fn frame_table(widths: &[u32], rule_side: &str, rule_colour: &str, cells: &[String]) -> String {
    let mut xml = format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{}\" w:type=\"dxa\"/><w:tblBorders>",
        widths.iter().sum::<u32>()
    );
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        if side == rule_side {
            xml.push_str(&format!(
                "<w:{side} w:val=\"single\" w:sz=\"5\" w:space=\"0\" w:color=\"{rule_colour}\"/>"
            ));
        } else {
            xml.push_str(&format!("<w:{side} w:val=\"nil\"/>"));
        }
    }
    xml.push_str(
        "</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblCellMar><w:top w:w=\"40\" w:type=\"dxa\"/>\
         <w:left w:w=\"0\" w:type=\"dxa\"/><w:bottom w:w=\"60\" w:type=\"dxa\"/><w:right w:w=\"0\" w:type=\"dxa\"/>\
         </w:tblCellMar></w:tblPr><w:tblGrid>",
    );
    for w in widths {
        xml.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    xml.push_str("</w:tblGrid><w:tr>");
    for (w, cell) in widths.iter().zip(cells) {
        xml.push_str(&format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{w}\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>{cell}</w:tc>"
        ));
    }
    xml.push_str("</w:tr></w:tbl>");
    xml
}

/// A paragraph of the header or footer style with the given alignment.
fn frame_paragraph(ids: &StyleIds, style: Style, jc: &str, runs: &str) -> String {
    format!(
        "<w:p><w:pPr><w:pStyle w:val=\"{}\"/><w:jc w:val=\"{jc}\"/></w:pPr>{runs}</w:p>",
        escape(ids.id(style))
    )
}

/// A run of plain text.
fn run(props: &str, text: &str) -> String {
    format!(
        "<w:r>{props}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
        escape(text)
    )
}

/// Word wants a paragraph after a table at the end of a header or footer; a
/// tiny one takes no room.
const TRAILING_PARAGRAPH: &str = "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"20\" \
     w:lineRule=\"exact\"/><w:rPr><w:sz w:val=\"2\"/></w:rPr></w:pPr></w:p>";

/// The letterhead: logo (or the organisation's name) left; organisation (with
/// a logo) and title right; a rule in the accent colour below.
fn letterhead(opts: &DocxOptions<'_>, ids: &StyleIds, page: &Page, logo: Option<&Image>) -> String {
    let width = page.text_width();
    let (left_runs, left_width) = match logo {
        Some(image) => (image.drawing(), image.width_emu.div_ceil(635) as u32 + 200),
        None => (
            run(
                &format!(
                    "<w:rPr><w:b/><w:bCs/><w:color w:val=\"{}\"/></w:rPr>",
                    colours::ACCENT
                ),
                opts.org_name,
            ),
            width * 2 / 5,
        ),
    };
    let left_width = left_width.min(width / 2);
    let mut right_runs = String::new();
    if logo.is_some() {
        right_runs.push_str(&run("", opts.org_name));
        right_runs.push_str("<w:r><w:br/></w:r>");
    }
    right_runs.push_str(&run("", opts.title));
    let cells = [
        frame_paragraph(ids, Style::Header, "left", &left_runs),
        frame_paragraph(ids, Style::Header, "right", &right_runs),
    ];
    format!(
        "{XML_DECLARATION}<w:hdr {}>{}{TRAILING_PARAGRAPH}</w:hdr>",
        namespaces(),
        frame_table(
            &[left_width, width - left_width],
            "bottom",
            colours::ACCENT,
            &cells
        )
    )
}

/// The footer: document id and version left, classification centred,
/// "Page X of Y" right with PAGE and NUMPAGES fields, a rule above.
fn footer(opts: &DocxOptions<'_>, ids: &StyleIds, page: &Page) -> String {
    let width = page.text_width();
    let version = opts.labels.version.replace("{version}", opts.version);
    let left = format!(
        "{}{}",
        run("", opts.doc_id),
        run("", &format!("  {version}"))
    );
    let cells = [
        frame_paragraph(ids, Style::Footer, "left", &left),
        frame_paragraph(ids, Style::Footer, "center", &run("", opts.classification)),
        frame_paragraph(ids, Style::Footer, "right", &page_label(opts.labels.page)),
    ];
    let side = width * 3 / 8;
    format!(
        "{XML_DECLARATION}<w:ftr {}>{}{TRAILING_PARAGRAPH}</w:ftr>",
        namespaces(),
        frame_table(
            &[side, width - 2 * side, side],
            "top",
            colours::RULE,
            &cells
        )
    )
}

/// The runs of a page label: text, with `{page}` and `{pages}` as Word's PAGE
/// and NUMPAGES fields.
fn page_label(label: &str) -> String {
    let mut runs = String::new();
    let mut rest = label;
    loop {
        let page = rest.find("{page}");
        let pages = rest.find("{pages}");
        let next = match (page, pages) {
            (Some(a), Some(b)) if b <= a => Some((b, "{pages}", " NUMPAGES ")),
            (Some(a), _) => Some((a, "{page}", " PAGE ")),
            (None, Some(b)) => Some((b, "{pages}", " NUMPAGES ")),
            (None, None) => None,
        };
        let Some((at, placeholder, instruction)) = next else {
            if !rest.is_empty() {
                runs.push_str(&run("", rest));
            }
            return runs;
        };
        if at > 0 {
            runs.push_str(&run("", &rest[..at]));
        }
        runs.push_str(&field("", instruction, "1", false));
        rest = &rest[at + placeholder.len()..];
    }
}

/// A logo: its format and size.
struct Image {
    /// Extension of its part (`png`, `jpeg`, `gif`).
    ext: &'static str,
    /// Its content type.
    content_type: &'static str,
    /// Width in EMU at the letterhead's height of 1 cm.
    width_emu: u64,
}

/// The logo's height in the letterhead: 1 cm in EMU, as in the PDF.
const LOGO_HEIGHT_EMU: u64 = 360_000;

impl Image {
    /// Reads a logo's format and pixel size from its header.
    fn read(logo: Logo<'_>) -> Result<Image> {
        let (ext, content_type) = match logo.ext {
            "png" => ("png", "image/png"),
            "jpg" | "jpeg" => ("jpeg", "image/jpeg"),
            "gif" => ("gif", "image/gif"),
            other => return Err(Error::new(format!("cannot put a `{other}` logo in a Word document")).hint("give the organisation a PNG or JPEG logo (organisation.logo), or build without docx")),
        };
        let Some((w, h)) = pixel_size(logo.bytes, ext) else {
            return Err(Error::new(format!(
                "the logo is not a readable {} image",
                ext.to_uppercase()
            ))
            .hint("check the file named by organisation.logo"));
        };
        // Within bounds: a very wide logo stays within the letterhead's half.
        let width_emu = (LOGO_HEIGHT_EMU * u64::from(w) / u64::from(h.max(1))).clamp(1, 3_240_000);
        Ok(Image {
            ext,
            content_type,
            width_emu,
        })
    }

    /// The inline drawing run of the logo.
    fn drawing(&self) -> String {
        let (cx, cy) = (self.width_emu, LOGO_HEIGHT_EMU);
        format!(
            "<w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">\
             <wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:docPr id=\"1\" name=\"Logo\"/>\
             <a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">\
             <pic:pic><pic:nvPicPr><pic:cNvPr id=\"1\" name=\"logo.{}\"/><pic:cNvPicPr/></pic:nvPicPr>\
             <pic:blipFill><a:blip r:embed=\"rIdLogo\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>\
             <pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm>\
             <a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData>\
             </a:graphic></wp:inline></w:drawing></w:r>",
            self.ext
        )
    }
}

/// Width and height in pixels from a PNG, JPEG or GIF header.
fn pixel_size(bytes: &[u8], ext: &str) -> Option<(u32, u32)> {
    let be16 = |b: &[u8], at: usize| -> Option<u32> {
        Some(u32::from(u16::from_be_bytes([
            *b.get(at)?,
            *b.get(at + 1)?,
        ])))
    };
    let size = match ext {
        "png" => {
            if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.get(12..16)? != b"IHDR" {
                return None;
            }
            let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
            let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
            (w, h)
        }
        "gif" => {
            if !bytes.starts_with(b"GIF8") {
                return None;
            }
            let w = u32::from(u16::from_le_bytes([*bytes.get(6)?, *bytes.get(7)?]));
            let h = u32::from(u16::from_le_bytes([*bytes.get(8)?, *bytes.get(9)?]));
            (w, h)
        }
        _ => {
            // JPEG: walk the segments to a start-of-frame marker.
            if !bytes.starts_with(&[0xFF, 0xD8]) {
                return None;
            }
            let mut at = 2;
            loop {
                if *bytes.get(at)? != 0xFF {
                    return None;
                }
                let marker = *bytes.get(at + 1)?;
                if marker == 0xFF {
                    at += 1;
                    continue;
                }
                let sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                if sof {
                    break (be16(bytes, at + 7)?, be16(bytes, at + 5)?);
                }
                at += 2 + usize::try_from(be16(bytes, at + 2)?).ok()?;
            }
        }
    };
    (size.0 > 0 && size.1 > 0).then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Page labels put fields where the placeholders are, text elsewhere.
    #[test]
    fn page_labels() {
        let runs = page_label("Seite {page} von {pages}");
        let page = runs.find(" PAGE ").unwrap_or(usize::MAX);
        let pages = runs.find(" NUMPAGES ").unwrap_or(0);
        assert!(page < pages, "{runs}");
        assert!(runs.starts_with("<w:r><w:t xml:space=\"preserve\">Seite </w:t></w:r>"));
        assert!(runs.contains(">von </w:t>") || runs.contains("> von </w:t>"));
        assert_eq!(
            page_label("{pages}/{page}")
                .matches("fldChar w:fldCharType=\"begin\"")
                .count(),
            2
        );
        assert_eq!(page_label("no fields {x}"), run("", "no fields {x}"));
    }

    /// Image sizes come from the headers; bad bytes give none.
    #[test]
    fn image_sizes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend(300u32.to_be_bytes());
        png.extend(100u32.to_be_bytes());
        assert_eq!(pixel_size(&png, "png"), Some((300, 100)));
        assert_eq!(pixel_size(&png[..20], "png"), None);
        assert_eq!(pixel_size(b"GIF89a\x10\x00\x20\x00", "gif"), Some((16, 32)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00,
            0x40, 0x00, 0x80,
        ];
        assert_eq!(pixel_size(&jpeg, "jpeg"), Some((128, 64)));
        assert_eq!(pixel_size(&jpeg[..12], "jpeg"), None);
        assert_eq!(pixel_size(b"", "jpeg"), None);
    }
}
