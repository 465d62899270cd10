//! What a re-run keeps from the previous output: which documents need no processing at all,
//! and their rows, read back from the previous tables.
//!
//! A document keeps its rows when the previous run saw the same bytes under the same source
//! (`content_hash` in `documents.csv`), the rule files that apply to its language are
//! unchanged (per-file fingerprints in `run.json`, see [`crate::rules::applies_to`]), and
//! the previous run was made by the same build with the same options that shape records
//! (`--lang`, `--csv-safe`). Such a document is not decoded, parsed or extracted: its rows
//! are copied byte for byte. The others go through the stage cache ([`crate::cache`]).
//!
//! The previous tables are read in one pass alongside the new run, which visits documents
//! in the same order (sorted by source): [`PreviousTables::take`] hands over a document's
//! rows, and the rows of documents that are gone are handed to the caller as removed, so
//! the change summary ([`crate::diff`]) only looks at documents that were processed again.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use crate::cache::BUILD_FINGERPRINT;
use crate::fact::FactKind;
use crate::record;
use crate::rules::{RuleSet, applicable_fingerprint};

/// A document of the previous output.
#[derive(Clone, Debug)]
struct PrevDoc {
    position: usize,
    content_hash: String,
    reusable_rules: bool,
}

/// The previous output of an output folder, as far as a new run can use it.
#[derive(Debug)]
pub struct Previous {
    dir: PathBuf,
    docs: HashMap<String, PrevDoc>,
    sources: Vec<String>,
    /// Why rows cannot be kept, when they cannot.
    reuse_blocked: Option<String>,
}

/// What a new run needs to match for the previous rows to be valid.
#[derive(Clone, Copy, Debug)]
pub struct Conditions<'a> {
    /// The rule set of the new run.
    pub rules: &'a RuleSet,
    /// `--lang`.
    pub lang: Option<&'a str>,
    /// `--csv-safe`.
    pub csv_safe: bool,
    /// Whether reuse is allowed at all (`--no-cache` forbids it).
    pub allowed: bool,
}

fn reader(path: &Path) -> Result<csv::Reader<File>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))
}

/// The tables of an output folder: `documents.csv` (`None`) and one per kind.
fn tables() -> impl Iterator<Item = (Option<FactKind>, String, Vec<&'static str>)> {
    std::iter::once((
        None,
        "documents.csv".to_owned(),
        record::header(record::DOCUMENT_COLUMNS),
    ))
    .chain(FactKind::ALL.into_iter().map(|k| {
        (
            Some(k),
            format!("{}.csv", k.table()),
            record::header(&record::fact_columns(k)),
        )
    }))
}

/// Checks that an output folder's tables have this version's columns.
pub fn check_headers(dir: &Path) -> Result<()> {
    for (_, name, header) in tables() {
        let path = dir.join(&name);
        let mut r = reader(&path)?;
        let found: Vec<String> = r
            .headers()
            .with_context(|| format!("cannot read {}", path.display()))?
            .iter()
            .map(str::to_owned)
            .collect();
        if found != header {
            bail!(
                "{}: other columns than this version writes (found {}; expected {})",
                path.display(),
                found.join(","),
                header.join(",")
            );
        }
    }
    Ok(())
}

/// Position of a column in `documents.csv`.
fn doc_column(name: &str) -> usize {
    record::DOCUMENT_COLUMNS
        .iter()
        .position(|c| c.name == name)
        .expect("documents.csv has this column")
}

/// Why the previous run's rows cannot be kept, if they cannot.
fn reuse_blocker(run_json: Option<&Value>, cx: &Conditions<'_>) -> Option<String> {
    if !cx.allowed {
        return Some("--no-cache".to_owned());
    }
    let Some(run) = run_json else {
        return Some("the previous run.json is missing or unreadable".to_owned());
    };
    if run["build"].as_str() != Some(BUILD_FINGERPRINT) {
        return Some("the previous output was written by another build of newsfacts".to_owned());
    }
    if run["options"]["lang"].as_str() != cx.lang {
        return Some("--lang differs from the previous run's".to_owned());
    }
    if run["options"]["csv_safe"].as_bool() != Some(cx.csv_safe) {
        return Some("--csv-safe differs from the previous run's".to_owned());
    }
    if !run["rules"]["files"].is_object() {
        return Some("the previous run.json has no rule file fingerprints".to_owned());
    }
    None
}

