//! The typed facts newsfacts extracts: what a rule match means once normalized.
//!
//! [`FactKind`] is the closed set of kinds; adding one breaks the build everywhere it must be
//! handled (rules, normalizers, output tables). Each fact lists its normalized fields by the
//! same names as its CSV columns ([`Fact::fields`]), which is what rule examples are checked
//! against. The stage cache keeps a document's records in a binary form of its own
//! (`src/cache/payload.rs`).

use std::fmt;

use crate::normalize::number::Decimal;

/// The kinds of facts, one output table each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FactKind {
    /// Dates, date ranges and relative dates.
    Date,
    /// Money amounts.
    Amount,
    /// Counted things: a number and a noun.
    Count,
    /// Country mentions.
    Country,
}

impl FactKind {
    /// All kinds, in output order.
    pub const ALL: [FactKind; 4] = [
        FactKind::Date,
        FactKind::Amount,
        FactKind::Count,
        FactKind::Country,
    ];

    /// The singular name used in rule ids, rule files and JSON (`date`, `amount`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Date => "date",
            FactKind::Amount => "amount",
            FactKind::Count => "count",
            FactKind::Country => "country",
        }
    }

    /// Parses the singular name.
    pub fn parse(s: &str) -> Option<FactKind> {
        FactKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The output table's file stem (`dates`, `amounts`, …).
    pub fn table(self) -> &'static str {
        match self {
            FactKind::Date => "dates",
            FactKind::Amount => "amounts",
            FactKind::Count => "counts",
            FactKind::Country => "countries",
        }
    }
}

impl fmt::Display for FactKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of a date the text gives. Nothing finer than this is ever invented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// A calendar day.
    Day,
    /// A week (Monday to Sunday), given as its first and last day.
    Week,
    /// A month.
    Month,
    /// A quarter, given as its first and last month.
    Quarter,
    /// A year.
    Year,
}

impl Precision {
    /// All precisions.
    pub const ALL: [Precision; 5] = [
        Precision::Day,
        Precision::Week,
        Precision::Month,
        Precision::Quarter,
        Precision::Year,
    ];

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Day => "day",
            Precision::Week => "week",
            Precision::Month => "month",
            Precision::Quarter => "quarter",
            Precision::Year => "year",
        }
    }
}

/// A word that bounds or softens a count ("more than 30", "about 40").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Qualifier {
    /// more than, plus de
    MoreThan,
    /// less than, moins de
    LessThan,
    /// at least, au moins
    AtLeast,
    /// at most, au plus
    AtMost,
    /// about, environ, une vingtaine
    About,
    /// nearly, près de
    Nearly,
    /// up to, jusqu'à
    UpTo,
}

impl Qualifier {
    /// All qualifiers (for validating lexicons).
    pub const ALL: [Qualifier; 7] = [
        Qualifier::MoreThan,
        Qualifier::LessThan,
        Qualifier::AtLeast,
        Qualifier::AtMost,
        Qualifier::About,
        Qualifier::Nearly,
        Qualifier::UpTo,
    ];

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Qualifier::MoreThan => "more_than",
            Qualifier::LessThan => "less_than",
            Qualifier::AtLeast => "at_least",
            Qualifier::AtMost => "at_most",
            Qualifier::About => "about",
            Qualifier::Nearly => "nearly",
            Qualifier::UpTo => "up_to",
        }
    }

    /// Parses the CSV spelling.
    pub fn parse(s: &str) -> Option<Qualifier> {
        Qualifier::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// How a country is named.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CountryForm {
    /// Its name ("Corée du Nord").
    Name,
    /// A short or variant name ("UK", "Czech Republic").
    Short,
    /// A demonym or adjective ("nord-coréens").
    Demonym,
    /// Its capital, used as a metonym ("Pyongyang").
    Capital,
}

impl CountryForm {
    /// All forms.
    pub const ALL: [CountryForm; 4] = [
        CountryForm::Name,
        CountryForm::Short,
        CountryForm::Demonym,
        CountryForm::Capital,
    ];

    /// The CSV spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CountryForm::Name => "name",
            CountryForm::Short => "short",
            CountryForm::Demonym => "demonym",
            CountryForm::Capital => "capital",
        }
    }

    /// Parses the CSV spelling.
    pub fn parse(s: &str) -> Option<CountryForm> {
        CountryForm::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A normalized date, date range or relative date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateFact {
    /// ISO 8601 at the given precision (`2019`, `2019-05`, `2019-05-14`); `None` when a
    /// relative date has no anchor to resolve against.
    pub start: Option<String>,
    /// The end of a range, same form as `start`; `None` for a single date.
    pub end: Option<String>,
    /// How much of the date the text gives.
    pub precision: Precision,
    /// Whether the value depends on the anchor (the publication date).
    pub relative: bool,
    /// The anchor a relative date was resolved against.
    pub anchor: Option<String>,
}

/// A normalized money amount.
///
/// It is given twice: in the main unit of its currency (`value`, `currency`: "25 cent" is
/// 0.25 EUR) and in the unit the text states it in (`unit_value`, `unit`: 25 "cent"), so that
/// neither reading is lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountFact {
    /// The exact value, in the main unit of the currency.
    pub value: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// The value in `unit`, magnitude words applied ("$5 million" = 5000000 "$").
    pub unit_value: Decimal,
    /// The currency unit as written: the currency word or symbol ("€", "dollar"), or the
    /// minor unit or coin the amount is stated in ("cent", "centavos", "kwartje").
    pub unit: String,
    /// True when the surface does not pin the currency down (a bare `$`, "dollars").
    pub currency_ambiguous: bool,
    /// A qualifier in front of the amount, if any.
    pub qualifier: Option<Qualifier>,
}

