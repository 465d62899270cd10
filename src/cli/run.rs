//! `newsfacts run`.

use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, OutputArgs, RulesArg};
use crate::pipeline::{self, RunOptions};
use crate::write::OutputFormat;

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Article files and folders (.txt, .html, .htm; folders are read recursively).
    #[arg(value_name = "INPUT", required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder.
    #[arg(
        short,
        long,
        value_name = "DIR",
        default_value = "output",
        long_help = "Output folder (default: output). Tables are written to temporary files and \
                     renamed when the run completes, replacing the previous run's tables."
    )]
    output: PathBuf,
    /// Language of every document (ISO 639-1), instead of detecting it.
    #[arg(
        long,
        value_name = "CODE",
        long_help = "Language of every document (ISO 639-1, e.g. fr). Without it, an HTML lang \
                     attribute is used, and otherwise the language is detected with whatlang."
    )]
    lang: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N", default_value_t = 0)]
    jobs: usize,
    /// Format of the tables: csv (default) or jsonl.
    #[arg(
        long,
        value_enum,
        default_value_t = OutputFormat::Csv,
        long_help = "Format of the tables (default: csv). csv writes documents.csv, dates.csv, \
                     amounts.csv, counts.csv, countries.csv, errors.csv and schema.sql. jsonl \
                     writes documents.jsonl, records.jsonl (every kind of fact, one line per \
                     record with the CSV's fields plus kind) and errors.jsonl, for document \
                     stores and search engines. Both write run.json."
    )]
    format: OutputFormat,
    /// Prefix cells starting with =, +, - or @ with ' so spreadsheets do not run them.
    #[arg(
        long,
        long_help = "Prefix cells that start with =, +, - or @ with a single quote so spreadsheet \
                     programs do not read them as formulas. Off by default: it alters values, so \
                     do not use it for files meant for databases (newsfacts load refuses them). \
                     CSV only: an error with --format jsonl."
    )]
    csv_safe: bool,
    #[command(flatten)]
    rules: RulesArg,
    #[command(flatten)]
    output_args: OutputArgs,
}

pub(super) fn run(args: &RunArgs) -> ExitStatus {
    if args.csv_safe && args.format != OutputFormat::Csv {
        eprintln!(
            "newsfacts: --csv-safe protects spreadsheets opening CSV files; it does not apply to \
             --format {}: drop one of them",
            args.format.as_str()
        );
        return ExitStatus::Fatal;
    }
    let rules = match args.rules.load() {
        Ok(r) => r,
        Err(status) => return status,
    };
    let opts = RunOptions {
        inputs: args.inputs.clone(),
        out_dir: args.output.clone(),
        lang: args.lang.clone(),
        jobs: args.jobs,
        progress: args.output_args.progress(),
        format: args.format,
        csv_safe: args.csv_safe,
    };
    let quiet = args.output_args.quiet;
    let report = |f: &crate::error::Failure, p: &crate::progress::Progress| {
        if !quiet {
            p.println(&format!("newsfacts: {f}"));
        }
    };
    let summary = match pipeline::run(&rules, &opts, &report) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("newsfacts: {e:#}");
            return ExitStatus::Fatal;
        }
    };
    if !quiet {
        let records: Vec<String> = summary
            .records
            .iter()
            .map(|(k, n)| format!("{n} {}", k.table()))
            .collect();
        let langs: Vec<String> = summary
            .langs
            .iter()
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        let secs = summary.elapsed.as_secs_f64();
        eprintln!(
            "newsfacts: {} documents ({}), {} failed, {} skipped; records: {}; {:.1} MB in {:.2}s ({:.1} MB/s); output in {}",
            summary.documents,
            if langs.is_empty() {
                "-".to_owned()
            } else {
                langs.join(", ")
            },
            summary.failed,
            summary.skipped,
            if records.is_empty() {
                "none".to_owned()
            } else {
                records.join(", ")
            },
            summary.bytes as f64 / 1e6,
            secs,
            if secs > 0.0 {
                summary.bytes as f64 / 1e6 / secs
            } else {
                0.0
            },
            args.output.display()
        );
    }
    if summary.failed > 0 {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Ok
    }
}
