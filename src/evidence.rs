//! Signed evidence: what a scan or a returned PDF shows about the sheet it signs.
//!
//! Design (issue 13; wired into the register on the pipeline skeleton): a
//! `[[signatures]]` record may name `evidence = "signed/ceo--lena.pdf"`, a file
//! relative to the model. The model stage resolves that path inside the model's
//! directory (nothing outside it enters a bundle) and reads its bytes once; the
//! register calls [`examine`] with those bytes and the record's digest, and
//! turns the answer into its column and diagnostics:
//! - [`Evidence::Image`]: a scan (PNG, JPEG), accepted as evidence without a
//!   digest check; the register says so;
//! - [`Evidence::PdfWithDigest`]: a PDF whose text carries the record's digest,
//!   e.g. the sheet returned by an e-signature service: confirmed;
//! - [`Evidence::PdfOtherDigest`]: the PDF shows another digest: an error (the
//!   person signed another version of the document);
//! - [`Evidence::PdfNoText`]: a scanned PDF (no text layer): accepted like an image;
//! - [`Evidence::PdfNoDigest`]: a PDF with text but no digest: a warning, it
//!   is not the sheet;
//! - an [`EvidenceError`]: not a PDF, PNG or JPEG, or a PDF that cannot be read
//!   within the bounds; an error pointing at the record.
//!
//! The bundle then carries the file under `signatures/signed/`, hashed in the
//! manifest like every other file. The kind is told by the bytes (magic
//! numbers), never by the extension.
//!
//! Model files are untrusted, so PDF parsing is bounded: a size limit before
//! parsing, every stream's decompressed size counted against one budget while
//! the file is read (a zip bomb stops there), a page limit, encrypted PDFs
//! refused before parsing, nested forms checked for cycles, and the parsing on
//! its own thread, with a timeout, whose panics are caught.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::fmt;
use std::io::Read as _;
use std::time::Duration;

use lopdf::{Dictionary, Document, Object, ObjectId};

/// What an evidence file is and, for a PDF, what its text says about the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A scanned image: accepted without a digest check.
    Image {
        /// Which image format.
        kind: ImageKind,
    },
    /// A PDF whose text carries the digest.
    PdfWithDigest,
    /// A PDF whose text carries other digest-like strings (12 or more hex
    /// digits, letters and digits mixed) but not the digest, lowercase.
    PdfOtherDigest {
        /// The digest-like strings, in order of appearance, each once.
        found: Vec<String>,
    },
    /// A PDF without text (a scan saved as PDF).
    PdfNoText,
    /// A PDF with text, but nothing like a digest.
    PdfNoDigest,
}

/// The image formats accepted as scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG (JFIF, Exif).
    Jpeg,
}

/// Why an evidence file could not be examined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceError {
    /// Not a PDF, PNG or JPEG; `what` names a format recognised by its bytes.
    NotEvidence {
        /// The format found, when recognised (e.g. "a HEIC photo").
        what: Option<&'static str>,
    },
    /// The digest to look for is not 12 to 64 hex digits.
    BadDigest,
    /// The file is larger than [`Limits::max_bytes`].
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The PDF's streams decompress to more than [`Limits::max_decoded`].
    DecodedTooLarge {
        /// The limit.
        max: usize,
    },
    /// The PDF is encrypted.
    Encrypted,
    /// The PDF cannot be parsed.
    Damaged {
        /// What the parser said.
        why: String,
    },
    /// Reading the PDF took longer than [`Limits::timeout`].
    TimedOut {
        /// The limit.
        after: Duration,
    },
}

impl fmt::Display for EvidenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvidenceError::NotEvidence { what } => write!(
                f,
                "{} is not a PDF, PNG or JPEG file",
                what.unwrap_or("the file")
            ),
            EvidenceError::BadDigest => {
                write!(f, "the digest to look for is not 12 to 64 hex digits")
            }
            EvidenceError::TooLarge { bytes, max } => write!(
                f,
                "the file has {bytes} bytes, more than rolecall reads as evidence ({max})"
            ),
            EvidenceError::DecodedTooLarge { max } => write!(
                f,
                "the PDF decompresses to more than {max} bytes, more than rolecall reads (a zip bomb?)"
            ),
            EvidenceError::Encrypted => {
                write!(f, "the PDF is encrypted, so rolecall cannot read its text")
            }
            EvidenceError::Damaged { why } => write!(f, "the PDF cannot be read ({why})"),
            EvidenceError::TimedOut { after } => write!(
                f,
                "reading the PDF took longer than {} seconds",
                after.as_secs()
            ),
        }
    }
}

