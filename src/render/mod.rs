//! Rendering: the resolved model through Tera templates into Markdown documents.
//!
//! Second stage of the pipeline. [`Templates::load`] sets up Tera with the
//! user's templates (if any) over the built-in ones, and the locale of the
//! model's language; [`render`] renders every document of the
//! [table of documents](documents) from view structs ([`context`]), and the
//! signature register once the sheets exist. Model text is escaped by the one
//! Markdown escape function (`filters::escape_markdown`), which Tera applies to
//! every `{{ value }}` of a `.md` template; every word of rolecall's own comes
//! from the locale through the templates' `t(k="...")` function.
//!
//! The same [`Templates`] render the Typst-native templates (`*.typ`, escaped
//! for Typst markup) and the HTML pages (`html/*.html`, escaped for HTML) that
//! later stages ask for.

pub mod context;
pub mod documents;
pub mod filters;
pub mod locale;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use self::context::{AssignmentView, Common, ResolutionView, Views, Words};
use self::documents::{DOCUMENTS, DocSpec, Scope};
pub use self::locale::Locale;
use crate::digest::{sha256_hex, short};
use crate::error::{Context as _, Error, Result};
use crate::model::Model;
use crate::signatures::{self, Binding, Register};

/// The built-in templates, embedded from `templates/`. With a templates
/// directory, each is also available as `builtin/<name>`, so that an override
/// can `{% extends "builtin/<name>" %}` and replace one block.
pub const BUILTIN: &[(&str, &str)] = &[
    ("policy.md", include_str!("../../templates/policy.md")),
    (
        "raci-matrix.md",
        include_str!("../../templates/raci-matrix.md"),
    ),
    ("role.md", include_str!("../../templates/role.md")),
    (
        "signature-role.md",
        include_str!("../../templates/signature-role.md"),
    ),
    (
        "signature-policy.md",
        include_str!("../../templates/signature-policy.md"),
    ),
    (
        "signature-register.md",
        include_str!("../../templates/signature-register.md"),
    ),
    (
        "policy-for-staff.md",
        include_str!("../../templates/policy-for-staff.md"),
    ),
    (
        "role-assignments.md",
        include_str!("../../templates/role-assignments.md"),
    ),
    (
        "signature-resolution.md",
        include_str!("../../templates/signature-resolution.md"),
    ),
    (
        "all-staff-acknowledgement.md",
        include_str!("../../templates/all-staff-acknowledgement.md"),
    ),
    (
        "bundle-readme.md",
        include_str!("../../templates/bundle-readme.md"),
    ),
    ("changes.md", include_str!("../../templates/changes.md")),
    (
        "competence-register.md",
        include_str!("../../templates/competence-register.md"),
    ),
    (
        "control-ownership.md",
        include_str!("../../templates/control-ownership.md"),
    ),
    (
        "raci-matrix.typ",
        include_str!("../../templates/raci-matrix.typ"),
    ),
    (
        "signature-register.typ",
        include_str!("../../templates/signature-register.typ"),
    ),
    ("layout.typ", include_str!("../../templates/layout.typ")),
    (
        "html/base.html",
        include_str!("../../templates/html/base.html"),
    ),
    (
        "html/index.html",
        include_str!("../../templates/html/index.html"),
    ),
    (
        "html/page.html",
        include_str!("../../templates/html/page.html"),
    ),
    (
        "html/style.css",
        include_str!("../../templates/html/style.css"),
    ),
];

/// Plain files among the templates: read as they are, not by Tera.
const PLAIN: &[&str] = &["layout.typ", "html/style.css"];

/// Most role columns of one RACI table in the PDF; wider matrices are split.
pub const RACI_COLUMNS_PER_PAGE: usize = 20;

