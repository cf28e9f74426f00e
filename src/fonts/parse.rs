//! Reading one font file: its faces, each face's family name as typst gives
//! it, and the code points it has a glyph for.
//!
//! Shared by two places, so it depends on nothing but `ttf-parser` and std:
//! `crate::fonts` includes it as a module for fonts found at run time, and
//! `build.rs` includes it by path to compute, at build time, the coverage table
//! of typst's embedded fonts (so the binary need not carry the fonts).

/// The highest Unicode code point.
pub const MAX_CODE_POINT: u32 = 0x10FFFF;

/// One face of a font file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedFace {
    /// The family name as typst knows it.
    pub family: String,
    /// The face's index in its file (non-zero only in font collections).
    pub index: u32,
    /// The code points it has a glyph for: sorted, disjoint, non-adjacent
    /// inclusive ranges (see [`normalise`]).
    pub ranges: Vec<(u32, u32)>,
}

/// Every face of one font file, or why it is not a font typst can use.
///
/// Malformed data can trip ttf-parser's debug assertions; callers that must
/// survive hostile files wrap this in `catch_unwind`.
pub fn faces(data: &[u8]) -> Result<Vec<ParsedFace>, String> {
    let (count, collection) = match ttf_parser::fonts_in_collection(data) {
        Some(0) => return Err("a font collection with no fonts in it".into()),
        // The header is 12 bytes, then a 4-byte offset per font.
        Some(n) if u64::from(n) * 4 + 12 > data.len() as u64 => {
            return Err(format!("a font collection of {n} fonts cut short"));
        }
        Some(n) => (n, true),
        None => (1, false),
    };
    let mut faces = Vec::new();
    for index in 0..count {
        let face = ttf_parser::Face::parse(data, index).map_err(|e| {
            if collection {
                format!("font {index} of the collection: {e}")
            } else {
                e.to_string()
            }
        })?;
        // typst skips a font without a family name, so its glyphs never
        // reach a PDF.
        let family = family_name(&face).ok_or("it has no family name (name ID 1)")?;
        // macOS's LastResort font maps every code point to a box.
        let ranges = if family == "LastResort" {
            Vec::new()
        } else {
            face_coverage(&face)
        };
        faces.push(ParsedFace {
            family,
            index,
            ranges,
        });
    }
    Ok(faces)
}

/// Normalises any list of inclusive ranges: sorted, disjoint, non-adjacent.
pub fn normalise(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.retain(|&(start, end)| start <= end);
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match merged.last_mut() {
            Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged.shrink_to_fit();
    merged
}

/// The code points `face` maps to a real glyph (not `.notdef`, not past the
/// last glyph) in its Unicode cmap subtables.
fn face_coverage(face: &ttf_parser::Face) -> Vec<(u32, u32)> {
    use ttf_parser::cmap::Format;

    let glyphs = u32::from(face.number_of_glyphs());
    let Some(cmap) = face.tables().cmap else {
        return Vec::new();
    };
    let raw = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"cmap"))
        .unwrap_or_default();
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for i in 0..cmap.subtables.len() {
        let Some(subtable) = cmap.subtables.get(i) else {
            continue;
        };
        if !subtable.is_unicode() {
            continue;
        }
        match subtable.format {
            // ttf-parser would call back once per code point of each group,
            // and a group may span 2^32 of them; read the groups instead.
            Format::SegmentedCoverage(_) => {
                group_ranges(raw, i, glyphs, false, &mut ranges);
            }
            Format::ManyToOneRangeMappings(_) => {
                group_ranges(raw, i, glyphs, true, &mut ranges);
            }
            _ => subtable.codepoints(|cp| {
                let glyph = subtable.glyph_index(cp).map_or(0, |g| u32::from(g.0));
                if cp <= MAX_CODE_POINT && glyph != 0 && glyph < glyphs {
                    match ranges.last_mut() {
                        Some(last) if last.1.checked_add(1) == Some(cp) => last.1 = cp,
                        _ => ranges.push((cp, cp)),
                    }
                }
            }),
        }
    }
    normalise(ranges)
}

