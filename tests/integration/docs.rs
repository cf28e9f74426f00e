//! The reference documents under `docs/` against the code they describe.
//!
//! docs/rules.md is generated from the rule catalogue and must equal what
//! `rolecall explain --list --format markdown` prints; docs/model.md must have a
//! row for every key of the JSON Schema (itself tested against serde); and
//! docs/templates.md must document every template, every variable and every
//! field of the view structs, and its worked example must build.

use std::collections::BTreeSet;
use std::path::Path;

use rolecall::date::Date;
use rolecall::render::context::Views;
use rolecall::render::{BUILTIN, BundleInfo, IndexEntry};
use serde_json::Value as Json;

use crate::support::{example, files_below, read, rolecall, root};

fn doc(name: &str) -> String {
    std::fs::read_to_string(root().join("docs").join(name))
        .unwrap_or_else(|e| panic!("cannot read docs/{name}: {e}"))
}

#[test]
fn rules_md_is_what_the_catalogue_generates() {
    let run = rolecall(&["explain", "--list", "--format", "markdown"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout == doc("rules.md"),
        "docs/rules.md is out of date with src/rules.rs; regenerate it with\n\
         cargo run -q -- explain --list --format markdown > docs/rules.md"
    );
    // One section per rule, in the form `explain CODE --format markdown` prints.
    let list = rolecall(&["explain", "--list"]).stdout;
    let codes: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(codes.len() >= 28, "{list}");
    for code in codes {
        let one = rolecall(&["explain", code, "--format", "markdown"]);
        assert_eq!(one.code, 0, "{}", one.all());
        assert!(
            one.stdout.starts_with(&format!("## {code} ")),
            "{}",
            one.stdout
        );
        assert!(run.stdout.contains(&one.stdout), "{code} section differs");
        assert!(
            run.stdout.contains(&format!("| [{code}](#")),
            "{code} not in the table"
        );
    }
}

/// The text of the section of `md` whose heading contains `title`, up to the
/// next heading of the same or a higher level.
fn section<'a>(md: &'a str, title: &str) -> &'a str {
    let start = md
        .lines()
        .find(|l| l.starts_with('#') && l.contains(title))
        .unwrap_or_else(|| panic!("no heading with `{title}`"));
    let level = start.chars().take_while(|c| *c == '#').count();
    let from = md.find(start).unwrap() + start.len();
    let rest = &md[from..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| {
            let l = &rest[i + 1..];
            let n = l.chars().take_while(|c| *c == '#').count();
            n <= level && l[n..].starts_with(' ')
        })
        .map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

#[test]
fn model_md_has_a_row_for_every_key_of_the_schema() {
    let run = rolecall(&["schema"]);
    let schema: Json = serde_json::from_str(&run.stdout).unwrap();
    let md = doc("model.md");
    let tables = [
        ("organisation", "`[organisation]`"),
        ("policy", "`[policy]`"),
        ("section", "`[[policy.sections]]`"),
        ("history", "`[[policy.history]]`"),
        ("person", "`[[people]]`"),
        ("evidence", "`[[people.evidence]]`"),
        ("party", "`[[parties]]`"),
        ("competence", "`[[competences]]`"),
        ("control", "`[[controls]]`"),
        ("exception", "`[[exceptions]]`"),
        ("role", "`[[roles]]`"),
        ("activity", "`[[activities]]`"),
        ("signature", "`[[signatures]]`"),
        ("lint", "`[lint]`"),
    ];
    let defs = schema["definitions"].as_object().unwrap();
    let listed: BTreeSet<&str> = tables.iter().map(|(d, _)| *d).collect();
    let defined: BTreeSet<&str> = defs.keys().map(String::as_str).collect();
    assert_eq!(
        listed, defined,
        "every table of the schema needs a section in docs/model.md"
    );
    let mut missing = Vec::new();
    for (def, heading) in tables {
        let text = section(&md, heading);
        let required: BTreeSet<&str> = defs[def]["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        for key in defs[def]["properties"].as_object().unwrap().keys() {
            let row = text
                .lines()
                .find(|l| l.starts_with(&format!("| `{key}` |")));
            match row {
                None => missing.push(format!("{heading}: no row for `{key}`")),
                // Required in the schema: the row's default column says so.
                Some(r) if required.contains(key.as_str()) && !r.contains("| required") => {
                    missing.push(format!("{heading}: `{key}` is required: {r}"))
                }
                Some(_) => {}
            }
        }
    }
    assert!(missing.is_empty(), "docs/model.md:\n{}", missing.join("\n"));
}