/// One rendered document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its row of the table of documents.
    pub spec: &'static DocSpec,
    /// Bundle-relative path of the Markdown file (`roles/ceo.md`).
    pub path: String,
    /// Title for headers and PDF metadata.
    pub title: String,
    /// How the index and the web pages name it (a sheet adds the appointee).
    pub label: String,
    /// Document id for footers.
    pub doc_id: String,
    /// Version for footers.
    pub version: String,
    /// The Markdown text.
    pub markdown: String,
    /// SHA-256 of the Markdown: what a sheet binding this document prints.
    pub digest: String,
    /// Typst markup replacing the converted Markdown in the PDF (the RACI matrix,
    /// the signature register).
    pub typst: Option<String>,
    /// For a signature sheet, the document its signatures bind to.
    pub binds: Option<Binding>,
}

/// Every document of a bundle but the change report, and the signature register.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// In the order of the table of documents.
    pub documents: Vec<Document>,
    /// The status of every signature the sheets ask for.
    pub register: Register,
}

/// The templates of a build: the user's over the built-in ones, file by file,
/// and the strings of the model's language.
pub struct Templates {
    /// `.md` templates, escaped for Markdown.
    md: tera::Tera,
    /// `.typ` Tera templates, escaped for Typst markup.
    typ: tera::Tera,
    /// `html/*.html` templates, escaped for HTML.
    html: tera::Tera,
    /// The Typst page layout (plain Typst, not a Tera template).
    layout: String,
    /// The web pages' stylesheet.
    style: String,
    /// The model's language.
    locale: Arc<Locale>,
}

/// `| typst_str`: a value as a Typst string literal, quotes included. Its output
/// is safe: autoescaping it again would break the literal.
struct TypstStr;

impl tera::Filter for TypstStr {
    fn filter(
        &self,
        value: &tera::Value,
        _: &HashMap<String, tera::Value>,
    ) -> tera::Result<tera::Value> {
        let s = match value {
            tera::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Ok(tera::Value::String(format!(
            "\"{}\"",
            crate::typst::escape_string(&s)
        )))
    }

    fn is_safe(&self) -> bool {
        true
    }
}

/// What a locale string becomes in one output format.
#[derive(Debug, Clone, Copy)]
enum Format {
    Markdown,
    Typst,
    Html,
}

/// `t(k="key", name=value, ...)`: the locale string `key`, its `{name}`
/// placeholders filled with the values (escaped as Markdown text; a name ending
/// in `_md` takes Markdown that a macro rendered already), then written in the
/// template's format. With `plain` set, the string is filled with the values
/// as they are and returned unescaped, for `| typst_str` and attributes.
struct Translate {
    locale: Arc<Locale>,
    format: Format,
    plain: bool,
}

impl tera::Function for Translate {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let key = match args.get("k") {
            Some(tera::Value::String(k)) => k.as_str(),
            _ => return Err("t() needs the key of a locale string: t(k=\"...\")".into()),
        };
        let mut values: Vec<(&str, String)> = args
            .iter()
            .filter(|(name, _)| name.as_str() != "k")
            .map(|(name, v)| {
                let text = match v {
                    tera::Value::String(s) => s.clone(),
                    tera::Value::Null => String::new(),
                    other => other.to_string(),
                };
                let name = name.as_str();
                let text = if self.plain || name.ends_with("_md") || name == "n" {
                    text
                } else {
                    filters::escape_markdown(&text)
                };
                (name, text)
            })
            .collect();
        values.sort();
        let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let filled = self
            .locale
            .fill(key, &pairs, str::to_string)
            .map_err(|e| tera::Error::msg(e.to_string()))?;
        if self.plain {
            return Ok(tera::Value::String(filled));
        }
        let out = match self.format {
            Format::Markdown => filled,
            Format::Typst => crate::typst::inline_markdown(&filled).map_err(|e| {
                tera::Error::msg(format!(
                    "locale string `{key}` cannot be set in Typst ({e})"
                ))
            })?,
            Format::Html => filters::html_inline(&filled),
        };
        Ok(tera::Value::String(out))
    }

    fn is_safe(&self) -> bool {
        !self.plain
    }
}

/// Tera's `get_env` reads the environment of whoever builds the bundle: a
/// template from a model's author must not carry it into the documents.
fn no_env(_: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    Err("get_env() is not available in rolecall templates: documents carry only the model".into())
}

/// One template file as loaded.
struct Source {
    name: String,
    text: String,
}

