//! The rule file format as written: serde types with `deny_unknown_fields` and spans for
//! line numbers. Nothing outside `rules/` sees these; [`super::compile`] turns them into
//! [`super::Rule`]s.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A rule file: a list of `[[rule]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileSpec {
    /// The rules, in file order.
    #[serde(default)]
    pub rule: Vec<Spanned<RuleSpec>>,
}

/// One `[[rule]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable id, `<lang>.<kind>.<shape>`.
    pub id: Spanned<String>,
    /// `date`, `amount` or `count`.
    pub kind: Spanned<String>,
    /// Regex with named groups and `{placeholders}`.
    pub pattern: Spanned<String>,
    /// Higher wins an overlap; defaults by kind.
    pub priority: Option<i32>,
    /// Match letter case exactly (default: any case).
    #[serde(default)]
    pub case_sensitive: bool,
    /// Constant group values, as if captured (e.g. `direction = "past"`).
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// What the rule is for, for people.
    pub description: Option<String>,
    /// Texts the rule must match, with the normalized fields expected.
    #[serde(default)]
    pub examples: Vec<ExampleSpec>,
    /// Texts the rule must not match.
    #[serde(default)]
    pub counter_examples: Vec<String>,
}

/// An inline example.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleSpec {
    /// The text to run the rule on.
    pub text: String,
    /// Publication date to resolve relative dates against.
    pub published: Option<String>,
    /// Expected fields of one match: CSV column names (`date_start`, `value`, …) or `text`.
    #[serde(default)]
    pub expect: BTreeMap<String, toml::Value>,
}
