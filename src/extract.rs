//! Extraction: a [`RuleSet`] applied to a document's text gives facts with character spans.
//!
//! For a document in language L this runs L's rules (when L has a rule set) and the common
//! rules, then the country names of L and English. Word boundaries are checked here, outside
//! the regexes: the regex crate's fast engines cannot handle Unicode `\b` on non-ASCII text,
//! so rule patterns do without and stay fast (see DESIGN.md, performance traps). Scripts
//! written without spaces (Han, kana, Hangul particles, Thai …) have no word boundaries.
//!
//! Overlaps are resolved so that one stretch of text yields one record: among dates, amounts
//! and counts, the higher priority wins (amount 40 > date 30 > count 10 by default), then the
//! longer match, then the earlier one. Country mentions are resolved among themselves (the
//! longest name wins), since "les Japonais" is both a count's noun and a country mention.

use std::collections::BTreeMap;

use regex_automata::util::iter::Searcher;
use regex_automata::{Anchored, Input, PatternID, Span};

use crate::fact::{CountryFact, Extracted, Fact, FactKind};
use crate::normalize::date::Ymd;
use crate::normalize::{Context, Groups, normalize};
use crate::rules::{GroupCaches, Rule, RuleCache, RuleGroup, RuleSet};

/// A candidate that did not become a record, and why (for `explain`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Start, in characters.
    pub start: usize,
    /// End, in characters, exclusive.
    pub end: usize,
    /// The matched text.
    pub text: String,
    /// The rule that matched.
    pub rule_id: String,
    /// Why it was dropped.
    pub reason: String,
}

/// The result of extracting one text.
#[derive(Clone, Debug, Default)]
pub struct Extraction {
    /// Accepted facts, sorted by start, end, kind, rule id.
    pub facts: Vec<Extracted>,
    /// Dropped candidates (only collected when asked for).
    pub rejected: Vec<Rejection>,
}

/// The name of the rule set applied to a language: the language code, or `common` when the
/// language has no rules of its own.
pub fn rule_set_name<'a>(rules: &'a RuleSet, lang: Option<&str>) -> &'a str {
    lang.and_then(|l| rules.langs.get_key_value(l))
        .map_or("common", |(k, _)| k.as_str())
}

/// Word characters for boundary checks: letters, digits and combining marks of scripts
/// written with spaces (a Devanagari vowel sign or an Arabic haraka is inside a word).
fn is_word(c: char) -> bool {
    match c {
        // ASCII letters and digits, and blocks of letters only of the alphabets most
        // articles are written in: no search of the Unicode tables for them (the test below
        // checks every character).
        '0'..='9'
        | 'a'..='z'
        | 'A'..='Z'
        | '\u{c0}'..='\u{d6}'
        | '\u{d8}'..='\u{f6}'
        | '\u{f8}'..='\u{2af}'
        | '\u{400}'..='\u{481}'
        | '\u{48a}'..='\u{52f}'
        | '\u{620}'..='\u{64a}'
        | '\u{905}'..='\u{939}'
        | '\u{1e00}'..='\u{1eff}' => true,
        '\0'..='\x7f' => false,
        _ => is_word_by_tables(c),
    }
}

/// [`is_word`] from the Unicode tables.
fn is_word_by_tables(c: char) -> bool {
    !is_unspaced(c) && (c.is_alphanumeric() || is_mark(c))
}

/// Combining marks (and the Persian zero-width non-joiner) that occur inside words.
fn is_mark(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F      // combining diacritics
        | 0x0483..=0x0489    // Cyrillic
        | 0x0591..=0x05C7    // Hebrew points
        | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED // Arabic
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963 // Devanagari
        | 0x0981..=0x0983 | 0x09BC..=0x09D7 // Bengali
        | 0x0A01..=0x0A03 | 0x0A3C..=0x0A51 | 0x0A70..=0x0A71 // Gurmukhi
        | 0x0A81..=0x0A83 | 0x0ABC..=0x0ACD // Gujarati
        | 0x0B01..=0x0B03 | 0x0B3C..=0x0B57 // Oriya
        | 0x0B82 | 0x0BBE..=0x0BCD          // Tamil
        | 0x0C00..=0x0C04 | 0x0C3E..=0x0C56 // Telugu
        | 0x0C81..=0x0C83 | 0x0CBC..=0x0CD6 // Kannada
        | 0x0D00..=0x0D03 | 0x0D3B..=0x0D57 // Malayalam
        | 0x0D81..=0x0D83 | 0x0DCA..=0x0DDF // Sinhala
        | 0x200C..=0x200D) // zero-width (non-)joiner
}

fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables (particles attach to nouns)
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x2FFFF) // CJK extensions
}

/// Whether `text[start..end]` starts and ends at word boundaries.
pub fn at_boundaries(text: &str, start: usize, end: usize) -> bool {
    start_ok(text, start) && end_ok(text, end)
}

/// A candidate in byte offsets.
#[derive(Clone, Debug)]
pub struct Candidate<'r> {
    /// Byte start.
    pub start: usize,
    /// Byte end.
    pub end: usize,
    /// The rule.
    pub rule: &'r Rule,
    /// The normalized fact.
    pub fact: Fact,
}

/// A rejected candidate in byte offsets.
#[derive(Clone, Debug)]
pub struct ByteRejection<'r> {
    /// Byte start.
    pub start: usize,
    /// Byte end.
    pub end: usize,
    /// The rule id.
    pub rule_id: &'r str,
    /// Why.
    pub reason: String,
}

fn next_char(text: &str, pos: usize) -> usize {
    pos + text[pos..].chars().next().map_or(1, char::len_utf8)
}

/// Runs one rule over a text: every match at word boundaries, normalized.
pub fn match_rule<'r>(
    rule: &'r Rule,
    cx: &Context<'_>,
    text: &str,
    accepted: &mut Vec<Candidate<'r>>,
    mut rejected: Option<&mut Vec<ByteRejection<'r>>>,
) {
    let mut found = Vec::new();
    let mut caches = GroupCaches::default();
    scan_rule_in(
        rule,
        (0, 0),
        &mut caches,
        text,
        0..text.len(),
        &mut found,
        rejected.as_deref_mut(),
    );
    for m in found {
        match m.normalize(text, cx, &mut caches) {
            Ok(c) => accepted.push(c),
            Err(r) => {
                if let Some(rejected) = rejected.as_deref_mut() {
                    rejected.push(r);
                }
            }
        }
    }
}

/// A match at word boundaries, not normalized yet. Normalizing needs the rule's capture
/// groups, which cost more to find than the match itself; most matches lose an overlap, so
/// [`extract`] normalizes only the ones that can still win.
#[derive(Clone, Debug)]
pub struct RawMatch<'r> {
    /// The rule.
    pub rule: &'r Rule,
    /// Which context normalizes it (index into the groups [`extract`] applies).
    group: usize,
    /// Its index in its group (the key of its search cache).
    rule_index: usize,
    /// The regex match, as found (before trimming whitespace).
    found: (usize, usize),
    /// The end of the haystack it was found in.
    limit: usize,
    /// The spans of its capture groups, in group order, when finding it needed them (rules
    /// with a `fact` group). Plain spans: keeping the capture slots themselves would share
    /// the regex's group names across threads, one atomic count per match.
    group_spans: Option<Vec<Option<Span>>>,
    /// The span of the fact (the `fact` group, else the match without surrounding spaces).
    pub start: usize,
    /// End of that span.
    pub end: usize,
}

impl<'r> RawMatch<'r> {
    /// Finds the capture groups (with the caches of its group) and normalizes them.
    fn normalize(
        &self,
        text: &str,
        cx: &Context<'_>,
        caches: &mut GroupCaches,
    ) -> Result<Candidate<'r>, ByteRejection<'r>> {
        let rule = self.rule;
        // Scanning found this match, so the regex is built.
        let regex = rule.regex.get().map_err(|e| ByteRejection {
            start: self.start,
            end: self.end,
            rule_id: &rule.id,
            reason: e.to_owned(),
        })?;
        let mut groups = Groups::default();
        let names = regex.group_info().pattern_names(PatternID::ZERO);
        if let Some(spans) = &self.group_spans {
            for (name, span) in names.zip(spans) {
                if let (Some(name), Some(span)) = (name, span) {
                    groups.push(name, &text[span.start..span.end]);
                }
            }
        } else {
            // Anchored on the span found: the match preferred there is the one found, since
            // every match the search could prefer ends inside it, and assertions still see
            // the text around the span. This skips finding the span again.
            let input = Input::new(&text[..self.limit])
                .span(self.found.0..self.found.1)
                .anchored(Anchored::Yes);
            let RuleCache { cache, captures } = caches.rule_and_captures(self.rule_index, regex);
            regex.search_captures_with(cache, &input, captures);
            debug_assert_eq!(
                captures.get_match().map(|m| (m.start(), m.end())),
                Some(self.found),
                "{}",
                rule.id
            );
            for (i, name) in names.enumerate() {
                if let (Some(name), Some(span)) = (name, captures.get_group(i)) {
                    groups.push(name, &text[span.start..span.end]);
                }
            }
        }
        for (k, v) in &rule.set {
            groups.push(k, v);
        }
        match normalize(rule.kind, &groups, cx) {
            Ok(fact) => Ok(Candidate {
                start: self.start,
                end: self.end,
                rule,
                fact,
            }),
            Err(reason) => Err(ByteRejection {
                start: self.start,
                end: self.end,
                rule_id: &rule.id,
                reason,
            }),
        }
    }
}

