//! PDF cache: typeset PDFs kept between builds, addressed by what made them.
//!
//! Part of the PDF stage ([`crate::pdf`]): a document whose key (a SHA-256 over
//! its Typst source, the layout, the logo, the typst version, the fonts and the
//! flags, computed by `pdf`) was typeset before gets its PDF from here, and only
//! the documents that miss go to typst. [`Cache`] is the one entry point.
//!
//! An entry is one file, `<key>.pdf`, holding a header line with the PDF's
//! SHA-256 and length, then the PDF. An entry whose header, length or digest is
//! wrong (a truncated write, a damaged disk, a hand edit) is removed and typeset
//! again: it never reaches a bundle. Entries are written to a temporary file in
//! the cache directory and renamed into place, so two builds sharing a cache
//! never see half an entry; the last rename wins, and both wrote the same bytes.
//!
//! The cache is bounded: after each build, entries not used for
//! [`MAX_AGE_DAYS`] days are removed, then the least recently used (oldest
//! modification time; a hit renews it) until the cache holds at most
//! [`MAX_BYTES`]. Entries this build used are never removed.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Context, Result};
use sha2::{Digest, Sha256};

use crate::digest::sha256_hex;

/// The largest cache after pruning: about ten full builds of a 300-role model.
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Entries unused for longer are removed.
pub const MAX_AGE_DAYS: u64 = 30;

/// First line of every entry, before the PDF's digest and length.
const MAGIC: &str = "rolecall-pdf-cache 1";

