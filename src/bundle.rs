//! The evidence bundle on disk: files, `manifest.json`, `SHA256SUMS`, the zip.
//!
//! Last stage of the pipeline, staged from the start of a build. [`Staging`]
//! takes each file as the build makes it (the PDF stage's typst runs write into
//! it directly) and writes it into a temporary sibling of the bundle with its zip
//! entry compressed; [`assemble`] adds the manifest and checksums;
//! [`Staging::finish`] writes the byte-for-byte reproducible zip and renames the
//! directory and the zip into place, so a failed build never leaves a
//! half-written bundle or damages the previous one. An issued bundle never
//! changes under its name: `finish` leaves a bundle that is already there with
//! the same bytes alone, and replaces a different one only when told to
//! ([`Replace`]), never the build's own `--previous` input.
//! A build holds [`lock`] on its output directory throughout, so that builds
//! into one directory take turns; the lock also recovers what an interrupted
//! build left there.

mod entry;
pub mod manifest;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use self::manifest::{Manifest, ManifestEntry, SheetEntry, SignatureEntry, Sums};
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
    /// Every signature the sheets ask for, in the register's order.
    pub signatures: Vec<SignatureEntry>,
}

/// The `SHA256SUMS` of `files`.
pub fn sums<'a>(files: impl IntoIterator<Item = &'a BundleFile>) -> Sums {
    Sums::of(
        files
            .into_iter()
            .map(|f| (f.path.as_str(), f.bytes.as_slice())),
    )
}

/// The model digest: SHA-256 of the `model/` lines of `SHA256SUMS`, in order.
pub fn model_digest(model_files: &[BundleFile]) -> String {
    sums(model_files).model_digest()
}

/// The files [`assemble`] adds: the manifest and the checksums.
pub const INTEGRITY_FILES: [&str; 2] = [MANIFEST, SUMS];
const MANIFEST: &str = "manifest.json";
const SUMS: &str = "SHA256SUMS";

