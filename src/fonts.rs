//! Font coverage: whether every character of the model's text has a glyph in
//! the fonts a typst run will see.
//!
//! Place in the pipeline: model → render (Tera templates → Markdown → Typst
//! sources) → **fonts** → `typst compile` → PDF. typst draws an empty box for
//! a character that none of its fonts has, with no warning and exit status 0;
//! on a signature sheet that is a defect nobody sees until the paper is
//! signed. So before typst runs, the build loads the fonts it hands typst
//! ([`FontSet::load`]: typst's embedded fonts, the model's `fonts/` folder,
//! `--font-path`), and [`missing`] lists every character of the model's text
//! that no face covers; [`diagnostics`] turns that list into RC080 findings
//! at the model file and line each text came from, so that the build can fail
//! naming the place, the character and how to add a font. [`FontSet::families_used`] feeds the
//! manifest's list of fonts.
//!
//! A character is covered when any face maps it to a real glyph in a Unicode
//! cmap subtable: typst falls back to any font that has the glyph, whatever
//! font list the template asks for. Whitespace and default-ignorable format
//! characters (ZWJ, ZWNJ, variation selectors, bidi controls, soft hyphen,
//! U+FEFF, tag characters, …) are covered without a glyph, because typst lays
//! them out invisibly. Control characters other than tab and line breaks never
//! are: typst draws them as a box (or a font's picture of the control), so
//! they are reported like a missing character, though no font fixes them and
//! the text has to lose them.
//!
//! A glyph for every character keeps boxes out, not poor typography: typst's
//! embedded New Computer Modern Math has Devanagari letters without the
//! conjuncts, and DejaVu Sans Mono has the basic Arabic letters (so Arabic
//! names pass with the embedded fonts alone, set in a monospace face).
//!
//! The set is right only if typst sees the same fonts: the run passes
//! `--ignore-system-fonts` (unless `--system-fonts`), `--font-path` with the
//! directories given here, `--ignore-embedded-fonts` exactly when `embedded`
//! is false, and removes `TYPST_FONT_PATHS` and `TYPST_IGNORE_EMBEDDED_FONTS`
//! from its environment, which typst reads too.
//!
//! Fonts are read the way typst 0.15 reads them: `.ttf`, `.otf`, `.ttc` and
//! `.otc` files (extension all lower or all upper case) found recursively,
//! family names from name ID 1 with style suffixes trimmed, plus typst's table
//! of exceptions, so the names here are the ones `typst fonts` prints.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diag::{Diagnostic, Location, SourceFile};
use crate::rules;

mod parse;

/// How many characters of a text [`Missing::context`] keeps around the
/// character.
pub const CONTEXT_CHARS: usize = 80;

/// The fonts a typst run will see.
#[derive(Clone, Debug)]
pub struct FontSet {
    faces: Vec<Face>,
    /// Every family with the union of its faces' coverage, sorted by name.
    families: Vec<(String, Coverage)>,
    /// The union of every face's coverage.
    all: Coverage,
    /// `all` restricted to the Basic Multilingual Plane, as a bitmap: model
    /// text can be megabytes, and almost all of it is in the BMP.
    bmp: BmpBits,
}

/// One face (one font of a file; a collection holds several).
#[derive(Clone, Debug)]
pub struct Face {
    family: String,
    path: Option<PathBuf>,
    index: u32,
    coverage: Coverage,
}

/// A character no font covers, with the text it occurs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    /// The character. A control character (`ch.is_control()`) is reported
    /// too: typst draws a box for it whatever the font, so the fix is to
    /// remove it from the model rather than to add a font.
    pub ch: char,
    /// The text the character occurs in (its first occurrence): the whole
    /// text when it has at most [`CONTEXT_CHARS`] characters, otherwise that
    /// many characters around the character, with `…` where text was cut.
    pub context: String,
}

impl FontSet {
    /// Embedded typst fonts (unless `embedded` is false) plus every `.ttf`,
    /// `.otf`, `.ttc` and `.otc` file found recursively in `dirs`.
    ///
    /// A directory that does not exist is skipped (the model's `fonts/`
    /// folder is optional). A path that exists but is not a directory, an
    /// unreadable directory or file, and a file that is not a font typst can
    /// use are an error naming the path. Symbolic links are followed; a file
    /// reached twice is read once.
    pub fn load(dirs: &[PathBuf], embedded: bool) -> Result<FontSet, String> {
        let mut faces = Vec::new();
        if embedded {
            faces.extend_from_slice(embedded_faces()?);
        }
        for file in &font_files(dirs)? {
            faces.extend(parse_font(&read_font(file)?, Some(file))?);
        }
        Ok(FontSet::from_faces(faces))
    }