impl Templates {
    /// Loads the built-in templates, overridden file by file by those in `dir`
    /// (`*.md`, `*.typ`, `html/*.html`, `html/style.css`), and the locale of
    /// `lang` (built in, or `dir/locales/<lang>.toml`).
    pub fn load(dir: Option<&Path>, lang: &str) -> Result<Templates> {
        let locale = Arc::new(Locale::load(lang, dir)?);
        let mut sources: Vec<Source> = Vec::new();
        if let Some(dir) = dir {
            sources = user_templates(dir)?;
        }
        let user: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        for (name, text) in BUILTIN {
            // Only an override can extend a built-in: without one, the
            // aliases would double the templates to parse.
            if dir.is_some() {
                sources.push(Source {
                    name: format!("builtin/{name}"),
                    text: text.to_string(),
                });
            }
            if !user.iter().any(|n| n == name) {
                sources.push(Source {
                    name: name.to_string(),
                    text: text.to_string(),
                });
            }
        }
        let plain = |name: &str| {
            sources
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.text.clone())
                .unwrap_or_default()
        };
        let layout = plain("layout.typ");
        let style = plain("html/style.css");
        let mut md = Vec::new();
        let mut typ = Vec::new();
        let mut html = Vec::new();
        for s in sources {
            let bare = s.name.strip_prefix("builtin/").unwrap_or(&s.name);
            if PLAIN.contains(&bare) {
                continue;
            }
            let pair = (s.name.clone(), s.text);
            if bare.ends_with(".typ") {
                typ.push(pair);
            } else if bare.ends_with(".html") {
                html.push(pair);
            } else {
                md.push(pair);
            }
        }
        let engine = |templates: Vec<(String, String)>,
                      suffix: &'static str,
                      escape: fn(&str) -> String,
                      format: Format|
         -> Result<tera::Tera> {
            let mut tera = tera::Tera::default();
            tera.autoescape_on(vec![suffix]);
            tera.set_escape_fn(escape);
            tera.register_function("get_env", no_env);
            for plain in [false, true] {
                tera.register_function(
                    if plain { "plain" } else { "t" },
                    Translate {
                        locale: Arc::clone(&locale),
                        format,
                        plain,
                    },
                );
            }
            tera.register_filter("typst_str", TypstStr);
            tera.add_raw_templates(templates)
                .map_err(|e| Error::new(error_chain(&e)))
                .context("failed to load templates")?;
            Ok(tera)
        };
        Ok(Templates {
            md: engine(md, ".md", filters::escape_markdown, Format::Markdown)?,
            typ: engine(typ, ".typ", crate::typst::escape_text, Format::Typst)?,
            html: engine(html, ".html", filters::escape_html, Format::Html)?,
            layout,
            style,
            locale,
        })
    }

    /// The Typst page layout.
    pub fn layout(&self) -> &str {
        &self.layout
    }

    /// The web pages' stylesheet.
    pub fn style(&self) -> &str {
        &self.style
    }

    /// The strings of the model's language.
    pub fn locale(&self) -> &Locale {
        &self.locale
    }

    /// Renders the Markdown template `name`.
    fn markdown(&self, name: &str, ctx: &tera::Context) -> Result<String> {
        let text = self
            .md
            .render(name, ctx)
            .map_err(|e| Error::new(error_chain(&e)))
            .with_context(|| format!("failed to render template `{name}`"))?;
        Ok(tidy(&text))
    }

    /// Renders the Typst-native template `name`.
    fn typst(&self, name: &str, ctx: &tera::Context) -> Result<String> {
        self.typ
            .render(name, ctx)
            .map_err(|e| Error::new(error_chain(&e)))
            .with_context(|| format!("failed to render template `{name}`"))
    }

    /// Renders the Markdown template of `spec` and, if it has one, its
    /// Typst-native template (its error first).
    fn both(&self, spec: &DocSpec, ctx: &tera::Context) -> Result<(String, Option<String>)> {
        let typst = spec.typst.map(|t| self.typst(t, ctx)).transpose()?;
        Ok((self.markdown(spec.template, ctx)?, typst))
    }

    /// Renders the HTML template `name` (`html/index.html`, `html/page.html`)
    /// with `ctx`, to which it adds `style` and `lang`.
    pub fn html(&self, name: &str, ctx: &impl Serialize) -> Result<String> {
        let mut ctx = tera::Context::from_serialize(ctx)
            .with_context(|| format!("failed to build the context of `{name}`"))?;
        ctx.insert("style", &self.style);
        ctx.insert("lang", self.locale.tag());
        self.html
            .render(name, &ctx)
            .map_err(|e| Error::new(error_chain(&e)))
            .with_context(|| format!("failed to render template `{name}`"))
    }
}

