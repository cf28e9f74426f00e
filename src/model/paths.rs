//! Files a model names by path: the logo, the fonts in its `fonts/` folder and
//! the scans and PDFs that evidence signatures ([`read_evidence`]).
//!
//! Part of the model stage. Model text is untrusted, and whatever file it names
//! can end up in the bundle (copied, or embedded in a PDF), so every such file
//! must lie inside the model's directory after symbolic links are followed
//! ([`contained`], the one place that decides it), and a logo must be a PNG,
//! JPEG or SVG image of at most [`MAX_LOGO_BYTES`], judged by its bytes.
//! `validate` reports a violation at the key that names the file; the build
//! reads the logo again through [`read_logo`], which checks the same things
//! and never reads more than the limit. [`unsafe_bundle_path`] is the one rule
//! of which paths a bundle can carry, for `verify` and the model's own files.

use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::rules;

/// The largest logo accepted (4 MiB): a letterhead logo is a few kilobytes to a
/// few hundred; the limit keeps a model from pulling a huge file into every PDF.
pub const MAX_LOGO_BYTES: u64 = 4 * 1024 * 1024;

/// How many bytes of a logo are looked at to tell what image it is (an SVG may
/// open with an XML declaration, comments and a doctype before `<svg`).
const SNIFF_BYTES: u64 = 16 * 1024;

/// How deep the `fonts/` folder is searched, and how many entries at most.
const MAX_FONT_DEPTH: usize = 16;
const MAX_FONT_ENTRIES: usize = 10_000;

/// Why a named file cannot be used: a message (lowercase, no period) and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

fn refused(message: String, hint: &str) -> Refused {
    Refused {
        message,
        hint: hint.to_string(),
    }
}

/// `path` with every symbolic link followed, when it lies inside `root` (also
/// with its links followed); `what` names the file in messages (`logo`).
pub fn contained(root: &Path, path: &Path, what: &str) -> Result<PathBuf, Refused> {
    let shown = path.display();
    let real_root = std::fs::canonicalize(root).map_err(|e| {
        refused(
            format!(
                "cannot resolve the model directory `{}` ({e})",
                root.display()
            ),
            "run rolecall on a model directory that exists and can be read",
        )
    })?;
    let real = match std::fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(refused(
                format!("{what} `{shown}` not found"),
                "the path is relative to the file that names it; a symbolic link must point at an existing file",
            ));
        }
        Err(e) => {
            return Err(refused(
                format!("{what} `{shown}` cannot be resolved ({e})"),
                "fix or remove the symbolic link",
            ));
        }
    };
    if !real.starts_with(&real_root) {
        return Err(refused(
            format!(
                "{what} `{shown}` is outside the model directory `{}` (it resolves to `{}`)",
                root.display(),
                real.display()
            ),
            "copy the file into the model's directory (for example assets/) and name it relative to the file that names it; nothing outside the model may enter a bundle",
        ));
    }
    Ok(real)
}

/// An image format a logo may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// SVG.
    Svg,
}

impl ImageKind {
    fn name(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
            ImageKind::Svg => "SVG",
        }
    }

    /// The file name extensions (lowercase) an image of this kind may have.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            ImageKind::Png => &["png"],
            ImageKind::Jpeg => &["jpg", "jpeg"],
            ImageKind::Svg => &["svg"],
        }
    }
}

/// What image `head` (the first bytes of a file) starts, by its magic number
/// or, for SVG, its first element.
pub fn sniff(head: &[u8]) -> Option<ImageKind> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageKind::Png);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(ImageKind::Jpeg);
    }
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // The prolog: XML declaration, processing instructions, comments and a
    // doctype without an internal subset (which could define entities).
    loop {
        rest = trim_start(rest);
        let skip_to = |rest: &[u8], open: &[u8], close: &[u8]| -> Option<usize> {
            rest.starts_with(open)
                .then(|| find(rest, close).map(|i| i + close.len()))?
        };
        if let Some(end) = skip_to(rest, b"<?", b"?>").or_else(|| skip_to(rest, b"<!--", b"-->")) {
            rest = &rest[end..];
        } else if rest.starts_with(b"<!DOCTYPE") {
            let end = find(rest, b">")?;
            if rest[..end].contains(&b'[') {
                return None;
            }
            rest = &rest[end + 1..];
        } else {
            break;
        }
    }
    let after = rest.strip_prefix(b"<svg")?;
    matches!(
        after.first(),
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/')
    )
    .then_some(ImageKind::Svg)
}

