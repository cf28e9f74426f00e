//! The browsable bundle: `index.html` and an HTML twin beside every Markdown document.
//!
//! Last stage before `bundle::assemble`. [`pages`] reads the final list of bundle
//! files, so whatever an earlier stage added (PDFs, exports, the model copy) is
//! listed in `index.html` without changes here. Each Markdown document is rendered
//! by pulldown-cmark's HTML writer with the parser options of the Typst writer;
//! raw HTML in the Markdown is shown as text, links are limited to the bundle,
//! `http(s)` and `mailto`, and links to a Markdown document point at its twin.
//! Every text rolecall writes into a page itself goes through [`escape`]. The pages
//! carry one embedded stylesheet (`html.css`): no script, no network.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context as _, Result};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::bundle::BundleFile;
use crate::model::Model;
use crate::render::{self, BundleInfo, DocKind, Document};

/// The stylesheet embedded in every page.
const STYLE: &str = include_str!("html.css");

/// Files `assemble` adds after this stage; the index links them.
const INTEGRITY: &[(&str, &str)] = &[
    (
        "manifest.json",
        "Tool version, bundle date, what each signature sheet binds to, size and SHA-256 of every file",
    ),
    (
        "SHA256SUMS",
        "SHA-256 of every file, for the sha256sum -c command",
    ),
];

/// Escapes text for HTML content and for quoted attribute values: the one
/// function through which rolecall's own HTML takes any text. (The documents'
/// Markdown is escaped by pulldown-cmark's writer; raw HTML never reaches it.)
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The HTML pages for the bundle `files`: a twin `X.html` of every Markdown
/// document `X.md` (outside `model/`) and `index.html`, sorted by path.
pub fn pages(
    files: &[BundleFile],
    model: &Model,
    docs: &[Document],
    info: &BundleInfo,
) -> Result<Vec<BundleFile>> {
    let site = Site::new(files, model, docs, info);
    let mut out = Vec::new();
    for f in files {
        let Some(twin) = twin_of(&f.path) else {
            continue;
        };
        let markdown = std::str::from_utf8(&f.bytes)
            .with_context(|| format!("failed to read `{}` as UTF-8 for its HTML page", f.path))?;
        out.push(BundleFile::text(
            twin.clone(),
            site.document_page(&f.path, &twin, markdown),
        ));
    }
    out.push(BundleFile::text("index.html", site.index_page()));
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

/// What is known about one rendered document.
struct DocMeta {
    kind: DocKind,
    /// Link text and page title.
    label: String,
    /// `ISMS-POL-05/ceo version 3.0`.
    control: String,
    /// Clauses it evidences.
    evidences: String,
}

/// Everything the pages are made from.
struct Site<'a> {
    org: &'a str,
    policy: String,
    info: &'a BundleInfo,
    /// Every path of the final bundle (HTML pages and integrity files included).
    paths: BTreeSet<String>,
    /// The non-HTML files of the bundle, in path order.
    files: Vec<&'a str>,
    /// Rendered documents by path, and their order.
    docs: BTreeMap<&'a str, DocMeta>,
    order: Vec<&'a str>,
}

