//! The browsable bundle: `index.html` and an HTML twin beside every Markdown document.
//!
//! Last stage before `bundle::assemble`. [`pages`] reads the final list of bundle
//! files, so whatever an earlier stage added (PDFs, exports, the model copy) is
//! listed in `index.html` without changes here. Each Markdown document is rendered
//! by pulldown-cmark's HTML writer with the Markdown dialect of the render stage;
//! raw HTML in the Markdown is shown as text, links are limited to the bundle,
//! `http(s)` and `mailto`, and links to a Markdown document point at its twin.
//! The pages themselves are Tera templates (`templates/html/`, overridable like
//! the Markdown ones) fed with the view structs below: every word on them comes
//! from the templates and the locale. `render::filters::escape_html` is the one
//! HTML escape, which Tera applies to every `{{ value }}`. The pages carry one embedded stylesheet
//! (`html/style.css`): no script, no network.

use std::collections::{BTreeMap, BTreeSet};

use pulldown_cmark::{Alignment, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::bundle::BundleFile;
use crate::error::{Context as _, Result};
use crate::render::context::RACI_CODES;
use crate::render::documents::Group;
use crate::render::filters::escape_html as escape;
use crate::render::{BundleInfo, Document, Templates};
use crate::url::percent_encode;

/// Files `assemble` adds after this stage, with their locale keys
/// (`html.index.integrity.<key>`); the index links them.
const INTEGRITY: &[(&str, &str)] = &[("manifest.json", "manifest"), ("SHA256SUMS", "sums")];

/// A link to another file of a page's document.
#[derive(Debug, Serialize)]
struct Format {
    /// Relative, percent-encoded URL.
    href: String,
    /// `PDF`, `Markdown`, ...
    label: String,
    /// Whether it is the document's Markdown source.
    markdown: bool,
}

/// A file by its path, for the index's file lists.
#[derive(Debug, Serialize)]
struct FileLink {
    href: String,
    path: String,
    /// `TOML`, `PDF`, ... (for the file lists).
    label: String,
    /// Locale key of what it is (for the integrity files).
    key: String,
}

/// One document in the index.
#[derive(Debug, Serialize)]
struct DocRow {
    href: String,
    label: String,
    control: Option<String>,
    evidences: String,
    formats: Vec<Format>,
}

/// The documents of one index group.
#[derive(Debug, Serialize)]
struct GroupView {
    /// The group's locale key (`index.groups.<key>`).
    key: &'static str,
    docs: Vec<DocRow>,
}

/// The README's two forms.
#[derive(Debug, Serialize)]
struct Readme {
    html: String,
    md: String,
}

/// What `html/index.html` receives as `index`.
#[derive(Debug, Serialize)]
struct IndexView<'a> {
    org: &'a str,
    policy: String,
    date: &'a str,
    tool_version: &'a str,
    model_digest: &'a str,
    /// How many documents the table of documents rendered.
    documents: usize,
    pdf: bool,
    /// The fingerprint of the key that signs `SHA256SUMS`, in a signed bundle.
    signed_by: Option<&'a str>,
    groups: Vec<GroupView>,
    others: Vec<DocRow>,
    readme: Option<Readme>,
    integrity: Vec<FileLink>,
    model: Vec<FileLink>,
    rest: Vec<FileLink>,
}

/// The source link of a document page.
#[derive(Debug, Serialize)]
struct Source {
    href: String,
    path: String,
}

/// What `html/page.html` receives as `page`.
#[derive(Debug, Serialize)]
struct PageView {
    title: String,
    class: &'static str,
    home: String,
    formats: Vec<Format>,
    body: String,
    control: Option<String>,
    source: Source,
}

