//! A user's reference document (`--docx-reference FILE`, as pandoc's
//! `--reference-doc`): the styles, theme, default header and default footer
//! that the documents take from it.
//!
//! Place in the pipeline: read once per document by [`super::document`] before
//! the writer runs, since the style ids depend on it; [`super::package`] then
//! writes its styles (with the document's language and any style the reference
//! lacks added), its header and footer with their images, and its theme. The
//! reference is untrusted input: sizes are bounded, every XML part is parsed
//! before it is used, and anything unexpected is an error with a hint, never a
//! panic.

use std::collections::BTreeMap;
use std::io::{Cursor, Read as _};

use crate::error::{Context as _, Error, Result};
use quick_xml::events::{BytesStart, Event};

use super::package::NS_W;
use super::styles::lang_element;

/// Largest part read from a reference document (a zip bomb stops here).
const MAX_PART_BYTES: u64 = 32 << 20;

/// What the hint of every reference error says.
const HINT: &str = "pass a document saved by Word or LibreOffice as Word Document (.docx)";

/// A parsed reference document.
#[derive(Debug)]
pub struct Reference {
    /// Lowercase built-in style name → style id.
    pub style_names: BTreeMap<String, String>,
    /// Every style id it defines.
    pub style_ids: Vec<String>,
    /// Its `styles.xml`.
    styles: String,
    /// Its default header.
    pub header: Option<ReferencePart>,
    /// Its default footer.
    pub footer: Option<ReferencePart>,
    /// Its theme part.
    pub theme: Option<Vec<u8>>,
}

/// A header or footer taken from the reference.
#[derive(Debug)]
pub struct ReferencePart {
    /// Its XML.
    pub xml: Vec<u8>,
    /// Its relationships, internal targets renamed to the media below.
    pub rels: Vec<super::package::Rel>,
    /// The parts it refers to (images), under their new names.
    pub media: Vec<Media>,
}

/// A part that a header or footer refers to.
#[derive(Debug)]
pub struct Media {
    /// Its path below `word/`.
    pub target: String,
    /// Its content type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A relationship as read.
#[derive(Debug, Clone)]
struct RawRel {
    /// `Id`.
    id: String,
    /// `Type`.
    kind: String,
    /// `Target`.
    target: String,
    /// `TargetMode="External"`.
    external: bool,
}

/// The zip and its content types.
struct Package {
    /// The archive.
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
    /// Part name (`/word/x.xml`) → content type, from `Override`.
    overrides: BTreeMap<String, String>,
    /// Lowercase extension → content type, from `Default`.
    defaults: BTreeMap<String, String>,
}

impl Package {
    /// Reads a part, bounded in size; `None` when there is no such part.
    fn read(&mut self, path: &str) -> Result<Option<Vec<u8>>> {
        let file = match self.zip.by_name(path) {
            Ok(f) => f,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot read `{path}` of the reference document ({e})"
                ))
                .hint(HINT));
            }
        };
        let mut bytes = Vec::new();
        file.take(MAX_PART_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Error::new(format!(
                    "cannot read `{path}` of the reference document ({e})"
                ))
                .hint(HINT)
            })?;
        if bytes.len() as u64 > MAX_PART_BYTES {
            return Err(Error::new(format!(
                "`{path}` of the reference document is larger than {} MiB",
                MAX_PART_BYTES >> 20
            ))
            .hint(HINT));
        }
        Ok(Some(bytes))
    }

    /// Reads an XML part as text, checking that it is well-formed.
    fn read_xml(&mut self, path: &str) -> Result<Option<String>> {
        let Some(bytes) = self.read(path)? else {
            return Ok(None);
        };
        let text = String::from_utf8(bytes).map_err(|_| {
            Error::new(format!(
                "`{path}` of the reference document is not UTF-8 XML"
            ))
            .hint(HINT)
        })?;
        let mut reader = quick_xml::Reader::from_str(&text);
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(Error::new(format!(
                        "`{path}` of the reference document is not well-formed XML ({e})"
                    ))
                    .hint(HINT));
                }
            }
        }
        Ok(Some(text))
    }

    /// The relationships of the part at `path`.
    fn rels(&mut self, path: &str) -> Result<Vec<RawRel>> {
        let (dir, name) = split_path(path);
        let rels_path = format!("{dir}_rels/{name}.rels");
        let Some(xml) = self.read_xml(&rels_path)? else {
            return Ok(Vec::new());
        };
        let mut rels = Vec::new();
        for element in elements(&xml, &rels_path)? {
            if element.name != "Relationship" {
                continue;
            }
            rels.push(RawRel {
                id: element.attr("Id").to_string(),
                kind: element.attr("Type").to_string(),
                target: element.attr("Target").to_string(),
                external: element.attr("TargetMode") == "External",
            });
        }
        Ok(rels)
    }

    /// The content type of the part at `path`.
    fn content_type(&self, path: &str) -> Option<String> {
        if let Some(t) = self.overrides.get(&format!("/{path}")) {
            return Some(t.clone());
        }
        let ext = path.rsplit_once('.')?.1.to_lowercase();
        self.defaults.get(&ext).cloned()
    }
}

