//! Wiring the stages: ingest → fetch or read → (reuse) → decode → text → lang → extract →
//! write.
//!
//! This module owns parallelism (a rayon pool of `--jobs` threads, and for URLs the fetch
//! threads of `pipeline/fetching.rs`), progress and the collection of failures; the stages
//! themselves live in their own modules and know nothing of each other. Documents are
//! processed in batches in input order and written as each batch completes, so memory is
//! bounded by the batch, not the corpus, and the output is the same whatever the number of
//! threads. Within a batch, every document first goes up to its language decision, then the
//! extractions run grouped by language (see `Batches`).
//!
//! On a re-run each file takes the cheapest valid path: its rows are kept from the previous
//! output ([`reuse`]) when its bytes and applicable rules are unchanged; otherwise its records
//! come from the stage cache ([`cache`]) when they were extracted with the same rules;
//! otherwise it is extracted from its cached main text; and only a document the cache has
//! not seen is decoded, parsed and language-detected. URLs go through the fetch cache
//! (`<cache>/fetch/`) and then through every stage. Tables are written into a staging folder
//! and committed at the end ([`crate::write`]), and the documents processed again are
//! compared with their previous rows for the change summary ([`diff`]). Row reuse and the
//! change summary work on CSV tables: a `--format jsonl` run uses the stage cache but keeps
//! no rows and makes no change summary.

mod fetching;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rayon::prelude::*;

use crate::cache::{CachedStages, Key, Records, StageCache, TextStages};
use crate::diff::{self, ChangeKind, RecordChange};
use crate::document::{
    Document, Input, LangSource, MediaType, Provenance, Source, UrlInput, doc_id,
};
use crate::error::{Failure, Stage};
use crate::fact::FactKind;
use crate::ingest::fetch::cache::FetchCache;
use crate::ingest::fetch::http::HttpFetch;
use crate::ingest::fetch::{FetchError, FetchOptions, Fetched, Fetcher};
use crate::normalize::date::Ymd;
use crate::progress::{Progress, ProgressMode};
use crate::reuse::{self, PrevRow, Previous, PreviousTables};
use crate::rules::RuleSet;
use crate::write::{self, OutputFormat, Recovery, Tables};
use crate::{cache, decode, extract, ingest, lang, record, text};

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
    /// Cache root (stage cache and fetch cache); `None` for `<out_dir>/.cache`.
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
    /// Neither use nor fill the stage cache, and keep no rows from the previous output.
    pub no_cache: bool,
}

impl RunOptions {
    /// The cache root these options name.
    pub fn cache_dir(&self) -> PathBuf {
        self.cache
            .clone()
            .unwrap_or_else(|| self.out_dir.join(".cache"))
    }
}

/// How many documents took each path through the pipeline.
#[derive(Clone, Copy, Debug, Default)]
pub struct Paths {
    /// Rows kept from the previous output: nothing done but reading and hashing the bytes.
    pub kept: usize,
    /// Records taken from the stage cache.
    pub cached_records: usize,
    /// Extracted again from the cached main text.
    pub cached_text: usize,
    /// Read, decoded, parsed, language-detected and extracted.
    pub processed: usize,
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
    /// How documents went through the pipeline.
    pub paths: Paths,
    /// Changes since the previous output, when there was one.
    pub changes: Option<diff::Summary>,
    /// Things people should know: why rows could not be kept, cache problems, recovery.
    pub notes: Vec<String>,
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

fn read_failure(input: &Input, e: &std::io::Error) -> Failure {
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
}

/// The decode stage on a document's bytes (see [`decode::decode`]).
fn decode_stage(
    source: &str,
    bytes: impl Into<Vec<u8>>,
    html: bool,
    declared_charset: Option<&str>,
) -> Result<decode::Decoded, Failure> {
    decode::decode(bytes, html, declared_charset)
        .map_err(|e| Failure::new(source, Stage::Decode, e.kind(), e.to_string()))
}

/// The text stage on decoded text: HTML (by name, content type or content) or plain text.
fn text_stage(
    source: &str,
    decoded: &decode::Decoded,
    html: bool,
) -> Result<(MediaType, text::MainText), Failure> {
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
    Ok((media, main))
}

/// Reads a file's bytes and decodes its main text.
pub fn read_main_text(
    input: &Input,
) -> Result<(Vec<u8>, MediaType, decode::Decoded, text::MainText), Failure> {
    let bytes = std::fs::read(&input.path).map_err(|e| read_failure(input, &e))?;
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
    let decoded = decode_stage(source, bytes, html, declared_charset)?;
    let (media, main) = text_stage(source, &decoded, html)?;
    Ok((media, decoded, main))
}

/// Runs every stage on one file, without cache.
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

/// Language, extraction and the document record, from a decoded main text (what
/// [`main_text`] returns): every stage after the text stage, without the stage cache.
pub fn document(
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

/// What the workers need besides the input.
struct Context<'a> {
    rules: &'a RuleSet,
    given_lang: Option<&'a str>,
    cache: Option<&'a StageCache>,
    previous: Option<&'a Previous>,
    /// Sources named twice (by different paths): never kept, as their rows cannot be told
    /// apart.
    duplicates: &'a HashSet<String>,
}

/// How a document went through the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    CachedRecords,
    CachedText,
    Processed,
}

