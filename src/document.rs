//! The document: one value that flows through the pipeline and gains fields at each stage.

use std::path::PathBuf;

use crate::fact::Extracted;

/// Whether a document's bytes are HTML or plain text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `text/html`
    Html,
    /// `text/plain`
    Text,
}

impl MediaType {
    /// The MIME type.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Html => "text/html",
            MediaType::Text => "text/plain",
        }
    }
}

/// How the document's language was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangSource {
    /// `--lang` on the command line (or `lang` in an `extract --jsonl` line).
    Given,
    /// The HTML `lang` attribute.
    Html,
    /// Detected from the text by whatlang.
    Detected,
    /// No language could be decided.
    Unknown,
}

impl LangSource {
    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LangSource::Given => "given",
            LangSource::Html => "html",
            LangSource::Detected => "detected",
            LangSource::Unknown => "unknown",
        }
    }
}

/// An input to read: a file found on disk.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// The path as shown to the user and written in `documents.csv` (`source`).
    pub source: String,
    /// Where to read it.
    pub path: PathBuf,
}

/// An input to fetch: an `http://` or `https://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlInput {
    /// The URL as the user wrote it, written in `documents.csv` (`source`).
    pub source: String,
    /// The parsed URL.
    pub url: url::Url,
}

/// One document to process, as the user named it: a file or a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file on disk.
    File(Input),
    /// A URL to fetch.
    Url(UrlInput),
}

impl Source {
    /// The input as named by the user (the `source` column).
    pub fn name(&self) -> &str {
        match self {
            Source::File(i) => &i.source,
            Source::Url(u) => &u.source,
        }
    }
}

/// Where a fetched document came from: the `documents.csv` provenance columns of URL inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The URL after redirects.
    pub final_url: String,
    /// When the bytes were fetched (RFC 3339, UTC), also for bytes read from the cache.
    pub fetched_at: String,
    /// HTTP status of the final response.
    pub http_status: u16,
    /// The `Content-Type` header of the final response, as sent.
    pub content_type: Option<String>,
}

/// Stable id of a document: a hash of its source.
pub fn doc_id(source: &str) -> String {
    blake3::hash(source.as_bytes()).to_hex()[..16].to_owned()
}

/// A processed document.
#[derive(Clone, Debug)]
pub struct Document {
    /// Stable id (hash of `source`).
    pub id: String,
    /// The input as named by the user.
    pub source: String,
    /// For URL inputs: final URL, fetch time, HTTP status and content type.
    pub provenance: Option<Provenance>,
    /// Hash of the raw bytes.
    pub content_hash: String,
    /// Size of the raw bytes.
    pub bytes: usize,
    /// HTML or plain text.
    pub media_type: MediaType,
    /// The encoding the bytes were decoded with (WHATWG name).
    pub encoding: &'static str,
    /// How the encoding was decided (`bom`, `meta`, `detected` …).
    pub encoding_source: &'static str,
    /// The title, when the page or text has one.
    pub title: Option<String>,
    /// The publication date as found (ISO 8601).
    pub published: Option<String>,
    /// ISO 639-1 language code.
    pub lang: Option<String>,
    /// whatlang's confidence, when detected.
    pub lang_confidence: Option<f64>,
    /// How the language was decided.
    pub lang_source: LangSource,
    /// The rule set applied: a language code or `common`.
    pub rule_set: String,
    /// Length of the extracted text in characters.
    pub chars: usize,
    /// The extracted facts.
    pub facts: Vec<Extracted>,
}
