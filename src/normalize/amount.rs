//! Money amounts: number × magnitude, currency as an ISO 4217 code.
//!
//! Currency words map to codes in the lexicon's `[currency]` table; a code ending in `?`
//! (`"$" = "USD?"`) marks an ambiguous symbol: the code is the likeliest reading and
//! `currency_ambiguous` is set.

use super::{Context, Groups, Reject, apply_magnitude, parse_number, qualifier};
use crate::fact::AmountFact;

/// Normalizes an amount match.
pub fn normalize(groups: &Groups<'_>, cx: &Context<'_>) -> Result<AmountFact, Reject> {
    let number = groups.get("number").ok_or("no number")?;
    let value = parse_number(number, cx).ok_or_else(|| format!("cannot read number {number:?}"))?;
    let value = apply_magnitude(value, groups, cx)?;
    let word = groups.get("currency").ok_or("no currency")?;
    let code = match cx
        .lexicon
        .get("currency", word)
        .and_then(crate::rules::lexicon::LexValue::as_string)
    {
        Some(code) => code,
        None if word.len() == 3 && word.chars().all(|c| c.is_ascii_uppercase()) => word.to_owned(),
        None => {
            return Err(format!(
                "currency {word:?} is not in the lexicon's [currency] table"
            ));
        }
    };
    let (currency, ambiguous) = match code.strip_suffix('?') {
        Some(c) => (c.to_owned(), true),
        None => (code, false),
    };
    Ok(AmountFact {
        value,
        currency,
        currency_ambiguous: ambiguous,
        qualifier: qualifier(groups, cx)?,
    })
}
