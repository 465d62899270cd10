//! `newsfacts run`.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::fetch::FetchArgs;
use super::{ExitStatus, OutputArgs, RulesArg};
use crate::pipeline::{self, RunOptions};
use crate::write::OutputFormat;

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// Article files, folders (read recursively) and http:// or https:// URLs.
    #[arg(
        value_name = "INPUT",
        required_unless_present = "urls",
        long_help = "Article files (.txt, .html, .htm …), folders (read recursively) and URLs. \
                     An input starting with http:// or https:// is fetched (see Fetching URLs); \
                     more URLs can come from --urls."
    )]
    inputs: Vec<PathBuf>,
    /// Output folder.
    #[arg(
        short,
        long,
        value_name = "DIR",
        default_value = "output",
        long_help = "Output folder (default: output). Files are written into DIR/.staging/ and \
                     switched into DIR when the run completes, replacing the previous run's \
                     files all together (a killed run leaves the previous or the new files)."
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
    /// Cache folder (default: OUTPUT/.cache).
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Cache folder (default: .cache inside the output folder). For files, it \
                     keeps per document content the encoding, main text, metadata, language \
                     and records (under DIR/stages/), so that a re-run after a rule edit only \
                     extracts again the documents whose rules changed; --no-cache ignores \
                     that part. For URLs, fetched bodies are kept under DIR/fetch/v1/ by URL \
                     and content hash, so a re-run reads them instead of fetching again (see \
                     --refetch; failures are not cached). Safe to delete at any time."
    )]
    cache: Option<PathBuf>,
    /// Process every document from its bytes: no cache, no rows kept from the last run.
    #[arg(
        long,
        long_help = "Process every document from its bytes: neither read nor write the stage \
                     cache, and keep no rows from the previous output. The change summary \
                     against the previous output is still printed. Fetched URLs still come \
                     from the fetch cache; add --refetch to fetch them again."
    )]
    no_cache: bool,
    #[command(flatten)]
    rules: RulesArg,
    #[command(flatten)]
    output_args: OutputArgs,
    /// A file of URLs to fetch, one a line (# comments; - for stdin). Repeatable.
    #[arg(
        long,
        value_name = "FILE",
        help_heading = "Fetching URLs",
        long_help = "A file of URLs to fetch, one a line; blank lines and lines starting with # \
                     are ignored, and - reads standard input. Repeatable, and combines with \
                     URLs, files and folders given as INPUT."
    )]
    urls: Vec<PathBuf>,
    /// Requests in flight at once, over all hosts (default: 8).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 8,
        help_heading = "Fetching URLs",
        long_help = "Requests in flight at once, over all hosts (default: 8). Fetching runs on \
                     threads of its own, apart from the --jobs extraction workers; --host-jobs \
                     and --host-delay further limit each host."
    )]
    fetch_jobs: usize,
    /// Requests in flight at once to one host (default: 2).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        help_heading = "Fetching URLs",
        long_help = "Requests in flight at once to one host, counted by host name and port \
                     (default: 2). Never more than --fetch-jobs."
    )]
    host_jobs: usize,
    /// Least time between two requests to one host, in milliseconds (default: 250).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 250,
        help_heading = "Fetching URLs",
        long_help = "Least time between the starts of two requests to one host, in milliseconds \
                     (default: 250). A 429 or 503 with Retry-After holds the whole host for the \
                     time asked."
    )]
    host_delay: u64,
    /// Fetch every URL again, even when the cache has it (and update the cache).
    #[arg(
        long,
        help_heading = "Fetching URLs",
        long_help = "Fetch every URL again even when the cache has it, and store the new bytes \
                     in the cache. Without it, a URL in the cache is not fetched, and its \
                     documents.csv row keeps the fetched_at of the first fetch."
    )]
    refetch: bool,
    #[command(flatten)]
    fetch: FetchArgs,
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
        url_lists: args.urls.clone(),
        fetch: args
            .fetch
            .options(args.host_jobs, Duration::from_millis(args.host_delay)),
        fetch_jobs: args.fetch_jobs.max(1),
        cache: args.cache.clone(),
        refetch: args.refetch,
        out_dir: args.output.clone(),
        lang: args.lang.clone(),
        jobs: args.jobs,
        progress: args.output_args.progress(),
        format: args.format,
        csv_safe: args.csv_safe,
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
    // The process ends here: freeing the automata and search caches one by one would take
    // about 45 ms after a large run, for memory the system takes back at exit anyway.
    std::mem::forget(rules);
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
    let fetched = if summary.fetched > 0 {
        format!(
            "; {} URLs fetched ({} from the cache)",
            summary.fetched, summary.from_cache
        )
    } else {
        String::new()
    };
    for note in &summary.notes {
        eprintln!("newsfacts: note: {note}");
    }
    eprintln!(
        "newsfacts: {} documents ({}), {} failed, {} skipped{fetched}; records: {}; {:.1} MB in {:.2}s ({:.1} MB/s){reused}; output in {}",
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::super::{Cli, Command};
    use crate::ingest::fetch::FetchOptions;

    #[test]
    fn fetch_flag_defaults_are_the_library_defaults() {
        let cli = Cli::try_parse_from(["newsfacts", "run", "https://example.org/"]).unwrap();
        let Command::Run(args) = cli.command else {
            panic!("not run")
        };
        let opts = args.fetch.options(
            args.host_jobs,
            std::time::Duration::from_millis(args.host_delay),
        );
        assert_eq!(opts, FetchOptions::default());
        assert_eq!(args.fetch_jobs, 8);
    }

    #[test]
    fn a_url_list_alone_is_enough_input() {
        assert!(Cli::try_parse_from(["newsfacts", "run", "--urls", "list.txt"]).is_ok());
        assert!(Cli::try_parse_from(["newsfacts", "run"]).is_err());
    }
}
