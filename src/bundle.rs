//! The evidence bundle on disk: files, `manifest.json`, `SHA256SUMS`, the zip.
//!
//! Last stage of the pipeline. [`assemble`] adds the manifest and checksums to
//! the rendered files; [`write`] writes the directory and a byte-for-byte
//! reproducible zip into a temporary sibling and renames both into place, so a
//! failed build never leaves a half-written bundle or damages the previous one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::date::Date;
use crate::digest::sha256_hex;

/// A file of the bundle, by its bundle-relative path (`/` separators).
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Bundle-relative path.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

impl BundleFile {
    /// A file from text.
    pub fn text(path: impl Into<String>, text: impl Into<String>) -> BundleFile {
        BundleFile {
            path: path.into(),
            bytes: text.into().into_bytes(),
        }
    }
}

/// One `manifest.json` entry.
#[derive(Debug, Serialize)]
pub struct ManifestEntry {
    /// Bundle-relative path.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// One `signature-sheets` entry of `manifest.json`: what `rolecall verify`
/// checks a sheet against.
#[derive(Debug, Clone, Serialize)]
pub struct SheetEntry {
    /// Bundle-relative path of the sheet's Markdown.
    pub path: String,
    /// The sheet's id, as `[[signatures]] sheet` names it.
    pub sheet: String,
    /// Bundle-relative path of the bound document's Markdown.
    pub document: String,
    /// SHA-256 of the bound document's Markdown, as printed on the sheet.
    pub digest: String,
}

/// What `manifest.json` says besides the file list.
#[derive(Debug, Clone)]
pub struct ManifestInfo {
    /// The bundle date.
    pub date: Date,
    /// The organisation's name.
    pub organisation: String,
    /// See [`model_digest`].
    pub model_digest: String,
    /// Font families used by the PDFs.
    pub fonts: Vec<String>,
    /// The signature sheets, sorted by path.
    pub signature_sheets: Vec<SheetEntry>,
}

/// `manifest.json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Manifest {
    /// Always `rolecall`.
    pub tool: &'static str,
    /// rolecall's version.
    pub tool_version: &'static str,
    /// The bundle date.
    pub bundle_date: String,
    /// The organisation.
    pub organisation: String,
    /// SHA-256 over the `model/` lines of `SHA256SUMS`.
    pub model_digest: String,
    /// Font families the PDFs' text is set in (empty for a Markdown-only bundle).
    pub fonts: Vec<String>,
    /// Each signature sheet and the exact document content its signatures bind to.
    pub signature_sheets: Vec<SheetEntry>,
    /// Every file but `manifest.json` and `SHA256SUMS`, sorted by path.
    pub files: Vec<ManifestEntry>,
}

/// The `SHA256SUMS` lines (`<hex>  <path>`) of `files`, sorted by path.
pub fn sha256sums<'a>(files: impl IntoIterator<Item = &'a BundleFile>) -> String {
    let mut lines: Vec<(String, String)> = files
        .into_iter()
        .map(|f| (f.path.clone(), sha256_hex(&f.bytes)))
        .collect();
    lines.sort();
    lines
        .into_iter()
        .map(|(path, hash)| format!("{hash}  {path}\n"))
        .collect()
}

/// The model digest: SHA-256 of the `model/` lines of `SHA256SUMS`, in order.
pub fn model_digest(model_files: &[BundleFile]) -> String {
    sha256_hex(sha256sums(model_files).as_bytes())
}

/// Adds `manifest.json` and `SHA256SUMS` to `files` and sorts them by path.
pub fn assemble(mut files: Vec<BundleFile>, info: ManifestInfo) -> Result<Vec<BundleFile>> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
        bail!("two bundle files share the path `{}`", pair[0].path);
    }
    let manifest = Manifest {
        tool: "rolecall",
        tool_version: env!("CARGO_PKG_VERSION"),
        bundle_date: info.date.to_string(),
        organisation: info.organisation,
        model_digest: info.model_digest,
        fonts: info.fonts,
        signature_sheets: info.signature_sheets,
        files: files
            .iter()
            .map(|f| ManifestEntry {
                path: f.path.clone(),
                sha256: sha256_hex(&f.bytes),
                size: f.bytes.len() as u64,
            })
            .collect(),
    };
    let json =
        serde_json::to_string_pretty(&manifest).context("failed to write manifest.json")? + "\n";
    files.push(BundleFile::text("manifest.json", json));
    let sums = sha256sums(&files);
    files.push(BundleFile::text("SHA256SUMS", sums));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Where a written bundle is.
#[derive(Debug, Clone)]
pub struct Written {
    /// The bundle directory.
    pub dir: PathBuf,
    /// The zip.
    pub zip: PathBuf,
}

