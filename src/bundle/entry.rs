//! One zip entry of the bundle, compressed on its own while the build runs.
//!
//! [`super::Staging`] turns each file it stages into a one-entry zip in memory
//! with [`one_entry_zip`]; `zip_bytes` then copies the entries into the
//! bundle's zip as they are, through the zip crate. The entry is written here
//! rather than by the zip crate's writer so that its compressor is reused from
//! file to file ([`Deflaters`]): a new one allocates and clears about a third
//! of a megabyte, which for the ~2,300 files of a large bundle cost more page
//! faults than compressing them (docs/performance.md). The compressed bytes
//! and every field the zip crate reads back are those its writer gives, so the
//! bundle's zip is byte for byte what it was (tests below).

use flate2::{Compress, Compression, FlushCompress, Status};

use crate::error::{Error, Result};

/// Raw-deflate compressors, one per level, kept between the files one thread
/// stages.
#[derive(Default)]
pub struct Deflaters {
    by_level: Vec<(u32, Compress)>,
}

impl Deflaters {
    /// The compressor of `level`, reset.
    fn get(&mut self, level: u32) -> &mut Compress {
        let at = match self.by_level.iter().position(|(l, _)| *l == level) {
            Some(at) => {
                self.by_level[at].1.reset();
                at
            }
            None => {
                // Raw deflate, as a zip entry holds it (no zlib header).
                self.by_level
                    .push((level, Compress::new(Compression::new(level), false)));
                self.by_level.len() - 1
            }
        };
        &mut self.by_level[at].1
    }
}

/// The signature of a local file header.
const LOCAL_HEADER: u32 = 0x0403_4b50;
/// The signature of a central directory header.
const CENTRAL_HEADER: u32 = 0x0201_4b50;
/// The signature of the end of central directory record.
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// Version 2.0: deflate.
const VERSION_NEEDED: u16 = 20;
/// Made on Unix (3), so that readers take the mode from the external attributes.
const VERSION_MADE_BY: u16 = (3 << 8) | VERSION_NEEDED;
/// Compression method 8.
const DEFLATED: u16 = 8;
/// General purpose flag 11: the name is UTF-8.
const UTF8_NAME: u16 = 1 << 11;
/// A regular file (`S_IFREG`) with mode 0644.
const UNIX_MODE: u32 = 0o100_644;

/// A zip holding `bytes` alone, as `name`, deflated at `level`, dated `time`,
/// mode 0644.
pub fn one_entry_zip(
    name: &str,
    bytes: &[u8],
    level: u32,
    time: zip::DateTime,
    deflaters: &mut Deflaters,
) -> Result<Vec<u8>> {
    let data = deflate(deflaters.get(level), bytes)
        .map_err(|e| Error::new(format!("failed to compress `{name}` for the zip ({e})")))?;
    let too_large = || {
        Error::new(format!(
            "`{name}` is too large for the bundle's zip (4 GiB at most)"
        ))
    };
    let size = u32::try_from(bytes.len())
        .ok()
        .filter(|&s| s < u32::MAX)
        .ok_or_else(too_large)?;
    let compressed = u32::try_from(data.len())
        .ok()
        .filter(|&s| s < u32::MAX)
        .ok_or_else(too_large)?;
    let name_len = u16::try_from(name.len()).map_err(|_| {
        Error::new(format!(
            "the bundle path `{name}` is too long for a zip entry"
        ))
    })?;
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    let flags = if name.is_ascii() { 0 } else { UTF8_NAME };
    // The fields both headers share, from the version needed to the name's length.
    let mut common = Vec::with_capacity(24);
    for half in [
        VERSION_NEEDED,
        flags,
        DEFLATED,
        time.timepart(),
        time.datepart(),
    ] {
        common.extend_from_slice(&half.to_le_bytes());
    }
    for word in [crc.sum(), compressed, size] {
        common.extend_from_slice(&word.to_le_bytes());
    }
    common.extend_from_slice(&name_len.to_le_bytes());
    // No extra field.
    common.extend_from_slice(&0u16.to_le_bytes());

    let mut zip = Vec::with_capacity(data.len() + 2 * name.len() + 98);
    zip.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
    zip.extend_from_slice(&common);
    zip.extend_from_slice(name.as_bytes());
    zip.extend_from_slice(&data);
    let central = zip.len();
    let central_offset = u32::try_from(central).map_err(|_| too_large())?;
    zip.extend_from_slice(&CENTRAL_HEADER.to_le_bytes());
    zip.extend_from_slice(&VERSION_MADE_BY.to_le_bytes());
    zip.extend_from_slice(&common);
    // No comment; disk 0; no internal attributes.
    for half in [0u16, 0, 0] {
        zip.extend_from_slice(&half.to_le_bytes());
    }
    zip.extend_from_slice(&(UNIX_MODE << 16).to_le_bytes());
    // The local header's offset.
    zip.extend_from_slice(&0u32.to_le_bytes());
    zip.extend_from_slice(name.as_bytes());
    let central_size = u32::try_from(zip.len() - central).map_err(|_| too_large())?;
    zip.extend_from_slice(&END_OF_CENTRAL_DIRECTORY.to_le_bytes());
    // This disk and the central directory's: 0; one entry on it, one in all.
    for half in [0u16, 0, 1, 1] {
        zip.extend_from_slice(&half.to_le_bytes());
    }
    zip.extend_from_slice(&central_size.to_le_bytes());
    zip.extend_from_slice(&central_offset.to_le_bytes());
    // No comment.
    zip.extend_from_slice(&0u16.to_le_bytes());
    Ok(zip)
}

