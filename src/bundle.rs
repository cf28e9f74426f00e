//! The evidence bundle on disk: files, `manifest.json`, `SHA256SUMS`, the zip.
//!
//! Last stage of the pipeline. [`assemble`] adds the manifest and checksums to
//! the rendered files; [`write`] writes the directory and a byte-for-byte
//! reproducible zip into a temporary sibling and renames both into place, so a
//! failed build never leaves a half-written bundle or damages the previous one.

pub mod manifest;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use self::manifest::{Manifest, ManifestEntry, SheetEntry, Sums};
use crate::date::Date;
use crate::digest::sha256_hex;
use crate::error::{Context, Error, Result};
use crate::model::Model;

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

/// The `SHA256SUMS` of `files`.
pub fn sums<'a>(files: impl IntoIterator<Item = &'a BundleFile>) -> Sums {
    Sums::of(files.into_iter().map(|f| (f.path.as_str(), f.bytes.as_slice())))
}

/// The model digest: SHA-256 of the `model/` lines of `SHA256SUMS`, in order.
pub fn model_digest(model_files: &[BundleFile]) -> String {
    sums(model_files).model_digest()
}

/// Adds `manifest.json` and `SHA256SUMS` to `files` and sorts them by path.
pub fn assemble(mut files: Vec<BundleFile>, info: ManifestInfo) -> Result<Vec<BundleFile>> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::new(format!(
            "two bundle files share the path `{}`",
            pair[0].path
        )));
    }
    let manifest = Manifest {
        tool: "rolecall".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        bundle_date: Some(info.date.to_string()),
        organisation: info.organisation,
        model_digest: Some(info.model_digest),
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
    files.push(BundleFile::text("manifest.json", manifest.to_json()));
    let text = sums(&files).to_text();
    files.push(BundleFile::text("SHA256SUMS", text));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The model's own files under `model/`: its TOML sources and the logo.
pub fn model_copy(model: &Model) -> Result<Vec<BundleFile>> {
    let mut files: Vec<BundleFile> = model
        .sources
        .iter()
        .map(|s| BundleFile::text(format!("model/{}", s.rel), s.text.clone()))
        .collect();
    if let Some(logo) = &model.organisation.logo {
        let bytes = std::fs::read(logo)
            .with_context(|| format!("failed to read logo `{}`", logo.display()))?;
        let name = logo
            .strip_prefix(&model.root)
            .ok()
            .map(|p| {
                p.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .filter(|p| !p.is_empty() && !p.starts_with(".."))
            .unwrap_or_else(|| {
                format!(
                    "assets/{}",
                    logo.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )
            });
        files.push(BundleFile {
            path: format!("model/{name}"),
            bytes,
        });
    }
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
        let e = Error::from(e).context(what);
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
        return Err(Error::new(format!(
            "refusing to write bundle file with unsafe path `{path}`"
        )));
    }
    Ok(p.to_path_buf())
}

/// Writes a reproducible zip: entries sorted under `<name>/`, timestamps at the
/// bundle date's midnight, permissions 0644, no extra fields.
fn write_zip(path: &Path, name: &str, files: &[BundleFile], date: Date) -> Result<()> {
    // The zip format cannot express dates before 1980.
    let year = date.year().clamp(1980, 2107) as u16;
    let time = zip::DateTime::from_date_and_time(year, date.month(), date.day(), 0, 0, 0)
        .map_err(|e| Error::new(format!("cannot express {date} in a zip ({e:?})")))?;
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
                    .unwrap_or_else(|_| Err(Error::new("compressing the zip panicked")))
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
    fn refuses_unsafe_paths() {
        for bad in ["../x", "/etc/passwd", "a/../../b", ""] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert!(safe_relative("roles/ceo.md").is_ok());
    }
}
