//! Fetch options shared by `run` and `text`: timeouts, size and redirect limits, retries and
//! the `User-Agent`.

use std::time::Duration;

use clap::Args;

use crate::ingest::fetch::{FetchOptions, default_user_agent};

/// Parses a number of seconds (decimals allowed) into a duration.
fn seconds(s: &str) -> Result<Duration, String> {
    let n: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(n).map_err(|_| format!("{s:?} is not a positive number of seconds"))
}

/// `--connect-timeout`, `--read-timeout`, `--timeout`, `--max-bytes`, `--max-redirects`,
/// `--retries`, `--max-retry-wait`, `--user-agent`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fetching URLs")]
pub(super) struct FetchArgs {
    /// Seconds to resolve and connect, TLS included (default: 10).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "10",
        value_parser = seconds,
        long_help = "Seconds allowed to resolve a host and connect to it, TLS handshake included \
                     (default: 10; decimals allowed). A timeout is retried (see --retries)."
    )]
    connect_timeout: Duration,
    /// Seconds without receiving data before giving up (default: 30).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "30",
        value_parser = seconds,
        long_help = "Seconds a response may send no data (waiting for the headers or between \
                     two reads of the body) before the request is abandoned (default: 30; \
                     decimals allowed). A timeout is retried (see --retries)."
    )]
    read_timeout: Duration,
    /// Seconds for a whole request, headers and body (default: 60).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "60",
        value_parser = seconds,
        long_help = "Seconds allowed for one request from connecting to the last byte of the \
                     body (default: 60; decimals allowed). Each redirect and each retry is a new \
                     request with the same allowance."
    )]
    timeout: Duration,
    /// Largest body accepted, in bytes after decompression (default: 10485760, 10 MiB).
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 10 * 1024 * 1024,
        long_help = "Largest response body accepted, in bytes after decompression (default: \
                     10485760, i.e. 10 MiB). A larger body, or a Content-Length announcing one, \
                     fails with kind too_large."
    )]
    max_bytes: u64,
    /// Most redirects followed for one URL (default: 10).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10,
        long_help = "Most redirects followed for one URL (default: 10). More fail with kind \
                     too_many_redirects; a redirect back to a URL already visited fails at once \
                     with kind redirect_loop."
    )]
    max_redirects: u32,
    /// Retries after a timeout, a dropped connection, 429 or 5xx (default: 2).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2,
        long_help = "Retries after a timeout, a dropped connection, a 429 or a 5xx response \
                     (default: 2, so at most 3 requests). The waits double from 0.5 s, or follow \
                     the server's Retry-After (see --max-retry-wait). Other 4xx are not retried."
    )]
    retries: u32,
    /// Longest wait before a retry, in seconds (default: 60).
    #[arg(
        long,
        value_name = "SECS",
        default_value = "60",
        value_parser = seconds,
        long_help = "Longest wait before a retry, in seconds (default: 60). A server whose \
                     Retry-After asks for longer is not retried: the URL fails with kind \
                     http_status and the wait in the message."
    )]
    max_retry_wait: Duration,
    /// The User-Agent header (default: newsfacts/VERSION).
    #[arg(
        long,
        value_name = "TEXT",
        long_help = "The User-Agent header sent with every request (default: newsfacts/VERSION, \
                     followed by (+REPOSITORY) when the package names its repository)."
    )]
    user_agent: Option<String>,
}

impl FetchArgs {
    /// The fetch options, with the per-host limits given (they belong to `run`).
    pub(super) fn options(&self, host_jobs: usize, host_delay: Duration) -> FetchOptions {
        FetchOptions {
            connect_timeout: self.connect_timeout,
            read_timeout: self.read_timeout,
            timeout: self.timeout,
            max_bytes: self.max_bytes,
            max_redirects: self.max_redirects,
            retries: self.retries,
            max_retry_wait: self.max_retry_wait,
            host_jobs,
            host_delay,
            user_agent: self.user_agent.clone().unwrap_or_else(default_user_agent),
            ..FetchOptions::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_decimals_and_refuse_negatives() {
        assert_eq!(seconds("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        assert!(seconds("-1").is_err());
        assert!(seconds("soon").is_err());
    }
}
