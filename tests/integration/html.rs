//! The browsable bundle: every link of every HTML page resolves inside the bundle,
//! every document's page is linked from `index.html`, model text cannot inject markup.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{example, files_below, fixture, read, rolecall};

/// Builds `model` with `--format format`; returns the temp dir and the bundle dir.
fn build(model: &Path, format: &str) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let run = rolecall(&[
        "build",
        model.to_str().unwrap(),
        "--date",
        "2026-03-01",
        "--format",
        format,
        "-o",
        out.path().to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(
        run.code,
        0,
        "build failed (md+pdf needs typst 0.15: `make test` installs it):\n{}",
        run.all()
    );
    (out, PathBuf::from(run.stdout.trim()))
}

/// Bundle-relative paths (`/` separators) of every file of `dir`.
fn bundle_paths(dir: &Path) -> BTreeSet<String> {
    files_below(dir)
        .iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

/// One tag: its name and attributes.
struct TagAttrs {
    name: String,
    attrs: Vec<(String, String)>,
}

/// The tags of a page. Text never holds a bare `<` (it is `&lt;`), so every
/// `<` starts a tag; panics on a comment, an unquoted value or a malformed tag.
fn tags(html: &str) -> Vec<TagAttrs> {
    let mut out = Vec::new();
    let mut rest = html
        .strip_prefix("<!DOCTYPE html>\n")
        .expect("page starts with the doctype");
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let closing = rest.starts_with('/');
        rest = rest.trim_start_matches('/');
        let len = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let name = rest[..len].to_ascii_lowercase();
        assert!(
            !name.is_empty(),
            "not a tag: <{}",
            &rest[..rest.len().min(30)]
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
                assert!(!rest.starts_with('='), "unquoted {key} in <{name}>");
            }
            attrs.push((key, value));
        }
        // The stylesheet's text is not markup.
        if name == "style" && !closing {
            let end = rest.find("</style>").expect("unclosed <style>");
            assert!(!rest[..end].contains('<'), "markup in the stylesheet");
            rest = &rest[end..];
        }
        out.push(TagAttrs { name, attrs });
    }
    out
}

/// Every `href` and `src` of a page.
fn links(html: &str) -> Vec<String> {
    tags(html)
        .into_iter()
        .flat_map(|t| t.attrs)
        .filter(|(k, _)| k == "href" || k == "src")
        .map(|(_, v)| v.replace("&amp;", "&"))
        .collect()
}

/// Decodes `%XX`.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("bad %-escape"));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("%-escapes decode to UTF-8")
}

/// The bundle path a relative `href` of `page` points at, and its fragment.
fn target(page: &str, href: &str) -> (String, Option<String>) {
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(percent_decode(f))),
        None => (href, None),
    };
    assert!(
        !path.contains(':') && !path.starts_with('/') && !path.contains('?'),
        "{page}: `{href}` is not a relative link into the bundle"
    );
    if path.is_empty() {
        return (page.to_string(), fragment);
    }
    let mut parts: Vec<String> = page.split('/').map(str::to_string).collect();
    parts.pop();
    for seg in percent_decode(path).split('/') {
        match seg {
            "." | "" => {}
            ".." => {
                assert!(parts.pop().is_some(), "{page}: `{href}` leaves the bundle");
            }
            s => parts.push(s.to_string()),
        }
    }
    (parts.join("/"), fragment)
}

/// Checks every link of every page of the bundle `dir`; returns the set of
/// paths linked from `index.html`.
fn check_links(dir: &Path) -> BTreeSet<String> {
    let paths = bundle_paths(dir);
    let mut from_index = BTreeSet::new();
    let pages: Vec<&String> = paths.iter().filter(|p| p.ends_with(".html")).collect();
    assert!(pages.len() > 10, "too few pages: {pages:?}");
    for page in pages {
        let html = read(dir, page);
        let found = links(&html);
        assert!(!found.is_empty(), "{page} links nothing");
        for href in found {
            let (path, fragment) = target(page, &href);
            assert!(
                paths.contains(&path),
                "{page}: `{href}` points at `{path}`, which is not in the bundle"
            );
            if let Some(id) = fragment {
                assert!(
                    read(dir, &path).contains(&format!("id=\"{id}\"")),
                    "{page}: `{href}`: no id `{id}` in {path}"
                );
            }
            if page == "index.html" {
                from_index.insert(path);
            }
        }
    }
    from_index
}

/// Checks what index.html and the document pages link, for either format.
fn check_bundle(dir: &Path, pdf: bool) {
    let paths = bundle_paths(dir);
    let from_index = check_links(dir);
    // Every file of the bundle is reachable from the index.
    for p in &paths {
        assert!(
            p == "index.html" || from_index.contains(p),
            "index.html does not link {p}"
        );
    }
    let documents: Vec<&String> = paths
        .iter()
        .filter(|p| p.ends_with(".md") && !p.starts_with("model/"))
        .collect();
    assert!(documents.len() >= 39, "{documents:?}");
    for md in documents {
        let stem = md.strip_suffix(".md").unwrap();
        let twin = format!("{stem}.html");
        assert!(paths.contains(&twin), "{md} has no HTML twin");
        assert!(
            from_index.contains(&twin),
            "index.html does not link {twin}"
        );
        let page = read(dir, &twin);
        let page_links: BTreeSet<String> =
            links(&page).iter().map(|h| target(&twin, h).0).collect();
        assert!(page_links.contains("index.html"), "{twin} lacks the index");
        assert!(page_links.contains(md.as_str()), "{twin} lacks its source");
        // The README is the index as text; it has no PDF.
        let pdf = pdf && md != "README.md";
        let pdf_path = format!("{stem}.pdf");
        assert_eq!(
            page_links.contains(&pdf_path),
            pdf,
            "{twin}: link to {pdf_path} with pdf={pdf}"
        );
        assert_eq!(paths.contains(&pdf_path), pdf, "{pdf_path} with pdf={pdf}");
    }
}

