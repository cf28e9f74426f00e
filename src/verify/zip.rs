//! The zip reader of `rolecall verify`: a bundle zip as the strictest reader sees it.
//!
//! Part of the verify stage ([`super`]). Unzip programs disagree on what a zip
//! holds: most read the central directory at its end, streaming readers (Java's
//! `ZipInputStream`) read the local headers from its start, and each has its
//! own answer for data between entries. [`read_zip_bundle`] therefore reads
//! both and reports every way in which they could differ, before any content
//! is checked ([`walk`]):
//! - the end record is the last thing in the file (no data after it, no
//!   archive comment) and the central directory ends where it begins;
//! - every byte before the central directory belongs to exactly one entry that
//!   the central directory lists (no data before the first entry, none between
//!   entries, no local entry it does not list, no entries overlapping);
//! - each entry's local header agrees with its central header: name, method,
//!   flags, CRC-32 and sizes (those of its data descriptor, when it has one);
//! - no name is given twice, and no name is both a file and a directory.
//!
//! ZIP64 archives are reported rather than read: rolecall never writes one, and
//! a bundle needing one would be larger than verify reads. Every read is
//! bounded: headers only, each byte of the file read at most once, at most
//! [`MAX_ENTRIES`] entries; entry contents are then read by the zip crate
//! within the limits of [`Found::add`].

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::{Found, Kind, MAX_ENTRIES, Problem, bundle_folder, unsafe_path};
use crate::error::{Error, Result};

/// What the central directory says about one zip entry.
struct EntryInfo {
    name: String,
    mode: Option<u32>,
    encrypted: bool,
    size: u64,
}