/// Adds `manifest.json` and `SHA256SUMS` to `files` and sorts them by path;
/// `known` holds the digests of files already hashed (when staged), which
/// must be those of these files' bytes.
pub fn assemble(
    mut files: Vec<BundleFile>,
    info: ManifestInfo,
    known: &Digests,
) -> Result<Vec<BundleFile>> {
    files.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = files.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(Error::new(format!(
            "two bundle files share the path `{}`",
            pair[0].path
        )));
    }
    // Each file hashed once (those not yet hashed on every core): the manifest
    // and the checksums share them.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = files.len().div_ceil(threads).max(1);
    let hash = |f: &BundleFile| match known.get(&f.path) {
        Some(digest) => digest.clone(),
        None => sha256_hex(&f.bytes),
    };
    let hashes: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(per_thread)
            .map(|part| scope.spawn(move || part.iter().map(hash).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    if hashes.len() != files.len() {
        return Err(Error::new("hashing the bundle's files panicked"));
    }
    let manifest = Manifest {
        tool: "rolecall".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        bundle_date: Some(info.date.to_string()),
        organisation: info.organisation,
        model_digest: Some(info.model_digest),
        fonts: info.fonts,
        signature_sheets: info.signature_sheets,
        signatures: Some(info.signatures),
        files: files
            .iter()
            .zip(&hashes)
            .map(|(f, sha256)| ManifestEntry {
                path: f.path.clone(),
                sha256: sha256.clone(),
                size: f.bytes.len() as u64,
            })
            .collect(),
    };
    let manifest = BundleFile::text(MANIFEST, manifest.to_json());
    let mut sums = Sums {
        hashes: files.iter().map(|f| f.path.clone()).zip(hashes).collect(),
    };
    sums.hashes
        .insert(MANIFEST.to_string(), sha256_hex(&manifest.bytes));
    files.push(manifest);
    let text = sums.to_text();
    files.push(BundleFile::text(SUMS, text));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The model's own files under `model/`: its TOML sources, the logo and the
/// signatures' evidence files (each once, however many records name it), so
/// that the copy is the model and validates again from the bundle.
pub fn model_copy(model: &Model) -> Result<Vec<BundleFile>> {
    let mut files: Vec<BundleFile> = model
        .sources
        .iter()
        .map(|s| BundleFile::text(format!("model/{}", s.rel), s.text.clone()))
        .collect();
    if let Some(logo) = &model.organisation.logo {
        let bytes = crate::model::paths::read_logo(&model.root, logo)?;
        let name = crate::model::paths::bundle_name(&model.root, logo)?;
        files.push(BundleFile {
            path: format!("model/{name}"),
            bytes,
        });
    }
    for evidence in model.signatures.iter().filter_map(|s| s.evidence.as_ref()) {
        let path = format!("model/{}", evidence.path);
        match files.iter().find(|f| f.path == path) {
            // The logo or another record's evidence: the same file.
            Some(f) if f.bytes == *evidence.bytes => {}
            Some(_) => {
                return Err(Error::new(format!(
                    "`{}` changed while the model was read",
                    evidence.path
                )));
            }
            None => files.push(BundleFile {
                path,
                bytes: evidence.bytes.to_vec(),
            }),
        }
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
    /// Both held this bundle already, byte for byte: nothing was written.
    pub unchanged: bool,
}

/// When [`Staging::finish`] may replace a bundle of the same name: an issued bundle is
/// evidence handed to an auditor and must not change under its name.
#[derive(Debug, Clone, Copy, Default)]
pub struct Replace<'a> {
    /// Replace a different bundle of the same name (`build --force`).
    pub force: bool,
    /// The build's `--previous` input, which is never written over.
    pub previous: Option<&'a Path>,
}

/// What is at a bundle's path compared with what a build would put there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    Absent,
    Same,
    Different,
}

/// The prefix of the temporary directory a bundle is written in, inside OUT.
pub const STAGING_PREFIX: &str = ".rolecall-staging-";
/// The prefix of the temporary directory the Typst sources are written in, inside OUT.
pub const TYPST_PREFIX: &str = ".rolecall-typst-";
/// The file in a staging directory that says a swap began: the bundle's name
/// and the identity of the new directory.
const JOURNAL: &str = "swap";
/// Where the fallback swap moves the previous bundle directory, in the staging directory.
const PREVIOUS: &str = "previous";
/// Modes of what a bundle holds, whatever the umask and the sources' modes.
const FILE_MODE: u32 = 0o644;
const DIR_MODE: u32 = 0o755;

/// The exclusive lock on an output directory that a build holds while it writes
/// there (see [`lock`]); released when dropped or when the process ends.
#[derive(Debug)]
pub struct OutLock {
    _file: Option<std::fs::File>,
}

/// Creates `out` and takes the exclusive lock on it that every build into it
/// holds, from before its first write there to its end; when another build
/// holds it, calls `waiting` and waits for that build to end. Then puts back
/// or removes what an interrupted build left there (see [`recover`]), and
/// watches for interrupts (`crate::interrupt`).
pub fn lock(out: &Path, waiting: impl FnOnce()) -> Result<OutLock> {
    crate::interrupt::install()?;
    std::fs::create_dir_all(out)
        .with_context(|| format!("failed to create `{}`", out.display()))?;
    let file =
        take_lock(out, waiting).with_context(|| format!("failed to lock `{}`", out.display()))?;
    recover(out)?;
    Ok(OutLock { _file: file })
}

/// Takes `flock(LOCK_EX)` on the directory `out` itself (so that no lock file
/// is left in it), calling `waiting` first when another process holds it. The
/// system releases it when the process ends, however it ends.
#[cfg(unix)]
fn take_lock(out: &Path, waiting: impl FnOnce()) -> std::io::Result<Option<std::fs::File>> {
    use rustix::fs::{FlockOperation, flock};
    let file = std::fs::File::open(out)?;
    let mut op = FlockOperation::NonBlockingLockExclusive;
    let mut waiting = Some(waiting);
    loop {
        match flock(&file, op) {
            Ok(()) => return Ok(Some(file)),
            Err(rustix::io::Errno::WOULDBLOCK) => {
                if let Some(say) = waiting.take() {
                    say();
                }
                op = FlockOperation::LockExclusive;
            }
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Without `flock`, builds into one directory are not kept apart.
#[cfg(not(unix))]
fn take_lock(_out: &Path, _waiting: impl FnOnce()) -> std::io::Result<Option<std::fs::File>> {
    Ok(None)
}

/// Recovers what interrupted builds left in `out` (the caller holds the lock,
/// so no build is using it): a staging directory whose swap had moved the new
/// directory in gets its zip moved in too; one whose swap had moved the
/// previous directory aside puts it back; then every `.rolecall-staging-*` and
/// `.rolecall-typst-*` directory is removed.
fn recover(out: &Path) -> Result<()> {
    let entries =
        std::fs::read_dir(out).with_context(|| format!("failed to read `{}`", out.display()))?;
    let mut left: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            (name.starts_with(STAGING_PREFIX) || name.starts_with(TYPST_PREFIX))
                && e.file_type().is_ok_and(|t| t.is_dir())
        })
        .map(|e| e.path())
        .collect();
    left.sort();
    for path in left {
        let is_staging = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(STAGING_PREFIX));
        if is_staging {
            crate::interrupt::critical(|| finish_swap(out, &path))?;
        }
        std::fs::remove_dir_all(&path).with_context(|| {
            format!(
                "failed to remove `{}`, left by an interrupted build",
                path.display()
            )
        })?;
    }
    Ok(())
}

/// Brings the bundle that the staging directory `staging` was swapping in to a
/// whole state: the new one when its directory is in place, else the previous.
fn finish_swap(out: &Path, staging: &Path) -> Result<()> {
    let journal = std::fs::read_to_string(staging.join(JOURNAL)).ok();
    let (name, id) = match &journal {
        Some(text) => {
            let mut lines = text.lines();
            let name = lines.next().unwrap_or_default().to_string();
            (
                name,
                lines.next().filter(|l| !l.is_empty()).map(str::to_string),
            )
        }
        // A staging directory of rolecall 0.1, which wrote no journal: the
        // bundle's name is that of the zip it holds.
        None => {
            let zip = std::fs::read_dir(staging).ok().and_then(|rd| {
                rd.flatten().find_map(|e| {
                    let n = e.file_name().to_str()?.to_string();
                    n.strip_suffix(".zip").map(str::to_string)
                })
            });
            match zip {
                Some(name) => (name, None),
                None => (String::new(), None),
            }
        }
    };
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
        return Ok(()); // the swap never began: whatever is in place is whole
    }
    let dir = out.join(&name);
    let zip = out.join(format!("{name}.zip"));
    let staged_zip = staging.join(format!("{name}.zip"));
    let previous = staging.join(PREVIOUS);
    let in_place = std::fs::symlink_metadata(&dir).is_ok();
    let swapped = match &id {
        Some(id) => identity(&dir).as_ref() == Some(id),
        None => in_place && previous.is_dir(),
    };
    if swapped {
        if staged_zip.is_file() {
            std::fs::rename(&staged_zip, &zip).with_context(|| {
                format!(
                    "failed to move the zip of an interrupted build to `{}`",
                    zip.display()
                )
            })?;
        }
    } else if !in_place && previous.is_dir() {
        std::fs::rename(&previous, &dir).with_context(|| {
            format!(
                "failed to put the previous bundle back to `{}` (it is in `{}`)",
                dir.display(),
                previous.display()
            )
        })?;
    }
    Ok(())
}

