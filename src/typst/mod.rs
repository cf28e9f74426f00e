//! Typst output for rolecall documents.
//!
//! Place in the pipeline: Markdown rendered from Tera templates → Typst markup
//! ([`writer`], with all text escaped by [`escape`]) → `typst` CLI → PDF.
//! This module depends only on `pulldown-cmark`, `std` and the Markdown dialect
//! (`crate::markdown`).

pub mod escape;
pub mod writer;

pub use escape::{escape_string, escape_text};
pub use writer::{
    Unsupported, WriterOptions, inline_markdown, markdown_to_typst, markdown_to_typst_with,
    parser_options,
};
