//! Progress on stderr: the only module that touches indicatif. Hidden when stderr is not a
//! terminal (with `--progress auto`) or with `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::fmt;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// When to show progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ProgressMode {
    /// When stderr is a terminal.
    #[default]
    Auto,
    /// Never.
    Never,
    /// Always.
    Always,
}

/// A progress bar over documents, with bytes and errors so far in its message.
pub struct Progress {
    bar: ProgressBar,
    /// Bytes of the documents done so far.
    bytes: AtomicU64,
    /// Documents that failed so far.
    errors: AtomicU64,
}

impl Progress {
    /// A bar for `total` documents.
    pub fn new(mode: ProgressMode, total: u64) -> Progress {
        let visible = match mode {
            ProgressMode::Always => true,
            ProgressMode::Never => false,
            ProgressMode::Auto => std::io::stderr().is_terminal(),
        };
        let bar = if visible {
            let bar =
                ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {prefix} [{bar:30}] {pos}/{len} docs · {docs_per_sec} docs/s · ETA {eta} · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("docs_per_sec", |state: &ProgressState, w: &mut dyn fmt::Write| {
                    let _ = write!(w, "{:.0}", state.per_sec());
                })
                .progress_chars("=> "),
            );
            bar.set_prefix("extract");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            bytes: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        }
    }

    /// Records finished documents: `docs` more, of `bytes` bytes, `errors` of them failed.
    pub fn advance(&self, docs: u64, bytes: u64, errors: u64) {
        self.bar.inc(docs);
        let bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let errors = self.errors.fetch_add(errors, Ordering::Relaxed) + errors;
        if !self.bar.is_hidden() {
            let mb = bytes as f64 / 1e6;
            let seconds = self.bar.elapsed().as_secs_f64().max(1e-3);
            self.bar.set_message(format!(
                "{mb:.1} MB at {:.1} MB/s · {errors} error{}",
                mb / seconds,
                if errors == 1 { "" } else { "s" }
            ));
        }
    }

    /// Documents, bytes and failed documents recorded so far.
    pub fn done(&self) -> (u64, u64, u64) {
        (
            self.bar.position(),
            self.bytes.load(Ordering::Relaxed),
            self.errors.load(Ordering::Relaxed),
        )
    }

    /// Prints a line above the bar (or plainly when hidden).
    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{line}");
            }
        } else {
            self.bar.println(line);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_errors_add_up_over_batches() {
        let progress = Progress::new(ProgressMode::Never, 10);
        progress.advance(4, 1_000, 1);
        progress.advance(6, 500, 0);
        assert_eq!(progress.done(), (10, 1_500, 1));
    }
}