/// A worker's result for one input.
enum Outcome {
    /// Its rows are kept from the previous output, where the document had this position.
    Kept { position: usize, bytes: usize },
    /// It was processed (from the cache or not).
    Done(Box<Document>, Route),
}

/// The decode, text and language stages on a document's bytes.
/// `lang`, when given, is the language decided earlier for these bytes (the cache's), or
/// the one given with `--lang` (then none is detected).
fn text_stages(
    input: &Input,
    bytes: Vec<u8>,
    html: bool,
    lang: Option<lang::Detected>,
) -> Result<TextStages, Failure> {
    let decoded = decode_stage(&input.source, bytes, html, None)?;
    let (media_type, main) = text_stage(&input.source, &decoded, html)?;
    let lang = lang.unwrap_or_else(|| lang::from_content(main.lang_attr.as_deref(), &main.text));
    Ok(TextStages {
        encoding: decoded.encoding,
        encoding_source: decoded.source,
        media_type,
        main,
        lang,
    })
}

/// A file after the stages before extraction: its text and language decided (from the cache
/// or computed), not yet extracted.
struct Prepared {
    input: Input,
    id: String,
    content_hash: String,
    bytes: usize,
    key: Key,
    entry: cache::Entry,
    route: Route,
    stages: TextStages,
    lang: lang::Detected,
}

/// What the first phase made of a source.
enum Phase1 {
    /// Finished already: kept, failed, or a URL (fetched documents go through every stage
    /// at once).
    Done(Result<Outcome, Failure>),
    /// Waiting for extraction.
    Prepared(Box<Prepared>),
}

impl Phase1 {
    /// The language whose rules the second phase applies (documents are grouped by it).
    fn lang(&self) -> Option<&str> {
        match self {
            Phase1::Done(_) => None,
            Phase1::Prepared(p) => p.lang.code.as_deref(),
        }
    }
}

/// One file up to extraction, through the cheapest valid path: its rows kept from the
/// previous output, or its text stages from the cache, or computed.
fn prepare(cx: &Context<'_>, input: Input) -> Result<Phase1, Failure> {
    let bytes = std::fs::read(&input.path).map_err(|e| read_failure(&input, &e))?;
    let len = bytes.len();
    let hash = blake3::hash(&bytes);
    let content_hash = hash.to_hex()[..16].to_owned();
    let id = doc_id(&input.source);
    if let Some(position) = cx
        .previous
        .filter(|_| !cx.duplicates.contains(&input.source))
        .and_then(|p| p.reusable(&id, &content_hash))
    {
        return Ok(Phase1::Done(Ok(Outcome::Kept {
            position,
            bytes: len,
        })));
    }
    let html = ingest::is_html_path(&input.path);
    let key = Key::new(&hash, html, None);
    let cached = cx.cache.and_then(|c| c.get(&key));
    let mut entry = cached.unwrap_or_default();
    // With `--lang`, the content's own language is not detected (the costliest stage before
    // extraction, for nothing): the stages, and the cache, keep the given one, which a run
    // without `--lang` takes for "not detected" and detects.
    let given = lang::given(cx.given_lang);
    let (route, mut stages) = match entry.text.take() {
        Some(CachedStages::Whole(stages)) => (Route::CachedText, stages),
        Some(CachedStages::Lang(lang)) => (
            Route::CachedText,
            text_stages(&input, bytes, html, Some(lang))?,
        ),
        None => (
            Route::Processed,
            text_stages(&input, bytes, html, given.clone())?,
        ),
    };
    if given.is_none() && stages.lang.source == LangSource::Given {
        stages.lang = lang::from_content(stages.main.lang_attr.as_deref(), &stages.main.text);
    }
    let lang = given.unwrap_or_else(|| stages.lang.clone());
    Ok(Phase1::Prepared(Box::new(Prepared {
        input,
        id,
        content_hash,
        bytes: len,
        key,
        entry,
        route,
        stages,
        lang,
    })))
}