impl EvidenceError {
    /// What to do about it, for the `hint:` line.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            EvidenceError::NotEvidence { .. } => "save the scan as PDF, PNG or JPEG",
            EvidenceError::BadDigest => return None,
            EvidenceError::TooLarge { .. } => "scan at a lower resolution, or in black and white",
            EvidenceError::Encrypted => {
                "download an unprotected copy from the e-signature service, or use a PNG or JPEG scan"
            }
            EvidenceError::Damaged { .. } => {
                "open it in a PDF viewer; if it shows, save it again with a PDF printer"
            }
            EvidenceError::DecodedTooLarge { .. } | EvidenceError::TimedOut { .. } => {
                "save it again with a PDF printer, or use a PNG or JPEG scan"
            }
        })
    }
}

impl std::error::Error for EvidenceError {}

/// The bounds of PDF parsing.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest evidence file looked at, in bytes.
    pub max_bytes: usize,
    /// Most bytes all the PDF's streams may decompress to, together.
    pub max_decoded: usize,
    /// Pages whose text is read (the rest are not).
    pub max_pages: usize,
    /// How long reading a PDF may take.
    pub timeout: Duration,
}

impl Default for Limits {
    /// Generous for a returned e-signature PDF (usually under 1 MiB) or a
    /// multi-page scan; far below what would hurt a laptop.
    fn default() -> Limits {
        Limits {
            max_bytes: 64 * 1024 * 1024,
            max_decoded: 128 * 1024 * 1024,
            max_pages: 200,
            timeout: Duration::from_secs(20),
        }
    }
}

/// What the evidence `bytes` are and whether a PDF's text carries `digest`
/// (12 to 64 hex digits, as printed on rolecall's sheets), within [`Limits::default`].
pub fn examine(bytes: &[u8], digest: &str) -> Result<Evidence, EvidenceError> {
    examine_with(bytes, digest, &Limits::default())
}

/// [`examine`] within `limits`.
pub fn examine_with(
    bytes: &[u8],
    digest: &str,
    limits: &Limits,
) -> Result<Evidence, EvidenceError> {
    let digest = digest.to_ascii_lowercase();
    if !(12..=64).contains(&digest.len()) || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(EvidenceError::BadDigest);
    }
    match sniff(bytes) {
        Sniffed::Other(what) => Err(EvidenceError::NotEvidence { what }),
        // Images too: the file goes into the bundle, which `verify` reads.
        _ if bytes.len() > limits.max_bytes => Err(EvidenceError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        }),
        Sniffed::Image(kind) => Ok(Evidence::Image { kind }),
        Sniffed::Pdf => {
            // The trailer's /Encrypt is never compressed or encrypted itself; lopdf
            // reads encrypted files by another path that does not bound decompression.
            if contains(bytes, b"/Encrypt") {
                return Err(EvidenceError::Encrypted);
            }
            let text = pdf_text(bytes.to_vec(), *limits)?;
            Ok(judge(&text, &digest))
        }
    }
}

/// What the first bytes say.
enum Sniffed {
    Pdf,
    Image(ImageKind),
    Other(Option<&'static str>),
}

/// The file's kind by its magic number.
fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Image(ImageKind::Png);
    }
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        return Sniffed::Image(ImageKind::Jpeg);
    }
    // PDF readers accept the header within the first 1024 bytes.
    if contains(&bytes[..bytes.len().min(1024)], b"%PDF-") {
        return Sniffed::Pdf;
    }
    let brand = bytes.get(4..12);
    let what = if matches!(brand, Some(b) if b.starts_with(b"ftyp") && [&b"heic"[..], b"heix", b"mif1", b"heif"].contains(&&b[4..8]))
    {
        Some("a HEIC photo (an iPhone's format)")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("a TIFF image")
    } else if bytes.starts_with(b"GIF8") {
        Some("a GIF image")
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("a WebP image")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("a zip file (or a Word document)")
    } else {
        None
    };
    Sniffed::Other(what)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The text of the PDF's first pages, read on a thread of its own within `limits`.
fn pdf_text(bytes: Vec<u8>, limits: Limits) -> Result<String, EvidenceError> {
    bounded(limits.timeout, move || read_pdf(&bytes, &limits))
}

/// Runs `work` on a thread of its own (with a large stack, for parsers that
/// recurse), waiting at most `timeout`; a panic is turned into
/// [`EvidenceError::Damaged`]. On timeout the thread is left to finish alone:
/// Rust cannot stop it, and it holds nothing but its own copy of the input.
fn bounded<F>(timeout: Duration, work: F) -> Result<String, EvidenceError>
where
    F: FnOnce() -> Result<String, EvidenceError> + Send + 'static,
{
    quiet_panics_of_this_module();
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(WORKER.into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|_| {
                    Err(EvidenceError::Damaged {
                        why: "the PDF reader gave up on it".into(),
                    })
                });
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(EvidenceError::Damaged {
            why: format!("no thread to read it on: {e}"),
        });
    }
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Err(EvidenceError::TimedOut { after: timeout })
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(EvidenceError::Damaged {
            why: "the PDF reader stopped".into(),
        }),
    }
}

/// The name of the threads that read PDFs.
const WORKER: &str = "rolecall-evidence";

