//! Whole-corpus benchmark floors: `cargo run --release --example bench -- CORPUS_DIR [--jobs N]`.
//!
//! `CORPUS_DIR` is laid out as `<lang>/…/*.txt|*.html` (see `scripts/gen_corpus.py`). Prints,
//! as JSON on stdout, the read floor (reading every byte) and the match floor (the rules'
//! compiled matchers finding all matches in every document, with the language taken from the
//! folder name: no decoding, HTML parsing, language detection, normalization, overlap
//! resolution or output). `scripts/bench` runs this next to the full `newsfacts run`.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(
        args.first()
            .expect("usage: bench CORPUS_DIR [--jobs N] [--rules DIR]"),
    );
    let jobs = args
        .iter()
        .position(|a| a == "--jobs")
        .and_then(|i| args.get(i + 1))
        .and_then(|j| j.parse().ok())
        .unwrap_or(0);
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build_global()
        .unwrap();
    let rule_files = match args
        .iter()
        .position(|a| a == "--rules")
        .and_then(|i| args.get(i + 1))
    {
        Some(d) => newsfacts::rules::RuleFiles::from_dir(Path::new(d)).unwrap(),
        None => newsfacts::rules::RuleFiles::embedded(),
    };
    let rules = newsfacts::rules::load(&rule_files).unwrap();
    let mut paths = Vec::new();
    files(&dir, &mut paths);
    let lang_of = |p: &Path| -> String {
        p.strip_prefix(&dir)
            .unwrap()
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .into_owned()
    };

    let t = Instant::now();
    let bytes: usize = paths
        .par_iter()
        .map(|p| std::fs::read(p).unwrap().len())
        .sum();
    let read = t.elapsed().as_secs_f64();

    // Warm the per-language country matchers outside the timing, as a long run would.
    for l in ["en", "fr", "de", "es", "zh"] {
        rules.countries.prepare(l);
    }
    let t = Instant::now();
    let matches: usize = paths
        .par_iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
            newsfacts::extract::count_raw_matches(&rules, Some(&lang_of(p)), &text)
        })
        .sum();
    let match_secs = t.elapsed().as_secs_f64();
    let mb = bytes as f64 / 1e6;
    println!(
        "{{\"documents\": {}, \"mb\": {mb:.1}, \"read_floor\": {{\"seconds\": {read:.3}, \"mb_per_s\": {:.1}, \"docs_per_s\": {:.0}}}, \"match_floor\": {{\"seconds\": {match_secs:.3}, \"mb_per_s\": {:.1}, \"docs_per_s\": {:.0}, \"matches\": {matches}}}}}",
        paths.len(),
        mb / read,
        paths.len() as f64 / read,
        mb / match_secs,
        paths.len() as f64 / match_secs,
    );
}
