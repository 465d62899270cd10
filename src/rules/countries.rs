//! Country names per language, from `countries.csv` (generated from CLDR; see
//! `rules/countries.README.md`), and the matchers that find them.
//!
//! A document in language L is searched for L's names and for English names. Matchers are
//! built the first time a language is needed and shared by all workers.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use foldhash::HashMap as FastMap;
use regex_automata::Input;
use regex_automata::meta::{self, Regex};

use super::RuleError;
use super::caches::CachePool;
use super::compile::build_regex;
use super::lexicon::lowercase_already;
use crate::fact::CountryForm;

/// One row of `countries.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryName {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    /// ISO 639-1 language of the name.
    pub lang: String,
    /// The text to match.
    pub name: String,
    /// How the name names the country.
    pub form: CountryForm,
    /// The rule id records carry: `<lang>.country.<form>`.
    pub rule_id: String,
}

/// Finds country names in one language's text: one automaton over every name, names with
/// an uppercase letter exact, lowercase names in any case.
#[derive(Debug)]
pub struct CountryMatcher {
    regex: Option<Regex>,
    exact_names: FastMap<String, usize>,
    folded_names: FastMap<String, usize>,
}

impl CountryMatcher {
    fn build(names: &[CountryName], rows: &[usize]) -> CountryMatcher {
        let mut exact_names = FastMap::default();
        let mut folded_names = FastMap::default();
        for &i in rows {
            let name = &names[i].name;
            if name.chars().any(char::is_uppercase) {
                exact_names.insert(name.clone(), i);
            } else {
                folded_names.insert(name.to_lowercase(), i);
            }
        }
        let mut alts: Vec<(&str, bool)> = exact_names
            .keys()
            .map(|n| (n.as_str(), false))
            .chain(folded_names.keys().map(|n| (n.as_str(), true)))
            .collect();
        // Longest first, so the leftmost match at a position is the longest name.
        alts.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.cmp(b)));
        let pattern: Vec<String> = alts
            .iter()
            .map(|(n, folded)| {
                if *folded {
                    format!("(?i:{})", regex::escape(n))
                } else {
                    regex::escape(n)
                }
            })
            .collect();
        let regex = if pattern.is_empty() {
            None
        } else {
            build_regex(&pattern.join("|"), false).ok()
        };
        CountryMatcher {
            regex,
            exact_names,
            folded_names,
        }
    }

    /// Every candidate `(start, end, row)` in byte offsets, in text order, searched with
    /// `cache` (created on first use); `accept` decides (word boundaries) and may reject a
    /// match, in which case the search goes on one character later.
    fn candidates(
        &self,
        cache: &mut Option<meta::Cache>,
        text: &str,
        mut accept: impl FnMut(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let Some(re) = &self.regex else {
            return out;
        };
        let cache = cache.get_or_insert_with(|| re.create_cache());
        let mut pos = 0;
        while pos <= text.len() {
            let input = Input::new(text).span(pos..text.len());
            let Some(m) = re.search_with(cache, &input) else {
                break;
            };
            let found = &text[m.range()];
            let row = self.exact_names.get(found).or_else(|| {
                if lowercase_already(found) {
                    self.folded_names.get(found)
                } else {
                    self.folded_names.get(&found.to_lowercase())
                }
            });
            if let (Some(&row), true) = (row, accept(m.start(), m.end())) {
                out.push((m.start(), m.end(), row));
                pos = m.end().max(m.start() + 1);
            } else {
                pos = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
            }
        }
        out
    }
}

/// All country names and lazily built per-language matchers.
#[derive(Debug, Default)]
pub struct Countries {
    names: Vec<CountryName>,
    by_lang: BTreeMap<String, Vec<usize>>,
    /// Per language: the index of its search caches in `caches`, and its matcher.
    matchers: BTreeMap<String, (usize, OnceLock<CountryMatcher>)>,
    /// The matchers' search caches, lent to the workers (see [`super::caches`]).
    caches: CachePool<Option<meta::Cache>>,
    fips: HashMap<String, String>,
}