/// The HTML pages for the bundle `files` and the PDFs `pdfs` (paths only: they
/// may still be typesetting): a twin `X.html` of every Markdown document `X.md`
/// (outside `model/`) and `index.html`, sorted by path.
pub fn pages(
    files: &[BundleFile],
    pdfs: &[String],
    org: &str,
    docs: &[Document],
    info: &BundleInfo,
    templates: &Templates,
) -> Result<Vec<BundleFile>> {
    let site = Site::new(files, pdfs, org, docs, info, templates)?;
    let mut out = Vec::new();
    for f in files {
        let Some(twin) = twin_of(&f.path) else {
            continue;
        };
        let markdown = std::str::from_utf8(&f.bytes)
            .with_context(|| format!("failed to read `{}` as UTF-8 for its HTML page", f.path))?;
        out.push(BundleFile::text(
            twin.clone(),
            site.document_page(&f.path, &twin, markdown)?,
        ));
    }
    out.push(BundleFile::text("index.html", site.index_page()?));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The HTML twin of a bundle path, if it is a Markdown document.
fn twin_of(path: &str) -> Option<String> {
    if path.starts_with("model/") {
        return None;
    }
    path.strip_suffix(".md").map(|stem| format!("{stem}.html"))
}

/// Everything the pages are made from.
struct Site<'a> {
    org: &'a str,
    policy: String,
    info: &'a BundleInfo,
    templates: &'a Templates,
    /// Every path of the final bundle (HTML pages and integrity files included).
    paths: BTreeSet<String>,
    /// The non-HTML files of the bundle, in path order.
    files: Vec<&'a str>,
    /// Rendered documents by path, and their order.
    docs: BTreeMap<&'a str, &'a Document>,
    order: Vec<&'a str>,
    /// The RACI letters as the locale writes them, with their codes.
    letters: Vec<(String, &'static str)>,
    /// How a file without a known extension is named.
    text_label: String,
}

impl<'a> Site<'a> {
    fn new(
        files: &'a [BundleFile],
        pdfs: &'a [String],
        org: &'a str,
        docs: &'a [Document],
        info: &'a BundleInfo,
        templates: &'a Templates,
    ) -> Result<Site<'a>> {
        let locale = templates.locale();
        let mut paths: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
        paths.extend(pdfs.iter().cloned());
        paths.extend(files.iter().filter_map(|f| twin_of(&f.path)));
        paths.insert("index.html".into());
        paths.extend(INTEGRITY.iter().map(|(p, _)| p.to_string()));
        let mut file_list: Vec<&str> = files
            .iter()
            .map(|f| f.path.as_str())
            .chain(pdfs.iter().map(String::as_str))
            .collect();
        file_list.sort_unstable();
        let letters = RACI_CODES
            .iter()
            .map(|code| {
                Ok((
                    locale.text(&format!("raci.letters.{code}"))?.to_string(),
                    *code,
                ))
            })
            .collect::<Result<_>>()?;
        let policy = docs
            .iter()
            .find(|d| d.spec.id == crate::render::documents::POLICY);
        let policy = match policy {
            Some(p) => format!(
                "{} ({})",
                p.title,
                locale.plain(
                    "common.id_version",
                    &[("id", &p.doc_id), ("version", &p.version)]
                )?
            ),
            None => String::new(),
        };
        Ok(Site {
            org,
            policy,
            info,
            templates,
            paths,
            files: file_list,
            docs: docs.iter().map(|d| (d.path.as_str(), d)).collect(),
            order: docs.iter().map(|d| d.path.as_str()).collect(),
            letters,
            text_label: locale.text("html.text")?.to_string(),
        })
    }

    /// `ISMS-POL-05/ceo version 3.0`, as the locale writes it.
    fn control(&self, doc: &Document) -> Result<String> {
        self.templates.locale().plain(
            "common.id_version",
            &[("id", &doc.doc_id), ("version", &doc.version)],
        )
    }

    /// How a file is named in a list of formats: `PDF`, `Markdown`, `CSV`, ...
    fn format_label(&self, path: &str) -> String {
        format_label(path).unwrap_or_else(|| self.text_label.clone())
    }

    /// The other files of a document `dir/stem.md`: `dir/stem.*` but its twin,
    /// PDF first, then by extension, the Markdown last, linked from `page`.
    fn formats(&self, md: &str, page: &str) -> Vec<Format> {
        let stem = md.strip_suffix(".md").unwrap_or(md);
        let mut out: Vec<&str> = self
            .files
            .iter()
            .copied()
            .filter(|p| {
                p.strip_prefix(stem)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|ext| !ext.contains('/') && ext != "md" && ext != "html")
            })
            .collect();
        out.sort_by_key(|p| (!p.ends_with(".pdf"), *p));
        if self.files.contains(&md) {
            out.push(md);
        }
        out.into_iter()
            .map(|p| Format {
                href: link(page, p),
                label: self.format_label(p),
                markdown: p == md,
            })
            .collect()
    }

    /// The page of the Markdown document `md`, written to `page`.
    fn document_page(&self, md: &str, page: &str, markdown: &str) -> Result<String> {
        let doc = self.docs.get(md).copied();
        let raci = doc.is_some_and(|d| d.spec.raci_cells);
        let letters: &[(String, &'static str)] = if raci { &self.letters } else { &[] };
        let (body, heading) = markdown_body(markdown, page, &self.paths, letters);
        let title = doc
            .map(|d| d.label.clone())
            .or(heading)
            .unwrap_or_else(|| md.to_string());
        let class = match doc.map(|d| d.spec) {
            Some(s) if s.wide => "doc matrix",
            Some(s) if s.is_sheet() => "doc sheet",
            _ => "doc",
        };
        let view = PageView {
            title,
            class,
            home: link(page, "index.html"),
            formats: self.formats(md, page),
            body,
            control: doc.map(|d| self.control(d)).transpose()?,
            source: Source {
                href: link(page, md),
                path: md.to_string(),
            },
        };
        #[derive(Serialize)]
        struct Ctx<'v> {
            page: &'v PageView,
            org: &'v str,
        }
        self.templates.html(
            "html/page.html",
            &Ctx {
                page: &view,
                org: self.org,
            },
        )
    }

    /// A document's row in the index.
    fn doc_row(&self, md: &str, listed: &mut BTreeSet<&'a str>) -> Result<DocRow> {
        let page = "index.html";
        let doc = self.docs.get(md).copied();
        let formats = self.formats(md, page);
        for f in self.files.iter().filter(|p| {
            let stem = md.strip_suffix(".md").unwrap_or(md);
            **p == md
                || p.strip_prefix(stem)
                    .is_some_and(|r| r.starts_with('.') && !r.contains('/'))
        }) {
            listed.insert(f);
        }
        Ok(DocRow {
            href: link(page, &twin_of(md).unwrap_or_default()),
            label: doc.map_or_else(|| md.to_string(), |d| d.label.clone()),
            control: doc.map(|d| self.control(d)).transpose()?,
            evidences: doc.map_or_else(String::new, |d| d.spec.evidences.to_string()),
            formats,
        })
    }

    /// A plain file of the index's file lists.
    fn file_link(&self, path: &str, key: &str) -> FileLink {
        FileLink {
            href: link("index.html", path),
            path: path.to_string(),
            label: self.format_label(path),
            key: key.to_string(),
        }
    }

    /// `index.html`: every file of the bundle, documents grouped like the README.
    fn index_page(&self) -> Result<String> {
        let mut listed: BTreeSet<&str> = BTreeSet::new();
        let mut groups = Vec::new();
        for group in Group::ALL {
            let mut docs = Vec::new();
            for &md in &self.order {
                if self.docs.get(md).is_some_and(|d| d.spec.group == group) {
                    docs.push(self.doc_row(md, &mut listed)?);
                }
            }
            if !docs.is_empty() {
                groups.push(GroupView {
                    key: group.key(),
                    docs,
                });
            }
        }
        // Markdown documents no template of ours made (the README, or a later stage's).
        let mut others = Vec::new();
        for &p in &self.files {
            if twin_of(p).is_some() && !self.docs.contains_key(p) && p != "README.md" {
                others.push(self.doc_row(p, &mut listed)?);
            }
        }
        let readme = self.files.contains(&"README.md").then(|| {
            listed.insert("README.md");
            Readme {
                html: link("index.html", "README.html"),
                md: link("index.html", "README.md"),
            }
        });
        let integrity = INTEGRITY
            .iter()
            .map(|(path, key)| self.file_link(path, key))
            .collect();
        let model: Vec<&str> = self
            .files
            .iter()
            .copied()
            .filter(|p| p.starts_with("model/"))
            .collect();
        listed.extend(model.iter().copied());
        let rest = self
            .files
            .iter()
            .copied()
            .filter(|p| !listed.contains(p))
            .map(|p| self.file_link(p, ""))
            .collect();
        let view = IndexView {
            org: self.org,
            policy: self.policy.clone(),
            date: &self.info.date,
            tool_version: &self.info.tool_version,
            model_digest: &self.info.model_digest,
            documents: self.order.len(),
            pdf: self.info.pdf,
            signed_by: self.info.signed_by.as_deref(),
            groups,
            others,
            readme,
            integrity,
            model: model.iter().map(|p| self.file_link(p, "")).collect(),
            rest,
        };
        #[derive(Serialize)]
        struct Ctx<'v> {
            index: &'v IndexView<'v>,
        }
        self.templates
            .html("html/index.html", &Ctx { index: &view })
    }
}

