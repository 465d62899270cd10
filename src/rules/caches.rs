//! Search caches: the scratch memory the automata of a rule group need while they search,
//! owned by the rule set and lent to whichever worker extracts a document.
//!
//! A lazy DFA builds its states as texts reach them, and keeps them in a cache that only one
//! search may use at a time. The regex crate keeps one cache per regex per thread, so memory
//! and warm-up grew with workers × languages (about 80 MB a worker for the 20 languages).
//! Here a group's caches travel together as a [`GroupCaches`]: a worker takes one for the
//! group of its document (creating it when none is idle), searches with it, and gives it
//! back. A group therefore has as many cache sets as workers extracting its documents *at
//! the same moment*, and a set warmed by one worker serves the next. The country matchers
//! (one per document language) lend their caches through a pool of their own the same way.
//!
//! A group's prefilter is the exception: its cache is shared by all workers, one search at a
//! time ([`CachePool::with_shared`]). It is the automaton with the most states to build (all
//! of a language's patterns at once, most of them on the language's first documents: two
//! thirds of an English prefilter's on the first tenth of the text), and two workers
//! extracting the same language, each with its own cache, built every state twice (a
//! twentieth of a run's CPU on a 2-core machine). A worker that finds the cache in use does
//! other work meanwhile (the pipeline gives it sources to prepare) rather than wait.
//!
//! Idle sets (and the shared cache) of a group that has not been used for [`STALE_AFTER`]
//! hand-backs (of any group) are dropped: a run over folders sorted by language frees each
//! language's caches once it has moved on, while a mixed corpus, which uses every group all
//! the time, keeps them all (rebuilding them costs far more than they weigh).

use std::sync::{Mutex, PoisonError};
use std::thread::ThreadId;

use regex_automata::meta;
use regex_automata::util::captures::Captures;

#[cfg(doc)]
use super::RuleGroup;

/// Hand-backs after which the idle caches of a group not used since are dropped. Two are
/// made per document (its language's group and the common one), so this is about 2,000
/// documents.
pub const STALE_AFTER: u64 = 4096;

/// The caches of one rule group's rule regexes (its prefilter's is shared, see the module
/// documentation).
#[derive(Debug, Default)]
pub struct GroupCaches {
    rules: Vec<Option<RuleCache>>,
}

/// What searching with one rule's regex needs: the regex's cache, and capture slots to reuse
/// from one match to the next. Creating capture slots per match took an atomic reference
/// count on the regex's group names each time, a memory location every worker shared.
#[derive(Debug)]
pub struct RuleCache {
    /// The regex's search cache.
    pub cache: meta::Cache,
    /// Capture slots for the regex.
    pub captures: Captures,
}

impl GroupCaches {
    /// The cache of rule `index` of the group, whose regex is `regex`.
    pub fn rule(&mut self, index: usize, regex: &meta::Regex) -> &mut meta::Cache {
        &mut self.rule_and_captures(index, regex).cache
    }

    /// The cache and capture slots of rule `index` of the group, whose regex is `regex`.
    pub fn rule_and_captures(&mut self, index: usize, regex: &meta::Regex) -> &mut RuleCache {
        if self.rules.len() <= index {
            self.rules.resize_with(index + 1, || None);
        }
        self.rules[index].get_or_insert_with(|| RuleCache {
            cache: regex.create_cache(),
            captures: regex.create_captures(),
        })
    }
}

/// An idle cache set.
#[derive(Debug)]
struct Idle<T> {
    group: usize,
    /// The thread that used it last: its automata states are in that core's caches.
    thread: ThreadId,
    caches: T,
}

#[derive(Debug)]
struct Stock<T> {
    /// Hand-backs so far.
    clock: u64,
    /// When each group was last handed back, by group index.
    last_used: Vec<u64>,
    idle: Vec<Idle<T>>,
}

/// The idle cache sets of a family of automata (the groups of a rule set, the country
/// matchers), each set keyed by the index of what it serves, and for each index a cache
/// of type `S` that all workers share.
#[derive(Debug)]
pub struct CachePool<T, S = ()> {
    stock: Mutex<Stock<T>>,
    shared: Box<[Mutex<Option<S>>]>,
}