/// Reads a bundle zip entry by entry into memory; nothing is extracted.
pub(super) fn read_zip_bundle(path: &Path) -> Result<Found> {
    let shown = path.display().to_string();
    let open = || {
        std::fs::File::open(path).map_err(|e| {
            Error::usage(format!("cannot read `{shown}` ({e})"))
                .hint("pass an evidence bundle: its directory or its .zip")
        })
    };
    let mut magic = [0u8; 4];
    let looks_like_zip = open()?
        .read_exact(&mut magic)
        .is_ok_and(|()| &magic[..2] == b"PK");
    let mut archive = match zip::ZipArchive::new(BufReader::new(open()?)) {
        Ok(a) => a,
        Err(e) if looks_like_zip => {
            let mut found = Found::default();
            found.problems.push(Problem::new(
                shown.as_str(),
                Kind::Unreadable,
                format!("the zip is damaged and cannot be read ({e})"),
            ));
            return Ok(found);
        }
        Err(e) => {
            return Err(Error::usage(format!(
                "`{shown}` is neither a directory nor a zip archive ({e})"
            ))
            .hint("pass an evidence bundle: its directory or its .zip"));
        }
    };

    let mut found = Found::default();
    // The zip's layout, read by hand: every name the central directory holds
    // (the zip crate keeps one entry per name), and every byte accounted for.
    let mut reader = BufReader::new(open()?);
    match walk(&mut reader, &shown) {
        Ok(layout) => {
            found.problems.extend(layout.problems);
            let raw = layout.names;
            let mut seen: BTreeMap<&[u8], usize> = BTreeMap::new();
            for name in &raw {
                *seen.entry(name.as_slice()).or_default() += 1;
            }
            let mut dup = false;
            for (name, n) in &seen {
                if *n > 1 {
                    dup = true;
                    found.problems.push(Problem::new(
                        String::from_utf8_lossy(name),
                        Kind::Tampering,
                        format!(
                            "{n} zip entries have this name (an unpacker keeps one of them, unseen)"
                        ),
                    ));
                }
            }
            if !dup && raw.len() != archive.len() {
                found.problems.push(Problem::new(
                    shown.as_str(),
                    Kind::Tampering,
                    format!(
                        "the zip's central directory lists {} entries, but {} distinct names",
                        raw.len(),
                        archive.len()
                    ),
                ));
            }
            found.problems.extend(file_and_directory(&seen));
        }
        Err(e) => found.problems.push(Problem::new(
            shown.as_str(),
            Kind::Unreadable,
            format!("the zip's layout cannot be read ({e})"),
        )),
    }

    // First pass: metadata only, to judge every name before reading anything.
    let mut infos = Vec::new();
    for i in 0..archive.len() {
        if !found.count_entry(&shown) {
            break;
        }
        let info = archive
            .by_index_raw(i)
            .map(|e| EntryInfo {
                name: e.name().to_string(),
                mode: e.unix_mode(),
                encrypted: e.encrypted(),
                size: e.size(),
            })
            .map_err(|e| e.to_string());
        match info {
            Ok(info) => infos.push(Some(info)),
            Err(e) => {
                let name = archive.name_for_index(i).unwrap_or("?").to_string();
                found.problems.push(Problem::new(
                    name,
                    Kind::Unreadable,
                    format!("zip entry cannot be read ({e})"),
                ));
                infos.push(None);
            }
        }
    }
    let mut files = Vec::new();
    for (i, info) in infos.iter().enumerate() {
        let Some(info) = info else { continue };
        if let Some(why) = unsafe_path(&info.name) {
            found
                .problems
                .push(Problem::new(info.name.as_str(), Kind::Tampering, why));
            continue;
        }
        let file_type = info.mode.map_or(0, |m| m & 0o170_000);
        match file_type {
            0o120_000 => {
                found.problems.push(Problem::new(
                    info.name.as_str(),
                    Kind::Tampering,
                    "symbolic link (not followed; a bundle holds only regular files)",
                ));
                continue;
            }
            0 | 0o100_000 | 0o040_000 => {}
            _ => {
                found.problems.push(Problem::new(
                    info.name.as_str(),
                    Kind::Tampering,
                    "not a regular file (a device, socket or pipe)",
                ));
                continue;
            }
        }
        if info.name.ends_with('/') || file_type == 0o040_000 {
            continue; // a directory entry holds nothing to check
        }
        files.push((i, info));
    }

    let names: BTreeSet<&str> = files.iter().map(|(_, f)| f.name.as_str()).collect();
    let Some(prefix) = bundle_folder(&names) else {
        // No bundle here: `verify` says so, or reports the tampering found.
        return Ok(found);
    };
    for (i, info) in files {
        let Some(rel) = info.name.strip_prefix(&prefix) else {
            found.problems.push(Problem::new(
                info.name.as_str(),
                Kind::Unexpected,
                format!("outside the bundle folder `{prefix}`"),
            ));
            continue;
        };
        if info.encrypted {
            found.not_read(
                rel.to_string(),
                Kind::Unreadable,
                "encrypted zip entry; cannot be checked".into(),
            );
            continue;
        }
        match archive.by_index(i) {
            Ok(mut entry) => found.add(rel.to_string(), info.size, &mut entry),
            Err(e) => found.not_read(
                rel.to_string(),
                Kind::Unreadable,
                format!("zip entry cannot be read ({e})"),
            ),
        }
    }
    Ok(found)
}

/// What [`walk`] found: every central directory name, in order, and the problems.
struct Layout {
    names: Vec<Vec<u8>>,
    problems: Vec<Problem>,
}

/// The end of central directory record.
struct End {
    /// Where it starts.
    at: u64,
    entries: u64,
    cd_size: u64,
    cd_offset: u64,
    comment: u64,
}

/// A central directory or local header, as far as the walk compares them.
struct Header {
    name: Vec<u8>,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    /// Central: where the entry's local header starts. Local: where its data starts.
    at: u64,
}