/// Writes `files` as `out/<name>/` and `out/<name>.zip`, atomically replacing
/// any previous bundle of that name.
pub fn write(out: &Path, name: &str, files: &[BundleFile], date: Date) -> Result<Written> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("failed to create `{}`", out.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".rolecall-staging-")
        .tempdir_in(out)
        .with_context(|| {
            format!(
                "failed to create a temporary directory in `{}`",
                out.display()
            )
        })?;
    let new_dir = staging.path().join(name);
    let new_zip = staging.path().join(format!("{name}.zip"));
    let write_dir = || -> Result<()> {
        for f in files {
            let path = new_dir.join(safe_relative(&f.path)?);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("failed to create `{}`", parent.display()))?;
            }
            std::fs::write(&path, &f.bytes)
                .with_context(|| format!("failed to write `{}`", path.display()))?;
        }
        Ok(())
    };
    // The directory first: a full disk fails there, before the zip writer (which
    // reports its own failures when dropped) starts.
    let staged = || -> Result<()> {
        write_dir()?;
        write_zip(&new_zip, name, files, date)
    };
    // A full disk or an unwritable file fails here, before anything is replaced.
    staged().with_context(|| {
        format!(
            "failed to write the bundle; any previous `{name}` in `{}` is untouched",
            out.display()
        )
    })?;

    let dir = out.join(name);
    let zip = out.join(format!("{name}.zip"));
    // Swap: move the previous bundle aside (inside the staging directory, which is
    // removed at the end), move the new one in, and put the old one back on failure.
    let old_dir = staging.path().join("previous");
    let had_old = dir.exists();
    if had_old {
        std::fs::rename(&dir, &old_dir).with_context(|| {
            format!(
                "failed to move the previous bundle `{}` aside",
                dir.display()
            )
        })?;
    }
    // If a step fails, the swap is undone; should undoing fail too, the staging
    // directory (holding the previous bundle) is kept rather than removed.
    let undo = |staging: tempfile::TempDir, moved_in: bool| -> Option<PathBuf> {
        let back = (!moved_in || std::fs::rename(&dir, &new_dir).is_ok())
            && (!had_old || std::fs::rename(&old_dir, &dir).is_ok());
        (!back && had_old).then(|| staging.keep().join("previous"))
    };
    let failed = |e: std::io::Error, what: String, kept: Option<PathBuf>| {
        let e = anyhow::Error::new(e).context(what);
        match kept {
            Some(k) => e.context(format!(
                "the previous bundle could not be put back; it is in `{}`",
                k.display()
            )),
            None => e,
        }
    };
    if let Err(e) = std::fs::rename(&new_dir, &dir) {
        let kept = undo(staging, false);
        let what = format!("failed to move the new bundle to `{}`", dir.display());
        return Err(failed(e, what, kept));
    }
    // Renaming over the old zip replaces it atomically or not at all.
    if let Err(e) = std::fs::rename(&new_zip, &zip) {
        let kept = undo(staging, true);
        let what = format!("failed to move the zip to `{}`", zip.display());
        return Err(failed(e, what, kept));
    }
    staging
        .close()
        .context("failed to remove the staging directory")?;
    Ok(Written { dir, zip })
}

/// Refuses paths that could escape the bundle directory.
fn safe_relative(path: &str) -> Result<PathBuf> {
    let p = Path::new(path);
    let ok = !path.is_empty()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !ok {
        bail!("refusing to write bundle file with unsafe path `{path}`");
    }
    Ok(p.to_path_buf())
}

/// Writes a reproducible zip: entries sorted under `<name>/`, timestamps at the
/// bundle date's midnight, permissions 0644, no extra fields.
fn write_zip(path: &Path, name: &str, files: &[BundleFile], date: Date) -> Result<()> {
    // The zip format cannot express dates before 1980.
    let year = date.year().clamp(1980, 2107) as u16;
    let time = zip::DateTime::from_date_and_time(year, date.month(), date.day(), 0, 0, 0)
        .map_err(|e| anyhow::anyhow!("cannot express {date} in a zip ({e:?})"))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // Level 6, zlib's default: level 9 took twice the time for 1% less size
        // (the PDFs are compressed already; see docs/performance.md).
        .compression_level(Some(6))
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut sorted: Vec<&BundleFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));

    // Entries are compressed independently: each core compresses a run of them
    // into a zip in memory, and the runs are copied, still compressed and in
    // order, into the bundle's zip. The bytes do not depend on the core count.
    let compress = |part: &[&BundleFile]| -> Result<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for f in part {
            zip.start_file(format!("{name}/{}", f.path), options)
                .with_context(|| format!("failed to add `{}` to the zip", f.path))?;
            zip.write_all(&f.bytes)
                .with_context(|| format!("failed to add `{}` to the zip", f.path))?;
        }
        Ok(zip.finish()?.into_inner())
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = sorted.len().div_ceil(threads).max(1);
    let parts: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sorted
            .chunks(per_thread)
            .map(|part| scope.spawn(move || compress(part)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("compressing the zip panicked")))
            })
            .collect::<Result<_>>()
    })?;

    let file = std::fs::File::create(path)
        .with_context(|| format!("failed to create `{}`", path.display()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    for part in parts {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(part))?;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i)?;
            zip.raw_copy_file(entry)
                .with_context(|| format!("failed to write `{}`", path.display()))?;
        }
    }
    zip.finish()
        .and_then(|w| w.into_inner().map_err(|e| e.into_error().into()))
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_sorted_and_checkable() {
        let files = [BundleFile::text("b.md", "b"), BundleFile::text("a.md", "a")];
        let sums = sha256sums(&files);
        let lines: Vec<&str> = sums.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with("  a.md"));
        assert!(
            lines[0]
                .starts_with("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
        );
    }

    #[test]
    fn refuses_unsafe_paths() {
        for bad in ["../x", "/etc/passwd", "a/../../b", ""] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert!(safe_relative("roles/ceo.md").is_ok());
    }
}