/// Reads the templates of a `--templates` directory.
fn user_templates(dir: &Path) -> Result<Vec<Source>> {
    let read_dir = |d: &Path| -> Result<Vec<std::path::PathBuf>> {
        let mut paths: Vec<_> = std::fs::read_dir(d)
            .with_context(|| format!("failed to read templates directory `{}`", d.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        Ok(paths)
    };
    let mut sources = Vec::new();
    let mut add = |path: &Path, prefix: &str| -> Result<()> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let wanted = if prefix.is_empty() {
            name.ends_with(".md") || name.ends_with(".typ")
        } else {
            name.ends_with(".html") || name == "style.css"
        };
        if wanted {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read template `{}`", path.display()))?;
            sources.push(Source {
                name: format!("{prefix}{name}"),
                text,
            });
        }
        Ok(())
    };
    for path in read_dir(dir)? {
        add(&path, "")?;
    }
    let html = dir.join("html");
    if html.is_dir() {
        for path in read_dir(&html)? {
            add(&path, "html/")?;
        }
    }
    if sources.is_empty() && !dir.join("locales").is_dir() {
        return Err(Error::new(format!(
            "no templates in `{}` (no *.md, *.typ, html/*.html or locales/*.toml)",
            dir.display()
        ))
        .hint(format!(
            "`rolecall templates eject {}` writes the built-in templates there for editing",
            dir.display()
        )));
    }
    Ok(sources)
}

/// Tera's errors nest their cause; show the whole chain on one line each.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(&format!("\n  caused by: {s}"));
        cur = s.source();
    }
    out
}

/// Collapses runs of blank lines left by template control flow, and ends with one newline.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim_matches('\n');
    format!("{trimmed}\n")
}

/// A bound document as a sheet's template sees it.
#[derive(Debug, Clone, Serialize)]
struct Bound<'a> {
    /// Bundle path of the bound document.
    document: &'a str,
    /// Its SHA-256.
    digest: &'a str,
    /// The first 12 hex digits.
    digest_short: &'a str,
}

/// Fills a row's `{policy}`, `{role}` and `{person}` patterns.
fn pattern(text: &str, policy: &str, role: &str, person: &str) -> String {
    text.replace("{policy}", policy)
        .replace("{role}", role)
        .replace("{person}", person)
}