#[test]
fn northwind_pages_link_only_to_files_of_the_bundle() {
    let (_md, md) = build(&example("northwind"), "md");
    check_bundle(&md, false);
    let (_pdf, pdf) = build(&example("northwind"), "md+pdf");
    check_bundle(&pdf, true);

    // The pages carry the documents' content, escaped and coloured.
    let ceo = read(&pdf, "roles/ceo.html");
    assert!(ceo.contains("<h1>Role description: Chief Executive Officer</h1>"));
    assert!(ceo.contains("<td>Amara Okafor</td>"), "{ceo}");
    assert!(ceo.contains(
        "<title>Role description: Chief Executive Officer · Northwind Analytics Ltd</title>"
    ));
    let raci = read(&pdf, "raci-matrix.html");
    assert!(raci.contains("<body class=\"doc matrix\">"));
    assert!(raci.contains("<span class=\"raci raci-a\">A</span>"));
    // The README's links to Markdown documents lead to their pages.
    let readme = read(&pdf, "README.html");
    assert!(readme.contains("<a href=\"roles/ceo.html\">roles/ceo.md</a>"));
    assert!(readme.contains("<a href=\"SHA256SUMS\">SHA256SUMS</a>"));
    let index = read(&pdf, "index.html");
    for heading in [
        "Policy",
        "RACI matrix",
        "Role descriptions",
        "Signature sheets",
        "Verifying this bundle",
        "Model",
    ] {
        assert!(
            index.contains(&format!("<h2>{heading}</h2>")),
            "index lacks {heading}"
        );
    }
    assert!(index.contains("Role assignment: Risk Owner (Fatima Al-Sayed)"));
    assert!(index.contains("<td>1 March 2026</td>"));
    assert!(index.contains("each as a web page, a PDF/A and Markdown"));
    assert!(index.contains("its PDF and Markdown source are beside it"));
    let md_index = read(&md, "index.html");
    assert!(md_index.contains("each as a web page and Markdown"));
    assert!(md_index.contains("its Markdown source is beside it"));
    // No script and nothing fetched from the network, on any page.
    for page in bundle_paths(&pdf).iter().filter(|p| p.ends_with(".html")) {
        let html = read(&pdf, page);
        for t in tags(&html) {
            assert!(
                !["script", "iframe", "object", "embed", "link", "form"].contains(&t.name.as_str()),
                "{page} has <{}>",
                t.name
            );
        }
        assert_eq!(html.matches("<style>").count(), 1, "{page}");
    }
}

#[test]
fn html_pages_are_reproducible() {
    let (_a, a) = build(&example("northwind"), "md");
    let (_b, b) = build(&example("northwind"), "md");
    let pages: Vec<String> = bundle_paths(&a)
        .into_iter()
        .filter(|p| p.ends_with(".html"))
        .collect();
    assert_eq!(pages.len(), 45, "{pages:?}");
    for page in pages {
        assert_eq!(
            std::fs::read(a.join(&page)).unwrap(),
            std::fs::read(b.join(&page)).unwrap(),
            "{page}"
        );
    }
}

#[test]
fn hostile_model_text_is_escaped_in_html_pages() {
    let (_out, dir) = build(&fixture("valid/hostile"), "md");
    check_links(&dir);
    let allowed = [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "nav",
        "main",
        "header",
        "footer",
        "section",
        "a",
        "span",
        "div",
        "p",
        "h1",
        "h2",
        "h3",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "pre",
        "strong",
        "em",
        "blockquote",
        "br",
        "hr",
    ];
    let mut pages = 0;
    for page in bundle_paths(&dir).iter().filter(|p| p.ends_with(".html")) {
        pages += 1;
        let html = read(&dir, page);
        for t in tags(&html) {
            assert!(allowed.contains(&t.name.as_str()), "{page}: <{}>", t.name);
            for (k, v) in &t.attrs {
                assert!(
                    [
                        "href", "class", "scope", "style", "lang", "charset", "name", "content"
                    ]
                    .contains(&k.as_str()),
                    "{page}: attribute {k}=\"{v}\" in <{}>",
                    t.name
                );
            }
        }
    }
    assert!(pages >= 10);
    // The hostile names come out as text, on the index and in the documents.
    let index = read(&dir, "index.html");
    assert!(
        index.contains("*Bob* &lt;b&gt;_x_&lt;/b&gt; #1 [a](b) &amp; Co | Ltd"),
        "{index}"
    );
    let auditor = read(&dir, "roles/auditor.html");
    assert!(
        auditor.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &amp;#35;"),
        "{auditor}"
    );
    assert!(auditor.contains("# Kim [link](http://evil.example) ![img](x.png)"));
    let ceo = read(&dir, "roles/ceo.html");
    assert!(ceo.contains("<h1>Role description: Chief #strong[Executive] Officer</h1>"));
    // `purpose` is Markdown on purpose: its emphasis is rendered.
    assert!(ceo.contains("Leads <em>everything</em>"), "{ceo}");
}
