//! `newsfacts schema --dialect sqlite|postgres|duckdb`: the SQL tables that load the CSV files.

use std::io::Write;

use clap::Args;

use super::{ExitStatus, is_broken_pipe};
use crate::schema::{Dialect, schema};

#[derive(Debug, Args)]
pub(super) struct SchemaArgs {
    /// Database dialect: sqlite, postgres (default) or duckdb.
    #[arg(
        long,
        value_enum,
        default_value_t = Dialect::Postgres,
        long_help = "Database dialect (default: postgres, the dialect of the schema.sql that \
                     `newsfacts run` writes beside the CSV files). The output creates the tables \
                     (primary keys, foreign keys to documents, exact types, column comments) and \
                     its header says how to load the CSV files with that database's own tools."
    )]
    dialect: Dialect,
}

pub(super) fn run(args: &SchemaArgs) -> ExitStatus {
    let mut out = std::io::stdout().lock();
    match out
        .write_all(schema(args.dialect).as_bytes())
        .and_then(|()| out.flush())
    {
        Err(e) if !is_broken_pipe(&e) => {
            eprintln!("newsfacts: stdout: {e}");
            ExitStatus::Fatal
        }
        _ => ExitStatus::Ok,
    }
}
