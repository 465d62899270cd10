//! Money amounts: number × magnitude (+ minor / 100), currency as an ISO 4217 code, and the
//! same amount in the unit the text states it in.
//!
//! Currency words map to codes in the lexicon's `[currency]` table; a code ending in `?`
//! (`"$" = "USD?"`) marks an ambiguous symbol: the code is the likeliest reading and
//! `currency_ambiguous` is set.
//!
//! `value` is always in the currency's main unit. `unit` and `unit_value` keep the unit of
//! the text: the currency word or symbol as written ("$5 million" is 5000000 "$"),
//! unless the amount is stated in a smaller unit, which one of three things says:
//! a negative `[magnitude]` word ("25 Cent", cent = -2: 25 "Cent"); a `minor_unit` group, in
//! rules that read hundredths alone ("25 cent" with `set = { number = "0" }`: 25 "cent"); or a
//! `coin` group, a `[coin]` word worth a fixed amount of a currency ("twee kwartjes", kwartje =
//! "0.25 NLG": 0.5 NLG, 2 "kwartjes").

use super::number::Decimal;
use super::{Context, Groups, Reject, apply_magnitude, magnitude, parse_number, qualifier};
use crate::fact::AmountFact;
use crate::rules::lexicon::LexValue;

/// Normalizes an amount match.
pub fn normalize(groups: &Groups<'_>, cx: &Context<'_>) -> Result<AmountFact, Reject> {
    let text = groups.get("number").ok_or("no number")?;
    let number = parse_number(text, cx).ok_or_else(|| format!("cannot read number {text:?}"))?;
    let mut value = apply_magnitude(number, groups, cx)?;
    // The unit the amount is stated in when it is not the currency word: a minor unit given
    // as a negative magnitude ("25 Cent"), in which the number before the shift is the value.
    let mut stated = match magnitude(groups, cx)? {
        Some((word, exp)) if exp < 0 => Some((word, number)),
        _ => None,
    };
    if let Some(minor) = groups.get("minor") {
        // "15 dollars and 50 cents": the minor unit is a hundredth of the main one, and it
        // shares the main amount's sign ("€ -3 en 50 cent" is -3.50).
        let cents = parse_number(minor, cx)
            .and_then(|m| m.unshift(2))
            .ok_or_else(|| format!("cannot read minor amount {minor:?}"))?;
        let cents = if value.is_negative() {
            cents.negated()
        } else {
            cents
        };
        value = value.checked_add(cents).ok_or_else(too_large)?;
        if let Some(word) = groups.get("minor_unit") {
            // The whole amount is stated in the minor unit ("25 cent").
            stated = Some((word, value.shift(2).ok_or_else(too_large)?));
        }
    }
    if let Some(word) = groups.get("coin") {
        // A number of coins: the count is the value in the coin's unit.
        let spec = cx
            .lexicon
            .get("coin", word)
            .and_then(LexValue::as_string)
            .ok_or_else(|| format!("coin {word:?} is not in the lexicon's [coin] table"))?;
        let (worth, code) = parse_coin(&spec).ok_or_else(|| {
            format!("coin {word:?}: [coin] value {spec:?} is not \"<amount> <ISO 4217 code>\"")
        })?;
        let (currency, ambiguous) = split_ambiguous(code);
        return Ok(AmountFact {
            value: value.checked_mul(worth).ok_or_else(too_large)?,
            currency,
            unit_value: value,
            unit: as_written(word),
            currency_ambiguous: ambiguous,
            qualifier: qualifier(groups, cx)?,
        });
    }
    let word = groups.get("currency").ok_or("no currency")?;
    let code = match cx
        .lexicon
        .get("currency", word)
        .and_then(LexValue::as_string)
    {
        Some(code) => code,
        None if is_iso_code(word) => word.to_owned(),
        None => {
            return Err(format!(
                "currency {word:?} is not in the lexicon's [currency] table"
            ));
        }
    };
    let (currency, ambiguous) = split_ambiguous(&code);
    let (unit, unit_value) = stated.unwrap_or((word, value));
    Ok(AmountFact {
        value,
        currency,
        unit_value,
        unit: as_written(unit),
        currency_ambiguous: ambiguous,
        qualifier: qualifier(groups, cx)?,
    })
}

fn too_large() -> Reject {
    "value too large".to_owned()
}

fn is_iso_code(word: &str) -> bool {
    word.len() == 3 && word.chars().all(|c| c.is_ascii_uppercase())
}

/// A lexicon code and whether it ends with the ambiguity mark `?`.
fn split_ambiguous(code: &str) -> (String, bool) {
    match code.strip_suffix('?') {
        Some(c) => (c.to_owned(), true),
        None => (code.to_owned(), false),
    }
}

