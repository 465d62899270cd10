//! Rule sets: loading, compiling and validating the rule files that drive extraction.
//!
//! Rules are data (`rules/` in the repo, embedded in the binary; `--rules DIR` at run time).
//! [`load()`] reads every file of a [`RuleFiles`] source, compiles every rule and collects
//! every problem ([`RuleError`], with file, line and rule id) instead of stopping at the
//! first; [`check`] runs each rule's inline examples. Both `run` and `rules check` use the
//! same code, so a rule set that passes the check is the one that runs.
//!
//! Layout of a rule folder:
//! ```text
//! common/lexicon.toml, common/*.toml   rules and words for every language
//! <lang>/lexicon.toml, <lang>/*.toml   one folder per ISO 639-1 language
//! countries.csv                        code,lang,name,form[,fips]
//! ```

pub mod caches;
pub mod check;
pub mod compile;
pub mod countries;
pub mod embedded;
pub mod lexicon;
pub mod load;
pub mod prefilter;
pub mod spec;
pub mod splice;

use std::collections::BTreeMap;
use std::fmt;

use std::sync::OnceLock;

use crate::fact::FactKind;
use crate::normalize::number::NumberFormat;
pub use caches::{CachePool, GroupCaches, RuleCache};
pub use compile::LazyRegex;
pub use countries::Countries;
pub use lexicon::Lexicon;
pub use load::{RuleFiles, load};
pub use prefilter::Prefilter;
pub use regex_automata::hybrid::dfa::Cache as PrefilterCache;

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, `<lang>.<kind>.<shape>`; appears in every record the rule produces.
    pub id: String,
    /// What it extracts.
    pub kind: FactKind,
    /// The pattern (placeholders expanded), compiled on first use.
    pub regex: LazyRegex,
    /// The pattern has a `fact` group (the span recorded, inside the match).
    pub has_fact_group: bool,
    /// The expanded pattern with its case flag, as the group's prefilter compiles it.
    pub set_pattern: String,
    /// The pattern has no assertion (`$`, `^`, `\b` …), so it finds the same matches in a
    /// paragraph cut after the last place the prefilter saw one of its matches end.
    pub cut_after_last_match: bool,
    /// Overlap priority: higher wins, then the longer match.
    pub priority: i32,
    /// Constant group values.
    pub set: Vec<(String, String)>,
    /// Inline examples.
    pub examples: Vec<Example>,
    /// Texts that must not match.
    pub counter_examples: Vec<String>,
    /// The file it came from, relative to the rule folder.
    pub file: String,
    /// Its line in that file.
    pub line: usize,
}

/// An inline example of a rule.
#[derive(Clone, Debug)]
pub struct Example {
    /// Text to match.
    pub text: String,
    /// Anchor for relative dates.
    pub published: Option<String>,
    /// Expected fields (`text` or CSV column names) and values.
    pub expect: Vec<(String, String)>,
}

/// The rules and lexicon of one language (or of `common`).
#[derive(Debug)]
pub struct RuleGroup {
    /// `common` or an ISO 639-1 code.
    pub name: String,
    /// Its place in the rule set (common first, then languages in code order): the key of
    /// its search caches in [`RuleSet::caches`].
    pub index: usize,
    /// The lexicon: common words extended by the language's.
    pub lexicon: Lexicon,
    /// How the language writes numbers.
    pub number_format: NumberFormat,
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// All rule patterns of the rules a document of the group gets in one automaton (see
    /// [`RuleSet::prefilter`]), built on first use; `None` if it is too large.
    pub prefilter: OnceLock<Option<Prefilter>>,
}

/// A whole compiled rule set.
#[derive(Debug)]
pub struct RuleSet {
    /// Rules for every language.
    pub common: RuleGroup,
    /// Rules per language code.
    pub langs: BTreeMap<String, RuleGroup>,
    /// Country names per language.
    pub countries: Countries,
    /// Where the rules came from (`embedded` or a folder).
    pub origin: String,
    /// Hash of every file's path and content.
    pub fingerprint: String,
    /// Hash of each file.
    pub file_fingerprints: BTreeMap<String, String>,
    /// The groups' search caches: the rules' lent to the workers, the prefilters' shared.
    pub caches: CachePool<GroupCaches, PrefilterCache>,
}