impl Countries {
    /// Parses `countries.csv` (`code,lang,name,form[,fips]`).
    pub fn parse(csv_text: &str) -> Result<Countries, Vec<RuleError>> {
        let file = "countries.csv";
        let err = |line: Option<usize>, message: String| RuleError {
            file: file.to_owned(),
            line,
            rule_id: None,
            message,
        };
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return Err(vec![err(Some(1), e.to_string())]),
        };
        let col = |name: &str| headers.iter().position(|h| h == name);
        let (Some(c_code), Some(c_lang), Some(c_name), Some(c_form)) =
            (col("code"), col("lang"), col("name"), col("form"))
        else {
            return Err(vec![err(
                Some(1),
                "header must name the columns code, lang, name, form (and optionally fips)".into(),
            )]);
        };
        let c_fips = col("fips");
        let mut countries = Countries::default();
        let mut errors = Vec::new();
        for record in reader.records() {
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push(err(e.position().map(|p| p.line() as usize), e.to_string()));
                    continue;
                }
            };
            let line = record.position().map(|p| p.line() as usize);
            let get = |i: usize| record.get(i).unwrap_or("").trim();
            let code = get(c_code);
            let form_text = get(c_form);
            let Some(form) = CountryForm::parse(form_text) else {
                errors.push(err(
                    line,
                    format!("unknown form {form_text:?} (known: name, short, demonym, capital)"),
                ));
                continue;
            };
            if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
                errors.push(err(
                    line,
                    format!("code {code:?} is not an ISO 3166-1 alpha-2 code"),
                ));
                continue;
            }
            let lang = get(c_lang).to_owned();
            let name = get(c_name).to_owned();
            if name.is_empty() || lang.is_empty() {
                errors.push(err(line, "empty name or lang".into()));
                continue;
            }
            if let Some(f) = c_fips.map(get).filter(|f| !f.is_empty()) {
                countries.fips.insert(code.to_owned(), f.to_owned());
            }
            let i = countries.names.len();
            countries.by_lang.entry(lang.clone()).or_default().push(i);
            countries.names.push(CountryName {
                code: code.to_owned(),
                rule_id: format!("{lang}.country.{}", form.as_str()),
                lang,
                name,
                form,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        countries.matchers = countries
            .by_lang
            .keys()
            .enumerate()
            .map(|(i, l)| (l.clone(), (i, OnceLock::new())))
            .collect();
        Ok(countries)
    }

    /// The row at an index returned by a matcher.
    pub fn name(&self, row: usize) -> &CountryName {
        &self.names[row]
    }

    /// The FIPS 10-4 code of a country, when known.
    pub fn fips(&self, code: &str) -> Option<&str> {
        self.fips.get(code).map(String::as_str)
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no names at all.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Every country name in `text`, a document in `lang` (its names plus English names), as
    /// `(start, end, row)` in byte offsets and text order; `accept` decides (word boundaries)
    /// and may reject a match, in which case the search goes on one character later.
    pub fn candidates(
        &self,
        lang: &str,
        text: &str,
        accept: impl FnMut(usize, usize) -> bool,
    ) -> Vec<(usize, usize, usize)> {
        let Some((index, matcher)) = self.matcher(lang) else {
            return Vec::new();
        };
        matcher.candidates(&mut self.caches.take(index), text, accept)
    }

    /// Whose names documents in `lang` are matched with: its own, else English's.
    fn key<'l>(&self, lang: &'l str) -> &'l str {
        if self.matchers.contains_key(lang) {
            lang
        } else {
            "en"
        }
    }

    /// The matcher for documents in `lang` and the index of its caches. `None` when there
    /// are no names at all.
    fn matcher(&self, lang: &str) -> Option<(usize, &CountryMatcher)> {
        let key = self.key(lang);
        let (index, cell) = self.matchers.get(key)?;
        Some((
            *index,
            cell.get_or_init(|| {
                // English first so the document language's names win a clash.
                let mut rows: Vec<usize> = Vec::new();
                if key != "en" {
                    rows.extend(self.by_lang.get("en").into_iter().flatten());
                }
                rows.extend(self.by_lang.get(key).into_iter().flatten());
                CountryMatcher::build(&self.names, &rows)
            }),
        ))
    }

    /// Builds the matcher for documents in `lang` now (a benchmark warms them up this way).
    pub fn prepare(&self, lang: &str) {
        let _ = self.matcher(lang);
    }

    /// Whether the matcher for documents in `lang` is built (or there is none to build).
    pub fn is_prepared(&self, lang: &str) -> bool {
        self.matchers
            .get(self.key(lang))
            .is_none_or(|(_, cell)| cell.get().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "code,lang,name,form,fips\nKP,fr,Corée du Nord,name,KN\nKP,fr,nord-coréens,demonym,KN\nJP,en,Japan,name,JA\n";

    #[test]
    fn parses_rows_and_fips() {
        let c = Countries::parse(CSV).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.fips("KP"), Some("KN"));
    }

    #[test]
    fn french_matcher_includes_english_names_and_folds_lowercase_names() {
        let c = Countries::parse(CSV).unwrap();
        let text = "La Corée du Nord, les Nord-Coréens et Japan.";
        let mut found: Vec<_> = c
            .candidates("fr", text, |_, _| true)
            .into_iter()
            .map(|(s, e, r)| (&text[s..e], c.name(r).code.as_str()))
            .collect();
        found.sort_unstable();
        assert_eq!(
            found,
            vec![
                ("Corée du Nord", "KP"),
                ("Japan", "JP"),
                ("Nord-Coréens", "KP")
            ]
        );
    }

    #[test]
    fn capitalized_names_are_case_sensitive() {
        let c = Countries::parse(CSV).unwrap();
        assert!(c.candidates("en", "japan", |_, _| true).is_empty());
    }

    #[test]
    fn bad_rows_are_reported_with_lines() {
        let errs =
            Countries::parse("code,lang,name,form\nkp,fr,X,name\nKP,fr,Y,city\n").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0].line, Some(2));
        assert!(errs[1].message.contains("city"));
    }
}