/// Extraction (or the cached records) and the document record of a prepared file;
/// `meanwhile` is other work to do while another worker has a search cache this one needs
/// (see [`extract::extract_with`]).
fn finish(cx: &Context<'_>, p: Prepared, meanwhile: &mut dyn FnMut() -> bool) -> Outcome {
    let Prepared {
        input,
        id,
        content_hash,
        bytes,
        key,
        mut entry,
        mut route,
        stages,
        lang,
    } = p;
    let code = lang.code.as_deref();
    let rules_fp = cx.rules.applicable_fingerprint(code);
    let facts = if let Some(facts) = entry.records_for(code, &rules_fp, &stages.main.text) {
        route = Route::CachedRecords;
        facts
    } else {
        let anchor = stages.main.published.as_deref().and_then(Ymd::parse_iso);
        let text = &stages.main.text;
        let facts = extract::extract_with(cx.rules, code, text, anchor, false, meanwhile).facts;
        if let Some(c) = cx.cache {
            let records = Records {
                lang: lang.code.clone(),
                rules: rules_fp,
                facts,
            };
            c.put(&key, &stages, Some(&records));
            records.facts
        } else {
            facts
        }
    };
    let TextStages {
        encoding,
        encoding_source,
        media_type,
        main,
        ..
    } = stages;
    let doc = Document {
        id,
        source: input.source,
        provenance: None,
        content_hash,
        bytes,
        media_type,
        encoding,
        encoding_source: encoding_source.as_str(),
        title: main.title,
        published: main.published,
        rule_set: extract::rule_set_name(cx.rules, code).to_owned(),
        lang: lang.code,
        lang_confidence: lang.confidence,
        lang_source: lang.source,
        chars: main.text.chars().count(),
        facts,
    };
    Outcome::Done(Box::new(doc), route)
}

/// The first phase of one source: a file up to extraction, a URL through every stage.
fn prepare_loaded(cx: &Context<'_>, loaded: fetching::Loaded) -> Phase1 {
    match loaded {
        fetching::Loaded::File(input) => {
            prepare(cx, input).unwrap_or_else(|f| Phase1::Done(Err(f)))
        }
        fetching::Loaded::Url(input, Ok(fetched)) => Phase1::Done(
            process_fetched(cx.rules, &input, fetched, cx.given_lang)
                .map(|doc| Outcome::Done(Box::new(doc), Route::Processed)),
        ),
        fetching::Loaded::Url(input, Err(e)) => Phase1::Done(Err(fetch_failure(&input.source, &e))),
    }
}

/// Runs batches on the worker pool in two phases: every source up to extraction, then the
/// extraction of the prepared ones grouped by language. A worker then meets one language's
/// automata many times in a row instead of a different one at each document: on a corpus
/// whose languages are mixed, that is a fifth less CPU (the automata stay in the processor's
/// caches, and each language's search caches go to one worker at a time).
///
/// The second phase of one batch and the first phase of the next form one queue of tasks
/// that every worker takes from in turn (see [`Task`]): extraction runs first, then single
/// sources to prepare, so a worker does not wait for another's last long task while work is
/// left. Results come back whole batches at a time, in input order.
struct Batches<'p, 'c> {
    pool: &'p rayon::ThreadPool,
    cx: &'c Context<'c>,
    /// The last batch's phase-1 results, sorted by language, with their input positions.
    prepared: Vec<(usize, Phase1)>,
}

impl<'p, 'c> Batches<'p, 'c> {
    fn new(pool: &'p rayon::ThreadPool, cx: &'c Context<'c>) -> Self {
        Batches {
            pool,
            cx,
            prepared: Vec::new(),
        }
    }

    /// Takes a batch; returns the results of the previous one (none for the first).
    fn push(&mut self, batch: Vec<fetching::Loaded>) -> Option<Batch> {
        let previous = std::mem::take(&mut self.prepared);
        let (results, prepared) = self.step(previous, batch);
        self.prepared = prepared;
        results
    }

    /// The results of the last batch.
    fn finish(mut self) -> Option<Batch> {
        let last = std::mem::take(&mut self.prepared);
        self.step(last, Vec::new()).0
    }

