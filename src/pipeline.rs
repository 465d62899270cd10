//! Wiring the stages: ingest → fetch or read → decode → text → lang → extract → write.
//!
//! This module owns parallelism (a rayon pool of `--jobs` threads, and for URLs the fetch
//! threads of `pipeline/fetching.rs`), progress and the collection of failures; the stages
//! themselves live in their own modules and know nothing of each other. Documents are
//! processed in batches in input order and written as each batch completes, so memory is
//! bounded by the batch, not the corpus, and the output is the same whatever the number of
//! threads.

mod fetching;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rayon::prelude::*;

use crate::document::{Document, Input, MediaType, Provenance, UrlInput, doc_id};
use crate::error::{Failure, Stage};
use crate::fact::FactKind;
use crate::ingest::fetch::cache::FetchCache;
use crate::ingest::fetch::http::HttpFetch;
use crate::ingest::fetch::{FetchError, FetchOptions, Fetched, Fetcher};
use crate::normalize::date::Ymd;
use crate::progress::{Progress, ProgressMode};
use crate::rules::RuleSet;
use crate::write::{OutputFormat, Tables};
use crate::{decode, extract, ingest, lang, text};

/// Options of `newsfacts run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Files, folders and URLs (`http://`, `https://`) to read.
    pub inputs: Vec<PathBuf>,
    /// Files listing URLs, one a line (`-` for standard input).
    pub url_lists: Vec<PathBuf>,
    /// Limits and manners of fetching.
    pub fetch: FetchOptions,
    /// Fetch threads: requests in flight at once, over all hosts.
    pub fetch_jobs: usize,
    /// Cache root; `None` for `<out_dir>/.cache`.
    pub cache: Option<PathBuf>,
    /// Fetch URLs even when the cache has them.
    pub refetch: bool,
    /// Output folder.
    pub out_dir: PathBuf,
    /// Force a language for every document.
    pub lang: Option<String>,
    /// Worker threads (0 = all cores).
    pub jobs: usize,
    /// Progress bar mode.
    pub progress: ProgressMode,
    /// Format of the output tables.
    pub format: OutputFormat,
    /// Neutralize spreadsheet formulas in cells (CSV only).
    pub csv_safe: bool,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct RunSummary {
    /// Documents processed.
    pub documents: usize,
    /// Inputs that failed.
    pub failed: usize,
    /// Files in folders that are not articles.
    pub skipped: usize,
    /// Raw bytes read.
    pub bytes: u64,
    /// URLs fetched, from the network or the cache.
    pub fetched: usize,
    /// Of those, URLs read from the cache.
    pub from_cache: usize,
    /// Records per kind.
    pub records: BTreeMap<FactKind, usize>,
    /// Documents per language.
    pub langs: BTreeMap<String, usize>,
    /// Wall time.
    pub elapsed: Duration,
}

/// A text-level document: what `extract --jsonl` and the file pipeline share.
pub struct TextOutcome {
    /// Language decided.
    pub lang: lang::Detected,
    /// The rule set applied.
    pub rule_set: String,
    /// The facts.
    pub extraction: extract::Extraction,
}

/// Decides the language and extracts facts from a text.
pub fn process_text(
    rules: &RuleSet,
    text: &str,
    given_lang: Option<&str>,
    html_lang: Option<&str>,
    published: Option<&str>,
    explain: bool,
) -> TextOutcome {
    let lang = lang::decide(given_lang, html_lang, text);
    let anchor = published.and_then(Ymd::parse_iso);
    let code = lang.code.as_deref();
    let extraction = extract::extract(rules, code, text, anchor, explain);
    TextOutcome {
        rule_set: extract::rule_set_name(rules, code).to_owned(),
        lang,
        extraction,
    }
}

/// Reads a file's bytes and decodes its main text.
pub fn read_main_text(
    input: &Input,
) -> Result<(Vec<u8>, MediaType, decode::Decoded, text::MainText), Failure> {
    let bytes = std::fs::read(&input.path).map_err(|e| {
        let kind = match e.kind() {
            std::io::ErrorKind::NotFound => "not_found",
            std::io::ErrorKind::PermissionDenied => "permission_denied",
            _ => "io",
        };
        Failure::new(
            &input.source,
            Stage::Read,
            kind,
            format!("cannot read: {e}"),
        )
    })?;
    let html_by_name = ingest::is_html_path(&input.path);
    let (media, decoded, main) = main_text(&input.source, &bytes, html_by_name, None)?;
    Ok((bytes, media, decoded, main))
}

/// Decodes bytes and extracts their main text. `html` says the name or the content type
/// announces HTML (otherwise the text is sniffed); `declared_charset` is a `Content-Type`
/// value or charset label.
pub fn main_text(
    source: &str,
    bytes: &[u8],
    html: bool,
    declared_charset: Option<&str>,
) -> Result<(MediaType, decode::Decoded, text::MainText), Failure> {
    let decoded = decode::decode(bytes, html, declared_charset)
        .map_err(|e| Failure::new(source, Stage::Decode, e.kind(), e.to_string()))?;
    let is_html = html || text::looks_like_html(lang::sample(&decoded.text, 1024));
    let main = if is_html {
        text::from_html(&decoded.text)
    } else {
        text::from_plain(&decoded.text)
    }
    .map_err(|e| Failure::new(source, Stage::Text, e.kind(), e.to_string()))?;
    let media = if is_html {
        MediaType::Html
    } else {
        MediaType::Text
    };
    Ok((media, decoded, main))
}