/// How a file is named in a list of formats: `PDF`, `Markdown`, `CSV`, ...; `None`
/// for a file without an extension.
fn format_label(path: &str) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
    {
        Some(ext) if ext == "md" => Some("Markdown".into()),
        Some(ext) if ext == "toml" => Some("TOML".into()),
        Some(ext) if !ext.is_empty() => Some(ext.to_ascii_uppercase()),
        _ => None,
    }
}

/// The URL from page `from` to bundle file `to`: relative and percent-encoded
/// (the templates escape it for the attribute).
fn link(from: &str, to: &str) -> String {
    percent_encode(&relative(from, to))
}

/// The relative path from the file `from` to the file `to` (both bundle paths).
fn relative(from: &str, to: &str) -> String {
    let mut from_dir: Vec<&str> = from.split('/').collect();
    from_dir.pop();
    let to_parts: Vec<&str> = to.split('/').collect();
    let (to_dir, name) = to_parts.split_at(to_parts.len() - 1);
    let common = from_dir
        .iter()
        .zip(to_dir)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dir.len() - common);
    for part in to_dir[common..].iter().chain(name) {
        out.push_str(part);
        out.push('/');
    }
    out.pop();
    out
}

/// Decodes `%XX` escapes; `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if let Some(b) = hex {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Resolves a relative reference `rel` (percent-decoded) from the page `page`;
/// `None` if it leaves the bundle. A backslash separates segments too, as
/// browsers read it in `file:` and `http(s):` URLs.
fn resolve(page: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in rel.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The scheme of a URL (`http`), if it has one.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find(':')?;
    let candidate = &url[..end];
    let mut chars = candidate.chars();
    (chars.next()?.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
    .then_some(candidate)
}

/// What becomes of a link or image destination in a page.
#[derive(Debug, PartialEq, Eq)]
enum Dest {
    /// Written as it is.
    Keep,
    /// Written as this (already percent-encoded) URL.
    Rewrite(String),
    /// The link or image is dropped; its text stays.
    Drop,
}

/// Decides a destination in the page `page`. Links may go to the bundle (a
/// Markdown document's link goes to its twin), to `http(s)`, `mailto` or the
/// page itself; images only to a file of the bundle, so a page never loads
/// anything from the network. Anything else, `javascript:` first, is dropped,
/// and so is a relative link that leaves the bundle once percent-decoded
/// (`../../etc/passwd`, `%2e%2e/`) or does not decode.
fn destination(url: &str, page: &str, paths: &BTreeSet<String>, image: bool) -> Dest {
    // Browsers drop tabs and newlines anywhere and C0 controls and spaces around a URL.
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    if let Some(s) = scheme(cleaned) {
        let s = s.to_ascii_lowercase();
        return if !image && (s == "http" || s == "https" || s == "mailto") {
            Dest::Keep
        } else {
            Dest::Drop
        };
    }
    // `//host/x` leaves the bundle, `/x` points into the reader's file system.
    if cleaned.starts_with(['/', '\\']) {
        return Dest::Drop;
    }
    if cleaned.is_empty() || cleaned.starts_with('#') {
        return if image { Dest::Drop } else { Dest::Keep };
    }
    let (path, fragment) = match cleaned.find(['#', '?']) {
        Some(i) => cleaned.split_at(i),
        None => (cleaned, ""),
    };
    let target = percent_decode(path).and_then(|p| resolve(page, &p));
    match target {
        Some(t) if paths.contains(&t) => {
            let t = if image {
                t
            } else {
                twin_of(&t).filter(|h| paths.contains(h)).unwrap_or(t)
            };
            let mut url = percent_encode(&relative(page, &t));
            if let Some(f) = fragment.strip_prefix('#') {
                url.push('#');
                url.push_str(&percent_encode(f));
            }
            Dest::Rewrite(url)
        }
        Some(_) if !image => Dest::Keep,
        _ => Dest::Drop,
    }
}

/// Renders a Markdown document of the page `page` to HTML; returns the HTML
/// and the text of its first level-1 heading. Table cells holding only RACI
/// letters (`letters`: as the locale writes them, with their codes) are coloured.
fn markdown_body(
    markdown: &str,
    page: &str,
    paths: &BTreeSet<String>,
    letters: &[(String, &'static str)],
) -> (String, Option<String>) {
    let events: Vec<Event> = Parser::new_ext(markdown, crate::markdown::options()).collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    // For each open link or image: was its tag dropped?
    let mut dropped: Vec<bool> = Vec::new();
    let mut heading: Option<String> = None;
    let mut collecting: Option<String> = None;
    // The open table's column alignments, whether its head is open, and the
    // next cell's column: a cell's alignment is a class (`td.c`), not an inline
    // style, which made a 300-role matrix's page 6.7 MB.
    let mut columns: Vec<Alignment> = Vec::new();
    let mut in_head = false;
    let mut column = 0;
    for (i, ev) in events.iter().enumerate() {
        match ev {
            Event::Start(Tag::Table(alignments)) => {
                columns.clone_from(alignments);
                out.push(Event::Start(Tag::Table(Vec::new())));
            }
            Event::Start(Tag::TableHead) => {
                in_head = true;
                column = 0;
                out.push(ev.clone());
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                out.push(ev.clone());
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                out.push(ev.clone());
            }
            Event::Start(Tag::TableCell) => {
                let empty = matches!(events.get(i + 1), Some(Event::End(TagEnd::TableCell)));
                // An empty cell has nothing to align.
                let class = match columns.get(column).filter(|_| !empty) {
                    Some(Alignment::Left) => " class=\"l\"",
                    Some(Alignment::Center) => " class=\"c\"",
                    Some(Alignment::Right) => " class=\"r\"",
                    _ => "",
                };
                let tag = if in_head { "th" } else { "td" };
                out.push(Event::Html(format!("<{tag}{class}>").into()));
            }
            Event::End(TagEnd::TableCell) => {
                out.push(Event::Html(if in_head { "</th>" } else { "</td>" }.into()));
                column += 1;
            }
            // Raw HTML is shown as the text it is: pulldown-cmark escapes text.
            Event::Html(t) | Event::InlineHtml(t) => out.push(Event::Text(t.clone())),
            Event::Start(Tag::HtmlBlock) => out.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => out.push(Event::End(TagEnd::Paragraph)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match destination(dest_url, page, paths, false) {
                Dest::Drop => dropped.push(true),
                d => {
                    dropped.push(false);
                    let dest_url = match d {
                        Dest::Rewrite(u) => CowStr::from(u),
                        _ => dest_url.clone(),
                    };
                    out.push(Event::Start(Tag::Link {
                        link_type: *link_type,
                        dest_url,
                        title: title.clone(),
                        id: id.clone(),
                    }));
                }
            },
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => match destination(dest_url, page, paths, true) {
                Dest::Rewrite(u) => {
                    dropped.push(false);
                    out.push(Event::Start(Tag::Image {
                        link_type: *link_type,
                        dest_url: CowStr::from(u),
                        title: title.clone(),
                        id: id.clone(),
                    }));
                }
                _ => dropped.push(true),
            },
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if !dropped.pop().unwrap_or(true) {
                    out.push(ev.clone());
                }
            }
            Event::Start(Tag::Heading { level, .. }) => {
                if heading.is_none() && *level == HeadingLevel::H1 {
                    collecting = Some(String::new());
                }
                out.push(ev.clone());
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(text) = collecting.take() {
                    heading = Some(text);
                }
                out.push(ev.clone());
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = collecting.as_mut() {
                    h.push_str(t);
                }
                let alone_in_cell = i
                    .checked_sub(1)
                    .and_then(|j| events.get(j))
                    .is_some_and(|e| matches!(e, Event::Start(Tag::TableCell)))
                    && matches!(events.get(i + 1), Some(Event::End(TagEnd::TableCell)));
                let class = letters
                    .iter()
                    .find(|(l, _)| l.as_str() == t.as_ref())
                    .map(|(_, code)| *code)
                    .filter(|_| alone_in_cell);
                match class {
                    Some(class) if matches!(ev, Event::Text(_)) => out.push(Event::InlineHtml(
                        format!("<span class=\"raci raci-{class}\">{}</span>", escape(t)).into(),
                    )),
                    _ => out.push(ev.clone()),
                }
            }
            other => out.push(other.clone()),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    (html, heading)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::filters::html_inline as inline_markdown;

    /// The English RACI letters and their codes.
    fn letters() -> Vec<(String, &'static str)> {
        [
            ("R", "r"),
            ("A", "a"),
            ("A/R", "ar"),
            ("C", "c"),
            ("I", "i"),
        ]
        .map(|(l, c)| (l.to_string(), c))
        .to_vec()
    }

    /// The escaped, relative link as a page writes it.
    fn href(from: &str, to: &str) -> String {
        escape(&link(from, to))
    }

    fn paths(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Every tag the pages may contain: anything else came from the input.
    const ALLOWED_TAGS: &[&str] = &[
        "a",
        "blockquote",
        "br",
        "code",
        "del",
        "div",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "span",
        "strong",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ];

    /// The tags of `html` (every `<` starts one: text has `&lt;`), with their
    /// attributes; panics on anything that is not a plain tag with quoted values.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            rest = rest[start + 1..].trim_start_matches('/');
            let len = rest
                .find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len());
            let name = rest[..len].to_ascii_lowercase();
            assert!(
                !name.is_empty(),
                "not a tag at <{}",
                &rest[..rest.len().min(20)]
            );
            rest = &rest[len..];
            let mut attrs = Vec::new();
            loop {
                rest = rest.trim_start();
                if let Some(r) = rest.strip_prefix('>').or_else(|| rest.strip_prefix("/>")) {
                    rest = r;
                    break;
                }
                let len = rest
                    .find(|c: char| c.is_whitespace() || "=>/".contains(c))
                    .unwrap_or(rest.len());
                let key = rest[..len].to_ascii_lowercase();
                assert!(!key.is_empty(), "malformed tag <{name} at {rest:?}");
                rest = &rest[len..];
                let mut value = String::new();
                if let Some(r) = rest.strip_prefix("=\"") {
                    let end = r.find('"').expect("unterminated attribute value");
                    value = r[..end].to_string();
                    rest = &r[end + 1..];
                } else {
                    assert!(
                        !rest.starts_with('='),
                        "unquoted value of {key} in <{name}>"
                    );
                }
                attrs.push((key, value));
            }
            out.push((name, attrs));
        }
        out
    }

    /// Panics on a tag, attribute or URL that rolecall's pages never hold.
    fn assert_only_safe_markup(html: &str, input: &str) {
        for (name, attrs) in tags(html) {
            assert!(
                ALLOWED_TAGS.contains(&name.as_str()),
                "tag <{name}> from {input:?}:\n{html}"
            );
            for (key, value) in attrs {
                assert!(
                    ["href", "src", "alt", "title", "class", "id", "start"].contains(&key.as_str()),
                    "attribute {key} in <{name}> from {input:?}:\n{html}"
                );
                let v = value.to_ascii_lowercase();
                let url = key == "href" || key == "src";
                let web = ["https:", "http:", "mailto:"]
                    .iter()
                    .any(|s| v.starts_with(s));
                // Only a link may leave the bundle, and only to the web or e-mail.
                assert!(
                    !url || !v.contains(':') || (key == "href" && web),
                    "URL {value} in <{name}> from {input:?}"
                );
            }
        }
    }

    const HOSTILE: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "text <img src=x onerror=alert(1)> more",
        "<div onclick=\"alert(1)\">block html</div>\n\nafter",
        "<!-- comment --><style>body{display:none}</style>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java&#9;script:alert(1))",
        "[click](<java\nscript:alert(1)>)",
        "[click]( \u{1}javascript:alert(1))",
        "[click](vbscript:msgbox)",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
        "[x](\"onmouseover=alert(1) \")",
        "[x](a\"onmouseover=\"alert(1))",
        "[x](https://example.com \"t\\\" onmouseover=\\\"alert(1)\")",
        "![pixel](https://evil.example/track.png)",
        "![x\" onerror=\"alert(1)](x.png)",
        "`<script>` and ``</code><script>``",
        "```\n</pre><script>alert(1)</script>\n```",
        "| a | <b>b</b> |\n|---|---|\n| <script> | x |",
        "[^1]\n\n[^1]: <script>note</script>",
        "*Bob* <b>_x_</b> #1 [a](b) & Co | Ltd",
        "&lt;script&gt; &#60;script&#62; &amp;",
    ];

    #[test]
    fn hostile_markdown_yields_only_safe_markup() {
        let bundle = paths(&["roles/ceo.md", "roles/ceo.html", "x.png"]);
        for input in HOSTILE {
            let (html, _) = markdown_body(input, "roles/ceo.html", &bundle, &letters());
            assert_only_safe_markup(&html, input);
            assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
        }
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let (html, _) = markdown_body("<script>alert(1)</script>", "a.html", &paths(&[]), &[]);
        assert_eq!(html, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
        let (html, _) = markdown_body("a <b>bold</b> word", "a.html", &paths(&[]), &[]);
        assert_eq!(html, "<p>a &lt;b&gt;bold&lt;/b&gt; word</p>\n");
    }

    #[test]
    fn script_links_keep_only_their_text() {
        for input in HOSTILE.iter().filter(|s| s.contains("script:")) {
            let (html, _) = markdown_body(input, "a.html", &paths(&[]), &[]);
            assert!(!html.contains("<a"), "{input:?} -> {html}");
        }
        let (html, _) = markdown_body("[click](javascript:alert(1))", "a.html", &paths(&[]), &[]);
        assert_eq!(html, "<p>click</p>\n");
    }

    #[test]
    fn markdown_links_point_at_the_twin() {
        let bundle = paths(&[
            "README.md",
            "README.html",
            "roles/ceo.md",
            "roles/ceo.html",
            "roles/ceo.pdf",
            "raci-matrix.md",
            "raci-matrix.html",
            "model/a b.toml",
        ]);
        let cases = [
            ("README.html", "[CEO](roles/ceo.md)", "roles/ceo.html"),
            (
                "README.html",
                "[CEO](./roles/ceo.md#holders)",
                "roles/ceo.html#holders",
            ),
            ("README.html", "[PDF](roles/ceo.pdf)", "roles/ceo.pdf"),
            (
                "README.html",
                "[model](model/a%20b.toml)",
                "model/a%20b.toml",
            ),
            (
                "roles/ceo.html",
                "[RACI](../raci-matrix.md)",
                "../raci-matrix.html",
            ),
            (
                "roles/ceo.html",
                "[web](https://example.com/a.md)",
                "https://example.com/a.md",
            ),
            ("roles/ceo.html", "[missing](nowhere.md)", "nowhere.md"),
            ("roles/ceo.html", "[top](#top)", "#top"),
        ];
        for (page, input, expected) in cases {
            let (html, _) = markdown_body(input, page, &bundle, &[]);
            assert!(
                html.contains(&format!("href=\"{expected}\"")),
                "{input} on {page}: {html}"
            );
        }
    }

    #[test]
    fn absolute_and_network_path_links_keep_only_their_text() {
        let bundle = paths(&["roles/ceo.md", "roles/ceo.html"]);
        for input in [
            "[abs](/roles/ceo.md)",
            "[net](//evil.example/x.md)",
            "[bs](\\\\evil\\x)",
        ] {
            let (html, _) = markdown_body(input, "roles/ceo.html", &bundle, &[]);
            assert!(!html.contains("<a"), "{input}: {html}");
        }
    }

    #[test]
    fn relative_links_that_leave_the_bundle_keep_only_their_text() {
        let bundle = paths(&["roles/ceo.md", "roles/ceo.html"]);
        for input in [
            "[l](../../../../../etc/passwd)",
            "[l](%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd)",
            "[l](%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd)",
            "[l](..\\\\..\\\\..\\\\etc\\\\passwd)",
            "[l](.%2e/.%2e/x.md)",
            "[l](../%ff.md)",
        ] {
            let (html, _) = markdown_body(input, "roles/ceo.html", &bundle, &[]);
            assert_eq!(html, "<p>l</p>\n", "{input}");
        }
        // Climbing back down into the bundle stays a link.
        let (html, _) = markdown_body(
            "[l](../roles/../roles/ceo.md)",
            "roles/ceo.html",
            &bundle,
            &[],
        );
        assert!(html.contains("href=\"ceo.html\""), "{html}");
    }

    #[test]
    fn images_load_only_from_the_bundle() {
        let bundle = paths(&["model/logo.png"]);
        let (html, _) = markdown_body("![Logo](../model/logo.png)", "roles/x.html", &bundle, &[]);
        assert!(
            html.contains("<img src=\"../model/logo.png\" alt=\"Logo\" />"),
            "{html}"
        );
        for input in ["![Logo](https://example.com/l.png)", "![Logo](missing.png)"] {
            let (html, _) = markdown_body(input, "roles/x.html", &bundle, &[]);
            assert_eq!(html, "<p>Logo</p>\n", "{input}");
        }
    }

    #[test]
    fn raci_cells_are_coloured_only_in_tables() {
        let md = "A\n\n| Activity | CEO | CTO |\n|---|:-:|:-:|\n| Review | A/R | I |\n| <x> | R, C | |\n";
        let (html, _) = markdown_body(md, "raci-matrix.html", &paths(&[]), &letters());
        assert!(html.starts_with("<p>A</p>"), "{html}");
        assert!(
            html.contains("<span class=\"raci raci-ar\">A/R</span>"),
            "{html}"
        );
        assert!(
            html.contains("<span class=\"raci raci-i\">I</span>"),
            "{html}"
        );
        assert!(html.contains(">R, C</td>"), "{html}");
        let (plain, _) = markdown_body(md, "raci-matrix.html", &paths(&[]), &[]);
        assert!(!plain.contains("raci-"), "{plain}");
    }

    #[test]
    fn a_columns_alignment_is_a_class_of_its_cells_and_an_empty_cell_has_none() {
        let md = "| Activity | CEO | Budget |\n|:--|:-:|--:|\n| Review | A | 10 |\n| Audit | | |\n";
        let (html, _) = markdown_body(md, "raci-matrix.html", &paths(&[]), &letters());
        assert_eq!(
            html,
            "<table><thead><tr><th class=\"l\">Activity</th><th class=\"c\">CEO</th>\
             <th class=\"r\">Budget</th></tr></thead><tbody>\n\
             <tr><td class=\"l\">Review</td><td class=\"c\"><span class=\"raci raci-a\">A</span></td>\
             <td class=\"r\">10</td></tr>\n\
             <tr><td class=\"l\">Audit</td><td></td><td></td></tr>\n</tbody></table>\n"
        );
        assert!(!html.contains("style"), "{html}");
        // A second table starts its columns anew.
        let two = format!("{md}\nText\n\n| a | b |\n|---|---|\n| x | y |\n");
        let (html, _) = markdown_body(&two, "raci-matrix.html", &paths(&[]), &[]);
        assert!(
            html.ends_with("<tr><td>x</td><td>y</td></tr>\n</tbody></table>\n"),
            "{html}"
        );
    }

    #[test]
    fn first_heading_names_the_page() {
        let (_, h) = markdown_body(
            "intro\n\n# Evidence *bundle*: `X` & Co\n\n# Second\n",
            "a.html",
            &paths(&[]),
            &[],
        );
        assert_eq!(h.as_deref(), Some("Evidence bundle: X & Co"));
        let (_, none) = markdown_body("## Not a title\n", "a.html", &paths(&[]), &[]);
        assert_eq!(none, None);
    }

    #[test]
    fn escape_covers_text_and_attributes() {
        assert_eq!(
            escape("<a href=\"x\" title='y'>&amp;</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(escape("Zoë 日本語 👩‍👩‍👧"), "Zoë 日本語 👩‍👩‍👧");
    }

    #[test]
    fn hrefs_are_relative_and_encoded() {
        assert_eq!(href("index.html", "roles/ceo.html"), "roles/ceo.html");
        assert_eq!(href("roles/ceo.html", "index.html"), "../index.html");
        assert_eq!(href("roles/ceo.html", "roles/ceo.pdf"), "ceo.pdf");
        assert_eq!(href("a/b/c.html", "a/d/e.md"), "../d/e.md");
        assert_eq!(
            href("index.html", "model/Åsa & \"co\"/x:y #1?.toml"),
            "model/%C3%85sa%20%26%20%22co%22/x%3Ay%20%231%3F.toml"
        );
        assert_eq!(percent_decode("%C3%85sa%20x%2"), Some("Åsa x%2".into()));
    }

    #[test]
    fn formats_list_pdf_first_and_markdown_last() {
        assert_eq!(format_label("raci-matrix.xlsx").as_deref(), Some("XLSX"));
        assert_eq!(format_label("model/org.toml").as_deref(), Some("TOML"));
        assert_eq!(format_label("SHA256SUMS"), None);
        assert_eq!(format_label("roles/ceo.md").as_deref(), Some("Markdown"));
        assert_eq!(
            inline_markdown("a `b` **c** 'd' <e>"),
            "a <code>b</code> <strong>c</strong> &#39;d&#39; &lt;e&gt;"
        );
    }
}
