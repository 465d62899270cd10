//! Lexicons: the word lists rules draw on (month names, magnitude words, currency names …).
//!
//! A lexicon file is TOML whose top-level keys are tables (`word = value`) or arrays of
//! words. A language's lexicon extends the common one. Lexicons serve two purposes: a
//! `{table}` placeholder in a pattern expands to an alternation of the table's words
//! (longest first, escaped), and a normalizer looks a matched word up to get its value.
//!
//! Case convention (the same as `countries.csv`): a word that contains an uppercase letter
//! matches exactly as written (`USD`, `M`); a lowercase word matches in any case.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use foldhash::HashMap;

/// A lexicon value: an integer (month number, power of ten …) or a string (ISO code …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexValue {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A word from a list, with no value.
    Unit,
}

impl LexValue {
    /// The integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            LexValue::Int(n) => Some(*n),
            LexValue::Str(s) => s.parse().ok(),
            LexValue::Unit => None,
        }
    }

    /// The string, if it is one (integers are rendered).
    pub fn as_string(&self) -> Option<String> {
        match self {
            LexValue::Int(n) => Some(n.to_string()),
            LexValue::Str(s) => Some(s.clone()),
            LexValue::Unit => None,
        }
    }
}

/// One lexicon table.
#[derive(Clone, Debug, Default)]
pub struct Table {
    entries: Vec<(String, LexValue)>,
    exact: HashMap<String, usize>,
    folded: HashMap<String, usize>,
    /// [`Table::alternation`], written once: many rules of a language use the same table.
    alternation: OnceLock<String>,
}

/// Canonical form of a word or matched text for lookup: whitespace runs become one space,
/// typographic apostrophes become `'`.
pub fn canonical(s: &str) -> Cow<'_, str> {
    // Most matched words are canonical already: no copy for them.
    let already = s.trim().len() == s.len()
        && !s.contains(['\u{2019}', '\u{2bc}'])
        && !s
            .chars()
            .zip(s.chars().skip(1))
            .any(|(a, b)| a.is_whitespace() && (a != ' ' || b.is_whitespace()));
    if already {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(if c == '\u{2019}' || c == '\u{2bc}' {
            '\''
        } else {
            c
        });
    }
    Cow::Owned(out)
}

/// Whether `str::to_lowercase` would return `s` unchanged.
pub(crate) fn lowercase_already(s: &str) -> bool {
    s.chars().all(|c| {
        if c.is_ascii() {
            return !c.is_ascii_uppercase();
        }
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    })
}

impl Table {
    /// Adds or replaces a word.
    pub fn insert(&mut self, word: &str, value: LexValue) {
        self.alternation = OnceLock::new();
        let word = canonical(word).into_owned();
        if let Some(&i) = self.exact.get(&word) {
            self.entries[i].1 = value;
            return;
        }
        let i = self.entries.len();
        self.exact.insert(word.clone(), i);
        if !has_upper(&word) {
            self.folded.insert(word.to_lowercase(), i);
        }
        self.entries.push((word, value));
    }

    /// Looks up matched text: exactly as written, then (for lowercase words) in any case.
    pub fn get(&self, text: &str) -> Option<&LexValue> {
        let key = canonical(text);
        if let Some(&i) = self.exact.get(key.as_ref()) {
            return Some(&self.entries[i].1);
        }
        // Most misses are lowercase already: no lowercased copy for them.
        let i = if lowercase_already(&key) {
            self.folded.get(key.as_ref())
        } else {
            self.folded.get(&key.to_lowercase())
        }?;
        Some(&self.entries[*i].1)
    }

    /// Whether the text is one of the words.
    pub fn contains(&self, text: &str) -> bool {
        self.get(text).is_some()
    }

    /// The words and values, in file order.
    pub fn entries(&self) -> &[(String, LexValue)] {
        &self.entries
    }