/// What tells the new bundle directory from any other: its device and inode.
#[cfg(unix)]
fn identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let m = std::fs::symlink_metadata(path).ok()?;
    Some(format!("{}:{}", m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_path: &Path) -> Option<String> {
    None
}

/// Swaps the directory `new` and the directory `old` in one step (Linux's
/// `renameat2(RENAME_EXCHANGE)`, macOS's `renamex_np(RENAME_SWAP)`); `Ok(false)`
/// where the system or file system cannot.
fn exchange(new: &Path, old: &Path) -> std::io::Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, new, CWD, old, RenameFlags::EXCHANGE) {
            Ok(()) => Ok(true),
            Err(e)
                if e == rustix::io::Errno::INVAL
                    || e == rustix::io::Errno::NOSYS
                    || e == rustix::io::Errno::NOTSUP =>
            {
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    {
        let _ = (new, old);
        Ok(false)
    }
}

/// Test hook: with `ROLECALL_TEST_PAUSE=<point>[=<seconds>]` in the environment
/// the build says `paused at <point>` on stderr and sleeps there (2 s unless
/// given), so that a test can interrupt it at that point. The code path is the
/// real one either way.
fn pause_point(point: &str) {
    let Ok(spec) = std::env::var("ROLECALL_TEST_PAUSE") else {
        return;
    };
    let (at, secs) = spec.split_once('=').unwrap_or((&spec, "2"));
    if at == point {
        crate::term::err(&format!("paused at {point}\n"));
        let secs = secs.parse().unwrap_or(2.0_f64).clamp(0.0, 60.0);
        std::thread::sleep(std::time::Duration::from_secs_f64(secs));
    }
}

/// A temporary directory `<prefix>*` in `out` (created if need be), removed when
/// dropped or on an interrupt (while the registration lives); what a build
/// killed outright leaves, the next [`lock`] removes.
pub fn temp_dir_in(
    out: &Path,
    prefix: &str,
) -> Result<(tempfile::TempDir, crate::interrupt::Registration)> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("failed to create `{}`", out.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(out)
        .with_context(|| {
            format!(
                "failed to create a temporary directory in `{}`",
                out.display()
            )
        })?;
    let removed = crate::interrupt::remove_on_interrupt(tmp.path().to_path_buf());
    Ok((tmp, removed))
}

/// The zip's deflate level for text (Markdown, HTML, CSV, JSON): zlib's
/// default. Level 9 took twice the time for 1% less (docs/performance.md).
const TEXT_LEVEL: u32 = 6;
/// The level for PDFs, whose streams typst compressed already: level 1 makes
/// them 8% larger than level 6 in a third of the time (docs/performance.md).
const PDF_LEVEL: u32 = 1;

/// A bundle being written: its directory and its zip's entries, staged in a
/// temporary directory in OUT while the build makes them (the PDF stage's
/// typst runs write into [`Staging::dir`] directly), then compared with what is
/// in OUT and swapped into place by [`Staging::finish`]. Files can be added
/// from several threads. The caller holds [`lock`] on `out`.
pub struct Staging {
    tmp: tempfile::TempDir,
    _removed: crate::interrupt::Registration,
    name: String,
    dir: PathBuf,
    /// The bundle this one replaces, `out/<name>`: its unchanged files are reused.
    previous: PathBuf,
    /// The zip entries' date: the bundle date's midnight.
    time: zip::DateTime,
    /// Compressors kept for the next files staged (see [`entry`]).
    deflaters: std::sync::Mutex<Vec<entry::Deflaters>>,
    /// Directories made so far.
    made: std::sync::Mutex<std::collections::BTreeSet<PathBuf>>,
    /// Each staged file's zip entry, compressed on its own: a one-entry zip in
    /// memory, copied as it is into the bundle's zip by [`Staging::finish`].
    entries: std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>>,
    /// Each staged file's SHA-256 (hex), taken beside its compression, for
    /// [`assemble`]: hashing after the last typst run would be done on one core.
    digests: std::sync::Mutex<Digests>,
}

/// SHA-256 (hex) of bundle files, by path.
pub type Digests = std::collections::BTreeMap<String, String>;

impl Staging {
    /// Starts the bundle `name` of `date` in a temporary directory in `out`.
    pub fn new(out: &Path, name: &str, date: Date) -> Result<Staging> {
        let (tmp, removed) = temp_dir_in(out, STAGING_PREFIX)?;
        let dir = tmp.path().join(name);
        make_dir(&dir)?;
        // The zip format cannot express dates before 1980.
        let year = date.year().clamp(1980, 2107) as u16;
        let time = zip::DateTime::from_date_and_time(year, date.month(), date.day(), 0, 0, 0)
            .map_err(|e| Error::new(format!("cannot express {date} in a zip ({e:?})")))?;
        Ok(Staging {
            tmp,
            _removed: removed,
            name: name.to_string(),
            previous: out.join(name),
            made: std::sync::Mutex::new([dir.clone()].into()),
            dir,
            time,
            deflaters: std::sync::Mutex::default(),
            entries: std::sync::Mutex::default(),
            digests: std::sync::Mutex::default(),
        })
    }

    /// The staged bundle directory: a file written below it at its bundle path
    /// (as typst writes the PDFs) is then [`Staging::adopt`]ed.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `files` into the staged directory and compresses their zip
    /// entries, on every core.
    pub fn add<'f>(&self, files: impl IntoIterator<Item = &'f BundleFile>) -> Result<()> {
        self.stage(files.into_iter().collect(), true)
            .with_context(|| self.untouched())
    }

    /// The context of a failure before the swap: nothing in OUT was changed.
    fn untouched(&self) -> String {
        let out = self.tmp.path().parent().unwrap_or(Path::new("."));
        format!(
            "failed to write the bundle; any previous `{}` in `{}` is untouched",
            self.name,
            out.display()
        )
    }

    /// Stages `files`, already written below [`Staging::dir`] with these bytes
    /// by someone else: gives them the bundle's mode and compresses their entries.
    pub fn adopt<'f>(&self, files: impl IntoIterator<Item = &'f BundleFile>) -> Result<()> {
        self.stage(files.into_iter().collect(), false)
            .with_context(|| self.untouched())
    }

    fn stage(&self, files: Vec<&BundleFile>, write: bool) -> Result<()> {
        let mut paths = Vec::with_capacity(files.len());
        for f in &files {
            let rel = safe_relative(&f.path)?;
            let mut made = self.made.lock().unwrap_or_else(|e| e.into_inner());
            let mut at = self.dir.clone();
            for part in rel.parent().into_iter().flat_map(Path::components) {
                at.push(part);
                if made.insert(at.clone()) {
                    make_dir(&at)?;
                }
            }
            paths.push(self.dir.join(&rel));
        }
        let one = |(f, path): (&&BundleFile, &PathBuf),
                   deflaters: &mut entry::Deflaters|
         -> Result<(String, Vec<u8>, String)> {
            if write {
                let rel = Path::new(&f.path);
                if !reuse(&self.previous, rel, &f.bytes, path) {
                    write_file(path, &f.bytes)?;
                }
            } else {
                set_mode(path, FILE_MODE)?;
            }
            let level = if f.path.ends_with(".pdf") {
                PDF_LEVEL
            } else {
                TEXT_LEVEL
            };
            let name = format!("{}/{}", self.name, f.path);
            let zip = entry::one_entry_zip(&name, &f.bytes, level, self.time, deflaters)?;
            Ok((f.path.clone(), zip, sha256_hex(&f.bytes)))
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = files.len().div_ceil(threads).max(1);
        let staged: Vec<(String, Vec<u8>, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .chunks(per_thread)
                .zip(paths.chunks(per_thread))
                .map(|(fs, ps)| {
                    scope.spawn(move || {
                        let pool = || self.deflaters.lock().unwrap_or_else(|e| e.into_inner());
                        let mut deflaters = pool().pop().unwrap_or_default();
                        let staged = fs
                            .iter()
                            .zip(ps)
                            .map(|f| one(f, &mut deflaters))
                            .collect::<Result<Vec<_>>>();
                        pool().push(deflaters);
                        staged
                    })
                })
                .collect();
            let mut all = Vec::with_capacity(files.len());
            for h in handles {
                all.extend(
                    h.join()
                        .unwrap_or_else(|_| Err(Error::new("writing the bundle panicked")))?,
                );
            }
            Ok::<_, Error>(all)
        })?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut digests = self.digests.lock().unwrap_or_else(|e| e.into_inner());
        for (path, entry, digest) in staged {
            if entries.insert(path.clone(), entry).is_some() {
                return Err(Error::new(format!(
                    "two bundle files share the path `{path}`"
                )));
            }
            digests.insert(path, digest);
        }
        Ok(())
    }

    /// The SHA-256 of each file staged so far, by path.
    pub fn digests(&self) -> Digests {
        self.digests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Writes the zip of the staged files, which must be exactly `files`, and
    /// moves the bundle into `out/<name>/` and `out/<name>.zip`. When both are
    /// there with this content already, nothing is replaced; when either holds
    /// something else, it is replaced only as `replace` allows (never the
    /// build's own `--previous` input), so that at every instant each of the two
    /// is whole, the previous one or the new one.
    pub fn finish(self, files: &[BundleFile], replace: &Replace) -> Result<Written> {
        let out = self
            .tmp
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let name = self.name.clone();
        let untouched = self.untouched();
        let new_zip = self.tmp.path().join(format!("{name}.zip"));
        let entries = self.entries.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut wanted: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        wanted.sort_unstable();
        if !wanted
            .iter()
            .copied()
            .eq(entries.keys().map(String::as_str))
        {
            return Err(Error::new(
                "the staged bundle does not hold exactly the bundle's files (a rolecall bug, please report it)",
            ));
        }
        let dir = out.join(&name);
        let zip = out.join(format!("{name}.zip"));
        // The zip is made in memory and compared with the zip in OUT before it
        // is written (a rebuild that changes nothing writes no zip), beside the
        // comparison of the directory: both read tens of megabytes after the
        // last typst run.
        let (made, found_dir) = std::thread::scope(|scope| {
            let made = scope.spawn(|| {
                let bytes = zip_bytes(&entries).with_context(|| untouched.clone())?;
                let found = same_bytes(&zip, &bytes).with_context(|| {
                    format!("failed to compare `{}` with the new bundle", zip.display())
                })?;
                Ok::<_, Error>((bytes, found))
            });
            let found_dir = same_dir(&dir, files, &self.dir).with_context(|| {
                format!("failed to compare `{}` with the new bundle", dir.display())
            });
            let made = made
                .join()
                .unwrap_or_else(|_| Err(Error::new("making the zip panicked")));
            (made, found_dir)
        });
        drop(entries);
        let (zip_bytes, found_zip) = made?;
        let found_dir = found_dir?;
        if found_dir == Found::Same && found_zip == Found::Same {
            return Ok(Written {
                dir,
                zip,
                unchanged: true,
            });
        }
        refuse_replacing(replace, &dir, found_dir, &zip, found_zip)?;
        // A full disk or an unwritable file fails here, before anything is replaced.
        std::fs::write(&new_zip, &zip_bytes)
            .map_err(Error::from)
            .and_then(|()| set_mode(&new_zip, FILE_MODE))
            .with_context(|| format!("failed to write `{}`", new_zip.display()))
            .with_context(|| untouched)?;
        drop(zip_bytes);
        pause_point("staged");
        let tmp = self.tmp;
        let _removed = self._removed;
        crate::interrupt::critical(|| swap(tmp, &name, &dir, &zip))?;
        pause_point("swapped");
        Ok(Written {
            dir,
            zip,
            unchanged: false,
        })
    }
}