fn trim_start(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    s
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Opens the logo at `path` (inside `root`) and reads at most `limit` bytes of
/// it; checks that it is a regular file of at most [`MAX_LOGO_BYTES`] before
/// reading anything. Returns the bytes read and the file's size.
fn open_logo(root: &Path, path: &Path, limit: u64) -> Result<(Vec<u8>, u64), Refused> {
    let real = contained(root, path, "logo")?;
    read_bounded(
        &real,
        &File {
            what: "logo",
            shown: &path.display().to_string(),
            max: MAX_LOGO_BYTES,
            not_a_file: "name an image file: PNG, JPEG or SVG",
            too_large: "use a smaller image: a letterhead logo needs a few hundred kilobytes at most",
        },
        limit,
    )
}

/// A file the model names, as [`read_bounded`] reads and reports it.
struct File<'a> {
    /// The key that names it (`logo`, `evidence`).
    what: &'a str,
    /// Its path as written.
    shown: &'a str,
    /// The largest size accepted.
    max: u64,
    /// The hint for a path that is not a regular file.
    not_a_file: &'a str,
    /// The hint for a file larger than `max`.
    too_large: &'a str,
}

/// Opens `real` (resolved by [`contained`]) and reads at most `limit` bytes of
/// it, after checking that it is a regular file of at most `file.max` bytes;
/// returns the bytes read and the file's size.
fn read_bounded(real: &Path, file: &File, limit: u64) -> Result<(Vec<u8>, u64), Refused> {
    let (what, shown, max) = (file.what, file.shown, file.max);
    let unreadable = |e: std::io::Error| {
        refused(
            format!("{what} `{shown}` cannot be read ({e})"),
            &format!("make the file readable, or remove `{what}`"),
        )
    };
    let f = std::fs::File::open(real).map_err(unreadable)?;
    let meta = f.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(refused(
            format!("{what} `{shown}` is not a regular file"),
            file.not_a_file,
        ));
    }
    let size = meta.len();
    if size > max {
        return Err(refused(
            format!("{what} `{shown}` is too large ({size} bytes, the limit is {max})"),
            file.too_large,
        ));
    }
    let mut bytes = Vec::new();
    // Bounded even if the file grows after its size was read.
    f.take(limit.min(max) + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max {
        return Err(refused(
            format!("{what} `{shown}` grew past {max} bytes while it was read"),
            file.too_large,
        ));
    }
    Ok((bytes, size))
}

/// The kind of `head` when it is an image whose kind `path`'s extension names.
fn logo_kind(path: &Path, head: &[u8]) -> Result<ImageKind, Refused> {
    let shown = path.display();
    let Some(kind) = sniff(head) else {
        return Err(refused(
            format!("logo `{shown}` is not a PNG, JPEG or SVG image (judged by its content)"),
            "name a PNG, JPEG or SVG file; convert other formats first",
        ));
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(refused(
            format!(
                "logo `{shown}` is a {} image, but its name does not end in .{}",
                kind.name(),
                kind.extensions().join(" or .")
            ),
            "rename the file so that its extension says what it is",
        ));
    }
    Ok(kind)
}

/// Checks the logo at `path` for `check`: inside `root`, a regular file of at
/// most [`MAX_LOGO_BYTES`], a PNG, JPEG or SVG whose name says so. Reads only
/// its first bytes.
pub fn check_logo(root: &Path, path: &Path) -> Result<ImageKind, Refused> {
    let (head, _) = open_logo(root, path, SNIFF_BYTES)?;
    let kind = logo_kind(path, &head)?;
    // The logo is copied into the bundle under its name.
    if let Ok(name) = bundle_name(root, path)
        && let Some(why) = unsafe_bundle_path(&format!("model/{name}"))
    {
        return Err(refused(
            format!(
                "logo `{}` has a name a bundle cannot carry ({why})",
                path.display()
            ),
            "rename the file: the bundle holds a copy under its name, which `verify` and `sha256sum -c` must accept",
        ));
    }
    Ok(kind)
}