impl Reference {
    /// Reads a reference document from its bytes.
    pub fn read(bytes: &[u8]) -> Result<Reference> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).map_err(|e| {
            Error::new(format!("the reference document is not a .docx file ({e})")).hint(HINT)
        })?;
        let mut package = Package {
            zip,
            overrides: BTreeMap::new(),
            defaults: BTreeMap::new(),
        };
        let types = package.read_xml("[Content_Types].xml")?.ok_or_else(|| {
            Error::new("the reference document has no [Content_Types].xml".to_string()).hint(HINT)
        })?;
        for e in elements(&types, "[Content_Types].xml")? {
            match e.name.as_str() {
                "Override" => {
                    package.overrides.insert(
                        e.attr("PartName").to_string(),
                        e.attr("ContentType").to_string(),
                    );
                }
                "Default" => {
                    package.defaults.insert(
                        e.attr("Extension").to_lowercase(),
                        e.attr("ContentType").to_string(),
                    );
                }
                _ => {}
            }
        }
        let main = package
            .rels("")?
            .into_iter()
            .find(|r| r.kind.ends_with("/officeDocument") && !r.external)
            .map(|r| r.target.trim_start_matches('/').to_string())
            .ok_or_else(|| {
                Error::new("the reference document has no main document part".to_string())
                    .hint(HINT)
            })?;
        let document = package.read_xml(&main)?.ok_or_else(|| {
            Error::new(format!("the reference document lacks its part `{main}`")).hint(HINT)
        })?;
        let document_rels = package.rels(&main)?;
        let (dir, _) = split_path(&main);
        let target = |kind: &str| -> Option<String> {
            document_rels
                .iter()
                .find(|r| r.kind.ends_with(kind) && !r.external)
                .map(|r| resolve(dir, &r.target))
        };
        let styles_path = target("/styles").ok_or_else(|| {
            Error::new("the reference document has no styles".to_string()).hint(HINT)
        })?;
        let styles = package.read_xml(&styles_path)?.ok_or_else(|| {
            Error::new(format!(
                "the reference document lacks its part `{styles_path}`"
            ))
            .hint(HINT)
        })?;
        let (style_names, style_ids) = style_names(&styles, &styles_path)?;
        let theme = match target("/theme") {
            Some(path) => package.read(&path)?,
            None => None,
        };

        // The default header and footer of the last section.
        let mut header = None;
        let mut footer = None;
        for e in elements(&document, &main)? {
            let default = matches!(e.attr("type"), "" | "default");
            match e.name.as_str() {
                "sectPr" => {
                    header = None;
                    footer = None;
                }
                "headerReference" if default => header = Some(e.attr("id").to_string()),
                "footerReference" if default => footer = Some(e.attr("id").to_string()),
                _ => {}
            }
        }
        let mut part = |id: Option<String>, what: &str| -> Result<Option<ReferencePart>> {
            let Some(rel) = id.and_then(|id| document_rels.iter().find(|r| r.id == id)) else {
                return Ok(None);
            };
            let path = resolve(dir, &rel.target);
            let xml = package.read_xml(&path)?.ok_or_else(|| {
                Error::new(format!("the reference document lacks its part `{path}`")).hint(HINT)
            })?;
            let (part_dir, _) = split_path(&path);
            let mut rels = Vec::new();
            let mut media = Vec::new();
            for (n, rel) in package.rels(&path)?.into_iter().enumerate() {
                let target = if rel.external {
                    rel.target.clone()
                } else {
                    let source = resolve(part_dir, &rel.target);
                    let bytes = package.read(&source)?.ok_or_else(|| {
                        Error::new(format!("the reference document lacks its part `{source}`"))
                            .hint(HINT)
                    })?;
                    let content_type = package.content_type(&source).ok_or_else(|| {
                        Error::new(format!(
                            "the reference document gives no content type for `{source}`"
                        ))
                        .hint(HINT)
                    })?;
                    let ext = source
                        .rsplit_once('.')
                        .map(|(_, e)| e.to_lowercase())
                        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()))
                        .unwrap_or_else(|| "bin".into());
                    let target = format!("media/reference-{what}-{}.{ext}", n + 1);
                    media.push(Media {
                        target: target.clone(),
                        content_type,
                        bytes,
                    });
                    target
                };
                rels.push(super::package::Rel {
                    id: rel.id,
                    kind: rel.kind,
                    target,
                    external: rel.external,
                });
            }
            Ok(Some(ReferencePart {
                xml: xml.into_bytes(),
                rels,
                media,
            }))
        };
        let header = part(header, "header")?;
        let footer = part(footer, "footer")?;
        Ok(Reference {
            style_names,
            style_ids,
            styles,
            header,
            footer,
            theme,
        })
    }

    /// The reference's `styles.xml` with the document's language as the
    /// default language and `definitions` (the styles it lacks) added.
    pub fn styles_xml(&self, definitions: &str, lang: &str) -> Result<String> {
        let error = |e: &dyn std::fmt::Display| {
            Error::new(format!(
                "cannot take the styles of the reference document ({e})"
            ))
            .hint(HINT)
        };
        let mut reader = quick_xml::Reader::from_str(&self.styles);
        let mut writer = quick_xml::Writer::new(Vec::new());
        let raw = |writer: &mut quick_xml::Writer<Vec<u8>>, s: &str| {
            writer.get_mut().extend_from_slice(s.as_bytes());
        };
        let lang = lang_element(lang);
        let rpr_default = format!("<w:rPrDefault><w:rPr>{lang}</w:rPr></w:rPrDefault>");
        // Where the reader is: the depth of the root, inside docDefaults,
        // inside rPrDefault's rPr, skipping an old w:lang.
        let mut depth = 0usize;
        let mut defaults_seen = false;
        let mut in_defaults = false;
        let mut rpr_default_seen = false;
        let mut in_rpr_default = false;
        let mut in_rpr = false;
        let mut skipping = 0usize;
        loop {
            let event = reader.read_event().map_err(|e| error(&e))?;
            if skipping > 0 {
                match event {
                    Event::Start(_) => skipping += 1,
                    Event::End(_) => skipping -= 1,
                    Event::Eof => break,
                    _ => {}
                }
                continue;
            }
            match &event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = local(e);
                    let empty = matches!(event, Event::Empty(_));
                    if depth == 0 {
                        check_namespace(e).map_err(|e| error(&e))?;
                    }
                    if depth == 1 && !defaults_seen && name != "docDefaults" {
                        // docDefaults comes first in styles.xml.
                        defaults_seen = true;
                        raw(
                            &mut writer,
                            &format!("<w:docDefaults>{rpr_default}</w:docDefaults>"),
                        );
                    }
                    if depth == 1 && name == "docDefaults" {
                        defaults_seen = true;
                        if empty {
                            raw(
                                &mut writer,
                                &format!("<w:docDefaults>{rpr_default}</w:docDefaults>"),
                            );
                            continue;
                        }
                        in_defaults = true;
                    } else if in_defaults && depth == 2 {
                        if name == "rPrDefault" {
                            rpr_default_seen = true;
                            if empty {
                                raw(&mut writer, &rpr_default);
                                continue;
                            }
                            in_rpr_default = true;
                        } else if !rpr_default_seen {
                            rpr_default_seen = true;
                            raw(&mut writer, &rpr_default);
                        }
                    } else if in_rpr_default && depth == 3 && name == "rPr" {
                        if empty {
                            raw(&mut writer, &format!("<w:rPr>{lang}</w:rPr>"));
                            continue;
                        }
                        in_rpr = true;
                    } else if in_rpr && depth == 4 && name == "lang" {
                        if !empty {
                            skipping = 1;
                        }
                        continue;
                    }
                    if !empty {
                        depth += 1;
                    }
                }
                Event::End(e) => {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    depth = depth.saturating_sub(1);
                    if in_rpr && depth == 3 && name == "rPr" {
                        in_rpr = false;
                        raw(&mut writer, &lang);
                    } else if in_rpr_default && depth == 2 && name == "rPrDefault" {
                        in_rpr_default = false;
                    } else if in_defaults && depth == 1 && name == "docDefaults" {
                        in_defaults = false;
                        if !rpr_default_seen {
                            rpr_default_seen = true;
                            raw(&mut writer, &rpr_default);
                        }
                    } else if depth == 0 {
                        if !defaults_seen {
                            defaults_seen = true;
                            raw(
                                &mut writer,
                                &format!("<w:docDefaults>{rpr_default}</w:docDefaults>"),
                            );
                        }
                        raw(&mut writer, definitions);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            writer.write_event(event).map_err(|e| error(&e))?;
        }
        String::from_utf8(writer.into_inner()).map_err(|e| error(&e))
    }
}