    /// Builds the lookup tables for `faces`.
    fn from_faces(faces: Vec<Face>) -> FontSet {
        let mut names: Vec<&str> = faces.iter().map(|f| f.family.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let families: Vec<(String, Coverage)> = names
            .iter()
            .map(|&name| {
                let coverage = Coverage::union(
                    faces
                        .iter()
                        .filter(|f| f.family == name)
                        .map(|f| &f.coverage),
                );
                (name.to_string(), coverage)
            })
            .collect();
        let all = Coverage::union(families.iter().map(|(_, c)| c));
        let mut bmp = BmpBits::new();
        for &(start, end) in &all.ranges {
            for cp in start..=end.min(0xFFFF) {
                bmp.insert(cp);
            }
        }
        FontSet {
            faces,
            families,
            all,
            bmp,
        }
    }

    /// Whether any face covers `c`. Whitespace (except U+1680 OGHAM SPACE
    /// MARK, which is a visible mark) and default-ignorable format characters
    /// (ZWJ U+200D, ZWNJ, ZWSP, word joiner, variation selectors FE00–FE0F and
    /// E0100–E01EF, bidi marks and controls U+061C, U+200E/U+200F,
    /// U+202A–U+202E, U+2066–U+2069, soft hyphen, U+FEFF, tags, …) count as
    /// covered: typst lays them out without a glyph.
    ///
    /// A control character other than whitespace is never covered: typst
    /// draws it as a box, or as a font's picture of the control (New Computer
    /// Modern Math has one for U+007F), never as text.
    pub fn covers(&self, c: char) -> bool {
        if c.is_control() {
            return c.is_whitespace();
        }
        self.has_glyph(c) || needs_no_glyph(c)
    }

    /// Whether some face has a glyph for `c` (cmap only).
    fn has_glyph(&self, c: char) -> bool {
        let cp = u32::from(c);
        if cp <= 0xFFFF {
            self.bmp.contains(cp)
        } else {
            self.all.contains(cp)
        }
    }

    /// Family names of the faces that have a glyph for at least one
    /// character of `text`, sorted and deduplicated (for the bundle
    /// manifest's "fonts used" list). Characters that need no glyph
    /// (whitespace, format characters) do not count. As every face that
    /// covers a character is listed, text in basic Latin lists every Latin
    /// font; [`FontSet::families_chosen`] narrows the list to what typst
    /// picks.
    pub fn families_used(&self, text: &str) -> Vec<String> {
        let chars = glyph_chars(text);
        self.families
            .iter()
            .filter(|(_, coverage)| chars.iter().any(|&c| coverage.contains(u32::from(c))))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The families typst takes the glyphs of `text` from when the template
    /// sets `text(font: font_list)`, sorted and deduplicated: for each
    /// character, the first family of `font_list` (compared case-insensitively,
    /// as typst does) that has a glyph for it; failing that, every family that
    /// has one, because typst falls back to one of them by a likeness score
    /// this does not model.
    pub fn families_chosen(&self, text: &str, font_list: &[&str]) -> Vec<String> {
        let listed: Vec<&(String, Coverage)> = font_list
            .iter()
            .filter_map(|want| {
                self.families
                    .iter()
                    .find(|(name, _)| name.to_lowercase() == want.to_lowercase())
            })
            .collect();
        let mut chosen = BTreeSet::new();
        for c in glyph_chars(text) {
            let cp = u32::from(c);
            match listed.iter().find(|(_, coverage)| coverage.contains(cp)) {
                Some((name, _)) => {
                    chosen.insert(name.as_str());
                }
                None => chosen.extend(
                    self.families
                        .iter()
                        .filter(|(_, coverage)| coverage.contains(cp))
                        .map(|(name, _)| name.as_str()),
                ),
            }
        }
        chosen.into_iter().map(str::to_string).collect()
    }

    /// All families (sorted, deduplicated).
    pub fn families(&self) -> Vec<String> {
        self.families.iter().map(|(name, _)| name.clone()).collect()
    }

    /// Every face, embedded ones first, then files in path order.
    pub fn faces(&self) -> &[Face] {
        &self.faces
    }
}

impl Face {
    /// The family name as typst knows it: what `typst fonts` prints and a
    /// template writes in `text(font: …)`.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The font file, or `None` for a font embedded in typst.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Where the face comes from, for messages: the file path or `embedded`.
    pub fn source(&self) -> String {
        self.path
            .as_ref()
            .map_or_else(|| "embedded".to_string(), |p| p.display().to_string())
    }

    /// The face's index in its file (non-zero only in font collections).
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Whether this face has a glyph for `c` (its cmap only; see
    /// [`FontSet::covers`] for characters that need none).
    pub fn has_glyph(&self, c: char) -> bool {
        self.coverage.contains(u32::from(c))
    }
}

impl fmt::Display for Missing {
    /// The character for a message: `'张' (U+5F20)`, or only the code point
    /// for a character that would not print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cp = u32::from(self.ch);
        if self.ch.is_control() || needs_no_glyph(self.ch) {
            write!(f, "U+{cp:04X}")
        } else {
            write!(f, "'{}' (U+{cp:04X})", self.ch)
        }
    }
}

/// Checks `texts` (labelled strings, e.g. `("people[3].name", "张伟")`) and
/// returns every missing character, one entry per (label, character), in
/// input order.
pub fn missing(fonts: &FontSet, texts: &[(String, String)]) -> Vec<(String, Missing)> {
    let mut out = Vec::new();
    // Keyed by label too, so one label given twice still reports a character once.
    let mut reported: HashSet<(&str, char)> = HashSet::new();
    for (label, text) in texts {
        for (at, c) in text.char_indices() {
            if !fonts.covers(c) && reported.insert((label.as_str(), c)) {
                let context = context(text, at);
                out.push((label.clone(), Missing { ch: c, context }));
            }
        }
    }
    out
}

/// Most findings [`diagnostics`] makes: one text or line each, and after
/// these one that counts the rest (a model in a script no font covers would
/// otherwise give one finding per name).
const MAX_FINDINGS: usize = 20;

/// The coverage gaps of [`missing`] as RC080 findings, each at the model file
/// and line whose text has the characters (found with
/// `crate::diag::find_text`); characters on one line share a finding. A
/// character that no model file holds (it came from a template) is named
/// with the text it is in, without a place.
pub fn diagnostics(missing: &[(String, Missing)], sources: &[SourceFile]) -> Vec<Diagnostic> {
    let mut seen = BTreeSet::new();
    // (where, the characters there, the text they are in)
    let mut found: Vec<(Option<Location>, Vec<char>, &str)> = Vec::new();
    // Characters past the last finding: counted, not searched for (each
    // search reads the whole model).
    let mut rest = 0;
    for (_, m) in missing {
        if !seen.insert(m.ch) {
            continue;
        }
        if found.len() == MAX_FINDINGS {
            rest += 1;
            continue;
        }
        let at = crate::diag::find_text(sources, m.ch, &m.context);
        let line_of = |l: &Location| {
            let text = &sources[l.file].text;
            (l.file, text[..l.span.start].matches('\n').count())
        };
        let same = found.iter_mut().find(|(loc, _, context)| match (loc, &at) {
            (Some(a), Some(b)) => line_of(a) == line_of(b),
            (None, None) => *context == m.context,
            _ => false,
        });
        match same {
            Some((loc, chars, _)) => {
                chars.push(m.ch);
                if let (Some(loc), Some(b)) = (loc, &at) {
                    loc.span.start = loc.span.start.min(b.span.start);
                    loc.span.end = loc.span.end.max(b.span.end);
                }
            }
            None => found.push((at, vec![m.ch], &m.context)),
        }
    }
    let mut out = Vec::new();
    for (at, chars, context) in &found {
        let named: Vec<String> = chars
            .iter()
            .map(|c| format!("'{c}' (U+{:04X})", *c as u32))
            .collect();
        let controls = chars.iter().all(|c| c.is_control());
        let mut message = if controls {
            format!(
                "the text has control character{} {}, which no font can show",
                if chars.len() == 1 { "" } else { "s" },
                named.join(", ")
            )
        } else {
            format!(
                "no font has the character{} {}",
                if chars.len() == 1 { "" } else { "s" },
                named.join(", ")
            )
        };
        if at.is_none() {
            message.push_str(&format!(" (in \"{context}\", from a template)"));
        }
        let hint = if controls {
            "remove the control characters from the model's text"
        } else {
            "put a font that covers them (for example Noto Sans CJK for Chinese or Japanese) in the model's fonts/ folder, or pass --font-path DIR; or build Markdown only with --format md"
        };
        out.push(
            Diagnostic::new(&rules::MISSING_GLYPH, message)
                .at(at.clone())
                .hint(hint),
        );
    }
    if rest > 0 {
        out.push(
            Diagnostic::new(
                &rules::MISSING_GLYPH,
                format!(
                    "{rest} more character{} of the text {} no font",
                    if rest == 1 { "" } else { "s" },
                    if rest == 1 { "has" } else { "have" }
                ),
            )
            .hint("add a font for the script of the texts above; it likely covers these too"),
        );
    }
    out
}

/// `text` cut to [`CONTEXT_CHARS`] characters around the character at byte
/// offset `at`, with `…` where it was cut.
fn context(text: &str, at: usize) -> String {
    let (Some(head), Some(tail)) = (text.get(..at), text.get(at..)) else {
        return text.chars().take(CONTEXT_CHARS).collect();
    };
    // Walks only as far as it keeps, so a megabyte text costs no more than a
    // short one.
    let half = CONTEXT_CHARS / 2;
    let before = head.char_indices().rev().take(half);
    let (mut start, mut taken) = (at, 0);
    for (i, _) in before {
        start = i;
        taken += 1;
    }
    let mut end = at;
    for (i, c) in tail.char_indices().take(CONTEXT_CHARS - taken) {
        end = at + i + c.len_utf8();
        taken += 1;
    }
    // Near the end of the text: spend what is left of the budget before it.
    if let Some(rest) = text.get(..start) {
        for (i, _) in rest.char_indices().rev().take(CONTEXT_CHARS - taken) {
            start = i;
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(text.get(start..end).unwrap_or_default());
    if end < text.len() {
        out.push('…');
    }
    out
}

/// Whether typst lays `c` out without a glyph, so no font needs to have one.
fn needs_no_glyph(c: char) -> bool {
    // U+1680 is White_Space in Unicode but a visible stroke in Ogham.
    (c.is_whitespace() && c != '\u{1680}') || is_default_ignorable(c)
}

/// Unicode's Default_Ignorable_Code_Point property (Unicode 16): characters
/// that shaping makes invisible when the font has no glyph for them. Checked
/// against typst 0.15.1, which draws none of them as a box.
fn is_default_ignorable(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x00AD, 0x00AD),
        (0x034F, 0x034F),
        (0x061C, 0x061C),
        (0x115F, 0x1160),
        (0x17B4, 0x17B5),
        (0x180B, 0x180F),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x206F),
        (0x3164, 0x3164),
        (0xFE00, 0xFE0F),
        (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0),
        (0xFFF0, 0xFFF8),
        (0x1BCA0, 0x1BCA3),
        (0x1D173, 0x1D17A),
        (0xE0000, 0xE0FFF),
    ];
    let cp = u32::from(c);
    RANGES
        .iter()
        .any(|&(start, end)| (start..=end).contains(&cp))
}

/// The distinct characters of `text` that take a glyph from a font, in code
/// point order.
fn glyph_chars(text: &str) -> Vec<char> {
    let mut bmp = BmpBits::new();
    let mut astral = BTreeSet::new();
    for c in text
        .chars()
        .filter(|&c| !needs_no_glyph(c) && !c.is_control())
    {
        let cp = u32::from(c);
        if cp <= 0xFFFF {
            bmp.insert(cp);
        } else {
            astral.insert(c);
        }
    }
    bmp.iter()
        .filter_map(char::from_u32)
        .chain(astral)
        .collect()
}

/// The font files typst finds in `dirs` (see [`FontSet::load`]), each once.
fn font_files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for dir in dirs {
        match fs::metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot read font folder {}: {e}", dir.display())),
            Ok(meta) if !meta.is_dir() => {
                return Err(format!(
                    "font folder {} is not a folder (give the folder that holds the font files)",
                    dir.display()
                ));
            }
            Ok(_) => find_font_files(dir, &mut files, &mut seen)?,
        }
    }
    Ok(files)
}

