//! Rendering: the resolved model through Tera templates into Markdown documents.
//!
//! Third stage of the pipeline. [`Templates::load`] sets up Tera with the user's
//! templates (if any) over the built-in ones; [`render_documents`] renders every
//! document of the bundle from view structs (`context`). Model text is escaped by
//! the one Markdown escape function (`filters::escape_markdown`), which Tera
//! applies to every `{{ value }}` of a `.md` template.

pub mod context;
pub mod filters;

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use serde::Serialize;

use self::context::{Common, PersonView, Views};
use crate::digest::{sha256_hex, short};
use crate::model::Model;

/// The built-in templates, embedded from `templates/`.
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
        "all-staff-acknowledgement.md",
        include_str!("../../templates/all-staff-acknowledgement.md"),
    ),
    (
        "bundle-readme.md",
        include_str!("../../templates/bundle-readme.md"),
    ),
    (
        "raci-matrix.typ",
        include_str!("../../templates/raci-matrix.typ"),
    ),
    ("layout.typ", include_str!("../../templates/layout.typ")),
    ("changes.md", include_str!("../../templates/changes.md")),
];

/// Most role columns of one RACI table in the PDF; wider matrices are split.
pub const RACI_COLUMNS_PER_PAGE: usize = 20;

/// What a document is, for its layout and for the auditor's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocKind {
    /// The roles and responsibilities policy.
    Policy,
    /// The RACI matrix.
    Raci,
    /// A role description.
    Role,
    /// A role assignment sheet.
    Assignment,
    /// The policy approval sheet.
    Approval,
    /// The all-staff acknowledgement sheet.
    Acknowledgement,
    /// The register of recorded signatures.
    Register,
    /// The change report against a previous bundle (`build --previous`).
    Changes,
}

/// One rendered document.
#[derive(Debug, Clone)]
pub struct Document {
    /// Bundle-relative path of the Markdown file (`roles/ceo.md`).
    pub path: String,
    /// What it is.
    pub kind: DocKind,
    /// Title for headers and PDF metadata.
    pub title: String,
    /// Document id for footers.
    pub doc_id: String,
    /// Version for footers.
    pub version: String,
    /// The Markdown text.
    pub markdown: String,
    /// For a signature sheet, the document its signatures bind to.
    pub binds: Option<Binding>,
}

/// What a signature sheet binds to: one exact content of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The sheet's id, as `[[signatures]] sheet` names it: `role/<role>/<person>`,
    /// `policy-approval` or `all-staff`.
    pub sheet: String,
    /// Bundle-relative path of the bound document's Markdown.
    pub document: String,
    /// SHA-256 of that Markdown, printed on the sheet.
    pub digest: String,
}

/// The templates of a build: the user's over the built-in ones, file by file.
pub struct Templates {
    /// `.md` templates, escaped for Markdown.
    tera: tera::Tera,
    /// `.typ` Tera templates, escaped for Typst markup.
    typ: tera::Tera,
    /// The Typst page layout (plain Typst, not a Tera template).
    layout: String,
}

/// `| typst_str`: a value as a Typst string literal, quotes included. Its output
/// is safe: autoescaping it again would break the literal.
struct TypstStr;

impl tera::Filter for TypstStr {
    fn filter(
        &self,
        value: &tera::Value,
        _: &std::collections::HashMap<String, tera::Value>,
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

impl Templates {
    /// Loads the built-in templates, overridden file by file by those in `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let mut sources: Vec<(String, String)> = Vec::new();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir).with_context(|| {
                format!("failed to read templates directory `{}`", dir.display())
            })?;
            let mut names: Vec<_> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            names.sort();
            for path in names {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !(name.ends_with(".md") || name.ends_with(".typ")) {
                    continue;
                }
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("failed to read template `{}`", path.display()))?;
                sources.push((name, text));
            }
            if sources.is_empty() {
                bail!(
                    "no *.md or *.typ templates in `{}`\nhint: `rolecall templates eject {}` writes the built-in templates there for editing",
                    dir.display(),
                    dir.display()
                );
            }
        }
        for (name, text) in BUILTIN {
            if !sources.iter().any(|(n, _)| n == name) {
                sources.push((name.to_string(), text.to_string()));
            }
        }
        let layout = sources
            .iter()
            .find(|(n, _)| n == "layout.typ")
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        let (md, typ): (Vec<_>, Vec<_>) = sources
            .into_iter()
            .filter(|(n, _)| n != "layout.typ")
            .partition(|(n, _)| n.ends_with(".md"));
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".md"]);
        tera.set_escape_fn(filters::escape_markdown);
        tera.add_raw_templates(md)
            .map_err(|e| anyhow::anyhow!(error_chain(&e)))
            .context("failed to load templates")?;
        let mut typ_tera = tera::Tera::default();
        typ_tera.autoescape_on(vec![".typ"]);
        typ_tera.set_escape_fn(crate::typst::escape_text);
        typ_tera.register_filter("typst_str", TypstStr);
        typ_tera
            .add_raw_templates(typ)
            .map_err(|e| anyhow::anyhow!(error_chain(&e)))
            .context("failed to load templates")?;
        Ok(Templates {
            tera,
            typ: typ_tera,
            layout,
        })
    }

    /// The Typst page layout.
    pub fn layout(&self) -> &str {
        &self.layout
    }

    /// Renders a Typst-native template (`raci-matrix.typ`) for `model`.
    pub fn render_typst(&self, name: &str, model: &Model) -> Result<String> {
        let views = Views::new(model);
        let raci = views.raci();
        let mut ctx = tera::Context::new();
        ctx.insert("org", &views.org());
        ctx.insert("policy", &views.policy());
        ctx.insert("chunks", &raci.chunks(RACI_COLUMNS_PER_PAGE));
        ctx.insert("raci", &raci);
        self.typ
            .render(name, &ctx)
            .map_err(|e| anyhow::anyhow!(error_chain(&e)))
            .with_context(|| format!("failed to render template `{name}`"))
    }

    fn render(&self, name: &str, ctx: &tera::Context) -> Result<String> {
        let text = self
            .tera
            .render(name, ctx)
            .map_err(|e| anyhow::anyhow!(error_chain(&e)))
            .with_context(|| format!("failed to render template `{name}`"))?;
        Ok(tidy(&text))
    }
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

