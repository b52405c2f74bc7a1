//! The services' logs, kept out of the test output unless a test fails.
//!
//! The services run in the test process and log through the global `tracing`
//! subscriber. The runner installs one (before anything else can, e.g. the demo
//! stack's `telemetry::init`) that writes every line into a buffer instead of
//! stderr. A failed test prints the lines written while it ran: its own (from the
//! threads of its runtime, tagged with its id) and the untagged ones (actix's
//! worker threads, the database prober: threads no hook reaches), but not those
//! another test's threads wrote. Lines no running test can ask for are dropped.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

thread_local! {
    /// The test whose runtime owns this thread.
    static CURRENT: Cell<Option<u64>> = const { Cell::new(None) };
}

struct Line {
    test: Option<u64>,
    text: String,
}

#[derive(Default)]
struct Buffer {
    /// Sequence number of `lines[0]`.
    first: u64,
    lines: VecDeque<Line>,
    /// Running tests and the sequence number of the first line they may claim.
    running: BTreeMap<u64, u64>,
    next_test: u64,
}

impl Buffer {
    fn end(&self) -> u64 {
        self.first + self.lines.len() as u64
    }

    /// Drops the lines older than every running test.
    fn prune(&mut self) {
        let keep_from = self.running.values().copied().min().unwrap_or(self.end());
        while self.first < keep_from && self.lines.pop_front().is_some() {
            self.first += 1;
        }
    }
}

static BUFFER: Mutex<Option<Buffer>> = Mutex::new(None);

fn with_buffer<T>(f: impl FnOnce(&mut Buffer) -> T) -> Option<T> {
    let mut guard = BUFFER.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_mut().map(f)
}

/// Installs the capturing subscriber (the services' default filter, `info`, or
/// `RUST_LOG`). Without it (another subscriber was first) logs go where that one
/// sends them and [`Capture::finish`] has nothing to print.
pub fn install() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Captured)
        .try_init()
        .is_ok();
    if installed {
        *BUFFER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Buffer::default());
    }
}

/// One test's claim on the lines written from now on.
pub struct Capture {
    id: Option<u64>,
}

impl Capture {
    pub fn start() -> Self {
        let id = with_buffer(|buffer| {
            let id = buffer.next_test;
            buffer.next_test += 1;
            let end = buffer.end();
            buffer.running.insert(id, end);
            id
        });
        Self { id }
    }

    /// Marks the calling thread as this test's; for its runtime's `on_thread_start`.
    pub fn tagger(&self) -> impl Fn() + Send + Sync + 'static {
        let id = self.id;
        move || CURRENT.with(|current| current.set(id))
    }

    /// Stops capturing; the lines that concern this test.
    pub fn finish(self) -> String {
        let Some(id) = self.id else {
            return String::new();
        };
        with_buffer(|buffer| {
            let start = buffer.running.remove(&id).unwrap_or(buffer.first);
            let skip = start.saturating_sub(buffer.first) as usize;
            let text = buffer
                .lines
                .iter()
                .skip(skip)
                .filter(|line| line.test.is_none_or(|t| t == id))
                .map(|line| line.text.as_str())
                .collect();
            buffer.prune();
            text
        })
        .unwrap_or_default()
    }
}

/// The subscriber's writer: one `Line` per event.
struct Captured;

impl<'a> MakeWriter<'a> for Captured {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter(Vec::new())
    }
}

struct LineWriter(Vec<u8>);

impl Write for LineWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let line = Line {
            test: CURRENT.with(Cell::get),
            text: String::from_utf8_lossy(&self.0).into_owned(),
        };
        with_buffer(|buffer| {
            // kept only while a test can claim it
            if !buffer.running.is_empty() {
                buffer.lines.push_back(line);
            }
        });
    }
}
