//! `newsfacts text FILE|URL`: the main text the extractor keeps, to see what rules will read.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::fetch::FetchArgs;
use super::{ExitStatus, is_broken_pipe};
use crate::document::{Input, Provenance, Source};
use crate::error::Failure;
use crate::ingest::fetch::Fetcher;
use crate::ingest::fetch::http::HttpFetch;

#[derive(Debug, Args)]
pub(super) struct TextArgs {
    /// An article file (.txt or .html) or an http:// or https:// URL.
    #[arg(value_name = "FILE|URL")]
    file: PathBuf,
    /// Print the metadata as JSON instead (title, published, lang, encoding …).
    #[arg(long)]
    meta: bool,
    #[command(flatten)]
    fetch: FetchArgs,
}

type Read = (
    Vec<u8>,
    crate::document::MediaType,
    crate::decode::Decoded,
    crate::text::MainText,
);

/// Reads a file, or fetches a URL (without cache), down to its main text.
fn read(args: &TextArgs) -> Result<(String, Option<Provenance>, Read), Failure> {
    let is_url = args.file.to_str().is_some_and(crate::ingest::is_url);
    let found = if is_url {
        crate::ingest::collect(std::slice::from_ref(&args.file), &[])
    } else {
        crate::ingest::Inputs::default()
    };
    if let Some(f) = found.failures.into_iter().next() {
        return Err(f);
    }
    let Some(Source::Url(u)) = found.sources.into_iter().next() else {
        let input = Input {
            source: args.file.display().to_string(),
            path: args.file.clone(),
        };
        let read = crate::pipeline::read_main_text(&input)?;
        return Ok((input.source, None, read));
    };
    let opts = args.fetch.options(1, Duration::ZERO);
    let fetched = Fetcher::new(HttpFetch::new(&opts), opts)
        .fetch(&u.url)
        .map_err(|e| crate::pipeline::fetch_failure(&u.source, &e))?;
    let (media, decoded, main) = crate::pipeline::main_text(
        &u.source,
        &fetched.bytes,
        fetched.is_html(),
        fetched.provenance.content_type.as_deref(),
    )?;
    Ok((
        u.source,
        Some(fetched.provenance),
        (fetched.bytes, media, decoded, main),
    ))
}

pub(super) fn run(args: &TextArgs) -> ExitStatus {
    let (source, provenance, (bytes, media, decoded, main)) = match read(args) {
        Ok(r) => r,
        Err(f) => {
            eprintln!("newsfacts: {f}");
            return ExitStatus::SomeFailed;
        }
    };
    let output = if args.meta {
        let lang = crate::lang::decide(None, main.lang_attr.as_deref(), &main.text);
        let p = provenance.as_ref();
        let value = json!({
            "source": source,
            "final_url": p.map(|p| &p.final_url),
            "fetched_at": p.map(|p| &p.fetched_at),
            "http_status": p.map(|p| p.http_status),
            "content_type": p.and_then(|p| p.content_type.as_ref()),
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
