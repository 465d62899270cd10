//! Progress on stderr: the only module that touches indicatif. Hidden when stderr is not a
//! terminal (with `--progress auto`) or with `--quiet`.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

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

/// A progress bar over documents, with bytes and errors in its message.
pub struct Progress {
    bar: ProgressBar,
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
                    "{spinner} {prefix} [{bar:30}] {pos}/{len} docs · {per_sec} · ETA {eta} · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix("extract");
            bar.enable_steady_tick(Duration::from_millis(250));
            bar
        } else {
            ProgressBar::hidden()
        };
        Progress { bar }
    }

    /// Records finished documents.
    pub fn advance(&self, docs: u64, bytes: u64, errors: u64) {
        self.bar.inc(docs);
        if !self.bar.is_hidden() {
            self.bar
                .set_message(format!("{:.1} MB · {errors} errors", (bytes as f64) / 1e6));
        }
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