/// A normalized count: a number (or range) of something.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountFact {
    /// The number, when the text gives one.
    pub value: Option<Decimal>,
    /// Lower bound of a range or of "dozens".
    pub min: Option<Decimal>,
    /// Upper bound of a range.
    pub max: Option<Decimal>,
    /// A bounding or softening word.
    pub qualifier: Option<Qualifier>,
    /// The counted noun as written.
    pub unit: String,
}

/// A country mention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountryFact {
    /// ISO 3166-1 alpha-2.
    pub code: String,
    /// How the country is named.
    pub form: CountryForm,
}

/// A fact of any kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    /// See [`DateFact`].
    Date(DateFact),
    /// See [`AmountFact`].
    Amount(AmountFact),
    /// See [`CountFact`].
    Count(CountFact),
    /// See [`CountryFact`].
    Country(CountryFact),
}

impl Fact {
    /// Its kind.
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Date(_) => FactKind::Date,
            Fact::Amount(_) => FactKind::Amount,
            Fact::Count(_) => FactKind::Count,
            Fact::Country(_) => FactKind::Country,
        }
    }

    /// The normalized fields by CSV column name; `None` is an empty cell.
    pub fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let mut fields = Vec::with_capacity(6);
        self.visit_fields(|name, value| fields.push((name, value.map(|v| v.to_string()))));
        fields
    }

    /// Calls `f` with each normalized field's CSV column name and value, in column order,
    /// without allocating (writers format the values straight into their buffers).
    pub fn visit_fields(&self, mut f: impl FnMut(&'static str, Option<Cell<'_>>)) {
        fn text(s: Option<&String>) -> Option<Cell<'_>> {
            s.map(|s| Cell::Text(s))
        }
        fn dec(d: Option<&Decimal>) -> Option<Cell<'_>> {
            d.map(Cell::Decimal)
        }
        fn qualifier(q: Option<Qualifier>) -> Option<Cell<'static>> {
            q.map(|q| Cell::Text(q.as_str()))
        }
        match self {
            Fact::Date(d) => {
                f("date_start", text(d.start.as_ref()));
                f("date_end", text(d.end.as_ref()));
                f("precision", Some(Cell::Text(d.precision.as_str())));
                f("relative", Some(Cell::Flag(d.relative)));
                f("anchor", text(d.anchor.as_ref()));
            }
            Fact::Amount(a) => {
                f("value", Some(Cell::Decimal(&a.value)));
                f("currency", Some(Cell::Text(&a.currency)));
                f("unit_value", Some(Cell::Decimal(&a.unit_value)));
                f("unit", Some(Cell::Text(&a.unit)));
                f("currency_ambiguous", Some(Cell::Flag(a.currency_ambiguous)));
                f("qualifier", qualifier(a.qualifier));
            }
            Fact::Count(c) => {
                f("value", dec(c.value.as_ref()));
                f("min", dec(c.min.as_ref()));
                f("max", dec(c.max.as_ref()));
                f("qualifier", qualifier(c.qualifier));
                f("unit", Some(Cell::Text(&c.unit)));
            }
            Fact::Country(c) => {
                f("country_code", Some(Cell::Text(&c.code)));
                f("form", Some(Cell::Text(c.form.as_str())));
            }
        }
    }
}

/// One value of an output row, borrowed from where it lives, as the writers format it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Text, written as is.
    Text(&'a str),
    /// An offset.
    Offset(usize),
    /// An exact decimal.
    Decimal(&'a Decimal),
    /// `true` or `false`.
    Flag(bool),
}

impl Cell<'_> {
    /// Appends the value to `out`.
    pub fn write_to(self, out: &mut String) {
        match self {
            Cell::Text(s) => out.push_str(s),
            Cell::Flag(b) => out.push_str(if b { "true" } else { "false" }),
            Cell::Offset(n) => push_decimal(out, n),
            Cell::Decimal(d) => d.push_to(out),
        }
    }
}

impl fmt::Display for Cell<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cell::Text(s) => f.write_str(s),
            Cell::Offset(n) => write!(f, "{n}"),
            Cell::Decimal(d) => write!(f, "{d}"),
            Cell::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// Appends `n` in decimal digits: what `write!(out, "{n}")` writes, without the formatting
/// machinery (every row has several offsets).
pub fn push_decimal(out: &mut String, n: usize) {
    let mut buffer = [0; crate::normalize::number::DIGITS_MAX];
    out.push_str(crate::normalize::number::ascii_digits(
        n as u128,
        &mut buffer,
    ));
}

/// One extracted fact with its provenance in the document's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    /// Start offset in characters (Unicode scalar values) into the extracted text.
    pub start: usize,
    /// End offset in characters, exclusive.
    pub end: usize,
    /// The surface text.
    pub text: String,
    /// The id of the rule that matched.
    pub rule_id: String,
    /// What it means.
    pub fact: Fact,
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_decimal_writes_what_display_writes() {
        for n in [0, 7, 10, 99, 1000, 123_456_789, usize::MAX] {
            let mut out = String::from("x");
            super::push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
