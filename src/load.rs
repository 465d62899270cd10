//! Loading a run's CSV tables into an SQLite database (`newsfacts load --sqlite`).
//!
//! One transaction creates the tables (or upgrades them: adds the columns a newer version
//! defines), then upserts the run table by table, documents first:
//! * a row whose key (`doc_id`, `record_id`) is new is inserted; a row whose key exists with
//!   other values is updated; an identical row is left alone, so loading a run twice changes
//!   nothing;
//! * records of the documents in the run that the run no longer yields (a rule was edited or
//!   removed) are deleted; documents not in the run, and their records, are untouched;
//! * `errors` has no key: the rows of the sources in the run are replaced by the run's.
//!
//! Each CSV is first read into a temporary staging table of the same column types (so values
//! compare as stored), then merged with set-based statements. Any failure rolls back the
//! whole transaction and leaves the database as it was. The CLI prints the report; this
//! module prints nothing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::record::{TableDef, tables};
use crate::schema::{self, Dialect, quote};

/// The version of the tables this build creates, kept in SQLite's `user_version`. A database
/// written by a newer version is refused rather than half understood: an older newsfacts
/// would update rows without the columns it does not know, leaving them stale.
///
/// 2: `amounts.unit_value` and `amounts.unit`.
pub const SCHEMA_VERSION: i64 = 2;

/// What a load did to one table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// The table.
    pub table: &'static str,
    /// Rows in the run's CSV file.
    pub rows: usize,
    /// Rows whose key was new.
    pub inserted: usize,
    /// Rows whose key existed with other values.
    pub updated: usize,
    /// Rows of the run's documents that the run no longer has.
    pub deleted: usize,
    /// Rows already there, identical.
    pub unchanged: usize,
}

/// What a load did.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    /// Tables created.
    pub created: Vec<&'static str>,
    /// Columns added to existing tables (`table.column`).
    pub added_columns: Vec<String>,
    /// Counts per table, in load order.
    pub tables: Vec<TableCounts>,
}