impl Previous {
    /// Reads the previous output of `dir`: `Ok(None)` when there is none (a first run).
    /// An error means the folder holds tables this version cannot use (other columns,
    /// unreadable); the caller reports it and goes on without them.
    pub fn open(dir: &Path, cx: &Conditions<'_>) -> Result<Option<Previous>> {
        let documents = dir.join("documents.csv");
        if !documents.exists() {
            return Ok(None);
        }
        let run_json: Option<Value> = std::fs::read(dir.join("run.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        // After a `--format jsonl` run, CSV tables in the folder are older than its run.json.
        if run_json
            .as_ref()
            .and_then(|r| r["options"]["format"].as_str())
            .is_some_and(|f| f != "csv")
        {
            return Ok(None);
        }
        check_headers(dir)?;
        let reuse_blocked = reuse_blocker(run_json.as_ref(), cx);
        let old_files: std::collections::BTreeMap<String, String> = run_json
            .as_ref()
            .and_then(|r| r["rules"]["files"].as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let (id_col, source_col, hash_col, lang_col) = (
            doc_column("doc_id"),
            doc_column("source"),
            doc_column("content_hash"),
            doc_column("lang"),
        );
        let mut rules_unchanged: HashMap<Option<String>, bool> = HashMap::new();
        let mut docs = HashMap::new();
        let mut sources = Vec::new();
        let mut r = reader(&documents)?;
        let mut row = csv::StringRecord::new();
        while r
            .read_record(&mut row)
            .with_context(|| format!("cannot read {}", documents.display()))?
        {
            let field = |i: usize| row.get(i).unwrap_or("");
            let lang = Some(field(lang_col)).filter(|l| !l.is_empty());
            let reusable_rules = *rules_unchanged
                .entry(lang.map(str::to_owned))
                .or_insert_with(|| {
                    reuse_blocked.is_none()
                        && applicable_fingerprint(&old_files, lang)
                            == cx.rules.applicable_fingerprint(lang)
                });
            let doc = PrevDoc {
                position: sources.len(),
                content_hash: field(hash_col).to_owned(),
                reusable_rules,
            };
            if docs.insert(field(id_col).to_owned(), doc).is_some() {
                bail!(
                    "{}: document {} is listed twice",
                    documents.display(),
                    field(id_col)
                );
            }
            sources.push(field(source_col).to_owned());
        }
        Ok(Some(Previous {
            dir: dir.to_path_buf(),
            docs,
            sources,
            reuse_blocked,
        }))
    }

    /// Why no rows can be kept, if none can.
    pub fn reuse_blocked(&self) -> Option<&str> {
        self.reuse_blocked.as_deref()
    }

    /// The previous position of a document whose rows can be kept: same bytes, same
    /// applicable rules, same build and options.
    pub fn reusable(&self, doc_id: &str, content_hash: &str) -> Option<usize> {
        let d = self.docs.get(doc_id)?;
        (d.reusable_rules && d.content_hash == content_hash).then_some(d.position)
    }

    /// The previous position of a document, reusable or not.
    pub fn position(&self, doc_id: &str) -> Option<usize> {
        self.docs.get(doc_id).map(|d| d.position)
    }

    /// The source of the document at a previous position.
    pub fn source(&self, position: usize) -> &str {
        self.sources.get(position).map_or("", String::as_str)
    }

    /// Opens the previous tables for one pass in document order.
    pub fn tables(&self) -> Result<PreviousTables<'_>> {
        let cursors = tables()
            .map(|(kind, name, _)| {
                let path = self.dir.join(&name);
                let mut c = Cursor {
                    kind,
                    reader: reader(&path)?,
                    path,
                    row: csv::ByteRecord::new(),
                    position: None,
                    start: 0,
                    last_doc: Vec::new(),
                    last_position: 0,
                };
                c.advance(self)?;
                Ok(c)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PreviousTables {
            previous: self,
            cursors,
        })
    }
}

/// One previous table, read a row ahead.
struct Cursor {
    kind: Option<FactKind>,
    reader: csv::Reader<File>,
    path: PathBuf,
    /// The next row not handed over yet …
    row: csv::ByteRecord,
    /// … its document's position (`None` at the end of the table) …
    position: Option<usize>,
    /// … and its first byte in the file (the file's length at the end).
    start: u64,
    last_doc: Vec<u8>,
    last_position: usize,
}

impl Cursor {
    fn advance(&mut self, previous: &Previous) -> Result<()> {
        if !self
            .reader
            .read_byte_record(&mut self.row)
            .with_context(|| format!("cannot read {}", self.path.display()))?
        {
            self.position = None;
            self.start = self.reader.position().byte();
            return Ok(());
        }
        self.start = self.row.position().map_or(0, csv::Position::byte);
        // doc_id is the first column of documents.csv and the second of the fact tables.
        let doc_id = self
            .row
            .get(usize::from(self.kind.is_some()))
            .unwrap_or_default();
        if doc_id != self.last_doc.as_slice() || self.position.is_none() {
            let id = String::from_utf8_lossy(doc_id);
            let Some(position) = previous.position(&id) else {
                bail!(
                    "{}: row for document {id}, which documents.csv does not list",
                    self.path.display()
                );
            };
            if position < self.last_position {
                bail!(
                    "{}: rows are not in the order of documents.csv; was the folder written \
                     by newsfacts?",
                    self.path.display()
                );
            }
            self.last_doc = doc_id.to_vec();
            self.last_position = position;
        }
        self.position = Some(self.last_position);
        Ok(())
    }
}

/// One pass over the previous tables, in document order.
pub struct PreviousTables<'p> {
    previous: &'p Previous,
    cursors: Vec<Cursor>,
}

/// A previous row handed over by [`PreviousTables`]: its table (`None` for
/// `documents.csv`), the position of its document, and the row as written.
pub type PrevRow = (Option<FactKind>, usize, csv::ByteRecord);

/// A document's rows in the previous tables.
#[derive(Debug, Default)]
pub struct Taken {
    /// Per table with rows of the document (`None` for `documents.csv`): the bytes they
    /// occupy in the previous file (rows of a document are contiguous) and how many rows.
    pub ranges: Vec<(Option<FactKind>, std::ops::Range<u64>, usize)>,
    /// The rows themselves: always its `documents.csv` row, and its fact rows when asked
    /// for.
    pub rows: Vec<PrevRow>,
}

impl PreviousTables<'_> {
    /// The rows of the document at `position`, in table order (`documents.csv` first), with
    /// the fact rows themselves when `want_rows`. Rows of documents before it that were not
    /// taken are passed to `dropped`: their documents are gone from the input, failed, or
    /// come again without their old rows.
    pub fn take(
        &mut self,
        position: usize,
        want_rows: bool,
        dropped: &mut dyn FnMut(&PrevRow),
    ) -> Result<Taken> {
        let mut taken = Taken::default();
        for c in &mut self.cursors {
            let mut range: Option<(u64, usize)> = None;
            while let Some(p) = c.position.filter(|&p| p <= position) {
                let row = (c.kind, p, std::mem::take(&mut c.row));
                if p == position {
                    let (_, n) = range.get_or_insert((c.start, 0));
                    *n += 1;
                    if want_rows || c.kind.is_none() {
                        taken.rows.push(row);
                    } else {
                        c.row = row.2;
                    }
                } else {
                    dropped(&row);
                    c.row = row.2;
                }
                c.advance(self.previous)?;
            }
            if let Some((start, n)) = range {
                taken.ranges.push((c.kind, start..c.start, n));
            }
        }
        Ok(taken)
    }

    /// Passes every row not taken yet to `dropped`.
    pub fn finish(&mut self, dropped: &mut dyn FnMut(&PrevRow)) -> Result<()> {
        self.take(usize::MAX, false, dropped).map(|_| ())
    }
}