/// The error for a build that would change an issued bundle: one of `dir` and
/// `zip` differs from the new bundle and `replace` does not allow replacing it,
/// or one of them is the build's `--previous` input.
fn refuse_replacing(
    replace: &Replace,
    dir: &Path,
    found_dir: Found,
    zip: &Path,
    found_zip: Found,
) -> Result<()> {
    let is_previous = |path: &Path| {
        replace.previous.is_some_and(|p| {
            match (std::fs::canonicalize(p), std::fs::canonicalize(path)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        })
    };
    for (path, found) in [(dir, found_dir), (zip, found_zip)] {
        if found != Found::Absent && is_previous(path) {
            return Err(Error::new(format!(
                "this build would write over `{}`, its own --previous input",
                path.display()
            ))
            .hint(
                "build into another directory (-o DIR) or for another date (--date); a change report compares with the bundle as it was issued",
            ));
        }
    }
    if replace.force {
        return Ok(());
    }
    let differs: Vec<String> = [(dir, found_dir), (zip, found_zip)]
        .iter()
        .filter(|(_, f)| *f == Found::Different)
        .map(|(p, _)| format!("`{}`", p.display()))
        .collect();
    if differs.is_empty() {
        return Ok(());
    }
    Err(Error::new(format!(
        "{} already {} a different bundle of this name and date (an issued bundle must not change under its name)",
        differs.join(" and "),
        if differs.len() == 1 { "holds" } else { "hold" }
    ))
    .hint(
        "to issue a new bundle, build it for another date (--date); to replace this one (it was never handed out), pass --force",
    ))
}

/// Whether the directory `dir` holds exactly `files`: the same paths, each a
/// regular file with the same bytes, and nothing else. A file the staged bundle
/// `staged` took over from `dir` by [`reuse`] is the same file: it is not read.
fn same_dir(dir: &Path, files: &[BundleFile], staged: &Path) -> std::io::Result<Found> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return Ok(Found::Different);
    }
    let mut on_disk = Vec::new();
    if !regular_files(dir, "", &mut on_disk)? {
        return Ok(Found::Different);
    }
    on_disk.sort();
    let mut wanted: Vec<&BundleFile> = files.iter().collect();
    wanted.sort_by(|a, b| a.path.cmp(&b.path));
    if on_disk.len() != wanted.len() || on_disk.iter().zip(&wanted).any(|(a, b)| *a != b.path) {
        return Ok(Found::Different);
    }
    for f in wanted {
        let path = dir.join(&f.path);
        let meta = std::fs::symlink_metadata(&path)?;
        if same_inode(&meta, &staged.join(&f.path)) {
            continue;
        }
        if meta.len() != f.bytes.len() as u64 || !holds(&mut std::fs::File::open(&path)?, &f.bytes)?
        {
            return Ok(Found::Different);
        }
    }
    Ok(Found::Same)
}

