//! The fetch stage of the pipeline: network concurrency, apart from the CPU workers.
//!
//! URL sources are fetched by `fetch_jobs` threads of their own (the per-host limits are the
//! [`Fetcher`]'s), never on the rayon pool, so slow servers do not hold CPU workers and CPU
//! work does not hold sockets. Results are handed to the CPU stage in input order, in batches;
//! the fetch threads run at most a window of sources ahead of what has been handed over, so
//! memory is bounded however slow the CPU stage or fast the network. A run without URLs starts
//! no thread here.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, PoisonError};

use anyhow::Result;

use crate::document::{Input, Source, UrlInput};
use crate::ingest::fetch::{Fetch, FetchError, Fetched, Fetcher};

/// A source ready for the CPU stage.
pub(super) enum Loaded {
    /// A file, read by the CPU stage.
    File(Input),
    /// A URL and what fetching it gave.
    Url(UrlInput, Result<Fetched, FetchError>),
}

/// How far the fetch threads may run ahead of the CPU stage.
#[derive(Debug, Default)]
struct Window {
    handed_over: usize,
    closed: bool,
}

/// Hands `sources` to `consume` in order, in batches of at most `batch`, fetching the URLs
/// among them on `jobs` threads with `fetcher`, at most `2 × batch` sources ahead of the last
/// batch handed over.
///
/// # Errors
///
/// The first error of `consume`; the fetch threads then stop after their current request.
pub(super) fn in_order<F: Fetch>(
    sources: Vec<Source>,
    fetcher: &Fetcher<F>,
    jobs: usize,
    batch: usize,
    mut consume: impl FnMut(Vec<Loaded>) -> Result<()>,
) -> Result<()> {
    let batch = batch.max(1);
    if !sources.iter().any(|s| matches!(s, Source::Url(_))) {
        let mut loaded = Vec::with_capacity(batch);
        for source in sources {
            if let Source::File(input) = source {
                loaded.push(Loaded::File(input));
            }
            if loaded.len() == batch {
                consume(std::mem::take(&mut loaded))?;
            }
        }
        return if loaded.is_empty() {
            Ok(())
        } else {
            consume(loaded)
        };
    }
    let window_size = 2 * batch;
    let next_job = AtomicUsize::new(0);
    let window = Mutex::new(Window::default());
    let moved = Condvar::new();
    let lock = || window.lock().unwrap_or_else(PoisonError::into_inner);
    let (tx, rx) = mpsc::channel::<(usize, Loaded)>();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            let tx = tx.clone();
            let (sources, next_job, moved) = (&sources, &next_job, &moved);
            scope.spawn(move || {
                loop {
                    let i = next_job.fetch_add(1, Ordering::Relaxed);
                    let Some(source) = sources.get(i) else {
                        break;
                    };
                    {
                        let mut w = lock();
                        while i >= w.handed_over + window_size && !w.closed {
                            w = moved.wait(w).unwrap_or_else(PoisonError::into_inner);
                        }
                        if w.closed {
                            break;
                        }
                    }
                    let loaded = match source {
                        Source::File(input) => Loaded::File(input.clone()),
                        Source::Url(u) => Loaded::Url(u.clone(), fetcher.fetch(&u.url)),
                    };
                    if tx.send((i, loaded)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let result = hand_over(&rx, batch, &mut consume, |n| {
            lock().handed_over = n;
            moved.notify_all();
        });
        // On error, release the fetch threads: waiting ones leave, busy ones find the
        // channel closed after their request.
        lock().closed = true;
        moved.notify_all();
        drop(rx);
        result
    })
}

/// Reorders what the fetch threads send and hands it over in batches; `progress(n)` says
/// that the first `n` sources have been handed over.
fn hand_over(
    rx: &mpsc::Receiver<(usize, Loaded)>,
    batch: usize,
    consume: &mut impl FnMut(Vec<Loaded>) -> Result<()>,
    progress: impl Fn(usize),
) -> Result<()> {
    let mut pending = BTreeMap::new();
    let mut next = 0;
    let mut ready = Vec::with_capacity(batch);
    for (i, loaded) in rx {
        pending.insert(i, loaded);
        while let Some(loaded) = pending.remove(&next) {
            ready.push(loaded);
            next += 1;
            if ready.len() == batch {
                progress(next);
                consume(std::mem::take(&mut ready))?;
            }
        }
    }
    if ready.is_empty() {
        Ok(())
    } else {
        consume(ready)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use url::Url;

    use super::*;
    use crate::ingest::fetch::{Exchange, FetchOptions};

    /// Answers `/<n>` with body `n`, later for smaller `n`, so that fetches finish out of order.
    struct Reversed;

    impl Fetch for Reversed {
        fn get(&self, url: &Url) -> Result<Exchange, FetchError> {
            let n: u64 = url.path()[1..].parse().unwrap();
            std::thread::sleep(Duration::from_millis(2 * (10 - n % 10)));
            Ok(Exchange {
                status: 200,
                content_type: Some("text/plain".into()),
                location: None,
                retry_after: None,
                content_length: None,
                body: Box::new(std::io::Cursor::new(n.to_string().into_bytes())),
            })
        }
    }

    fn sources(n: usize) -> Vec<Source> {
        (0..n)
            .map(|i| {
                if i % 7 == 3 {
                    let source = format!("file{i:03}");
                    Source::File(Input {
                        path: PathBuf::from(&source),
                        source,
                    })
                } else {
                    let url = Url::parse(&format!("http://h{}.test/{i}", i % 3)).unwrap();
                    Source::Url(UrlInput {
                        source: format!("{i:03}"),
                        url,
                    })
                }
            })
            .collect()
    }

    fn fetcher() -> Fetcher<Reversed> {
        let opts = FetchOptions {
            host_delay: Duration::ZERO,
            host_jobs: 8,
            ..FetchOptions::default()
        };
        Fetcher::new(Reversed, opts)
    }

    #[test]
    fn sources_are_handed_over_in_input_order_in_batches() {
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        in_order(sources(40), &fetcher(), 4, 6, |batch| {
            sizes.push(batch.len());
            for loaded in batch {
                seen.push(match loaded {
                    Loaded::File(input) => input.source,
                    Loaded::Url(u, fetched) => {
                        let body = String::from_utf8(fetched.unwrap().bytes).unwrap();
                        assert_eq!(
                            body.parse::<usize>().unwrap(),
                            u.source.parse::<usize>().unwrap()
                        );
                        u.source
                    }
                });
            }
            Ok(())
        })
        .unwrap();
        let expected: Vec<String> = sources(40).iter().map(|s| s.name().to_owned()).collect();
        assert_eq!(seen, expected);
        assert_eq!(sizes, [6, 6, 6, 6, 6, 6, 4]);
    }

    #[test]
    fn an_error_of_the_consumer_stops_the_fetch_threads() {
        let mut calls = 0;
        let result = in_order(sources(200), &fetcher(), 4, 2, |_| {
            calls += 1;
            anyhow::bail!("disk full")
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert_eq!(calls, 1);
    }
}