/// `bytes` raw-deflated by `c`: fed as a streaming writer feeds it (all the
/// input without flushing, then the end), so that the output is the one the
/// zip crate's writer produces.
fn deflate(c: &mut Compress, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() / 2 + 1024);
    let mut flush = FlushCompress::None;
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(32 * 1024));
        }
        let read = usize::try_from(c.total_in()).unwrap_or(bytes.len());
        let status = c
            .compress_vec(&bytes[read.min(bytes.len())..], &mut out, flush)
            .map_err(std::io::Error::other)?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        if usize::try_from(c.total_in()).is_ok_and(|n| n >= bytes.len()) {
            flush = FlushCompress::Finish;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// The one-entry zip the zip crate's writer makes, as staging made it before.
    fn by_the_zip_crate(name: &str, bytes: &[u8], level: u32, time: zip::DateTime) -> Vec<u8> {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(i64::from(level)))
            .last_modified_time(time)
            .unix_permissions(0o644);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
        zip.finish().unwrap().into_inner()
    }

    /// A zip of `entries` (one-entry zips) copied raw, as the bundle's zip is made.
    fn copied(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for one in entries {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(one.as_slice())).unwrap();
            zip.raw_copy_file(archive.by_index_raw(0).unwrap()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn entries_copy_into_the_zip_the_zip_crate_writes_byte_for_byte() {
        let time = zip::DateTime::from_date_and_time(2026, 11, 23, 0, 0, 0).unwrap();
        // Sizes around the compressors' buffers; text that compresses, bytes that do not.
        let mut noise = Vec::new();
        let mut x: u32 = 0x2545_f491;
        for _ in 0..300_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            noise.push(x as u8);
        }
        let text = "| R | A | C | I |\n".repeat(40_000);
        let files: Vec<(&str, &[u8], u32)> = vec![
            ("b/empty.md", b"", 6),
            ("b/roles/ceo.md", b"# CEO\n\nLeads.\n", 6),
            ("b/raci-matrix.md", text.as_bytes(), 6),
            ("b/policy.pdf", &noise, 1),
            (
                "b/roles/geschäftsführung.md",
                "Zuständig für Ö".as_bytes(),
                6,
            ),
            ("b/text-at-1.md", text.as_bytes(), 1),
            ("b/noise-at-6.bin", &noise[..70_000], 6),
        ];
        let mut deflaters = Deflaters::default();
        let ours: Vec<Vec<u8>> = files
            .iter()
            .map(|(n, b, l)| one_entry_zip(n, b, *l, time, &mut deflaters).unwrap())
            .collect();
        let theirs: Vec<Vec<u8>> = files
            .iter()
            .map(|(n, b, l)| by_the_zip_crate(n, b, *l, time))
            .collect();
        assert_eq!(copied(&ours), copied(&theirs));
        // And each reads back as its file.
        for ((name, bytes, _), one) in files.iter().zip(&ours) {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(one.as_slice())).unwrap();
            let mut entry = archive.by_index(0).unwrap();
            assert_eq!(entry.name(), *name);
            assert_eq!(entry.unix_mode(), Some(UNIX_MODE));
            let mut back = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut back).unwrap();
            assert_eq!(&back, bytes, "{name}");
        }
    }
}
