//! Failures that end one document's journey through the pipeline.
//!
//! A [`Failure`] is one row of `errors.csv`: which source, at which [`Stage`], what kind of
//! problem (a stable `snake_case` word) and a message for people. Stage modules keep their own
//! error enums; they convert into a `Failure` at the pipeline boundary.

use std::fmt;

/// The pipeline stages, in order. Its `as_str` is the `stage` column of `errors.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Finding inputs: walking folders, reading URL lists.
    Ingest,
    /// Downloading a URL (HTTP), or reading it from the fetch cache.
    Fetch,
    /// Reading a file's bytes.
    Read,
    /// Bytes to text.
    Decode,
    /// HTML to main text and metadata.
    Text,
    /// Language detection.
    Lang,
    /// Rule matching and normalization.
    Extract,
    /// Writing output tables.
    Write,
}

impl Stage {
    /// The stable name used in `errors.csv` and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Ingest => "ingest",
            Stage::Fetch => "fetch",
            Stage::Read => "read",
            Stage::Decode => "decode",
            Stage::Text => "text",
            Stage::Lang => "lang",
            Stage::Extract => "extract",
            Stage::Write => "write",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One document that could not be processed: a row of `errors.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The input as the user named it (path or URL).
    pub source: String,
    /// Where it failed.
    pub stage: Stage,
    /// A stable `snake_case` word naming the problem, e.g. `not_found`, `binary`, `empty`.
    pub kind: &'static str,
    /// What went wrong and, where possible, what to do about it.
    pub message: String,
    /// The HTTP status of the last response, for URL inputs that got one.
    pub http_status: Option<u16>,
}

impl Failure {
    /// A failure without an HTTP status.
    pub fn new(
        source: impl Into<String>,
        stage: Stage,
        kind: &'static str,
        message: impl Into<String>,
    ) -> Failure {
        Failure {
            source: source.into(),
            stage,
            kind,
            message: message.into(),
            http_status: None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.stage, self.message)
    }
}
