//! `newsfacts extract --jsonl`: JSON lines in, JSON lines out, in input order.
//!
//! Input lines are `{"id", "text", "lang"?, "published"?}`; each yields one output line
//! `{"id", "lang", "rule_set", "records": [...]}` or `{"id", "error"}` for a bad line, and the
//! stream goes on. Offsets are in characters (Unicode scalar values), end exclusive.

use std::io::{BufRead, Write};

use clap::Args;
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{ExitStatus, RulesArg, is_broken_pipe};
use crate::fact::Extracted;
use crate::record::{json_cell, kind_columns};
use crate::rules::RuleSet;

#[derive(Debug, Args)]
pub(super) struct ExtractArgs {
    /// Read JSON lines {"id","text","lang"?,"published"?} on stdin (the only input format).
    #[arg(long, required = true)]
    jsonl: bool,
    /// Language of every line without a "lang" (ISO 639-1), instead of detecting it.
    #[arg(long, value_name = "CODE")]
    lang: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N", default_value_t = 0)]
    jobs: usize,
    #[command(flatten)]
    rules: RulesArg,
}

#[derive(Deserialize)]
struct InputLine {
    id: Value,
    text: String,
    lang: Option<String>,
    published: Option<String>,
}

/// A fact as a JSON object: kind, span, text, rule id and the kind's fields, typed.
pub(crate) fn record_json(ex: &Extracted) -> Value {
    let mut m = Map::new();
    let kind = ex.fact.kind();
    m.insert("kind".into(), json!(kind.as_str()));
    m.insert("start".into(), json!(ex.start));
    m.insert("end".into(), json!(ex.end));
    m.insert("text".into(), json!(ex.text));
    m.insert("rule_id".into(), json!(ex.rule_id));
    for ((name, value), column) in ex.fact.fields().into_iter().zip(kind_columns(kind)) {
        m.insert(name.into(), json_cell(column.sql, value.as_deref()));
    }
    Value::Object(m)
}

fn process_line(rules: &RuleSet, line: &str, default_lang: Option<&str>) -> Value {
    let input: InputLine = match serde_json::from_str(line) {
        Ok(i) => i,
        Err(e) => {
            let id = serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .unwrap_or(Value::Null);
            return json!({"id": id, "error": format!("bad input line: {e} (expected {{\"id\", \"text\", \"lang\"?, \"published\"?}})")});
        }
    };
    let given = input.lang.as_deref().or(default_lang);
    let outcome = crate::pipeline::process_text(
        rules,
        &input.text,
        given,
        None,
        input.published.as_deref(),
        false,
    );
    let records: Vec<Value> = outcome.extraction.facts.iter().map(record_json).collect();
    json!({
        "id": input.id,
        "lang": outcome.lang.code,
        "rule_set": outcome.rule_set,
        "records": records,
    })
}

pub(super) fn run(args: &ExtractArgs) -> ExitStatus {
    let rules = match args.rules.load() {
        Ok(r) => r,
        Err(status) => return status,
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs)
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("newsfacts: cannot start worker threads: {e}");
            return ExitStatus::Fatal;
        }
    };
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut lines = stdin.lock().lines();
    loop {
        let mut batch = Vec::with_capacity(256);
        for line in lines.by_ref().take(256) {
            match line {
                Ok(l) => batch.push(l),
                Err(e) => {
                    eprintln!("newsfacts: stdin: {e}");
                    return ExitStatus::Fatal;
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<String> = pool.install(|| {
            batch
                .par_iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| process_line(&rules, l, args.lang.as_deref()).to_string())
                .collect()
        });
        for r in results {
            if let Err(e) = writeln!(out, "{r}") {
                if is_broken_pipe(&e) {
                    return ExitStatus::Ok;
                }
                eprintln!("newsfacts: stdout: {e}");
                return ExitStatus::Fatal;
            }
        }
    }
    match out.flush() {
        Err(e) if !is_broken_pipe(&e) => {
            eprintln!("newsfacts: stdout: {e}");
            ExitStatus::Fatal
        }
        _ => ExitStatus::Ok,
    }
}
