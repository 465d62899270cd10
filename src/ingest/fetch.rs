//! Fetching a URL: this module owns the HTTP policy around one download. It follows
//! redirects itself, hop by hop, so that a loop is recognized and every hop obeys the per-host
//! limits; retries with exponential backoff on timeouts, dropped connections, 429 and 5xx,
//! honouring `Retry-After` up to a cap; enforces the body size limit; refuses content types
//! that are not text; and records the provenance of what it got (final URL, status, content
//! type, time).
//!
//! It leaves the wire to a [`Fetch`] transport that sends one request and follows nothing:
//! [`http::HttpFetch`] (ureq, rustls, gzip, deflate and brotli) in the program, a
//! fixture-backed fake in the unit tests. [`politeness`] spaces requests per host and
//! [`cache`] keeps raw bytes by URL and content hash. Nothing here spawns threads or prints:
//! the pipeline runs several fetches at once and reports failures.

pub mod cache;
pub mod http;
pub mod politeness;

use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant, SystemTime};

use url::Url;

use crate::document::Provenance;
use crate::normalize::date::Ymd;
use cache::FetchCache;
use politeness::HostGate;

/// Limits and manners of fetching. The defaults are those of the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    /// Longest wait to resolve the host and connect (TLS included).
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response once connected.
    pub read_timeout: Duration,
    /// Longest time for one request, from connecting to the last byte of the body.
    pub timeout: Duration,
    /// Largest body accepted, in bytes, after decompression.
    pub max_bytes: u64,
    /// Most redirects followed for one URL.
    pub max_redirects: u32,
    /// Retries after a timeout, a dropped connection, a 429 or a 5xx response.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further retry.
    pub backoff: Duration,
    /// Longest wait honoured, for `Retry-After` as for backoff. A server that asks for a
    /// longer wait gets no retry.
    pub max_retry_wait: Duration,
    /// Most requests in flight to one host at once.
    pub host_jobs: usize,
    /// Least time between the starts of two requests to one host.
    pub host_delay: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

/// The default `User-Agent`: `newsfacts/<version>`, followed by ` (+<repository>)` when the
/// package declares its repository.
pub fn default_user_agent() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY");
    let version = env!("CARGO_PKG_VERSION");
    if repository.is_empty() {
        format!("newsfacts/{version}")
    } else {
        format!("newsfacts/{version} (+{repository})")
    }
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
            max_bytes: 10 * 1024 * 1024,
            max_redirects: 10,
            retries: 2,
            backoff: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(60),
            host_jobs: 2,
            host_delay: Duration::from_millis(250),
            user_agent: default_user_agent(),
        }
    }
}

/// One HTTP response as a transport returns it: status, the headers the policy needs, and the
/// body, already decompressed, still to be read.
pub struct Exchange {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// `Location`, as sent.
    pub location: Option<String>,
    /// `Retry-After`, as sent.
    pub retry_after: Option<String>,
    /// `Content-Length` of the decompressed body, when the transport knows it.
    pub content_length: Option<u64>,
    /// The body. A read error of kind `TimedOut` is a timeout.
    pub body: Box<dyn Read + Send>,
}

/// The transport: sends one GET request and returns the response without following redirects.
/// Implemented by [`http::HttpFetch`] and, in the unit tests, by a fake that serves fixtures.
pub trait Fetch: Sync {
    /// Sends a GET request for `url`.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] when no response arrives (DNS, connection, TLS, timeout, protocol).
    fn get(&self, url: &Url) -> Result<Exchange, FetchError>;
}

/// Which limit a timeout hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// Resolving and connecting (`--connect-timeout`).
    Connect,
    /// Waiting for data (`--read-timeout`).
    Read,
    /// The whole request (`--timeout`).
    Total,
    /// Reading the body; the transport did not say which limit.
    Body,
}

