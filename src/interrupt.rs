//! What a build leaves when it is interrupted (SIGINT, SIGTERM, SIGHUP): nothing.
//!
//! Not a pipeline stage but the build's safety net. The build registers what
//! must not outlive it: the typst processes it runs ([`spawn`]) and the
//! temporary directories it writes in OUT ([`remove_on_interrupt`]). When a
//! signal arrives, the thread started by [`install`] stops those processes,
//! removes those directories and exits with 128 + the signal's number, as a
//! shell reports a killed command. The swap of a finished bundle into place
//! runs inside [`critical`], which the signal thread waits for, so an interrupt
//! leaves the previous bundle or the new one in place, never a mix.
//!
//! This is process-global state by necessity (a signal reaches the process,
//! not a value); only `build` installs it, and nothing else reads it. A
//! SIGKILL cannot be caught: what it leaves, the next build into the same OUT
//! recovers or removes (`bundle::lock`).

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// What is registered to be stopped or removed on an interrupt.
#[derive(Default)]
struct State {
    next: u64,
    children: Vec<(u64, Arc<Mutex<Child>>)>,
    paths: Vec<(u64, PathBuf)>,
}

static STATE: Mutex<State> = Mutex::new(State {
    next: 0,
    children: Vec::new(),
    paths: Vec::new(),
});
/// Held while a bundle is swapped into place; the signal thread takes it for good.
static CRITICAL: Mutex<()> = Mutex::new(());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// A lock that a panic elsewhere does not make unusable: the data here stays
/// valid whatever was interrupted.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts the signal thread, once per process. Until it runs, a signal ends
/// the process as usual (nothing has been written to OUT by then).
pub fn install() -> crate::error::Result<()> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| start().map_err(|e| e.to_string()))
        .clone()
        .map_err(|e| crate::error::Error::new(format!("cannot watch for interrupts ({e})")))
}

#[cfg(unix)]
fn start() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("rolecall-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let name = match signal {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                clean_up(name);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(not(unix))]
fn start() -> std::io::Result<()> {
    Ok(())
}

/// Stops every registered typst process and removes every registered directory.
fn clean_up(signal: &str) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // Wait for a swap under way, then keep any other from starting.
    std::mem::forget(lock(&CRITICAL));
    let state = lock(&STATE);
    for (_, child) in &state.children {
        let mut child = lock(child);
        let _ = child.kill();
        let _ = child.wait();
    }
    for (_, path) in &state.paths {
        // A worker may still be writing into it: try again while it refills.
        for _ in 0..5 {
            match std::fs::remove_dir_all(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                _ => break,
            }
        }
    }
    crate::term::err(&format!(
        "error: interrupted ({signal}); the unfinished bundle was removed and any previous bundle is in place\n"
    ));
}

/// Whether an interrupt is being handled (the process is about to exit).
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Runs `f` to its end before an interrupt is acted on. When an interrupt came
/// first or while `f` ran, this never returns (the process is exiting).
pub fn critical<T>(f: impl FnOnce() -> T) -> T {
    let done = {
        let _guard = lock(&CRITICAL);
        (!interrupted()).then(f)
    };
    // An interrupt that came before or while `f` ran is acted on now.
    wait_if_interrupted();
    match done {
        Some(done) => done,
        None => park_forever(),
    }
}

/// Never returns while an interrupt is handled: a failure that the interrupt
/// caused (a killed typst, a removed directory) is not reported as an error of
/// its own before the process exits.
pub fn wait_if_interrupted() {
    if interrupted() {
        park_forever();
    }
}

/// Waits for the signal thread to end the process.
fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// Something registered with [`remove_on_interrupt`] or [`spawn`]; it is
/// forgotten when this is dropped.
#[must_use = "the registration ends when this is dropped"]
pub struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        let mut state = lock(&STATE);
        state.children.retain(|(id, _)| *id != self.0);
        state.paths.retain(|(id, _)| *id != self.0);
    }
}

fn register(add: impl FnOnce(&mut State, u64)) -> Registration {
    let mut state = lock(&STATE);
    let id = state.next;
    state.next += 1;
    add(&mut state, id);
    Registration(id)
}

/// Removes the directory `path` (and everything in it) on an interrupt.
pub fn remove_on_interrupt(path: PathBuf) -> Registration {
    register(|s, id| s.paths.push((id, path)))
}

/// Starts `cmd` and kills it on an interrupt. Starting and registering are one
/// step under the lock the signal thread takes, so no child can start
/// unregistered while an interrupt is handled; once one is, this never returns.
pub fn spawn(cmd: &mut Command) -> std::io::Result<(Arc<Mutex<Child>>, Registration)> {
    let mut state = lock(&STATE);
    if interrupted() {
        drop(state);
        park_forever();
    }
    let child = Arc::new(Mutex::new(cmd.spawn()?));
    let id = state.next;
    state.next += 1;
    state.children.push((id, Arc::clone(&child)));
    Ok((child, Registration(id)))
}