/// Adds the `/`-separated paths of the regular files below `dir` to `out`;
/// `false` when it holds anything else (a link, a device, a name not UTF-8).
fn regular_files(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<bool> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Ok(false);
        };
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_dir() {
            if !regular_files(&entry.path(), &rel, out)? {
                return Ok(false);
            }
        } else if kind.is_file() {
            out.push(rel);
        } else {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether the file `path` holds exactly `bytes`.
fn same_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<Found> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(e),
    };
    if !meta.is_file() || meta.len() != bytes.len() as u64 {
        return Ok(Found::Different);
    }
    Ok(if holds(&mut std::fs::File::open(path)?, bytes)? {
        Found::Same
    } else {
        Found::Different
    })
}

/// Whether what is left to read of `file` is exactly `bytes`: compared block
/// by block, so that comparing a bundle's files allocates no copy of them.
fn holds(file: &mut std::fs::File, bytes: &[u8]) -> std::io::Result<bool> {
    use std::io::Read as _;
    let mut block = [0; 1 << 14];
    let mut rest = bytes;
    loop {
        let n = match file.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(rest.is_empty());
        }
        if n > rest.len() || block[..n] != rest[..n] {
            return Ok(false);
        }
        rest = &rest[n..];
    }
}

/// Moves the bundle staged in `staging` into place as `dir` and `zip`: the
/// directory first, in one step with the previous one where the system can,
/// then the zip, which a rename replaces in one step. A journal in `staging`
/// lets [`recover`] finish the swap should the process die within it.
fn swap(staging: tempfile::TempDir, name: &str, dir: &Path, zip: &Path) -> Result<()> {
    let new_dir = staging.path().join(name);
    let new_zip = staging.path().join(format!("{name}.zip"));
    let journal = staging.path().join(JOURNAL);
    let id = identity(&new_dir).unwrap_or_default();
    std::fs::write(&journal, format!("{name}\n{id}\n"))
        .with_context(|| format!("failed to write `{}`", journal.display()))?;
    pause_point("journal");
    let old_dir = staging.path().join(PREVIOUS);
    let had_old = std::fs::symlink_metadata(dir).is_ok();
    // How the directory was moved in, for undoing it: exchanged with the
    // previous one (now at `new_dir`), or the previous one moved to `old_dir`.
    let exchanged = had_old
        && exchange(&new_dir, dir)
            .with_context(|| format!("failed to move the new bundle to `{}`", dir.display()))?;
    let undo = |staging: tempfile::TempDir, moved_in: bool| -> Option<PathBuf> {
        let back = if exchanged {
            exchange(&new_dir, dir).unwrap_or(false)
        } else {
            (!moved_in || std::fs::rename(dir, &new_dir).is_ok())
                && (!had_old || std::fs::rename(&old_dir, dir).is_ok())
        };
        // Should undoing fail, the staging directory (holding the previous
        // bundle and the journal) is kept for the next build to recover.
        (!back && had_old).then(|| staging.keep())
    };
    let failed = |e: Error, kept: Option<PathBuf>| match kept {
        Some(k) => e.context(format!(
            "the previous bundle could not be put back; it is in `{}`",
            k.display()
        )),
        None => e,
    };
    if !exchanged {
        if had_old {
            std::fs::rename(dir, &old_dir).with_context(|| {
                format!(
                    "failed to move the previous bundle `{}` aside",
                    dir.display()
                )
            })?;
        }
        if let Err(e) = std::fs::rename(&new_dir, dir) {
            let kept = undo(staging, false);
            let e = Error::from(e).context(format!(
                "failed to move the new bundle to `{}`",
                dir.display()
            ));
            return Err(failed(e, kept));
        }
    }
    pause_point("between-renames");
    // Renaming over the old zip replaces it in one step or not at all.
    if let Err(e) = std::fs::rename(&new_zip, zip) {
        let kept = undo(staging, true);
        let e = Error::from(e).context(format!("failed to move the zip to `{}`", zip.display()));
        return Err(failed(e, kept));
    }
    staging
        .close()
        .context("failed to remove the staging directory")
}

