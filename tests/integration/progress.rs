//! Progress of `build`: a status line on a terminal, nothing otherwise.
//!
//! The terminal is a pseudo-terminal from util-linux `script` (Debian: bsdutils,
//! an essential package).

use std::process::Command;

use crate::support::{example, rolecall};

/// `s` quoted for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Runs `rolecall args` on a pseudo-terminal; returns what the terminal showed.
fn on_terminal(args: &[&str]) -> String {
    let mut cmd = vec![sh_quote(env!("CARGO_BIN_EXE_rolecall"))];
    cmd.extend(args.iter().map(|a| sh_quote(a)));
    let out = Command::new("script")
        .args(["-qec", &cmd.join(" "), "/dev/null"])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("util-linux `script` runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn build_shows_progress_only_on_a_terminal_and_not_with_quiet() {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let model = example("northwind");
    let model = model.to_str().unwrap();
    let args = ["build", model, "--date", "2026-03-01", "-o", dir];

    let shown = on_terminal(&args);
    for stage in [
        "rendering documents",
        "checking fonts",
        "typesetting PDFs 0/43",
        "typesetting PDFs 43/43",
        "writing the bundle",
    ] {
        assert!(shown.contains(stage), "no `{stage}` in {shown:?}");
    }
    // The line is erased before the summary, which starts a clean line.
    assert!(shown.contains("\r\x1b[2Kbundle: "), "{shown:?}");

    let quiet = on_terminal(&[&args[..], &["--quiet"]].concat());
    assert!(!quiet.contains('\x1b'), "{quiet:?}");
    assert!(quiet.contains("northwind-evidence-2026-03-01"), "{quiet:?}");

    let piped = rolecall(&args);
    assert_eq!(piped.code, 0, "{}", piped.all());
    assert!(!piped.all().contains('\x1b'), "{:?}", piped.all());
    assert!(!piped.stderr.contains("typesetting"), "{:?}", piped.stderr);
}

#[test]
fn a_failing_build_erases_the_line_before_its_error() {
    let out = tempfile::tempdir().unwrap();
    let model = example("northwind");
    let shown = on_terminal(&[
        "build",
        model.to_str().unwrap(),
        "-o",
        out.path().to_str().unwrap(),
        "--typst",
        "/nonexistent/typst",
    ]);
    assert!(shown.contains("rendering documents"), "{shown:?}");
    assert!(shown.contains("\r\x1b[2Kerror: "), "{shown:?}");
}
