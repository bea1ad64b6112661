//! Progress bars of the command line (`import`, `demo --companies`,
//! `analyze`), drawn with `indicatif` on stderr only when stderr is a
//! terminal, and a log writer that suspends them so that a log line never
//! runs into a bar.

use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Every bar of the process is drawn through this one, so the log writer
/// can clear them while it writes.
fn multi() -> &'static MultiProgress {
    static MULTI: OnceLock<MultiProgress> = OnceLock::new();
    MULTI.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// A bar counting `len` steps of `what`, hidden when stderr is not a
/// terminal (a pipe or a file gets the log lines and the summary only).
pub fn bar(len: u64, what: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} {msg} ({elapsed}, eta {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    let bar = multi().add(ProgressBar::new(len).with_style(style));
    bar.set_message(what.to_owned());
    bar
}

/// A bar without a known length (one long step, such as a group analysis).
pub fn spinner(what: &str) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = multi().add(ProgressBar::new_spinner());
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// The log writer: stderr, with the bars cleared while a line is written
/// and drawn again after it.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        multi().suspend(|| io::stderr().lock().write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        multi().suspend(|| io::stderr().lock().write_all(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LogWriter
    }
}
