//! The per-group prefilter: which rules of a group can match in a paragraph, found in one
//! pass over it, so that each rule's own regex runs only where it may match.
//!
//! It is one lazy DFA over every rule's pattern (loosened: see [`loosen`]), searching
//! forward only and reporting every pattern that matches anywhere (overlapping semantics).
//! It never needs match starts or capture groups, so unlike a `regex::RegexSet` it compiles
//! no reverse automaton: half the compile time and memory of a set, for the costliest part
//! of a rule set.

use regex_automata::hybrid::LazyStateID;
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::{Input, MatchKind};
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

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

    /// Compiles patterns already translated (see [`super::RuleSet::build_prefilter`]).
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
    ///
    /// The walk is the lazy DFA's overlapping search, written out: the library's search
    /// returns one match per call, and a paragraph has dozens (every letter of a counted noun
    /// ends a match of each count rule), and takes the general transition for every byte. Here the
    /// bytes between match states take the fast transition of an untagged state, and each
    /// match state records all of its patterns at once. A match ends at the byte whose
    /// transition reached a match state (the DFA sees a match one byte late) or, after the
    /// last byte, at the end of the text. An empty match inside a character is not one: the
    /// library skips those, and so does this.
    pub fn for_each_match(
        &self,
        cache: &mut Cache,
        text: &str,
        last_end: &mut Vec<Option<usize>>,
        mut f: impl FnMut(usize, usize),
    ) {
        last_end.clear();
        last_end.resize(self.dfa.pattern_len(), None);
        if self.walk(cache, text, last_end).is_err() {
            // Only a quit byte or a gave-up search fails; neither is configured, but if one
            // happened every rule would simply run over the whole text.
            last_end.fill(Some(text.len()));
        }
        for (p, end) in last_end.iter().enumerate() {
            if let Some(end) = end {
                f(p, *end);
            }
        }
    }

    /// Records in `last_end` the offset of the last match of each pattern in `text`.
    fn walk(
        &self,
        cache: &mut Cache,
        text: &str,
        last_end: &mut [Option<usize>],
    ) -> Result<(), Failed> {
        let dfa = &self.dfa;
        let bytes = text.as_bytes();
        let mut record = |cache: &Cache, sid: LazyStateID, at: usize| {
            if text.is_char_boundary(at) {
                for i in 0..dfa.match_len(cache, sid) {
                    last_end[dfa.match_pattern(cache, sid, i).as_usize()] = Some(at);
                }
            }
        };
        let mut sid = dfa.start_state_forward(cache, &Input::new(text))?;
        for (at, &byte) in bytes.iter().enumerate() {
            if !sid.is_tagged() {
                let next = dfa.next_state_untagged(cache, sid, byte);
                if !next.is_tagged() {
                    sid = next;
                    continue;
                }
            }
            sid = dfa.next_state(cache, sid, byte)?;
            if sid.is_match() {
                record(cache, sid, at);
            } else if sid.is_dead() {
                return Ok(());
            } else if sid.is_quit() {
                return Err(Failed);
            }
        }
        sid = dfa.next_eoi_state(cache, sid)?;
        if sid.is_match() {
            record(cache, sid, bytes.len());
        }
        Ok(())
    }
}

/// A prefilter walk that could not finish (see [`Prefilter::for_each_match`]).
struct Failed;

impl From<regex_automata::MatchError> for Failed {
    fn from(_: regex_automata::MatchError) -> Failed {
        Failed
    }
}

impl From<regex_automata::hybrid::CacheError> for Failed {
    fn from(_: regex_automata::hybrid::CacheError) -> Failed {
        Failed
    }
}

/// A looser form of a rule's pattern for the prefilter: it matches wherever the pattern does,
/// and with `keep_ends` every match of the pattern ends where one of its own matches ends.
///
/// Parts of a sequence that can match nothing are dropped from its front
/// (`(?:{qualifier}\s+)?` before a number, a `(?:^|[^\d])` guard before a date), and
/// without `keep_ends` from its back too: a pattern matched somewhere only if what is left
/// matched there (and, with the front alone dropped, ended at the same place). For the same
/// reason a repetition there keeps only the repeats it needs (`\d{1,3}` at the front becomes
/// `\d`, `\d{2,4}` becomes `\d{2}`), and a front part each of whose matches ends with a
/// character it matches alone becomes the class of those characters (a grouped number,
/// `\d(?:[ .]\d{3})+(?:,\d+)?|\d`, becomes `\d`). Such parts made the prefilter's automaton
/// follow their words, counts and digit groups at every position: building its states as
/// texts reach them took 25 % fewer instructions without them (3,562 mixed documents, one
/// worker), and a run 4 to 5 % less time. The prefilter only tells which rules to run where;
/// the rules' own regexes keep their whole patterns, so a looser prefilter costs at most a
/// rule search that finds nothing.
///
/// Classes of letters are widened too (to every character beyond ASCII): a superset of a part
/// matches wherever the part does, ending at least as late.
pub fn loosen(hir: Hir, keep_ends: bool) -> Hir {
    widen_large_classes(trim(hir, true, !keep_ends))
}