impl RuleSet {
    /// The rule groups a document in `lang` gets: its language's (when it has one), then the
    /// common one.
    pub fn groups_for(&self, lang: Option<&str>) -> Vec<&RuleGroup> {
        let own = lang.and_then(|l| self.lang(l));
        own.into_iter().chain([&self.common]).collect()
    }

    /// The prefilter of the documents whose first group (see [`RuleSet::groups_for`]) is
    /// `group`: its rules' patterns (loosened, see [`prefilter::loosen`]), followed by the
    /// common group's when `group` is a language's, in one automaton. Which of those rules can
    /// match in a paragraph is found in one pass, so each rule's own regex runs only where it
    /// may match; a language's documents get one pass, not one per group (the common rules
    /// alone cost a third of the pass of a language's; merged, they add little). Built the first time the group is
    /// used (it is the costliest part of a rule set to compile, and a run may not see every
    /// language); `None` if it is too large, and then every rule runs.
    pub fn prefilter<'g>(&self, group: &'g RuleGroup) -> Option<&'g Prefilter> {
        group
            .prefilter
            .get_or_init(|| self.build_prefilter(group))
            .as_ref()
    }

    /// Builds the automaton [`RuleSet::prefilter`] keeps for `group`, without keeping it
    /// (the `rules` benchmark times this).
    pub fn build_prefilter(&self, group: &RuleGroup) -> Option<Prefilter> {
        let hirs: Vec<_> = self
            .prefilter_rules(group)
            .map(|r| {
                let hir = r.regex.hir().ok()?;
                Some(prefilter::loosen(hir, r.cut_after_last_match))
            })
            .collect::<Option<_>>()?;
        Prefilter::from_hirs(&hirs)
    }

    /// The rules whose patterns the prefilter of `group` has, in pattern order: the group's,
    /// then the common group's when `group` is a language's.
    pub fn prefilter_rules<'g>(&'g self, group: &'g RuleGroup) -> impl Iterator<Item = &'g Rule> {
        let common = (group.index != self.common.index).then_some(&self.common);
        group
            .rules
            .iter()
            .chain(common.into_iter().flat_map(|c| &c.rules))
    }

    /// The rule group for a language, if there is one.
    pub fn lang(&self, code: &str) -> Option<&RuleGroup> {
        self.langs.get(code)
    }

    /// Fingerprint of the rule files that apply to documents in `lang` (see
    /// [`applicable_fingerprint`]).
    pub fn applicable_fingerprint(&self, lang: Option<&str>) -> String {
        applicable_fingerprint(&self.file_fingerprints, lang)
    }

    /// Builds now, on the current rayon pool, the automata extracting documents in `langs`
    /// needs for sure that are not built yet: the prefilters of their first groups (see
    /// [`RuleSet::prefilter`]), and their country matchers. Built on first use instead, by the
    /// first document of a language, they keep the other workers, which need them too,
    /// waiting. (Rule regexes stay built on first use: a corpus needs only some, and all of
    /// them would take a third more memory and CPU to build.)
    pub fn compile_for<'a>(&self, langs: impl IntoIterator<Item = Option<&'a str>>) {
        use rayon::prelude::*;
        enum Job<'r> {
            Prefilter(&'r RuleGroup),
            Countries(&'r str),
        }
        let langs: Vec<Option<&str>> = langs.into_iter().collect();
        if langs.is_empty() {
            return;
        }
        let mut groups: Vec<&RuleGroup> = langs.iter().map(|l| self.groups_for(*l)[0]).collect();
        groups.sort_unstable_by_key(|g| g.index);
        groups.dedup_by_key(|g| g.index);
        let mut jobs: Vec<Job<'_>> = groups
            .into_iter()
            .filter(|g| g.prefilter.get().is_none())
            .map(Job::Prefilter)
            .collect();
        jobs.extend(
            langs
                .iter()
                .map(|l| l.unwrap_or("en"))
                .filter(|code| !self.countries.is_prepared(code))
                .map(Job::Countries),
        );
        // One job per split: rayon otherwise hands each thread a run of jobs that no other
        // thread can take from, and one core idled while the other built the last prefilters
        // (2 threads, 20 languages: 294 → 224 ms).
        jobs.par_iter().with_max_len(1).for_each(|job| match job {
            Job::Prefilter(g) => {
                self.prefilter(g);
            }
            Job::Countries(code) => self.countries.prepare(code),
        });
    }

    /// Builds every rule's regex now (on the current rayon pool) and returns the ones that
    /// fail, located. Runs build a rule's regex on first use instead; `rules check` calls
    /// this so that a rule too large to compile is an error even if no example reaches it.
    pub fn compile_all(&self) -> Vec<RuleError> {
        use rayon::prelude::*;
        let rules: Vec<&Rule> = self.rules().collect();
        rules.par_iter().for_each(|r| {
            let _ = r.regex.get();
        });
        self.late_errors()
    }

    /// The rules whose regex failed to build when first needed, located. Such a rule finds
    /// nothing (loading parsed every pattern, so only the regex engine's size limit can
    /// make this happen); a run reports them in its notes.
    pub fn late_errors(&self) -> Vec<RuleError> {
        self.rules()
            .filter_map(|r| {
                r.regex.failed().map(|e| RuleError {
                    file: r.file.clone(),
                    line: Some(r.line),
                    rule_id: Some(r.id.clone()),
                    message: e.to_owned(),
                })
            })
            .collect()
    }

    /// Every rule, common first.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.common
            .rules
            .iter()
            .chain(self.langs.values().flat_map(|g| g.rules.iter()))
    }
}