/// Runs every stage on one file.
pub fn process_file(
    rules: &RuleSet,
    input: &Input,
    given_lang: Option<&str>,
) -> Result<Document, Failure> {
    let (bytes, media_type, decoded, main) = read_main_text(input)?;
    Ok(document(
        rules,
        &input.source,
        None,
        &bytes,
        (media_type, decoded, main),
        given_lang,
    ))
}

/// The `errors.csv` row of a URL that could not be fetched.
pub fn fetch_failure(source: &str, e: &FetchError) -> Failure {
    Failure {
        http_status: e.http_status(),
        ..Failure::new(source, Stage::Fetch, e.kind(), e.to_string())
    }
}

/// Runs every stage after fetching on one URL: the `Content-Type` says whether it is HTML and
/// gives the declared charset.
pub fn process_fetched(
    rules: &RuleSet,
    input: &UrlInput,
    fetched: Fetched,
    given_lang: Option<&str>,
) -> Result<Document, Failure> {
    let html = fetched.is_html();
    let Fetched {
        bytes, provenance, ..
    } = fetched;
    let parts = main_text(
        &input.source,
        &bytes,
        html,
        provenance.content_type.as_deref(),
    )?;
    Ok(document(
        rules,
        &input.source,
        Some(provenance),
        &bytes,
        parts,
        given_lang,
    ))
}

/// Language, extraction and the document record, from a decoded main text.
fn document(
    rules: &RuleSet,
    source: &str,
    provenance: Option<Provenance>,
    bytes: &[u8],
    (media_type, decoded, main): (MediaType, decode::Decoded, text::MainText),
    given_lang: Option<&str>,
) -> Document {
    let outcome = process_text(
        rules,
        &main.text,
        given_lang,
        main.lang_attr.as_deref(),
        main.published.as_deref(),
        false,
    );
    Document {
        id: doc_id(source),
        source: source.to_owned(),
        provenance,
        content_hash: blake3::hash(bytes).to_hex()[..16].to_owned(),
        bytes: bytes.len(),
        media_type,
        encoding: decoded.encoding,
        encoding_source: decoded.source.as_str(),
        title: main.title,
        published: main.published,
        lang: outcome.lang.code,
        lang_confidence: outcome.lang.confidence,
        lang_source: outcome.lang.source,
        rule_set: outcome.rule_set,
        chars: main.text.chars().count(),
        facts: outcome.extraction.facts,
    }
}

fn process_loaded(
    rules: &RuleSet,
    loaded: fetching::Loaded,
    given_lang: Option<&str>,
) -> Result<Document, Failure> {
    match loaded {
        fetching::Loaded::File(input) => process_file(rules, &input, given_lang),
        fetching::Loaded::Url(input, Ok(fetched)) => {
            process_fetched(rules, &input, fetched, given_lang)
        }
        fetching::Loaded::Url(input, Err(e)) => Err(fetch_failure(&input.source, &e)),
    }
}

/// Documents per parallel batch: large enough to keep every core busy, small enough to
/// bound memory.
const BATCH: usize = 256;
/// The batch when some documents are fetched: smaller, so that extraction follows the
/// network closely instead of waiting for 256 pages.
const URL_BATCH: usize = 32;

