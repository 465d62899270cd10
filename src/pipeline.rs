//! Wiring the stages: ingest → read → decode → text → lang → extract → write.
//!
//! This module owns parallelism (a rayon pool of `--jobs` threads), progress and the
//! collection of failures; the stages themselves live in their own modules and know nothing
//! of each other. Documents are processed in batches in input order and written as each
//! batch completes, so memory is bounded by the batch, not the corpus, and the output is the
//! same whatever the number of threads.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rayon::prelude::*;

use crate::document::{Document, Input, MediaType, doc_id};
use crate::error::{Failure, Stage};
use crate::fact::FactKind;
use crate::normalize::date::Ymd;
use crate::progress::{Progress, ProgressMode};
use crate::rules::RuleSet;
use crate::write::{OutputFormat, Tables};
use crate::{decode, extract, ingest, lang, text};

/// Options of `newsfacts run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Files and folders to read.
    pub inputs: Vec<PathBuf>,
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
    let fail = |stage: Stage, kind: &'static str, message: String| Failure {
        source: input.source.clone(),
        stage,
        kind,
        message,
    };
    let bytes = std::fs::read(&input.path).map_err(|e| {
        let kind = match e.kind() {
            std::io::ErrorKind::NotFound => "not_found",
            std::io::ErrorKind::PermissionDenied => "permission_denied",
            _ => "io",
        };
        fail(Stage::Read, kind, format!("cannot read: {e}"))
    })?;
    let html_by_name = ingest::is_html_path(&input.path);
    let decoded = decode::decode(&bytes, html_by_name, None)
        .map_err(|e| fail(Stage::Decode, e.kind(), e.to_string()))?;
    let is_html = html_by_name || text::looks_like_html(lang::sample(&decoded.text, 1024));
    let main = if is_html {
        text::from_html(&decoded.text)
    } else {
        text::from_plain(&decoded.text)
    }
    .map_err(|e| fail(Stage::Text, e.kind(), e.to_string()))?;
    let media = if is_html {
        MediaType::Html
    } else {
        MediaType::Text
    };
    Ok((bytes, media, decoded, main))
}

/// Runs every stage on one file.
pub fn process_file(
    rules: &RuleSet,
    input: &Input,
    given_lang: Option<&str>,
) -> Result<Document, Failure> {
    let (bytes, media_type, decoded, main) = read_main_text(input)?;
    let outcome = process_text(
        rules,
        &main.text,
        given_lang,
        main.lang_attr.as_deref(),
        main.published.as_deref(),
        false,
    );
    Ok(Document {
        id: doc_id(&input.source),
        source: input.source.clone(),
        content_hash: blake3::hash(&bytes).to_hex()[..16].to_owned(),
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
    })
}

/// Documents per parallel batch: large enough to keep every core busy, small enough to
/// bound memory.
const BATCH: usize = 256;

/// Runs the whole pipeline. `report` receives each failure as it happens (the CLI prints
/// it); skipped files are returned in the summary.
pub fn run(
    rules: &RuleSet,
    opts: &RunOptions,
    report: &dyn Fn(&Failure, &Progress),
) -> Result<RunSummary> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .context("cannot start worker threads")?;
    let found = ingest::collect(&opts.inputs);
    let progress = Progress::new(opts.progress, found.files.len() as u64);
    let mut tables = Tables::create(&opts.out_dir, opts.format, opts.csv_safe)?;
    let mut summary = RunSummary {
        skipped: found.skipped.len(),
        ..RunSummary::default()
    };
    let mut failures: Vec<Failure> = found.failures;
    for f in &failures {
        report(f, &progress);
    }
    for batch in found.files.chunks(BATCH) {
        let results: Vec<Result<Document, Failure>> = pool.install(|| {
            batch
                .par_iter()
                .map(|input| process_file(rules, input, opts.lang.as_deref()))
                .collect()
        });
        let mut batch_bytes = 0;
        let mut batch_errors = 0;
        for result in results {
            match result {
                Ok(doc) => {
                    tables.document(&doc)?;
                    summary.documents += 1;
                    summary.bytes += doc.bytes as u64;
                    batch_bytes += doc.bytes as u64;
                    *summary
                        .langs
                        .entry(doc.lang.clone().unwrap_or_else(|| "unknown".into()))
                        .or_insert(0) += 1;
                    for (k, n) in extract::count_by_kind(&doc.facts) {
                        *summary.records.entry(k).or_insert(0) += n;
                    }
                }
                Err(f) => {
                    report(&f, &progress);
                    failures.push(f);
                    batch_errors += 1;
                }
            }
        }
        progress.advance(batch.len() as u64, batch_bytes, batch_errors);
    }
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
        },
        "counts": {
            "documents": s.documents,
            "failed": s.failed,
            "skipped": s.skipped,
            "bytes": s.bytes,
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