/// Why a URL could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The URL cannot be requested.
    InvalidUrl {
        /// Why.
        reason: String,
    },
    /// The host name does not resolve.
    Dns {
        /// The host.
        host: String,
    },
    /// No connection could be made (refused, unreachable).
    Connect {
        /// The host and port.
        address: String,
        /// The system's reason.
        reason: String,
    },
    /// The TLS handshake or certificate check failed.
    Tls {
        /// The TLS library's reason.
        reason: String,
    },
    /// A limit of time was reached.
    Timeout {
        /// Which one.
        phase: TimeoutPhase,
        /// Its value, when known.
        limit: Option<Duration>,
        /// Requests made.
        attempts: u32,
    },
    /// The connection broke off (reset, closed early).
    Io {
        /// The system's reason.
        reason: String,
        /// Requests made.
        attempts: u32,
    },
    /// The server's answer is not valid HTTP.
    Protocol {
        /// What was wrong.
        reason: String,
    },
    /// A response that is neither success nor redirect, after any retries.
    HttpStatus {
        /// The status.
        status: u16,
        /// Requests made.
        attempts: u32,
        /// The wait the server asked for, when it was longer than the cap and so not retried.
        refused_wait: Option<Duration>,
    },
    /// The body is larger than the limit.
    TooLarge {
        /// HTTP status.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
        /// The `Content-Length` announced, when it alone was over the limit.
        announced: Option<u64>,
    },
    /// The content type is not text.
    NotText {
        /// HTTP status.
        status: u16,
        /// The `Content-Type` as sent.
        content_type: String,
    },
    /// The body is compressed with a coding the transport cannot undo.
    ContentEncoding {
        /// HTTP status.
        status: u16,
        /// The `Content-Encoding` as sent.
        encoding: String,
    },
    /// A redirect leads back to a URL already visited.
    RedirectLoop {
        /// Status of the redirect that closed the loop.
        status: u16,
        /// The URLs visited, the repeated one last.
        chain: Vec<String>,
    },
    /// More redirects than allowed.
    TooManyRedirects {
        /// Status of the last redirect.
        status: u16,
        /// The limit.
        limit: u32,
    },
    /// A redirect without a usable `Location`.
    BadRedirect {
        /// Its status.
        status: u16,
        /// The `Location` as sent.
        location: Option<String>,
    },
}

impl FetchError {
    /// Stable `snake_case` name of the error kind, for the `kind` column of `errors.csv`.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl { .. } => "invalid_url",
            FetchError::Dns { .. } => "dns",
            FetchError::Connect { .. } => "connect",
            FetchError::Tls { .. } => "tls",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Io { .. } => "connection",
            FetchError::Protocol { .. } => "protocol",
            FetchError::HttpStatus { .. } => "http_status",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::NotText { .. } => "not_text",
            FetchError::ContentEncoding { .. } => "content_encoding",
            FetchError::RedirectLoop { .. } => "redirect_loop",
            FetchError::TooManyRedirects { .. } => "too_many_redirects",
            FetchError::BadRedirect { .. } => "bad_redirect",
        }
    }

    /// The HTTP status of the last response, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::HttpStatus { status, .. }
            | FetchError::TooLarge { status, .. }
            | FetchError::NotText { status, .. }
            | FetchError::ContentEncoding { status, .. }
            | FetchError::RedirectLoop { status, .. }
            | FetchError::TooManyRedirects { status, .. }
            | FetchError::BadRedirect { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether another request may succeed: timeouts, dropped connections, 429 and 5xx.
    fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Io { .. } => true,
            FetchError::HttpStatus { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    fn set_attempts(&mut self, n: u32) {
        if let FetchError::Timeout { attempts, .. }
        | FetchError::Io { attempts, .. }
        | FetchError::HttpStatus { attempts, .. } = self
        {
            *attempts = n;
        }
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" ({attempts} attempts)")
    } else {
        String::new()
    }
}

