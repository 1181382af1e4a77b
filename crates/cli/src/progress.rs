//! Progress bars for long file commands (`import`, `export`): drawn on stderr only when it is a terminal,
//! so scripts, pipes and CI logs see nothing but the commands' own output.

use std::io::{IsTerminal, Read};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressFinish, ProgressStyle};

/// A bar or spinner on stderr, or nothing when stderr is not a terminal.
#[derive(Debug, Clone)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// Whether progress is drawn at all: only for a person watching a terminal.
    fn wanted() -> bool {
        std::io::stderr().is_terminal()
    }

    /// Nothing drawn, whatever stderr is.
    pub fn none() -> Progress {
        Progress(None)
    }

    /// A bar of `len` units; `bytes` formats position and rate as sizes instead of counts.
    pub fn bar(len: u64, message: &str, bytes: bool) -> Progress {
        if !Self::wanted() {
            return Progress(None);
        }
        let template = if bytes {
            "{msg:>10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
        } else {
            "{msg:>10} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})"
        };
        let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        // Cleared when dropped, so a command that fails half-way leaves no stale bar behind its error.
        let bar = ProgressBar::new(len).with_style(style.progress_chars("=> ")).with_finish(ProgressFinish::AndClear);
        bar.set_message(message.to_owned());
        Progress(Some(bar))
    }

    /// A spinner for a step whose length is unknown.
    pub fn spinner(message: &str) -> Progress {
        if !Self::wanted() {
            return Progress(None);
        }
        let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = ProgressBar::new_spinner().with_style(style).with_finish(ProgressFinish::AndClear);
        bar.set_message(message.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress(Some(bar))
    }

    /// Advances the bar by `n` units.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }

    /// Wraps `inner` so every byte read advances this bar.
    pub fn reader<R: Read>(&self, inner: R) -> ProgressReader<R> {
        ProgressReader { inner, progress: self.clone() }
    }
}

/// A reader that advances a [`Progress`] bar by the bytes it reads.
#[derive(Debug)]
pub struct ProgressReader<R> {
    inner: R,
    progress: Progress,
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.inc(n as u64);
        Ok(n)
    }
}
