//! `newsfacts explain`: the rule author's debugger. Shows the language decision, every
//! record with its span, rule and normalized value, and every candidate that was dropped
//! (lost an overlap, failed a word boundary or a normalization check) with the reason.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{ExitStatus, RulesArg, is_broken_pipe};
use crate::document::Input;

#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// Text to explain, or the path of an article file.
    #[arg(value_name = "TEXT|FILE")]
    input: String,
    /// Language (ISO 639-1), instead of detecting it.
    #[arg(long, value_name = "CODE")]
    lang: Option<String>,
    /// Publication date (YYYY-MM-DD) to resolve relative dates against.
    #[arg(long, value_name = "DATE")]
    published: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    rules: RulesArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Text,
    Json,
}

pub(super) fn run(args: &ExplainArgs) -> ExitStatus {
    let rules = match args.rules.load() {
        Ok(r) => r,
        Err(status) => return status,
    };
    let path = Path::new(&args.input);
    let (text, html_lang, published) = if path.is_file() {
        let input = Input {
            source: args.input.clone(),
            path: PathBuf::from(&args.input),
        };
        match crate::pipeline::read_main_text(&input) {
            Ok((_, _, _, main)) => (main.text, main.lang_attr, main.published),
            Err(f) => {
                eprintln!("newsfacts: {f}");
                return ExitStatus::SomeFailed;
            }
        }
    } else {
        (args.input.clone(), None, None)
    };
    let published = args.published.clone().or(published);
    let outcome = crate::pipeline::process_text(
        &rules,
        &text,
        args.lang.as_deref(),
        html_lang.as_deref(),
        published.as_deref(),
        true,
    );
    let mut out = String::new();
    if args.format == Format::Json {
        let value = serde_json::json!({
            "lang": outcome.lang.code,
            "lang_source": outcome.lang.source.as_str(),
            "lang_confidence": outcome.lang.confidence,
            "rule_set": outcome.rule_set,
            "published": published,
            "records": outcome.extraction.facts.iter().map(super::extract::record_json).collect::<Vec<_>>(),
            "rejected": outcome.extraction.rejected.iter().map(|r| serde_json::json!({
                "start": r.start, "end": r.end, "text": r.text, "rule_id": r.rule_id, "reason": r.reason,
            })).collect::<Vec<_>>(),
        });
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        let _ = writeln!(
            out,
            "language: {} ({}{}), rule set: {}, published: {}",
            outcome.lang.code.as_deref().unwrap_or("unknown"),
            outcome.lang.source.as_str(),
            outcome
                .lang
                .confidence
                .map(|c| format!(", confidence {c}"))
                .unwrap_or_default(),
            outcome.rule_set,
            published.as_deref().unwrap_or("unknown")
        );
        let _ = writeln!(out, "\nrecords:");
        if outcome.extraction.facts.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for f in &outcome.extraction.facts {
            let fields: Vec<String> = f
                .fact
                .fields()
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
                .collect();
            let _ = writeln!(
                out,
                "  {:>5}..{:<5} {:<8} {:?}  {}  [{}]",
                f.start,
                f.end,
                f.fact.kind().as_str(),
                f.text,
                fields.join(" "),
                f.rule_id
            );
        }
        let _ = writeln!(out, "\nrejected candidates:");
        if outcome.extraction.rejected.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for r in &outcome.extraction.rejected {
            let _ = writeln!(
                out,
                "  {:>5}..{:<5} {:?}  [{}]  {}",
                r.start, r.end, r.text, r.rule_id, r.reason
            );
        }
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if !is_broken_pipe(&e) => {
            eprintln!("newsfacts: stdout: {e}");
            ExitStatus::Fatal
        }
        _ => ExitStatus::Ok,
    }
}
