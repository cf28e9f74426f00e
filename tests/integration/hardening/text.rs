//! Issue 11, items 5 (documents), 6, 7, 8 and 14: what a model's text may hold,
//! how large a model may be, and that `check` finds what `build` would refuse.
//! Each test reproduces one finding of the issue and is named after what it shows.

use std::path::Path;
use std::process::Command;

use super::{DATE, NAME, build_md, check, minimal_with};
use crate::support::{Run, files_below, rolecall};

/// Sets the value of `key = ...` on the first line starting with `key = ` to the
/// TOML string `value` (basic string, escapes allowed).
fn set(text: String, key: &str, value: &str) -> String {
    let mut done = false;
    text.lines()
        .map(|l| {
            if !done && l.starts_with(&format!("{key} = ")) {
                done = true;
                format!("{key} = \"{value}\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The line (1-based) of the first line of the model starting with `start`.
fn line_of(model: &Path, start: &str) -> usize {
    std::fs::read_to_string(model.join("model.toml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with(start))
        .unwrap()
        + 1
}

/// Asserts that `run` failed with an error `code` whose message contains
/// `says`, at line `line` of the model.
fn assert_error_at(run: &Run, code: &str, says: &str, model: &Path, line: usize) {
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(&format!("error[{code}]: ")) && run.stderr.contains(says),
        "{code} {says:?}:\n{}",
        run.stderr
    );
    let at = format!("{}:{line}:", model.join("model.toml").display());
    assert!(run.stderr.contains(&at), "not at {at}:\n{}", run.stderr);
}

/// Asserts that a Markdown-only build refuses the model and writes nothing.
fn assert_build_refused(model: &Path) {
    let out = tempfile::tempdir().unwrap();
    let run = build_md(model, out.path());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("error: the model has errors; no bundle was written"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}

#[test]
fn control_characters_in_model_text_are_check_errors_and_reach_no_document() {
    // Raw ESC and NUL reached `.md`, `.html` and `.csv` (issue 11, item 5).
    for (key, value, says) in [
        (
            "name",
            "Jo\\u001b]0;owned\\u0007 Patel",
            "`name` holds U+001B (ESCAPE)",
        ),
        ("title", "Developer\\u0000", "`title` holds U+0000 (NULL)"),
        (
            "department",
            "Dev\\u009b31m",
            "`department` holds U+009B (CONTROL SEQUENCE INTRODUCER)",
        ),
    ] {
        let (_w, model) = minimal_with(None, &|t| {
            let (head, tail) = t.split_once("id = \"jo\"").unwrap();
            format!("{head}id = \"jo\"{}", set(tail.to_string(), key, value))
        });
        let line = {
            let text = std::fs::read_to_string(model.join("model.toml")).unwrap();
            let jo = text.find("id = \"jo\"").unwrap();
            text[..jo].lines().count()
                + text[jo..]
                    .lines()
                    .position(|l| l.starts_with(&format!("{key} = ")))
                    .unwrap()
                + 1
        };
        let run = check(&model);
        assert_error_at(&run, "RC090", says, &model, line);
        assert!(!run.all().contains('\u{1b}'), "{:?}", run.all());
        assert_build_refused(&model);
    }
    // Line breaks and tabs are text: a multi-line scope with a tab builds.
    let (_w, model) = minimal_with(None, &|t| {
        t.replacen("The ISMS covers", "The ISMS\tcovers", 1)
    });
    assert_eq!(check(&model).code, 0, "{}", check(&model).all());
}

#[test]
fn a_right_to_left_override_is_an_error_and_a_zero_width_space_in_a_name_a_warning() {
    // U+202E and U+200B rendered reversed or invisibly in PDF and HTML (item 14).
    let (_w, model) = minimal_with(None, &|t| {
        set(t, "title", "Information Security \\u202eyciloP")
    });
    let run = check(&model);
    assert_error_at(
        &run,
        "RC090",
        "`title` holds U+202E (RIGHT-TO-LEFT OVERRIDE) (character 22)",
        &model,
        line_of(&model, "title = "),
    );
    assert_build_refused(&model);

    let (_w, model) = minimal_with(None, &|t| {
        t.replacen("name = \"Sam Okoye\"", "name = \"Sam\\u200bOkoye\"", 1)
    });
    let run = check(&model);
    assert_eq!(run.code, 0, "a warning: {}", run.all());
    assert!(
        run.stderr.contains(
            "warning[RC091]: `name` holds the invisible character U+200B (ZERO WIDTH SPACE) (character 4)"
        ),
        "{}",
        run.stderr
    );
    let at = format!(
        "{}:{}:",
        model.join("model.toml").display(),
        line_of(&model, "name = \"Sam")
    );
    assert!(run.stderr.contains(&at), "{}", run.stderr);
    let denied = rolecall(&[
        "check",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--deny-warnings",
    ]);
    assert_eq!(denied.code, 1, "{}", denied.all());
}

#[test]
fn review_months_past_ten_years_and_a_date_in_the_year_9999_are_refused() {
    // `review-months` up to 4,294,967,295 (clamped to "10 August 9999") and
    // `effective = 9999-12-31` passed (item 14).
    let (_w, model) = minimal_with(None, &|t| {
        t.replacen("review-months = 12", "review-months = 4294967295", 1)
    });
    assert_error_at(
        &check(&model),
        "RC002",
        "review-months must be between 1 and 120 (ten years), not 4294967295",
        &model,
        line_of(&model, "review-months = "),
    );
    let (_w, model) = minimal_with(None, &|t| {
        t.replacen("review-months = 12", "review-months = 120", 1)
    });
    assert_eq!(check(&model).code, 0, "{}", check(&model).all());

    for (key, from, to) in [
        (
            "effective = ",
            "effective = 2026-01-15",
            "effective = 9999-12-31",
        ),
        (
            "left = ",
            "department = \"External\"",
            "department = \"External\"\nleft = 1850-01-01",
        ),
    ] {
        let (_w, model) = minimal_with(None, &|t| t.replacen(from, to, 1));
        let date = to.rsplit(' ').next().unwrap();
        assert_error_at(
            &check(&model),
            "RC002",
            &format!("`{date}` is not between 1900-01-01 and 2100-12-31"),
            &model,
            line_of(&model, key),
        );
    }
}

#[test]
fn model_file_names_verify_or_sha256sum_would_refuse_are_check_errors() {
    // Names with `:`, `\`, TAB, ESC or LF gave "tampering" and a model-digest
    // mismatch, and an LF name broke SHA256SUMS for `sha256sum -c` (item 6).
    for (name, why) in [
        ("a:b.toml", "colon in the name"),
        ("a\\b.toml", "backslash in the name"),
        ("a\tb.toml", "control character in the name"),
        ("a\u{1b}[2Jb.toml", "control character in the name"),
        ("a\nb.toml", "control character in the name"),
    ] {
        let (_w, model) = minimal_with(None, &|t| t);
        std::fs::write(model.join(name), "# more of the model\n").unwrap();
        let run = check(&model);
        assert_eq!(run.code, 1, "{name:?}: {}", run.all());
        assert!(
            run.stderr.contains("error[RC003]: the name of `")
                && run
                    .stderr
                    .contains(&format!("cannot be carried by a bundle ({why}")),
            "{name:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
        assert_build_refused(&model);
    }
    // A name with spaces and umlauts is carried: the bundle verifies, and its
    // SHA256SUMS passes `sha256sum -c`.
    let (_w, model) = minimal_with(None, &|t| t);
    std::fs::create_dir(model.join("Rollen und Zuständigkeiten")).unwrap();
    std::fs::write(
        model.join("Rollen und Zuständigkeiten/Übersicht 2026.toml"),
        "# Roles are in model.toml\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let run = build_md(&model, out.path());
    assert_eq!(run.code, 0, "{}", run.all());
    let dir = out.path().join(NAME);
    assert_eq!(rolecall(&["verify", dir.to_str().unwrap()]).code, 0);
    let sums = Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    assert!(
        String::from_utf8_lossy(&sums.stdout)
            .contains("model/Rollen und Zuständigkeiten/Übersicht 2026.toml: OK")
    );
}

/// A model whose role `staff` has `n` holders named by `name(i)`.
fn holders_model(dir: &Path, n: usize, name: &dyn Fn(usize) -> String) -> std::path::PathBuf {
    let mut s = String::from(
        "[organisation]\nname = \"Holders Corp\"\nscope = \"Everything.\"\n\n\
         [policy]\nid = \"HOLD-POL-01\"\nversion = \"1.0\"\nowner = \"staff\"\napprover = \"ceo\"\n\
         effective = 2026-01-15\n\n[[policy.history]]\nversion = \"1.0\"\ndate = 2026-01-15\n\
         author = \"boss\"\nsummary = \"First issue\"\n\n[lint]\nallow = [\"RC023\"]\n\n\
         [[people]]\nid = \"boss\"\nname = \"The Boss\"\ntitle = \"Managing Director\"\n\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "[[people]]\nid = \"p{i:05}\"\nname = \"{}\"\ntitle = \"Staff\"\n\n",
            name(i)
        ));
    }
    let holders: Vec<String> = (0..n).map(|i| format!("\"p{i:05}\"")).collect();
    s.push_str(&format!(
        "[[roles]]\nid = \"ceo\"\nname = \"Managing Director\"\ntop-management = true\n\
         holders = [\"boss\"]\nresponsibilities = [\"Lead\"]\nauthorities = [\"Decide\"]\n\n\
         [[roles]]\nid = \"staff\"\nname = \"Staff\"\nholders = [{}]\nreports-to = \"ceo\"\n\
         isms-conformity = true\nisms-reporting = true\n\
         responsibilities = [\"Work\"]\nauthorities = [\"Decide on the work\"]\n\n\
         [[activities]]\nid = \"work\"\nname = \"Do the work\"\nresponsible = [\"staff\"]\n\
         accountable = \"ceo\"\n",
        holders.join(", ")
    ));
    let path = dir.join("holders.toml");
    std::fs::write(&path, s).unwrap();
    path
}

/// `rolecall args` in at most `kib` KiB of address space (`ulimit -v`).
fn in_memory(kib: u64, args: &[&str]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {kib}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_rolecall"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn ten_thousand_holders_of_one_role_check_in_memory_linear_in_the_holders() {
    // Each assignment view copied the joined names of all holders: memory
    // quadratic in one role's holders (item 7; docs/performance.md has the figures).
    let work = tempfile::tempdir().unwrap();
    // One-letter names: ten thousand of them still fit the workbook's cell.
    let model = holders_model(work.path(), 10_000, &|_| "H".to_string());
    let m = model.to_str().unwrap();
    let run = in_memory(MEMORY_KIB, &["check", m, "--date", DATE]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        run.stdout,
        format!("{m}: no problems found (as of {DATE})\n"),
        "{}",
        run.all()
    );
    // The same role with the names joins past an Excel cell: refused
    // by `check`, at the role, before anything is rendered.
    let model = holders_model(work.path(), 20_000, &|i| format!("Holder {i:05}"));
    let m = model.to_str().unwrap();
    let run = in_memory(MEMORY_KIB, &["check", m, "--date", DATE]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error[RC003]: the model has 20001 people, more than the 20000 rolecall builds"
        ) && run.stderr.contains(
            "error[RC003]: role `staff` has 20000 holders, more than the 10000 rolecall builds"
        ),
        "{}",
        run.stderr
    );
}

/// Address space for [`ten_thousand_holders_of_one_role_check_in_memory_linear_in_the_holders`].
const MEMORY_KIB: u64 = 256 * 1024;

#[test]
fn a_holder_list_joining_past_an_excel_cell_is_a_check_error_not_a_build_failure() {
    // A holder list joining past 32,767 characters failed even `--format md`
    // (Excel's cell limit in the workbook) on a model `check` passed (item 8).
    let work = tempfile::tempdir().unwrap();
    let model = holders_model(work.path(), 2_500, &|i| format!("Holder number {i:05}"));
    let m = model.to_str().unwrap();
    let run = check(&model);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error[RC092]: the holders of role `staff`, joined, would be 52498 characters, more than the 32767 an Excel cell holds (the RACI workbook)"
        ),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&model).unwrap();
    let line = text[..text.find("id = \"staff\"").unwrap()].lines().count() + 1;
    assert!(
        run.stderr.contains(&format!("{m}:{line}:")),
        "{}",
        run.stderr
    );
    let out = tempfile::tempdir().unwrap();
    let run = build_md(&model, out.path());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("error: the model has errors; no bundle was written")
            && !run.stderr.contains("failed to write the RACI workbook"),
        "refused before the build: {}",
        run.stderr
    );
}

#[test]
fn a_field_over_an_excel_cell_or_a_title_over_a_pdf_string_is_a_check_error() {
    // A field over 32,767 characters failed the workbook; a long title PDF/A
    // ("PDF string is longer than 32767") (item 8).
    for (key, len) in [("name", 40_000), ("title", 20_000)] {
        let (_w, model) = minimal_with(None, &|t| set(t, key, &"x".repeat(len)));
        let run = check(&model);
        assert_error_at(
            &run,
            "RC092",
            &format!("`{key}` is longer than 500 characters"),
            &model,
            line_of(&model, &format!("{key} = ")),
        );
        assert_build_refused(&model);
    }
    // A heading inside a section body, which becomes a PDF bookmark.
    let (_w, model) = minimal_with(None, &|t| {
        t.replacen(
            "Roles are explained to every new starter",
            &format!(
                "### {}\n\nRoles are explained to every new starter",
                "h".repeat(20_000)
            ),
            1,
        )
    });
    let run = check(&model);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains(
            "error[RC092]: `body` holds a heading longer than 500 characters (line 1 of its Markdown)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn raw_html_and_images_in_markdown_fields_are_check_errors_not_pdf_failures() {
    // Control characters, raw HTML or images in `purpose`/`body` failed the PDF
    // build of a model `check` passed (item 8).
    for (from, to, says) in [
        (
            "purpose = \"Leads the company",
            "purpose = \"<img src=x onerror=alert(1)> Leads the company",
            "`purpose` holds Markdown the PDF and Word documents cannot show (raw HTML, line 1 of its Markdown)",
        ),
        (
            "Roles are explained to every new starter",
            "Our logo:\n\n![logo](logo.png)\n\nRoles are explained to every new starter",
            "`body` holds Markdown the PDF and Word documents cannot show (image, line 3 of its Markdown)",
        ),
    ] {
        let (_w, model) = minimal_with(None, &|t| t.replacen(from, to, 1));
        let run = check(&model);
        assert_eq!(run.code, 1, "{to}: {}", run.all());
        assert!(
            run.stderr.contains(&format!("error[RC093]: {says}")),
            "{}",
            run.stderr
        );
        assert_build_refused(&model);
    }
}

#[test]
fn a_character_no_font_has_is_found_by_check() {
    // `check` passed a model whose PDF build then refused a character no font
    // covers (RC080 was found by `build` only) (item 8).
    let (_w, model) = minimal_with(None, &|t| {
        t.replacen("name = \"Jo Patel\"", "name = \"张伟 (Zhang Wei)\"", 1)
    });
    let run = check(&model);
    assert_error_at(
        &run,
        "RC080",
        "no font has the characters '张' (U+5F20), '伟' (U+4F1F)",
        &model,
        line_of(&model, "name = \"张伟"),
    );
    // A Markdown-only build needs no font at all.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(build_md(&model, out.path()).code, 0);
    // With the fonts a build is given (tests/fonts has a Noto Sans CJK subset),
    // `check --font-path` passes as `build --font-path` would.
    let fonts = crate::support::root().join("tests/fonts");
    let run = rolecall(&[
        "check",
        model.to_str().unwrap(),
        "--date",
        DATE,
        "--font-path",
        fonts.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_240_character_short_name_builds_a_bundle_with_a_short_name() {
    // A 240-character `short-name` failed with "File name too long" (item 8).
    let long = "Example Widgets Online Shop ".repeat(9);
    let (_w, model) = minimal_with(None, &|t| set(t, "short-name", long.trim_end()));
    let out = tempfile::tempdir().unwrap();
    let run = build_md(&model, out.path());
    assert_eq!(run.code, 0, "{}", run.all());
    let dir = std::path::PathBuf::from(run.stdout.trim());
    let name = dir.file_name().unwrap().to_str().unwrap();
    assert_eq!(
        name,
        "example-widgets-online-shop-example-widgets-online-shop-example-evidence-2026-11-23"
    );
    assert!(name.len() <= 84);
    assert_eq!(rolecall(&["verify", dir.to_str().unwrap()]).code, 0);
    assert!(files_below(&dir).len() > 10);
}

#[test]
fn when_typst_fails_and_its_sources_cannot_be_kept_typst_s_error_is_shown() {
    // When typst failed and keeping its sources failed too, the second error
    // replaced typst's (item 8).
    let work = tempfile::tempdir().unwrap();
    let typst = work.path().join("typst");
    std::fs::write(
        &typst,
        "#!/bin/sh\ncase \"$1\" in --version) echo 'typst 0.15.1'; exit 0;; esac\n\
         echo 'error: the layout broke here' >&2\nexit 1\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&typst, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = tempfile::tempdir().unwrap();
    // A file where the kept sources' folder goes: it cannot be replaced by one.
    std::fs::write(out.path().join(format!("{NAME}.typst")), "in the way").unwrap();
    let run = rolecall(&[
        "build",
        crate::support::example("minimal").to_str().unwrap(),
        "--date",
        DATE,
        "-o",
        out.path().to_str().unwrap(),
        "--typst",
        typst.to_str().unwrap(),
        "--no-cache",
        "--quiet",
    ]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.starts_with("error: failed to build PDFs\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: the layout broke here"),
        "typst's error is shown: {}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: the Typst sources could not be kept in `"),
        "{}",
        run.stderr
    );
}