    /// Phase 2 of `previous` and phase 1 of `batch`, on every worker.
    fn step(
        &self,
        previous: Vec<(usize, Phase1)>,
        batch: Vec<fetching::Loaded>,
    ) -> (Option<Batch>, Vec<(usize, Phase1)>) {
        let cx = self.cx;
        let had_previous = !previous.is_empty();
        let workers = self.pool.current_num_threads();
        let queue = Mutex::new(Tasks::new(cx, previous, batch));
        let done: Vec<Done> = self.pool.install(|| {
            (0..workers)
                .into_par_iter()
                .with_max_len(1)
                .map(|worker| {
                    let mut done = Done::default();
                    loop {
                        let mut tasks = queue.lock().unwrap_or_else(PoisonError::into_inner);
                        let Some(task) = tasks.next(worker % 2 == 1) else {
                            break done;
                        };
                        drop(tasks);
                        task.run(cx, &queue, &mut done);
                    }
                })
                .collect()
        });
        let (mut finished, mut prepared) = (Vec::new(), Vec::new());
        for d in done {
            finished.extend(d.finished);
            prepared.extend(d.prepared);
        }
        finished.sort_unstable_by_key(|(i, _)| *i);
        // Grouped by language, input order within a language.
        prepared.sort_unstable_by(|(i, a), (j, b)| a.lang().cmp(&b.lang()).then(i.cmp(j)));
        let results = had_previous.then(|| finished.into_iter().map(|(_, o)| o).collect());
        (results, prepared)
    }
}

/// One piece of a batch step, taken from a queue by whichever worker is free.
enum Task {
    /// Build what extracting these languages needs, before their runs need it.
    Compile(Vec<Option<String>>),
    /// Extract a run of prepared documents of one language (phase 2).
    Extract(Arc<Run>),
    /// Take one source up to its language decision (phase 1).
    Prepare(usize, Box<fetching::Loaded>),
}

/// The documents of an extraction run not taken yet. The worker running it takes them one at
/// a time; a worker out of tasks takes the second half of what is left (see [`Tasks::next`]),
/// so that the step does not end with one worker finishing a long run while the other waits.
struct Run {
    docs: Mutex<std::collections::VecDeque<(usize, Phase1)>>,
}

impl Run {
    fn new(docs: impl IntoIterator<Item = (usize, Phase1)>) -> Arc<Run> {
        Arc::new(Run {
            docs: Mutex::new(docs.into_iter().collect()),
        })
    }

    fn docs(&self) -> std::sync::MutexGuard<'_, std::collections::VecDeque<(usize, Phase1)>> {
        self.docs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next document, if any is left.
    fn take(&self) -> Option<(usize, Phase1)> {
        self.docs().pop_front()
    }
}

/// What one worker finished in a batch step.
#[derive(Default)]
struct Done {
    finished: Vec<(usize, Result<Outcome, Failure>)>,
    prepared: Vec<(usize, Phase1)>,
}

/// The tasks of one batch step: building automata, extraction runs (at most
/// [`LANGUAGE_RUN`] documents of one language, sorted by language), then the sources of the
/// next batch one by one. Half the workers take runs from the front, half from the back, so
/// that on a mixed corpus each meets about half the languages of a batch, as a split of the
/// runs in two would give, and the sources come last, to fill the workers' tails; a worker that
/// finds neither takes half of what is left of a run under way ([`Tasks::share`]).
struct Tasks {
    runs: std::collections::VecDeque<Task>,
    sources: std::iter::Enumerate<std::vec::IntoIter<fetching::Loaded>>,
    /// The runs taken so far, which may have documents left to share.
    taken: Vec<Arc<Run>>,
}

impl Tasks {
    fn new(cx: &Context<'_>, grouped: Vec<(usize, Phase1)>, batch: Vec<fetching::Loaded>) -> Self {
        let mut runs = std::collections::VecDeque::new();
        let langs = languages_to_extract(cx, &grouped);
        if !langs.is_empty() {
            runs.push_back(Task::Compile(langs));
        }
        // Without sources to fill the workers' tails (the last batch), short runs.
        let limit = if batch.is_empty() {
            LANGUAGE_RUN / 8
        } else {
            LANGUAGE_RUN
        };
        let mut run: Vec<(usize, Phase1)> = Vec::new();
        for (i, p) in grouped {
            if !run.is_empty() && (run.len() >= limit || run[0].1.lang() != p.lang()) {
                runs.push_back(Task::Extract(Run::new(std::mem::take(&mut run))));
            }
            run.push((i, p));
        }
        if !run.is_empty() {
            runs.push_back(Task::Extract(Run::new(run)));
        }
        Tasks {
            runs,
            sources: batch.into_iter().enumerate(),
            taken: Vec::new(),
        }
    }

    /// The next task for a worker that takes runs from the back or from the front: a run, a
    /// source, else the second half of what is left of a run under way.
    fn next(&mut self, from_back: bool) -> Option<Task> {
        let run = if from_back {
            self.runs.pop_back()
        } else {
            self.runs.pop_front()
        };
        if let Some(Task::Extract(run)) = &run {
            self.taken.push(Arc::clone(run));
        }
        run.or_else(|| {
            let (i, loaded) = self.sources.next()?;
            Some(Task::Prepare(i, Box::new(loaded)))
        })
        .or_else(|| self.share())
    }

