//! Writing output tables, in one of two formats:
//! * `csv` (the default): RFC 4180 CSV (UTF-8, header row, `\n` line ends), one file per table,
//!   plus `schema.sql` (the PostgreSQL dialect of [`crate::schema`]);
//! * `jsonl`: `documents.jsonl`, `records.jsonl` (every kind of fact, one line per record with
//!   a `kind` field) and `errors.jsonl`, with the same fields as the CSV tables, typed by
//!   [`record::json_cell`].
//!
//! Both formats also have `run.json`, written by the pipeline. A run writes its files into
//! `<output>/.staging/`, syncs them, writes the marker `.staging/READY` (the commit point) and
//! renames the files into `<output>/` in the fixed order of [`COMMIT_ORDER`] — tables first,
//! `run.json` last — then removes the staging folder. Killed before the marker, a run leaves
//! the previous files untouched (the next run discards its staging folder); killed during the
//! renames, it leaves the marker, and [`recover`], which every command that reads or writes an
//! output folder calls first, finishes the renames, as `SQLite` replays a hot journal. So
//! through newsfacts, or for any reader that checks for the marker, an output folder holds
//! either all of the previous run's files or all of the new run's. Each file is replaced by
//! one rename, so no reader ever sees a half-written file; a reader that opens the tables one
//! by one while a commit happens can still get tables of both runs (`run.json`, renamed last,
//! tells which run a folder holds). A commit replaces the files of its own format
//! ([`OutputFormat::files`]); files of the other format, left by an earlier run, stay.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::document::Document;
use crate::error::Failure;
use crate::fact::FactKind;
use crate::record::{self, Column, FactFields, Row};
use crate::schema::{self, Dialect};

pub mod csv_out;

use csv_out::CsvOut;

/// The format of the output tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// One CSV file per table, and `schema.sql`.
    #[default]
    Csv,
    /// JSON lines: `documents.jsonl`, `records.jsonl` (all kinds), `errors.jsonl`.
    Jsonl,
}

impl OutputFormat {
    /// The name used on the command line and in `run.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Jsonl => "jsonl",
        }
    }

    /// The files a run in this format commits into the output folder, in commit order.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            OutputFormat::Csv => &OUTPUT_FILES,
            OutputFormat::Jsonl => &JSONL_OUTPUT_FILES,
        }
    }
}

/// The files of a CSV output folder, in the order a commit renames them into place.
pub const OUTPUT_FILES: [&str; 8] = [
    "documents.csv",
    "dates.csv",
    "amounts.csv",
    "counts.csv",
    "countries.csv",
    "errors.csv",
    "schema.sql",
    "run.json",
];

/// The files of a JSON lines output folder, in the order a commit renames them into place.
pub const JSONL_OUTPUT_FILES: [&str; 4] = [
    "documents.jsonl",
    "records.jsonl",
    "errors.jsonl",
    "run.json",
];

/// Every file a commit may rename, in order: the tables of both formats, `schema.sql`, then
/// `run.json`. A commit renames those its staging folder holds, so that [`recover`] needs not
/// know the format of the run it finishes.
pub const COMMIT_ORDER: [&str; 11] = [
    "documents.csv",
    "dates.csv",
    "amounts.csv",
    "counts.csv",
    "countries.csv",
    "errors.csv",
    "documents.jsonl",
    "records.jsonl",
    "errors.jsonl",
    "schema.sql",
    "run.json",
];

/// The staging folder, inside the output folder.
pub const STAGING: &str = ".staging";

/// The commit marker, inside the staging folder.
const READY: &str = "READY";

/// What [`recover`] found in an output folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// No interrupted run.
    Clean,
    /// A run was killed while committing: its renames were finished.
    RolledForward,
    /// A run was killed before committing: its staging folder was removed.
    DiscardedIncomplete,
}

