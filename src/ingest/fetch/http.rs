//! The HTTP transport: one GET request with ureq (rustls, HTTP/1.1), no redirect followed,
//! 4xx and 5xx returned as responses rather than errors. It asks for gzip, deflate and brotli
//! (ureq undoes gzip and brotli; this module undoes deflate, zlib-wrapped or raw, and the
//! `x-gzip` spelling), applies the connect, read and total timeouts and the `User-Agent`, and
//! maps ureq's errors onto [`FetchError`]. The policy (redirects, retries, limits) is the
//! parent module's.

use std::io::{self, Read};

use url::Url;

use super::{Exchange, Fetch, FetchError, FetchOptions, TimeoutPhase};

/// What newsfacts can read, best first.
const ACCEPT: &str = "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1";
const ACCEPT_ENCODING: &str = "gzip, deflate, br";

/// Fetches over HTTP(S) with ureq.
pub struct HttpFetch {
    agent: ureq::Agent,
    opts: FetchOptions,
}

impl HttpFetch {
    /// A transport with the timeouts and `User-Agent` of `opts`.
    pub fn new(opts: &FetchOptions) -> HttpFetch {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(opts.user_agent.as_str())
            .accept(ACCEPT)
            .accept_encoding(ACCEPT_ENCODING)
            .timeout_resolve(Some(opts.connect_timeout))
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_per_read(Some(opts.read_timeout))
            .timeout_global(Some(opts.timeout))
            .build();
        HttpFetch {
            agent: config.into(),
            opts: opts.clone(),
        }
    }

    fn error(&self, url: &Url, e: ureq::Error) -> FetchError {
        let address = || {
            format!(
                "{}:{}",
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or_default()
            )
        };
        let timeout = |phase, limit| FetchError::Timeout {
            phase,
            limit: Some(limit),
            attempts: 1,
        };
        match e {
            ureq::Error::HostNotFound => FetchError::Dns {
                host: url.host_str().unwrap_or_default().to_owned(),
            },
            ureq::Error::Timeout(t) => {
                use ureq::Timeout as T;
                match t {
                    T::Resolve | T::Connect => {
                        timeout(TimeoutPhase::Connect, self.opts.connect_timeout)
                    }
                    T::Global | T::PerCall => timeout(TimeoutPhase::Total, self.opts.timeout),
                    _ => timeout(TimeoutPhase::Read, self.opts.read_timeout),
                }
            }
            ureq::Error::Io(io) => match io.kind() {
                io::ErrorKind::ConnectionRefused
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::AddrNotAvailable => FetchError::Connect {
                    address: address(),
                    reason: io.to_string(),
                },
                io::ErrorKind::TimedOut => timeout(TimeoutPhase::Read, self.opts.read_timeout),
                // rustls reports a failed handshake as invalid data on the socket.
                io::ErrorKind::InvalidData if url.scheme() == "https" => FetchError::Tls {
                    reason: io.to_string(),
                },
                _ => FetchError::Io {
                    reason: io.to_string(),
                    attempts: 1,
                },
            },
            ureq::Error::ConnectionFailed => FetchError::Connect {
                address: address(),
                reason: "connection failed".into(),
            },
            ureq::Error::Tls(reason) => FetchError::Tls {
                reason: reason.to_owned(),
            },
            ureq::Error::Rustls(e) => FetchError::Tls {
                reason: e.to_string(),
            },
            ureq::Error::Pem(e) => FetchError::Tls {
                reason: e.to_string(),
            },
            ureq::Error::Protocol(e) => FetchError::Protocol {
                reason: e.to_string(),
            },
            ureq::Error::BadUri(reason) => FetchError::InvalidUrl { reason },
            ureq::Error::Http(e) => FetchError::InvalidUrl {
                reason: e.to_string(),
            },
            other => FetchError::Io {
                reason: other.to_string(),
                attempts: 1,
            },
        }
    }
}