/// Renders every document of the table but the change report, in table order,
/// and the signature register.
pub fn render(model: &Model, templates: &Templates) -> Result<Rendered> {
    let locale = templates.locale();
    let words = v2_words(model, locale)?;
    let views = Views::new(model, &words);
    let common = views.common();
    let policy_id = &model.policy.id;
    // Each document gets only the views its template needs: copying the whole
    // common context into every role and sheet context made rendering a large
    // model quadratic (see docs/performance.md). The role, sheet and register
    // documents share one context holding the header views, copied into it
    // once; each document replaces its own key (`role`, `sheet`, `register`).
    let mut item = tera::Context::new();
    item.insert("org", &common.org);
    item.insert("policy", &common.policy);
    let mut site = site_context(&common)?;
    let mut docs: Vec<Document> = Vec::new();
    let mut register = Register::default();
    for spec in DOCUMENTS.iter().filter(|d| d.when.applies(model)) {
        match spec.scope {
            Scope::Site => {
                // One context for every site-scoped document: it holds the whole
                // model, too large to copy for each.
                let ctx = &mut site;
                ctx.remove("bound");
                ctx.remove("chunks");
                let binds = spec
                    .sheet
                    .map(|sheet| bind(ctx, &docs, sheet))
                    .transpose()?;
                let title = locale.plain(spec.title, &[("policy", &model.policy.title)])?;
                if spec.typst.is_some() {
                    let raci = &common.raci;
                    ctx.insert("chunks", &raci.chunks(RACI_COLUMNS_PER_PAGE));
                }
                let (markdown, typst) = templates.both(spec, ctx)?;
                docs.push(single(spec, model, title, markdown, typst, binds));
            }
            Scope::Role => {
                let ctx = &mut item;
                for (r, role) in common.roles.iter().enumerate() {
                    ctx.insert("role", role);
                    let title = locale.plain(spec.title, &[("role", &role.name)])?;
                    let id = &model.roles[r].id;
                    docs.push(document(
                        spec,
                        pattern(spec.path, policy_id, id, ""),
                        title.clone(),
                        title,
                        pattern(spec.doc_id, policy_id, id, ""),
                        role.version.clone(),
                        templates.markdown(spec.template, ctx)?,
                        None,
                        None,
                    ));
                }
                ctx.remove("role");
            }
            Scope::Assignment => {
                let sheet = spec.sheet.with_context(|| {
                    format!(
                        "document `{}` has the assignment scope but no sheet",
                        spec.id
                    )
                })?;
                let sheets = bound_assignments(&views, &docs, policy_id, spec)?;
                let ctx = &mut item;
                for (view, role_file, digest) in sheets {
                    ctx.insert("sheet", &view);
                    let title = locale.plain(spec.title, &[("role", &view.role.name)])?;
                    let label = locale.plain(
                        "documents.assignment.label",
                        &[("title", &title), ("person", &view.appointee.name)],
                    )?;
                    docs.push(document(
                        spec,
                        view.file.clone(),
                        title,
                        label,
                        view.doc_id.clone(),
                        view.version.clone(),
                        templates.markdown(spec.template, ctx)?,
                        None,
                        Some(Binding {
                            sheet: sheet.id(&view.role.id, &view.appointee.id),
                            document: role_file,
                            digest,
                        }),
                    ));
                }
                ctx.remove("sheet");
            }
            Scope::Resolution if !model.organisation.board_resolution => {}
            Scope::Resolution => {
                let assignment = DOCUMENTS
                    .iter()
                    .find(|d| d.scope == Scope::Assignment)
                    .context("the table of documents has no assignment sheets")?;
                let assignments = bound_assignments(&views, &docs, policy_id, assignment)?
                    .into_iter()
                    .map(|(view, _, _)| view)
                    .filter(|v| v.assigned_by == "resolution")
                    .collect();
                let ctx = &mut item;
                ctx.insert(
                    "resolution",
                    &ResolutionView {
                        assignments,
                        signers: views.top_management(),
                    },
                );
                let binds = spec
                    .sheet
                    .map(|sheet| bind(ctx, &docs, sheet))
                    .transpose()?;
                let title = locale.plain(spec.title, &[("policy", &model.policy.title)])?;
                let markdown = templates.markdown(spec.template, ctx)?;
                docs.push(single(spec, model, title, markdown, None, binds));
                ctx.remove("resolution");
                ctx.remove("bound");
            }
            Scope::Register => {
                let sheets: Vec<(&str, &Binding)> = docs
                    .iter()
                    .filter_map(|d| d.binds.as_ref().map(|b| (d.path.as_str(), b)))
                    .collect();
                register = signatures::register(model, &sheets);
                let ctx = &mut item;
                ctx.insert("register", &views.register(&register));
                let title = locale.plain(spec.title, &[])?;
                let (markdown, typst) = templates.both(spec, ctx)?;
                docs.push(single(spec, model, title, markdown, typst, None));
                ctx.remove("register");
            }
            // Needs a previous bundle: see [`changes`].
            Scope::Changes => {}
        }
    }
    Ok(Rendered {
        documents: docs,
        register,
    })
}