/// A font file's bytes.
fn read_font(file: &Path) -> Result<Vec<u8>, String> {
    fs::read(file).map_err(|e| format!("cannot read font file {}: {e}", file.display()))
}

/// A SHA-256 (hex) over the paths and contents of the font files typst finds
/// in `dirs`: it changes whenever a font typst could use is added, removed,
/// moved or changed (the PDF cache's keys include it).
pub fn files_digest(dirs: &[PathBuf]) -> Result<String, String> {
    use sha2::Digest as _;
    let mut hash = sha2::Sha256::new();
    for file in font_files(dirs)? {
        let data = read_font(&file)?;
        let name = file.to_string_lossy();
        for part in [name.as_bytes(), &data] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Collects the font files under `dir` (recursively, sorted by path) into
/// `files`. `seen` holds canonical paths already visited, against symlink
/// loops and files reached twice.
fn find_font_files(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    seen: &mut BTreeSet<PathBuf>,
) -> Result<(), String> {
    let unreadable = |e: io::Error| format!("cannot read font folder {}: {e}", dir.display());
    let canonical = fs::canonicalize(dir).map_err(unreadable)?;
    if !seen.insert(canonical) {
        return Ok(());
    }
    let mut entries = fs::read_dir(dir)
        .and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.path()))
                .collect::<io::Result<Vec<_>>>()
        })
        .map_err(unreadable)?;
    entries.sort();
    for path in entries {
        // Follows symlinks; a dangling one is skipped, as typst skips it.
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            find_font_files(&path, files, seen)?;
        } else if meta.is_file() && is_font_file_name(&path) {
            let canonical = fs::canonicalize(&path)
                .map_err(|e| format!("cannot read font file {}: {e}", path.display()))?;
            if seen.insert(canonical) {
                files.push(path);
            }
        }
    }
    Ok(())
}

