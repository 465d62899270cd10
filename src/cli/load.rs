//! `newsfacts load --sqlite FILE [DIR]`: upsert a run's CSV tables into an SQLite database.

use std::path::PathBuf;

use clap::Args;

use super::ExitStatus;
use crate::load::{LoadReport, load_sqlite};

#[derive(Debug, Args)]
pub(super) struct LoadArgs {
    /// SQLite database file to create or update.
    #[arg(
        long,
        value_name = "FILE",
        required = true,
        long_help = "SQLite database file to create or update. Its tables are created, or \
                     upgraded with the columns this version adds, then the run is upserted in one \
                     transaction: new rows inserted, changed rows updated, records of the run's \
                     documents that the run no longer has deleted, documents not in the run left \
                     alone. Loading the same run twice changes nothing; on any error nothing \
                     changes."
    )]
    sqlite: PathBuf,
    /// Output folder of `newsfacts run` (CSV format) to load.
    #[arg(value_name = "DIR", default_value = "output")]
    dir: PathBuf,
    /// Print nothing on stderr but errors.
    #[arg(short, long)]
    quiet: bool,
}

pub(super) fn run(args: &LoadArgs) -> ExitStatus {
    // A run killed while committing its tables: finish the commit, so that the folder is
    // loaded as one run's output.
    if args.dir.is_dir()
        && let Err(e) = crate::write::finish_interrupted_commit(&args.dir)
    {
        eprintln!(
            "newsfacts: {e:#}\nnewsfacts: nothing was loaded: {} is as it was",
            args.sqlite.display()
        );
        return ExitStatus::Fatal;
    }
    match load_sqlite(&args.sqlite, &args.dir) {
        Ok(report) => {
            if !args.quiet {
                print_report(args, &report);
            }
            ExitStatus::Ok
        }
        Err(e) => {
            eprintln!(
                "newsfacts: {e}\nnewsfacts: nothing was loaded: {} is as it was",
                args.sqlite.display()
            );
            ExitStatus::Fatal
        }
    }
}

fn print_report(args: &LoadArgs, report: &LoadReport) {
    let mut what = Vec::new();
    if !report.created.is_empty() {
        what.push(format!("created tables {}", report.created.join(", ")));
    }
    if !report.added_columns.is_empty() {
        what.push(format!("added columns {}", report.added_columns.join(", ")));
    }
    eprintln!(
        "newsfacts: loaded {} into {}{}",
        args.dir.display(),
        args.sqlite.display(),
        if what.is_empty() {
            String::new()
        } else {
            format!(" ({})", what.join("; "))
        }
    );
    for t in &report.tables {
        eprintln!(
            "newsfacts: {}: {} inserted, {} updated, {} deleted, {} unchanged",
            t.table, t.inserted, t.updated, t.deleted, t.unchanged
        );
    }
}
