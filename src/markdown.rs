//! The Markdown dialect of rolecall's documents, set in one place.
//!
//! The render stage writes CommonMark with tables, footnotes and strikethrough;
//! every stage that reads the documents back (Typst, HTML, the locale strings'
//! inline Markdown) parses them with these options.

use pulldown_cmark::Options;

/// The pulldown-cmark options of every parse: CommonMark plus tables,
/// footnotes and strikethrough.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}