impl<'a> Site<'a> {
    fn new(
        files: &'a [BundleFile],
        model: &'a Model,
        docs: &'a [Document],
        info: &'a BundleInfo,
    ) -> Site<'a> {
        let mut paths: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
        paths.extend(files.iter().filter_map(|f| twin_of(&f.path)));
        paths.insert("index.html".into());
        paths.extend(INTEGRITY.iter().map(|(p, _)| p.to_string()));
        let mut file_list: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        file_list.sort_unstable();
        let metas = docs.iter().map(|d| {
            let mut label = d.title.clone();
            // Several people can hold one role: name the appointee on its sheet.
            if let Some(person) = d
                .binds
                .as_ref()
                .filter(|_| d.kind == DocKind::Assignment)
                .and_then(|b| b.sheet.rsplit('/').next())
                .and_then(|id| model.people.iter().find(|p| p.id == id))
            {
                label = format!("{label} ({})", person.name);
            }
            let meta = DocMeta {
                kind: d.kind,
                label,
                control: format!("{} version {}", d.doc_id, d.version),
                evidences: render::describe(d, model).evidences,
            };
            (d.path.as_str(), meta)
        });
        Site {
            org: &model.organisation.name,
            policy: format!(
                "{} ({} version {})",
                model.policy.title, model.policy.id, model.policy.version
            ),
            info,
            paths,
            files: file_list,
            docs: metas.collect(),
            order: docs.iter().map(|d| d.path.as_str()).collect(),
        }
    }

    /// The other files of a document `dir/stem.md`: `dir/stem.*` but its twin,
    /// PDF first, then by extension, the Markdown last, with their labels.
    fn formats(&self, md: &str) -> Vec<(&'a str, String)> {
        let stem = md.strip_suffix(".md").unwrap_or(md);
        let mut out: Vec<(&str, String)> = self
            .files
            .iter()
            .copied()
            .filter(|p| {
                p.strip_prefix(stem)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .is_some_and(|ext| !ext.contains('/') && ext != "md" && ext != "html")
            })
            .map(|p| (p, format_label(p)))
            .collect();
        out.sort_by_key(|(p, _)| (!p.ends_with(".pdf"), *p));
        if let Some(p) = self.files.iter().copied().find(|p| *p == md) {
            out.push((p, "Markdown".into()));
        }
        out
    }

    /// The page of the Markdown document `md`, written to `page`.
    fn document_page(&self, md: &str, page: &str, markdown: &str) -> String {
        let meta = self.docs.get(md);
        let raci = meta.is_some_and(|m| matches!(m.kind, DocKind::Raci | DocKind::Role));
        let (body, heading) = markdown_body(markdown, page, &self.paths, raci);
        let title = meta
            .map(|m| m.label.clone())
            .or(heading)
            .unwrap_or_else(|| md.to_string());
        let class = match meta.map(|m| m.kind) {
            Some(DocKind::Raci) => "doc matrix",
            Some(DocKind::Assignment | DocKind::Approval | DocKind::Acknowledgement) => "doc sheet",
            _ => "doc",
        };
        let mut nav = format!(
            "<a class=\"home\" href=\"{}\">Evidence bundle index</a>",
            href(page, "index.html")
        );
        let formats = self.formats(md);
        if !formats.is_empty() {
            nav.push_str("<span class=\"formats\">");
            for (i, (path, label)) in formats.iter().enumerate() {
                if i > 0 {
                    nav.push_str(" · ");
                }
                let label = if path.ends_with(".md") {
                    "Markdown source".to_string()
                } else {
                    label.clone()
                };
                let _ = write!(
                    nav,
                    "<a href=\"{}\">{}</a>",
                    href(page, path),
                    escape(&label)
                );
            }
            nav.push_str("</span>");
        }
        let mut footer = escape(self.org);
        if let Some(m) = meta {
            let _ = write!(footer, " · {}", escape(&m.control));
        }
        let _ = write!(
            footer,
            " · <a href=\"{}\">{}</a>",
            href(page, md),
            escape(md)
        );
        shell(
            &format!("{title} · {}", self.org),
            class,
            &format!(
                "<nav class=\"bar\">{nav}</nav>\n<main>\n{body}</main>\n<footer>{footer}</footer>\n"
            ),
        )
    }

    /// `index.html`: every file of the bundle, documents grouped like the README.
    fn index_page(&self) -> String {
        let page = "index.html";
        let info = self.info;
        let mut listed: BTreeSet<&str> = BTreeSet::new();
        let mut main = String::new();
        let _ = write!(
            main,
            "<header class=\"masthead\">\n<p class=\"org\">{org}</p>\n<h1>Evidence bundle</h1>\n<p class=\"lede\">{policy}</p>\n</header>\n",
            org = escape(self.org),
            policy = escape(&self.policy),
        );
        let documents = self.order.len();
        let contents = if info.pdf {
            format!("{documents} documents, each as a web page, a PDF/A and Markdown")
        } else {
            format!("{documents} documents, each as a web page and Markdown")
        };
        main.push_str("<table class=\"facts\">\n<tbody>\n");
        for (k, v) in [
            ("Organisation", escape(self.org)),
            ("Bundle date", escape(&info.date)),
            (
                "Generated by",
                format!("rolecall {}", escape(&info.tool_version)),
            ),
            (
                "Model digest (SHA-256)",
                format!("<code>{}</code>", escape(&info.model_digest)),
            ),
            ("Contents", escape(&contents)),
        ] {
            let _ = writeln!(main, "<tr><th scope=\"row\">{k}</th><td>{v}</td></tr>");
        }
        main.push_str("</tbody>\n</table>\n");
        let _ = writeln!(
            main,
            "<p>This bundle evidences ISO/IEC 27001:2022 clause 5.3 (organisational roles, responsibilities and authorities) and Annex A control 5.2 (information security roles and responsibilities) for the ISMS of {}. Each document below opens as a web page; its {} beside it.</p>",
            escape(self.org),
            if info.pdf {
                "PDF and Markdown source are"
            } else {
                "Markdown source is"
            }
        );

        let groups: [(&str, &str, &[DocKind]); 5] = [
            (
                "Policy",
                "The roles and responsibilities policy, as approved by top management.",
                &[DocKind::Policy],
            ),
            (
                "RACI matrix",
                "Who is responsible, accountable, consulted and informed for each ISMS activity.",
                &[DocKind::Raci],
            ),
            (
                "Role descriptions",
                "One description per role: holders, reporting line, responsibilities, authorities and competence.",
                &[DocKind::Role],
            ),
            (
                "Signature sheets",
                "Top management assigns each role and approves the policy; all staff acknowledge it. Each sheet names the SHA-256 of the document it binds to; the register shows which are signed.",
                &[
                    DocKind::Register,
                    DocKind::Assignment,
                    DocKind::Approval,
                    DocKind::Acknowledgement,
                ],
            ),
            (
                "Changes",
                "What changed since the previous bundle, checked by rolecall against that bundle's model, and the sheets to sign again.",
                &[DocKind::Changes],
            ),
        ];
        for (heading, note, kinds) in groups {
            let docs: Vec<&str> = self
                .order
                .iter()
                .copied()
                .filter(|p| self.docs.get(p).is_some_and(|m| kinds.contains(&m.kind)))
                .collect();
            if docs.is_empty() {
                continue;
            }
            self.document_table(&mut main, heading, note, &docs, &mut listed);
        }
        // Markdown documents no template of ours made (the README, or a later stage's).
        let others: Vec<&str> = self
            .files
            .iter()
            .copied()
            .filter(|p| twin_of(p).is_some() && !self.docs.contains_key(p) && *p != "README.md")
            .collect();
        if !others.is_empty() {
            self.document_table(&mut main, "Other documents", "", &others, &mut listed);
        }

        let _ = writeln!(
            main,
            "<section>\n<h2>Verifying this bundle</h2>\n<p class=\"note\">Every file is listed with its SHA-256 in <code>SHA256SUMS</code> and <code>manifest.json</code>. To check that nothing changed since the bundle was produced, run in the bundle directory:</p>\n<pre><code>sha256sum -c SHA256SUMS</code></pre>\n<p class=\"note\">Each signature sheet names the SHA-256 of the document it binds to; it must equal that document&#39;s line in <code>SHA256SUMS</code>. The model digest is the SHA-256 of the <code>model/</code> lines of <code>SHA256SUMS</code>, in order.</p>"
        );
        main.push_str("<table class=\"files\">\n<thead><tr><th>File</th><th>What it is</th></tr></thead>\n<tbody>\n");
        if self.files.contains(&"README.md") {
            listed.insert("README.md");
            let _ = writeln!(
                main,
                "<tr><td><a href=\"{}\">README</a> · <a href=\"{}\">README.md</a></td><td>The auditor&#39;s index as text, with the bundle date and tool version</td></tr>",
                href(page, "README.html"),
                href(page, "README.md"),
            );
        }
        for (path, what) in INTEGRITY {
            let _ = writeln!(
                main,
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
                href(page, path),
                escape(path),
                escape(what)
            );
        }
        main.push_str("</tbody>\n</table>\n</section>\n");

        let model: Vec<&str> = self
            .files
            .iter()
            .copied()
            .filter(|p| p.starts_with("model/"))
            .collect();
        listed.extend(model.iter().copied());
        if !model.is_empty() {
            self.file_table(
                &mut main,
                "Model",
                "The organisation model this bundle was generated from; its digest is above.",
                &model,
            );
        }
        let rest: Vec<&str> = self
            .files
            .iter()
            .copied()
            .filter(|p| !listed.contains(p))
            .collect();
        if !rest.is_empty() {
            self.file_table(&mut main, "Other files", "", &rest);
        }
        let footer = format!(
            "{} · bundle of {} · generated by rolecall {}",
            escape(self.org),
            escape(&info.date),
            escape(&info.tool_version)
        );
        shell(
            &format!("Evidence bundle · {}", self.org),
            "index",
            &format!("<main>\n{main}</main>\n<footer>{footer}</footer>\n"),
        )
    }

    /// A section listing documents: their page, control line, evidence and files.
    fn document_table(
        &self,
        out: &mut String,
        heading: &str,
        note: &str,
        docs: &[&'a str],
        listed: &mut BTreeSet<&'a str>,
    ) {
        let page = "index.html";
        let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(heading));
        if !note.is_empty() {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
        }
        out.push_str("<table class=\"files\">\n<thead><tr><th>Document</th><th>Evidences</th><th>Files</th></tr></thead>\n<tbody>\n");
        for &md in docs {
            let twin = twin_of(md).unwrap_or_default();
            let meta = self.docs.get(md);
            let label = meta.map_or(md, |m| m.label.as_str());
            let _ = write!(
                out,
                "<tr><td><a href=\"{}\">{}</a>",
                href(page, &twin),
                escape(label)
            );
            if let Some(m) = meta {
                let _ = write!(out, "<div class=\"muted\">{}</div>", escape(&m.control));
            }
            let evidences = meta.map_or("", |m| m.evidences.as_str());
            let _ = write!(
                out,
                "</td><td>{}</td><td class=\"formats\">",
                escape(evidences)
            );
            for (i, (path, label)) in self.formats(md).iter().enumerate() {
                if i > 0 {
                    out.push_str(" · ");
                }
                listed.insert(path);
                let _ = write!(
                    out,
                    "<a href=\"{}\">{}</a>",
                    href(page, path),
                    escape(label)
                );
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }

    /// A section listing plain files by path and type.
    fn file_table(&self, out: &mut String, heading: &str, note: &str, paths: &[&str]) {
        let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(heading));
        if !note.is_empty() {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
        }
        out.push_str(
            "<table class=\"files\">\n<thead><tr><th>File</th><th>Type</th></tr></thead>\n<tbody>\n",
        );
        for path in paths {
            let _ = writeln!(
                out,
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
                href("index.html", path),
                escape(path),
                escape(&format_label(path))
            );
        }
        out.push_str("</tbody>\n</table>\n</section>\n");
    }
}