/// Locks `m` even if a panic poisoned it: a shared cache is only scratch memory, still usable
/// after a panic while searching (and see [`CachePool::take`] for the stock).
fn lock<S>(m: &Mutex<S>) -> std::sync::MutexGuard<'_, S> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn try_lock<S>(m: &Mutex<S>) -> Option<std::sync::MutexGuard<'_, S>> {
    match m.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

impl<T, S> Default for CachePool<T, S> {
    fn default() -> Self {
        CachePool::new(0)
    }
}

impl<T, S> CachePool<T, S> {
    /// A pool with a shared cache for each of `shared` indexes (none by default).
    pub fn new(shared: usize) -> Self {
        CachePool {
            stock: Mutex::new(Stock {
                clock: 0,
                last_used: Vec::new(),
                idle: Vec::new(),
            }),
            shared: (0..shared).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Runs `search` with the shared cache of `group` (made by `new` the first time). While
    /// another worker is using it, calls `meanwhile` (some other work, one piece at a time)
    /// until it returns `false` (nothing left to do), and then waits.
    ///
    /// Panics if the pool was made without a shared cache for `group`.
    pub fn with_shared<R>(
        &self,
        group: usize,
        new: impl FnOnce() -> S,
        meanwhile: &mut dyn FnMut() -> bool,
        search: impl FnOnce(&mut S) -> R,
    ) -> R {
        let shared = &self.shared[group];
        let mut cache = loop {
            if let Some(cache) = try_lock(shared) {
                break cache;
            }
            if !meanwhile() {
                break lock(shared);
            }
        };
        search(cache.get_or_insert_with(new))
    }
}

impl<T: Default, S> CachePool<T, S> {
    /// Lends the caches of `group` (a [`RuleGroup::index`] or a matcher's index): an idle set
    /// if there is one (preferably the one this thread used last), a new one otherwise.
    pub fn take(&self, group: usize) -> Lent<'_, T, S> {
        let thread = std::thread::current().id();
        let mut stock = self.lock();
        let idle = &stock.idle;
        let caches = idle
            .iter()
            .rposition(|i| i.group == group && i.thread == thread)
            .or_else(|| idle.iter().rposition(|i| i.group == group))
            .map(|at| stock.idle.swap_remove(at).caches)
            .unwrap_or_default();
        Lent {
            pool: self,
            group,
            caches,
        }
    }

    /// How many cache sets are idle (for tests).
    pub fn idle(&self) -> usize {
        self.lock().idle.len()
    }

    fn give_back(&self, group: usize, caches: T) {
        let mut stock = self.lock();
        stock.clock += 1;
        let now = stock.clock;
        if stock.last_used.len() <= group {
            stock.last_used.resize(group + 1, 0);
        }
        stock.last_used[group] = now;
        let thread = std::thread::current().id();
        stock.idle.push(Idle {
            group,
            thread,
            caches,
        });
        let Stock {
            last_used, idle, ..
        } = &mut *stock;
        let is_stale = |i: &Idle<T>| last_used[i.group] + STALE_AFTER < now;
        if idle.iter().any(is_stale) {
            let (stale, fresh): (Vec<Idle<T>>, Vec<Idle<T>>) =
                std::mem::take(idle).into_iter().partition(is_stale);
            *idle = fresh;
            // Freeing megabytes of automata states is done after the lock is released.
            drop(stock);
            let mut groups: Vec<usize> = stale.iter().map(|i| i.group).collect();
            groups.sort_unstable();
            groups.dedup();
            drop(stale);
            for group in groups {
                if let Some(shared) = self.shared.get(group) {
                    lock(shared).take();
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stock<T>> {
        // A panic while holding the lock leaves the stock consistent (every change is one
        // push, removal or replacement of the idle list).
        lock(&self.stock)
    }
}

/// A cache set lent by a [`CachePool`], given back when dropped.
#[derive(Debug)]
pub struct Lent<'p, T: Default, S = ()> {
    pool: &'p CachePool<T, S>,
    group: usize,
    caches: T,
}

impl<T: Default, S> std::ops::Deref for Lent<'_, T, S> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.caches
    }
}

impl<T: Default, S> std::ops::DerefMut for Lent<'_, T, S> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.caches
    }
}

impl<T: Default, S> Drop for Lent<'_, T, S> {
    fn drop(&mut self) {
        self.pool
            .give_back(self.group, std::mem::take(&mut self.caches));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RuleFiles, RuleSet, load};

    fn rule_set() -> RuleSet {
        let rule = |lang: &str| {
            format!(
                "[[rule]]\nid = \"{lang}.date.year\"\nkind = \"date\"\npattern = '(?<year>\\d{{4}})'\nexamples = [{{ text = \"2019\" }}]\n"
            )
        };
        load(&RuleFiles {
            origin: "test".into(),
            files: vec![
                ("de/dates.toml".into(), rule("de")),
                ("fr/dates.toml".into(), rule("fr")),
            ],
        })
        .unwrap()
    }

    #[test]
    fn a_set_given_back_is_lent_again_warm() {
        let set = rule_set();
        let fr = set.lang("fr").unwrap();
        let extracted = crate::extract::extract(&set, Some("fr"), "en 2019", None, false);
        assert_eq!(extracted.facts.len(), 1);
        // The French set and the common one (which has no rules here).
        assert_eq!(set.caches.idle(), 2);
        let lent = set.caches.take(fr.index);
        assert!(lent.rules[0].is_some());
        let shared_made = set.caches.with_shared(
            fr.index,
            || panic!("made again"),
            &mut || false,
            |c| c.memory_usage() > 0,
        );
        assert!(shared_made);
        assert_eq!(set.caches.idle(), 1);
        drop(lent);
        assert_eq!(set.caches.idle(), 2);
    }

    #[test]
    fn workers_at_the_same_time_get_sets_of_their_own() {
        let set = rule_set();
        let fr = set.lang("fr").unwrap();
        let (a, b) = (set.caches.take(fr.index), set.caches.take(fr.index));
        drop((a, b));
        assert_eq!(set.caches.idle(), 2);
        let (a, b) = (set.caches.take(fr.index), set.caches.take(fr.index));
        assert_eq!(set.caches.idle(), 0, "both idle sets were lent");
        drop((a, b));
    }

    #[test]
    fn a_worker_finding_the_shared_cache_in_use_works_meanwhile_then_gets_it() {
        let pool: CachePool<(), Vec<&str>> = CachePool::new(1);
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let pool = &pool;
        std::thread::scope(|s| {
            s.spawn(move || {
                pool.with_shared(0, Vec::new, &mut || false, |c| {
                    c.push("first");
                    held_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                });
            });
            held_rx.recv().unwrap();
            let mut pieces = 0;
            let mut meanwhile = || {
                pieces += 1;
                if pieces == 3 {
                    release_tx.send(()).unwrap();
                }
                // Pieces of other work while there are some, then wait.
                pieces < 3
            };
            let seen = pool.with_shared(
                0,
                || panic!("made twice"),
                &mut meanwhile,
                |c| {
                    c.push("second");
                    c.clone()
                },
            );
            assert_eq!(pieces, 3);
            assert_eq!(seen, ["first", "second"]);
        });
    }

    #[test]
    fn the_sets_of_a_group_no_longer_used_are_dropped() {
        let set = rule_set();
        let (de, fr) = (set.lang("de").unwrap(), set.lang("fr").unwrap());
        // Whether German's shared prefilter cache had to be made again.
        let made_again = || {
            let mut made = false;
            let new = || {
                made = true;
                set.prefilter(de).unwrap().create_cache()
            };
            set.caches.with_shared(de.index, new, &mut || false, |_| {});
            made
        };
        crate::extract::extract(&set, Some("de"), "2019", None, false);
        assert_eq!(set.caches.idle(), 2, "German's set and the common one");
        assert!(!made_again());
        for _ in 0..STALE_AFTER {
            drop(set.caches.take(fr.index));
        }
        // German was handed back {STALE_AFTER} hand-backs ago, the common set one later.
        assert_eq!(set.caches.idle(), 2, "German's set was dropped");
        assert!(
            made_again(),
            "German's shared cache was dropped with its set"
        );
        drop(set.caches.take(fr.index));
        assert_eq!(set.caches.idle(), 1, "only the French set is left");
    }
}
