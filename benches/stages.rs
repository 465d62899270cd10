//! Per-stage benchmarks (criterion): `cargo bench --bench stages`.
//!
//! One criterion group per pipeline stage (see the stage map in `src/lib.rs`), each reporting
//! bytes per second of its input:
//!
//! * `decode`: bytes to text (`decode::decode`): UTF-8 plain text, a Windows-1252 file (charset
//!   detection by chardetng) and two full HTML pages (`<meta>` prescan);
//! * `text`: the main text of an HTML page (`text::from_html`) and of plain text
//!   (`text::from_plain`);
//! * `lang`: language detection (`lang::detect`) per article in six languages;
//! * `prefilter`, `prefilter-cold`: the per-paragraph prefilter automaton alone
//!   (`Prefilter::matches`; the language's rules and the common ones), with warm caches and
//!   with new, empty ones;
//! * `match`: the match floor (`extract::count_raw_matches`): prefilter, every selected
//!   rule's regex and the country names, no normalization;
//! * `extract`: `extract::extract`, the whole extraction (matching, overlap resolution,
//!   capture groups, normalization, countries, character offsets);
//! * `write`: a document's rows (`record::document_row`, `record::fact_row`) and the same
//!   document written by `write::Tables::document` into CSV or JSON-lines files;
//! * `document`: every CPU stage of one input (`pipeline::main_text` then
//!   `pipeline::process_text`), for reference next to the stages;
//! * `rules`: loading the embedded rules (`rules::load`, on every core) and compiling one
//!   language's prefilter (`RuleSet::build_prefilter`, what `RuleSet::compile_for` does per
//!   language).
//!
//! Inputs are built here from `fixtures/` (read relative to the crate), deterministically:
//! an "article" of a language joins that language's plain-text fixtures, decoded and in path
//! order, repeated up to about 5 KB of text (the size of `scripts/gen_corpus.py`'s articles,
//! without its number variations); the HTML inputs are the fixture pages themselves. Every
//! throughput is in bytes of that input (for `write`, of the article the document came from;
//! for `rules`, of the rule sources or patterns), so figures compare with the MB/s of
//! `scripts/bench`. Rules' regexes, prefilters, country matchers and search caches are warmed
//! before timing, as in a long run; only `prefilter-cold` and `rules` time a cold start.
//! Timings are single-threaded except `rules/load`. Like the binary, the benchmarks use
//! mimalloc.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use newsfacts::document::{Document, MediaType};
use newsfacts::rules::{Prefilter, RuleFiles, RuleSet};
use newsfacts::write::{OutputFormat, Tables};
use regex_automata::hybrid::dfa::Cache;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// About the size of a generated benchmark article (`scripts/gen_corpus.py`).
const ARTICLE_BYTES: usize = 5000;

/// Languages of the matching and extraction benchmarks: two Latin-script rule sets with many
/// rules, one without spaces between words, one right-to-left with its own digits.
const EXTRACT_LANGS: [&str; 4] = ["en", "fr", "zh", "ar"];

/// Languages of the detection benchmark (whatlang scores every profile of a script).
const DETECT_LANGS: [&str; 6] = ["en", "fr", "de", "ru", "zh", "ar"];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap()
}

/// Rules as the binary loads them by default.
fn rules() -> RuleSet {
    newsfacts::rules::load(&RuleFiles::embedded()).unwrap()
}

/// A language's article as a file would hold it: its plain-text fixtures, decoded, in path
/// order, repeated until the article reaches [`ARTICLE_BYTES`].
fn article_file(lang: &str) -> String {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures().join(lang))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert!(
        !paths.is_empty(),
        "no plain-text fixture in fixtures/{lang}"
    );
    let texts: Vec<String> = paths
        .iter()
        .map(|p| {
            newsfacts::decode::decode(std::fs::read(p).unwrap(), false, None)
                .unwrap()
                .text
        })
        .collect();
    let mut out = String::new();
    for t in texts.iter().cycle() {
        if out.len() >= ARTICLE_BYTES {
            break;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(t);
    }
    out
}

/// The main text of a language's article (what language detection and extraction see).
fn article(lang: &str) -> String {
    newsfacts::text::from_plain(&article_file(lang))
        .unwrap()
        .text
}

/// A document as the pipeline builds it from a file's bytes (no stage cache).
fn document(rules: &RuleSet, source: &str, bytes: &[u8], html: bool) -> Document {
    let stages = newsfacts::pipeline::main_text(source, bytes, html, None).unwrap();
    newsfacts::pipeline::document(rules, source, None, bytes, stages, None)
}

/// Builds every automaton and cache a language's extraction uses (prefilters, the regexes
/// of the rules its text reaches, the country matcher, the lent search caches).
fn warm(rules: &RuleSet, lang: &str, text: &str) {
    rules.countries.prepare(lang);
    black_box(newsfacts::extract::extract(
        rules,
        Some(lang),
        text,
        None,
        false,
    ));
}