    /// The second half of the documents left in the run under way with the most left, if it
    /// has two or more.
    fn share(&mut self) -> Option<Task> {
        self.taken.retain(|run| run.docs().len() >= 2);
        let largest = self.taken.iter().max_by_key(|run| run.docs().len())?;
        let rest = {
            let mut docs = largest.docs();
            let keep = docs.len() - docs.len() / 2;
            docs.split_off(keep)
        };
        let run = Run::new(rest);
        self.taken.push(Arc::clone(&run));
        Some(Task::Extract(run))
    }
}

impl Task {
    fn run(self, cx: &Context<'_>, queue: &Mutex<Tasks>, done: &mut Done) {
        match self {
            Task::Compile(langs) => cx.rules.compile_for(langs.iter().map(Option::as_deref)),
            Task::Extract(run) => {
                // While another worker searches with a prefilter cache that this run needs
                // (a language's automaton is shared by all workers, one at a time), this one
                // prepares sources of the next batch.
                let mut prepared = Vec::new();
                let mut meanwhile = || {
                    let next = queue
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .sources
                        .next();
                    next.map(|(i, loaded)| prepared.push((i, prepare_loaded(cx, loaded))))
                        .is_some()
                };
                while let Some((i, p)) = run.take() {
                    let outcome = match p {
                        Phase1::Done(outcome) => outcome,
                        Phase1::Prepared(p) => Ok(finish(cx, *p, &mut meanwhile)),
                    };
                    done.finished.push((i, outcome));
                }
                done.prepared.extend(prepared);
            }
            Task::Prepare(i, loaded) => done.prepared.push((i, prepare_loaded(cx, *loaded))),
        }
    }
}

/// The languages of the documents in a phase-1 batch (sorted by language) that will be
/// extracted, rather than take their records from the cache.
fn languages_to_extract(cx: &Context<'_>, grouped: &[(usize, Phase1)]) -> Vec<Option<String>> {
    let mut langs: Vec<Option<String>> = Vec::new();
    let mut fingerprint: Option<(Option<&str>, String)> = None;
    for (_, p) in grouped {
        let Phase1::Prepared(p) = p else { continue };
        let code = p.lang.code.as_deref();
        if langs.last().is_some_and(|l| l.as_deref() == code) {
            continue;
        }
        let rules = match &fingerprint {
            Some((lang, fp)) if *lang == code => fp,
            _ => {
                &fingerprint
                    .insert((code, cx.rules.applicable_fingerprint(code)))
                    .1
            }
        };
        if !p.entry.has_records_for(code, rules) {
            langs.push(code.map(str::to_owned));
        }
    }
    langs
}

/// The languages of a sample of the input files ([`LANGUAGE_SAMPLE`] of them, evenly spread),
/// detected on the current rayon pool: what a large run builds the automata of before it
/// starts. A language the sample misses has them built when its first documents come (see
/// [`RuleSet::compile_for`]); one that is not in the corpus costs nothing.
fn sample_languages(sources: &[Source]) -> Vec<Option<String>> {
    let files: Vec<&Input> = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(input) => Some(input),
            Source::Url(_) => None,
        })
        .collect();
    let step = files.len().div_ceil(LANGUAGE_SAMPLE).max(1);
    let mut langs: Vec<Option<String>> = files
        .par_iter()
        .step_by(step)
        .filter_map(|input| {
            let bytes = std::fs::read(&input.path).ok()?;
            let html = ingest::is_html_path(&input.path);
            let stages = text_stages(input, bytes, html, None).ok()?;
            Some(stages.lang.code)
        })
        .collect();
    langs.sort_unstable();
    langs.dedup();
    langs
}

/// How many input files a large run reads first to guess its languages.
const LANGUAGE_SAMPLE: usize = 64;

/// The most documents of one language a worker extracts in a row (see [`Tasks`]):
/// on a mixed corpus a language is then rarely extracted by two workers at once (each would
/// need its own set of search caches: 35 MB more on a 20-language corpus with 2 workers),
/// and a batch in one language still gives every worker a share.
const LANGUAGE_RUN: usize = 32;

/// The workers' results for one batch, in input order.
type Batch = Vec<Result<Outcome, Failure>>;

/// Documents after which the writer hands the tables written so far to the disk (see
/// [`Tables::sync_written`]), while the workers go on.
const SYNC_EVERY: u64 = 4096;

/// Documents per parallel batch: large enough to keep every core busy, small enough to
/// bound memory.
const BATCH: usize = 256;