/// The words of the views, with those of model v2 for a model that uses it (a
/// v1 model renders with a locale that lacks them).
fn v2_words(model: &Model, locale: &Locale) -> Result<Words> {
    let mut words = Words::new(locale, model.organisation.date_format)?;
    if model.is_v2() {
        words.load_v2(locale)?;
    }
    Ok(words)
}

/// Every assignment's sheet view with its file, id and the digest of the role
/// description it binds; with that description's path and digest.
/// `spec` is the assignment sheets' row.
fn bound_assignments(
    views: &Views,
    docs: &[Document],
    policy_id: &str,
    spec: &DocSpec,
) -> Result<Vec<(AssignmentView, String, String)>> {
    let sheet = spec.sheet.unwrap_or(documents::Sheet::Assignment);
    let role_spec = documents::spec(documents::ROLE);
    // Looked up once per sheet: a search of every document for each of a
    // role's ten thousand sheets was quadratic.
    let role_docs: std::collections::BTreeMap<&str, &str> = docs
        .iter()
        .filter(|d| d.spec.id == role_spec.id)
        .map(|d| (d.path.as_str(), d.digest.as_str()))
        .collect();
    let digest_of = |role: &str| {
        let path = pattern(role_spec.path, policy_id, role, "");
        let digest = role_docs.get(path.as_str())?.to_string();
        Some((path, digest))
    };
    let mut sheets = Vec::new();
    for view in views.assignments() {
        let (role_file, digest) = digest_of(&view.role.id)
            .with_context(|| format!("no role description for the role `{}`", view.role.id))?;
        let file = pattern(spec.path, policy_id, &view.role.id, &view.appointee.id);
        let id = sheet.id(&view.role.id, &view.appointee.id).to_string();
        sheets.push((view.bind(file, id, &digest), role_file, digest));
    }
    Ok(sheets)
}

/// What a site-scoped `sheet` binds: the document rendered before it, which
/// the template sees as `bound`.
fn bind(ctx: &mut tera::Context, docs: &[Document], sheet: documents::Sheet) -> Result<Binding> {
    let bound = bound_document(docs, sheet)?;
    ctx.insert(
        "bound",
        &Bound {
            document: &bound.path,
            digest: &bound.digest,
            digest_short: short(&bound.digest),
        },
    );
    Ok(Binding {
        sheet: sheet.id("", ""),
        document: bound.path.clone(),
        digest: bound.digest.clone(),
    })
}

/// The document a site-scoped sheet binds, rendered before it.
fn bound_document(docs: &[Document], sheet: documents::Sheet) -> Result<&Document> {
    let id = sheet.binds();
    docs.iter()
        .find(|d| d.spec.id == id)
        .with_context(|| format!("a sheet binds `{id}`, which is not rendered before it"))
}

/// A document from its parts; the digest is computed here, once.
#[allow(clippy::too_many_arguments)] // every part is a different field, named at the call
fn document(
    spec: &'static DocSpec,
    path: String,
    title: String,
    label: String,
    doc_id: String,
    version: String,
    markdown: String,
    typst: Option<String>,
    binds: Option<Binding>,
) -> Document {
    Document {
        spec,
        path,
        title,
        label,
        doc_id,
        version,
        digest: sha256_hex(markdown.as_bytes()),
        markdown,
        typst,
        binds,
    }
}

/// The document of a row that makes one: its path and id from the row, the
/// policy's version.
fn single(
    spec: &'static DocSpec,
    model: &Model,
    title: String,
    markdown: String,
    typst: Option<String>,
    binds: Option<Binding>,
) -> Document {
    document(
        spec,
        spec.path.to_string(),
        title.clone(),
        title,
        pattern(spec.doc_id, &model.policy.id, "", ""),
        model.policy.version.clone(),
        markdown,
        typst,
        binds,
    )
}

/// The full context of site-scoped documents and the index.
fn site_context(common: &Common) -> Result<tera::Context> {
    tera::Context::from_serialize(common).context("failed to build template context")
}

/// One line of the auditor's index.
#[derive(Debug, Clone, Serialize)]
pub struct IndexEntry {
    /// Bundle-relative path.
    pub path: String,
    /// What the file is.
    pub description: String,
    /// Clauses it evidences.
    pub evidences: String,
}