/// The PDF crates panic on some malformed files; those panics are caught and
/// reported as [`EvidenceError::Damaged`], so the default hook's message
/// ("thread panicked at ...") is not printed for the reading threads. Every
/// other thread's panics are reported as before.
fn quiet_panics_of_this_module() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(WORKER) {
                previous(info);
            }
        }));
    });
}

thread_local! {
    /// Bytes the streams of the PDF being read may still decompress to.
    static BUDGET: Cell<usize> = const { Cell::new(0) };
    /// Set when a stream would exceed [`BUDGET`].
    static OVER_BUDGET: Cell<bool> = const { Cell::new(false) };
}

/// Parses the PDF with every stream decompressed within the budget, checks its
/// forms for cycles, and extracts the text of its first pages.
fn read_pdf(bytes: &[u8], limits: &Limits) -> Result<String, EvidenceError> {
    // The parsers recurse on nesting: refused here, not in a stack overflow.
    check_nesting(bytes, true).map_err(|why| EvidenceError::Damaged { why })?;
    BUDGET.with(|b| b.set(limits.max_decoded));
    OVER_BUDGET.with(|o| o.set(false));
    let reader = lopdf::Reader {
        buffer: bytes,
        document: Document::new(),
        encryption_state: None,
        raw_objects: Default::default(),
    };
    // lopdf calls the filter for each object as it reads it, before it expands
    // object streams; it runs on this thread (lopdf's `rayon` feature is off).
    let doc = reader.read(Some(decompress_within_budget));
    if OVER_BUDGET.with(Cell::get) {
        return Err(EvidenceError::DecodedTooLarge {
            max: limits.max_decoded,
        });
    }
    let doc = doc.map_err(|e| EvidenceError::Damaged { why: e.to_string() })?;
    let pages = doc.get_pages();
    let mut text = String::new();
    for (&number, &id) in pages.iter().take(limits.max_pages) {
        if let Err(why) = check_page(&doc, id) {
            return Err(EvidenceError::Damaged { why });
        }
        let mut output = pdf_extract::PlainTextOutput::new(&mut text);
        // A page that cannot be read is skipped: the digest may be on another.
        let _ = pdf_extract::output_doc_page(&doc, &mut output, number);
        text.push('\n');
    }
    Ok(text)
}

/// lopdf's load filter: decompresses each stream if what it decompresses to fits
/// the budget (measured first, with bounded decoders), drops image data (text
/// extraction never needs it), and sets [`OVER_BUDGET`] otherwise.
fn decompress_within_budget(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    if let Object::Stream(stream) = object {
        let subtype = stream.dict.get(b"Subtype").and_then(Object::as_name).ok();
        if subtype == Some(&b"Image"[..]) {
            stream.set_content(Vec::new());
            return Some((id, object.clone()));
        }
        let budget = BUDGET.with(Cell::get);
        let outcome = match stream.filters() {
            Ok(filters) => decoded_size(&stream.content, &filters, budget),
            Err(_) => Decoded::Unsupported, // not compressed
        };
        match outcome {
            Decoded::Fits(size) => {
                BUDGET.with(|b| b.set(budget - size));
                // lopdf decodes it again, exactly as it would later, but now
                // known to fit; a stream it cannot decode stays as it is.
                let _ = stream.decompress();
            }
            Decoded::Exceeds => {
                OVER_BUDGET.with(|o| o.set(true));
                stream.set_content(Vec::new());
            }
            Decoded::Unsupported => {}
        }
    }
    Some((id, object.clone()))
}

/// What decoding a stream would take.
enum Decoded {
    /// Its decoded size, within the budget.
    Fits(usize),
    /// More than the budget.
    Exceeds,
    /// A filter lopdf does not decode either (images' DCT, JPX, CCITT...).
    Unsupported,
}

/// Decodes `content` through `filters` with output capped at `budget`, to learn
/// its size; the same decoders lopdf uses (flate2, weezl), each stopped past
/// the cap.
fn decoded_size(content: &[u8], filters: &[&[u8]], budget: usize) -> Decoded {
    let mut data = content.to_vec();
    for filter in filters {
        let cap = budget as u64 + 1;
        let mut out = Vec::new();
        match *filter {
            b"FlateDecode" => {
                // Like lopdf, keep what inflates before an error.
                let _ = flate2::read::ZlibDecoder::new(&data[..])
                    .take(cap)
                    .read_to_end(&mut out);
            }
            b"LZWDecode" => {
                // lopdf's decoder (with its default EarlyChange), stopped past the cap.
                let mut decoder =
                    weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
                let mut sink = CappedSink {
                    out: &mut out,
                    cap: budget + 1,
                };
                let _ = decoder.into_stream(&mut sink).decode_all(&data[..]);
            }
            b"ASCII85Decode" => {
                // At most four bytes come of one (`z`): decoded by lopdf once that fits.
                if data.len().saturating_mul(4) > budget {
                    return Decoded::Exceeds;
                }
                let mut dict = Dictionary::new();
                dict.set("Filter", Object::Name(b"ASCII85Decode".to_vec()));
                out = lopdf::Stream::new(dict, data)
                    .decompressed_content()
                    .unwrap_or_default();
            }
            _ => return Decoded::Unsupported,
        }
        if out.len() > budget {
            return Decoded::Exceeds;
        }
        data = out;
    }
    Decoded::Fits(data.len())
}

