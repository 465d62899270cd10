//! Writing output tables, in one of two formats:
//! * `csv` (the default): RFC 4180 CSV (UTF-8, header row, `\n` line ends), one file per table,
//!   plus `schema.sql` (the PostgreSQL dialect of [`crate::schema`]);
//! * `jsonl`: `documents.jsonl`, `records.jsonl` (every kind of fact, one line per record with
//!   a `kind` field) and `errors.jsonl`, with the same fields as the CSV tables, typed by
//!   [`record::json_cell`].
//!
//! Each file is written to a temporary file in the output folder and renamed into place when
//! the run is complete, so an interrupted run never leaves a half-written table. `run.json`
//! is written by the pipeline with [`write_atomic`].

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::document::Document;
use crate::error::Failure;
use crate::fact::FactKind;
use crate::record::{self, Column, Row};
use crate::schema::{self, Dialect};

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
}

/// A file being written under a temporary name, renamed into place by [`TempFile::finish`].
struct TempFile {
    out: BufWriter<File>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl TempFile {
    fn create(dir: &Path, file_name: &str) -> Result<TempFile> {
        let dest = dir.join(file_name);
        let tmp = dir.join(format!(".{file_name}.tmp"));
        let file =
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(TempFile {
            out: BufWriter::new(file),
            tmp,
            dest,
        })
    }

    /// Flushes and syncs; returns (temporary, destination) for the rename.
    fn finish(mut self) -> Result<(PathBuf, PathBuf)> {
        self.out
            .flush()
            .and_then(|()| self.out.get_ref().sync_all())
            .with_context(|| format!("cannot write {}", self.tmp.display()))?;
        Ok((self.tmp, self.dest))
    }
}

/// One CSV table.
struct CsvTable {
    writer: csv::Writer<BufWriter<File>>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl CsvTable {
    fn create(dir: &Path, name: &str, columns: &[Column]) -> Result<CsvTable> {
        let TempFile { out, tmp, dest } = TempFile::create(dir, &format!("{name}.csv"))?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        writer
            .write_record(record::header(columns))
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        Ok(CsvTable { writer, tmp, dest })
    }

    fn row(&mut self, row: &Row) -> Result<()> {
        self.writer
            .write_record(row.iter().map(|c| c.as_deref().unwrap_or("")))
            .with_context(|| format!("cannot write {}", self.tmp.display()))
    }

    fn finish(self) -> Result<(PathBuf, PathBuf)> {
        let out = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", self.tmp.display(), e.error()))?;
        TempFile {
            out,
            tmp: self.tmp,
            dest: self.dest,
        }
        .finish()
    }
}

/// One JSON lines file.
struct JsonlFile {
    file: TempFile,
}

impl JsonlFile {
    fn create(dir: &Path, name: &str) -> Result<JsonlFile> {
        Ok(JsonlFile {
            file: TempFile::create(dir, &format!("{name}.jsonl"))?,
        })
    }

    fn line(&mut self, object: &serde_json::Map<String, serde_json::Value>) -> Result<()> {
        let tmp = &self.file.tmp;
        serde_json::to_writer(&mut self.file.out, object)
            .map_err(std::io::Error::from)
            .and_then(|()| self.file.out.write_all(b"\n"))
            .with_context(|| format!("cannot write {}", tmp.display()))
    }
}

enum Files {
    Csv {
        documents: Box<CsvTable>,
        facts: Vec<(FactKind, CsvTable)>,
        errors: Box<CsvTable>,
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
}

/// Neutralizes a cell that a spreadsheet would read as a formula.
fn spreadsheet_safe(cell: Option<String>) -> Option<String> {
    match cell {
        Some(s) if s.starts_with(['=', '+', '-', '@']) => Some(format!("'{s}")),
        other => other,
    }
}

impl Tables {
    /// Creates the output folder and temporary files. `csv_safe` applies to CSV only.
    pub fn create(dir: &Path, format: OutputFormat, csv_safe: bool) -> Result<Tables> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let files = match format {
            OutputFormat::Csv => Files::Csv {
                documents: Box::new(CsvTable::create(
                    dir,
                    "documents",
                    record::DOCUMENT_COLUMNS,
                )?),
                facts: FactKind::ALL
                    .into_iter()
                    .map(|k| {
                        Ok((
                            k,
                            CsvTable::create(dir, k.table(), &record::fact_columns(k))?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?,
                errors: Box::new(CsvTable::create(dir, "errors", record::ERROR_COLUMNS)?),
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
        })
    }

    fn safe(&self, row: Row) -> Row {
        if self.csv_safe {
            row.into_iter().map(spreadsheet_safe).collect()
        } else {
            row
        }
    }

    /// Writes a document and its facts.
    pub fn document(&mut self, doc: &Document) -> Result<()> {
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
        Ok(())
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

    /// Flushes every file and renames them into place; with CSV, writes `schema.sql`.
    pub fn finish(self) -> Result<()> {
        let is_csv = matches!(self.files, Files::Csv { .. });
        let mut done = Vec::new();
        match self.files {
            Files::Csv {
                documents,
                facts,
                errors,
            } => {
                done.push(documents.finish()?);
                for (_, t) in facts {
                    done.push(t.finish()?);
                }
                done.push(errors.finish()?);
            }
            Files::Jsonl {
                documents,
                records,
                errors,
            } => {
                for f in [documents, records, errors] {
                    done.push(f.file.finish()?);
                }
            }
        }
        for (tmp, dest) in done {
            std::fs::rename(&tmp, &dest).with_context(|| {
                format!("cannot rename {} to {}", tmp.display(), dest.display())
            })?;
        }
        if is_csv {
            write_atomic(
                &self.dir.join("schema.sql"),
                schema::schema(Dialect::Postgres).as_bytes(),
            )?;
        }
        Ok(())
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