/// Whether typst's font search (fontdb) loads a file of this name.
fn is_font_file_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ttf" | "otf" | "ttc" | "otc" | "TTF" | "OTF" | "TTC" | "OTC")
    )
}

/// typst's embedded faces, from the coverage table `build.rs` computed from
/// the very fonts typst embeds (typst-assets), so the binary does not carry
/// 9.6 MB of fonts only to know which characters they have. Built once per
/// process.
fn embedded_faces() -> Result<&'static [Face], String> {
    static EMBEDDED: OnceLock<Vec<Face>> = OnceLock::new();
    Ok(EMBEDDED.get_or_init(|| {
        EMBEDDED_COVERAGE
            .iter()
            .map(|&(family, index, ranges)| Face {
                family: family.to_string(),
                path: None,
                index,
                coverage: Coverage {
                    ranges: ranges.to_vec(),
                },
            })
            .collect()
    }))
}

/// One face of typst's embedded fonts: family, index in its file, and the
/// code points it covers as sorted inclusive ranges.
type EmbeddedFace = (&'static str, u32, &'static [(u32, u32)]);

// `EMBEDDED_COVERAGE: &[EmbeddedFace]`, one entry per face of typst-assets'
// fonts in their order, written by build.rs.
include!(concat!(env!("OUT_DIR"), "/embedded_coverage.rs"));

/// Parses every face of one font file (`path` is `None` for a font given as
/// bytes).
fn parse_font(data: &[u8], path: Option<&Path>) -> Result<Vec<Face>, String> {
    let invalid = |why: String| {
        let name = path.map_or_else(
            || "a font embedded in typst".to_string(),
            |p| p.display().to_string(),
        );
        format!("{name} is not a font typst can use: {why}")
    };
    // ttf-parser has debug assertions that malformed data can trip (a 32-bit
    // array length that overflows); in a debug build of rolecall that must
    // still be an error about the file, not a crash.
    let parsed = std::panic::catch_unwind(|| parse::faces(data))
        .unwrap_or_else(|_| Err("the font parser could not read it".into()))
        .map_err(invalid)?;
    Ok(parsed
        .into_iter()
        .map(|f| Face {
            family: f.family,
            path: path.map(Path::to_path_buf),
            index: f.index,
            coverage: Coverage { ranges: f.ranges },
        })
        .collect())
}

/// A set of code points: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Clone, Default, PartialEq, Eq)]
struct Coverage {
    ranges: Vec<(u32, u32)>,
}

impl Coverage {
    /// Normalises any list of inclusive ranges.
    fn from_ranges(ranges: Vec<(u32, u32)>) -> Coverage {
        Coverage {
            ranges: parse::normalise(ranges),
        }
    }

    /// The union of several sets.
    fn union<'a>(sets: impl IntoIterator<Item = &'a Coverage>) -> Coverage {
        Coverage::from_ranges(
            sets.into_iter()
                .flat_map(|c| c.ranges.iter().copied())
                .collect(),
        )
    }

    /// Whether `cp` is in the set.
    fn contains(&self, cp: u32) -> bool {
        let i = self.ranges.partition_point(|&(_, end)| end < cp);
        self.ranges.get(i).is_some_and(|&(start, _)| start <= cp)
    }

    /// How many code points the set holds.
    fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|&(start, end)| u64::from(end - start) + 1)
            .sum()
    }
}

