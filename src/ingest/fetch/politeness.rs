//! Per-host politeness: at most `host_jobs` requests in flight to one host (host and port),
//! and at least `host_delay` between the starts of two requests to it. A host that answers
//! 429 with `Retry-After` can push its next start later for every thread. This module owns
//! only the waiting; the global number of fetch threads is the pipeline's.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
struct Host {
    in_flight: usize,
    next_start: Option<Instant>,
}

/// Admits requests to hosts, blocking the calling thread until its host allows one more.
#[derive(Debug)]
pub struct HostGate {
    max_in_flight: usize,
    delay: Duration,
    hosts: Mutex<HashMap<String, Host>>,
    changed: Condvar,
}

/// A request admitted by [`HostGate::acquire`]; dropping it ends the request.
#[derive(Debug)]
pub struct Permit<'a> {
    gate: &'a HostGate,
    host: String,
}

impl HostGate {
    /// A gate allowing `max_in_flight` requests per host (at least 1), started `delay` apart.
    pub fn new(max_in_flight: usize, delay: Duration) -> HostGate {
        HostGate {
            max_in_flight: max_in_flight.max(1),
            delay,
            hosts: Mutex::new(HashMap::new()),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Host>> {
        // The map stays consistent whatever a panicking holder was doing: each update is
        // a single field write.
        self.hosts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until `host` admits one more request, then counts it in flight.
    pub fn acquire(&self, host: &str) -> Permit<'_> {
        let mut hosts = self.lock();
        loop {
            let now = Instant::now();
            let state = hosts.entry(host.to_owned()).or_default();
            let not_before = state.next_start.filter(|&t| t > now);
            if state.in_flight < self.max_in_flight && not_before.is_none() {
                state.in_flight += 1;
                state.next_start = Some(now + self.delay);
                return Permit {
                    gate: self,
                    host: host.to_owned(),
                };
            }
            hosts = match not_before {
                Some(t) => {
                    self.changed
                        .wait_timeout(hosts, t - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self
                    .changed
                    .wait(hosts)
                    .unwrap_or_else(PoisonError::into_inner),
            };
        }
    }

    /// Starts no request to `host` before `until` (a server's `Retry-After`).
    pub fn defer(&self, host: &str, until: Instant) {
        let mut hosts = self.lock();
        let state = hosts.entry(host.to_owned()).or_default();
        state.next_start = Some(state.next_start.map_or(until, |t| t.max(until)));
        self.changed.notify_all();
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut hosts = self.gate.lock();
        if let Some(state) = hosts.get_mut(&self.host) {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn no_more_than_the_limit_is_in_flight_per_host() {
        let gate = Arc::new(HostGate::new(2, Duration::ZERO));
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (gate, now, peak) = (gate.clone(), now.clone(), peak.clone());
                std::thread::spawn(move || {
                    let _p = gate.acquire("a:80");
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn starts_to_one_host_are_spaced_but_other_hosts_are_not_held() {
        let gate = HostGate::new(4, Duration::from_millis(50));
        let t0 = Instant::now();
        drop(gate.acquire("a:80"));
        drop(gate.acquire("b:80"));
        assert!(t0.elapsed() < Duration::from_millis(50));
        drop(gate.acquire("a:80"));
        assert!(t0.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn deferred_hosts_wait_until_the_given_instant() {
        let gate = HostGate::new(1, Duration::ZERO);
        let t0 = Instant::now();
        gate.defer("a:80", t0 + Duration::from_millis(30));
        drop(gate.acquire("a:80"));
        assert!(t0.elapsed() >= Duration::from_millis(30));
    }
}
