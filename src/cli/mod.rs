//! The command line: argument definitions (clap derive) and dispatch to one module per
//! command. Commands print data to stdout and everything else to stderr, and return an
//! [`ExitStatus`].
#![allow(clippy::print_stderr, clippy::print_stdout)]

mod diff;
mod explain;
mod extract;
mod fetch;
mod load;
mod rules;
mod run;
mod schema;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::progress::ProgressMode;
use crate::rules::{RuleFiles, RuleSet};

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything processed.
    Ok = 0,
    /// Some documents failed (see errors.csv).
    SomeFailed = 1,
    /// Usage or rule-file error; nothing written.
    Fatal = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// Turn news articles into normalized CSV records of dates, amounts, counts and countries.
#[derive(Debug, Parser)]
#[command(name = "newsfacts", version, about, long_about = None, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Extract facts from article files, folders and URLs into CSV tables (or JSON lines).
    Run(run::RunArgs),
    /// Work with rule files.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Extract facts from JSON lines on stdin to JSON lines on stdout.
    Extract(extract::ExtractArgs),
    /// Print the main text newsfacts extracts from a file or URL.
    Text(text::TextArgs),
    /// Show which rules matched what in a text or file, and which candidates were dropped.
    Explain(explain::ExplainArgs),
    /// Print the SQL tables that load the CSV files (SQLite, PostgreSQL, DuckDB).
    Schema(schema::SchemaArgs),
    /// Load a run's CSV tables into an SQLite database, updating a previous load.
    Load(load::LoadArgs),
    /// List the records added, removed and changed between two output folders.
    Diff(diff::DiffArgs),
}

/// `--rules DIR`, shared by the commands that load rules.
#[derive(Debug, Args)]
struct RulesArg {
    /// Rule folder to use instead of the built-in rules.
    #[arg(
        long,
        value_name = "DIR",
        long_help = "Rule folder to use instead of the built-in rules (a copy of the repository's \
                     rules/ folder compiled into the binary). Edit a copy and pass it here to \
                     re-run without rebuilding."
    )]
    rules: Option<PathBuf>,
}

impl RulesArg {
    /// Loads and validates the rules, printing every problem on failure.
    fn load(&self) -> Result<RuleSet, ExitStatus> {
        let files = match &self.rules {
            Some(dir) => RuleFiles::from_dir(dir).map_err(|e| {
                eprintln!("newsfacts: {}: {e}", dir.display());
                ExitStatus::Fatal
            })?,
            None => RuleFiles::embedded(),
        };
        crate::rules::load(&files).map_err(|errors| {
            let prefix = self.rules.as_ref().map_or_else(
                || "rules/".into(),
                |d| format!("{}/", d.display().to_string().trim_end_matches('/')),
            );
            for e in &errors {
                eprintln!("newsfacts: {prefix}{e}");
            }
            eprintln!(
                "newsfacts: {} error{} in the rule set; nothing was read or written",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            ExitStatus::Fatal
        })
    }
}

/// `--progress` and `--quiet`.
#[derive(Debug, Args)]
struct OutputArgs {
    /// Show progress bars: auto (when stderr is a terminal), never or always.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
    /// Print nothing on stderr but fatal errors (implies --progress never).
    #[arg(short, long)]
    quiet: bool,
}

impl OutputArgs {
    fn progress(&self) -> ProgressMode {
        if self.quiet {
            ProgressMode::Never
        } else {
            self.progress
        }
    }
}

/// Parses arguments, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                ExitStatus::Fatal
            } else {
                ExitStatus::Ok
            };
            let _ = e.print();
            return code.into();
        }
    };
    let status = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Rules(cmd) => rules::run(&cmd),
        Command::Extract(args) => extract::run(&args),
        Command::Text(args) => text::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Load(args) => load::run(&args),
        Command::Diff(args) => diff::run(&args),
    };
    status.into()
}

/// Whether an I/O error is a closed pipe (`newsfacts … | head`), which is not a failure.
fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}
