//! The shape of the code (issue 9): one pipeline below thin commands, no cycles.
//!
//! Reads `src/` as text: which top-level module each file names with `crate::`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::support::root;

/// Every `.rs` file below `dir`, with its path relative to `src/`.
fn sources(dir: &Path, src: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            sources(&p, src, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p
                .strip_prefix(src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).unwrap()));
        }
    }
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let before_tests = text.split("#[cfg(test)]").next().unwrap_or(text);
    before_tests
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level module a file of `src/` belongs to (`render/context.rs` → `render`).
fn module(rel: &str) -> String {
    let first = rel.split('/').next().unwrap();
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

/// Module → the top-level modules it imports.
type Edges = BTreeMap<String, BTreeSet<String>>;

/// Module → the other top-level modules its code names as `crate::<module>`, and
/// each use as (file, module named).
fn graph() -> (Edges, Vec<(String, String)>) {
    let src = root().join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let mut edges = Edges::new();
    let mut uses = Vec::new();
    for (rel, text) in &files {
        let from = module(rel);
        let code = code(text);
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            // `$crate::bail!` and friends are macros, not modules.
            if name.is_empty() || name == "bail" || name == from {
                continue;
            }
            uses.push((rel.clone(), name.clone()));
            edges.entry(from.clone()).or_default().insert(name);
        }
    }
    (edges, uses)
}

#[test]
fn nothing_below_cmd_imports_cmd() {
    let (_, uses) = graph();
    let wrong: Vec<&(String, String)> = uses
        .iter()
        .filter(|(rel, to)| to == "cmd" && !rel.starts_with("cmd/") && rel != "main.rs")
        .collect();
    assert!(
        wrong.is_empty(),
        "files outside src/cmd import crate::cmd: {wrong:?}"
    );
    // Commands do not import each other either: only their parent's `run` knows them all.
    let src = root().join("src/cmd");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == "mod.rs" {
            continue;
        }
        let text = code(&std::fs::read_to_string(e.path()).unwrap());
        assert!(
            !text.contains("super::") && !text.contains("crate::cmd"),
            "src/cmd/{name} imports another command"
        );
    }
}

#[test]
fn modules_import_each_other_in_one_direction_only() {
    let (edges, _) = graph();
    // Any cycle between top-level modules, by depth-first search.
    fn visit(
        m: &str,
        edges: &Edges,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        let cycle = visit(m, &edges, &mut Vec::new(), &mut done);
        assert!(
            cycle.is_none(),
            "import cycle: {}",
            cycle.unwrap().join(" → ")
        );
    }
    // The pipeline sits above every stage, below the commands.
    assert!(edges["cmd"].contains("pipeline"));
    for stage in [
        "model",
        "render",
        "pdf",
        "html",
        "bundle",
        "export",
        "signatures",
    ] {
        assert!(
            !edges.get(stage).is_some_and(|to| to.contains("pipeline")),
            "{stage} imports the pipeline"
        );
    }
}

#[test]
fn lib_rs_names_every_module() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).unwrap();
    let docs: String = lib
        .lines()
        .filter(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n");
    for line in lib.lines() {
        if let Some(m) = line
            .strip_prefix("pub mod ")
            .and_then(|m| m.strip_suffix(';'))
        {
            assert!(
                docs.contains(&format!("[`{m}`]")) || docs.contains(&format!("({m})")),
                "src/lib.rs does not name `{m}` in its pipeline paragraph"
            );
        }
    }
}