/// Brings an output folder back to a committed state after an interrupted run (see the
/// module documentation): finishes a commit that was under way, and removes the staging
/// folder of a run killed before its commit. Only for a run that is about to write into the
/// folder; readers use [`finish_interrupted_commit`]. Idempotent, and safe to interrupt.
pub fn recover(out_dir: &Path) -> Result<Recovery> {
    if finish_interrupted_commit(out_dir)? {
        return Ok(Recovery::RolledForward);
    }
    let staging = out_dir.join(STAGING);
    if !staging.is_dir() {
        return Ok(Recovery::Clean);
    }
    std::fs::remove_dir_all(&staging)
        .with_context(|| format!("cannot remove {}", staging.display()))?;
    Ok(Recovery::DiscardedIncomplete)
}

/// Finishes a commit that a killed run left under way, so that the folder holds the new
/// run's files only; returns whether there was one. Leaves a run in progress alone.
pub fn finish_interrupted_commit(out_dir: &Path) -> Result<bool> {
    let staging = out_dir.join(STAGING);
    if !staging.join(READY).exists() {
        return Ok(false);
    }
    finish_commit(out_dir, &staging)?;
    Ok(true)
}

/// Creates the output folder if needed, recovers it, and creates an empty staging folder
/// for a new run's files.
pub fn begin(out_dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    recover(out_dir)?;
    let staging = out_dir.join(STAGING);
    std::fs::create_dir(&staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    Ok(staging)
}

/// Switches the files of the staging folder (all of [`OutputFormat::files`], written and
/// synced) into the output folder.
pub fn commit(out_dir: &Path, staging: &Path, format: OutputFormat) -> Result<()> {
    for name in format.files() {
        anyhow::ensure!(
            staging.join(name).is_file(),
            "{}: missing from the staging folder; nothing was replaced",
            staging.join(name).display()
        );
    }
    sync_dir(staging)?;
    write_synced(&staging.join(READY), b"")?;
    sync_dir(staging)?;
    finish_commit(out_dir, staging)
}

fn finish_commit(out_dir: &Path, staging: &Path) -> Result<()> {
    // Another process may be finishing the same commit: what it moved or removed first is
    // not an error.
    let gone = |r: std::io::Result<()>| match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    };
    for name in COMMIT_ORDER {
        let (from, to) = (staging.join(name), out_dir.join(name));
        gone(std::fs::rename(&from, &to))
            .with_context(|| format!("cannot rename {} to {}", from.display(), to.display()))?;
    }
    sync_dir(out_dir)?;
    let ready = staging.join(READY);
    gone(std::fs::remove_file(&ready))
        .with_context(|| format!("cannot remove {}", ready.display()))?;
    gone(std::fs::remove_dir_all(staging))
        .with_context(|| format!("cannot remove {}", staging.display()))
}

