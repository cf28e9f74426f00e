//! Progress of a long build: one status line on stderr, on a terminal only.
//!
//! Used by `build` around its slow stages (rendering, fonts, typst, writing).
//! Hidden unless stderr is a terminal and `--quiet` is off, so pipes, CI logs
//! and tests see nothing. The line is redrawn in place (`\r` + erase line) when
//! a stage starts or a PDF batch finishes, and erased before anything else is
//! printed. A hand-rolled line rather than indicatif: typst reports nothing
//! while it works, so there is no rate or ETA to show, only "stage, k of n".

use std::io::IsTerminal as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A status line, shared by the threads of a build (clones draw the same line).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    line: Option<Arc<Mutex<Line>>>,
}

#[derive(Debug)]
struct Line {
    start: Instant,
    stage: String,
    done: usize,
    total: usize,
    drawn: bool,
}

impl Progress {
    /// A status line on stderr if it is a terminal and `quiet` is off.
    pub fn on_terminal(quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress::default();
        }
        Progress {
            line: Some(Arc::new(Mutex::new(Line {
                start: Instant::now(),
                stage: String::new(),
                done: 0,
                total: 0,
                drawn: false,
            }))),
        }
    }

    /// Starts a stage without a count (`rendering documents`).
    pub fn stage(&self, stage: &str) {
        self.update(|l| {
            l.stage = stage.to_string();
            l.total = 0;
            l.done = 0;
        });
    }

    /// Starts a stage of `total` steps.
    pub fn counted(&self, stage: &str, total: usize) {
        self.update(|l| {
            l.stage = stage.to_string();
            l.total = total;
            l.done = 0;
        });
    }

    /// Adds `n` finished steps to the current stage.
    pub fn advance(&self, n: usize) {
        self.update(|l| l.done = (l.done + n).min(l.total));
    }

    /// Erases the line, so that what is printed next starts on a clean line.
    pub fn clear(&self) {
        if let Some(mut l) = self.line.as_ref().and_then(|l| l.lock().ok()) {
            l.erase();
        }
    }

    fn update(&self, change: impl FnOnce(&mut Line)) {
        let Some(line) = &self.line else {
            return;
        };
        let Ok(mut l) = line.lock() else {
            return;
        };
        change(&mut l);
        let text = render(&l.stage, l.done, l.total, l.start.elapsed().as_secs_f64());
        // The stage may name a document, whose name comes from the model.
        crate::term::err(&format!("\r\x1b[2K{}", crate::term::printable(&text)));
        l.drawn = true;
    }
}

impl Line {
    fn erase(&mut self) {
        if self.drawn {
            crate::term::err("\r\x1b[2K");
            self.drawn = false;
        }
    }
}

/// The last clone gone (a build that failed, too): leave a clean line for the error.
impl Drop for Line {
    fn drop(&mut self) {
        self.erase();
    }
}

/// The text of the status line.
fn render(stage: &str, done: usize, total: usize, seconds: f64) -> String {
    if total == 0 {
        format!("{seconds:5.1}s {stage}")
    } else {
        format!("{seconds:5.1}s {stage} {done}/{total}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_names_the_stage_and_the_count() {
        assert_eq!(
            render("rendering documents", 0, 0, 0.04),
            "  0.0s rendering documents"
        );
        assert_eq!(
            render("typesetting PDFs", 12, 39, 3.25),
            "  3.2s typesetting PDFs 12/39"
        );
    }

    #[test]
    fn quiet_draws_nothing() {
        let p = Progress::on_terminal(true);
        assert!(p.line.is_none());
        // A hidden line accepts every call.
        p.counted("PDFs", 3);
        p.advance(1);
        p.clear();
    }
}
