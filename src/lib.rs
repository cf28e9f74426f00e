//! rolecall: ISO/IEC 27001:2022 clause 5.3 and Annex A 5.2 evidence from a TOML model.
//!
//! The pipeline is [`pipeline`]: [`pipeline::check`] then [`pipeline::build`], one module per stage:
//! [`model`] loads the TOML files ([`model::raw`] is their serde mirror) and
//! validates them into a resolved `Model`, collecting [`diag`]nostics by the
//! [`rules`]; [`render`] loads the templates and the [`render::locale`] of the
//! model's language and renders the [table of documents](render::documents) into
//! Markdown, asking [`signatures`] for the register of recorded signatures; the
//! [`pdf`] stage converts each document with [`typst`] (Markdown → Typst markup)
//! after [`fonts`] checked the glyphs, and runs the `typst` program; [`docx`] writes
//! each document as a Word file; [`export`]
//! writes the spreadsheets, JSON and OSCAL; [`html`] makes the web pages;
//! [`bundle`] adds the manifest and `SHA256SUMS` and writes the directory and the
//! reproducible zip, staging each file as it is made: the PDF stage runs on its
//! own thread, so the rest is written while typst works. Beside the pipeline, [`verify`] checks a written bundle and
//! [`changes`] compares two models or bundles, and [`roster`] compares a model's
//! staff with an export of the HR directory (`check --roster`).
//!
//! [`cmd`] holds one thin file per subcommand, [`cli`] every clap type, and
//! [`error`] the one error type. [`date`], [`digest`], [`markdown`], [`progress`]
//! and [`schema`] are small shared helpers; [`interrupt`] stops typst and removes a
//! build's temporary files on SIGINT or SIGTERM; [`term`] makes untrusted text safe to print;
//! [`url`] percent-encodes paths for links. [`bundle_sig`] signs and checks `SHA256SUMS`
//! (SSHSIG), and [`evidence`] reads the scans and PDFs that evidence a signature.
//! [`pdf_cache`] keeps the PDFs of unchanged documents between builds.

// Unit tests may print notes; the test harness captures them (clippy.toml
// disallows `println!` and kin in the program, see `term`).
#![cfg_attr(test, allow(clippy::disallowed_macros))]

pub mod bundle;
pub mod bundle_sig;
pub mod changes;
pub mod cli;
pub mod cmd;
pub mod date;
pub mod diag;
pub mod digest;
pub mod docx;
pub mod error;
pub mod evidence;
pub mod export;
pub mod fonts;
pub mod html;
pub mod interrupt;
pub mod markdown;
pub mod model;
pub mod pdf;
pub mod pdf_cache;
pub mod pipeline;
pub mod progress;
pub mod render;
pub mod roster;
pub mod rules;
pub mod schema;
pub mod signatures;
pub mod term;
pub mod typst;
pub mod url;
pub mod verify;
