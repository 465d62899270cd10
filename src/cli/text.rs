//! `newsfacts text FILE`: the main text the extractor keeps, to see what rules will read.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::{ExitStatus, is_broken_pipe};
use crate::document::Input;

#[derive(Debug, Args)]
pub(super) struct TextArgs {
    /// An article file (.txt or .html).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print the metadata as JSON instead (title, published, lang, encoding …).
    #[arg(long)]
    meta: bool,
}

pub(super) fn run(args: &TextArgs) -> ExitStatus {
    let input = Input {
        source: args.file.display().to_string(),
        path: args.file.clone(),
    };
    let (bytes, media, decoded, main) = match crate::pipeline::read_main_text(&input) {
        Ok(r) => r,
        Err(f) => {
            eprintln!("newsfacts: {f}");
            return ExitStatus::SomeFailed;
        }
    };
    let output = if args.meta {
        let lang = crate::lang::decide(None, main.lang_attr.as_deref(), &main.text);
        let value = json!({
            "source": input.source,
            "bytes": bytes.len(),
            "media_type": media.as_str(),
            "encoding": decoded.encoding,
            "encoding_source": decoded.source.as_str(),
            "title": main.title,
            "published": main.published,
            "lang": lang.code,
            "lang_source": lang.source.as_str(),
            "lang_confidence": lang.confidence,
            "html_lang": main.lang_attr,
            "chars": main.text.chars().count(),
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        )
    } else {
        let mut t = main.text;
        if !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(output.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if !is_broken_pipe(&e) => {
            eprintln!("newsfacts: stdout: {e}");
            ExitStatus::Fatal
        }
        _ => ExitStatus::Ok,
    }
}
