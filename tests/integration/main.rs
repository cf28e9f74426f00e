//! The integration test binary: runs the real `rolecall` binary over fixture models.
//!
//! One binary (fast to link), one module per area.

mod bad_input;
mod build;
mod cache;
mod changes;
mod check;
mod docs;
mod export;
mod getting_started;
mod html;
mod pdf;
mod progress;
mod schema;
mod signatures;
mod support;
mod verify;