/// Appends the covered ranges of a format 12 (`many_to_one` false) or 13
/// (true) cmap subtable, the `record`th of the raw `cmap` table, to `out`.
pub(crate) fn group_ranges(
    cmap: &[u8],
    record: u16,
    glyphs: u32,
    many_to_one: bool,
    out: &mut Vec<(u32, u32)>,
) {
    let read = |data: &[u8], at: usize| -> Option<u32> {
        let bytes = data.get(at..at.checked_add(4)?)?;
        Some(u32::from_be_bytes(bytes.try_into().ok()?))
    };
    let Some(offset) = read(cmap, 4 + 8 * usize::from(record) + 4) else {
        return;
    };
    let Some(table) = usize::try_from(offset).ok().and_then(|o| cmap.get(o..)) else {
        return;
    };
    let Some(count) = read(table, 12) else {
        return;
    };
    let glyphs = u64::from(glyphs);
    // Bounded by the data as well as by the count, however large the count.
    for group in table
        .get(16..)
        .unwrap_or_default()
        .chunks_exact(12)
        .take(count as usize)
    {
        let (Some(start), Some(end), Some(glyph)) =
            (read(group, 0), read(group, 4), read(group, 8))
        else {
            break;
        };
        if start > end || start > MAX_CODE_POINT || u64::from(glyph) >= glyphs {
            continue;
        }
        let (start, end, glyph) = (
            u64::from(start),
            u64::from(end.min(MAX_CODE_POINT)),
            u64::from(glyph),
        );
        let (low, high) = if many_to_one {
            // Every code point maps to the same glyph.
            if glyph == 0 {
                continue;
            }
            (start, end)
        } else {
            // Code points map to consecutive glyphs from `glyph`.
            let low = if glyph == 0 { start + 1 } else { start };
            (low, end.min(start + (glyphs - 1 - glyph)))
        };
        if low <= high {
            // Both are at most MAX_CODE_POINT, so they fit.
            out.push((low as u32, high as u32));
        }
    }
}

/// The family name typst gives `face`: typst's exception for its PostScript
/// name, else name ID 1 with style suffixes trimmed.
fn family_name(face: &ttf_parser::Face) -> Option<String> {
    use ttf_parser::name_id;

    if let Some(ps_name) = find_name(face, name_id::POST_SCRIPT_NAME) {
        let exception = TYPST_FAMILY_EXCEPTIONS
            .iter()
            .find(|(_, ps_names)| ps_names.split(' ').any(|n| n == ps_name));
        if let Some((family, _)) = exception {
            return Some((*family).to_string());
        }
    }
    let family = find_name(face, name_id::FAMILY)?;
    Some(typographic_family(&family).to_string())
}

/// The first decodable name record with `id`, as typst looks it up.
fn find_name(face: &ttf_parser::Face, id: u16) -> Option<String> {
    face.names().into_iter().find_map(|name| {
        if name.name_id != id {
            return None;
        }
        if let Some(text) = name.to_string() {
            return Some(text);
        }
        // Mac Roman, as old Mac fonts have it; typst decodes its upper half
        // too, here it becomes U+FFFD (only the manifest's name would differ).
        (name.platform_id == ttf_parser::PlatformId::Macintosh && name.encoding_id == 0).then(
            || {
                name.name
                    .iter()
                    .map(|&b| {
                        if b.is_ascii() {
                            char::from(b)
                        } else {
                            '\u{FFFD}'
                        }
                    })
                    .collect()
            },
        )
    })
}

