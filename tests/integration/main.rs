//! The integration test binary: runs the real `rolecall` binary over fixture models.
//!
//! One binary (fast to link), one module per area.

mod bad_input;
mod build;
mod check;
mod pdf;
mod support;
mod verify;