/// Every object key in `v`, recursively.
fn keys(v: &Json, out: &mut BTreeSet<String>) {
    match v {
        Json::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Json::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn templates_md_documents_every_template_variable_and_field() {
    let md = doc("templates.md");
    let model = rolecall::model::check(&example("northwind"), Date::new(2026, 1, 31).unwrap())
        .model
        .expect("northwind is valid");
    let locale = rolecall::render::Locale::load("en", None).unwrap();
    let words =
        rolecall::render::context::Words::new(&locale, model.organisation.date_format).unwrap();
    let views = Views::new(&model, &words);
    let index = IndexEntry {
        path: "policy.md".into(),
        description: "the policy".into(),
        evidences: "5.3".into(),
    };
    let info = BundleInfo {
        date: "31 January 2026".into(),
        date_iso: "2026-01-31".into(),
        tool_version: "0".into(),
        model_digest: "0".into(),
        pdf: true,
        signed_by: Some("SHA256:0".into()),
    };
    let mut fields = BTreeSet::new();
    keys(&serde_json::to_value(views.common()).unwrap(), &mut fields);
    keys(
        &serde_json::to_value(views.assignments()).unwrap(),
        &mut fields,
    );
    keys(&serde_json::to_value(&index).unwrap(), &mut fields);
    keys(&serde_json::to_value(&info).unwrap(), &mut fields);
    // Northwind exercises every optional field, so every field is a key here.
    assert!(
        fields.contains("reports_to") && fields.contains("assigner_role"),
        "{fields:?}"
    );
    let mut missing: Vec<String> = fields
        .iter()
        .filter(|f| !md.contains(&format!("| `{f}` |")))
        .map(|f| format!("field `{f}` has no row"))
        .collect();

    for (name, text) in BUILTIN {
        if !md.contains(&format!("| `{name}` |")) {
            missing.push(format!("template `{name}` is not in the table"));
        }
        // The stylesheet is plain CSS: it receives nothing.
        if *name == "html/style.css" {
            continue;
        }
        // layout.typ is plain Typst: its parameters have their own table.
        if *name == "layout.typ" {
            for param in [
                "title",
                "org",
                "doc-id",
                "version",
                "classification",
                "logo",
                "paper",
                "kind",
                "landscape",
                "key",
                "lang",
                "labels",
                "body",
            ] {
                assert!(
                    text.contains(&format!("  {param}")),
                    "layout.typ lost parameter {param}"
                );
                if !md.contains(&format!("| `{param}` |")) {
                    missing.push(format!("layout.typ parameter `{param}` has no row"));
                }
            }
            continue;
        }
        // The variables the template's header comment names after `Context:`,
        // up to the first full stop, leaving out parenthesised remarks.
        let Some(after) = text.split("Context:").nth(1) else {
            missing.push(format!(
                "template `{name}` names no `Context:` in its header"
            ));
            continue;
        };
        let mut depth = 0;
        let mut names = String::new();
        for c in after.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                '.' if depth == 0 => break,
                c if depth == 0 => names.push(c),
                _ => {}
            }
        }
        for var in names
            .split(',')
            .map(|v| v.trim().trim_start_matches("and ").trim())
        {
            if var == "the common context" {
                continue;
            }
            assert!(
                !var.is_empty()
                    && var
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name}: cannot read `{var}` as a variable name in its Context: comment"
            );
            if !md.contains(&format!("`{var}`")) {
                missing.push(format!("`{var}` (context of {name}) is not documented"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "docs/templates.md:\n{}",
        missing.join("\n")
    );
}

#[test]
fn letterhead_example_of_templates_md_builds() {
    let md = doc("templates.md");
    let worked = section(&md, "Worked example");
    // The example's two Typst snippets, without the list item's indentation.
    let snippets: Vec<String> = worked
        .split("```typ\n")
        .skip(1)
        .map(|b| {
            b.split("```")
                .next()
                .unwrap()
                .lines()
                .map(|l| l.strip_prefix("   ").unwrap_or(l))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    assert_eq!(snippets.len(), 2, "{worked}");
    let (accent, header) = (&snippets[0], &snippets[1]);
    assert!(accent.trim().starts_with("#let accent = "), "{accent}");
    assert!(header.starts_with("    header: {"), "{header}");

    let layout = BUILTIN.iter().find(|(n, _)| *n == "layout.typ").unwrap().1;
    let accent_line = layout
        .lines()
        .find(|l| l.starts_with("#let accent = "))
        .expect("layout.typ defines accent");
    let from = layout
        .find("    header: {")
        .expect("layout.typ has a header");
    let to = layout.find("    footer:").expect("layout.typ has a footer");
    let edited = format!(
        "{}{}\n{}",
        &layout[..from],
        header.trim_end(),
        &layout[to..]
    )
    .replace(accent_line, accent.trim());

    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("my-templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::write(templates.join("layout.typ"), edited).unwrap();
    let build = |name: &str, extra: &[&str]| {
        let out = tmp.path().join(name);
        let mut args = vec![
            "build",
            "examples/minimal",
            "--date",
            "2026-11-23",
            "-o",
            out.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let run = rolecall(&args);
        assert_eq!(run.code, 0, "is typst 0.15 installed?\n{}", run.all());
        std::path::PathBuf::from(run.stdout.trim())
    };
    let custom = build("custom", &["--templates", templates.to_str().unwrap()]);
    let plain = build("plain", &[]);

    let text = |dir: &Path, rel: &str| {
        let bytes = std::fs::read(dir.join(rel)).unwrap();
        let t = pdf_extract::extract_text_from_mem(&bytes).unwrap();
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    for pdf in ["policy.pdf", "raci-matrix.pdf", "roles/ceo.pdf"] {
        let t = text(&custom, pdf);
        assert!(t.contains("1 High Street, Anytown AB1 2CD"), "{pdf}: {t}");
        assert!(t.contains("INTERNAL"), "{pdf}: {t}");
        assert!(!text(&plain, pdf).contains("High Street"), "{pdf}");
    }
    // Only the PDFs change: the Markdown, and so every digest, stays the same.
    for f in files_below(&plain) {
        let rel = f
            .strip_prefix(&plain)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.ends_with(".md") && rel != "README.md" {
            assert_eq!(read(&plain, &rel), read(&custom, &rel), "{rel}");
        }
    }
}