/// Facts about the bundle for its README.
#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    /// Bundle date, formatted.
    pub date: String,
    /// Bundle date, ISO.
    pub date_iso: String,
    /// rolecall version.
    pub tool_version: String,
    /// Digest of the model.
    pub model_digest: String,
    /// Whether PDFs are included.
    pub pdf: bool,
    /// The fingerprint of the key that signs `SHA256SUMS`, in a signed bundle.
    pub signed_by: Option<String>,
}

/// Renders the bundle's README: the auditor's index.
pub fn index(
    model: &Model,
    templates: &Templates,
    entries: &[IndexEntry],
    info: &BundleInfo,
) -> Result<String> {
    let words = v2_words(model, templates.locale())?;
    let common = Views::new(model, &words).common();
    let mut ctx = site_context(&common)?;
    ctx.insert("files", entries);
    ctx.insert("bundle", info);
    templates.markdown("bundle-readme.md", &ctx)
}

/// Fills in the model's defaults that are words (`policy.defaults` of the locale:
/// the policy's title and classification when the model leaves them out).
pub fn fill_defaults(model: &mut Model, locale: &Locale) -> Result<()> {
    let title = locale.text("policy.defaults.title")?;
    let classification = locale.text("policy.defaults.classification")?;
    model.fill_defaults(title, classification);
    Ok(())
}

/// The bundle date as documents write it.
pub fn format_date(model: &Model, locale: &Locale, date: crate::date::Date) -> Result<String> {
    locale.date(date, model.organisation.date_format)
}

/// The index entry of a rendered document.
pub fn describe(doc: &Document, model: &Model, locale: &Locale) -> Result<IndexEntry> {
    let staff = model.active_staff().count().to_string();
    let key = format!("documents.{}.description", doc.spec.id);
    let description = locale.plain(
        &key,
        &[
            ("title", &doc.title),
            ("doc_id", &doc.doc_id),
            ("version", &doc.version),
            ("n", &staff),
        ],
    );
    Ok(IndexEntry {
        path: doc.path.clone(),
        description: description?,
        evidences: doc.spec.evidences.to_string(),
    })
}

/// What the change report's title says of the side compared with.
#[derive(Debug, Clone)]
pub struct OldSide {
    /// Its bundle date (`YYYY-MM-DD`), when it is a bundle.
    pub bundle_date: Option<String>,
    /// How it is named otherwise: the model's path.
    pub label: String,
}

/// Renders the change report (`changes.md`) against a previous bundle or model.
///
/// The template receives `changes`, the `ChangeSet` of `crate::changes`
/// exactly as `diff --format json` prints it but with `_` for `-` in keys
/// (`sign_again`, `bundle_date`), and `org` and `policy` of the new model.
pub fn changes(
    model: &Model,
    templates: &Templates,
    changes: &impl Serialize,
    old: &OldSide,
) -> Result<Document> {
    let locale = templates.locale();
    let words = Words::new(locale, model.organisation.date_format)?;
    let views = Views::new(model, &words);
    let value = serde_json::to_value(changes).context("failed to build the change report")?;
    let since = match &old.bundle_date {
        Some(d) => {
            let date = match crate::date::Date::parse(d) {
                Some(date) => words.date(date),
                None => d.clone(),
            };
            locale.plain("changes.since_bundle", &[("date", &date)])?
        }
        None => old.label.clone(),
    };
    let mut ctx = tera::Context::new();
    ctx.insert("org", &views.org());
    ctx.insert("policy", &views.policy());
    ctx.insert("changes", &snake_keys(value));
    ctx.insert("since", &since);
    let spec = documents::spec(documents::CHANGES);
    let title = locale.plain(spec.title, &[("since", &since)])?;
    let markdown = templates.markdown(spec.template, &ctx)?;
    Ok(single(spec, model, title, markdown, None, None))
}

/// `kebab-case` keys as `snake_case`, so that templates can write `a.b_c`.
fn snake_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.replace('-', "_"), snake_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(snake_keys).collect()),
        other => other,
    }
}