/// Makes renames and new names in a folder durable (a no-op where folders cannot be opened).
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes a file and syncs it to disk.
pub fn write_synced(path: &Path, content: &[u8]) -> Result<()> {
    let mut file =
        File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A previous version of a table, whose rows a re-run copies byte for byte.
struct Base {
    path: PathBuf,
    file: File,
    len: u64,
}

/// One CSV table being written into the staging folder.
///
/// With a base (the previous run's file of this table), the table starts out as "the
/// base's first `n` bytes" and writes nothing while the run only copies the base's rows in
/// order; at the first difference it writes those bytes out and goes on normally. A table
/// that ends up identical to its base is a hard link to it: an unchanged re-run neither
/// writes nor syncs its tables.
struct Table {
    out: CsvOut<File>,
    path: PathBuf,
    base: Option<Base>,
    /// `Some(n)`: the table so far is the base's first `n` bytes, and nothing was written.
    same_as_base: Option<u64>,
}

fn csv_out(file: File) -> CsvOut<File> {
    CsvOut::new(BufWriter::with_capacity(1 << 16, file))
}

/// The header line as the writer writes it.
fn header_bytes(columns: &[Column]) -> Vec<u8> {
    let mut w = CsvOut::new(BufWriter::new(Vec::new()));
    let _ = w.row(record::header(columns).into_iter().map(str::as_bytes));
    let _ = w.flush();
    w.get_ref().clone()
}

/// Opens the previous file of a table as a base, if it starts with the same header.
fn open_base(path: PathBuf, header: &[u8]) -> Option<Base> {
    use std::io::Read as _;
    let file = File::open(&path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut start = vec![0; header.len()];
    (&file).read_exact(&mut start).ok()?;
    (start == header).then_some(Base { path, file, len })
}

impl Table {
    fn create(
        dir: &Path,
        name: &str,
        columns: &[Column],
        base_dir: Option<&Path>,
    ) -> Result<Table> {
        let file_name = format!("{name}.csv");
        let path = dir.join(&file_name);
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = csv_out(file);
        let header = header_bytes(columns);
        let base = base_dir.and_then(|d| open_base(d.join(&file_name), &header));
        let same_as_base = base.as_ref().map(|_| header.len() as u64);
        if base.is_none() {
            out.buffered()
                .write_all(&header)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(Table {
            out,
            path,
            base,
            same_as_base,
        })
    }

    fn context(&self) -> String {
        format!("cannot write {}", self.path.display())
    }

    /// Appends bytes `range` of the base.
    fn append_from_base(&mut self, range: std::ops::Range<u64>) -> Result<()> {
        use std::io::{Read as _, Seek as _, SeekFrom};
        let Some(base) = &self.base else {
            anyhow::bail!(
                "{}: no previous table to copy rows from",
                self.path.display()
            );
        };
        let mut from = &base.file;
        from.seek(SeekFrom::Start(range.start))
            .and_then(|_| {
                std::io::copy(&mut from.take(range.end - range.start), self.out.buffered())
            })
            .with_context(|| format!("cannot copy rows of {}", base.path.display()))?;
        Ok(())
    }

    /// Writes out what the table holds while it is the same as its base.
    fn diverge(&mut self) -> Result<()> {
        if let Some(n) = self.same_as_base.take() {
            self.append_from_base(0..n)?;
        }
        Ok(())
    }

    fn row(&mut self, row: &Row) -> Result<()> {
        self.cells(row.iter().map(|c| c.as_deref().unwrap_or("")))
    }

    /// Writes a row field by field: `write` calls [`CsvOut::field`] for each and ends the
    /// row.
    fn fields(&mut self, write: impl FnOnce(&mut CsvOut<File>) -> io::Result<()>) -> Result<()> {
        self.diverge()?;
        let written = write(&mut self.out);
        written.with_context(|| self.context())
    }

    fn cells<'c>(&mut self, cells: impl IntoIterator<Item = &'c str>) -> Result<()> {
        self.diverge()?;
        let written = self.out.row(cells.into_iter().map(str::as_bytes));
        written.with_context(|| self.context())
    }

    /// Copies bytes `range` of the base (whole rows).
    fn copy(&mut self, range: std::ops::Range<u64>) -> Result<()> {
        match &mut self.same_as_base {
            Some(n) if *n == range.start => {
                *n = range.end;
                Ok(())
            }
            _ => {
                self.diverge()?;
                self.append_from_base(range)
            }
        }
    }

    /// Flushes and syncs the rows written so far (none while the table is its base's start).
    fn sync_written(&mut self) -> Result<()> {
        let synced = (self.out.flush()).and_then(|()| self.out.get_ref().sync_data());
        synced.with_context(|| self.context())
    }

    fn finish(mut self) -> Result<()> {
        if let (Some(n), Some(base)) = (self.same_as_base, &self.base)
            && n == base.len
        {
            // Identical to the previous file: link it instead of writing a copy. The commit's
            // rename of a link onto its own file is a no-op, as it should be.
            let linked = std::fs::remove_file(&self.path)
                .and_then(|()| std::fs::hard_link(&base.path, &self.path));
            if linked.is_ok() {
                return Ok(());
            }
            // No hard links here: write the copy after all.
            let file = File::create(&self.path).with_context(|| self.context())?;
            self.out = csv_out(file);
        }
        self.diverge()?;
        let synced = (self.out.flush()).and_then(|()| self.out.get_ref().sync_all());
        synced.with_context(|| self.context())
    }
}

/// One JSON lines file, written into the (staging) folder.
struct JsonlFile {
    out: BufWriter<File>,
    path: PathBuf,
}

impl JsonlFile {
    fn create(dir: &Path, name: &str) -> Result<JsonlFile> {
        let path = dir.join(format!("{name}.jsonl"));
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(JsonlFile {
            out: BufWriter::with_capacity(1 << 16, file),
            path,
        })
    }

    fn line(&mut self, object: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
        serde_json::to_writer(&mut self.out, object)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Flushes and syncs the lines written so far.
    fn sync_written(&mut self) -> Result<()> {
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_data())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Flushes and syncs.
    fn finish(mut self) -> Result<()> {
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_all())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

enum Files {
    Csv {
        documents: Box<Table>,
        facts: Vec<(FactKind, Table)>,
        errors: Box<Table>,
    },
    Jsonl {
        documents: JsonlFile,
        records: JsonlFile,
        errors: JsonlFile,
    },
}

/// The output tables of a run.
pub struct Tables {
    dir: PathBuf,
    files: Files,
    csv_safe: bool,
    /// Buffers for fact rows that are written and not kept.
    scratch: FactFields,
    /// A cell with its formula protection (`--csv-safe`).
    safe_buffer: String,
}

/// Neutralizes a cell that a spreadsheet would read as a formula.
fn spreadsheet_safe(cell: Option<String>) -> Option<String> {
    cell.map(|mut s| {
        make_spreadsheet_safe(&mut s);
        s
    })
}

/// The row, with [`spreadsheet_safe`] cells when `csv_safe`.
fn safe(csv_safe: bool, row: Row) -> Row {
    if csv_safe {
        row.into_iter().map(spreadsheet_safe).collect()
    } else {
        row
    }
}

fn make_spreadsheet_safe(cell: &mut String) {
    if needs_protection(cell) {
        cell.insert(0, '\'');
    }
}

/// Whether a spreadsheet would read the cell as a formula.
fn needs_protection(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@'])
}

impl Tables {
    /// Creates the files in a (staging) folder, which must exist. `csv_safe` applies to CSV
    /// only. `previous` is the folder of the previous CSV tables, when the run copies rows
    /// from them (see [`Tables::copy`]); it is ignored for JSON lines.
    pub fn create(
        dir: &Path,
        format: OutputFormat,
        csv_safe: bool,
        previous: Option<&Path>,
    ) -> Result<Tables> {
        let files = match format {
            OutputFormat::Csv => Files::Csv {
                documents: Box::new(Table::create(
                    dir,
                    "documents",
                    record::DOCUMENT_COLUMNS,
                    previous,
                )?),
                facts: FactKind::ALL
                    .into_iter()
                    .map(|k| {
                        let columns = record::fact_columns(k);
                        Ok((k, Table::create(dir, k.table(), &columns, previous)?))
                    })
                    .collect::<Result<Vec<_>>>()?,
                errors: Box::new(Table::create(dir, "errors", record::ERROR_COLUMNS, None)?),
            },
            OutputFormat::Jsonl => Files::Jsonl {
                documents: JsonlFile::create(dir, "documents")?,
                records: JsonlFile::create(dir, "records")?,
                errors: JsonlFile::create(dir, "errors")?,
            },
        };
        Ok(Tables {
            dir: dir.to_path_buf(),
            files,
            csv_safe,
            scratch: FactFields::default(),
            safe_buffer: String::new(),
        })
    }

    fn safe(&self, row: Row) -> Row {
        safe(self.csv_safe, row)
    }

    /// Hands what has been written so far to the disk, so that the sync before the commit
    /// has little left to wait for (on a 100 MB corpus it waited 83 ms at the end of the
    /// run, every core idle).
    pub fn sync_written(&mut self) -> Result<()> {
        match &mut self.files {
            Files::Csv {
                documents,
                facts,
                errors,
            } => {
                documents.sync_written()?;
                for (_, t) in facts {
                    t.sync_written()?;
                }
                errors.sync_written()
            }
            Files::Jsonl {
                documents,
                records,
                errors,
            } => {
                for f in [documents, records, errors] {
                    f.sync_written()?;
                }
                Ok(())
            }
        }
    }

    /// Writes a document and its facts; returns the facts' rows as written when
    /// `keep_rows` (a change summary compares them), else nothing.
    pub fn document(&mut self, doc: &Document, keep_rows: bool) -> Result<Vec<(FactKind, Row)>> {
        if !keep_rows
            && let Files::Csv {
                documents, facts, ..
            } = &mut self.files
        {
            // The common case: fact rows go straight from the facts to the files, field by
            // field (only numbers are formatted, into a reused buffer).
            documents.row(&safe(self.csv_safe, record::document_row(doc)))?;
            let (scratch, safe_buffer) = (&mut self.scratch, &mut self.safe_buffer);
            for ex in &doc.facts {
                let kind = ex.fact.kind();
                let Some((_, table)) = facts.iter_mut().find(|(k, _)| *k == kind) else {
                    continue;
                };
                table.fields(|w| {
                    let mut written = Ok(());
                    let fields = |field: &str, plain: bool| {
                        if written.is_ok() {
                            written = if self.csv_safe && needs_protection(field) {
                                safe_buffer.clear();
                                safe_buffer.push('\'');
                                safe_buffer.push_str(field);
                                w.field(safe_buffer.as_bytes())
                            } else if plain {
                                w.plain_field(field.as_bytes())
                            } else {
                                w.field(field.as_bytes())
                            };
                        }
                    };
                    record::fact_fields(scratch, &doc.id, doc.lang.as_deref(), ex, fields);
                    written?;
                    w.end_row()
                })?;
            }
            return Ok(Vec::new());
        }
        let doc_row = self.safe(record::document_row(doc));
        let fact_rows: Vec<(FactKind, Row)> = doc
            .facts
            .iter()
            .map(|ex| {
                let row = record::fact_row(&doc.id, doc.lang.as_deref(), ex);
                (ex.fact.kind(), self.safe(row))
            })
            .collect();
        match &mut self.files {
            Files::Csv {
                documents, facts, ..
            } => {
                documents.row(&doc_row)?;
                for (kind, row) in &fact_rows {
                    if let Some((_, table)) = facts.iter_mut().find(|(k, _)| k == kind) {
                        table.row(row)?;
                    }
                }
            }
            Files::Jsonl {
                documents, records, ..
            } => {
                documents.line(&record::json_row(record::DOCUMENT_COLUMNS, &doc_row))?;
                for (kind, row) in &fact_rows {
                    let mut line = serde_json::Map::new();
                    line.insert("kind".into(), kind.as_str().into());
                    line.extend(record::json_row(&record::fact_columns(*kind), row));
                    records.line(&line)?;
                }
            }
        }
        Ok(fact_rows)
    }

    /// Copies rows of the previous run as they were written: bytes `range` of the previous
    /// `documents.csv` (`None`) or of the table of that kind. CSV only.
    pub fn copy(&mut self, table: Option<FactKind>, range: std::ops::Range<u64>) -> Result<()> {
        let Files::Csv {
            documents, facts, ..
        } = &mut self.files
        else {
            anyhow::bail!("rows of a previous output are only copied into CSV tables");
        };
        match table {
            None => documents.copy(range),
            Some(kind) => match facts.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, t)) => t.copy(range),
                None => Ok(()),
            },
        }
    }

    /// Writes a failure.
    pub fn failure(&mut self, f: &Failure) -> Result<()> {
        let row = self.safe(record::failure_row(f));
        match &mut self.files {
            Files::Csv { errors, .. } => errors.row(&row),
            Files::Jsonl { errors, .. } => {
                errors.line(&record::json_row(record::ERROR_COLUMNS, &row))
            }
        }
    }

    /// Flushes every file and syncs it to disk; with CSV, writes `schema.sql` beside them.
    pub fn finish(self) -> Result<()> {
        match self.files {
            Files::Csv {
                documents,
                facts,
                errors,
            } => {
                documents.finish()?;
                for (_, t) in facts {
                    t.finish()?;
                }
                errors.finish()?;
                write_synced(
                    &self.dir.join("schema.sql"),
                    schema::schema(Dialect::Postgres).as_bytes(),
                )
            }
            Files::Jsonl {
                documents,
                records,
                errors,
            } => {
                for f in [documents, records, errors] {
                    f.finish()?;
                }
                Ok(())
            }
        }
    }
}

/// Writes a file atomically (temporary file, then rename).
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&tmp, content).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage_all(out: &Path, content: &str) -> PathBuf {
        let staging = begin(out).unwrap();
        for name in OUTPUT_FILES {
            write_synced(&staging.join(name), content.as_bytes()).unwrap();
        }
        staging
    }

    fn contents(out: &Path) -> Vec<String> {
        OUTPUT_FILES
            .iter()
            .map(|n| std::fs::read_to_string(out.join(n)).unwrap())
            .collect()
    }

    /// A document whose facts have cells a spreadsheet would read as formulas.
    fn document_with_formula_cells() -> Document {
        use crate::document::{LangSource, MediaType};
        use crate::fact::{AmountFact, CountryFact, CountryForm, Extracted, Fact};
        use crate::normalize::number::Decimal;
        let fact = |start: usize, text: &str, fact: Fact| Extracted {
            start,
            end: start + text.chars().count(),
            text: text.into(),
            rule_id: "fr.amount.number_currency".into(),
            fact,
        };
        let amount = |value: &str| {
            Fact::Amount(AmountFact {
                value: Decimal::parse_plain(value).unwrap(),
                currency: "EUR".into(),
                unit_value: Decimal::parse_plain(value).unwrap(),
                unit: "@€".into(),
                currency_ambiguous: false,
                qualifier: None,
            })
        };
        let country = Fact::Country(CountryFact {
            code: "FR".into(),
            form: CountryForm::Name,
        });
        Document {
            id: "d".into(),
            source: "=a.txt".into(),
            provenance: None,
            content_hash: "h".into(),
            bytes: 1,
            media_type: MediaType::Text,
            encoding: "UTF-8",
            encoding_source: "default",
            title: Some("+title".into()),
            published: None,
            lang: Some("fr".into()),
            lang_confidence: None,
            lang_source: LangSource::Given,
            rule_set: "fr".into(),
            chars: 40,
            facts: vec![
                fact(0, "-5,25 €", amount("-5.25")),
                fact(10, "=3 €", amount("3")),
                fact(20, "France", country),
            ],
        }
    }

    #[test]
    fn fact_rows_written_field_by_field_are_the_rows_collected() {
        for csv_safe in [false, true] {
            let tables = |keep_rows: bool| {
                let dir = tempfile::tempdir().unwrap();
                let mut t = Tables::create(dir.path(), OutputFormat::Csv, csv_safe, None).unwrap();
                // Without rows kept: fields streamed; with: rows collected, then written.
                t.document(&document_with_formula_cells(), keep_rows)
                    .unwrap();
                t.finish().unwrap();
                let files: Vec<String> = ["amounts.csv", "countries.csv", "documents.csv"]
                    .iter()
                    .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap())
                    .collect();
                files
            };
            let (streamed, collected) = (tables(false), tables(true));
            assert_eq!(streamed, collected, "csv_safe {csv_safe}");
            let protected = streamed[0].contains(",'-5.25,") && streamed[0].contains(",'=3 €,");
            assert_eq!(protected, csv_safe, "{}", streamed[0]);
        }
    }

    #[test]
    fn syncing_midway_changes_nothing_written() {
        for format in [OutputFormat::Csv, OutputFormat::Jsonl] {
            let write = |sync: bool| {
                let dir = tempfile::tempdir().unwrap();
                let mut t = Tables::create(dir.path(), format, false, None).unwrap();
                let doc = document_with_formula_cells();
                t.document(&doc, false).unwrap();
                if sync {
                    t.sync_written().unwrap();
                }
                t.document(&doc, false).unwrap();
                t.finish().unwrap();
                let mut names: Vec<_> = std::fs::read_dir(dir.path())
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                names.sort();
                names
                    .iter()
                    .map(|p| std::fs::read(p).unwrap())
                    .collect::<Vec<_>>()
            };
            assert_eq!(write(true), write(false), "{format:?}");
        }
    }

    #[test]
    fn a_commit_replaces_every_file_and_leaves_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let staging = stage_all(dir.path(), "old");
        commit(dir.path(), &staging, OutputFormat::Csv).unwrap();
        let staging = stage_all(dir.path(), "new");
        commit(dir.path(), &staging, OutputFormat::Csv).unwrap();
        assert_eq!(contents(dir.path()), vec!["new"; OUTPUT_FILES.len()]);
        assert!(!dir.path().join(STAGING).exists());
    }

    #[test]
    fn a_jsonl_commit_replaces_its_own_files_and_recovery_finishes_it() {
        let dir = tempfile::tempdir().unwrap();
        let staging = stage_all(dir.path(), "csv");
        commit(dir.path(), &staging, OutputFormat::Csv).unwrap();
        let stage_jsonl = |content: &str| {
            let staging = begin(dir.path()).unwrap();
            for name in JSONL_OUTPUT_FILES {
                write_synced(&staging.join(name), content.as_bytes()).unwrap();
            }
            staging
        };
        // Files of the CSV format are missing: a CSV commit refuses, a JSON lines one works.
        let staging = stage_jsonl("old");
        assert!(commit(dir.path(), &staging, OutputFormat::Csv).is_err());
        commit(dir.path(), &staging, OutputFormat::Jsonl).unwrap();
        let staging = stage_jsonl("new");
        write_synced(&staging.join(READY), b"").unwrap();
        std::fs::rename(
            staging.join("documents.jsonl"),
            dir.path().join("documents.jsonl"),
        )
        .unwrap();
        assert_eq!(recover(dir.path()).unwrap(), Recovery::RolledForward);
        for name in JSONL_OUTPUT_FILES {
            assert_eq!(
                std::fs::read_to_string(dir.path().join(name)).unwrap(),
                "new"
            );
        }
        // The CSV tables of the earlier run are left alone.
        assert_eq!(
            std::fs::read_to_string(dir.path().join("dates.csv")).unwrap(),
            "csv"
        );
        assert!(!dir.path().join(STAGING).exists());
    }

    #[test]
    fn recovery_finishes_a_commit_interrupted_between_renames() {
        let dir = tempfile::tempdir().unwrap();
        let staging = stage_all(dir.path(), "old");
        commit(dir.path(), &staging, OutputFormat::Csv).unwrap();
        let staging = stage_all(dir.path(), "new");
        // What a kill after the commit point and three renames leaves.
        write_synced(&staging.join(READY), b"").unwrap();
        for name in &OUTPUT_FILES[..3] {
            std::fs::rename(staging.join(name), dir.path().join(name)).unwrap();
        }
        assert_eq!(recover(dir.path()).unwrap(), Recovery::RolledForward);
        assert_eq!(contents(dir.path()), vec!["new"; OUTPUT_FILES.len()]);
        assert_eq!(recover(dir.path()).unwrap(), Recovery::Clean);
    }

    #[test]
    fn recovery_discards_a_run_killed_before_its_commit() {
        let dir = tempfile::tempdir().unwrap();
        let staging = stage_all(dir.path(), "old");
        commit(dir.path(), &staging, OutputFormat::Csv).unwrap();
        let staging = begin(dir.path()).unwrap();
        write_synced(&staging.join("dates.csv"), b"half").unwrap();
        assert_eq!(recover(dir.path()).unwrap(), Recovery::DiscardedIncomplete);
        assert_eq!(contents(dir.path()), vec!["old"; OUTPUT_FILES.len()]);
        assert!(!dir.path().join(STAGING).exists());
    }

    #[test]
    fn spreadsheet_safe_prefixes_formula_cells_only() {
        assert_eq!(
            spreadsheet_safe(Some("=1+1".into())).as_deref(),
            Some("'=1+1")
        );
        assert_eq!(spreadsheet_safe(Some("-5".into())).as_deref(), Some("'-5"));
        assert_eq!(
            spreadsheet_safe(Some("+33 1".into())).as_deref(),
            Some("'+33 1")
        );
        assert_eq!(
            spreadsheet_safe(Some("@SUM(A1)".into())).as_deref(),
            Some("'@SUM(A1)")
        );
        assert_eq!(spreadsheet_safe(Some("a=b".into())).as_deref(), Some("a=b"));
        assert_eq!(spreadsheet_safe(Some("5".into())).as_deref(), Some("5"));
        assert_eq!(spreadsheet_safe(None), None);
    }
}