/// The status with its reason phrase: `404 Not Found`.
pub fn status_text(status: u16) -> String {
    let reason = ureq::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(r) => format!("{status} {r}"),
        None => status.to_string(),
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::InvalidUrl { reason } => write!(f, "cannot request this URL: {reason}"),
            FetchError::Dns { host } => {
                write!(
                    f,
                    "cannot resolve host {host} (check the URL and the network)"
                )
            }
            FetchError::Connect { address, reason } => {
                write!(f, "cannot connect to {address}: {reason}")
            }
            FetchError::Tls { reason } => write!(f, "TLS error: {reason}"),
            FetchError::Timeout {
                phase,
                limit,
                attempts,
            } => {
                let limit = limit.map(|l| format!(" {}", secs(l))).unwrap_or_default();
                let what = match phase {
                    TimeoutPhase::Connect => {
                        format!("timed out connecting after{limit} (raise --connect-timeout)")
                    }
                    TimeoutPhase::Read => {
                        format!("no data received for{limit} (raise --read-timeout)")
                    }
                    TimeoutPhase::Total => {
                        format!("request took more than{limit} (raise --timeout)")
                    }
                    TimeoutPhase::Body => {
                        "timed out reading the body (raise --read-timeout or --timeout)".to_owned()
                    }
                };
                write!(f, "{what}{}", attempts_note(*attempts))
            }
            FetchError::Io { reason, attempts } => {
                write!(f, "connection failed: {reason}{}", attempts_note(*attempts))
            }
            FetchError::Protocol { reason } => write!(f, "invalid HTTP response: {reason}"),
            FetchError::HttpStatus {
                status,
                attempts,
                refused_wait,
            } => {
                write!(
                    f,
                    "HTTP {}{}",
                    status_text(*status),
                    attempts_note(*attempts)
                )?;
                if let Some(wait) = refused_wait {
                    write!(
                        f,
                        "; the server asks to retry after {}, longer than --max-retry-wait",
                        secs(*wait)
                    )?;
                }
                Ok(())
            }
            FetchError::TooLarge {
                status,
                limit,
                announced,
            } => {
                write!(f, "HTTP {status}: body ")?;
                if let Some(n) = announced {
                    write!(f, "of {n} bytes (Content-Length) ")?;
                }
                write!(f, "larger than {limit} bytes (raise --max-bytes)")
            }
            FetchError::NotText {
                status,
                content_type,
            } => write!(
                f,
                "HTTP {status}: content type {content_type} is not text (newsfacts reads HTML and plain text)"
            ),
            FetchError::ContentEncoding { status, encoding } => write!(
                f,
                "HTTP {status}: unsupported Content-Encoding {encoding} (gzip, deflate and br are)"
            ),
            FetchError::RedirectLoop { status, chain } => {
                write!(f, "HTTP {status}: redirect loop: {}", chain.join(" -> "))
            }
            FetchError::TooManyRedirects { status, limit } => write!(
                f,
                "HTTP {status}: more than {limit} redirects (raise --max-redirects)"
            ),
            FetchError::BadRedirect { status, location } => match location {
                Some(l) => write!(f, "HTTP {status}: redirect to an unusable Location: {l}"),
                None => write!(f, "HTTP {status}: redirect without a Location header"),
            },
        }
    }
}

impl std::error::Error for FetchError {}

/// What a fetch got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The body, decompressed.
    pub bytes: Vec<u8>,
    /// Final URL, time, status and content type.
    pub provenance: Provenance,
    /// Whether the bytes came from the cache rather than the network.
    pub from_cache: bool,
}

impl Fetched {
    /// Whether the content type says HTML (`text/html`, `application/xhtml+xml`).
    pub fn is_html(&self) -> bool {
        self.provenance
            .content_type
            .as_deref()
            .is_some_and(|ct| matches!(mime(ct).as_str(), "text/html" | "application/xhtml+xml"))
    }
}