/// A writer that refuses bytes past `cap`.
struct CappedSink<'a> {
    out: &'a mut Vec<u8>,
    cap: usize,
}

impl std::io::Write for CappedSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.cap {
            let room = self.cap - self.out.len();
            self.out.extend_from_slice(&buf[..room]);
            return Err(std::io::ErrorKind::FileTooLarge.into());
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Most levels of forms within forms, or of page tree nodes above a page,
/// that text extraction follows.
const MAX_FORM_DEPTH: usize = 32;
/// Most levels of arrays and dictionaries within each other (real PDFs use a
/// handful).
const MAX_NESTING: usize = 64;

/// Refuses a page on which pdf_extract would recurse without end, overflowing
/// its stack (which no `catch_unwind` catches): a `/Parent` chain that loops,
/// forms (XObjects drawn with `Do`) that draw themselves, content streams
/// nested deeper than [`MAX_NESTING`].
fn check_page(doc: &Document, page: ObjectId) -> Result<(), String> {
    let mut node = doc.get_dictionary(page).map_err(|e| e.to_string())?;
    for level in 0.. {
        match node.get_deref(b"Parent", doc).and_then(Object::as_dict) {
            Ok(parent) if level < MAX_FORM_DEPTH => node = parent,
            Ok(_) => {
                return Err(format!(
                    "its pages nest deeper than {MAX_FORM_DEPTH} levels, or in a cycle"
                ));
            }
            Err(_) => break,
        }
    }
    let page_dict = doc.get_dictionary(page).map_err(|e| e.to_string())?;
    let contents = page_dict.get(b"Contents").and_then(|c| doc.dereference(c));
    let contents: Vec<&Object> = match contents {
        Ok((_, Object::Array(items))) => items.iter().collect(),
        Ok((_, one)) => vec![one],
        Err(_) => Vec::new(),
    };
    for c in contents {
        let stream = doc
            .dereference(c)
            .ok()
            .and_then(|(_, o)| o.as_stream().ok());
        if let Some(stream) = stream {
            check_nesting(&stream.content, false)?;
        }
    }
    let resources = inherited_resources(doc, page);
    let mut seen = BTreeSet::new();
    walk_forms(doc, resources, 0, &mut Vec::new(), &mut seen)
}

/// Refuses PDF syntax nested deeper than [`MAX_NESTING`] (see [`nesting`]).
fn check_nesting(content: &[u8], skip_streams: bool) -> Result<(), String> {
    let depth = nesting(content, skip_streams);
    if depth > MAX_NESTING {
        return Err(format!(
            "it nests arrays or dictionaries {depth} levels deep"
        ));
    }
    Ok(())
}

/// The deepest nesting of arrays (`[`) and dictionaries (`<<`) in PDF syntax,
/// skipping strings and comments and, with `skip_streams`, stream data (which
/// is binary, and checked once decompressed if it is content).
fn nesting(bytes: &[u8], skip_streams: bool) -> usize {
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'[' => depth += 1,
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b']' => depth = depth.saturating_sub(1),
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'%' => {
                while i < bytes.len() && !matches!(bytes[i], b'\r' | b'\n') {
                    i += 1;
                }
            }
            b'(' => {
                // A literal string: balanced parentheses, `\` escapes.
                let mut open = 0usize;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'(' => open += 1,
                        b')' => {
                            open -= 1;
                            if open == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            b's' if skip_streams && bytes[i..].starts_with(b"stream") => {
                let body = &bytes[i..];
                match body.windows(9).position(|w| w == b"endstream") {
                    Some(end) => i += end + 8,
                    None => break,
                }
            }
            _ => {}
        }
        deepest = deepest.max(depth);
        i += 1;
    }
    deepest
}

/// A page's `/Resources`, from the page or the nearest ancestor that has them.
fn inherited_resources(doc: &Document, page: ObjectId) -> Option<&Dictionary> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..MAX_FORM_DEPTH {
        if let Ok(r) = node.get_deref(b"Resources", doc).and_then(Object::as_dict) {
            return Some(r);
        }
        node = node
            .get_deref(b"Parent", doc)
            .and_then(Object::as_dict)
            .ok()?;
    }
    None
}