impl fmt::Debug for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Coverage({} code points in {} ranges)",
            self.len(),
            self.ranges.len()
        )
    }
}

/// A set of Basic Multilingual Plane code points as a bitmap.
#[derive(Clone)]
struct BmpBits(Box<[u64]>);

impl BmpBits {
    fn new() -> BmpBits {
        BmpBits(vec![0; 0x10000 / 64].into_boxed_slice())
    }

    /// Adds `cp`; code points past the BMP are ignored.
    fn insert(&mut self, cp: u32) {
        if let Some(word) = self.0.get_mut((cp / 64) as usize) {
            *word |= 1 << (cp % 64);
        }
    }

    fn contains(&self, cp: u32) -> bool {
        self.0
            .get((cp / 64) as usize)
            .is_some_and(|word| word & (1 << (cp % 64)) != 0)
    }

    /// The code points in the set, in order.
    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..0x10000).filter(|&cp| self.contains(cp))
    }
}

impl fmt::Debug for BmpBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        write!(f, "BmpBits({count} code points)")
    }
}

#[cfg(test)]
mod tests {
    use super::parse::{MAX_CODE_POINT, group_ranges, typographic_family};
    use super::*;

    /// The test fonts: subsets of Noto Sans CJK SC and Noto Sans Arabic.
    const TEST_FONTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fonts");

