//! The integration test binary: runs the real `rolecall` binary over fixture models.
//!
//! One binary (fast to link), one module per area.

// A test's own notes go to the test harness's output, which captures them.
#![allow(clippy::disallowed_macros)]

mod architecture;
mod bad_input;
mod build;
mod bundle_signature;
mod cache;
mod changes;
mod check;
mod docs;
mod docx;
mod evidence;
mod export;
mod getting_started;
mod hardening;
mod html;
mod locale;
mod pdf;
mod progress;
mod roster;
mod schema;
mod signatures;
mod support;
mod verify;
