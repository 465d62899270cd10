//! newsfacts turns news articles in any language into normalized, provenance-carrying
//! records of the facts they state: dates, money amounts, counts and countries.
//!
//! ```text
//! inputs ──► ingest ──► decode ──► text ──► lang ──► extract ──► normalize ──► write
//! (paths,    (walk,     (BOM,      (HTML →  (whatlang (rule sets  (ISO dates,  (CSV tables,
//!  URLs,      fetch,     declared,  main     + hints)  for lang +  exact        atomic,
//!  lists)     cache)     meta,      text)              common)     decimals)    sorted)
//!                        chardet)
//! ```
//!
//! Where things live:
//! * [`ingest`] finds article files and URLs, and [`ingest::fetch`] downloads URLs (HTTP,
//!   politeness, cache); [`decode`] turns bytes into text; [`text`] extracts an
//!   HTML page's main text and metadata; [`lang`] decides the language.
//! * [`rules`] loads, compiles and checks rule files; [`extract`] applies them with word
//!   boundaries and overlap resolution; [`normalize`] turns matches into typed [`fact`]s.
//! * [`record`] defines the output tables (the one list of columns); [`write`](mod@write)
//!   writes them as CSV or JSON lines into a staging folder and commits them; [`schema`]
//!   derives their SQL schemas (SQLite, PostgreSQL, DuckDB); [`load`] upserts a run into an
//!   SQLite database; [`diff`] compares the records of two runs.
//! * [`cache`] keeps each file content's decoded text, main text, language and records;
//!   [`reuse`] decides which documents keep their rows from the previous output.
//! * [`pipeline`] wires the stages with parallel workers and fetch threads; [`progress`]
//!   draws progress bars;
//!   [`cli`] is the command line.
#![warn(missing_docs)]

pub mod cache;
pub mod cli;
pub mod decode;
pub mod diff;
pub mod document;
pub mod error;
pub mod extract;
pub mod fact;
pub mod ingest;
pub mod lang;
pub mod load;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod reuse;
pub mod rules;
pub mod schema;
pub mod text;
pub mod write;