/// Paragraphs (lines) of a text, as byte ranges without their newline. Facts never span
/// paragraphs, so rules can be selected per paragraph.
fn paragraphs(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let mut start = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let range = start..start + line.trim_end_matches('\n').len();
        start += line.len();
        (!range.is_empty()).then_some(range)
    })
}

/// Calls `f` for each paragraph and each rule of `groups` (see [`RuleSet::groups_for`]) that
/// matches somewhere in it, with the group's place in `groups`, its caches, and the rule's
/// index in the group; the groups in order, each group's rules paragraph by paragraph. The
/// prefilter of the first group, which has the patterns of all of them (see
/// [`RuleSet::prefilter`]), runs over every paragraph first, with its shared cache (see
/// [`crate::rules::caches`]) locked once for the whole text; while another worker has it,
/// `meanwhile` is called (see [`crate::rules::CachePool::with_shared`]).
fn for_each_matching_rule<'r>(
    rules: &RuleSet,
    groups: &[&'r RuleGroup],
    caches: &mut [&mut GroupCaches],
    meanwhile: &mut dyn FnMut() -> bool,
    text: &str,
    mut f: impl FnMut(usize, &mut GroupCaches, usize, &'r Rule, std::ops::Range<usize>),
) {
    let Some(prefilter) = rules.prefilter(groups[0]) else {
        for (g, group) in groups.iter().enumerate() {
            for (i, rule) in group.rules.iter().enumerate() {
                f(g, caches[g], i, rule, 0..text.len());
            }
        }
        return;
    };
    // (paragraph, pattern, the largest end of its matches there)
    let mut hits: Vec<(std::ops::Range<usize>, usize, usize)> = Vec::new();
    let scan = |cache: &mut crate::rules::PrefilterCache| {
        let mut scratch = Vec::new();
        for range in paragraphs(text) {
            prefilter.for_each_match(cache, &text[range.clone()], &mut scratch, |p, end| {
                hits.push((range.clone(), p, end));
            });
        }
    };
    rules.caches.with_shared(
        groups[0].index,
        || prefilter.create_cache(),
        meanwhile,
        scan,
    );
    // The prefilter's patterns are the groups' rules, group after group.
    let mut first = 0;
    for (g, group) in groups.iter().enumerate() {
        let patterns = first..first + group.rules.len();
        first = patterns.end;
        for (range, p, last_end) in hits.iter().filter(|h| patterns.contains(&h.1)) {
            let i = p - patterns.start;
            let rule = &group.rules[i];
            if rule.cut_after_last_match {
                f(g, caches[g], i, rule, range.start..range.start + last_end);
            } else {
                f(g, caches[g], i, rule, range.clone());
            }
        }
    }
}

/// Finds the matches of one rule in `range` of a text that start and end at word
/// boundaries (checked against the whole text).
fn scan_rule_in<'r>(
    rule: &'r Rule,
    (group, rule_index): (usize, usize),
    caches: &mut GroupCaches,
    text: &str,
    range: std::ops::Range<usize>,
    found: &mut Vec<RawMatch<'r>>,
    mut rejected: Option<&mut Vec<ByteRejection<'r>>>,
) {
    // A rule whose regex cannot be built finds nothing; `RuleSet::late_errors` reports it.
    let Ok(regex) = rule.regex.get() else {
        return;
    };
    let RuleCache { cache, captures } = caches.rule_and_captures(rule_index, regex);
    let end = range.end;
    let mut pos = range.start;
    let fact_group = rule
        .has_fact_group
        .then(|| regex.group_info().to_index(PatternID::ZERO, "fact"))
        .flatten();
    let mut caps = fact_group.map(|_| captures);
    // `limit` shortens the haystack when a match ends inside a word, so that the regex
    // tries a shorter match from the same place ("$5 more" → "$5", not "$5 m").
    let mut limit = end;
    while pos <= limit {
        let input = Input::new(&text[..limit]).span(pos..limit);
        let hit = match caps.as_mut() {
            // Rules with a `fact` group need its span now, to resolve overlaps.
            Some(caps) => {
                regex.search_captures_with(cache, &input, caps);
                caps.get_match()
            }
            None => regex.search_with(cache, &input),
        };
        let Some(whole) = hit else {
            if limit < end {
                pos = next_char(text, pos);
                limit = end;
                continue;
            }
            break;
        };
        let (ws, we) = trim_span(text, whole.start(), whole.end());
        if ws >= we {
            pos = next_char(text, whole.start().max(pos));
            limit = end;
            continue;
        }
        if !start_ok(text, ws) {
            if let Some(r) = rejected.as_deref_mut() {
                r.push(ByteRejection {
                    start: ws,
                    end: we,
                    rule_id: &rule.id,
                    reason: "does not start at a word boundary".into(),
                });
                pos = next_char(text, ws);
            } else {
                // No match starting further inside this word starts at a boundary either
                // (`explain` reports each of them, so it goes one character on).
                pos = word_end(text, ws);
            }
            limit = end;
            continue;
        }
        if !end_ok(text, we) {
            let cut = word_start(text, we);
            if cut > ws {
                limit = cut;
                pos = ws;
                continue;
            }
            if let Some(r) = rejected.as_deref_mut() {
                r.push(ByteRejection {
                    start: ws,
                    end: we,
                    rule_id: &rule.id,
                    reason: "does not end at a word boundary".into(),
                });
            }
            pos = next_char(text, ws);
            limit = end;
            continue;
        }
        let (fs, fe) = fact_group
            .zip(caps.as_ref())
            .and_then(|(i, caps)| caps.get_group(i))
            .map_or((ws, we), |span| trim_span(text, span.start, span.end));
        let group_spans = caps
            .as_ref()
            .map(|caps| (0..caps.group_len()).map(|i| caps.get_group(i)).collect());
        found.push(RawMatch {
            rule,
            group,
            rule_index,
            found: (whole.start(), whole.end()),
            limit,
            group_spans,
            start: fs,
            end: fe,
        });
        pos = we;
        limit = end;
    }
}

