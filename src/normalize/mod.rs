//! Normalization: from a rule match's named groups to a typed [`Fact`].
//!
//! Each kind has its own module. A normalizer either returns a fact or a rejection reason
//! (a month 13, a count whose noun is a stop word …); rejected candidates never reach the
//! output but `explain` shows them. Normalizers see only the captured text, the language's
//! lexicon and number format, and the anchor date; they never look at the document.

pub mod amount;
pub mod count;
pub mod date;
pub mod number;

use crate::fact::{Fact, FactKind, Qualifier};
use crate::rules::Lexicon;
use date::Ymd;
use number::{Decimal, NumberFormat, parse_digits};

/// What a normalizer knows besides the match.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The rule group's lexicon.
    pub lexicon: &'a Lexicon,
    /// How the language writes numbers.
    pub number_format: NumberFormat,
    /// The publication date, for relative dates.
    pub anchor: Option<Ymd>,
}

/// Named groups of one match (captured text, then the rule's `set` constants).
#[derive(Clone, Debug, Default)]
pub struct Groups<'a> {
    items: Vec<(&'a str, &'a str)>,
}

impl<'a> Groups<'a> {
    /// Adds a group value (the first value of a name wins).
    pub fn push(&mut self, name: &'a str, value: &'a str) {
        if self.get(name).is_none() {
            self.items.push((name, value));
        }
    }

    /// A group's text.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.items.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The text of the group named `prefix` then `name` (`end_` `year`: `end_year`).
    pub fn get_prefixed(&self, prefix: &str, name: &str) -> Option<&'a str> {
        self.items
            .iter()
            .find(|(n, _)| n.strip_prefix(prefix) == Some(name))
            .map(|(_, v)| *v)
    }
}

/// Why a candidate was dropped.
pub type Reject = String;

/// Normalizes a match of a rule of `kind`.
pub fn normalize(kind: FactKind, groups: &Groups<'_>, cx: &Context<'_>) -> Result<Fact, Reject> {
    match kind {
        FactKind::Date => date::normalize(groups, cx).map(Fact::Date),
        FactKind::Amount => amount::normalize(groups, cx).map(Fact::Amount),
        FactKind::Count => count::normalize(groups, cx).map(Fact::Count),
        FactKind::Country => Err("country facts come from countries.csv, not rules".into()),
    }
}

/// Reads a number written with digits (any script) or as a word of the lexicon's
/// `[number_word]` or `[one_word]` tables.
pub fn parse_number(text: &str, cx: &Context<'_>) -> Option<Decimal> {
    if let Some(d) = parse_digits(text, cx.number_format) {
        return Some(d);
    }
    let Some(v) = cx
        .lexicon
        .get("number_word", text)
        .or_else(|| cx.lexicon.get("one_word", text))
    else {
        return number::parse_cjk(text);
    };
    match v {
        crate::rules::lexicon::LexValue::Int(n) => u128::try_from(*n).ok().map(Decimal::from_int),
        crate::rules::lexicon::LexValue::Str(s) => Decimal::parse_plain(s),
        crate::rules::lexicon::LexValue::Unit => None,
    }
}

/// The `magnitude` group's word and its power of ten (from the `[magnitude]` table), if the
/// match has one.
pub fn magnitude<'a>(
    groups: &Groups<'a>,
    cx: &Context<'_>,
) -> Result<Option<(&'a str, i64)>, Reject> {
    let Some(word) = groups.get("magnitude") else {
        return Ok(None);
    };
    let exp = cx
        .lexicon
        .get("magnitude", word)
        .and_then(crate::rules::lexicon::LexValue::as_int)
        .ok_or_else(|| format!("magnitude {word:?} is not in the lexicon's [magnitude] table"))?;
    Ok(Some((word, exp)))
}

/// Applies a magnitude word (a power of ten in the `magnitude` table) to a value.
pub fn apply_magnitude(
    value: Decimal,
    groups: &Groups<'_>,
    cx: &Context<'_>,
) -> Result<Decimal, Reject> {
    let Some((word, exp)) = magnitude(groups, cx)? else {
        return Ok(value);
    };
    match u32::try_from(exp) {
        Ok(exp) => value.shift(exp).ok_or_else(|| "value too large".to_owned()),
        // A negative power: a minor unit ("25 cent" = 0.25).
        Err(_) => u32::try_from(-exp)
            .ok()
            .and_then(|e| value.unshift(e))
            .ok_or_else(|| format!("magnitude {word:?} is out of range")),
    }
}

/// Reads the `qualifier` group through the lexicon's `[qualifier]` table.
pub fn qualifier(groups: &Groups<'_>, cx: &Context<'_>) -> Result<Option<Qualifier>, Reject> {
    let Some(word) = groups.get("qualifier") else {
        return Ok(None);
    };
    let name = cx
        .lexicon
        .get("qualifier", word)
        .and_then(crate::rules::lexicon::LexValue::as_string)
        .ok_or_else(|| format!("qualifier {word:?} is not in the lexicon's [qualifier] table"))?;
    Qualifier::parse(&name)
        .map(Some)
        .ok_or_else(|| format!("qualifier {word:?} maps to unknown value {name:?}"))
}