/// The root element must bind `w` to the transitional main namespace, the
/// prefix our added styles use.
fn check_namespace(root: &BytesStart<'_>) -> Result<()> {
    let bound = root
        .attributes()
        .flatten()
        .any(|a| a.key.as_ref() == b"xmlns:w" && a.value.as_ref() == NS_W.as_bytes());
    if !bound {
        return Err(Error::new(
            "its styles do not use the usual WordprocessingML namespace; a Strict Open XML document is not supported",
        ));
    }
    Ok(())
}

/// A start or empty element's local name and attributes (by local name).
struct Element {
    /// Local name.
    name: String,
    /// Local attribute name → unescaped value.
    attrs: BTreeMap<String, String>,
}

impl Element {
    /// An attribute's value, or "".
    fn attr(&self, name: &str) -> &str {
        self.attrs.get(name).map_or("", String::as_str)
    }
}

/// The local name of an element.
fn local(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// Every start or empty element of an XML text, in order.
fn elements(xml: &str, path: &str) -> Result<Vec<Element>> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| {
            Error::new(format!(
                "`{path}` of the reference document is not well-formed XML ({e})"
            ))
            .hint(HINT)
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let mut attrs = BTreeMap::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| {
                        Error::new(format!(
                            "`{path}` of the reference document has a bad attribute ({e})"
                        ))
                        .hint(HINT)
                    })?;
                    let value =
                        a.decode_and_unescape_value(reader.decoder())
                            .with_context(|| {
                                format!("`{path}` of the reference document has a bad attribute")
                            })?;
                    attrs.insert(
                        String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                        value.into_owned(),
                    );
                }
                out.push(Element {
                    name: local(&e),
                    attrs,
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The style names and ids of a `styles.xml`.
fn style_names(xml: &str, path: &str) -> Result<(BTreeMap<String, String>, Vec<String>)> {
    let mut names = BTreeMap::new();
    let mut ids = Vec::new();
    let mut current: Option<String> = None;
    for e in elements(xml, path)? {
        match e.name.as_str() {
            "style" => {
                let id = e.attr("styleId").to_string();
                ids.push(id.clone());
                current = Some(id);
            }
            "name" => {
                if let Some(id) = current.take() {
                    names.entry(e.attr("val").to_lowercase()).or_insert(id);
                }
            }
            _ => {}
        }
    }
    Ok((names, ids))
}

/// A part path's folder (with a trailing `/`, or "") and file name.
fn split_path(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    }
}

/// Resolves a relationship target against the source part's folder.
fn resolve(dir: &str, target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_string();
    }
    let mut segments: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for segment in target.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    segments.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Targets resolve against the folder, `..` included.
    #[test]
    fn paths() {
        assert_eq!(split_path("word/document.xml"), ("word/", "document.xml"));
        assert_eq!(split_path(""), ("", ""));
        assert_eq!(resolve("word/", "media/a.png"), "word/media/a.png");
        assert_eq!(resolve("word/", "../customXml/x.xml"), "customXml/x.xml");
        assert_eq!(resolve("word/", "/word/styles.xml"), "word/styles.xml");
        assert_eq!(resolve("", "word/document.xml"), "word/document.xml");
    }

    /// The language replaces the reference's default, and missing styles are
    /// appended before the end; other content is kept.
    #[test]
    fn styles_get_language_and_definitions() {
        let styles = format!(
            "<?xml version=\"1.0\"?><w:styles xmlns:w=\"{NS_W}\"><w:docDefaults><w:rPrDefault><w:rPr>\
             <w:sz w:val=\"22\"/><w:lang w:val=\"fr-FR\"/></w:rPr></w:rPrDefault><w:pPrDefault/></w:docDefaults>\
             <w:style w:styleId=\"Standard\"><w:name w:val=\"Normal\"/></w:style></w:styles>"
        );
        let reference = Reference {
            style_names: BTreeMap::new(),
            style_ids: Vec::new(),
            styles,
            header: None,
            footer: None,
            theme: None,
        };
        let xml = reference
            .styles_xml("<w:style w:styleId=\"X\"/>", "de-DE")
            .unwrap_or_default();
        assert!(!xml.contains("fr-FR"), "{xml}");
        assert!(
            xml.contains("<w:sz w:val=\"22\"/><w:lang w:val=\"de-DE\""),
            "{xml}"
        );
        assert!(
            xml.ends_with("<w:style w:styleId=\"X\"/></w:styles>"),
            "{xml}"
        );
        assert!(xml.contains("<w:name w:val=\"Normal\"/>"));

        // No docDefaults at all: one is put first.
        let bare = Reference {
            styles: format!("<w:styles xmlns:w=\"{NS_W}\"><w:style w:styleId=\"A\"/></w:styles>"),
            ..reference
        };
        let xml = bare.styles_xml("", "en-GB").unwrap_or_default();
        assert!(
            xml.starts_with(&format!(
                "<w:styles xmlns:w=\"{NS_W}\"><w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val=\"en-GB\""
            )),
            "{xml}"
        );
    }

    /// Not a zip, or a zip without the parts of a document: errors with a hint.
    #[test]
    fn bad_references_are_errors() {
        let err = Reference::read(b"not a zip").map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("is not a .docx file"), "{err}");
        assert!(err.report().contains("hint:"), "{err}");
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let _ = zip.start_file("a.txt", zip::write::SimpleFileOptions::default());
        let bytes = zip.finish().map(|c| c.into_inner()).unwrap_or_default();
        let err = Reference::read(&bytes).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("[Content_Types].xml"), "{err}");
    }
}