/// From this many documents on, the prefilters and country matchers of the languages found in
/// a sample of the input are built before the run, on all cores (see [`sample_languages`]);
/// a smaller run, or a re-run that keeps the rows of unchanged documents, builds them as its
/// documents need them.
const EAGER_PREFILTERS: usize = 2000;
/// The batch when some documents are fetched: smaller, so that extraction follows the
/// network closely instead of waiting for 256 pages.
const URL_BATCH: usize = 32;

/// Examples per rule in the change summary.
const EXAMPLES: usize = 3;

/// The cells of a previous row.
fn cells(row: &csv::ByteRecord) -> diff::Cells {
    row.iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

/// The writer's side of the run: output tables, the previous tables read alongside, and
/// the change summary.
struct Writer<'a> {
    tables: Tables,
    previous: Option<&'a Previous>,
    prev_tables: Option<PreviousTables<'a>>,
    changes: Option<diff::Summary>,
    summary: RunSummary,
    failures: Vec<Failure>,
    lang_column: usize,
}

impl Writer<'_> {
    /// Counts a previous row that is not carried over as removed.
    fn dropped(changes: &mut Option<diff::Summary>, previous: &Previous, row: &PrevRow) {
        let (Some(kind), Some(changes)) = (row.0, changes.as_mut()) else {
            return;
        };
        let old = cells(&row.2);
        changes.add(&RecordChange {
            change: ChangeKind::Removed,
            kind,
            source: previous.source(row.1),
            old: Some(&old),
            new: None,
        });
    }

    /// The previous rows of the document at `position` (rows of documents before it are
    /// counted as removed).
    fn take(&mut self, position: usize, want_rows: bool) -> Result<reuse::Taken> {
        let (Some(previous), Some(tables)) = (self.previous, self.prev_tables.as_mut()) else {
            return Ok(reuse::Taken::default());
        };
        let changes = &mut self.changes;
        let result = tables.take(position, want_rows, &mut |row| {
            Self::dropped(changes, previous, row);
        });
        self.check(result)
    }

    /// A problem in the previous tables ends the run when rows are being kept from them;
    /// otherwise it only ends the change summary.
    fn check<T: Default>(&mut self, result: Result<T>) -> Result<T> {
        match result {
            Ok(v) => Ok(v),
            Err(e) if self.previous.is_some_and(|p| p.reuse_blocked().is_some()) => {
                self.summary.notes.push(format!("no change summary: {e:#}"));
                self.prev_tables = None;
                self.changes = None;
                Ok(T::default())
            }
            Err(e) => Err(e.context(
                "cannot keep rows of the previous output (run with --no-cache to process \
                 every document again)",
            )),
        }
    }

    fn kept(&mut self, position: usize, bytes: usize) -> Result<()> {
        let taken = self.take(position, false)?;
        let Some((_, _, doc_row)) = taken.rows.first() else {
            anyhow::bail!("the previous output lost document {position} while it was read");
        };
        let lang =
            std::str::from_utf8(doc_row.get(self.lang_column).unwrap_or_default()).unwrap_or("");
        let lang = if lang.is_empty() { "unknown" } else { lang };
        *self.summary.langs.entry(lang.to_owned()).or_insert(0) += 1;
        for (table, range, n) in taken.ranges {
            self.tables.copy(table, range)?;
            if let Some(kind) = table {
                *self.summary.records.entry(kind).or_insert(0) += n;
            }
        }
        self.summary.documents += 1;
        self.summary.bytes += bytes as u64;
        self.summary.paths.kept += 1;
        Ok(())
    }

    fn done(&mut self, doc: &Document, path: Route) -> Result<()> {
        let new_rows = self.tables.document(doc, self.changes.is_some())?;
        self.summary.add(doc);
        match path {
            Route::CachedRecords => self.summary.paths.cached_records += 1,
            Route::CachedText => self.summary.paths.cached_text += 1,
            Route::Processed => self.summary.paths.processed += 1,
        }
        if self.changes.is_none() {
            return Ok(());
        }
        let old_rows = match self.previous.and_then(|p| p.position(&doc.id)) {
            Some(position) => self.take(position, true)?.rows,
            None => Vec::new(),
        };
        let Some(changes) = self.changes.as_mut() else {
            return Ok(());
        };
        for kind in FactKind::ALL {
            let old: Vec<diff::Cells> = old_rows
                .iter()
                .filter(|(t, _, _)| *t == Some(kind))
                .map(|(_, _, r)| cells(r))
                .collect();
            let new: Vec<diff::Cells> = new_rows
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, r)| r.iter().map(|c| c.clone().unwrap_or_default()).collect())
                .collect();
            if !old.is_empty() || !new.is_empty() {
                diff::compare(kind, &doc.source, &old, &new, &mut |c| changes.add(c));
            }
        }
        Ok(())
    }

    fn finish_previous(&mut self) -> Result<()> {
        let (Some(previous), Some(tables)) = (self.previous, self.prev_tables.as_mut()) else {
            return Ok(());
        };
        let changes = &mut self.changes;
        let result = tables.finish(&mut |row| Self::dropped(changes, previous, row));
        self.check(result)
    }
}

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
    let mut notes = Vec::new();
    // Before anything reads the previous output: finish or discard an interrupted run.
    if opts.out_dir.is_dir() {
        match write::recover(&opts.out_dir)? {
            Recovery::Clean => {}
            Recovery::RolledForward => notes.push(format!(
                "{}: finished committing the output of an interrupted run",
                opts.out_dir.display()
            )),
            Recovery::DiscardedIncomplete => notes.push(format!(
                "{}: an interrupted run left no output; its finished documents are cached",
                opts.out_dir.display()
            )),
        }
    }
    let cache = if opts.no_cache {
        None
    } else {
        let dir = opts.cache_dir();
        Some(StageCache::open(&dir).with_context(|| {
            format!(
                "cannot use the cache folder {} (choose another with --cache, or run with \
                 --no-cache)",
                dir.display()
            )
        })?)
    };
    let conditions = reuse::Conditions {
        rules,
        lang: opts.lang.as_deref(),
        csv_safe: opts.csv_safe,
        allowed: !opts.no_cache,
    };
    // Rows are kept from, and compared with, CSV tables only.
    let previous = match Previous::open(&opts.out_dir, &conditions) {
        Ok(p) if opts.format == OutputFormat::Csv => p,
        Ok(_) => None,
        Err(e) => {
            notes.push(format!(
                "the previous output is not used and no change summary is made: {e:#}"
            ));
            None
        }
    };
    if let Some(why) = previous.as_ref().and_then(Previous::reuse_blocked)
        && !opts.no_cache
    {
        notes.push(format!("every document is processed again: {why}"));
    }
    let found = ingest::collect(&opts.inputs, &opts.url_lists);
    // A re-run that can keep rows extracts only the documents that changed: it compiles
    // what they need as they come.
    let keeping_rows = previous
        .as_ref()
        .is_some_and(|p| p.reuse_blocked().is_none());
    if found.sources.len() >= EAGER_PREFILTERS && !keeping_rows {
        pool.install(|| {
            // The languages the run will meet: the one given, or those of a sample of the
            // input.
            let langs = match &opts.lang {
                Some(lang) => vec![Some(lang.clone())],
                None => sample_languages(&found.sources),
            };
            rules.compile_for(langs.iter().map(Option::as_deref));
        });
    }
    let duplicates: HashSet<String> = found
        .sources
        .windows(2)
        .filter(|w| w[0].name() == w[1].name())
        .map(|w| w[0].name().to_owned())
        .collect();
    let progress = Progress::new(opts.progress, found.sources.len() as u64);
    let has_urls = found.sources.iter().any(|s| matches!(s, Source::Url(_)));
    let mut fetcher = Fetcher::new(HttpFetch::new(&opts.fetch), opts.fetch.clone());
    if has_urls {
        let root = opts.cache_dir();
        let fetch_cache = FetchCache::open(&root)
            .with_context(|| format!("cannot create the fetch cache in {}", root.display()))?;
        fetcher = fetcher.with_cache(fetch_cache, opts.refetch);
    }
    let staging = write::begin(&opts.out_dir)?;
    // Rows are copied from the previous tables only when they can be kept.
    let base = previous
        .as_ref()
        .filter(|p| p.reuse_blocked().is_none())
        .map(|_| opts.out_dir.as_path());
    let tables = Tables::create(&staging, opts.format, opts.csv_safe, base)?;
    for f in &found.failures {
        report(f, &progress);
    }
    let cx = Context {
        rules,
        given_lang: opts.lang.as_deref(),
        cache: cache.as_ref(),
        previous: previous.as_ref(),
        duplicates: &duplicates,
    };
    let writer = Writer {
        tables,
        previous: previous.as_ref(),
        prev_tables: previous.as_ref().map(Previous::tables).transpose()?,
        changes: previous.as_ref().map(|_| diff::Summary::new(EXAMPLES)),
        summary: RunSummary {
            skipped: found.skipped.len(),
            notes,
            ..RunSummary::default()
        },
        failures: found.failures,
        lang_column: record::DOCUMENT_COLUMNS
            .iter()
            .position(|c| c.name == "lang")
            .expect("documents.csv has a lang column"),
    };
    // Fetch threads (for URLs) feed batches in input order; the CPU stages run each batch on
    // the worker pool while a writer thread writes the previous ones. Bounded channels keep
    // at most two batches waiting at each hand-off, so memory does not grow with the corpus.
    let batch_size = if has_urls { URL_BATCH } else { BATCH };
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(2);
    let mut w = std::thread::scope(|scope| {
        let progress = &progress;
        let handle = scope.spawn(move || -> Result<Writer<'_>> {
            let mut w = writer;
            let mut unsynced = 0;
            for results in rx {
                let (mut bytes, mut errors, n) = (0, 0, results.len() as u64);
                for result in results {
                    match result {
                        Ok(Outcome::Kept { position, bytes: b }) => {
                            w.kept(position, b)?;
                            bytes += b as u64;
                        }
                        Ok(Outcome::Done(doc, path)) => {
                            w.done(&doc, path)?;
                            bytes += doc.bytes as u64;
                        }
                        Err(f) => {
                            report(&f, progress);
                            w.failures.push(f);
                            errors += 1;
                        }
                    }
                }
                progress.advance(n, bytes, errors);
                unsynced += n;
                if unsynced >= SYNC_EVERY {
                    w.tables.sync_written()?;
                    unsynced = 0;
                }
            }
            w.finish_previous()?;
            Ok(w)
        });
        let (mut urls_loaded, mut from_cache) = (0, 0);
        let mut batches = Batches::new(&pool, &cx);
        let hand_over = |results: Option<Batch>| match results {
            Some(results) => tx
                .send(results)
                .map_err(|_| anyhow::anyhow!("the writer thread stopped")),
            None => Ok(()),
        };
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
                hand_over(batches.push(batch))
            },
        )
        .and_then(|()| hand_over(batches.finish()));
        drop(tx);
        // The writer's own error explains a failed hand-off, so it goes first.
        let mut w = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the writer thread panicked"))??;
        sent?;
        w.summary.fetched = urls_loaded;
        w.summary.from_cache = from_cache;
        anyhow::Ok(w)
    })?;
    w.failures
        .sort_by(|a, b| (&a.source, a.stage).cmp(&(&b.source, b.stage)));
    for f in &w.failures {
        w.tables.failure(f)?;
    }
    let mut summary = w.summary;
    summary.failed = w.failures.len();
    for e in rules.late_errors() {
        summary.notes.push(format!(
            "{e}; the rule found nothing in this run (`newsfacts rules check` shows such errors)"
        ));
    }
    summary.changes = w.changes;
    // The last buffered cache entries, before their write errors are counted.
    if let Some(c) = &cache {
        c.flush();
    }
    if let Some((n, Some(first))) = cache.as_ref().map(StageCache::write_errors) {
        summary.notes.push(format!(
            "{n} cache entr{} could not be written (first: {first})",
            if n == 1 { "y" } else { "ies" }
        ));
    }
    // With CSV, this also writes schema.sql into the staging folder.
    w.tables.finish()?;
    summary.elapsed = started.elapsed();
    let run_json = run_json(rules, opts, &summary);
    write::write_synced(&staging.join("run.json"), run_json.as_bytes())?;
    write::commit(&opts.out_dir, &staging, opts.format)?;
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
        "build": cache::BUILD_FINGERPRINT,
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
            "cache": opts.cache_dir().display().to_string(),
            "no_cache": opts.no_cache,
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
            "paths": {
                "kept": s.paths.kept,
                "cached_records": s.paths.cached_records,
                "cached_text": s.paths.cached_text,
                "processed": s.paths.processed,
            },
            "changes": s.changes.as_ref().map(|c| {
                let (added, removed, changed) = c.totals();
                serde_json::json!({ "added": added, "removed": removed, "changed": changed })
            }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_sample_finds_the_languages_of_the_input() {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [
            (
                "a.txt",
                "Le gouvernement a annoncé mardi que les négociations reprendraient la semaine \
                 prochaine à Paris, après des mois de blocage entre les partenaires sociaux.",
            ),
            (
                "b.txt",
                "Die Regierung kündigte am Dienstag an, dass die Verhandlungen in der nächsten \
                 Woche in Berlin wieder aufgenommen werden, nach Monaten des Stillstands.",
            ),
            ("c.bin", "not read: no text extension"),
            ("d.txt", ""),
        ] {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let found = ingest::collect(&[dir.path().to_path_buf()], &[]);
        // The empty file fails to decode and is left out.
        assert_eq!(
            sample_languages(&found.sources),
            [Some("de".to_owned()), Some("fr".to_owned())]
        );
    }
}