/// A temporary file older than this was left by a build that died.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// What a document's PDF depends on, hashed: equal keys, equal PDF bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    /// The key of `parts`, each length-prefixed so that no two different lists
    /// of parts hash alike.
    pub fn of(parts: &[&[u8]]) -> Key {
        let mut hash = Sha256::new();
        for part in parts {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        Key(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The cache as one build uses it: a directory and each document's key, by
/// document index. [`Cache::get`] a document's PDF before typesetting it,
/// [`Cache::put`] it once made (from any thread), [`Cache::close`] after the
/// build to prune.
pub struct Cache<'a> {
    dir: &'a Path,
    keys: &'a [Key],
    /// Entries this build touches get a modification time from now on; pruning
    /// spares them.
    started: SystemTime,
}

impl<'a> Cache<'a> {
    /// Opens (creating) the cache in `dir` for documents with `keys`.
    pub fn open(dir: &'a Path, keys: &'a [Key]) -> Result<Cache<'a>> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create the PDF cache `{}`", dir.display()))?;
        Ok(Cache {
            dir,
            keys,
            // A second of slack for coarse file system clocks.
            started: SystemTime::now() - Duration::from_secs(1),
        })
    }

    /// Document `i`'s PDF, if an intact entry holds it.
    pub fn get(&self, i: usize) -> Option<Vec<u8>> {
        read(self.dir, self.keys.get(i)?)
    }

    /// Stores document `i`'s PDF. A cache that cannot be written only costs
    /// time in the next build, so failures are ignored.
    pub fn put(&self, i: usize, pdf: &[u8]) {
        if let Some(key) = self.keys.get(i) {
            let _ = write(self.dir, key, pdf);
        }
    }

    /// Prunes the cache to its bounds, sparing what this build used.
    pub fn close(self) {
        let _ = prune(
            self.dir,
            self.started,
            MAX_BYTES,
            Duration::from_secs(MAX_AGE_DAYS * 86_400),
        );
    }
}

/// The entry's path.
fn path(dir: &Path, key: &Key) -> PathBuf {
    dir.join(format!("{}.pdf", key.0))
}

/// The intact PDF of `key`, renewing its use time; a damaged entry is removed.
fn read(dir: &Path, key: &Key) -> Option<Vec<u8>> {
    let path = path(dir, key);
    let bytes = std::fs::read(&path).ok()?;
    match check(&bytes) {
        Some(pdf) => {
            let pdf = pdf.to_vec();
            if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
            Some(pdf)
        }
        None => {
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

/// The PDF inside an entry, if its header's length and digest match it.
fn check(entry: &[u8]) -> Option<&[u8]> {
    let newline = entry.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&entry[..newline]).ok()?;
    let pdf = &entry[newline + 1..];
    let mut words = header.strip_prefix(MAGIC)?.split_whitespace();
    let (digest, len) = (words.next()?, words.next()?);
    let intact = words.next().is_none()
        && len.parse::<usize>().ok()? == pdf.len()
        && sha256_hex(pdf) == digest;
    intact.then_some(pdf)
}

/// Stores `pdf` under `key`: a temporary file in `dir`, renamed into place.
fn write(dir: &Path, key: &Key, pdf: &[u8]) -> Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .context("failed to create a temporary cache entry")?;
    writeln!(tmp, "{MAGIC} {} {}", sha256_hex(pdf), pdf.len())?;
    tmp.write_all(pdf)?;
    tmp.persist(path(dir, key))
        .map_err(|e| e.error)
        .context("failed to store a cache entry")?;
    Ok(())
}

/// Removes entries unused for `max_age`, then the least recently used until the
/// entries take at most `max_bytes`, sparing those used since `keep_since`; and
/// temporary files left by builds that died.
fn prune(dir: &Path, keep_since: SystemTime, max_bytes: u64, max_age: Duration) -> Result<()> {
    let now = SystemTime::now();
    let age = |t: SystemTime| now.duration_since(t).unwrap_or_default();
    // (use time, size, path), oldest first.
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(dir)?.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        let Ok(modified) = meta.modified() else {
            continue;
        };
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".tmp-") {
            if age(modified) > STALE_TEMP {
                let _ = std::fs::remove_file(e.path());
            }
        } else if meta.is_file() && name.ends_with(".pdf") {
            entries.push((modified, meta.len(), e.path()));
        }
    }
    entries.sort();
    let mut total: u64 = entries.iter().map(|e| e.1).sum();
    for (modified, size, path) in entries {
        let expired = age(modified) > max_age;
        if (expired || total > max_bytes)
            && modified < keep_since
            && std::fs::remove_file(&path).is_ok()
        {
            total -= size;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::of(&[s.as_bytes()])
    }

    #[test]
    fn keys_separate_their_parts() {
        assert_ne!(Key::of(&[b"ab", b"c"]), Key::of(&[b"a", b"bc"]));
        assert_eq!(Key::of(&[b"a"]), Key::of(&[b"a"]));
        assert_eq!(key("x").0.len(), 64);
    }

    #[test]
    fn entries_round_trip_and_damage_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let k = key("doc");
        assert_eq!(read(dir.path(), &k), None);
        write(dir.path(), &k, b"%PDF-1.7 body").unwrap();
        assert_eq!(read(dir.path(), &k).as_deref(), Some(&b"%PDF-1.7 body"[..]));
        let p = path(dir.path(), &k);
        let good = std::fs::read(&p).unwrap();
        // Truncated, one byte changed, no header: each is removed.
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        for bad in [&good[..good.len() - 3], &flipped[..], &b"%PDF-1.7 body"[..]] {
            std::fs::write(&p, bad).unwrap();
            assert_eq!(read(dir.path(), &k), None);
            assert!(!p.exists());
        }
    }

    #[test]
    fn a_cache_gives_back_what_was_put_and_nothing_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let keys = [key("a"), key("b"), key("c")];
        let cache = Cache::open(dir.path(), &keys).unwrap();
        assert_eq!(cache.get(0), None);
        for i in 0..3 {
            cache.put(i, &[i as u8]);
        }
        // Beyond the keys: nothing, and no panic.
        cache.put(7, b"x");
        assert_eq!(cache.get(7), None);
        std::fs::write(path(dir.path(), &keys[1]), "damaged").unwrap();
        assert_eq!(cache.get(0), Some(vec![0]));
        assert_eq!(cache.get(1), None);
        assert_eq!(cache.get(2), Some(vec![2]));
        cache.close();
        assert!(path(dir.path(), &keys[0]).exists());
    }

    #[test]
    fn pruning_drops_the_least_recently_used_and_spares_this_build() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let day = Duration::from_secs(86_400);
        let now = SystemTime::now();
        let set = |k: &Key, t: SystemTime| {
            let f = std::fs::File::options()
                .append(true)
                .open(path(d, k))
                .unwrap();
            f.set_modified(t).unwrap();
        };
        let (old, older, ancient, fresh) = (key("old"), key("older"), key("ancient"), key("new"));
        for (k, t) in [
            (&old, now - 2 * day),
            (&older, now - 3 * day),
            (&ancient, now - 40 * day),
            (&fresh, now),
        ] {
            write(d, k, &[0u8; 1000]).unwrap();
            set(k, t);
        }
        let tmp = d.join(".tmp-left-behind");
        std::fs::write(&tmp, "x").unwrap();
        let f = std::fs::File::options().append(true).open(&tmp).unwrap();
        f.set_modified(now - day).unwrap();
        // Room for two entries of ~1,090 bytes: the ancient one goes for its age, `older` for
        // the size; the one this build used stays.
        prune(d, now - Duration::from_secs(60), 2300, 30 * day).unwrap();
        assert!(!path(d, &ancient).exists());
        assert!(!path(d, &older).exists());
        assert!(path(d, &old).exists());
        assert!(path(d, &fresh).exists());
        assert!(!tmp.exists());
        // A bound below this build's own entries keeps them all the same.
        prune(d, now - Duration::from_secs(60), 0, 30 * day).unwrap();
        assert!(path(d, &fresh).exists());
        assert!(!path(d, &old).exists());
    }
}
