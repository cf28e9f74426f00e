//! `rolecall init`, `completions` and `man`: what a new user runs first.

use std::collections::BTreeSet;
use std::path::Path;

use clap::CommandFactory;
use rolecall::cli::Cli;

use crate::support::{example, files_below, rolecall, rolecall_in};

/// The names of the visible subcommands, from the CLI definition itself.
fn subcommands() -> Vec<String> {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_string())
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

/// Relative path and bytes of every file below `dir`.
fn tree(dir: &Path) -> BTreeSet<(String, Vec<u8>)> {
    files_below(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn init_writes_examples_minimal_and_it_checks_and_builds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("isms").join("model");
    let d = dir.to_str().unwrap();
    let run = rolecall(&["init", d]);
    assert_eq!(run.code, 0, "{}", run.all());
    // Byte for byte the files of examples/minimal/, no more, no fewer.
    assert_eq!(tree(&dir), tree(&example("minimal")));
    // Next steps name the commands with the user's path, and the schema line.
    for step in [
        format!("rolecall check {d}"),
        format!("rolecall build {d}"),
        "rolecall schema >".to_string(),
        "#:schema ./rolecall.schema.json".to_string(),
    ] {
        assert!(
            run.stdout.contains(&step),
            "`{step}` missing:\n{}",
            run.stdout
        );
    }

    let check = rolecall(&["check", d, "--date", "2026-11-23", "--deny-warnings"]);
    assert_eq!(check.code, 0, "{}", check.all());
    assert!(
        check.stdout.contains("no problems found"),
        "{}",
        check.all()
    );
    let out = tmp.path().join("out");
    let build = rolecall(&[
        "build",
        d,
        "--date",
        "2026-11-23",
        "--format",
        "md",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(build.code, 0, "{}", build.all());
    let bundle = out.join("example-evidence-2026-11-23");
    let policy = std::fs::read_to_string(bundle.join("policy.md")).unwrap();
    assert!(policy.contains("Example Widgets Ltd"), "{policy}");
}

#[test]
fn init_accepts_an_empty_directory_and_a_fresh_git_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let run = rolecall_in(Some(tmp.path()), &["init", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(tmp.path().join("model.toml").is_file());

    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let run = rolecall(&["init", repo.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(repo.path().join("model.toml").is_file());
}

#[test]
fn init_refuses_a_non_empty_directory_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let run = rolecall(&["init", tmp.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("is not empty"), "{}", run.all());
    assert!(run.stderr.contains("`notes.txt`"), "{}", run.all());
    assert!(run.stderr.contains("hint: "), "{}", run.all());
    assert!(!tmp.path().join("model.toml").exists());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );

    // An existing model is never overwritten.
    let again = tempfile::tempdir().unwrap();
    let d = again.path().to_str().unwrap();
    assert_eq!(rolecall(&["init", d]).code, 0);
    std::fs::write(again.path().join("model.toml"), "# my edits\n").unwrap();
    let run = rolecall(&["init", d]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("`model.toml`"), "{}", run.all());
    assert_eq!(
        std::fs::read_to_string(again.path().join("model.toml")).unwrap(),
        "# my edits\n"
    );

    // A file where the directory should be.
    let file = tmp.path().join("notes.txt");
    let run = rolecall(&["init", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("is not a directory"), "{}", run.all());
}

#[test]
fn completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = rolecall(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.all());
        for name in subcommands() {
            assert!(run.stdout.contains(&name), "{shell}: `{name}` missing");
        }
    }
    // Options too, e.g. build's --templates and check's --deny-warnings.
    let bash = rolecall(&["completions", "bash"]).stdout;
    assert!(bash.contains("complete -F _rolecall"), "{bash}");
    assert!(bash.contains("--templates") && bash.contains("--deny-warnings"));
    let fish = rolecall(&["completions", "fish"]).stdout;
    assert!(fish.contains("complete -c rolecall"), "{fish}");

    let bad = rolecall(&["completions", "cmd.exe"]);
    assert_eq!(bad.code, 2, "{}", bad.all());
}

#[test]
fn man_page_names_every_subcommand() {
    let run = rolecall(&["man"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains(".TH rolecall 1"), "{}", run.stdout);
    assert!(run.stdout.contains(".SH SUBCOMMANDS"), "{}", run.stdout);
    for name in subcommands() {
        // roff escapes the hyphen.
        let entry = format!("rolecall\\-{}(1)", name.replace('-', "\\-"));
        assert!(
            run.stdout.contains(&entry),
            "`{entry}` missing:\n{}",
            run.stdout
        );
    }

    // One page per command, with its options.
    let build = rolecall(&["man", "build"]);
    assert_eq!(build.code, 0, "{}", build.all());
    assert!(
        build.stdout.contains(".TH rolecall-build 1"),
        "{}",
        build.stdout
    );
    assert!(build.stdout.contains("\\-\\-templates"), "{}", build.stdout);

    let unknown = rolecall(&["man", "deploy"]);
    assert_eq!(unknown.code, 2, "{}", unknown.all());
    assert!(
        unknown.stderr.contains("unknown command `deploy`"),
        "{}",
        unknown.all()
    );
    assert!(unknown.stderr.contains("hint: "), "{}", unknown.all());
}