/// Reads the logo at `path` for the build, checking it as [`check_logo`] does.
pub fn read_logo(root: &Path, path: &Path) -> Result<Vec<u8>> {
    let (bytes, size) = open_logo(root, path, MAX_LOGO_BYTES).map_err(into_error)?;
    logo_kind(path, &bytes).map_err(into_error)?;
    if bytes.len() as u64 != size {
        return Err(Error::new(format!(
            "logo `{}` changed while it was read",
            path.display()
        )));
    }
    Ok(bytes)
}

fn into_error(r: Refused) -> Error {
    Error::new(r.message).hint(r.hint)
}

/// The bundle path (below `model/`) of the logo at `path`: its path relative to
/// `root` with `.` and `..` resolved as written, so that the model copy's
/// `logo` key finds it again; for a path that only resolves through a link,
/// its real path below the real root.
pub fn bundle_name(root: &Path, path: &Path) -> Result<String> {
    let lexical = path.strip_prefix(root).ok().and_then(|rel| {
        let mut parts: Vec<String> = Vec::new();
        for c in rel.components() {
            match c {
                Component::Normal(n) => parts.push(n.to_str()?.to_string()),
                Component::CurDir => {}
                Component::ParentDir => {
                    parts.pop()?;
                }
                Component::RootDir | Component::Prefix(_) => return None,
            }
        }
        (!parts.is_empty()).then(|| parts.join("/"))
    });
    if let Some(name) = lexical {
        return Ok(name);
    }
    let real = contained(root, path, "logo").map_err(into_error)?;
    let real_root = std::fs::canonicalize(root)?;
    let rel = real
        .strip_prefix(&real_root)
        .map_err(|e| Error::new(format!("logo `{}` ({e})", path.display())))?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    match parts {
        Some(p) if !p.is_empty() => Ok(p.join("/")),
        _ => Err(Error::new(format!(
            "logo `{}` has no name in the model directory",
            path.display()
        ))),
    }
}

/// Why a bundle path (a zip entry name, or a path found in a directory) cannot
/// be a file of a bundle rolecall wrote, or `None` when it is a plain relative
/// path. `name` uses `/` separators; a trailing `/` marks a directory entry.
/// `verify` reports such a path as tampering, and the model's files, copied
/// into the bundle as `model/<path>`, must pass it (and `sha256sum -c`, which
/// reads one path per line, with it: no control character, no backslash).
pub fn unsafe_bundle_path(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("empty name");
    }
    if name.chars().any(char::is_control) {
        return Some("control character in the name");
    }
    if name.contains('\\') {
        return Some("backslash in the name (a Windows path separator)");
    }
    if name.starts_with('/') {
        return Some("absolute path");
    }
    let first = name.split('/').next().unwrap_or_default();
    if first.len() >= 2 && first.as_bytes()[0].is_ascii_alphabetic() && first.as_bytes()[1] == b':'
    {
        return Some("drive letter (an absolute Windows path)");
    }
    if name.contains(':') {
        return Some("colon in the name (a drive letter or Windows stream)");
    }
    let body = name.strip_suffix('/').unwrap_or(name);
    for part in body.split('/') {
        match part {
            ".." => return Some("`..` in the path (it points outside the bundle)"),
            "." | "" => return Some("`.` or empty component in the path"),
            _ => {}
        }
    }
    None
}