/// The media type of a `Content-Type` value, lowercased, without parameters.
fn mime(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a content type can hold an article: `text/*`, XHTML or XML. A response without a
/// `Content-Type` is let through; decoding refuses binary bytes.
fn is_text(content_type: &str) -> bool {
    let m = mime(content_type);
    m.is_empty()
        || m.starts_with("text/")
        || matches!(m.as_str(), "application/xhtml+xml" | "application/xml")
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Where requests to a URL go, for politeness: host and port.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// What one request ended with, short of an error.
enum Outcome {
    Redirect {
        status: u16,
        location: Option<String>,
    },
    Page {
        status: u16,
        content_type: Option<String>,
        bytes: Vec<u8>,
    },
}

/// Fetches URLs through a transport, with the policy of this module and, optionally, a cache.
/// Shared by the fetch threads (`&self`).
pub struct Fetcher<F> {
    transport: F,
    opts: FetchOptions,
    hosts: HostGate,
    cache: Option<FetchCache>,
    refetch: bool,
}

impl<F: Fetch> Fetcher<F> {
    /// A fetcher without cache.
    pub fn new(transport: F, opts: FetchOptions) -> Fetcher<F> {
        Fetcher {
            transport,
            hosts: HostGate::new(opts.host_jobs, opts.host_delay),
            opts,
            cache: None,
            refetch: false,
        }
    }

    /// Reads and writes `cache`; with `refetch`, only writes it.
    #[must_use]
    pub fn with_cache(mut self, cache: FetchCache, refetch: bool) -> Fetcher<F> {
        self.cache = Some(cache);
        self.refetch = refetch;
        self
    }

    /// The bytes of `url`: from the cache when it has them (unless refetching), else from the
    /// network, following redirects and retrying transient failures.
    ///
    /// # Errors
    ///
    /// A [`FetchError`] naming why the URL gave no text.
    pub fn fetch(&self, url: &Url) -> Result<Fetched, FetchError> {
        if let Some(cache) = &self.cache
            && !self.refetch
            && let Some(hit) = cache.get(url)
        {
            return Ok(hit);
        }
        let fetched = self.download(url)?;
        if let Some(cache) = &self.cache {
            // The cache folder was created when the run started; failing to store one entry
            // only means that URL is fetched again next time, so the document goes on.
            let _ = cache.put(url, &fetched);
        }
        Ok(fetched)
    }

    fn download(&self, url: &Url) -> Result<Fetched, FetchError> {
        let mut current = without_fragment(url);
        let mut visited = vec![current.to_string()];
        loop {
            match self.with_retries(&current)? {
                Outcome::Page {
                    status,
                    content_type,
                    bytes,
                } => {
                    return Ok(Fetched {
                        bytes,
                        provenance: Provenance {
                            final_url: current.to_string(),
                            fetched_at: rfc3339(SystemTime::now()),
                            http_status: status,
                            content_type,
                        },
                        from_cache: false,
                    });
                }
                Outcome::Redirect { status, location } => {
                    let next = location
                        .as_deref()
                        .and_then(|l| current.join(l.trim()).ok())
                        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                        .ok_or_else(|| FetchError::BadRedirect {
                            status,
                            location: location.clone(),
                        })?;
                    let next = without_fragment(&next);
                    let next_text = next.to_string();
                    if visited.contains(&next_text) {
                        visited.push(next_text);
                        return Err(FetchError::RedirectLoop {
                            status,
                            chain: visited,
                        });
                    }
                    if visited.len() > self.opts.max_redirects as usize {
                        return Err(FetchError::TooManyRedirects {
                            status,
                            limit: self.opts.max_redirects,
                        });
                    }
                    visited.push(next_text);
                    current = next;
                }
            }
        }
    }

    /// One request, repeated while it fails in a way that may pass.
    fn with_retries(&self, url: &Url) -> Result<Outcome, FetchError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (mut error, asked) = match self.attempt(url) {
                Ok(outcome) => return Ok(outcome),
                Err(failed) => failed,
            };
            error.set_attempts(attempts);
            if !error.is_transient() || attempts > self.opts.retries {
                return Err(error);
            }
            let wait = match asked {
                Some(asked) if asked > self.opts.max_retry_wait => {
                    // Retrying sooner than the server asks would be rude; give up instead.
                    if let FetchError::HttpStatus { refused_wait, .. } = &mut error {
                        *refused_wait = Some(asked);
                    }
                    return Err(error);
                }
                Some(asked) => {
                    // The host asked every client to wait, not only this request.
                    self.hosts.defer(&host_key(url), Instant::now() + asked);
                    asked
                }
                None => self
                    .opts
                    .backoff
                    .saturating_mul(1 << (attempts - 1).min(16))
                    .min(self.opts.max_retry_wait),
            };
            std::thread::sleep(wait);
        }
    }

    /// One request: the outcome, or an error with the wait the server asked for.
    fn attempt(&self, url: &Url) -> Result<Outcome, (FetchError, Option<Duration>)> {
        let _permit = self.hosts.acquire(&host_key(url));
        let exchange = self.transport.get(url).map_err(|e| (e, None))?;
        let status = exchange.status;
        if is_redirect(status) {
            return Ok(Outcome::Redirect {
                status,
                location: exchange.location,
            });
        }
        if !(200..300).contains(&status) {
            let asked = exchange
                .retry_after
                .as_deref()
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let error = FetchError::HttpStatus {
                status,
                attempts: 1,
                refused_wait: None,
            };
            return Err((error, asked));
        }
        let fail = |e| Err((e, None));
        if let Some(ct) = exchange.content_type.as_deref()
            && !is_text(ct)
        {
            return fail(FetchError::NotText {
                status,
                content_type: ct.to_owned(),
            });
        }
        let limit = self.opts.max_bytes;
        if let Some(n) = exchange.content_length.filter(|&n| n > limit) {
            return fail(FetchError::TooLarge {
                status,
                limit,
                announced: Some(n),
            });
        }
        let mut bytes = Vec::new();
        let read = exchange
            .body
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes);
        if let Err(e) = read {
            return fail(match e.kind() {
                std::io::ErrorKind::TimedOut => FetchError::Timeout {
                    phase: TimeoutPhase::Body,
                    limit: None,
                    attempts: 1,
                },
                std::io::ErrorKind::Unsupported => FetchError::ContentEncoding {
                    status,
                    encoding: e.to_string(),
                },
                _ => FetchError::Io {
                    reason: format!("reading the body: {e}"),
                    attempts: 1,
                },
            });
        }
        if bytes.len() as u64 > limit {
            return fail(FetchError::TooLarge {
                status,
                limit,
                announced: None,
            });
        }
        Ok(Outcome::Page {
            status,
            content_type: exchange.content_type,
            bytes,
        })
    }
}