/// Runs the whole pipeline. `report` receives each failure as it happens (the CLI prints
/// it); skipped files are returned in the summary.
pub fn run(
    rules: &RuleSet,
    opts: &RunOptions,
    report: &(dyn Fn(&Failure, &Progress) + Sync),
) -> Result<RunSummary> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .context("cannot start worker threads")?;
    let found = ingest::collect(&opts.inputs, &opts.url_lists);
    let progress = Progress::new(opts.progress, found.sources.len() as u64);
    let has_urls = found
        .sources
        .iter()
        .any(|s| matches!(s, crate::document::Source::Url(_)));
    let mut fetcher = Fetcher::new(HttpFetch::new(&opts.fetch), opts.fetch.clone());
    if has_urls {
        let root = opts
            .cache
            .clone()
            .unwrap_or_else(|| opts.out_dir.join(".cache"));
        let cache = FetchCache::open(&root)
            .with_context(|| format!("cannot create the fetch cache in {}", root.display()))?;
        fetcher = fetcher.with_cache(cache, opts.refetch);
    }
    let tables = Tables::create(&opts.out_dir, opts.format, opts.csv_safe)?;
    let summary = RunSummary {
        skipped: found.skipped.len(),
        ..RunSummary::default()
    };
    for f in &found.failures {
        report(f, &progress);
    }
    // Fetch threads (for URLs) feed batches in input order; the CPU stages run each batch on
    // the worker pool while a writer thread writes the previous ones. Bounded channels keep
    // at most two batches waiting at each hand-off, so memory does not grow with the corpus.
    let batch_size = if has_urls { URL_BATCH } else { BATCH };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Result<Document, Failure>>>(2);
    let (mut tables, mut failures, mut summary) = std::thread::scope(|scope| {
        let progress = &progress;
        let writer = scope.spawn(move || -> Result<(Tables, Vec<Failure>, RunSummary)> {
            let (mut tables, mut summary) = (tables, summary);
            let mut failures = found.failures;
            for results in rx {
                let (mut bytes, mut errors, n) = (0, 0, results.len() as u64);
                for result in results {
                    match result {
                        Ok(doc) => {
                            tables.document(&doc)?;
                            bytes += doc.bytes as u64;
                            summary.add(&doc);
                        }
                        Err(f) => {
                            report(&f, progress);
                            failures.push(f);
                            errors += 1;
                        }
                    }
                }
                progress.advance(n, bytes, errors);
            }
            Ok((tables, failures, summary))
        });
        let (mut urls_loaded, mut from_cache) = (0, 0);
        let sent = fetching::in_order(
            found.sources,
            &fetcher,
            opts.fetch_jobs,
            batch_size,
            |batch| {
                for loaded in &batch {
                    if let fetching::Loaded::Url(_, Ok(f)) = loaded {
                        urls_loaded += 1;
                        from_cache += usize::from(f.from_cache);
                    }
                }
                let results: Vec<Result<Document, Failure>> = pool.install(|| {
                    batch
                        .into_par_iter()
                        .map(|loaded| process_loaded(rules, loaded, opts.lang.as_deref()))
                        .collect()
                });
                tx.send(results)
                    .map_err(|_| anyhow::anyhow!("the writer thread stopped"))
            },
        );
        drop(tx);
        // The writer's own error explains a failed hand-off, so it goes first.
        let (tables, failures, mut summary) = writer
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))??;
        sent?;
        summary.fetched = urls_loaded;
        summary.from_cache = from_cache;
        anyhow::Ok((tables, failures, summary))
    })?;
    failures.sort_by(|a, b| (&a.source, a.stage).cmp(&(&b.source, b.stage)));
    for f in &failures {
        tables.failure(f)?;
    }
    summary.failed = failures.len();
    tables.finish()?;
    summary.elapsed = started.elapsed();
    let run_json = run_json(rules, opts, &summary);
    crate::write::write_atomic(&opts.out_dir.join("run.json"), run_json.as_bytes())?;
    progress.finish();
    Ok(summary)
}

impl RunSummary {
    /// Counts a processed document.
    fn add(&mut self, doc: &Document) {
        self.documents += 1;
        self.bytes += doc.bytes as u64;
        *self
            .langs
            .entry(doc.lang.clone().unwrap_or_else(|| "unknown".into()))
            .or_insert(0) += 1;
        for (k, n) in extract::count_by_kind(&doc.facts) {
            *self.records.entry(k).or_insert(0) += n;
        }
    }
}

fn run_json(rules: &RuleSet, opts: &RunOptions, s: &RunSummary) -> String {
    let records: BTreeMap<&str, usize> = s.records.iter().map(|(k, n)| (k.table(), *n)).collect();
    let secs = s.elapsed.as_secs_f64();
    let value = serde_json::json!({
        "tool": "newsfacts",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": {
            "origin": rules.origin,
            "fingerprint": rules.fingerprint,
            "files": rules.file_fingerprints,
        },
        "options": {
            "inputs": opts.inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "out_dir": opts.out_dir.display().to_string(),
            "lang": opts.lang,
            "jobs": opts.jobs,
            "format": opts.format.as_str(),
            "csv_safe": opts.csv_safe,
            "url_lists": opts.url_lists.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "fetch": {
                "fetch_jobs": opts.fetch_jobs,
                "host_jobs": opts.fetch.host_jobs,
                "host_delay_ms": opts.fetch.host_delay.as_millis(),
                "connect_timeout_s": opts.fetch.connect_timeout.as_secs_f64(),
                "read_timeout_s": opts.fetch.read_timeout.as_secs_f64(),
                "timeout_s": opts.fetch.timeout.as_secs_f64(),
                "max_bytes": opts.fetch.max_bytes,
                "max_redirects": opts.fetch.max_redirects,
                "retries": opts.fetch.retries,
                "max_retry_wait_s": opts.fetch.max_retry_wait.as_secs_f64(),
                "user_agent": opts.fetch.user_agent,
                "cache": opts.cache.as_ref().map_or_else(
                    || opts.out_dir.join(".cache").display().to_string(),
                    |c| c.display().to_string(),
                ),
                "refetch": opts.refetch,
            },
        },
        "counts": {
            "documents": s.documents,
            "failed": s.failed,
            "skipped": s.skipped,
            "bytes": s.bytes,
            "fetched": s.fetched,
            "from_cache": s.from_cache,
            "records": records,
            "languages": s.langs,
        },
        "timings": {
            "wall_seconds": (secs * 1000.0).round() / 1000.0,
            "mb_per_second": if secs > 0.0 { ((s.bytes as f64) / 1e6 / secs * 100.0).round() / 100.0 } else { 0.0 },
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
