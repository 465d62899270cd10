//! The per-group prefilter: which rules of a group can match in a paragraph, found in one
//! pass over it, so that each rule's own regex runs only where it will match.
//!
//! It is one lazy DFA over every rule's pattern, searching forward only and reporting every
//! pattern that matches anywhere (overlapping semantics). It never needs match starts or
//! capture groups, so unlike a `regex::RegexSet` it compiles no reverse automaton: half the
//! compile time and memory of a set, for the costliest part of a rule set.

use regex_automata::hybrid::dfa::{Cache, DFA, OverlappingState};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::{Input, MatchKind};
use regex_syntax::hir::Hir;

/// Which of a group's rules can match in a text. Searching needs a cache (see
/// [`super::caches`]).
pub struct Prefilter {
    dfa: DFA,
}

impl std::fmt::Debug for Prefilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prefilter")
            .field("patterns", &self.dfa.pattern_len())
            .finish_non_exhaustive()
    }
}

impl Prefilter {
    /// Compiles the patterns (each with its own inline flags); `None` if they are too large
    /// for one automaton.
    pub fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Option<Prefilter> {
        let hirs: Vec<Hir> = patterns
            .into_iter()
            .map(|p| super::splice::translate(p, false).ok())
            .collect::<Option<_>>()?;
        Prefilter::from_hirs(&hirs)
    }

    /// Compiles patterns already translated (see [`super::RuleGroup::hirs`]).
    pub fn from_hirs(hirs: &[Hir]) -> Option<Prefilter> {
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .which_captures(WhichCaptures::None)
                    .nfa_size_limit(Some(256 << 20)),
            )
            .build_many_from_hir(hirs)
            .ok()?;
        let dfa = DFA::builder()
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(32 << 20)
                    // Never give up on a paragraph: a cleared cache is rebuilt, slower but
                    // still right.
                    .minimum_cache_clear_count(None),
            )
            .build_from_nfa(nfa)
            .ok()?;
        Some(Prefilter { dfa })
    }

    /// A cache for searching with this prefilter.
    pub fn create_cache(&self) -> Cache {
        self.dfa.create_cache()
    }

    /// The patterns that match somewhere in `text`, in increasing order, each with the
    /// largest offset at which one of its matches ends.
    pub fn matches(&self, cache: &mut Cache, text: &str) -> Vec<(usize, usize)> {
        let mut found = Vec::new();
        self.for_each_match(cache, text, &mut Vec::new(), |p, end| found.push((p, end)));
        found
    }

    /// Calls `f` with what [`Prefilter::matches`] returns, one pattern at a time, using
    /// `last_end` as scratch space (so that many paragraphs need one allocation).
    pub fn for_each_match(
        &self,
        cache: &mut Cache,
        text: &str,
        last_end: &mut Vec<Option<usize>>,
        mut f: impl FnMut(usize, usize),
    ) {
        last_end.clear();
        last_end.resize(self.dfa.pattern_len(), None);
        let input = Input::new(text);
        let mut state = OverlappingState::start();
        loop {
            if self
                .dfa
                .try_search_overlapping_fwd(cache, &input, &mut state)
                .is_err()
            {
                // Only a quit byte or a gave-up search fails; neither is configured, but if
                // one happened every rule would simply run over the whole text.
                last_end.fill(Some(text.len()));
                break;
            }
            let Some(m) = state.get_match() else { break };
            let end = &mut last_end[m.pattern().as_usize()];
            *end = Some(end.map_or(m.offset(), |e| e.max(m.offset())));
        }
        for (p, end) in last_end.iter().enumerate() {
            if let Some(end) = end {
                f(p, *end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_pattern_that_matches_anywhere() {
        let p = Prefilter::new([r"\d+ pays", r"(?i)mai", r"xyz", r"\d{4}"]).unwrap();
        let mut cache = p.create_cache();
        assert_eq!(
            p.matches(&mut cache, "En MAI 2019, 17 pays, 2020 ici"),
            vec![(0, 20), (1, 6), (3, 26)]
        );
        assert_eq!(p.matches(&mut cache, "rien"), Vec::new());
        assert_eq!(p.matches(&mut cache, "xyz"), vec![(2, 3)]);
    }
}