/// Creates the directory `path` with the bundle's directory mode.
/// One that exists already (typst writing PDFs into a staged bundle makes their
/// folders) only gets the mode.
fn make_dir(path: &Path) -> Result<()> {
    match std::fs::create_dir(path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
        made => made.with_context(|| format!("failed to create `{}`", path.display()))?,
    }
    set_mode(path, DIR_MODE)
}

/// Writes the file `path` with the bundle's file mode.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::File::create(path)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
            .with_context(|| format!("failed to set the mode of `{}`", path.display()))?;
    }
    Ok(())
}

/// Sets the mode of `path` (not subject to the umask).
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("failed to set the mode of `{}`", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
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

/// Gives the staged file `new` the inode of the replaced bundle's file at `rel`
/// below `previous`, by a hard link, when that file holds exactly `bytes`;
/// whether it did. Rebuilding into the same OUT leaves most files unchanged,
/// and a new file costs the file system far more than a link: ext4 allocating
/// an inode scans past every inode deleted in the last seconds, which a build
/// replacing a bundle of thousands of files has just done (measured in
/// docs/performance.md). Only a regular file with no other name, reached
/// without a symbolic link, qualifies, so that the new bundle shares its bytes
/// with nothing but the bundle it replaces, which is removed.
#[cfg(unix)]
fn reuse(previous: &Path, rel: &Path, bytes: &[u8], new: &Path) -> bool {
    use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
    let mut at = previous.to_path_buf();
    let real_dir = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir());
    if !real_dir(&at) {
        return false;
    }
    for part in rel.parent().into_iter().flat_map(Path::components) {
        at.push(part);
        if !real_dir(&at) {
            return false;
        }
    }
    let old = previous.join(rel);
    let Ok(mut file) = std::fs::File::options()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(&old)
    else {
        return false;
    };
    let Ok(meta) = file.metadata() else {
        return false;
    };
    if !meta.is_file() || meta.nlink() != 1 || meta.len() != bytes.len() as u64 {
        return false;
    }
    if !holds(&mut file, bytes).unwrap_or(false) {
        return false;
    }
    if std::fs::hard_link(&old, new).is_err() {
        return false;
    }
    // The name linked must still be the file read.
    if !same_inode(&meta, new) || set_mode(new, FILE_MODE).is_err() {
        let _ = std::fs::remove_file(new);
        return false;
    }
    true
}

/// Whether `other` is the file `meta` describes (one inode, two names).
#[cfg(unix)]
fn same_inode(meta: &std::fs::Metadata, other: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::symlink_metadata(other).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
}

#[cfg(not(unix))]
fn same_inode(_meta: &std::fs::Metadata, _other: &Path) -> bool {
    false
}

#[cfg(not(unix))]
fn reuse(_previous: &Path, _rel: &Path, _bytes: &[u8], _new: &Path) -> bool {
    false
}

/// The bytes of a reproducible zip of `entries` (one-entry zips by path, see
/// [`Staging`]): sorted, under `<name>/`, timestamps at the bundle date's
/// midnight, permissions 0644, no extra fields. Each entry was compressed on
/// its own, so the bytes depend neither on the core count nor on the order in
/// which the build made the files.
fn zip_bytes(entries: &std::collections::BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>> {
    let size = entries.values().map(Vec::len).sum::<usize>();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(size)));
    for one in entries.values() {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(one.as_slice()))?;
        let entry = archive.by_index_raw(0)?;
        zip.raw_copy_file(entry)
            .context("failed to assemble the zip")?;
    }
    Ok(zip
        .finish()
        .context("failed to assemble the zip")?
        .into_inner())
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