/// Classes with more ranges than this are widened by [`widen_large_classes`]. Rule patterns
/// have classes of about 10 ranges (`\s`), 37 (`\d`, see [`crate::normalize::number`]) and
/// under 80 (scripts), and classes of letters (`\p{L}` and its intersections: 650 to 750).
const LARGE_CLASS_RANGES: usize = 256;

/// `hir` with each class of more than [`LARGE_CLASS_RANGES`] ranges replaced by its ASCII
/// characters and every character beyond ASCII: a superset, so the pattern still matches
/// wherever it did, ending at least as late. A class of letters compiles to hundreds of
/// automaton states (301 for `\p{L}`), and patterns that name a counted thing have several:
/// 367 of them in all; widened, they compile to 11 each. Building the prefilters took 1 %
/// fewer instructions of a run (3,562 mixed documents, one worker) and 8 MB less
/// memory, with the same states built while searching (the characters added are rare where
/// they were not letters anyway: punctuation and symbols beyond ASCII).
fn widen_large_classes(hir: Hir) -> Hir {
    fn has_large(hir: &Hir) -> bool {
        match hir.kind() {
            HirKind::Class(Class::Unicode(class)) => class.ranges().len() > LARGE_CLASS_RANGES,
            HirKind::Capture(c) => has_large(&c.sub),
            HirKind::Repetition(r) => has_large(&r.sub),
            HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(has_large),
            HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
        }
    }
    // Only the paths to a large class are rebuilt: rebuilding a lexicon's alternation costs
    // more than the widening saves.
    if !has_large(&hir) {
        return hir;
    }
    match hir.into_kind() {
        HirKind::Class(Class::Unicode(mut class)) => {
            class.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7f')]));
            class.union(&ClassUnicode::new([ClassUnicodeRange::new(
                '\u{80}',
                char::MAX,
            )]));
            Hir::class(Class::Unicode(class))
        }
        HirKind::Capture(c) => Hir::capture(regex_syntax::hir::Capture {
            sub: Box::new(widen_large_classes(*c.sub)),
            ..c
        }),
        HirKind::Repetition(r) => Hir::repetition(regex_syntax::hir::Repetition {
            sub: Box::new(widen_large_classes(*r.sub)),
            ..r
        }),
        HirKind::Concat(parts) => Hir::concat(parts.into_iter().map(widen_large_classes).collect()),
        HirKind::Alternation(parts) => {
            Hir::alternation(parts.into_iter().map(widen_large_classes).collect())
        }
        _ => unreachable!("has_large is false for the rest"),
    }
}

/// `hir` at a pattern's front, replaced by the characters it matches alone when each of its
/// matches ends with one of them: every match of `hir` then ends with a match of that class,
/// so the pattern's matches end where they did (`\d(?:[ .]\d{3})+|\d` becomes `\d`).
fn by_last_characters(hir: Hir) -> Hir {
    // Only a grouping with a class among its members can qualify (and a match of one
    // character is at most 4 bytes long): a cheap test, as this runs at every level of a
    // pattern's front, lexicon prefix trees included.
    let has_class = match hir.kind() {
        HirKind::Alternation(members) | HirKind::Concat(members) => members
            .iter()
            .any(|m| matches!(m.kind(), HirKind::Class(Class::Unicode(_)))),
        _ => false,
    };
    if !has_class || hir.properties().minimum_len().is_none_or(|n| n > 4) {
        return hir;
    }
    let alone = single_characters(&hir);
    if alone.ranges().is_empty() || !ends_within(&hir, &alone) {
        return hir;
    }
    Hir::class(Class::Unicode(alone))
}

/// Whether a part matches the empty string wherever it stands.
fn empty_anywhere(hir: &Hir) -> bool {
    hir.properties().minimum_len() == Some(0) && hir.properties().look_set().is_empty()
}

