//! Money amounts: number × magnitude (+ minor / 100), currency as an ISO 4217 code.
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
    let mut value = apply_magnitude(value, groups, cx)?;
    if let Some(minor) = groups.get("minor") {
        // "15 dollars and 50 cents": the minor unit is a hundredth of the main one.
        let cents = parse_number(minor, cx)
            .and_then(|m| m.unshift(2))
            .ok_or_else(|| format!("cannot read minor amount {minor:?}"))?;
        value = value
            .checked_add(cents)
            .ok_or_else(|| "value too large".to_owned())?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::number::NumberFormat;
    use crate::rules::Lexicon;

    fn run(pairs: &[(&str, &str)]) -> Result<AmountFact, Reject> {
        let src = "[currency]\n\"euros\" = \"EUR\"\n\"$\" = \"USD?\"\n[magnitude]\n\"millions\" = 6\n\"cent\" = -2\n";
        let lex = Lexicon::from_toml(&src.parse().unwrap()).unwrap();
        let cx = Context {
            lexicon: &lex,
            number_format: NumberFormat { decimal: ',' },
            anchor: None,
        };
        let mut g = Groups::default();
        for (k, v) in pairs {
            g.push(k, v);
        }
        normalize(&g, &cx)
    }

    #[test]
    fn magnitude_scales_exactly() {
        let a = run(&[
            ("number", "3,5"),
            ("magnitude", "millions"),
            ("currency", "euros"),
        ])
        .unwrap();
        assert_eq!(a.value.to_string(), "3500000");
        assert_eq!(a.currency, "EUR");
        assert!(!a.currency_ambiguous);
    }

    #[test]
    fn ambiguous_symbol_is_flagged() {
        let a = run(&[("number", "5"), ("currency", "$")]).unwrap();
        assert_eq!((a.currency.as_str(), a.currency_ambiguous), ("USD", true));
    }

    #[test]
    fn minor_units_add_hundredths() {
        let a = run(&[("number", "15"), ("minor", "50"), ("currency", "euros")]).unwrap();
        assert_eq!(a.value.to_string(), "15.5");
    }

    #[test]
    fn negative_magnitude_is_a_minor_unit() {
        let a = run(&[
            ("number", "25"),
            ("magnitude", "cent"),
            ("currency", "euros"),
        ])
        .unwrap();
        assert_eq!(a.value.to_string(), "0.25");
    }
}