    /// The regex alternation matching any word, written as a prefix tree: escaped,
    /// whitespace as `\s+`, apostrophes as either form, uppercase words case-sensitive.
    ///
    /// A word that is a prefix of another is tried after it (the longer word wins, as in an
    /// alternation sorted longest first), and words sharing a prefix share its states, which
    /// keeps the compiled automata of large tables (inflected number words) several times
    /// smaller than a flat alternation would be.
    pub fn alternation(&self) -> &str {
        self.alternation.get_or_init(|| {
            let mut root = TrieNode::default();
            for (word, _) in &self.entries {
                root.insert(word);
            }
            let mut body = String::new();
            root.render(&mut body);
            if root.children.len() > 1 && !root.terminal {
                body // already one group
            } else {
                format!("(?:{body})")
            }
        })
    }
}

/// A node of the prefix tree [`Table::alternation`] writes out.
#[derive(Default)]
struct TrieNode {
    /// A word ends here.
    terminal: bool,
    /// The longest word through this node, in characters (children are tried longest first).
    longest: usize,
    /// The smallest word through this node (a stable order among equally long children).
    first: String,
    children: Vec<(String, TrieNode)>,
}

impl TrieNode {
    fn insert(&mut self, word: &str) {
        let len = word.chars().count();
        let tokens: Vec<String> = if has_upper(word) {
            // Case-sensitive words are one opaque token: they are few (codes, symbols).
            vec![format!("(?-i:{})", word_pattern(word))]
        } else {
            word.chars()
                .map(|c| match c {
                    ' ' => r"\s+".to_owned(),
                    '\'' => "['’ʼ]".to_owned(),
                    c => regex::escape(c.encode_utf8(&mut [0; 4])),
                })
                .collect()
        };
        let mut node = self;
        for token in tokens {
            node.note(word, len);
            let i = node
                .children
                .iter()
                .position(|(t, _)| *t == token)
                .unwrap_or_else(|| {
                    node.children.push((token, TrieNode::default()));
                    node.children.len() - 1
                });
            node = &mut node.children[i].1;
        }
        node.note(word, len);
        node.terminal = true;
    }

    fn note(&mut self, word: &str, len: usize) {
        if len > self.longest
            || (len == self.longest && (self.first.is_empty() || *word < *self.first))
        {
            self.longest = len;
            word.clone_into(&mut self.first);
        }
    }

    /// Writes the node's alternation (children longest first) to `out`, in one buffer: a
    /// table of thousands of word forms would otherwise copy every branch once per level.
    fn render(&mut self, out: &mut String) {
        self.children.sort_by(|(_, a), (_, b)| {
            b.longest
                .cmp(&a.longest)
                .then_with(|| a.first.cmp(&b.first))
        });
        match (self.children.as_mut_slice(), self.terminal) {
            ([], _) => {}
            ([(token, child)], false) => {
                out.push_str(token);
                child.render(out);
            }
            (children, terminal) => {
                out.push_str("(?:");
                for (i, (token, child)) in children.iter_mut().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    out.push_str(token);
                    child.render(out);
                }
                out.push_str(if terminal { ")?" } else { ")" });
            }
        }
    }
}

fn has_upper(s: &str) -> bool {
    s.chars().any(char::is_uppercase)
}

fn word_pattern(word: &str) -> String {
    let mut out = String::new();
    for (i, part) in word.split(' ').enumerate() {
        if i > 0 {
            out.push_str(r"\s+");
        }
        let escaped = regex::escape(part).replace('\'', "['’ʼ]");
        out.push_str(&escaped);
    }
    out
}

/// The tables whose words are not counted nouns (`2015 des`, `2 min`, `3 millions`,
/// `5 euros` are not counts), in the order [`Lexicon::not_counted`] names them.
pub const NOT_COUNTED: [&str; 5] = ["unit_stop", "month", "magnitude", "currency", "coin"];

/// A set of named tables.
#[derive(Clone, Debug, Default)]
pub struct Lexicon {
    tables: BTreeMap<String, Table>,
    /// Every word of the [`NOT_COUNTED`] tables, gathered on first use: most counted nouns
    /// are in none of them, which one lookup here tells.
    not_counted: OnceLock<Table>,
}

impl Lexicon {
    /// The table of that name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// Looks a word up in a table.
    pub fn get(&self, table: &str, text: &str) -> Option<&LexValue> {
        self.tables.get(table)?.get(text)
    }