/// The characters `hir` matches alone, wherever they stand (some of them when unsure).
fn single_characters(hir: &Hir) -> ClassUnicode {
    let none = ClassUnicode::empty;
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => class.clone(),
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0) {
            Ok(text) if text.chars().count() == 1 => {
                let c = text.chars().next().expect("one character");
                ClassUnicode::new([ClassUnicodeRange::new(c, c)])
            }
            _ => none(),
        },
        HirKind::Capture(c) => single_characters(&c.sub),
        HirKind::Repetition(r) if r.min <= 1 && r.max != Some(0) => single_characters(&r.sub),
        HirKind::Alternation(branches) => {
            let mut all = none();
            for b in branches {
                if b.properties().minimum_len().is_some_and(|n| n <= 4) {
                    all.union(&single_characters(b));
                }
            }
            all
        }
        HirKind::Concat(parts) => {
            let mut needed = parts.iter().filter(|p| !empty_anywhere(p));
            match (needed.next(), needed.next()) {
                (Some(one), None) => single_characters(one),
                _ => none(),
            }
        }
        _ => none(),
    }
}

/// Whether every non-empty match of `hir` ends with a character of `chars`.
fn ends_within(hir: &Hir, chars: &ClassUnicode) -> bool {
    let within = |c: char| {
        let ranges = chars.ranges();
        let i = ranges.partition_point(|r| r.end() < c);
        ranges.get(i).is_some_and(|r| r.start() <= c)
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0)
            .ok()
            .and_then(|text| text.chars().next_back())
            .is_some_and(within),
        HirKind::Class(Class::Unicode(class)) => class.ranges().iter().all(|r| {
            let ranges = chars.ranges();
            let i = ranges.partition_point(|s| s.end() < r.start());
            ranges
                .get(i)
                .is_some_and(|s| s.start() <= r.start() && r.end() <= s.end())
        }),
        HirKind::Class(Class::Bytes(_)) => false,
        HirKind::Capture(c) => ends_within(&c.sub, chars),
        HirKind::Repetition(r) => ends_within(&r.sub, chars),
        HirKind::Alternation(branches) => branches.iter().all(|b| ends_within(b, chars)),
        HirKind::Concat(parts) => {
            // The last part that cannot match nothing, and every part after it.
            for p in parts.iter().rev() {
                if !ends_within(p, chars) {
                    return false;
                }
                if p.properties().minimum_len() != Some(0) {
                    return true;
                }
            }
            true
        }
    }
}