impl Fetch for HttpFetch {
    fn get(&self, url: &Url) -> Result<Exchange, FetchError> {
        let response = self
            .agent
            .get(url.as_str())
            .call()
            .map_err(|e| self.error(url, e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status().as_u16();
        let content_type = header("content-type");
        let location = header("location");
        let retry_after = header("retry-after");
        // ureq removes the header of the codings it undid (gzip, br); what remains is ours.
        let coding = header("content-encoding")
            .map(|c| c.trim().to_ascii_lowercase())
            .filter(|c| !c.is_empty() && c != "identity");
        let known_length = response.body().content_length();
        let raw = TimeoutAware(response.into_body().into_reader());
        let (body, content_length): (Box<dyn Read + Send>, _) = match coding.as_deref() {
            None => (Box::new(raw), known_length),
            Some("gzip" | "x-gzip") => (Box::new(flate2::read::MultiGzDecoder::new(raw)), None),
            Some("deflate") => (Box::new(Deflate::new(raw)), None),
            Some(other) => (Box::new(Unsupported(other.to_owned())), None),
        };
        Ok(Exchange {
            status,
            content_type,
            location,
            retry_after,
            content_length,
            body,
        })
    }
}

/// A body reader whose ureq timeouts surface as `io::ErrorKind::TimedOut`.
struct TimeoutAware<R>(R);

impl<R: Read> Read for TimeoutAware<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match ureq::Error::from(e) {
            ureq::Error::Timeout(t) => io::Error::new(io::ErrorKind::TimedOut, t.to_string()),
            ureq::Error::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })
    }
}

/// `Content-Encoding: deflate`: zlib-wrapped as RFC 9110 says, or raw deflate as some servers
/// send it; the first two bytes tell which.
enum Deflate<R: Read> {
    Start(Option<R>),
    Zlib(flate2::read::ZlibDecoder<io::Chain<io::Cursor<Vec<u8>>, R>>),
    Raw(flate2::read::DeflateDecoder<io::Chain<io::Cursor<Vec<u8>>, R>>),
}

impl<R: Read> Deflate<R> {
    fn new(inner: R) -> Deflate<R> {
        Deflate::Start(Some(inner))
    }
}

/// Whether two bytes are a zlib header (RFC 1950 §2.2: method 8, check bits).
fn is_zlib_header(head: &[u8]) -> bool {
    let [cmf, flg, ..] = *head else {
        return false;
    };
    cmf & 0x0f == 8 && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

impl<R: Read> Read for Deflate<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Deflate::Start(inner) = self {
            let Some(mut inner) = inner.take() else {
                return Ok(0);
            };
            let mut head = Vec::with_capacity(2);
            (&mut inner).take(2).read_to_end(&mut head)?;
            let zlib = is_zlib_header(&head);
            let stream = io::Cursor::new(head).chain(inner);
            *self = if zlib {
                Deflate::Zlib(flate2::read::ZlibDecoder::new(stream))
            } else {
                Deflate::Raw(flate2::read::DeflateDecoder::new(stream))
            };
        }
        match self {
            Deflate::Start(_) => Ok(0),
            Deflate::Zlib(d) => d.read(buf),
            Deflate::Raw(d) => d.read(buf),
        }
    }
}

/// The body of a response compressed with a coding newsfacts cannot undo.
struct Unsupported(String);

impl Read for Unsupported {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::Unsupported, self.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    fn inflate(compressed: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        Deflate::new(compressed).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn deflate_bodies_are_read_zlib_wrapped_or_raw() {
        let text = b"Le 14 mai 2019, 17 pays ont sign\xc3\xa9.".repeat(20);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&text).unwrap();
        assert_eq!(inflate(&z.finish().unwrap()), text);
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&text).unwrap();
        assert_eq!(inflate(&raw.finish().unwrap()), text);
    }

    #[test]
    fn a_refused_connection_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let http = HttpFetch::new(&FetchOptions::default());
        let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let Err(e) = http.get(&url) else {
            panic!("a closed port answered")
        };
        assert_eq!(e.kind(), "connect", "{e}");
        assert!(
            e.to_string()
                .starts_with(&format!("cannot connect to 127.0.0.1:{port}")),
            "{e}"
        );
    }

    #[test]
    fn ureq_errors_map_to_stable_kinds() {
        let http = HttpFetch::new(&FetchOptions::default());
        let url = Url::parse("http://news.test/a").unwrap();
        let cases = [
            (ureq::Error::HostNotFound, "dns"),
            (ureq::Error::Timeout(ureq::Timeout::Connect), "timeout"),
            (ureq::Error::Timeout(ureq::Timeout::Global), "timeout"),
            (ureq::Error::ConnectionFailed, "connect"),
            (ureq::Error::Tls("bad certificate"), "tls"),
            (
                ureq::Error::Io(io::Error::from(io::ErrorKind::ConnectionReset)),
                "connection",
            ),
        ];
        for (e, kind) in cases {
            assert_eq!(http.error(&url, e).kind(), kind);
        }
        let e = http.error(&url, ureq::Error::HostNotFound);
        assert_eq!(
            e.to_string(),
            "cannot resolve host news.test (check the URL and the network)"
        );
        let e = http.error(&url, ureq::Error::Timeout(ureq::Timeout::Global));
        assert_eq!(
            e.to_string(),
            "request took more than 60 s (raise --timeout)"
        );
    }
}