/// Depth-first over the forms reachable from `resources`. A form without its
/// own resources uses its caller's, so the state is (form, resources in use);
/// `path` holds the states being visited, `seen` those already checked.
fn walk_forms(
    doc: &Document,
    resources: Option<&Dictionary>,
    depth: usize,
    path: &mut Vec<(ObjectId, usize)>,
    seen: &mut BTreeSet<(ObjectId, usize)>,
) -> Result<(), String> {
    let Some(resources) = resources else {
        return Ok(());
    };
    let Ok(xobjects) = resources
        .get_deref(b"XObject", doc)
        .and_then(Object::as_dict)
    else {
        return Ok(());
    };
    for (_, value) in xobjects.iter() {
        let Ok(id) = value.as_reference() else {
            continue;
        };
        let Ok(Object::Stream(form)) = doc.get_object(id) else {
            continue;
        };
        let own = form
            .dict
            .get_deref(b"Resources", doc)
            .and_then(Object::as_dict)
            .ok();
        let in_use = own.unwrap_or(resources);
        let state = (id, in_use as *const Dictionary as usize);
        if path.contains(&state) {
            return Err(format!(
                "its forms draw themselves in a cycle (object {} {})",
                id.0, id.1
            ));
        }
        if depth >= MAX_FORM_DEPTH {
            return Err(format!(
                "its forms nest deeper than {MAX_FORM_DEPTH} levels"
            ));
        }
        if !seen.insert(state) {
            continue;
        }
        check_nesting(&form.content, false)?;
        path.push(state);
        walk_forms(doc, Some(in_use), depth + 1, path, seen)?;
        path.pop();
    }
    Ok(())
}

/// Characters that text extraction inserts, or that break a digest across
/// lines, without being part of what was printed.
fn is_gap(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
        )
}

/// Whether `text` carries `digest` (12 to 64 lowercase hex digits), another
/// digest, or no digest.
fn judge(text: &str, digest: &str) -> Evidence {
    let compact: String = text
        .chars()
        .filter(|&c| !is_gap(c))
        .flat_map(char::to_lowercase)
        .collect();
    if compact.is_empty() {
        return Evidence::PdfNoText;
    }
    // The short digest (the first 12 digits, which people compare by eye) is
    // on every sheet beside the full one; a full digest also contains it.
    if compact.contains(&digest[..12]) {
        return Evidence::PdfWithDigest;
    }
    let found = digest_like(text);
    if found.is_empty() {
        Evidence::PdfNoDigest
    } else {
        Evidence::PdfOtherDigest { found }
    }
}