    #[test]
    fn gaps_are_findings_at_the_model_line_of_their_text() {
        let sources = [SourceFile {
            path: "m/people.toml".into(),
            rel: "people.toml".into(),
            text: "[[people]]\nname = \"张伟 (Zhang Wei)\"\ntitle = \"a\\u0007b\"\n".into(),
        }];
        let gap = |ch: char, context: &str| {
            (
                "policy.md".to_string(),
                Missing {
                    ch,
                    context: context.to_string(),
                },
            )
        };
        let missing = [
            gap('张', "| 张伟 (Zhang Wei) | Lead |"),
            gap('伟', "| 张伟 (Zhang Wei) | Lead |"),
            gap('\u{7}', "a\u{7}b"),
            gap('✓', "Signed ✓"),
        ];
        let found = diagnostics(&missing, &sources);
        let shown: Vec<(String, Option<&str>)> = found
            .iter()
            .map(|d| {
                let at = d
                    .location
                    .as_ref()
                    .map(|l| &sources[0].text[l.span.clone()]);
                (d.message.clone(), at)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "no font has the characters '张' (U+5F20), '伟' (U+4F1F)".to_string(),
                    Some("张伟")
                ),
                (
                    "the text has control character '\u{7}' (U+0007), which no font can show"
                        .to_string(),
                    Some("\\u0007")
                ),
                (
                    "no font has the character '✓' (U+2713) (in \"Signed ✓\", from a template)"
                        .to_string(),
                    None
                ),
            ]
        );
        assert!(found.iter().all(|d| d.rule.code == "RC080"));
        // Past MAX_FINDINGS texts, the rest is counted in one finding.
        let many: Vec<_> = ('一'..)
            .take(MAX_FINDINGS + 5)
            .map(|c| gap(c, &c.to_string()))
            .collect();
        let found = diagnostics(&many, &sources);
        assert_eq!(found.len(), MAX_FINDINGS + 1);
        assert_eq!(
            found[MAX_FINDINGS].message,
            "5 more characters of the text have no font"
        );
    }

    const CJK_NAMES: &[&str] = &["张伟", "王芳", "李娜", "山田太郎"];
    const ARABIC_NAMES: &[&str] = &["محمد عبد الله", "فاطمة الزهراء"];

    fn embedded() -> FontSet {
        FontSet::load(&[], true).unwrap()
    }

    fn with_test_fonts() -> FontSet {
        FontSet::load(&[PathBuf::from(TEST_FONTS)], true).unwrap()
    }

    fn texts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|&(label, text)| (label.to_string(), text.to_string()))
            .collect()
    }

    /// A fresh empty directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("rolecall-fonts-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl TempDir {
        /// Loads the fonts in this directory.
        fn load(&self, embedded: bool) -> Result<FontSet, String> {
            FontSet::load(std::slice::from_ref(&self.0), embedded)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn embedded_families_are_typsts() {
        assert_eq!(
            embedded().families(),
            [
                "DejaVu Sans Mono",
                "Libertinus Serif",
                "New Computer Modern",
                "New Computer Modern Math"
            ]
        );
        assert!(embedded().faces().iter().all(|f| f.path().is_none()));
        assert_eq!(embedded().faces()[0].source(), "embedded");
    }

    #[test]
    fn embedded_fonts_cover_latin_text() {
        let fonts = embedded();
        for c in (' '..='~').chain('\u{A0}'..='\u{FF}') {
            assert!(fonts.covers(c), "{c:?} U+{:04X}", u32::from(c));
        }
        for c in "–—‘’“”„‚€…•·§©®™°±×÷←→✓☐№ŁłŐőŠšŽžĆćČčĞğİıŞşȘșȚțĀāŒœß".chars()
        {
            assert!(fonts.covers(c), "{c:?}");
        }
        let all = texts(&[(
            "roles[0].name",
            "Chief Information Security Officer — “CISO”, Zürich €",
        )]);
        assert_eq!(missing(&fonts, &all), []);
    }

    #[test]
    fn embedded_fonts_lack_cjk_and_emoji() {
        let fonts = embedded();
        for c in ['张', '伟', '山', 'ア', '한', 'ก', '😀', 'ے'] {
            assert!(!fonts.covers(c), "{c:?}");
        }
        let found = missing(
            &fonts,
            &texts(&[
                ("people[0].name", "Alice"),
                ("people[3].name", "张伟"),
                ("roles[1].name", "Owner 😀"),
            ]),
        );
        let found: Vec<(&str, char, &str)> = found
            .iter()
            .map(|(label, m)| (label.as_str(), m.ch, m.context.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("people[3].name", '张', "张伟"),
                ("people[3].name", '伟', "张伟"),
                ("roles[1].name", '😀', "Owner 😀"),
            ]
        );
    }

    #[test]
    fn basic_arabic_is_covered_by_dejavu_sans_mono() {
        // Surprising but true: typst falls back to DejaVu Sans Mono, which
        // has the basic Arabic letters (not Urdu's ے), so no box is drawn.
        let fonts = embedded();
        for name in ARABIC_NAMES {
            assert_eq!(missing(&fonts, &texts(&[("n", name)])), [], "{name}");
            assert_eq!(fonts.families_used(name), ["DejaVu Sans Mono"]);
        }
    }

    #[test]
    fn test_fonts_cover_the_cjk_and_arabic_names() {
        let fonts = with_test_fonts();
        assert_eq!(
            fonts.families(),
            [
                "DejaVu Sans Mono",
                "Libertinus Serif",
                "New Computer Modern",
                "New Computer Modern Math",
                "Noto Sans Arabic",
                "Noto Sans CJK SC"
            ]
        );
        let all: Vec<(String, String)> = CJK_NAMES
            .iter()
            .chain(ARABIC_NAMES)
            .enumerate()
            .map(|(i, name)| (format!("people[{i}].name"), name.to_string()))
            .collect();
        assert_eq!(missing(&fonts, &all), []);
        let files: Vec<_> = fonts.faces().iter().filter_map(Face::path).collect();
        assert_eq!(files.len(), 2, "README.md and OFL.txt are not fonts");
    }

    #[test]
    fn test_fonts_alone_cover_only_their_subset() {
        let fonts = FontSet::load(&[PathBuf::from(TEST_FONTS)], false).unwrap();
        assert_eq!(fonts.families(), ["Noto Sans Arabic", "Noto Sans CJK SC"]);
        assert!(fonts.covers('A') && fonts.covers('张') && fonts.covers('م'));
        let found = missing(&fonts, &texts(&[("x", "Zoë 张三")]));
        let chars: Vec<char> = found.iter().map(|(_, m)| m.ch).collect();
        assert_eq!(chars, ['ë', '三']);
    }

    #[test]
    fn families_used_lists_the_faces_that_cover_the_text() {
        let fonts = with_test_fonts();
        assert_eq!(fonts.families_used("张伟"), ["Noto Sans CJK SC"]);
        assert_eq!(
            fonts.families_used("张伟 محمد"),
            ["DejaVu Sans Mono", "Noto Sans Arabic", "Noto Sans CJK SC"]
        );
        assert_eq!(fonts.families_used(""), Vec::<String>::new());
        assert_eq!(fonts.families_used(" \u{200D}\n"), Vec::<String>::new());
        assert_eq!(fonts.families_used("😀"), Vec::<String>::new());
        let latin = fonts.families_used("Alice");
        assert!(latin.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        assert!(latin.contains(&"Libertinus Serif".to_string()));
    }

    #[test]
    fn families_chosen_follows_the_font_list() {
        let fonts = with_test_fonts();
        let list = ["libertinus serif", "Noto Sans CJK SC", "Noto Sans Arabic"];
        assert_eq!(
            fonts.families_chosen("Alice 张伟 محمد", &list),
            ["Libertinus Serif", "Noto Sans Arabic", "Noto Sans CJK SC"]
        );
        // Not in the list: every fallback candidate.
        assert_eq!(
            fonts.families_chosen("محمد", &["Libertinus Serif"]),
            ["DejaVu Sans Mono", "Noto Sans Arabic"]
        );
        assert_eq!(
            fonts.families_chosen("Alice", &["No Such Font"]),
            fonts.families_used("Alice")
        );
    }

    #[test]
    fn format_characters_and_whitespace_are_covered() {
        let fonts = FontSet::load(&[], false).unwrap();
        assert!(fonts.faces().is_empty());
        let glyphless = [
            ' ',
            '\t',
            '\n',
            '\r',
            '\u{85}',
            '\u{A0}',
            '\u{2003}',
            '\u{202F}',
            '\u{3000}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{061C}',
            '\u{2060}',
            '\u{00AD}',
            '\u{FEFF}',
            '\u{FE00}',
            '\u{FE0F}',
            '\u{E0100}',
            '\u{E01EF}',
            '\u{E0001}',
            '\u{E007F}',
            '\u{034F}',
            '\u{180E}',
        ];
        for c in glyphless {
            assert!(fonts.covers(c), "U+{:04X}", u32::from(c));
        }
        assert!(!fonts.covers('a'));
        let text = "👩\u{200D}💻";
        let found: Vec<char> = missing(&fonts, &texts(&[("t", text)]))
            .into_iter()
            .map(|(_, m)| m.ch)
            .collect();
        assert_eq!(found, ['👩', '💻']);
    }

    #[test]
    fn control_characters_and_ogham_space_are_never_covered() {
        let fonts = embedded();
        for c in ['\u{0}', '\u{7}', '\u{1B}', '\u{7F}', '\u{9B}', '\u{1680}'] {
            assert!(!fonts.covers(c), "U+{:04X}", u32::from(c));
        }
        let found = missing(&fonts, &texts(&[("r", "a\u{7}b")]));
        assert_eq!(found[0].1.to_string(), "U+0007");
        assert!(fonts.families_used("\u{7F}").is_empty());
    }

    #[test]
    fn one_entry_per_label_and_char_in_input_order() {
        let fonts = embedded();
        let found = missing(
            &fonts,
            &texts(&[
                ("b", "张张 李 张"),
                ("a", "李"),
                ("b", "李 王"),
                ("c", "fine"),
            ]),
        );
        let found: Vec<(&str, char)> = found.iter().map(|(l, m)| (l.as_str(), m.ch)).collect();
        assert_eq!(found, [("b", '张'), ("b", '李'), ("a", '李'), ("b", '王')]);
        assert_eq!(missing(&fonts, &[]), []);
    }

    #[test]
    fn context_is_cut_to_80_chars_around_the_char() {
        let fonts = embedded();
        let long = format!("{}张{}", "a".repeat(100), "b".repeat(100));
        let found = missing(&fonts, &texts(&[("long", &long)]));
        let context = &found[0].1.context;
        assert_eq!(context.chars().count(), CONTEXT_CHARS + 2);
        assert_eq!(
            *context,
            format!("…{}张{}…", "a".repeat(40), "b".repeat(39))
        );
        let near_end = format!("{}张b", "a".repeat(200));
        let found = missing(&fonts, &texts(&[("end", &near_end)]));
        assert_eq!(found[0].1.context, format!("…{}张b", "a".repeat(78)));
        let near_start = format!("张{}", "ü".repeat(200));
        let found = missing(&fonts, &texts(&[("start", &near_start)]));
        assert_eq!(found[0].1.context, format!("张{}…", "ü".repeat(79)));
        let exact = format!("{}张", "a".repeat(CONTEXT_CHARS - 1));
        let found = missing(&fonts, &texts(&[("exact", &exact)]));
        assert_eq!(found[0].1.context, exact);
        assert_eq!(found[0].1.to_string(), "'张' (U+5F20)");
    }

    #[test]
    fn missing_dirs_are_skipped_and_files_are_refused() {
        let dir = TempDir::new("missing");
        let fonts = FontSet::load(&[dir.0.join("no-such-folder")], true).unwrap();
        assert_eq!(fonts.families(), embedded().families());
        let file = dir.0.join("font.ttf");
        fs::write(&file, b"x").unwrap();
        let err = FontSet::load(std::slice::from_ref(&file), true).unwrap_err();
        assert!(err.contains(&file.display().to_string()), "{err}");
    }

    #[test]
    fn an_invalid_font_file_is_an_error_naming_it() {
        let dir = TempDir::new("invalid");
        let nested = dir.0.join("nested");
        fs::create_dir(&nested).unwrap();
        // Ignored: not a font extension typst loads.
        fs::write(dir.0.join("notes.txt"), b"not a font").unwrap();
        fs::write(dir.0.join("font.Ttf"), b"not a font").unwrap();
        assert!(dir.load(false).unwrap().faces().is_empty());
        let bad = nested.join("Broken-Regular.otf");
        fs::write(&bad, b"OTTO this is not really a font").unwrap();
        let err = dir.load(true).unwrap_err();
        assert!(err.contains(&bad.display().to_string()), "{err}");
        assert!(err.contains("not a font typst can use"), "{err}");
        fs::write(&bad, b"").unwrap();
        let err = dir.load(true).unwrap_err();
        assert!(err.contains("Broken-Regular.otf"), "{err}");
    }

    #[test]
    fn a_font_reached_twice_is_loaded_once() {
        let dir = TempDir::new("twice");
        let font = fs::read(format!("{TEST_FONTS}/NotoSansArabic-Regular-subset.ttf")).unwrap();
        fs::write(dir.0.join("a.ttf"), &font).unwrap();
        let fonts = FontSet::load(&[dir.0.clone(), dir.0.clone()], false).unwrap();
        assert_eq!(fonts.faces().len(), 1);
        assert_eq!(fonts.faces()[0].family(), "Noto Sans Arabic");
        assert!(fonts.faces()[0].has_glyph('م'));
        assert!(!fonts.faces()[0].has_glyph('张'));
    }

    #[test]
    fn damaged_fonts_never_panic() {
        let dir = TempDir::new("damaged");
        let path = dir.0.join("damaged.ttf");
        let mut fonts: Vec<&[u8]> = typst_assets::fonts().collect();
        let cjk = fs::read(format!("{TEST_FONTS}/NotoSansCJKsc-Regular-subset.otf")).unwrap();
        fonts.push(&cjk);
        for data in fonts {
            for cut in [
                0,
                4,
                12,
                100,
                1000,
                data.len() / 3,
                data.len() / 2,
                data.len() - 1,
            ] {
                fs::write(&path, data.get(..cut).unwrap_or(data)).unwrap();
                let _ = dir.load(false);
            }
            // Flip bytes all over the file.
            let mut flipped = data.to_vec();
            for i in (0..flipped.len()).step_by(97) {
                flipped[i] ^= 0xA5;
            }
            fs::write(&path, &flipped).unwrap();
            let _ = dir.load(false);
        }
        // A collection header promising four billion fonts.
        fs::write(&path, b"ttcf\x00\x01\x00\x00\xff\xff\xff\xff").unwrap();
        let err = dir.load(false).unwrap_err();
        assert!(err.contains("4294967295 fonts cut short"), "{err}");
    }

    #[test]
    fn a_cmap_subtable_of_four_billion_entries_is_survived() {
        // ttf-parser's debug assertion on 32-bit array lengths fires on this
        // cmap format 10 subtable; whatever the build, the load must return.
        let mut data = fs::read(format!("{TEST_FONTS}/NotoSansArabic-Regular-subset.ttf")).unwrap();
        let be32 = |d: &[u8], at: usize| u32::from_be_bytes(d[at..at + 4].try_into().unwrap());
        let tables = usize::from(u16::from_be_bytes([data[4], data[5]]));
        let record = (0..tables)
            .map(|i| 12 + 16 * i)
            .find(|&r| &data[r..r + 4] == b"cmap")
            .unwrap();
        let cmap = be32(&data, record + 8) as usize;
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let subtable = data.len();
        let cmap_len = (subtable + 20 - cmap) as u32;
        data[record + 12..record + 16].copy_from_slice(&cmap_len.to_be_bytes());
        // First encoding record: Windows Unicode BMP, pointing at the new subtable.
        data[cmap + 4..cmap + 8].copy_from_slice(&[0, 3, 0, 1]);
        data[cmap + 8..cmap + 12].copy_from_slice(&((subtable - cmap) as u32).to_be_bytes());
        data.extend([0, 10, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0x41]);
        data.extend(u32::MAX.to_be_bytes());
        let dir = TempDir::new("cmap10");
        let path = dir.0.join("huge-cmap.ttf");
        fs::write(&path, &data).unwrap();
        if let Err(err) = dir.load(false) {
            assert!(err.contains("huge-cmap.ttf"), "{err}");
        }
    }

    #[test]
    fn format_12_groups_are_clamped_not_walked() {
        // A cmap with one format 12 subtable (record 0) holding huge groups.
        let mut cmap = vec![0, 0, 0, 1, 0, 3, 0, 10, 0, 0, 0, 12];
        let groups: &[(u32, u32, u32)] = &[
            (0, u32::MAX, 5),       // would be 2^32 code points
            (0x41, 0x43, 0),        // glyph 0 is .notdef: 0x41 is not covered
            (0x20000, 0x20010, 98), // runs past the last glyph (99)
        ];
        for word in [12u32 << 16, 0, 0, groups.len() as u32] {
            cmap.extend(word.to_be_bytes());
        }
        for &(start, end, glyph) in groups {
            for word in [start, end, glyph] {
                cmap.extend(word.to_be_bytes());
            }
        }
        let mut ranges = Vec::new();
        group_ranges(&cmap, 0, 100, false, &mut ranges);
        assert_eq!(ranges, [(0, 94), (0x42, 0x43), (0x20000, 0x20001)]);
        ranges.clear();
        group_ranges(&cmap, 0, 100, true, &mut ranges);
        assert_eq!(ranges, [(0, MAX_CODE_POINT), (0x20000, 0x20010)]);
        ranges.clear();
        group_ranges(&cmap[..30], 0, 100, false, &mut ranges);
        group_ranges(&cmap, 7, 100, false, &mut ranges);
        assert_eq!(ranges, []);
    }

    /// The table build.rs wrote is what typst-assets' fonts say, face by face.
    #[test]
    fn embedded_coverage_table_equals_the_fonts() {
        let mut from_fonts = Vec::new();
        for data in typst_assets::fonts() {
            from_fonts.extend(parse_font(data, None).unwrap());
        }
        let table = embedded_faces().unwrap();
        assert_eq!(table.len(), from_fonts.len());
        assert_eq!(table.len(), 17, "typst 0.15 embeds 17 faces of 4 families");
        for (t, f) in table.iter().zip(&from_fonts) {
            assert_eq!((t.family(), t.index()), (f.family(), f.index()));
            assert_eq!(t.coverage, f.coverage, "{}", t.family());
            assert!(t.coverage.len() > 90, "{}", t.family());
        }
    }

    #[test]
    fn coverage_merges_and_finds_ranges() {
        let c = Coverage::from_ranges(vec![(10, 12), (5, 5), (13, 20), (30, 31), (6, 6), (9, 8)]);
        assert_eq!(c.ranges, [(5, 6), (10, 20), (30, 31)]);
        assert_eq!(c.len(), 2 + 11 + 2);
        for cp in 0..40 {
            let inside =
                (5..=6).contains(&cp) || (10..=20).contains(&cp) || (30..=31).contains(&cp);
            assert_eq!(c.contains(cp), inside, "{cp}");
        }
        assert!(!Coverage::default().contains(0));
    }

    #[test]
    fn family_names_are_trimmed_like_typst() {
        assert_eq!(typographic_family("Atma Light"), "Atma");
        assert_eq!(typographic_family("eras bold"), "eras");
        assert_eq!(typographic_family("footlight mt light"), "footlight mt");
        assert_eq!(typographic_family("times new roman"), "times new roman");
        assert_eq!(
            typographic_family("noto sans mono cond sembd"),
            "noto sans mono"
        );
        assert_eq!(typographic_family("noto serif SEMCOND sembd"), "noto serif");
        assert_eq!(
            typographic_family("Noto Sans Semicondensed Heavy"),
            "Noto Sans"
        );
        assert_eq!(typographic_family("Font Ultra"), "Font Ultra");
        assert_eq!(typographic_family("Font Ultra Bold"), "Font");
        assert_eq!(typographic_family("Bold"), "Bold");
        assert_eq!(typographic_family(" .Ärger Light "), "Ärger");
    }
}