/// Shrinks a span to exclude surrounding whitespace.
fn trim_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    (start + lead, (end - trail).max(start + lead))
}

fn start_ok(text: &str, start: usize) -> bool {
    match (
        text[start..].chars().next(),
        text[..start].chars().next_back(),
    ) {
        (Some(a), Some(b)) => !(is_word(a) && is_word(b)),
        _ => true,
    }
}

fn end_ok(text: &str, end: usize) -> bool {
    match (text[..end].chars().next_back(), text[end..].chars().next()) {
        (Some(a), Some(b)) => !(is_word(a) && is_word(b)),
        _ => true,
    }
}

/// The end of the word run that starts at byte `pos`.
fn word_end(text: &str, pos: usize) -> usize {
    text[pos..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(text.len(), |(i, _)| pos + i)
}

/// The start of the word run that contains byte `pos` (a match ending mid-word).
fn word_start(text: &str, pos: usize) -> usize {
    let mut start = pos;
    for (i, c) in text[..pos].char_indices().rev() {
        if !is_word(c) {
            break;
        }
        start = i;
    }
    start
}

fn context(group: &RuleGroup, anchor: Option<Ymd>) -> Context<'_> {
    Context {
        lexicon: &group.lexicon,
        number_format: group.number_format,
        anchor,
    }
}