/// General purpose flag: sizes and CRC follow the data in a data descriptor.
const DATA_DESCRIPTOR: u16 = 1 << 3;
/// The longest end record: 22 bytes and a 65,535-byte comment.
const MAX_END: u64 = 22 + 0xFFFF;
/// Most unlisted local entries named one by one in one stretch of the zip.
const MAX_UNLISTED: usize = 100;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// A name from the zip for a problem's path: lossy UTF-8 (control characters
/// are escaped when the report is printed).
fn shown_name(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// Reads the zip's structure: end record, central directory, local headers.
fn walk<R: Read + Seek>(r: &mut R, shown: &str) -> std::io::Result<Layout> {
    let mut problems = Vec::new();
    let len = r.seek(SeekFrom::End(0))?;
    let mut tamper = |path: &str, message: String| {
        problems.push(Problem::new(path, Kind::Tampering, message));
    };
    let Some(end) = find_end(r, len)? else {
        tamper(
            shown,
            "the zip has no end of central directory record".into(),
        );
        return Ok(Layout {
            names: Vec::new(),
            problems,
        });
    };
    let end_of_record = end.at + 22 + end.comment;
    if end_of_record < len {
        tamper(
            shown,
            format!(
                "{} bytes follow the end of the zip (data that no entry holds)",
                len - end_of_record
            ),
        );
    }
    if end.comment > 0 {
        tamper(
            shown,
            format!(
                "the zip has a comment of {} bytes (rolecall writes none; unzip shows it, verify cannot check it)",
                end.comment
            ),
        );
    }
    let zip64 = end.entries == 0xFFFF || end.cd_size == 0xFFFF_FFFF || end.cd_offset == 0xFFFF_FFFF;
    if zip64 {
        problems.push(Problem::new(
            shown,
            Kind::Unreadable,
            "a ZIP64 archive, which verify does not read (rolecall never writes one)",
        ));
        return Ok(Layout {
            names: Vec::new(),
            problems,
        });
    }
    if end.cd_offset + end.cd_size != end.at {
        problems.push(Problem::new(
            shown,
            Kind::Tampering,
            format!(
                "the end record places the central directory at bytes {}..{}, but the record itself starts at byte {} (data inserted or prepended)",
                end.cd_offset,
                end.cd_offset + end.cd_size,
                end.at
            ),
        ));
        return Ok(Layout {
            names: Vec::new(),
            problems,
        });
    }
    let centrals = read_central(r, &end, shown, &mut problems)?;
    let names = centrals.iter().map(|c| c.name.clone()).collect();
    if centrals.len() >= MAX_ENTRIES {
        // Too many entries to check: that is reported, and the zip fails anyway.
        return Ok(Layout { names, problems });
    }

    // Every byte before the central directory, in order of the local headers.
    let mut order: Vec<&Header> = centrals.iter().collect();
    order.sort_by_key(|c| c.at);
    let mut cursor = 0u64;
    for c in order {
        let name = shown_name(&c.name);
        if c.at < cursor {
            problems.push(Problem::new(
                name,
                Kind::Tampering,
                "its local entry overlaps the entry before it (one set of bytes read as two files)",
            ));
            continue;
        }
        if c.at > cursor {
            gap(r, cursor, c.at, shown, &mut problems)?;
        }
        match local_entry(r, c, end.cd_offset)? {
            Ok(end_at) => cursor = end_at,
            Err(why) => {
                problems.push(Problem::new(name, Kind::Tampering, why));
                // Its extent is unknown: the rest up to the next entry is not judged.
                cursor = c.at + 1;
            }
        }
    }
    if cursor < end.cd_offset {
        gap(r, cursor, end.cd_offset, shown, &mut problems)?;
    }
    Ok(Layout { names, problems })
}

/// Finds the end record: the last `PK\x05\x06` in the file's final
/// [`MAX_END`] bytes whose comment ends at or before the file's end.
fn find_end<R: Read + Seek>(r: &mut R, len: u64) -> std::io::Result<Option<End>> {
    let tail_len = len.min(MAX_END);
    r.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    r.read_exact(&mut tail)?;
    let base = len - tail_len;
    let mut i = tail.len().saturating_sub(22) + 1;
    while i > 0 {
        i -= 1;
        if tail[i..].starts_with(b"PK\x05\x06") && i + 22 <= tail.len() {
            let b = &tail[i..i + 22];
            let comment = u64::from(u16_at(b, 20));
            if i as u64 + 22 + comment > tail.len() as u64 {
                continue; // a comment running past the end: not the record
            }
            if u16_at(b, 4) != 0 || u16_at(b, 6) != 0 || u16_at(b, 8) != u16_at(b, 10) {
                continue; // a multi-disk record, which no bundle has
            }
            return Ok(Some(End {
                at: base + i as u64,
                entries: u64::from(u16_at(b, 10)),
                cd_size: u64::from(u32_at(b, 12)),
                cd_offset: u64::from(u32_at(b, 16)),
                comment,
            }));
        }
    }
    Ok(None)
}

/// Reads the central directory the end record describes; a directory that
/// does not fill exactly its stated size is reported.
fn read_central<R: Read + Seek>(
    r: &mut R,
    end: &End,
    shown: &str,
    problems: &mut Vec<Problem>,
) -> std::io::Result<Vec<Header>> {
    r.seek(SeekFrom::Start(end.cd_offset))?;
    let mut limited = r.take(end.cd_size);
    let mut centrals = Vec::new();
    let mut header = [0u8; 46];
    let mut used = 0u64;
    while (centrals.len() as u64) < end.entries && centrals.len() < MAX_ENTRIES {
        if limited.read_exact(&mut header).is_err() || header[..4] != *b"PK\x01\x02" {
            problems.push(Problem::new(
                shown,
                Kind::Tampering,
                format!(
                    "the central directory holds {} entries where the end record says {}",
                    centrals.len(),
                    end.entries
                ),
            ));
            return Ok(centrals);
        }
        let (name_len, extra_len, comment_len) = (
            usize::from(u16_at(&header, 28)),
            u64::from(u16_at(&header, 30)),
            u64::from(u16_at(&header, 32)),
        );
        let mut name = vec![0u8; name_len];
        limited.read_exact(&mut name)?;
        let skip = extra_len + comment_len;
        if std::io::copy(&mut (&mut limited).take(skip), &mut std::io::sink())? != skip {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        used += 46 + name_len as u64 + skip;
        let compressed = u64::from(u32_at(&header, 20));
        let size = u64::from(u32_at(&header, 24));
        let offset = u64::from(u32_at(&header, 42));
        if [compressed, size, offset].contains(&0xFFFF_FFFF) {
            problems.push(Problem::new(
                shown_name(&name),
                Kind::Unreadable,
                "a ZIP64 entry, which verify does not read (rolecall never writes one)",
            ));
            continue;
        }
        centrals.push(Header {
            name,
            flags: u16_at(&header, 8),
            method: u16_at(&header, 10),
            crc: u32_at(&header, 16),
            compressed,
            size,
            at: offset,
        });
    }
    if used != end.cd_size && centrals.len() < MAX_ENTRIES {
        problems.push(Problem::new(
            shown,
            Kind::Tampering,
            format!(
                "the central directory's entries fill {used} bytes, but the end record gives it {}",
                end.cd_size
            ),
        ));
    }
    Ok(centrals)
}

/// Checks the local entry of `c` against it; `Ok(Ok(end))` is where the entry
/// (header, data and data descriptor) ends, `Ok(Err(why))` a disagreement.
fn local_entry<R: Read + Seek>(
    r: &mut R,
    c: &Header,
    limit: u64,
) -> std::io::Result<Result<u64, String>> {
    let Some(local) = read_local(r, c.at, limit)? else {
        return Ok(Err(format!(
            "the central directory points at byte {}, where no local entry starts",
            c.at
        )));
    };
    if local.name != c.name {
        return Ok(Err(format!(
            "its local header names it `{}` (what a streaming unzip such as Java's ZipInputStream extracts)",
            shown_name(&local.name)
        )));
    }
    if local.method != c.method || local.flags != c.flags {
        return Ok(Err(
            "its local header gives another compression method or flags than the central directory"
                .into(),
        ));
    }
    let data_end = local.at + c.compressed;
    let (crc, compressed, size, end) = if c.flags & DATA_DESCRIPTOR != 0 {
        // CRC-32 and sizes follow the data, with or without a signature.
        if data_end + 12 > limit {
            return Ok(Err(
                "its data descriptor runs into the central directory".into()
            ));
        }
        r.seek(SeekFrom::Start(data_end))?;
        let mut d = [0u8; 16];
        let n = (limit - data_end).min(16) as usize;
        r.read_exact(&mut d[..n])?;
        let (at, len) = if d.starts_with(b"PK\x07\x08") && n == 16 {
            (4, 16)
        } else {
            (0, 12)
        };
        (
            u32_at(&d, at),
            u64::from(u32_at(&d, at + 4)),
            u64::from(u32_at(&d, at + 8)),
            data_end + len,
        )
    } else {
        (local.crc, local.compressed, local.size, data_end)
    };
    if end > limit {
        return Ok(Err("its data runs into the central directory".into()));
    }
    if crc != c.crc || compressed != c.compressed || size != c.size {
        return Ok(Err(format!(
            "its local header says CRC-32 {crc:08x}, {compressed} bytes compressed, {size} bytes; the central directory says {:08x}, {}, {}",
            c.crc, c.compressed, c.size
        )));
    }
    Ok(Ok(end))
}

/// Reads the local header at `at`, if one starts there and ends before `limit`.
fn read_local<R: Read + Seek>(r: &mut R, at: u64, limit: u64) -> std::io::Result<Option<Header>> {
    if at + 30 > limit {
        return Ok(None);
    }
    r.seek(SeekFrom::Start(at))?;
    let mut h = [0u8; 30];
    r.read_exact(&mut h)?;
    if h[..4] != *b"PK\x03\x04" {
        return Ok(None);
    }
    let name_len = u64::from(u16_at(&h, 26));
    let extra_len = u64::from(u16_at(&h, 28));
    let data_start = at + 30 + name_len + extra_len;
    if data_start > limit {
        return Ok(None);
    }
    let mut name = vec![0u8; name_len as usize];
    r.read_exact(&mut name)?;
    Ok(Some(Header {
        name,
        flags: u16_at(&h, 6),
        method: u16_at(&h, 8),
        crc: u32_at(&h, 14),
        compressed: u64::from(u32_at(&h, 18)),
        size: u64::from(u32_at(&h, 22)),
        at: data_start,
    }))
}

/// Reports the bytes `from..to` that no listed entry holds: each local entry
/// found there by name (one the central directory does not list; the first
/// [`MAX_UNLISTED`]), the rest as bytes.
fn gap<R: Read + Seek>(
    r: &mut R,
    from: u64,
    to: u64,
    shown: &str,
    problems: &mut Vec<Problem>,
) -> std::io::Result<()> {
    let mut at = from;
    let mut named = 0;
    while at < to && named < MAX_UNLISTED {
        let Some(local) = read_local(r, at, to)? else {
            break;
        };
        let end = local.at + local.compressed;
        named += 1;
        problems.push(Problem::new(
            shown_name(&local.name),
            Kind::Tampering,
            format!(
                "a local zip entry at byte {at} that the central directory does not list (a streaming unzip extracts it, verify cannot check it)"
            ),
        ));
        if local.flags & DATA_DESCRIPTOR != 0 || end > to {
            return Ok(()); // its end is unknown: the rest of the gap is its
        }
        at = end;
    }
    if at < to {
        let n = to - at;
        let message = if at == 0 {
            format!("{n} bytes before the first zip entry that no entry holds")
        } else {
            format!("{n} bytes at byte {at} of the zip that no entry holds")
        };
        problems.push(Problem::new(shown, Kind::Tampering, message));
    }
    Ok(())
}

/// Names that are both a file and a directory: `policy.md` beside
/// `policy.md/`, or a file `a` beside `a/b.md`. An unpacker keeps one of the
/// two, or fails, or writes into the other.
fn file_and_directory(names: &BTreeMap<&[u8], usize>) -> Vec<Problem> {
    let files: BTreeSet<&[u8]> = names
        .keys()
        .filter(|n| !n.ends_with(b"/"))
        .copied()
        .collect();
    let mut clashing = BTreeSet::new();
    for name in names.keys() {
        for (i, b) in name.iter().enumerate() {
            if *b == b'/' && files.contains(&name[..i]) {
                clashing.insert(&name[..i]);
            }
        }
    }
    clashing
        .into_iter()
        .map(|f| {
            Problem::new(
                shown_name(f),
                Kind::Tampering,
                "a zip entry names this as a file and another as a directory (an unpacker keeps one of them)",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_a_file_and_a_directory_is_found() {
        let names: BTreeMap<&[u8], usize> = [
            &b"b/policy.md"[..],
            b"b/policy.md/",
            b"b/roles",
            b"b/roles/ceo.md",
            b"b/model/x.toml",
        ]
        .into_iter()
        .map(|n| (n, 1))
        .collect();
        let found: Vec<String> = file_and_directory(&names)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(found, ["b/policy.md", "b/roles"]);
    }
}