/// `decode::decode`: BOM and declared charset checks, the HTML `<meta>` prescan, UTF-8
/// validation or chardetng's guess, then decoding into a `String` (the bytes are moved in, as
/// a run does: their copy is made outside the timing).
fn decode(c: &mut Criterion) {
    let inputs: [(&str, Vec<u8>, bool); 4] = [
        ("text-utf8/en", article_file("en").into_bytes(), false),
        // Not UTF-8: validation fails and chardetng guesses the encoding.
        (
            "text-cp1252/fr",
            fixture_bytes("fr/greve-chantiers-navals.txt"),
            false,
        ),
        ("html/en", fixture_bytes("en/port-strike.html"), true),
        (
            "html/fr",
            fixture_bytes("fr/onu-pirates-nord-coreens-hopitaux.html"),
            true,
        ),
    ];
    let mut g = c.benchmark_group("decode");
    for (id, bytes, html) in &inputs {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*id, |b| {
            b.iter_batched(
                || bytes.clone(),
                |bytes| newsfacts::decode::decode(black_box(bytes), *html, None).unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
    g.finish();
}

/// `text::from_html` (parsing, boilerplate removal, title, date and language attribute) on
/// full fixture pages, and `text::from_plain` (whitespace and paragraphs) on an article.
fn text(c: &mut Criterion) {
    let page = |rel: &str| {
        newsfacts::decode::decode(fixture_bytes(rel), true, None)
            .unwrap()
            .text
    };
    let mut g = c.benchmark_group("text");
    for (id, html) in [
        ("html/en", page("en/port-strike.html")),
        ("html/fr", page("fr/onu-pirates-nord-coreens-hopitaux.html")),
    ] {
        g.throughput(Throughput::Bytes(html.len() as u64));
        g.bench_function(id, |b| {
            b.iter(|| newsfacts::text::from_html(black_box(&html)).unwrap());
        });
    }
    let plain = article_file("en");
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.bench_function("plain/en", |b| {
        b.iter(|| newsfacts::text::from_plain(black_box(&plain)).unwrap());
    });
    g.finish();
}

/// `lang::detect`: whatlang on the article's first 512 bytes. The throughput counts the whole
/// article, so the figure is per article of about 5 KB, as in a run.
fn lang(c: &mut Criterion) {
    let mut g = c.benchmark_group("lang");
    for lang in DETECT_LANGS {
        let text = article(lang);
        assert_eq!(
            newsfacts::lang::detect(&text).code.as_deref(),
            Some(lang),
            "the {lang} article is detected as its language"
        );
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(lang, |b| {
            b.iter(|| newsfacts::lang::detect(black_box(&text)));
        });
    }
    g.finish();
}

/// The prefilter automaton of the language (its rules and the common ones), over each
/// paragraph (line) of the article, as extraction runs it. `prefilter`: with caches that have seen
/// the article (the steady state of a long run); `prefilter-cold`: with new caches each time,
/// so every lazy-DFA state the article needs is built during the search (what each new set
/// of search caches pays for its first documents of a language; ten samples, flat sampling).
fn prefilter(c: &mut Criterion) {
    let rules = rules();
    let inputs: Vec<(&str, String)> = EXTRACT_LANGS.iter().map(|l| (*l, article(l))).collect();
    for cold in [false, true] {
        let mut g = c.benchmark_group(if cold { "prefilter-cold" } else { "prefilter" });
        if cold {
            g.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        for (lang, text) in &inputs {
            let prefilters: Vec<&Prefilter> = rules
                .prefilter(rules.lang(lang).unwrap())
                .into_iter()
                .collect();
            let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
            let new_caches =
                || -> Vec<Cache> { prefilters.iter().map(|p| p.create_cache()).collect() };
            let scan = |caches: &mut [Cache]| {
                let mut hits = 0;
                for (p, cache) in prefilters.iter().zip(caches) {
                    for line in &lines {
                        hits += p.matches(cache, black_box(line)).len();
                    }
                }
                hits
            };
            g.throughput(Throughput::Bytes(text.len() as u64));
            if cold {
                g.bench_function(*lang, |b| {
                    b.iter_batched(new_caches, |mut c| scan(&mut c), BatchSize::PerIteration);
                });
            } else {
                let mut caches = new_caches();
                scan(&mut caches);
                g.bench_function(*lang, |b| b.iter(|| scan(&mut caches)));
            }
        }
        g.finish();
    }
}

/// `extract::count_raw_matches`: the match floor of `scripts/bench` for one article.
fn matches(c: &mut Criterion) {
    per_article(c, "match", |rules, lang, text| {
        newsfacts::extract::count_raw_matches(rules, Some(lang), text)
    });
}

/// `extract::extract`: matching, overlap resolution, capture groups and normalization of the
/// winners, countries and character offsets (no publication date: relative dates stay
/// unresolved, as for plain-text inputs).
fn extract(c: &mut Criterion) {
    per_article(c, "extract", |rules, lang, text| {
        newsfacts::extract::extract(rules, Some(lang), text, None, false)
    });
}

/// A group timing `run` on the article of each of [`EXTRACT_LANGS`], its automata warmed.
fn per_article<R>(c: &mut Criterion, group: &str, run: impl Fn(&RuleSet, &str, &str) -> R) {
    let rules = rules();
    let mut g = c.benchmark_group(group);
    for lang in EXTRACT_LANGS {
        let text = article(lang);
        warm(&rules, lang, &text);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(lang, |b| b.iter(|| run(&rules, lang, black_box(&text))));
    }
    g.finish();
}

/// The English article's document: `rows` builds its `documents.csv` row and its facts'
/// rows (record ids hashed, values formatted into reused buffers, as the writer does)
/// without output; `csv` and `jsonl` write it
/// with `Tables::document` into files under Cargo's target temporary folder, a new set of
/// files per sample (creating them, the last flush on closing them and removing them are not
/// timed, nor is the `fsync` of `Tables::finish`; the writes of full 64 KB buffers are).
fn write(c: &mut Criterion) {
    let rules = rules();
    let text = article_file("en");
    let doc = document(&rules, "fixtures/en/article.txt", text.as_bytes(), false);
    assert!(doc.facts.len() > 50, "the article yields facts to write");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-stages-write");
    let mut g = c.benchmark_group("write");
    g.throughput(Throughput::Bytes(text.len() as u64));
    let mut buffers = newsfacts::record::FactFields::default();
    g.bench_function("rows/en", |b| {
        b.iter(|| {
            let doc = black_box(&doc);
            let row = newsfacts::record::document_row(doc);
            for ex in &doc.facts {
                let lang = doc.lang.as_deref();
                newsfacts::record::fact_fields(&mut buffers, &doc.id, lang, ex, |field, _plain| {
                    black_box(field);
                });
            }
            row
        });
    });
    for (id, format) in [
        ("csv/en", OutputFormat::Csv),
        ("jsonl/en", OutputFormat::Jsonl),
    ] {
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).unwrap();
                let mut tables = Tables::create(&dir, format, false, None).unwrap();
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(tables.document(black_box(&doc), false).unwrap());
                }
                let elapsed = start.elapsed();
                drop(tables);
                std::fs::remove_dir_all(&dir).unwrap();
                elapsed
            });
        });
    }
    g.finish();
}

