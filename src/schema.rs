//! SQL schemas of the output tables for SQLite, PostgreSQL and DuckDB, generated from the one
//! column definition in [`crate::record`]: `newsfacts schema --dialect …`, the `schema.sql` of
//! every CSV output folder (the PostgreSQL dialect) and the tables [`crate::load`] creates.
//!
//! The tables load the CSV files as they are (SQLite `.import --csv --skip 1`, PostgreSQL
//! `COPY … WITH (FORMAT csv, HEADER true)`, DuckDB `read_csv`). Types hold every value
//! exactly: where a database has no exact decimal of unbounded size (SQLite, DuckDB, whose
//! `DECIMAL` stops at 38 digits) exact decimals stay text, and booleans are text in SQLite,
//! which has no boolean type. Dates stay ISO 8601 text at their precision (`2019`, `2019-05`,
//! `2019-05-14`) beside a `precision` column: no database date type holds "May 2019" without
//! inventing a day.

use std::fmt::Write as _;

use crate::record::{Column, SqlType, TableDef, tables};

/// A database's SQL dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    #[value(alias = "postgresql")]
    Postgres,
    /// DuckDB.
    Duckdb,
}

impl Dialect {
    fn type_name(self, sql: SqlType) -> &'static str {
        match (self, sql) {
            // SQLite's NUMERIC affinity keeps only 15 significant digits; text keeps them all.
            (Dialect::Sqlite, SqlType::Text | SqlType::Numeric | SqlType::Boolean)
            | (Dialect::Postgres, SqlType::Text) => "TEXT",
            (Dialect::Duckdb, SqlType::Text | SqlType::Numeric) => "VARCHAR",
            (Dialect::Sqlite, SqlType::Integer) => "INTEGER",
            (Dialect::Postgres | Dialect::Duckdb, SqlType::Integer) => "BIGINT",
            (Dialect::Postgres, SqlType::Numeric) => "NUMERIC",
            (Dialect::Postgres | Dialect::Duckdb, SqlType::Boolean) => "BOOLEAN",
            (Dialect::Sqlite, SqlType::Real) => "REAL",
            (Dialect::Postgres, SqlType::Real) => "DOUBLE PRECISION",
            (Dialect::Duckdb, SqlType::Real) => "DOUBLE",
        }
    }

    /// What a reader of this dialect must know about how a type is stored.
    fn type_note(self, sql: SqlType) -> Option<&'static str> {
        match (self, sql) {
            (Dialect::Sqlite, SqlType::Numeric) => {
                Some("exact decimal kept as text; CAST(… AS REAL) for arithmetic")
            }
            (Dialect::Duckdb, SqlType::Numeric) => {
                Some("exact decimal kept as text; CAST(… AS DECIMAL(38, 10)) for arithmetic")
            }
            (Dialect::Sqlite, SqlType::Boolean) => Some("'true' or 'false'"),
            _ => None,
        }
    }
}

/// A quoted identifier (column names include `start`, `end`, `text`, `value`, `min`, `max`).
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A column's comment, with what the dialect's type means for its values.
fn comment(dialect: Dialect, c: &Column) -> String {
    match dialect.type_note(c.sql) {
        Some(note) => format!("{} ({note})", c.comment),
        None => c.comment.to_owned(),
    }
}

/// A column's definition: quoted name, type and value check (no key constraint). Also what
/// `ALTER TABLE … ADD COLUMN` takes.
pub fn column_definition(dialect: Dialect, c: &Column) -> String {
    let mut def = format!("{} {}", quote(c.name), dialect.type_name(c.sql));
    if dialect == Dialect::Sqlite && c.sql == SqlType::Boolean {
        let _ = write!(def, " CHECK ({} IN ('true', 'false'))", quote(c.name));
    }
    def
}

/// `CREATE TABLE IF NOT EXISTS` for one table, then its index on `doc_id` and, in PostgreSQL,
/// its comments. Also used by the loader.
pub fn create_table(dialect: Dialect, table: &TableDef) -> String {
    let inline_comments = dialect != Dialect::Postgres;
    let mut lines: Vec<(String, Option<String>)> = table
        .columns
        .iter()
        .map(|c| {
            let mut def = column_definition(dialect, c);
            if table.key == Some(c.name) {
                def.push_str(" NOT NULL PRIMARY KEY");
            }
            (def, inline_comments.then(|| comment(dialect, c)))
        })
        .collect();
    if table.references_documents {
        lines.push((
            "FOREIGN KEY (\"doc_id\") REFERENCES documents (\"doc_id\")".to_owned(),
            None,
        ));
    }
    let mut out = String::new();
    if inline_comments {
        let _ = writeln!(out, "-- {}.csv: {}", table.name, table.comment);
    }
    let _ = writeln!(out, "CREATE TABLE IF NOT EXISTS {} (", table.name);
    let last = lines.len().saturating_sub(1);
    for (i, (def, note)) in lines.iter().enumerate() {
        let comma = if i == last { "" } else { "," };
        match note {
            Some(note) => {
                let _ = writeln!(out, "  {def}{comma} -- {note}");
            }
            None => {
                let _ = writeln!(out, "  {def}{comma}");
            }
        }
    }
    out.push_str(");\n");
    // DuckDB indexes foreign keys itself; the others need an index to find a document's
    // records (and the loader, to delete the records a re-run no longer yields).
    if table.references_documents && dialect != Dialect::Duckdb {
        let _ = writeln!(
            out,
            "CREATE INDEX IF NOT EXISTS {0}_doc_id ON {0} (\"doc_id\");",
            table.name
        );
    }
    if dialect == Dialect::Postgres {
        let _ = writeln!(
            out,
            "COMMENT ON TABLE {} IS {};",
            table.name,
            literal(&format!("{}.csv: {}", table.name, table.comment))
        );
        for c in &table.columns {
            let _ = writeln!(
                out,
                "COMMENT ON COLUMN {}.{} IS {};",
                table.name,
                quote(c.name),
                literal(&comment(dialect, c))
            );
        }
    }
    out
}