/// The largest evidence file read: that of `crate::evidence::Limits`, so that
/// what is read can also be examined.
pub const MAX_EVIDENCE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the evidence file `rel` of a `[[signatures]]` record: a relative path
/// (`/`-separated, no `.` or `..`) from the model's directory `root`, to a
/// regular file inside it after links are followed, of at most
/// [`MAX_EVIDENCE_BYTES`] (refused by its size before it is read). Returns the
/// path as the bundle's `model/` copy names it, and the bytes.
pub fn read_evidence(root: &Path, rel: &str) -> Result<(String, Vec<u8>), Refused> {
    // What the bundle's SHA256SUMS can list, too: the scan is copied into it.
    let plain = unsafe_bundle_path(rel).is_none()
        && !rel.ends_with('/')
        && rel
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && !Path::new(rel).is_absolute();
    if !plain {
        return Err(refused(
            format!("evidence `{rel}` is not a plain relative path"),
            "name the file relative to the model's directory, with `/` between folders and no `.` or `..`, such as \"signed/ceo--lena.pdf\"",
        ));
    }
    let path = root.join(rel);
    if let Err(e) = std::fs::symlink_metadata(&path) {
        return Err(refused(
            format!("evidence `{rel}` cannot be read ({e})"),
            "the path is relative to the model's directory; put the scan or signed PDF there, or remove `evidence`",
        ));
    }
    let real = contained(root, &path, "evidence")?;
    let (bytes, _) = read_bounded(
        &real,
        &File {
            what: "evidence",
            shown: rel,
            max: MAX_EVIDENCE_BYTES,
            not_a_file: "name the scan (PDF, PNG, JPEG) or the signed PDF itself",
            too_large: "scan at a lower resolution or in black and white (a signed page needs a few hundred kilobytes)",
        },
        MAX_EVIDENCE_BYTES,
    )?;
    Ok((rel.to_string(), bytes))
}

/// Problems with the model's `fonts/` folder: every font file in it (and the
/// folder itself) must lie inside `root` after links are followed, as typst
/// reads it. Each problem names the path; fonts have no key to point at.
pub fn font_problems(root: &Path) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let fonts = root.join("fonts");
    if std::fs::symlink_metadata(&fonts).is_err() {
        return problems;
    }
    let mut entries = 0;
    walk_fonts(root, &fonts, 0, &mut entries, &mut problems);
    problems
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["ttf", "otf", "ttc", "otc"].contains(&e.to_ascii_lowercase().as_str()))
}

fn walk_fonts(
    root: &Path,
    dir: &Path,
    depth: usize,
    entries: &mut usize,
    problems: &mut Vec<Diagnostic>,
) {
    let problem = |message: String, hint: String| {
        Diagnostic::new(&rules::MODEL_STRUCTURE, message).hint(hint)
    };
    if let Err(r) = contained(root, dir, "font folder") {
        problems.push(problem(r.message, r.hint));
        return;
    }
    if depth > MAX_FONT_DEPTH {
        problems.push(problem(
            format!("font folder `{}` is nested more than {MAX_FONT_DEPTH} folders deep (or its links loop)", dir.display()),
            "keep the fonts in fonts/ and a few subfolders".into(),
        ));
        return;
    }
    let Ok(read) = std::fs::read_dir(dir) else {
        return; // the font check of the build names an unreadable folder
    };
    let mut list: Vec<PathBuf> = read.flatten().map(|e| e.path()).collect();
    list.sort();
    for path in list {
        *entries += 1;
        if *entries > MAX_FONT_ENTRIES {
            problems.push(problem(
                format!(
                    "the font folder `{}` holds more than {MAX_FONT_ENTRIES} entries",
                    root.join("fonts").display()
                ),
                "keep only the fonts the documents use in fonts/".into(),
            ));
            return;
        }
        if path.is_dir() {
            walk_fonts(root, &path, depth + 1, entries, problems);
        } else if is_font_file(&path) {
            if let Err(r) = contained(root, &path, "font") {
                problems.push(problem(r.message, r.hint));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(ImageKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(ImageKind::Jpeg));
        for svg in [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"[..],
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n<svg>",
        ] {
            assert_eq!(sniff(svg), Some(ImageKind::Svg), "{}", String::from_utf8_lossy(svg));
        }
        for not in [
            &b"root:x:0:0:root:/root:/bin/bash"[..],
            b"<svgx>",
            b"<html><svg>",
            b"<!DOCTYPE svg [<!ENTITY a \"b\">]><svg>",
            b"<!-- never closed <svg>",
            b"GIF89a",
            b"",
        ] {
            assert_eq!(sniff(not), None, "{}", String::from_utf8_lossy(not));
        }
    }

    #[test]
    fn bundle_names_resolve_dots_as_written() {
        let root = Path::new("/m");
        assert_eq!(
            bundle_name(root, Path::new("/m/./a/../logo.png")).unwrap(),
            "logo.png"
        );
        assert_eq!(
            bundle_name(root, Path::new("/m/assets/logo.svg")).unwrap(),
            "assets/logo.svg"
        );
    }
}