    /// The first of the [`NOT_COUNTED`] tables that has the word, if one has.
    pub fn not_counted(&self, text: &str) -> Option<&'static str> {
        let any = self.not_counted.get_or_init(|| {
            let mut any = Table::default();
            for table in NOT_COUNTED.iter().filter_map(|name| self.tables.get(*name)) {
                for (word, _) in &table.entries {
                    any.insert(word, LexValue::Unit);
                }
            }
            any
        });
        any.get(text)?;
        NOT_COUNTED
            .into_iter()
            .find(|name| self.get(name, text).is_some())
    }

    /// Table names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// Adds every entry of `other`, its words replacing equal words here.
    pub fn extend(&mut self, other: &Lexicon) {
        self.not_counted = OnceLock::new();
        for (name, table) in &other.tables {
            let mine = self.tables.entry(name.clone()).or_default();
            for (w, v) in &table.entries {
                mine.insert(w, v.clone());
            }
        }
    }

    /// Parses a lexicon file's TOML. Errors are messages for people.
    pub fn from_toml(value: &toml::Table) -> Result<Lexicon, Vec<String>> {
        let mut lexicon = Lexicon::default();
        let mut errors = Vec::new();
        for (name, v) in value {
            let table = lexicon.tables.entry(name.clone()).or_default();
            match v {
                toml::Value::Table(t) => {
                    for (word, value) in t {
                        let value = match value {
                            toml::Value::Integer(n) => LexValue::Int(*n),
                            toml::Value::String(s) => LexValue::Str(s.clone()),
                            other => {
                                errors.push(format!(
                                    "[{name}] {word:?}: value must be an integer or a string, found {}",
                                    other.type_str()
                                ));
                                continue;
                            }
                        };
                        table.insert(word, value);
                    }
                }
                toml::Value::Array(items) => {
                    for item in items {
                        match item.as_str() {
                            Some(word) => table.insert(word, LexValue::Unit),
                            None => errors.push(format!(
                                "{name}: list items must be strings, found {}",
                                item.type_str()
                            )),
                        }
                    }
                }
                other => errors.push(format!(
                    "{name}: must be a table of words or a list of words, found {}",
                    other.type_str()
                )),
            }
        }
        if errors.is_empty() {
            Ok(lexicon)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_already_agrees_with_to_lowercase() {
        for s in [
            "",
            "abc",
            "Abc",
            "ABC",
            "ǅemal",
            "ǆ",
            "İstanbul",
            "straße",
            "ΟΔΟΣ",
            "οδος",
            "ﬁn",
            "東京",
            "d'euros",
            "µ",
            "Ⅻ",
            "ⅻ",
        ] {
            assert_eq!(lowercase_already(s), s.to_lowercase() == s, "{s:?}");
        }
    }

    fn lex(src: &str) -> Lexicon {
        Lexicon::from_toml(&src.parse::<toml::Table>().unwrap()).unwrap()
    }

    #[test]
    fn a_table_extended_after_its_alternation_was_written_writes_it_again() {
        let mut l = lex("[m]\n\"mai\" = 5\n");
        assert_eq!(l.table("m").unwrap().alternation(), "(?:mai)");
        l.extend(&lex("[m]\n\"juin\" = 6\n"));
        let alt = l.table("m").unwrap().alternation();
        assert!(alt.contains("juin") && alt.contains("mai"), "{alt}");
    }

    #[test]
    fn canonical_collapses_spaces_and_apostrophes_and_borrows_canonical_words() {
        for (input, want) in [
            ("mars", "mars"),
            ("vingt et un", "vingt et un"),
            ("  vingt \t et\u{a0}un ", "vingt et un"),
            ("vingt  et", "vingt et"),
            ("vingt\u{a0}et", "vingt et"),
            ("aujourd\u{2019}hui", "aujourd'hui"),
            ("aujourd\u{2bc}hui", "aujourd'hui"),
            ("x ", "x"),
            ("", ""),
        ] {
            let got = canonical(input);
            assert_eq!(got, want, "{input:?}");
            assert_eq!(matches!(got, Cow::Borrowed(_)), input == want, "{input:?}");
        }
    }

    #[test]
    fn alternation_is_a_prefix_tree_longest_first_and_escaped() {
        let l = lex("[m]\nmai = 5\n\"janv.\" = 1\njanvier = 1\njan = 1\n");
        assert_eq!(
            l.table("m").unwrap().alternation(),
            r"(?:jan(?:v(?:ier|\.))?|mai)"
        );
    }

    #[test]
    fn prefix_tree_matches_what_a_longest_first_alternation_matches() {
        let words = [
            "vingt",
            "vingt et un",
            "vingt-deux",
            "vingtaine",
            "v",
            "deux",
            "deuxième",
            "d'un",
            "plus de",
            "plus",
            "USD",
            "us",
            "€",
        ];
        let src: Vec<String> = words.iter().map(|w| format!("\"{w}\" = 1")).collect();
        let src = src.join("\n");
        let table = lex(&format!("[t]\n{src}"))
            .table("t")
            .unwrap()
            .alternation()
            .to_owned();
        let mut sorted = words.to_vec();
        sorted.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        let flat: Vec<String> = sorted
            .iter()
            .map(|w| word_pattern(w))
            .map(|p| {
                if has_upper(&p) {
                    format!("(?-i:{p})")
                } else {
                    p
                }
            })
            .collect();
        let flat = format!("(?:{})", flat.join("|"));
        let (tree, flat) = (
            regex::RegexBuilder::new(&format!("{table}x?"))
                .case_insensitive(true)
                .build()
                .unwrap(),
            regex::RegexBuilder::new(&format!("{flat}x?"))
                .case_insensitive(true)
                .build()
                .unwrap(),
        );
        for text in [
            "vingt et un",
            "Vingt  et deux",
            "vingt-deux",
            "vingtaines",
            "d’un",
            "plus  de 3",
            "plus 3",
            "USD",
            "usd",
            "us",
            "v",
            "vx",
            "deuxièmes",
            "€5",
            "Deux",
        ] {
            let a = tree.find(text).map(|m| m.range());
            let b = flat.find(text).map(|m| m.range());
            assert_eq!(a, b, "{text:?}");
        }
    }

    #[test]
    fn uppercase_words_are_case_sensitive() {
        let l = lex("[c]\nUSD = \"USD\"\neuros = \"EUR\"\n");
        let alt = l.table("c").unwrap().alternation();
        assert!(alt.contains("(?-i:USD)"));
        assert!(l.get("c", "EUROS").is_some());
        assert!(l.get("c", "usd").is_none());
    }

    #[test]
    fn multiword_lookup_ignores_spacing_and_apostrophes() {
        let l = lex("[q]\n\"plus de\" = \"more_than\"\n\"jusqu'à\" = \"up_to\"\n");
        assert!(l.get("q", "plus\u{a0}de").is_some());
        assert!(l.get("q", "jusqu’à").is_some());
    }

    #[test]
    fn extend_overrides_and_adds() {
        let mut a = lex("[m]\nmai = 5\n");
        a.extend(&lex("[m]\nmai = 6\njuin = 6\n"));
        assert_eq!(a.get("m", "mai"), Some(&LexValue::Int(6)));
        assert_eq!(a.get("m", "juin"), Some(&LexValue::Int(6)));
    }

    /// `not_counted` answers what looking the word up in each table in turn answers: the
    /// same first table, the same case rules, and words a lexicon gains later too.
    #[test]
    fn not_counted_names_the_first_table_that_has_the_word() {
        let mut l = lex(
            "[unit_stop]\ndes = 1\n[month]\nmai = 5\nMAR = 3\n[currency]\neuros = \"EUR\"\n\
             mai = \"X\"\n[coin]\ncents = 1\n[noun]\npersonnes = 1\n",
        );
        let by_tables =
            |l: &Lexicon, w: &str| NOT_COUNTED.into_iter().find(|t| l.get(t, w).is_some());
        let words = [
            "des",
            "mai",
            "MAI",
            "MAR",
            "mar",
            "Euros",
            "cents",
            "personnes",
            "x",
        ];
        for w in words {
            assert_eq!(l.not_counted(w), by_tables(&l, w), "{w:?}");
        }
        assert_eq!(l.not_counted("MAI"), Some("month"));
        assert_eq!(l.not_counted("mar"), None);
        assert_eq!(l.not_counted("personnes"), None);
        l.extend(&lex("[magnitude]\nmillions = 6\n"));
        assert_eq!(l.not_counted("Millions"), Some("magnitude"));
    }
}
