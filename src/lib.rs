//! rolecall: ISO/IEC 27001:2022 clause 5.3 and Annex A 5.2 evidence from a TOML model.
//!
//! The pipeline, one module per stage: [`model`] (load and validate the TOML into a
//! resolved `Model`) → [`render`] (Tera templates → Markdown) → [`typst`] (Markdown →
//! Typst markup) → [`pdf`] (the `typst` program → PDF/A), [`docx`] (Markdown → Word) → [`html`] (the bundle as web
//! pages) → [`bundle`] (manifest, `SHA256SUMS`, reproducible zip, atomic rename).
//! [`cmd`] holds one file per subcommand; [`cli`] every clap type.

pub mod bundle;
pub mod changes;
pub mod cli;
pub mod cmd;
pub mod date;
pub mod diag;
pub mod digest;
pub mod docx;
pub mod export;
pub mod fonts;
pub mod html;
pub mod model;
pub mod pdf;
pub mod progress;
pub mod render;
pub mod rules;
pub mod schema;
pub mod signatures;
pub mod typst;
pub mod verify;