/// Reads a `[coin]` value: an amount of a currency's main unit and its code, `"0.25 NLG"`
/// (the code may carry the ambiguity mark `?`).
fn parse_coin(spec: &str) -> Option<(Decimal, &str)> {
    let (worth, code) = spec.trim().split_once(' ')?;
    let worth = Decimal::parse_plain(worth)?;
    (is_iso_code(code.trim_end_matches('?')) && !worth.is_negative()).then_some((worth, code))
}

/// A unit word as the text writes it, with whitespace runs (line breaks included) made one
/// space, as lexicon lookups read it.
fn as_written(word: &str) -> String {
    word.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::number::NumberFormat;
    use crate::rules::Lexicon;

    const LEXICON: &str = r#"
[currency]
"euros" = "EUR"
"€" = "EUR"
"$" = "USD?"
"amerikaanse dollar" = "USD"
[magnitude]
"millions" = 6
"cent" = -2
[coin]
"kwartje" = "0.25 NLG"
"kwartjes" = "0.25 NLG"
"rijksdaalder" = "2.5 NLG"
"daalder" = "1,5 NLG"
"#;

    fn run(pairs: &[(&str, &str)]) -> Result<AmountFact, Reject> {
        let lex = Lexicon::from_toml(&LEXICON.parse().unwrap()).unwrap();
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

    /// `value`, `currency`, `unit_value`, `unit`.
    fn both(a: &AmountFact) -> (String, &str, String, &str) {
        (
            a.value.to_string(),
            a.currency.as_str(),
            a.unit_value.to_string(),
            a.unit.as_str(),
        )
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
    fn the_stated_unit_is_the_currency_as_written_with_magnitudes_applied() {
        let a = run(&[
            ("currency", "$"),
            ("number", "5"),
            ("magnitude", "millions"),
        ])
        .unwrap();
        assert_eq!(both(&a), ("5000000".into(), "USD", "5000000".into(), "$"));
        let a = run(&[("number", "200"), ("currency", "amerikaanse\n  dollar")]).unwrap();
        assert_eq!(a.unit, "amerikaanse dollar");
    }

    #[test]
    fn ambiguous_symbol_is_flagged() {
        let a = run(&[("number", "5"), ("currency", "$")]).unwrap();
        assert_eq!((a.currency.as_str(), a.currency_ambiguous), ("USD", true));
    }

    #[test]
    fn minor_units_add_hundredths_in_the_main_unit() {
        let a = run(&[("number", "15"), ("minor", "50"), ("currency", "euros")]).unwrap();
        assert_eq!(both(&a), ("15.5".into(), "EUR", "15.5".into(), "euros"));
    }

    #[test]
    fn negative_magnitude_is_a_minor_unit_and_the_stated_unit() {
        let a = run(&[
            ("number", "25"),
            ("magnitude", "cent"),
            ("currency", "euros"),
        ])
        .unwrap();
        assert_eq!(both(&a), ("0.25".into(), "EUR", "25".into(), "cent"));
    }

    #[test]
    fn a_minor_unit_group_states_the_amount_in_hundredths() {
        // The rules' `set = { number = "0" }` for "25 cent", "1,5 eurocent".
        let a = run(&[
            ("minor", "25"),
            ("minor_unit", "cent"),
            ("number", "0"),
            ("currency", "euros"),
        ])
        .unwrap();
        assert_eq!(both(&a), ("0.25".into(), "EUR", "25".into(), "cent"));
        let a = run(&[
            ("minor", "1,5"),
            ("minor_unit", "eurocent"),
            ("number", "0"),
            ("currency", "euros"),
        ])
        .unwrap();
        assert_eq!(both(&a), ("0.015".into(), "EUR", "1.5".into(), "eurocent"));
    }

    #[test]
    fn coins_are_counted_in_their_unit_and_valued_in_the_currency() {
        let a = run(&[("number", "2"), ("coin", "kwartjes")]).unwrap();
        assert_eq!(both(&a), ("0.5".into(), "NLG", "2".into(), "kwartjes"));
        assert!(!a.currency_ambiguous);
        let a = run(&[("number", "3"), ("coin", "rijksdaalder")]).unwrap();
        assert_eq!(both(&a), ("7.5".into(), "NLG", "3".into(), "rijksdaalder"));
    }

    #[test]
    fn a_malformed_coin_value_is_a_rejection_not_a_guess() {
        let e = run(&[("number", "2"), ("coin", "daalder")]).unwrap_err();
        assert!(e.contains("is not \"<amount> <ISO 4217 code>\""), "{e}");
        let e = run(&[("number", "2"), ("coin", "stuiver")]).unwrap_err();
        assert!(e.contains("not in the lexicon's [coin] table"), "{e}");
    }

    #[test]
    fn negative_amounts_keep_their_sign_in_both_units() {
        let a = run(&[("currency", "€"), ("number", "-12")]).unwrap();
        assert_eq!(both(&a), ("-12".into(), "EUR", "-12".into(), "€"));
        let a = run(&[("currency", "€"), ("number", "\u{2212}3"), ("minor", "50")]).unwrap();
        assert_eq!(a.value.to_string(), "-3.5");
    }
}
