//! Typst output for rolecall documents.
//!
//! Place in the pipeline: Markdown rendered from Tera templates → Typst markup
//! ([`writer`], with all text escaped by [`escape`]) → `typst` CLI → PDF.
//! This module has no dependencies besides `pulldown-cmark` and `std`.

pub mod escape;
pub mod writer;

pub use escape::{escape_string, escape_text};
pub use writer::{
    Unsupported, WriterOptions, markdown_to_typst, markdown_to_typst_with, parser_options,
};