/// Trims style words from a family name ("Noto Sans Light" → "Noto Sans"),
/// as typst does: ported from typst-library 0.15.1's `typographic_family`
/// (Apache-2.0), so names here match `typst fonts`.
pub(crate) fn typographic_family(family: &str) -> &str {
    const SEPARATORS: [char; 3] = [' ', '-', '_'];
    const MODIFIERS: &[&str] = &[
        "extra", "ext", "ex", "x", "semi", "sem", "sm", "demi", "dem", "ultra",
    ];
    #[rustfmt::skip]
    const SUFFIXES: &[&str] = &[
        "normal", "italic", "oblique", "slanted",
        "thin", "th", "hairline", "light", "lt", "regular", "medium", "med",
        "md", "bold", "bd", "demi", "extb", "black", "blk", "bk", "heavy",
        "narrow", "condensed", "cond", "cn", "cd", "compressed", "expanded", "exp",
        "vf", "var", "variable",
    ];

    let family = family.trim().trim_start_matches('.');
    let lower = family.to_ascii_lowercase();
    let mut len = usize::MAX;
    let mut trimmed = lower.as_str();
    while trimmed.len() < len {
        len = trimmed.len();
        let mut t = trimmed;
        let mut shortened = false;
        while let Some(s) = SUFFIXES.iter().find_map(|s| t.strip_suffix(s)) {
            shortened = true;
            t = s;
        }
        if !shortened {
            break;
        }
        if let Some(s) = t.strip_suffix(SEPARATORS) {
            trimmed = s;
            t = s;
        }
        // A modifier counts only when a separator precedes it.
        if let Some(stripped) = MODIFIERS
            .iter()
            .find_map(|s| t.strip_suffix(s))
            .and_then(|t| t.strip_suffix(SEPARATORS))
        {
            trimmed = stripped;
        }
    }
    // ASCII lowercasing keeps byte offsets, so `len` is a boundary in `family`.
    family.get(..len).unwrap_or(family)
}