/// Every CPU stage of one input, as `pipeline::process_file` runs them once the bytes are
/// read: decode, main text, language, extraction (no record building or output).
fn whole_document(c: &mut Criterion) {
    let rules = rules();
    let inputs: [(&str, Vec<u8>, bool); 3] = [
        ("text/en", article_file("en").into_bytes(), false),
        ("html/en", fixture_bytes("en/port-strike.html"), true),
        (
            "html/fr",
            fixture_bytes("fr/onu-pirates-nord-coreens-hopitaux.html"),
            true,
        ),
    ];
    let mut g = c.benchmark_group("document");
    for (id, bytes, html) in &inputs {
        let doc = document(&rules, id, bytes, *html);
        assert_eq!(doc.media_type == MediaType::Html, *html);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(*id, |b| {
            b.iter(|| {
                let (_, _, main) =
                    newsfacts::pipeline::main_text(id, black_box(bytes), *html, None).unwrap();
                newsfacts::pipeline::process_text(
                    &rules,
                    &main.text,
                    None,
                    main.lang_attr.as_deref(),
                    main.published.as_deref(),
                    false,
                )
            });
        });
    }
    g.finish();
}

/// `load`: loading the embedded rules (parsing every file, expanding lexicon placeholders and
/// parsing every expanded pattern, on every core with rayon; the regexes, prefilters and
/// country matchers themselves are built later, on first use). `prefilter`: compiling one
/// language's prefilter automaton from its rules' patterns, translated from their recipes
/// (the group's lexicon expansions are translated once per process, by the first sample),
/// without the lazy-DFA states, which searches build: see `prefilter-cold`. Slow: ten
/// samples, flat sampling, over 4 s (this group's settings win over the command line's).
fn rules_stage(c: &mut Criterion) {
    let files = RuleFiles::embedded();
    let source_bytes: usize = files.files.iter().map(|(_, content)| content.len()).sum();
    let rules = rules();
    let mut g = c.benchmark_group("rules");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(4));
    g.throughput(Throughput::Bytes(source_bytes as u64));
    g.bench_function("load", |b| {
        b.iter_with_large_drop(|| newsfacts::rules::load(black_box(&files)).unwrap());
    });
    for lang in ["en", "fr"] {
        let group = rules.lang(lang).unwrap();
        let pattern_bytes: usize = [group, &rules.common]
            .iter()
            .flat_map(|g| &g.rules)
            .map(|r| r.set_pattern.len())
            .sum();
        g.throughput(Throughput::Bytes(pattern_bytes as u64));
        g.bench_function(format!("prefilter/{lang}"), |b| {
            b.iter_with_large_drop(|| rules.build_prefilter(black_box(group)).unwrap());
        });
    }
    g.finish();
}

criterion_group! {
    name = stages;
    // Short runs: the whole suite takes about two minutes on two cores. Command-line options
    // (`--warm-up-time`, `--measurement-time`, `--quick`) override these.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = decode, text, lang, prefilter, matches, extract, write, whole_document, rules_stage
}
criterion_main!(stages);