/// Digest-like strings of `text`: runs of hex words (split at anything but
/// letters, digits and `-`, so that a GUID stays one non-hex word), joined across
/// gaps when each is at least 4 digits long (a digest broken across lines,
/// not short words like "a" or "be"), at least 12 long, with both digits and
/// letters (not a phone or order number).
fn digest_like(text: &str) -> Vec<String> {
    // Each word, and whether only gaps separate it from the one before.
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut word = String::new();
    let mut joined = true;
    for c in text.chars().chain([' ']) {
        if c.is_ascii_alphanumeric() || c == '-' {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            words.push((std::mem::take(&mut word), joined));
            joined = true;
        }
        joined &= is_gap(c);
    }
    let mut found: Vec<String> = Vec::new();
    let mut keep = |run: &str| {
        let digits = run.bytes().any(|b| b.is_ascii_digit());
        let letters = run.bytes().any(|b| b.is_ascii_alphabetic());
        if run.len() >= 12 && digits && letters && !found.iter().any(|f| f == run) {
            found.push(run.to_string());
        }
    };
    let mut run = String::new();
    let mut last_long = false;
    for (word, joined) in words {
        let hex = word.bytes().all(|b| b.is_ascii_hexdigit());
        let long = word.len() >= 4;
        if hex && long && joined && last_long {
            run.push_str(&word);
        } else {
            keep(&run);
            run = if hex { word } else { String::new() };
        }
        last_long = hex && long;
    }
    keep(&run);
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    const DIGEST: &str = "59c75a44b2bc0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    const OTHER: &str = "e212f22f1ef5a0b1c2d3e4f5061728394a5b6c7d8e9f00112233445566778899";

    /// A PDF typst compiles from `body`, set like rolecall's sheets: serif text,
    /// raw text in DejaVu Sans Mono (templates/layout.typ).
    fn typst_pdf(body: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let source = format!(
            "#set page(width: 14cm, height: auto, margin: 1cm)\n\
             #set text(font: \"Libertinus Serif\", size: 11pt)\n\
             #show raw: set text(font: \"DejaVu Sans Mono\", size: 0.85em)\n{body}\n"
        );
        std::fs::write(dir.path().join("sheet.typ"), source).unwrap();
        let out = std::process::Command::new(
            crate::pdf::find_typst(None).map_or("typst".into(), |t| t.path),
        )
        .args(["compile", "--ignore-system-fonts", "sheet.typ", "sheet.pdf"])
        .current_dir(dir.path())
        .output()
        .expect("typst not found (hint: `make test` installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(dir.path().join("sheet.pdf")).unwrap()
    }

    /// The sheet's table of rolecall's role assignment sheets, printing `digest`.
    fn sheet(digest: &str) -> String {
        format!(
            "= Role assignment: Chief Executive Officer\n\
             #table(columns: (5cm, 1fr),\n\
               [Role description], [roles/ceo.md version 1.2],\n\
               [Content digest (SHA-256)], [`{}`\\ `{}`],\n\
               [Short digest], [`{}`],\n\
             )\n\
             Signed on 2026-11-23. Envelope ID: 9F2A1C3B-1111-2222-3333-5E6F7A8B9C0D.",
            &digest[..32],
            &digest[32..],
            &digest[..12]
        )
    }

    #[test]
    fn a_typst_sheet_carries_its_digest_even_broken_across_lines() {
        let pdf = typst_pdf(&sheet(DIGEST));
        assert_eq!(examine(&pdf, DIGEST), Ok(Evidence::PdfWithDigest));
        assert_eq!(
            examine(&pdf, &DIGEST[..12].to_uppercase()),
            Ok(Evidence::PdfWithDigest)
        );
        assert_eq!(
            examine(&pdf, OTHER),
            Ok(Evidence::PdfOtherDigest {
                found: vec![DIGEST.to_string(), DIGEST[..12].to_string()]
            })
        );
    }

    #[test]
    fn letter_spacing_that_makes_the_extractor_insert_spaces_is_tolerated() {
        let pdf = typst_pdf(&format!(
            "#set text(tracking: 0.4em)\nDigest: `{}`",
            &DIGEST[..12]
        ));
        assert_eq!(examine(&pdf, &DIGEST[..12]), Ok(Evidence::PdfWithDigest));
    }

    #[test]
    fn a_pdf_with_another_digest_no_digest_or_no_text_says_so() {
        let pdf = typst_pdf(&sheet(OTHER));
        let found = vec![OTHER.to_string(), OTHER[..12].to_string()];
        assert_eq!(
            examine(&pdf, DIGEST),
            Ok(Evidence::PdfOtherDigest { found })
        );
        assert_eq!(examine(&pdf, &DIGEST[..12]), examine(&pdf, DIGEST));
        let letter =
            typst_pdf("Dear Lena, please call 0049 221 123456 a decade from now. Ref 2026-11-23.");
        assert_eq!(examine(&letter, DIGEST), Ok(Evidence::PdfNoDigest));
        let scan = typst_pdf("#rect(width: 4cm, height: 2cm, fill: gray)");
        assert_eq!(examine(&scan, DIGEST), Ok(Evidence::PdfNoText));
    }

    #[test]
    fn images_are_told_by_their_bytes_not_their_name() {
        // A 1x1 PNG and the start of a JFIF JPEG, as a scanner writes them.
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
        let jpeg = b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0\xff\xdb\0C\0";
        assert_eq!(
            examine(png, DIGEST),
            Ok(Evidence::Image {
                kind: ImageKind::Png
            })
        );
        assert_eq!(
            examine(jpeg, DIGEST),
            Ok(Evidence::Image {
                kind: ImageKind::Jpeg
            })
        );
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        let err = examine(heic, DIGEST).unwrap_err();
        assert_eq!(
            err,
            EvidenceError::NotEvidence {
                what: Some("a HEIC photo (an iPhone's format)")
            }
        );
        assert_eq!(
            err.to_string(),
            "a HEIC photo (an iPhone's format) is not a PDF, PNG or JPEG file"
        );
        assert_eq!(err.hint(), Some("save the scan as PDF, PNG or JPEG"));
        let docx = b"PK\x03\x04\x14\0\x06\0";
        assert!(
            examine(docx, DIGEST)
                .unwrap_err()
                .to_string()
                .starts_with("a zip file")
        );
        assert_eq!(
            examine(b"%PNG but text", DIGEST),
            Err(EvidenceError::NotEvidence { what: None })
        );
        assert_eq!(
            examine(b"", DIGEST),
            Err(EvidenceError::NotEvidence { what: None })
        );
        assert_eq!(examine(png, "59c75a44b2b"), Err(EvidenceError::BadDigest));
        assert_eq!(
            examine(png, &format!("{DIGEST}0")),
            Err(EvidenceError::BadDigest)
        );
        assert_eq!(examine(png, "59c75a44b2bg"), Err(EvidenceError::BadDigest));
    }

    #[test]
    fn digest_like_strings_survive_extraction_and_words_do_not_join_them() {
        let found = |t: &str| digest_like(t);
        assert_eq!(
            found("SHA-256: 59C75A44 b2bc0d1e\n2f3a4b5c (short 59c75a44b2bc)."),
            ["59c75a44b2bc0d1e2f3a4b5c", "59c75a44b2bc"]
        );
        // A GUID, a phone number, a date, hex-lettered words: none is a digest.
        assert!(
            found("ID 9F2A1C3B-1111-2222-3333-5E6F7A8B9C0D call 0049 221 1234567890 a decade")
                .is_empty()
        );
        assert!(found("2026-11-23 deadbeefcafe facade accede").is_empty());
        // Words before and after do not stick to it; punctuation ends it.
        assert_eq!(found("be 59c75a44b2bc a"), ["59c75a44b2bc"]);
        assert_eq!(
            found("59c75a44b2bc,1234abcd5678"),
            ["59c75a44b2bc", "1234abcd5678"]
        );
        assert_eq!(
            judge("digest 59c7\u{ad}5a44\u{200b}b2bc", &DIGEST[..12]),
            Evidence::PdfWithDigest
        );
        assert_eq!(judge(" \n\u{feff}", DIGEST), Evidence::PdfNoText);
        // A record's full digest is found by the short one the sheet prints.
        assert_eq!(
            judge("Short digest 59C75A44B2BC", DIGEST),
            Evidence::PdfWithDigest
        );
    }

    #[test]
    fn panics_and_hangs_of_the_reader_become_errors() {
        let panicked = bounded(Duration::from_secs(60), || panic!("bad font"));
        assert_eq!(
            panicked,
            Err(EvidenceError::Damaged {
                why: "the PDF reader gave up on it".into()
            })
        );
        let hung = bounded(Duration::from_millis(10), || {
            loop {
                std::thread::park();
            }
        });
        assert_eq!(
            hung,
            Err(EvidenceError::TimedOut {
                after: Duration::from_millis(10)
            })
        );
        assert!(
            hung.unwrap_err()
                .to_string()
                .starts_with("reading the PDF took longer than 0 seconds")
        );
    }

    /// A zlib stream of `n` MiB of zeros, about 1 KiB per MiB: one raw deflate
    /// block of a MiB of zeros, sync-flushed, repeated (zeros refer back only to
    /// zeros), between a zlib header and the Adler-32 of the zeros.
    fn zlib_bomb(n: usize) -> Vec<u8> {
        let mut c = flate2::Compress::new(flate2::Compression::best(), false);
        let mut chunk = |input: &[u8], flush| {
            let (start, mut out) = (c.total_in(), Vec::new());
            loop {
                out.reserve(1 << 16);
                let done = (c.total_in() - start) as usize;
                c.compress_vec(&input[done..], &mut out, flush).unwrap();
                if (c.total_in() - start) as usize == input.len() && out.len() < out.capacity() {
                    return out;
                }
            }
        };
        let block = chunk(&[0u8; 1 << 20], flate2::FlushCompress::Sync);
        let mut out = vec![0x78, 0xda];
        for _ in 0..n {
            out.extend_from_slice(&block);
        }
        out.extend(chunk(&[], flate2::FlushCompress::Finish));
        // Adler-32 of zeros: A stays 1, B adds 1 per byte.
        let b = ((n as u64) << 20) % 65_521;
        out.extend_from_slice(&((b << 16 | 1) as u32).to_be_bytes());
        out
    }

    #[test]
    fn the_bomb_is_what_it_says() {
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(&zlib_bomb(3)[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len(), 3 << 20);
        assert!(inflated.iter().all(|&b| b == 0));
    }

    /// A one-page PDF drawing `content` (a content stream's bytes and filters),
    /// with `extra` objects, written by lopdf.
    fn pdf_with(
        content: Vec<u8>,
        filters: &[&str],
        extra: impl FnOnce(&mut Document) -> Dictionary,
    ) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let mut dict = Dictionary::new();
        if !filters.is_empty() {
            let names = filters
                .iter()
                .map(|f| Object::Name(f.as_bytes().to_vec()))
                .collect();
            dict.set("Filter", Object::Array(names));
        }
        let content_id = doc.add_object(lopdf::Stream::new(dict, content));
        let resources = extra(&mut doc);
        let page = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages_id)),
            ("Contents", Object::Reference(content_id)),
            ("Resources", Object::Dictionary(resources)),
        ]);
        let page_id = doc.add_object(page);
        let pages = Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(vec![Object::Reference(page_id)])),
            ("Count", Object::Integer(1)),
            (
                "MediaBox",
                Object::Array(vec![0.into(), 0.into(), 595.into(), 842.into()]),
            ),
        ]);
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let catalog = doc.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Catalog".to_vec())),
            ("Pages", Object::Reference(pages_id)),
        ]));
        doc.trailer.set("Root", Object::Reference(catalog));
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn a_zip_bomb_stops_at_the_decompression_budget() {
        let limits = Limits::default();
        let bomb = zlib_bomb(1024); // 1 GiB of zeros in about 1 MiB
        assert!(bomb.len() < 2 << 20, "{}", bomb.len());
        let pdf = pdf_with(bomb.clone(), &["FlateDecode"], |_| Dictionary::new());
        assert_eq!(
            examine(&pdf, DIGEST),
            Err(EvidenceError::DecodedTooLarge {
                max: limits.max_decoded
            })
        );
        // Inflated twice: the first layer is small, the second explodes.
        let mut twice = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        twice.write_all(&zlib_bomb(64)).unwrap();
        let small = Limits {
            max_decoded: 16 << 20,
            ..limits
        };
        let pdf = pdf_with(
            twice.finish().unwrap(),
            &["FlateDecode", "FlateDecode"],
            |_| Dictionary::new(),
        );
        assert_eq!(
            examine_with(&pdf, DIGEST, &small),
            Err(EvidenceError::DecodedTooLarge { max: 16 << 20 })
        );
        // Many streams just under the budget each: the budget is for them all.
        let pdf = pdf_with(zlib_bomb(4), &["FlateDecode"], |doc| {
            let mut fonts = Dictionary::new();
            for i in 0..5 {
                let mut dict = Dictionary::new();
                dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
                let id = doc.add_object(lopdf::Stream::new(dict, zlib_bomb(4)));
                fonts.set(format!("F{i}"), Object::Reference(id));
            }
            Dictionary::from_iter(vec![("Font", Object::Dictionary(fonts))])
        });
        let budget = Limits {
            max_decoded: 20 << 20,
            ..limits
        };
        assert_eq!(
            examine_with(&pdf, DIGEST, &budget),
            Err(EvidenceError::DecodedTooLarge { max: 20 << 20 })
        );
        let roomy = Limits {
            max_decoded: 30 << 20,
            ..limits
        };
        assert_eq!(examine_with(&pdf, DIGEST, &roomy), Ok(Evidence::PdfNoText));
    }

    #[test]
    fn damaged_truncated_and_garbage_pdfs_are_errors_not_panics() {
        let good = typst_pdf(&sheet(DIGEST));
        let damaged =
            |bytes: &[u8]| matches!(examine(bytes, DIGEST), Err(EvidenceError::Damaged { .. }));
        for cut in [good.len() / 2, good.len() - 40, 20] {
            assert!(
                damaged(&good[..cut]),
                "cut at {cut}: {:?}",
                examine(&good[..cut], DIGEST)
            );
        }
        let mut garbage = b"%PDF-1.7\n".to_vec();
        let mut x: u32 = 12345;
        garbage.extend((0..200_000).map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        }));
        assert!(damaged(&garbage));
        // A byte flipped at 32 places over a real sheet: never a panic.
        for i in (0..good.len()).step_by(good.len() / 32) {
            let mut bytes = good.clone();
            bytes[i] ^= 0x55;
            let _ = examine(&bytes, DIGEST);
        }
        // Deeply nested arrays, in a content stream and in an object: the
        // parsers recurse, so these are refused before they run.
        let deep = [vec![b'['; 200_000], vec![b']'; 200_000]].concat();
        let err = examine(&pdf_with(deep.clone(), &[], |_| Dictionary::new()), DIGEST);
        let why = "it nests arrays or dictionaries 200000 levels deep".to_string();
        assert_eq!(err, Err(EvidenceError::Damaged { why: why.clone() }));
        let object = [&b"%PDF-1.7\n1 0 obj\n"[..], &deep, b"\nendobj\n"].concat();
        assert_eq!(
            examine(&object, DIGEST),
            Err(EvidenceError::Damaged { why })
        );
    }

    #[test]
    fn forms_that_draw_themselves_are_refused_before_the_stack_overflows() {
        let pdf = pdf_with(b"/X0 Do".to_vec(), &[], |doc| {
            let form_id = doc.new_object_id();
            let xobjects = Dictionary::from_iter(vec![("X0", Object::Reference(form_id))]);
            let resources =
                Dictionary::from_iter(vec![("XObject", Object::Dictionary(xobjects.clone()))]);
            let form = Dictionary::from_iter(vec![
                ("Type", Object::Name(b"XObject".to_vec())),
                ("Subtype", Object::Name(b"Form".to_vec())),
                ("Resources", Object::Dictionary(resources.clone())),
            ]);
            doc.objects.insert(
                form_id,
                Object::Stream(lopdf::Stream::new(form, b"/X0 Do".to_vec())),
            );
            resources
        });
        let err = examine(&pdf, DIGEST).unwrap_err();
        assert!(
            err.to_string()
                .contains("its forms draw themselves in a cycle"),
            "{err}"
        );
    }

    #[test]
    fn size_limit_and_encryption_are_checked_before_parsing() {
        let pdf = typst_pdf(&sheet(DIGEST));
        let tiny = Limits {
            max_bytes: 1000,
            ..Limits::default()
        };
        assert_eq!(
            examine_with(&pdf, DIGEST, &tiny),
            Err(EvidenceError::TooLarge {
                bytes: pdf.len(),
                max: 1000
            })
        );
        let png = [&b"\x89PNG\r\n\x1a\n"[..], &[0; 1000]].concat();
        assert_eq!(
            examine_with(&png, DIGEST, &tiny),
            Err(EvidenceError::TooLarge {
                bytes: 1008,
                max: 1000
            })
        );
        let locked = [&pdf[..pdf.len() - 10], b"/Encrypt 9 0 R\n%%EOF\n"].concat();
        assert_eq!(examine(&locked, DIGEST), Err(EvidenceError::Encrypted));
    }
}