/// How to load the CSV files with this dialect's own tools, as SQL comment lines.
fn load_instructions(dialect: Dialect) -> String {
    let tables = tables();
    let mut out = String::new();
    match dialect {
        Dialect::Sqlite => {
            out.push_str(
                "-- One command creates or upgrades these tables and upserts a run (empty fields\n\
                 -- become NULL):  newsfacts load --sqlite news.db output\n\
                 -- By hand in sqlite3, from the output folder (the sqlite3 shell imports empty\n\
                 -- fields as empty strings, not NULL):\n\
                 --   .read schema.sqlite.sql      (this file: newsfacts schema --dialect sqlite > schema.sqlite.sql)\n",
            );
            for t in &tables {
                let _ = writeln!(out, "--   .import --csv --skip 1 {0}.csv {0}", t.name);
            }
        }
        Dialect::Postgres => {
            out.push_str(
                "-- In psql, from the output folder (documents first: the other tables reference it):\n\
                 --   \\i schema.sql              (this file: newsfacts schema --dialect postgres)\n",
            );
            for t in &tables {
                let _ = writeln!(
                    out,
                    "--   \\copy {0} FROM '{0}.csv' WITH (FORMAT csv, HEADER true)",
                    t.name
                );
            }
            out.push_str(
                "-- (or COPY … FROM '/absolute/path/….csv' WITH (FORMAT csv, HEADER true) on the server)\n",
            );
        }
        Dialect::Duckdb => {
            out.push_str(
                "-- In duckdb, from the output folder (documents first: the other tables reference it):\n\
                 --   .read schema.duckdb.sql      (this file: newsfacts schema --dialect duckdb > schema.duckdb.sql)\n",
            );
            for t in &tables {
                let _ = writeln!(
                    out,
                    "--   INSERT INTO {0} SELECT * FROM read_csv('{0}.csv', header = true, all_varchar = true);",
                    t.name
                );
            }
        }
    }
    out
}

/// The whole schema of the output tables in a dialect, with how to load the CSV files.
pub fn schema(dialect: Dialect) -> String {
    let mut out = format!(
        "-- newsfacts output tables, {} dialect.\n",
        match dialect {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Duckdb => "DuckDB",
        }
    );
    out.push_str(&load_instructions(dialect));
    out.push_str(
        "-- A missing value is an unquoted empty field, which COPY and read_csv read as NULL.\n\
         -- Offsets (start, end) count Unicode code points (not bytes) into the document's\n\
         -- extracted text (newsfacts text FILE shows it): start is 0-based, end is exclusive.\n\
         -- Dates are ISO 8601 text at their precision (YYYY, YYYY-MM or YYYY-MM-DD), never with\n\
         -- an invented part; the precision column says which.\n\n",
    );
    for t in tables() {
        out.push_str(&create_table(dialect, &t));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIALECTS: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Duckdb];

    #[test]
    fn every_dialect_creates_every_table_with_keys_and_foreign_keys() {
        for d in DIALECTS {
            let s = schema(d);
            for t in tables() {
                assert!(
                    s.contains(&format!("CREATE TABLE IF NOT EXISTS {} (", t.name)),
                    "{d:?} {}",
                    t.name
                );
            }
            assert!(s.contains("\"doc_id\" TEXT NOT NULL PRIMARY KEY") || d == Dialect::Duckdb);
            assert!(
                s.contains("\"record_id\" VARCHAR NOT NULL PRIMARY KEY") || d != Dialect::Duckdb
            );
            assert_eq!(
                s.matches("FOREIGN KEY (\"doc_id\") REFERENCES documents (\"doc_id\")")
                    .count(),
                4,
                "{d:?}"
            );
        }
    }

    #[test]
    fn exact_decimals_are_never_floating_point() {
        assert!(schema(Dialect::Postgres).contains("\"value\" NUMERIC"));
        assert!(schema(Dialect::Sqlite).contains("\"value\" TEXT, -- exact decimal"));
        assert!(schema(Dialect::Duckdb).contains("\"value\" VARCHAR, -- exact decimal"));
    }

    #[test]
    fn offsets_state_their_unit_and_end_convention_in_every_dialect() {
        for d in DIALECTS {
            let s = schema(d);
            assert!(s.contains("start offset in Unicode code points"), "{d:?}");
            assert!(
                s.contains("end offset in Unicode code points, exclusive"),
                "{d:?}"
            );
        }
        assert!(schema(Dialect::Postgres).contains(
            "COMMENT ON COLUMN dates.\"end\" IS 'end offset in Unicode code points, exclusive';"
        ));
    }

    #[test]
    fn comments_are_escaped_as_sql_literals() {
        assert_eq!(literal("it's"), "'it''s'");
        assert!(schema(Dialect::Sqlite).contains("('true', 'false')"));
    }

    #[test]
    fn sqlite_columns_without_comments_end_without_a_trailing_comma() {
        let t = crate::record::fact_table(crate::fact::FactKind::Country);
        let s = create_table(Dialect::Sqlite, &t);
        assert!(s.contains("REFERENCES documents (\"doc_id\")\n);"), "{s}");
        let e = create_table(Dialect::Sqlite, &crate::record::errors_table());
        assert!(e.contains("\"message\" TEXT, -- what went wrong\n"), "{e}");
        assert!(
            e.contains("last response (fetch failures that got one)\n);"),
            "{e}"
        );
    }
}