fn without_fragment(url: &Url) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    u
}

/// A time as RFC 3339 in UTC, to the second: `2024-05-01T12:34:56Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let Ymd { y, m, d } = Ymd::from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The wait a `Retry-After` value asks for: delay-seconds, or an HTTP-date (IMF-fixdate,
/// `Sun, 06 Nov 1994 08:49:37 GMT`) compared with `now`. See: RFC 9110 §10.2.3.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let parts: Vec<&str> = value.split_ascii_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = (1..=12i64).zip(MONTHS).find(|(_, m)| m == month)?.0;
    let hms: Vec<i64> = time
        .split(':')
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    let [h, mi, s] = hms.as_slice() else {
        return None;
    };
    let days = Ymd {
        y: year.parse().ok()?,
        m: u32::try_from(month).ok()?,
        d: day.parse().ok()?,
    }
    .days();
    let at = days * 86_400 + h * 3600 + mi * 60 + s;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(at).ok()?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    /// A response the fake serves.
    #[derive(Clone, Default)]
    struct Fixture {
        status: u16,
        content_type: Option<&'static str>,
        location: Option<&'static str>,
        retry_after: Option<&'static str>,
        content_length: Option<u64>,
        body: &'static str,
        timeout: bool,
    }

    fn page(body: &'static str) -> Fixture {
        Fixture {
            status: 200,
            content_type: Some("text/html; charset=utf-8"),
            body,
            ..Fixture::default()
        }
    }

    fn status(status: u16) -> Fixture {
        Fixture {
            status,
            ..Fixture::default()
        }
    }

    fn redirect(status: u16, to: &'static str) -> Fixture {
        Fixture {
            status,
            location: Some(to),
            ..Fixture::default()
        }
    }

    /// The fixture-backed transport: each URL serves its fixtures in turn (the last one
    /// repeats), and every request is logged.
    #[derive(Default)]
    struct Fake {
        routes: HashMap<String, Vec<Fixture>>,
        log: Mutex<Vec<String>>,
    }

    impl Fake {
        fn with(mut self, url: &str, fixtures: Vec<Fixture>) -> Fake {
            self.routes.insert(url.to_owned(), fixtures);
            self
        }

        fn requests(&self) -> Vec<String> {
            self.log.lock().unwrap().clone()
        }
    }

    impl Fetch for Fake {
        fn get(&self, url: &Url) -> Result<Exchange, FetchError> {
            let mut log = self.log.lock().unwrap();
            let seen = log.iter().filter(|u| *u == url.as_str()).count();
            log.push(url.to_string());
            let Some(fixtures) = self.routes.get(url.as_str()) else {
                return Ok(Exchange {
                    status: 404,
                    content_type: None,
                    location: None,
                    retry_after: None,
                    content_length: None,
                    body: Box::new(std::io::empty()),
                });
            };
            let f = fixtures[seen.min(fixtures.len() - 1)].clone();
            if f.timeout {
                return Err(FetchError::Timeout {
                    phase: TimeoutPhase::Total,
                    limit: Some(Duration::from_secs(1)),
                    attempts: 1,
                });
            }
            Ok(Exchange {
                status: f.status,
                content_type: f.content_type.map(str::to_owned),
                location: f.location.map(str::to_owned),
                retry_after: f.retry_after.map(str::to_owned),
                content_length: f.content_length,
                body: Box::new(f.body.as_bytes()),
            })
        }
    }

    fn quick() -> FetchOptions {
        FetchOptions {
            backoff: Duration::ZERO,
            host_delay: Duration::ZERO,
            ..FetchOptions::default()
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn relative_redirects_are_followed_and_the_final_url_kept() {
        let fake = Fake::default()
            .with("http://a.test/old", vec![redirect(301, "/mid?x=1")])
            .with(
                "http://a.test/mid?x=1",
                vec![redirect(302, "http://b.test/new")],
            )
            .with("http://b.test/new", vec![page("<p>hi</p>")]);
        let fetcher = Fetcher::new(fake, quick());
        let got = fetcher.fetch(&url("http://a.test/old#top")).unwrap();
        assert_eq!(got.provenance.final_url, "http://b.test/new");
        assert_eq!(got.provenance.http_status, 200);
        assert_eq!(got.bytes, b"<p>hi</p>");
        assert!(got.is_html());
    }

    #[test]
    fn a_redirect_back_to_a_visited_url_is_a_loop() {
        let fake = Fake::default()
            .with("http://a.test/a", vec![redirect(302, "/b")])
            .with("http://a.test/b", vec![redirect(307, "/a")]);
        let e = Fetcher::new(fake, quick())
            .fetch(&url("http://a.test/a"))
            .unwrap_err();
        assert_eq!(e.kind(), "redirect_loop");
        assert_eq!(e.http_status(), Some(307));
        assert!(
            e.to_string()
                .contains("http://a.test/a -> http://a.test/b -> http://a.test/a")
        );
    }

    #[test]
    fn redirects_beyond_the_limit_fail() {
        let fake = Fake::default()
            .with("http://a.test/1", vec![redirect(301, "/2")])
            .with("http://a.test/2", vec![redirect(301, "/3")])
            .with("http://a.test/3", vec![page("x")]);
        let opts = FetchOptions {
            max_redirects: 1,
            ..quick()
        };
        let e = Fetcher::new(fake, opts)
            .fetch(&url("http://a.test/1"))
            .unwrap_err();
        assert_eq!(e.kind(), "too_many_redirects");
    }

    #[test]
    fn a_redirect_without_location_is_a_bad_redirect() {
        let fake = Fake::default().with("http://a.test/", vec![status(302)]);
        let e = Fetcher::new(fake, quick())
            .fetch(&url("http://a.test/"))
            .unwrap_err();
        assert_eq!(e.kind(), "bad_redirect");
    }

    #[test]
    fn server_errors_are_retried_until_success() {
        let fake =
            Fake::default().with("http://a.test/", vec![status(503), status(500), page("ok")]);
        let fetcher = Fetcher::new(fake, quick());
        assert_eq!(fetcher.fetch(&url("http://a.test/")).unwrap().bytes, b"ok");
        assert_eq!(fetcher.transport.requests().len(), 3);
    }

    #[test]
    fn retries_stop_at_the_limit_and_the_message_counts_attempts() {
        let fake = Fake::default().with("http://a.test/", vec![status(502)]);
        let opts = FetchOptions {
            retries: 1,
            ..quick()
        };
        let fetcher = Fetcher::new(fake, opts);
        let e = fetcher.fetch(&url("http://a.test/")).unwrap_err();
        assert_eq!(e.kind(), "http_status");
        assert_eq!(e.http_status(), Some(502));
        assert_eq!(e.to_string(), "HTTP 502 Bad Gateway (2 attempts)");
        assert_eq!(fetcher.transport.requests().len(), 2);
    }

    #[test]
    fn client_errors_are_not_retried() {
        let fake = Fake::default().with("http://a.test/", vec![status(404)]);
        let fetcher = Fetcher::new(fake, quick());
        let e = fetcher.fetch(&url("http://a.test/")).unwrap_err();
        assert_eq!(e.to_string(), "HTTP 404 Not Found");
        assert_eq!(fetcher.transport.requests().len(), 1);
    }

    #[test]
    fn timeouts_are_retried() {
        let timeout = Fixture {
            timeout: true,
            ..Fixture::default()
        };
        let fake = Fake::default().with("http://a.test/", vec![timeout, page("late")]);
        let fetcher = Fetcher::new(fake, quick());
        assert_eq!(
            fetcher.fetch(&url("http://a.test/")).unwrap().bytes,
            b"late"
        );
    }

    #[test]
    fn retry_after_longer_than_the_cap_is_not_waited_for() {
        let busy = Fixture {
            retry_after: Some("3600"),
            ..status(429)
        };
        let fake = Fake::default().with("http://a.test/", vec![busy, page("x")]);
        let fetcher = Fetcher::new(fake, quick());
        let e = fetcher.fetch(&url("http://a.test/")).unwrap_err();
        assert_eq!(e.http_status(), Some(429));
        assert!(e.to_string().contains("retry after 3600 s"), "{e}");
        assert_eq!(fetcher.transport.requests().len(), 1);
    }

    #[test]
    fn retry_after_within_the_cap_is_honoured() {
        let busy = Fixture {
            retry_after: Some("0"),
            ..status(429)
        };
        let fake = Fake::default().with("http://a.test/", vec![busy, page("x")]);
        let fetcher = Fetcher::new(fake, quick());
        assert_eq!(fetcher.fetch(&url("http://a.test/")).unwrap().bytes, b"x");
    }

    #[test]
    fn non_text_content_types_are_refused() {
        for ct in ["application/pdf", "image/png", "application/octet-stream"] {
            let pdf = Fixture {
                content_type: Some(ct),
                ..page("%PDF")
            };
            let fake = Fake::default().with("http://a.test/", vec![pdf]);
            let e = Fetcher::new(fake, quick())
                .fetch(&url("http://a.test/"))
                .unwrap_err();
            assert_eq!(e.kind(), "not_text", "{ct}");
            assert_eq!(e.http_status(), Some(200));
        }
        for ct in [
            "text/plain",
            "application/xhtml+xml; charset=utf-8",
            "TEXT/HTML",
        ] {
            let ok = Fixture {
                content_type: Some(ct),
                ..page("x")
            };
            let fake = Fake::default().with("http://a.test/", vec![ok]);
            assert!(
                Fetcher::new(fake, quick())
                    .fetch(&url("http://a.test/"))
                    .is_ok(),
                "{ct}"
            );
        }
    }

    #[test]
    fn bodies_over_the_limit_are_too_large_announced_or_not() {
        let opts = FetchOptions {
            max_bytes: 4,
            ..quick()
        };
        let streamed = Fake::default().with("http://a.test/", vec![page("12345")]);
        let e = Fetcher::new(streamed, opts.clone())
            .fetch(&url("http://a.test/"))
            .unwrap_err();
        assert_eq!(e.kind(), "too_large");
        let announced = Fixture {
            content_length: Some(1_000_000),
            ..page("1")
        };
        let fake = Fake::default().with("http://a.test/", vec![announced]);
        let e = Fetcher::new(fake, opts.clone())
            .fetch(&url("http://a.test/"))
            .unwrap_err();
        assert!(
            e.to_string().contains("1000000 bytes (Content-Length)"),
            "{e}"
        );
        let exact = Fake::default().with("http://a.test/", vec![page("1234")]);
        assert!(
            Fetcher::new(exact, opts)
                .fetch(&url("http://a.test/"))
                .is_ok()
        );
    }

    #[test]
    fn cached_bytes_are_used_unless_refetching() {
        let dir = tempfile::tempdir().unwrap();
        let fake = || Fake::default().with("http://a.test/", vec![page("v1")]);
        let first =
            Fetcher::new(fake(), quick()).with_cache(FetchCache::open(dir.path()).unwrap(), false);
        let got = first.fetch(&url("http://a.test/")).unwrap();
        assert!(!got.from_cache);

        let second = Fetcher::new(Fake::default(), quick())
            .with_cache(FetchCache::open(dir.path()).unwrap(), false);
        let hit = second.fetch(&url("http://a.test/")).unwrap();
        assert!(hit.from_cache);
        assert_eq!(hit.bytes, got.bytes);
        assert_eq!(hit.provenance, got.provenance);
        assert!(second.transport.requests().is_empty());

        let refetch =
            Fetcher::new(fake(), quick()).with_cache(FetchCache::open(dir.path()).unwrap(), true);
        assert!(!refetch.fetch(&url("http://a.test/")).unwrap().from_cache);
        assert_eq!(refetch.transport.requests().len(), 1);
    }

    #[test]
    fn rfc3339_formats_utc_seconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_714_566_896);
        assert_eq!(rfc3339(t), "2024-05-01T12:34:56Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        // 1994-11-06 08:49:37 GMT is 784111777.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