/// Whether a rule file (path relative to the rule folder) can change the records of a
/// document in `lang`: its language folder, `common/` (rules, and the lexicon every language
/// extends) and `countries.csv`. Another language's files cannot.
pub fn applies_to(path: &str, lang: Option<&str>) -> bool {
    path == "countries.csv"
        || path.starts_with("common/")
        || lang.is_some_and(|l| {
            path.strip_prefix(l)
                .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// Fingerprint of the files among `files` (path → file fingerprint, as in `run.json`) that
/// apply to documents in `lang`. Equal fingerprints mean equal rules for those documents, so
/// their records can be kept; a language folder appearing or disappearing changes it.
pub fn applicable_fingerprint(files: &BTreeMap<String, String>, lang: Option<&str>) -> String {
    let mut h = blake3::Hasher::new();
    for (path, fp) in files.iter().filter(|(p, _)| applies_to(p, lang)) {
        h.update(path.as_bytes());
        h.update(&[0]);
        h.update(fp.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..16].to_owned()
}

/// A problem in a rule file, located for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// File, relative to the rule folder.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The rule concerned, when there is one.
    pub rule_id: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(id) = &self.rule_id {
            write!(f, ": rule {id}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// 1-based line of a byte offset.
#[allow(clippy::naive_bytecount)] // rule files are small
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_folder_applies_to_its_language_only() {
        assert!(applies_to("de/dates.toml", Some("de")));
        assert!(!applies_to("de/dates.toml", Some("fr")));
        assert!(!applies_to("del/dates.toml", Some("de")));
        assert!(!applies_to("de/dates.toml", None));
        assert!(applies_to("common/lexicon.toml", Some("fr")));
        assert!(applies_to("countries.csv", None));
    }

    #[test]
    fn editing_one_language_changes_only_its_fingerprint() {
        let mut files: BTreeMap<String, String> = [
            ("common/amounts.toml", "1"),
            ("countries.csv", "2"),
            ("de/dates.toml", "3"),
            ("fr/dates.toml", "4"),
        ]
        .into_iter()
        .map(|(p, f)| (p.to_owned(), f.to_owned()))
        .collect();
        let before = |l| applicable_fingerprint(&files, Some(l));
        let (de, fr, vi) = (before("de"), before("fr"), before("vi"));
        files.insert("de/dates.toml".into(), "5".into());
        assert_ne!(applicable_fingerprint(&files, Some("de")), de);
        assert_eq!(applicable_fingerprint(&files, Some("fr")), fr);
        files.insert("vi/dates.toml".into(), "6".into());
        assert_ne!(applicable_fingerprint(&files, Some("vi")), vi);
        files.insert("countries.csv".into(), "7".into());
        assert_ne!(applicable_fingerprint(&files, Some("fr")), fr);
    }
}
