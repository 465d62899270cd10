//! Counts: a number, range or approximate word, and the counted noun.
//!
//! The noun must not be a stop word (lexicon `unit_stop`, month names, magnitude words,
//! currency and coin words: [`crate::rules::lexicon::NOT_COUNTED`]): "2015 des", "2 min",
//! "3 millions" are not counts. Approximate words come from the `[approx]` table: `"~20"`
//! means about 20, `">=24"` at least 24.

use super::{Context, Groups, Reject, apply_magnitude, parse_number, qualifier};
use crate::fact::{CountFact, Qualifier};
use crate::normalize::number::Decimal;

/// Normalizes a count match.
pub fn normalize(groups: &Groups<'_>, cx: &Context<'_>) -> Result<CountFact, Reject> {
    let unit = groups.get("unit").ok_or("no unit")?;
    if let Some(table) = cx.lexicon.not_counted(unit) {
        return Err(format!(
            "unit {unit:?} is in the lexicon's [{table}] table, not a counted noun"
        ));
    }
    let read = |name: &str| -> Result<Option<Decimal>, Reject> {
        match groups.get(name) {
            None => Ok(None),
            Some(t) => {
                let n = parse_number(t, cx).ok_or_else(|| format!("cannot read number {t:?}"))?;
                apply_magnitude(n, groups, cx).map(Some)
            }
        }
    };
    let mut fact = CountFact {
        value: read("number")?,
        min: read("min")?,
        max: read("max")?,
        qualifier: qualifier(groups, cx)?,
        unit: unit.to_owned(),
    };
    if let Some(word) = groups.get("approx") {
        let spec = cx
            .lexicon
            .get("approx", word)
            .and_then(crate::rules::lexicon::LexValue::as_string)
            .ok_or_else(|| {
                format!("approximate word {word:?} is not in the lexicon's [approx] table")
            })?;
        if let Some(n) = spec.strip_prefix(">=") {
            fact.min = Some(
                Decimal::parse_plain(n).ok_or_else(|| format!("bad [approx] value {spec:?}"))?,
            );
            fact.qualifier.get_or_insert(Qualifier::AtLeast);
        } else {
            let n = spec.strip_prefix('~').unwrap_or(&spec);
            fact.value = Some(
                Decimal::parse_plain(n).ok_or_else(|| format!("bad [approx] value {spec:?}"))?,
            );
            fact.qualifier.get_or_insert(Qualifier::About);
        }
    }
    match (fact.min, fact.max) {
        (Some(min), Some(max)) if min > max => {
            return Err(format!("range minimum {min} is above its maximum {max}"));
        }
        (None, Some(_)) => return Err("range maximum without a minimum".into()),
        _ => {}
    }
    if fact.value.is_none() && fact.min.is_none() {
        return Err("no number".into());
    }
    Ok(fact)
}