/// Family names typst 0.15.1 sets by PostScript name, overriding name ID 1
/// (its `exceptions.rs`): space-separated PostScript names per family.
const TYPST_FAMILY_EXCEPTIONS: &[(&str, &str)] = &[
    (
        "Archivo Narrow",
        "ArchivoNarrow-Regular ArchivoNarrow-Italic ArchivoNarrow-Bold \
         ArchivoNarrow-BoldItalic",
    ),
    ("Noto Naskh Arabic UI", "NotoNaskhArabicUISemi-Bold"),
    ("Noto Sans Sora Sompeng", "NotoSansSoraSompengSemi-Bold"),
    (
        "Noto Sans Display",
        "NotoSans-DisplayBlackItalic NotoSans-DisplayCondensedBlackItalic \
         NotoSans-DisplayCondensedBold NotoSans-DisplayCondensedBoldItalic \
         NotoSans-DisplayCondensedExtraBoldItalic \
         NotoSans-DisplayCondensedExtraLightItalic \
         NotoSans-DisplayCondensedItalic NotoSans-DisplayCondensedLightItalic \
         NotoSans-DisplayCondensedMediumItalic \
         NotoSans-DisplayCondensedSemiBoldItalic \
         NotoSans-DisplayCondensedThinItalic NotoSans-DisplayExtraBoldItalic \
         NotoSans-DisplayExtraCondensedBlackItalic \
         NotoSans-DisplayExtraCondensedBold \
         NotoSans-DisplayExtraCondensedBoldItalic \
         NotoSans-DisplayExtraCondensedExtraBoldItalic \
         NotoSans-DisplayExtraCondensedExtraLightItalic \
         NotoSans-DisplayExtraCondensedItalic \
         NotoSans-DisplayExtraCondensedLightItalic \
         NotoSans-DisplayExtraCondensedMediumItalic \
         NotoSans-DisplayExtraCondensedSemiBoldItalic \
         NotoSans-DisplayExtraCondensedThinItalic \
         NotoSans-DisplayExtraLightItalic NotoSans-DisplayLightItalic \
         NotoSans-DisplayMediumItalic NotoSans-DisplaySemiBoldItalic \
         NotoSans-DisplaySemiCondensedBlackItalic \
         NotoSans-DisplaySemiCondensedBold \
         NotoSans-DisplaySemiCondensedBoldItalic \
         NotoSans-DisplaySemiCondensedExtraBoldItalic \
         NotoSans-DisplaySemiCondensedExtraLightItalic \
         NotoSans-DisplaySemiCondensedItalic \
         NotoSans-DisplaySemiCondensedLightItalic \
         NotoSans-DisplaySemiCondensedMediumItalic \
         NotoSans-DisplaySemiCondensedSemiBoldItalic \
         NotoSans-DisplaySemiCondensedThinItalic NotoSans-DisplayThinItalic",
    ),
    (
        "Noto Serif Display",
        "NotoSerif-DisplayCondensedBold NotoSerif-DisplayExtraCondensedBold \
         NotoSerif-DisplaySemiCondensedBold",
    ),
    (
        "New Computer Modern 08",
        "NewCM08-Book NewCM08-BookItalic NewCM08-Italic NewCM08-Regular",
    ),
    (
        "New Computer Modern",
        "NewCM10-Bold NewCM10-BoldItalic NewCM10-Book NewCM10-BookItalic \
         NewCM10-Italic NewCM10-Regular",
    ),
    (
        "New Computer Modern Math",
        "NewCMMath-Bold NewCMMath-Book NewCMMath-Regular",
    ),
    (
        "New Computer Modern Mono",
        "NewCMMono10-Bold NewCMMono10-BoldOblique NewCMMono10-Book \
         NewCMMono10-BookItalic NewCMMono10-Italic NewCMMono10-Regular",
    ),
    (
        "New Computer Modern Sans 08",
        "NewCMSans08-Book NewCMSans08-BookOblique NewCMSans08-Oblique \
         NewCMSans08-Regular",
    ),
    (
        "New Computer Modern Sans",
        "NewCMSans10-Bold NewCMSans10-BoldOblique NewCMSans10-Book \
         NewCMSans10-BookOblique NewCMSans10-Oblique NewCMSans10-Regular",
    ),
    ("New Computer Modern Sans Math", "NewCMSansMath-Regular"),
    (
        "New Computer Modern Uncial 08",
        "NewCMUncial08-Bold NewCMUncial08-Book NewCMUncial08-Regular",
    ),
    (
        "New Computer Modern Uncial",
        "NewCMUncial10-Bold NewCMUncial10-Book NewCMUncial10-Regular",
    ),
    ("Latin Modern Mono 8", "LMMono8-Regular"),
    ("Latin Modern Mono 9", "LMMono9-Regular"),
    ("Latin Modern Mono 12", "LMMono12-Regular"),
    ("Latin Modern Roman 5", "LMRoman5-Regular LMRoman5-Bold"),
    ("Latin Modern Roman 6", "LMRoman6-Regular LMRoman6-Bold"),
    (
        "Latin Modern Roman 7",
        "LMRoman7-Regular LMRoman7-Italic LMRoman7-Bold",
    ),
    (
        "Latin Modern Roman 8",
        "LMRoman8-Regular LMRoman8-Italic LMRoman8-Bold LMRomanSlant8-Regular",
    ),
    (
        "Latin Modern Roman 9",
        "LMRoman9-Regular LMRoman9-Italic LMRoman9-Bold LMRomanSlant9-Regular",
    ),
    (
        "Latin Modern Roman 12",
        "LMRoman12-Regular LMRoman12-Italic LMRoman12-Bold LMRomanSlant12-Regular",
    ),
    (
        "Latin Modern Roman 17",
        "LMRoman17-Regular LMRomanSlant17-Regular",
    ),
    ("Latin Modern Sans 8", "LMSans8-Regular LMSans8-Oblique"),
    ("Latin Modern Sans 9", "LMSans9-Regular LMSans9-Oblique"),
    ("Latin Modern Sans 12", "LMSans12-Regular LMSans12-Oblique"),
    ("Latin Modern Sans 17", "LMSans17-Regular LMSans17-Oblique"),
    ("SimSun-ExtB", "SimSun-ExtB"),
];
