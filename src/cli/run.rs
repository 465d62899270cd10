//! `newsfacts run`.

use std::path::PathBuf;

use clap::Args;

use super::{ExitStatus, OutputArgs, RulesArg};
use crate::pipeline::{self, RunOptions};

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
    /// Prefix cells starting with =, +, - or @ with ' so spreadsheets do not run them.
    #[arg(
        long,
        long_help = "Prefix cells that start with =, +, - or @ with a single quote so spreadsheet \
                     programs do not read them as formulas. Off by default: it alters values, so \
                     do not use it for files meant for databases."
    )]
    csv_safe: bool,
    /// Cache folder (default: OUTPUT/.cache).
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Cache folder (default: .cache inside the output folder). It keeps, per \
                     document content, the encoding, main text, metadata, language and \
                     records, so that a re-run after a rule edit only extracts again the \
                     documents whose rules changed. Safe to delete at any time; ignored with \
                     --no-cache."
    )]
    cache: Option<PathBuf>,
    /// Process every document from its bytes: no cache, no rows kept from the last run.
    #[arg(
        long,
        long_help = "Process every document from its bytes: neither read nor write the cache, \
                     and keep no rows from the previous output. The change summary against the \
                     previous output is still printed."
    )]
    no_cache: bool,
    #[command(flatten)]
    rules: RulesArg,
    #[command(flatten)]
    output_args: OutputArgs,
}

pub(super) fn run(args: &RunArgs) -> ExitStatus {
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
        csv_safe: args.csv_safe,
        cache: args.cache.clone(),
        no_cache: args.no_cache,
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
        print_summary(&summary, args);
    }
    if summary.failed > 0 {
        ExitStatus::SomeFailed
    } else {
        ExitStatus::Ok
    }
}

fn print_summary(summary: &pipeline::RunSummary, args: &RunArgs) {
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
    let p = summary.paths;
    let reused = if p.kept + p.cached_records + p.cached_text > 0 {
        format!(
            "; {} kept from the previous output, {} from cached records, {} extracted from \
             cached text, {} processed",
            p.kept, p.cached_records, p.cached_text, p.processed
        )
    } else {
        String::new()
    };
    for note in &summary.notes {
        eprintln!("newsfacts: note: {note}");
    }
    eprintln!(
        "newsfacts: {} documents ({}), {} failed, {} skipped; records: {}; {:.1} MB in {:.2}s ({:.1} MB/s){reused}; output in {}",
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
    match &summary.changes {
        Some(c) if c.is_empty() => {
            eprintln!("newsfacts: no record changed since the previous run");
        }
        Some(c) => eprint!("newsfacts: changes since the previous run: {}", c.render()),
        None => {}
    }
}