fn context(common: &Common) -> Result<tera::Context> {
    tera::Context::from_serialize(common).context("failed to build template context")
}

/// Renders every document of the bundle (without the bundle's README, which
/// depends on the bundle date: see [`render_index`]).
pub fn render_documents(model: &Model, templates: &Templates) -> Result<Vec<Document>> {
    let views = Views::new(model);
    let common = views.common();
    let policy = &common.policy;
    // Each document gets only the views its template needs: copying the whole
    // common context into every role and sheet context made rendering a large
    // model quadratic (see docs/performance.md).
    let header = |ctx: &mut tera::Context| {
        ctx.insert("org", &common.org);
        ctx.insert("policy", &common.policy);
    };
    let mut docs = Vec::new();

    // Role descriptions first: their digests go onto the assignment sheets.
    let mut digests = Vec::new();
    for (r, role) in common.roles.iter().enumerate() {
        let mut ctx = tera::Context::new();
        header(&mut ctx);
        ctx.insert("role", role);
        let markdown = templates.render("role.md", &ctx)?;
        digests.push(sha256_hex(markdown.as_bytes()));
        docs.push(Document {
            path: role.file.clone(),
            kind: DocKind::Role,
            title: format!("Role description: {}", role.name),
            doc_id: views.role_doc_id(r),
            version: role.version.clone(),
            markdown,
            binds: None,
        });
    }

    let policy_md = templates.render("policy.md", &context(&common)?)?;
    let policy_digest = sha256_hex(policy_md.as_bytes());
    let mut raci_ctx = tera::Context::new();
    header(&mut raci_ctx);
    raci_ctx.insert("raci", &common.raci);
    docs.insert(
        0,
        Document {
            path: "policy.md".into(),
            kind: DocKind::Policy,
            title: policy.title.clone(),
            doc_id: policy.id.clone(),
            version: policy.version.clone(),
            markdown: policy_md,
            binds: None,
        },
    );
    docs.insert(
        1,
        Document {
            path: "raci-matrix.md".into(),
            kind: DocKind::Raci,
            title: "RACI matrix".into(),
            doc_id: format!("{}/raci", policy.id),
            version: policy.version.clone(),
            markdown: templates.render("raci-matrix.md", &raci_ctx)?,
            binds: None,
        },
    );

    for sheet in views.assignments(&digests) {
        let mut ctx = tera::Context::new();
        header(&mut ctx);
        ctx.insert("sheet", &sheet);
        docs.push(Document {
            path: sheet.file.clone(),
            kind: DocKind::Assignment,
            title: format!("Role assignment: {}", sheet.role.name),
            doc_id: sheet.doc_id.clone(),
            version: sheet.version.clone(),
            markdown: templates.render("signature-role.md", &ctx)?,
            binds: Some(Binding {
                sheet: sheet.sheet.clone(),
                document: sheet.role.file.clone(),
                digest: sheet.digest.clone(),
            }),
        });
    }

    let approvers: Vec<PersonView> = model.roles[model.policy.approver]
        .holders
        .iter()
        .filter(|&&p| model.people[p].active)
        .map(|&p| views.person(p))
        .collect();
    let mut ctx = tera::Context::new();
    header(&mut ctx);
    ctx.insert("people", &common.people);
    ctx.insert("approvers", &approvers);
    ctx.insert("policy_digest", &policy_digest);
    ctx.insert("policy_digest_short", short(&policy_digest));
    docs.push(Document {
        path: "signatures/policy-approval.md".into(),
        kind: DocKind::Approval,
        title: format!("Approval: {}", policy.title),
        doc_id: policy.id.clone(),
        version: policy.version.clone(),
        markdown: templates.render("signature-policy.md", &ctx)?,
        binds: Some(Binding {
            sheet: "policy-approval".into(),
            document: "policy.md".into(),
            digest: policy_digest.clone(),
        }),
    });
    docs.push(Document {
        path: "signatures/all-staff-acknowledgement.md".into(),
        kind: DocKind::Acknowledgement,
        title: "All-staff acknowledgement".into(),
        doc_id: policy.id.clone(),
        version: policy.version.clone(),
        markdown: templates.render("all-staff-acknowledgement.md", &ctx)?,
        binds: Some(Binding {
            sheet: "all-staff".into(),
            document: "policy.md".into(),
            digest: policy_digest.clone(),
        }),
    });

    let register = crate::signatures::register(model, &docs);
    let mut ctx = tera::Context::new();
    header(&mut ctx);
    ctx.insert("register", &views.register(&register));
    docs.push(Document {
        path: "signatures/register.md".into(),
        kind: DocKind::Register,
        title: "Signature register".into(),
        doc_id: format!("{}/signatures", policy.id),
        version: policy.version.clone(),
        markdown: templates.render("signature-register.md", &ctx)?,
        binds: None,
    });
    Ok(docs)
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
}