/// A whole page: doctype, head with the stylesheet, `body` inside `<body>`.
fn shell(title: &str, class: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"rolecall\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body class=\"{}\">\n{body}</body>\n</html>\n",
        escape(title),
        escape(class)
    )
}

/// How a file is named in a list of formats: `PDF`, `Markdown`, `CSV`, ...
fn format_label(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    match name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
    {
        Some(ext) if ext == "md" => "Markdown".into(),
        Some(ext) if ext == "toml" => "TOML".into(),
        Some(ext) if !ext.is_empty() => ext.to_ascii_uppercase(),
        _ => "text".into(),
    }
}

/// The `href` from page `from` to bundle file `to`: relative, percent-encoded, escaped.
fn href(from: &str, to: &str) -> String {
    escape(&percent_encode(&relative(from, to)))
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

/// Percent-encodes every byte of a relative path but unreserved characters and `/`,
/// so that no name can start a scheme (`a:b`), a query or a fragment.
pub(crate) fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
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

/// Resolves a relative reference `rel` from the page `page`; `None` if it leaves the bundle.
fn resolve(page: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
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
/// anything from the network. Anything else, `javascript:` first, is dropped.
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
        _ if image => Dest::Drop,
        _ => Dest::Keep,
    }
}

/// The RACI letters that colour a table cell, and their CSS class.
fn raci_class(text: &str) -> Option<&'static str> {
    Some(match text {
        "R" => "r",
        "A" => "a",
        "A/R" => "ar",
        "C" => "c",
        "I" => "i",
        _ => return None,
    })
}

