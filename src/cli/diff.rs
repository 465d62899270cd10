//! `newsfacts diff OLD_DIR NEW_DIR`: the records added, removed and changed between two
//! output folders, per kind and rule with examples, or every change as CSV for tools.

use std::io::{BufWriter, Write as _};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{ExitStatus, is_broken_pipe};
use crate::diff;
use crate::write::csv_out::CsvOut;

#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The older output folder.
    #[arg(value_name = "OLD_DIR")]
    old: PathBuf,
    /// The newer output folder.
    #[arg(value_name = "NEW_DIR")]
    new: PathBuf,
    /// Output format: a summary per rule (text) or one row per changed record (csv).
    #[arg(
        long,
        value_enum,
        default_value_t = Format::Text,
        long_help = "Output format (default: text). text: totals, then one line per kind and \
                     rule with the records added (+), removed (-) and changed (~), and a few \
                     examples (document, offsets, surface text, old and new value). csv: one \
                     row per record added, removed or changed: change, kind, rule_id, \
                     record_id, doc_id, source, start, end, text, old_value, new_value."
    )]
    format: Format,
    /// Examples per rule in the text format.
    #[arg(long, value_name = "N", default_value_t = 3)]
    examples: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Csv,
}

pub(super) fn run(args: &DiffArgs) -> ExitStatus {
    match diff_command(args) {
        Ok(()) => ExitStatus::Ok,
        Err(e) => {
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(is_broken_pipe)
            {
                return ExitStatus::Ok;
            }
            eprintln!("newsfacts: {e:#}");
            ExitStatus::Fatal
        }
    }
}

fn diff_command(args: &DiffArgs) -> Result<()> {
    for dir in [&args.old, &args.new] {
        anyhow::ensure!(
            dir.is_dir(),
            "{}: not a folder (give two output folders of newsfacts run)",
            dir.display()
        );
        // A run killed while committing its tables: finish the commit, so that the folder
        // is read as one run's output.
        crate::write::finish_interrupted_commit(dir)?;
    }
    let stdout = std::io::stdout();
    match args.format {
        Format::Text => {
            let mut summary = diff::Summary::new(args.examples);
            diff::diff_dirs(&args.old, &args.new, &mut |c| summary.add(c))?;
            let mut out = stdout.lock();
            out.write_all(summary.render().as_bytes())?;
            out.flush()?;
        }
        Format::Csv => {
            let mut w = CsvOut::new(BufWriter::new(stdout.lock()));
            w.row(diff::CSV_HEADER.iter().map(|c| c.as_bytes()))
                .context("stdout")?;
            let mut result = Ok(());
            diff::diff_dirs(&args.old, &args.new, &mut |c| {
                if result.is_ok() {
                    result = w.row(diff::csv_row(c).iter().map(String::as_bytes));
                }
            })?;
            result.and_then(|()| w.flush()).context("stdout")?;
        }
    }
    Ok(())
}