/// Renders the bundle's README: the auditor's index.
pub fn render_index(
    model: &Model,
    templates: &Templates,
    entries: &[IndexEntry],
    info: &BundleInfo,
) -> Result<String> {
    let views = Views::new(model);
    let common = views.common();
    let mut ctx = context(&common)?;
    ctx.insert("files", entries);
    ctx.insert("bundle", info);
    templates.render("bundle-readme.md", &ctx)
}

/// The index entry of a rendered document.
pub fn describe(doc: &Document, model: &Model) -> IndexEntry {
    let (description, evidences) = match doc.kind {
        DocKind::Policy => (
            format!("{} ({} version {})", doc.title, doc.doc_id, doc.version),
            "5.3, A.5.2, 5.2, 7.5",
        ),
        DocKind::Raci => ("RACI matrix: who is responsible, accountable, consulted and informed for each ISMS activity".to_string(), "5.3, A.5.2, A.5.3"),
        DocKind::Role => (doc.title.clone(), "5.3, A.5.2, 7.2"),
        DocKind::Assignment => (
            format!("{}: top management's signed assignment", doc.title),
            "5.3",
        ),
        DocKind::Approval => ("Top management's approval of the policy".to_string(), "5.1, 5.2, 5.3"),
        DocKind::Acknowledgement => (
            format!("Acknowledgement of the policy by all {} active staff", model.active_people().count()),
            "7.3, A.5.2",
        ),
        DocKind::Register => (
            "Signature register: which sheets are signed for the current content, signed for an older version, or outstanding".to_string(),
            "5.3, 7.5",
        ),
        DocKind::Changes => (
            format!("{}: roles, holders, responsibilities, authorities, RACI cells, people and policy as checked against that bundle's model, and the sheets to sign again", doc.title),
            "7.5, A.5.2",
        ),
    };
    IndexEntry {
        path: doc.path.clone(),
        description,
        evidences: evidences.to_string(),
    }
}

/// Renders the change report (`changes.md`) against a previous bundle or model.
///
/// The template receives `changes`, the [`ChangeSet`](crate::changes::ChangeSet)
/// exactly as `diff --format json` prints it but with `_` for `-` in keys
/// (`sign_again`, `bundle_date`), and `org` and `policy` of the new model.
pub fn render_changes(
    model: &Model,
    templates: &Templates,
    changes: &crate::changes::ChangeSet,
) -> Result<Document> {
    let views = Views::new(model);
    let value = serde_json::to_value(changes).context("failed to build the change report")?;
    let since = match &changes.old.bundle_date {
        Some(d) => format!(
            "the bundle of {}",
            crate::date::Date::parse(d).map_or_else(|| d.clone(), |d| model.fmt_date(d))
        ),
        None => changes.old.label.clone(),
    };
    let mut ctx = tera::Context::new();
    ctx.insert("org", &views.org());
    ctx.insert("policy", &views.policy());
    ctx.insert("changes", &snake_keys(value));
    ctx.insert("since", &since);
    Ok(Document {
        path: "changes.md".into(),
        kind: DocKind::Changes,
        title: format!("Changes since {since}"),
        doc_id: format!("{}/changes", model.policy.id),
        version: model.policy.version.clone(),
        markdown: templates.render("changes.md", &ctx)?,
        binds: None,
    })
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