/// Renders a Markdown document of the page `page` to HTML; returns the HTML
/// and the text of its first level-1 heading. With `raci`, table cells holding
/// only RACI letters are coloured.
fn markdown_body(
    markdown: &str,
    page: &str,
    paths: &BTreeSet<String>,
    raci: bool,
) -> (String, Option<String>) {
    let events: Vec<Event> = Parser::new_ext(markdown, crate::typst::parser_options()).collect();
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    // For each open link or image: was its tag dropped?
    let mut dropped: Vec<bool> = Vec::new();
    let mut heading: Option<String> = None;
    let mut collecting: Option<String> = None;
    for (i, ev) in events.iter().enumerate() {
        match ev {
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
                match raci_class(t).filter(|_| raci && alone_in_cell) {
                    Some(class) if matches!(ev, Event::Text(_)) => out.push(Event::InlineHtml(
                        format!("<span class=\"raci raci-{class}\">{t}</span>").into(),
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
                    [
                        "href", "src", "alt", "title", "class", "id", "style", "start"
                    ]
                    .contains(&key.as_str()),
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
                assert!(
                    key != "style" || v.starts_with("text-align: "),
                    "style {value} from {input:?}"
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
            let (html, _) = markdown_body(input, "roles/ceo.html", &bundle, true);
            assert_only_safe_markup(&html, input);
            assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
        }
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let (html, _) = markdown_body("<script>alert(1)</script>", "a.html", &paths(&[]), false);
        assert_eq!(html, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
        let (html, _) = markdown_body("a <b>bold</b> word", "a.html", &paths(&[]), false);
        assert_eq!(html, "<p>a &lt;b&gt;bold&lt;/b&gt; word</p>\n");
    }

    #[test]
    fn script_links_keep_only_their_text() {
        for input in HOSTILE.iter().filter(|s| s.contains("script:")) {
            let (html, _) = markdown_body(input, "a.html", &paths(&[]), false);
            assert!(!html.contains("<a"), "{input:?} -> {html}");
        }
        let (html, _) = markdown_body("[click](javascript:alert(1))", "a.html", &paths(&[]), false);
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
            let (html, _) = markdown_body(input, page, &bundle, false);
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
            let (html, _) = markdown_body(input, "roles/ceo.html", &bundle, false);
            assert!(!html.contains("<a"), "{input}: {html}");
        }
    }

    #[test]
    fn images_load_only_from_the_bundle() {
        let bundle = paths(&["model/logo.png"]);
        let (html, _) = markdown_body("![Logo](../model/logo.png)", "roles/x.html", &bundle, false);
        assert!(
            html.contains("<img src=\"../model/logo.png\" alt=\"Logo\" />"),
            "{html}"
        );
        for input in ["![Logo](https://example.com/l.png)", "![Logo](missing.png)"] {
            let (html, _) = markdown_body(input, "roles/x.html", &bundle, false);
            assert_eq!(html, "<p>Logo</p>\n", "{input}");
        }
    }

    #[test]
    fn raci_cells_are_coloured_only_in_tables() {
        let md = "A\n\n| Activity | CEO | CTO |\n|---|:-:|:-:|\n| Review | A/R | I |\n| <x> | R, C | |\n";
        let (html, _) = markdown_body(md, "raci-matrix.html", &paths(&[]), true);
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
        let (plain, _) = markdown_body(md, "raci-matrix.html", &paths(&[]), false);
        assert!(!plain.contains("raci-"), "{plain}");
    }

    #[test]
    fn first_heading_names_the_page() {
        let (_, h) = markdown_body(
            "intro\n\n# Evidence *bundle*: `X` & Co\n\n# Second\n",
            "a.html",
            &paths(&[]),
            false,
        );
        assert_eq!(h.as_deref(), Some("Evidence bundle: X & Co"));
        let (_, none) = markdown_body("## Not a title\n", "a.html", &paths(&[]), false);
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
        assert_eq!(format_label("raci-matrix.xlsx"), "XLSX");
        assert_eq!(format_label("model/org.toml"), "TOML");
        assert_eq!(format_label("SHA256SUMS"), "text");
        assert_eq!(format_label("roles/ceo.md"), "Markdown");
    }
}