/// Why a load failed. Nothing was changed in the database.
#[derive(Debug)]
pub enum LoadError {
    /// The run folder does not exist.
    NoRun {
        /// The folder.
        dir: PathBuf,
    },
    /// A table file is missing from the run folder.
    MissingTable {
        /// The expected file.
        path: PathBuf,
    },
    /// The run was written with `--csv-safe`, which alters values.
    CsvSafe {
        /// The run folder.
        dir: PathBuf,
    },
    /// A table file cannot be read or parsed.
    Csv {
        /// The file.
        path: PathBuf,
        /// The line, when known.
        line: Option<u64>,
        /// What went wrong.
        message: String,
    },
    /// A table's header is not the one this version writes.
    Header {
        /// The file.
        path: PathBuf,
        /// The columns this version writes.
        expected: Vec<&'static str>,
        /// The columns found.
        found: Vec<String>,
    },
    /// Two rows of a file share a key.
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The line of the second row.
        line: u64,
        /// The key column.
        column: &'static str,
    },
    /// A record refers to a document neither in the run nor in the database.
    UnknownDocument {
        /// The file.
        path: PathBuf,
        /// The line.
        line: u64,
        /// The document id.
        doc_id: String,
        /// The database.
        db: PathBuf,
    },
    /// The database was written by a newer newsfacts.
    NewerSchema {
        /// The database.
        db: PathBuf,
        /// Its schema version.
        found: i64,
    },
    /// A table of that name exists without the key column, so it is not a newsfacts table.
    NotOurTable {
        /// The database.
        db: PathBuf,
        /// The table.
        table: &'static str,
        /// The missing key column.
        column: &'static str,
    },
    /// SQLite failed.
    Sqlite {
        /// The database.
        db: PathBuf,
        /// What the loader was doing.
        doing: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

impl LoadError {
    /// A stable `snake_case` word naming the problem.
    pub fn kind(&self) -> &'static str {
        match self {
            LoadError::NoRun { .. } => "no_run",
            LoadError::MissingTable { .. } => "missing_table",
            LoadError::CsvSafe { .. } => "csv_safe",
            LoadError::Csv { .. } => "csv",
            LoadError::Header { .. } => "header",
            LoadError::DuplicateKey { .. } => "duplicate_key",
            LoadError::UnknownDocument { .. } => "unknown_document",
            LoadError::NewerSchema { .. } => "newer_schema",
            LoadError::NotOurTable { .. } => "not_our_table",
            LoadError::Sqlite { .. } => "sqlite",
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NoRun { dir } => write!(
                f,
                "{}: no such folder; write it first with `newsfacts run INPUT... -o {}`",
                dir.display(),
                dir.display()
            ),
            LoadError::MissingTable { path } => write!(
                f,
                "{}: not found; the folder must hold the CSV tables of `newsfacts run` (the \
                 default --format csv)",
                path.display()
            ),
            LoadError::CsvSafe { dir } => write!(
                f,
                "{}: written with --csv-safe, which prefixes some cells with ' for spreadsheets; \
                 re-run without --csv-safe to load it into a database",
                dir.display()
            ),
            LoadError::Csv {
                path,
                line: Some(line),
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            LoadError::Csv {
                path,
                line: None,
                message,
            } => write!(f, "{}: {message}", path.display()),
            LoadError::Header {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: header is `{}`, this version of newsfacts writes `{}`; re-run \
                 `newsfacts run` with this version, then load",
                path.display(),
                found.join(","),
                expected.join(",")
            ),
            LoadError::DuplicateKey { path, line, column } => write!(
                f,
                "{}:{line}: a second row with the same {column}; the file was edited or \
                 concatenated: re-run `newsfacts run` to write it again",
                path.display()
            ),
            LoadError::UnknownDocument {
                path,
                line,
                doc_id,
                db,
            } => write!(
                f,
                "{}:{line}: doc_id {doc_id} is neither in documents.csv nor in {}; load the \
                 run folder as `newsfacts run` wrote it",
                path.display(),
                db.display()
            ),
            LoadError::NewerSchema { db, found } => write!(
                f,
                "{}: tables of schema version {found}, written by a newer newsfacts (this one \
                 writes version {SCHEMA_VERSION}); load with that version or into a new file",
                db.display()
            ),
            LoadError::NotOurTable { db, table, column } => write!(
                f,
                "{}: table {table} has no {column} column, so newsfacts did not create it; \
                 rename or drop it, or load into another file",
                db.display()
            ),
            LoadError::Sqlite { db, doing, source } => {
                write!(f, "{}: {doing}: {source}", db.display())
            }
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Sqlite { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Loads the run in `dir` into the SQLite database `db` (created when missing), in one
/// transaction. On failure the database is as it was, and a file this call created is
/// removed.
pub fn load_sqlite(db: &Path, dir: &Path) -> Result<LoadReport, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NoRun {
            dir: dir.to_path_buf(),
        });
    }
    check_not_csv_safe(dir)?;
    let existed = db.exists();
    let result = load_into(db, dir);
    if result.is_err() && !existed {
        // The transaction rolled back; remove the empty file SQLite created on opening.
        let _ = std::fs::remove_file(db);
    }
    result
}

/// Refuses a run written with `--csv-safe`, as recorded in its `run.json` (when present).
fn check_not_csv_safe(dir: &Path) -> Result<(), LoadError> {
    let Ok(text) = std::fs::read_to_string(dir.join("run.json")) else {
        return Ok(());
    };
    let csv_safe = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["options"]["csv_safe"].as_bool())
        .unwrap_or(false);
    if csv_safe {
        return Err(LoadError::CsvSafe {
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

fn load_into(db: &Path, dir: &Path) -> Result<LoadReport, LoadError> {
    let sqlite = |doing: &str| {
        let doing = doing.to_owned();
        move |source| LoadError::Sqlite {
            db: db.to_path_buf(),
            doing,
            source,
        }
    };
    let mut conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(sqlite("cannot open the database (does its folder exist?)"))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sqlite("cannot set a busy timeout"))?;
    // Enforced for every row this load writes. Set outside the transaction: SQLite ignores
    // it inside one.
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(sqlite("cannot enable foreign keys"))?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite(
            "cannot start a transaction (is it an SQLite database, and is another program writing to it?)",
        ))?;
    let ctx = Ctx { tx: &tx, db, dir };
    let mut report = LoadReport::default();
    ctx.prepare_tables(&mut report)?;
    for table in tables() {
        let counts = ctx.load_table(&table)?;
        report.tables.push(counts);
    }
    tx.commit().map_err(sqlite("cannot commit"))?;
    Ok(report)
}

/// The open transaction and where things are, for the steps of a load.
struct Ctx<'a> {
    /// The connection, inside the load's transaction.
    tx: &'a Connection,
    db: &'a Path,
    dir: &'a Path,
}

/// The staging table of a table.
fn staging(table: &TableDef) -> String {
    format!("temp.\"new_{}\"", table.name)
}

/// The quoted column names, optionally qualified: `a."x", a."y"`.
fn column_list(table: &TableDef, qualifier: Option<&str>) -> String {
    table
        .columns
        .iter()
        .map(|c| match qualifier {
            Some(q) => format!("{q}.{}", quote(c.name)),
            None => quote(c.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Ctx<'_> {
    fn sqlite(&self, doing: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> LoadError {
        let doing = doing.into();
        let db = self.db.to_path_buf();
        move |source| LoadError::Sqlite { db, doing, source }
    }

    fn execute(&self, sql: &str, doing: &str) -> Result<usize, LoadError> {
        self.tx.execute(sql, []).map_err(self.sqlite(doing))
    }

    /// Creates missing tables, adds missing columns, checks and sets the schema version.
    fn prepare_tables(&self, report: &mut LoadReport) -> Result<(), LoadError> {
        let version: i64 = self
            .tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.sqlite("cannot read the schema version (is it an SQLite database?)"))?;
        if version > SCHEMA_VERSION {
            return Err(LoadError::NewerSchema {
                db: self.db.to_path_buf(),
                found: version,
            });
        }
        for table in tables() {
            let existing = self.existing_columns(table.name)?;
            if existing.is_empty() {
                self.tx
                    .execute_batch(&schema::create_table(Dialect::Sqlite, &table))
                    .map_err(self.sqlite(format!("cannot create table {}", table.name)))?;
                report.created.push(table.name);
                continue;
            }
            for c in &table.columns {
                if existing.iter().any(|e| e == c.name) {
                    continue;
                }
                if table.key == Some(c.name) {
                    return Err(LoadError::NotOurTable {
                        db: self.db.to_path_buf(),
                        table: table.name,
                        column: c.name,
                    });
                }
                let sql = format!(
                    "ALTER TABLE main.{} ADD COLUMN {}",
                    table.name,
                    schema::column_definition(Dialect::Sqlite, c)
                );
                self.execute(
                    &sql,
                    &format!("cannot add column {}.{}", table.name, c.name),
                )?;
                report
                    .added_columns
                    .push(format!("{}.{}", table.name, c.name));
            }
            if table.references_documents {
                let sql = format!(
                    "CREATE INDEX IF NOT EXISTS main.{0}_doc_id ON {0} (\"doc_id\")",
                    table.name
                );
                self.execute(&sql, &format!("cannot index {}", table.name))?;
            }
        }
        if version < SCHEMA_VERSION {
            self.tx
                .pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(self.sqlite("cannot set the schema version"))?;
        }
        Ok(())
    }

    fn existing_columns(&self, table: &str) -> Result<Vec<String>, LoadError> {
        let doing = format!("cannot read the columns of table {table}");
        let mut stmt = self
            .tx
            .prepare("SELECT name FROM pragma_table_info(?1, 'main')")
            .map_err(self.sqlite(doing.clone()))?;
        let names = stmt
            .query_map([table], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(self.sqlite(doing))?;
        Ok(names)
    }

    /// Reads a table's CSV file into its staging table; returns the number of rows.
    fn stage(&self, table: &TableDef) -> Result<usize, LoadError> {
        let path = self.dir.join(format!("{}.csv", table.name));
        let mut defs = vec!["\"_line\" INTEGER NOT NULL".to_owned()];
        defs.extend(table.columns.iter().map(|c| {
            let mut def = schema::column_definition(Dialect::Sqlite, c);
            if table.key == Some(c.name) {
                def.push_str(" NOT NULL PRIMARY KEY");
            }
            def
        }));
        let ddl = format!(
            "DROP TABLE IF EXISTS {0}; CREATE TABLE {0} ({1});",
            staging(table),
            defs.join(", ")
        );
        self.tx
            .execute_batch(&ddl)
            .map_err(self.sqlite(format!("cannot create a staging table for {}", table.name)))?;

        let mut reader = csv::Reader::from_path(&path).map_err(|e| match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                LoadError::MissingTable { path: path.clone() }
            }
            _ => csv_error(&path, &e),
        })?;
        let header = reader.headers().map_err(|e| csv_error(&path, &e))?;
        let expected: Vec<&'static str> = table.columns.iter().map(|c| c.name).collect();
        if header.iter().ne(expected.iter().copied()) {
            return Err(LoadError::Header {
                path,
                expected,
                found: header.iter().map(str::to_owned).collect(),
            });
        }
        let placeholders = vec!["?"; table.columns.len() + 1].join(", ");
        let sql = format!(
            "INSERT INTO {} (\"_line\", {}) VALUES ({placeholders})",
            staging(table),
            column_list(table, None)
        );
        let mut insert = self
            .tx
            .prepare(&sql)
            .map_err(self.sqlite(format!("cannot stage {}", table.name)))?;
        let mut rows = 0;
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&path, &e))?;
            let line = record.position().map_or(0, csv::Position::line);
            let line_param = i64::try_from(line).unwrap_or(i64::MAX);
            // An empty field is a missing value: NULL, as PostgreSQL's COPY reads it.
            let cells = record.iter().map(|c| (!c.is_empty()).then_some(c));
            let params = std::iter::once(rusqlite::types::Value::Integer(line_param)).chain(
                cells.map(|c| {
                    c.map_or(rusqlite::types::Value::Null, |c| {
                        rusqlite::types::Value::Text(c.to_owned())
                    })
                }),
            );
            insert
                .execute(rusqlite::params_from_iter(params))
                .map_err(|e| match &e {
                    rusqlite::Error::SqliteFailure(f, _)
                        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                    {
                        LoadError::DuplicateKey {
                            path: path.clone(),
                            line,
                            column: table.key.unwrap_or("key"),
                        }
                    }
                    _ => LoadError::Csv {
                        path: path.clone(),
                        line: Some(line),
                        message: format!("cannot store the row: {e}"),
                    },
                })?;
            rows += 1;
        }
        Ok(rows)
    }

    /// Stages a table's file and merges it into the table.
    fn load_table(&self, table: &TableDef) -> Result<TableCounts, LoadError> {
        let rows = self.stage(table)?;
        let mut counts = TableCounts {
            table: table.name,
            rows,
            ..TableCounts::default()
        };
        let name = table.name;
        let new = staging(table);
        let cols = column_list(table, None);
        let new_cols = column_list(table, Some("n"));
        let Some(key) = table.key.map(quote) else {
            // errors: no key. The rows of the sources in the run are replaced by the run's;
            // rows present on both sides stay as they are.
            let same = format!(
                "({}) IS ({new_cols})",
                column_list(table, Some("main.errors"))
            );
            counts.deleted = self.execute(
                &format!(
                    "DELETE FROM main.errors WHERE \"source\" IN \
                     (SELECT \"source\" FROM temp.\"new_documents\" \
                      UNION SELECT \"source\" FROM {new}) \
                     AND NOT EXISTS (SELECT 1 FROM {new} AS n WHERE {same})"
                ),
                "cannot delete the errors the run no longer has",
            )?;
            counts.inserted = self.execute(
                &format!(
                    "INSERT INTO main.errors ({cols}) SELECT {new_cols} FROM {new} AS n \
                     WHERE NOT EXISTS (SELECT 1 FROM main.errors WHERE {same}) ORDER BY n.\"_line\""
                ),
                "cannot insert errors",
            )?;
            counts.unchanged = rows.saturating_sub(counts.inserted);
            return Ok(counts);
        };
        if table.references_documents {
            self.check_documents(table)?;
            counts.deleted = self.execute(
                &format!(
                    "DELETE FROM main.{name} WHERE \"doc_id\" IN \
                     (SELECT \"doc_id\" FROM temp.\"new_documents\") \
                     AND {key} NOT IN (SELECT {key} FROM {new})"
                ),
                &format!("cannot delete the {name} the run no longer has"),
            )?;
        }
        counts.updated = self.execute(
            &format!(
                "UPDATE main.{name} SET ({cols}) = ({new_cols}) FROM {new} AS n \
                 WHERE main.{name}.{key} = n.{key} AND ({}) IS NOT ({new_cols})",
                column_list(table, Some(&format!("main.{name}")))
            ),
            &format!("cannot update {name}"),
        )?;
        counts.inserted = self.execute(
            &format!(
                "INSERT INTO main.{name} ({cols}) SELECT {new_cols} FROM {new} AS n \
                 WHERE NOT EXISTS (SELECT 1 FROM main.{name} AS t WHERE t.{key} = n.{key}) \
                 ORDER BY n.\"_line\""
            ),
            &format!("cannot insert into {name}"),
        )?;
        counts.unchanged = rows.saturating_sub(counts.inserted + counts.updated);
        Ok(counts)
    }

    /// Reports the first record whose document is neither in the run nor in the database
    /// (the foreign key would only say that one failed, not which).
    fn check_documents(&self, table: &TableDef) -> Result<(), LoadError> {
        let sql = format!(
            "SELECT n.\"_line\", n.\"doc_id\" FROM {} AS n WHERE n.\"doc_id\" IS NULL \
             OR NOT EXISTS (SELECT 1 FROM main.documents AS d WHERE d.\"doc_id\" = n.\"doc_id\") \
             ORDER BY n.\"_line\" LIMIT 1",
            staging(table)
        );
        let orphan = self
            .tx
            .query_row(&sql, [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e),
            })
            .map_err(self.sqlite(format!("cannot check the documents of {}", table.name)))?;
        match orphan {
            None => Ok(()),
            Some((line, doc_id)) => Err(LoadError::UnknownDocument {
                path: self.dir.join(format!("{}.csv", table.name)),
                line: u64::try_from(line).unwrap_or(0),
                doc_id: doc_id.unwrap_or_else(|| "(empty)".to_owned()),
                db: self.db.to_path_buf(),
            }),
        }
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> LoadError {
    LoadError::Csv {
        path: path.to_path_buf(),
        line: e.position().map(csv::Position::line),
        message: match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("{len} fields where the header has {expected_len}"),
            csv::ErrorKind::Utf8 { .. } => "not UTF-8".to_owned(),
            _ => e.to_string(),
        },
    }
}
