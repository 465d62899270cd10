//! newsfacts turns news articles in any language into normalized, provenance-carrying
//! records of the facts they state: dates, money amounts, counts and countries.
//!
//! ```text
//! inputs ──► ingest ──► decode ──► text ──► lang ──► extract ──► normalize ──► write
//! (paths)    (walk)     (BOM,      (HTML →  (whatlang (rule sets  (ISO dates,  (CSV tables,
//!                        meta,      main     + hints)  for lang +  exact        atomic,
//!                        chardet)   text)              common)     decimals)    sorted)
//! ```
//!
//! Where things live:
//! * [`ingest`] finds article files; [`decode`] turns bytes into text; [`text`] extracts an
//!   HTML page's main text and metadata; [`lang`] decides the language.
//! * [`rules`] loads, compiles and checks rule files; [`extract`] applies them with word
//!   boundaries and overlap resolution; [`normalize`] turns matches into typed [`fact`]s.
//! * [`record`] defines the output tables; [`write`] writes them into a staging folder and
//!   commits them; [`diff`] compares the records of two runs.
//! * [`cache`] keeps each content's decoded text, main text, language and records;
//!   [`reuse`] decides which documents keep their rows from the previous output.
//! * [`pipeline`] wires the stages with parallel workers; [`progress`] draws progress bars;
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
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod reuse;
pub mod rules;
pub mod text;
pub mod write;