/// Keeps non-overlapping matches, best first, normalizing each one that can still win; a
/// match that fails to normalize leaves its place to the next best. Returns (kept, dropped
/// with reason). With `explain`, every match is normalized first, so that each dropped one is
/// reported with the reason that applies to it alone (failed normalization, or the overlap
/// it lost); the records are the same either way.
fn resolve<'r>(
    text: &str,
    matches: &[RawMatch<'r>],
    contexts: &[Context<'_>],
    caches: &mut [&mut GroupCaches],
    explain: bool,
) -> (Vec<Candidate<'r>>, Vec<ByteRejection<'r>>) {
    let mut dropped = Vec::new();
    // With `explain`, every match normalized up front (`None`: it failed, and is out).
    let mut normalized: Vec<Option<Candidate<'r>>> = Vec::new();
    if explain {
        normalized.extend(matches.iter().map(|m| {
            m.normalize(text, &contexts[m.group], caches[m.group])
                .map_err(|r| dropped.push(r))
                .ok()
        }));
    }
    // Best first. Longer means more characters, not more bytes ("día 9" is not longer than
    // "9 Mayo"). The matches stay where they are: only their keys are sorted.
    let mut order: Vec<_> = matches
        .iter()
        .enumerate()
        .filter(|(i, _)| !explain || normalized[*i].is_some())
        .map(|(i, m)| {
            let key = (
                std::cmp::Reverse(m.rule.priority),
                std::cmp::Reverse(text[m.start..m.end].chars().count()),
                m.start,
                m.rule.id.as_str(),
            );
            (key, i)
        })
        .collect();
    order.sort_unstable();
    // Accepted spans by start; spans never overlap, so a neighbour check suffices.
    let mut taken: BTreeMap<usize, (usize, &str)> = BTreeMap::new();
    let mut kept = Vec::new();
    for (_, i) in order {
        let m = &matches[i];
        let before = taken.range(..m.end).next_back();
        let clash = before.filter(|(s, (e, _))| **s < m.end && *e > m.start);
        if let Some((_, (_, winner))) = clash {
            if explain {
                dropped.push(ByteRejection {
                    start: m.start,
                    end: m.end,
                    rule_id: &m.rule.id,
                    reason: format!("overlaps {winner}, which has a higher priority or is longer"),
                });
            }
            continue;
        }
        let c = match normalized.get_mut(i).and_then(Option::take) {
            Some(c) => c,
            None => match m.normalize(text, &contexts[m.group], caches[m.group]) {
                Ok(c) => c,
                Err(_) => continue,
            },
        };
        taken.insert(c.start, (c.end, &c.rule.id));
        kept.push(c);
    }
    (kept, dropped)
}

/// Converts byte offsets to character offsets in one pass.
struct CharIndex {
    /// `(byte, char)` pairs sorted by byte.
    map: Vec<(usize, usize)>,
}

impl CharIndex {
    fn new(text: &str, mut bytes: Vec<usize>) -> CharIndex {
        bytes.sort_unstable();
        bytes.dedup();
        let mut map = Vec::with_capacity(bytes.len());
        let mut chars = 0;
        let mut last = 0;
        for b in bytes {
            chars += text[last..b].chars().count();
            last = b;
            map.push((b, chars));
        }
        CharIndex { map }
    }

    fn get(&self, b: usize) -> usize {
        self.map
            .binary_search_by_key(&b, |&(byte, _)| byte)
            .map_or(0, |i| self.map[i].1)
    }
}

/// Extracts the facts of a text in a language (`None`: common rules and English countries).
pub fn extract(
    rules: &RuleSet,
    lang: Option<&str>,
    text: &str,
    anchor: Option<Ymd>,
    explain: bool,
) -> Extraction {
    extract_with(rules, lang, text, anchor, explain, &mut || false)
}

/// [`extract`], calling `meanwhile` (some other work, one piece at a time, `false` when
/// there is none) while another worker searches with a prefilter cache this one needs.
pub fn extract_with(
    rules: &RuleSet,
    lang: Option<&str>,
    text: &str,
    anchor: Option<Ymd>,
    explain: bool,
    meanwhile: &mut dyn FnMut() -> bool,
) -> Extraction {
    let mut matches = Vec::new();
    let mut rejected_bytes = Vec::new();
    let groups = rules.groups_for(lang);
    let contexts: Vec<Context<'_>> = groups.iter().map(|g| context(g, anchor)).collect();
    let mut lent: Vec<_> = groups.iter().map(|g| rules.caches.take(g.index)).collect();
    let mut caches: Vec<&mut GroupCaches> = lent.iter_mut().map(|l| &mut **l).collect();
    for_each_matching_rule(
        rules,
        &groups,
        &mut caches,
        meanwhile,
        text,
        |g, caches, rule_index, rule, range| {
            scan_rule_in(
                rule,
                (g, rule_index),
                caches,
                text,
                range,
                &mut matches,
                explain.then_some(&mut rejected_bytes),
            );
        },
    );
    let (kept, dropped) = resolve(text, &matches, &contexts, &mut caches, explain);
    drop(caches);
    drop(lent);
    rejected_bytes.extend(dropped);

    // Countries: longest name first, among countries only.
    let mut countries: Vec<(usize, usize, usize)> =
        rules
            .countries
            .candidates(lang.unwrap_or("en"), text, |s, e| at_boundaries(text, s, e));
    countries.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut country_kept = Vec::new();
    for (s, e, row) in countries {
        let clash = taken
            .range(..e)
            .next_back()
            .is_some_and(|(ts, te)| *ts < e && *te > s);
        if !clash {
            taken.insert(s, e);
            country_kept.push((s, e, row));
        }
    }

    let mut offsets: Vec<usize> = Vec::new();
    offsets.extend(kept.iter().flat_map(|c| [c.start, c.end]));
    offsets.extend(country_kept.iter().flat_map(|c| [c.0, c.1]));
    offsets.extend(rejected_bytes.iter().flat_map(|r| [r.start, r.end]));
    let index = CharIndex::new(text, offsets);

    // Facts in text order: their keys are sorted, and each fact is built in its place (facts
    // are large, and moving them around while sorting cost more than building them).
    let mut order: Vec<_> = kept
        .iter()
        .map(|c| (c.start, c.end, c.fact.kind(), c.rule.id.as_str()))
        .chain(country_kept.iter().map(|&(s, e, row)| {
            let name = rules.countries.name(row);
            (s, e, FactKind::Country, name.rule_id.as_str())
        }))
        .enumerate()
        .map(|(i, key)| (key, i))
        .collect();
    order.sort_unstable();
    let mut kept: Vec<Option<Candidate<'_>>> = kept.into_iter().map(Some).collect();
    let facts: Vec<Extracted> = order
        .into_iter()
        .map(|((s, e, _, rule_id), i)| Extracted {
            start: index.get(s),
            end: index.get(e),
            text: text[s..e].to_owned(),
            rule_id: rule_id.to_owned(),
            fact: if let Some(c) = kept.get_mut(i) {
                c.take().expect("each fact is built once").fact
            } else {
                let name = rules.countries.name(country_kept[i - kept.len()].2);
                Fact::Country(CountryFact {
                    code: name.code.clone(),
                    form: name.form,
                })
            },
        })
        .collect();
    let mut rejected: Vec<Rejection> = rejected_bytes
        .into_iter()
        .map(|r| Rejection {
            start: index.get(r.start),
            end: index.get(r.end),
            text: text[r.start..r.end].to_owned(),
            rule_id: r.rule_id.to_owned(),
            reason: r.reason,
        })
        .collect();
    rejected.sort_by(|a, b| (a.start, a.end, &a.rule_id).cmp(&(b.start, b.end, &b.rule_id)));
    Extraction { facts, rejected }
}

/// Counts every raw match of the rules and country names that apply to a language, with
/// no normalization, overlap resolution or output: the "match floor" of the benchmark.
pub fn count_raw_matches(rules: &RuleSet, lang: Option<&str>, text: &str) -> usize {
    let mut n = 0;
    let groups = rules.groups_for(lang);
    let mut lent: Vec<_> = groups.iter().map(|g| rules.caches.take(g.index)).collect();
    let mut caches: Vec<&mut GroupCaches> = lent.iter_mut().map(|l| &mut **l).collect();
    for_each_matching_rule(
        rules,
        &groups,
        &mut caches,
        &mut || false,
        text,
        |_, caches, i, rule, range| {
            if let Ok(regex) = rule.regex.get() {
                let cache = caches.rule(i, regex);
                let mut matches = Searcher::new(Input::new(&text[range]));
                while matches
                    .advance(|input| Ok(regex.search_with(cache, input)))
                    .is_some()
                {
                    n += 1;
                }
            }
        },
    );
    n += rules
        .countries
        .candidates(lang.unwrap_or("en"), text, |_, _| true)
        .len();
    n
}

/// Countries in first-mention order, without repeats.
pub fn countries_in_order(facts: &[Extracted]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for f in facts {
        if let Fact::Country(c) = &f.fact
            && !seen.contains(&c.code.as_str())
        {
            seen.push(&c.code);
        }
    }
    seen
}

/// Counts facts per kind.
pub fn count_by_kind(facts: &[Extracted]) -> BTreeMap<FactKind, usize> {
    let mut m = BTreeMap::new();
    for f in facts {
        *m.entry(f.fact.kind()).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_prefilter_finds_the_common_rules_too() {
        let rules = crate::rules::load(&crate::rules::RuleFiles::embedded()).unwrap();
        let text = "Le 14 mai 2019, 120 salariés.\nPublié le 2019-05-14.";
        let ids = |lang: Option<&str>| -> Vec<String> {
            let facts = extract(&rules, lang, text, None, false).facts;
            facts.into_iter().map(|f| f.rule_id).collect()
        };
        // French documents: one prefilter for the French and the common rules.
        let french = ids(Some("fr"));
        assert!(
            french.iter().any(|id| id == "common.date.iso"),
            "{french:?}"
        );
        assert!(
            french.iter().any(|id| id.starts_with("fr.date.")),
            "{french:?}"
        );
        // A language without rules: the common group's own prefilter.
        let other = ids(Some("xx"));
        assert!(other.iter().any(|id| id == "common.date.iso"), "{other:?}");
        assert!(!other.iter().any(|id| id.starts_with("fr.")), "{other:?}");
    }

    #[test]
    fn boundaries_reject_glued_letters_but_not_cjk() {
        let t = "v2 min";
        assert!(!at_boundaries(t, 1, 6));
        let t = "在2019年";
        let s = t.find('2').unwrap();
        assert!(at_boundaries(t, s, s + 4));
        let t = "미국의 경제";
        assert!(at_boundaries(t, 0, "미국".len()));
    }

    /// Without `explain`, a match that starts inside a word skips the rest of that word;
    /// the records are those `explain` finds going one character on.
    #[test]
    fn matches_starting_inside_words_are_skipped_word_by_word() {
        let rules = crate::rules::load(&crate::rules::RuleFiles::embedded()).unwrap();
        let text = "Vol A380 salariés, x120 salariés puis 120 salariés. Réf2019 le 14 mai 2019,\n\
                    abc3 millions d'euros et 3 millions d'euros; COVID19 15 mai.";
        let quick = extract(&rules, Some("fr"), text, None, false);
        let explained = extract(&rules, Some("fr"), text, None, true);
        let facts = |e: &Extraction| {
            e.facts
                .iter()
                .map(|f| (f.start, f.end, f.rule_id.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(facts(&quick), facts(&explained));
        let texts: Vec<&str> = quick.facts.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "120 salariés",
                "14 mai 2019",
                "3 millions d'euros",
                "15 mai."
            ]
        );
        assert!(
            explained
                .rejected
                .iter()
                .any(|r| r.reason == "does not start at a word boundary"),
            "{:?}",
            explained.rejected
        );
    }

    #[test]
    fn word_characters_are_those_of_the_unicode_tables() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(
                is_word(c),
                (c.is_alphanumeric() || is_mark(c)) && !is_unspaced(c),
                "{c:?} U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn combining_marks_are_inside_words() {
        // "कल" (yesterday) must not match inside "टेक्निकल" or "कला".
        let t = "टेक्निकल";
        let s = t.find("कल").unwrap();
        assert!(!at_boundaries(t, s, t.len()));
        let t = "कला";
        assert!(!at_boundaries(t, 0, "कल".len()));
        assert!(at_boundaries("कल रात", 0, "कल".len()));
    }

    #[test]
    fn countries_are_listed_once_in_first_mention_order() {
        let rules = crate::rules::load(&crate::rules::RuleFiles::embedded()).unwrap();
        let text =
            "La France et l'Allemagne. Paris, Berlin, la France, 120 salariés, l'Italie, Rome.";
        let facts = extract(&rules, Some("fr"), text, None, false).facts;
        let mentions = facts.iter().filter(|f| f.fact.kind() == FactKind::Country);
        assert!(mentions.count() >= 6, "{facts:?}");
        assert!(facts.iter().any(|f| f.fact.kind() != FactKind::Country));
        assert_eq!(countries_in_order(&facts), ["FR", "DE", "IT"]);
    }

    #[test]
    fn char_index_counts_scalar_values() {
        let t = "été 2019";
        let i = CharIndex::new(t, vec![t.find('2').unwrap()]);
        assert_eq!(i.get(t.find('2').unwrap()), 4);
    }
}
