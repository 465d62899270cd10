//! Writing output tables: RFC 4180 CSV (UTF-8, header row, `\n` line ends), each written to a
//! temporary file in the output folder and renamed into place when the run is complete, so
//! an interrupted run never leaves a half-written table; plus `run.json` and `schema.sql`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::document::Document;
use crate::error::Failure;
use crate::fact::FactKind;
use crate::record::{self, Column, Row};

/// One CSV table being written to a temporary file.
struct Table {
    writer: csv::Writer<BufWriter<File>>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl Table {
    fn create(dir: &Path, name: &str, columns: &[Column]) -> Result<Table> {
        let dest = dir.join(format!("{name}.csv"));
        let tmp = dir.join(format!(".{name}.csv.tmp"));
        let file =
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(BufWriter::new(file));
        writer.write_record(record::header(columns))?;
        Ok(Table { writer, tmp, dest })
    }

    fn row(&mut self, row: &Row) -> Result<()> {
        self.writer
            .write_record(row.iter().map(|c| c.as_deref().unwrap_or("")))
            .with_context(|| format!("cannot write {}", self.tmp.display()))
    }

    fn finish(self) -> Result<(PathBuf, PathBuf)> {
        let mut inner = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", self.tmp.display(), e.error()))?;
        inner.flush()?;
        inner.get_ref().sync_all()?;
        Ok((self.tmp, self.dest))
    }
}

/// The output tables of a run.
pub struct Tables {
    documents: Table,
    facts: Vec<(FactKind, Table)>,
    errors: Table,
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
    /// Creates the output folder and temporary tables.
    pub fn create(dir: &Path, csv_safe: bool) -> Result<Tables> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let facts = FactKind::ALL
            .into_iter()
            .map(|k| Ok((k, Table::create(dir, k.table(), &record::fact_columns(k))?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Tables {
            documents: Table::create(dir, "documents", record::DOCUMENT_COLUMNS)?,
            facts,
            errors: Table::create(dir, "errors", record::ERROR_COLUMNS)?,
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
        let row = self.safe(record::document_row(doc));
        self.documents.row(&row)?;
        for ex in &doc.facts {
            let row = self.safe(record::fact_row(&doc.id, doc.lang.as_deref(), ex));
            let kind = ex.fact.kind();
            if let Some((_, table)) = self.facts.iter_mut().find(|(k, _)| *k == kind) {
                table.row(&row)?;
            }
        }
        Ok(())
    }

    /// Writes a failure.
    pub fn failure(&mut self, f: &Failure) -> Result<()> {
        let row = self.safe(record::failure_row(f));
        self.errors.row(&row)
    }

    /// Flushes every table and renames them into place.
    pub fn finish(self) -> Result<()> {
        let mut done = vec![self.documents.finish()?];
        for (_, t) in self.facts {
            done.push(t.finish()?);
        }
        done.push(self.errors.finish()?);
        for (tmp, dest) in done {
            std::fs::rename(&tmp, &dest).with_context(|| {
                format!("cannot rename {} to {}", tmp.display(), dest.display())
            })?;
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
        assert_eq!(spreadsheet_safe(Some("5".into())).as_deref(), Some("5"));
        assert_eq!(spreadsheet_safe(None), None);
    }
}