/// [`loosen`], dropping what can match nothing from the front when `front`, from the back
/// when `back`.
fn trim(hir: Hir, front: bool, back: bool) -> Hir {
    let can_be_empty = |h: &Hir| h.properties().minimum_len() == Some(0);
    let trimmable = match hir.kind() {
        HirKind::Capture(_) | HirKind::Alternation(_) | HirKind::Concat(_) => true,
        HirKind::Repetition(rep) => (front || back) && rep.min >= 1,
        _ => false,
    };
    if !trimmable {
        return hir;
    }
    match hir.into_kind() {
        HirKind::Capture(c) => trim(*c.sub, front, back),
        HirKind::Alternation(branches) => {
            let hir =
                Hir::alternation(branches.into_iter().map(|b| trim(b, front, back)).collect());
            if front { by_last_characters(hir) } else { hir }
        }
        HirKind::Concat(mut parts) if !parts.is_empty() => {
            let keep_from = if front {
                let n = parts.iter().take_while(|p| can_be_empty(p)).count();
                n.min(parts.len() - 1)
            } else {
                0
            };
            parts.drain(..keep_from);
            if back {
                while parts.len() > 1 && parts.last().is_some_and(can_be_empty) {
                    parts.pop();
                }
            }
            if parts.len() == 1 {
                return trim(parts.pop().expect("one part"), front, back);
            }
            // The first part's matches must still end where the rest begins, and the last
            // part's start where the rest ends.
            let last = parts.pop().map(|p| trim(p, false, back));
            let first = std::mem::replace(&mut parts[0], Hir::empty());
            parts[0] = trim(first, front, false);
            parts.extend(last);
            let hir = Hir::concat(parts);
            if front { by_last_characters(hir) } else { hir }
        }
        HirKind::Concat(none) => Hir::concat(none),
        // At the front, the last `min` repeats of a match are a match ending where it ends;
        // at the back, its first `min` repeats are a match.
        HirKind::Repetition(rep) if rep.min == 1 => trim(*rep.sub, front, back),
        HirKind::Repetition(rep) => Hir::repetition(regex_syntax::hir::Repetition {
            max: Some(rep.min),
            ..rep
        }),
        _ => unreachable!("only groupings get here"),
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

    /// The fixture articles of a rule group's folder (none for `common`), read as UTF-8
    /// (some are in legacy encodings on purpose: any text will do here).
    fn fixture_texts(group: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(group);
        let files = std::fs::read_dir(dir).into_iter().flatten();
        files
            .map(|entry| {
                String::from_utf8_lossy(&std::fs::read(entry.unwrap().path()).unwrap()).into_owned()
            })
            .collect()
    }

    /// What the library's overlapping search finds: the reference for [`Prefilter::walk`].
    fn by_overlapping_search(p: &Prefilter, cache: &mut Cache, text: &str) -> Vec<(usize, usize)> {
        let mut last_end = vec![None; p.dfa.pattern_len()];
        let input = Input::new(text);
        let mut state = regex_automata::hybrid::dfa::OverlappingState::start();
        loop {
            p.dfa
                .try_search_overlapping_fwd(cache, &input, &mut state)
                .unwrap();
            let Some(m) = state.get_match() else { break };
            last_end[m.pattern().as_usize()] = Some(m.offset());
        }
        let found = last_end.into_iter().enumerate();
        found.filter_map(|(p, end)| Some((p, end?))).collect()
    }

    #[test]
    fn the_walk_finds_what_the_overlapping_search_finds() {
        // Assertions at either end, empty matches (skipped inside a character), matches at
        // the very end, and a pattern that matches nowhere.
        let p = Prefilter::new([
            r"(?-u:\b)mai(?-u:\b)",
            r"^\d+",
            r"\d+$",
            r"x*",
            r"(?i)été\s+\d{4}",
            r"\p{L}+s",
            r"zzz",
        ])
        .unwrap();
        let mut cache = p.create_cache();
        let mut reference = p.create_cache();
        for text in [
            "",
            "mai",
            "12 mai 2019, été 2020 puis étés",
            "2019 — été  1999 x",
            "日本語 x 2020",
            "xxémai 7",
        ] {
            assert_eq!(
                p.matches(&mut cache, text),
                by_overlapping_search(&p, &mut reference, text),
                "{text:?}"
            );
        }
        // And on shipped prefilters, over the fixture articles' paragraphs.
        let rules = crate::rules::load(&crate::rules::RuleFiles::embedded()).unwrap();
        for lang in ["en", "fr", "ru", "zh", "ar", "hi"] {
            let group = rules.lang(lang).unwrap();
            let p = rules.build_prefilter(group).unwrap();
            let (mut cache, mut reference) = (p.create_cache(), p.create_cache());
            for text in fixture_texts(lang) {
                for paragraph in text.split("\n\n") {
                    assert_eq!(
                        p.matches(&mut cache, paragraph),
                        by_overlapping_search(&p, &mut reference, paragraph),
                        "{lang}: {paragraph:?}"
                    );
                }
            }
        }
    }

    fn loose_regex(pattern: &str, keep_ends: bool) -> regex_automata::meta::Regex {
        let hir = super::super::splice::translate(pattern, false).unwrap();
        regex_automata::meta::Regex::builder()
            .build_from_hir(&loosen(hir, keep_ends))
            .unwrap()
    }

    #[test]
    fn loosening_drops_what_can_match_nothing_at_the_front_and_without_ends_at_the_back() {
        let pattern = r"(?:(?<q>plus de)\s+)?(?<n>\d+)\s*(?<c>euros)?";
        let keep = loose_regex(pattern, true);
        // The qualifier is gone; the match still ends where the pattern's does.
        assert_eq!(keep.find("plus de 5 euros").map(|m| m.range()), Some(8..15));
        let loose = loose_regex(pattern, false);
        assert_eq!(loose.find("plus de 5 euros").map(|m| m.range()), Some(8..9));
        // A guard before a date goes too: the prefilter may say more, never less.
        let guarded = loose_regex(r"(?:^|[^\d])(?<y>\d{4})年", true);
        assert!(guarded.is_match("12019年"));
    }

    #[test]
    fn loosening_repeats_a_repetition_at_the_front_or_back_only_as_often_as_it_must() {
        // At the front, the last repeats of a match: the same ends.
        let r = loose_regex(r"(?<n>\d{1,3})\s+ans", true);
        assert_eq!(r.find("de 125 ans").map(|m| m.range()), Some(5..10));
        let years = loose_regex(r"(?<y>\d{2,4})年", true);
        assert_eq!(years.find("2019年").map(|m| m.range()), Some(2..7));
        assert!(!years.is_match("5年"), "two digits are still needed");
        // At the back, without ends, the first repeats.
        let r = loose_regex(r"n°\s?\d{2,}", false);
        assert_eq!(r.find("n° 1234").map(|m| m.range()), Some(0..6));
        assert!(!r.is_match("n° 1"));
    }

    #[test]
    fn a_front_whose_matches_end_with_a_match_of_its_own_becomes_a_class() {
        let hir = |p: &str| super::super::splice::translate(p, false).unwrap();
        // Each grouped number ends with a digit, which the pattern matches alone.
        let number = loosen(
            hir(r"(?<n>(?:\d{1,3}(?:[ .]\d{3})+|\d+)(?:,\d+)?)\s*euros"),
            true,
        );
        assert_eq!(number, hir(r"\d\s*euros"));
        // Words do not: "dix" ends with "x", which is not a word of its own.
        let words = loosen(hir(r"(?:dix|vingt|\d+)\s*euros"), true);
        assert_eq!(words, hir(r"(?:dix|vingt|\d)\s*euros"));
        // Nor does a part with an assertion after it.
        let bounded = loosen(hir(r"(?:\d+\b)\s*euros"), true);
        assert_eq!(bounded, hir(r"\d\b\s*euros"));
        let r = loose_regex(
            r"(?<n>(?:\d{1,3}(?:[ .]\d{3})+|\d+)(?:,\d+)?)\s*euros",
            true,
        );
        assert_eq!(r.find("1 234,50 euros").map(|m| m.range()), Some(7..14));
    }

    #[test]
    fn loosening_keeps_what_joins_the_parts_of_a_sequence() {
        // The optional end of a first part is kept: what follows must still follow it.
        let r = loose_regex(r"(?<a>x(?:yy)?)z", false);
        assert!(r.is_match("xyyz"));
        assert!(r.is_match("xz"));
        assert!(!r.is_match("xyy"));
        // So is the optional start of a last part.
        let r = loose_regex(r"a(?<b>(?:cc)?d)", true);
        assert!(r.is_match("accd"));
        assert!(!r.is_match("acc"));
    }

    #[test]
    fn loosening_widens_classes_of_letters_only() {
        let r = loose_regex(r"(?<n>\d+)\s+(?<unit>\p{L}+)", true);
        // Beyond ASCII, anything goes for a class of letters: "€" is no letter.
        assert_eq!(r.find("12 €€").map(|m| m.range()), Some(1..9));
        assert_eq!(r.find("12 élèves").map(|m| m.range()), Some(1..11));
        // Its ASCII part stays as it was, and so do small classes (`\s`, `\d`).
        assert!(!r.is_match("12 $$"));
        assert!(!r.is_match("12\u{2014}élèves"));
        assert!(!r.is_match("\u{0663}\u{2014}élèves"));
        assert!(r.is_match("\u{0663}\u{00a0}élèves"));
    }

    /// What the prefilter of every shipped group finds, on every rule's examples and the
    /// fixture articles: each pattern the rules' whole patterns find in a paragraph is found
    /// by the loosened ones, and for a rule searched only up to its last match's end (see
    /// [`crate::rules::Rule::cut_after_last_match`]) ending as late or later.
    #[test]
    fn shipped_prefilters_find_at_least_what_whole_patterns_find() {
        let rules = crate::rules::load(&crate::rules::RuleFiles::embedded()).unwrap();
        let mut groups: Vec<&crate::rules::RuleGroup> = rules.langs.values().collect();
        groups.push(&rules.common);
        for group in groups {
            let in_prefilter: Vec<_> = rules.prefilter_rules(group).collect();
            let mut texts: Vec<String> = group
                .rules
                .iter()
                .chain(&rules.common.rules)
                .flat_map(|r| r.examples.iter().map(|e| e.text.clone()))
                .collect();
            texts.extend(fixture_texts(&group.name));
            let hirs: Vec<_> = in_prefilter
                .iter()
                .map(|r| r.regex.hir().unwrap())
                .collect();
            let cut: Vec<bool> = in_prefilter
                .iter()
                .map(|r| r.cut_after_last_match)
                .collect();
            let whole = Prefilter::from_hirs(&hirs).unwrap();
            let loose = rules.build_prefilter(group).unwrap();
            let (mut wc, mut lc) = (whole.create_cache(), loose.create_cache());
            for text in &texts {
                for paragraph in text.lines() {
                    let found = loose.matches(&mut lc, paragraph);
                    for (p, end) in whole.matches(&mut wc, paragraph) {
                        assert!(
                            found.iter().any(|&(q, e)| q == p && (e >= end || !cut[p])),
                            "{}: pattern {p} (ending at {end}) not found in {paragraph:?}",
                            group.name
                        );
                    }
                }
            }
        }
    }
}
