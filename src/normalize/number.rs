//! Exact decimal numbers and the parsing of numbers as written in news text.
//!
//! Values are never floats: a [`Decimal`] is a sign, an integer mantissa and a power-of-ten
//! scale, so "1,2 milliard" is exactly 1200000000. Digits from any script with a decimal digit
//! block (Arabic-Indic, Persian, Devanagari, full-width …) are read, and group/decimal
//! separators are resolved from the language's convention with a few unambiguous cues.

use std::fmt;

/// An exact decimal: `±mantissa × 10^-scale`.
///
/// Zero is never negative, and the mantissa carries no trailing fractional zeros, so equal
/// values have equal representations (the derived `PartialEq` and `Hash` compare values).
///
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    mantissa: u128,
    scale: u32,
    /// A minus sign ("€ -12").
    negative: bool,
}

impl Decimal {
    /// An integer.
    pub fn from_int(n: u128) -> Decimal {
        Decimal {
            mantissa: n,
            scale: 0,
            negative: false,
        }
    }

    /// `mantissa × 10^-scale`, normalized (no trailing fractional zeros).
    pub fn new(mantissa: u128, scale: u32) -> Decimal {
        Decimal::signed(false, mantissa, scale)
    }

    /// `±mantissa × 10^-scale`, normalized (no trailing fractional zeros, zero positive).
    fn signed(negative: bool, mantissa: u128, scale: u32) -> Decimal {
        let mut d = Decimal {
            mantissa,
            scale,
            negative: negative && mantissa != 0,
        };
        while d.scale > 0 && d.mantissa.is_multiple_of(10) {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Sign, mantissa and scale: `(negative, m, s)` is `±m × 10^-s`.
    pub fn parts(self) -> (bool, u128, u32) {
        (self.negative, self.mantissa, self.scale)
    }

    /// The decimal of [`Decimal::parts`] (normalized).
    pub fn from_parts(negative: bool, mantissa: u128, scale: u32) -> Decimal {
        Decimal::signed(negative, mantissa, scale)
    }

    /// Whether the value is below zero.
    pub fn is_negative(self) -> bool {
        self.negative
    }

    /// The value with the opposite sign (zero stays zero).
    #[must_use]
    pub fn negated(self) -> Decimal {
        Decimal::signed(!self.negative, self.mantissa, self.scale)
    }

    /// Multiplies by `10^exp`; `None` on overflow.
    pub fn shift(self, exp: u32) -> Option<Decimal> {
        if exp <= self.scale {
            return Some(Decimal::signed(
                self.negative,
                self.mantissa,
                self.scale - exp,
            ));
        }
        let up = 10u128.checked_pow(exp - self.scale)?;
        Some(Decimal::signed(
            self.negative,
            self.mantissa.checked_mul(up)?,
            0,
        ))
    }

    /// Divides by `10^exp`; `None` when the scale would overflow.
    pub fn unshift(self, exp: u32) -> Option<Decimal> {
        Some(Decimal::signed(
            self.negative,
            self.mantissa,
            self.scale.checked_add(exp)?,
        ))
    }

    /// Multiplies by an integer; `None` on overflow.
    pub fn mul_int(self, k: u128) -> Option<Decimal> {
        Some(Decimal::signed(
            self.negative,
            self.mantissa.checked_mul(k)?,
            self.scale,
        ))
    }

    /// Multiplies two decimals exactly; `None` on overflow.
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        Some(Decimal::signed(
            self.negative != other.negative,
            self.mantissa.checked_mul(other.mantissa)?,
            self.scale.checked_add(other.scale)?,
        ))
    }

    /// Adds two decimals; `None` on overflow.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let a = self
            .mantissa
            .checked_mul(10u128.checked_pow(scale - self.scale)?)?;
        let b = other
            .mantissa
            .checked_mul(10u128.checked_pow(scale - other.scale)?)?;
        if self.negative == other.negative {
            return Some(Decimal::signed(self.negative, a.checked_add(b)?, scale));
        }
        // Opposite signs: the larger magnitude keeps its sign.
        Some(if a >= b {
            Decimal::signed(self.negative, a - b, scale)
        } else {
            Decimal::signed(other.negative, b - a, scale)
        })
    }

    /// The integer value when the decimal is a non-negative integer.
    pub fn as_int(self) -> Option<u128> {
        (self.scale == 0 && !self.negative).then_some(self.mantissa)
    }

    /// Parses a plain ASCII decimal (`"12"`, `"1.5"`, `"-0.25"`), as found in lexicons.
    pub fn parse_plain(s: &str) -> Option<Decimal> {
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let mut mantissa: u128 = 0;
        for c in int.chars().chain(frac.chars()) {
            let d = c.to_digit(10)?;
            mantissa = mantissa.checked_mul(10)?.checked_add(u128::from(d))?;
        }
        Some(Decimal::signed(
            negative,
            mantissa,
            u32::try_from(frac.len()).ok()?,
        ))
    }

    /// Compares the absolute values.
    fn cmp_magnitude(&self, other: &Self) -> std::cmp::Ordering {
        let pow = |s: u32| 10u128.checked_pow(s);
        let (Some(pa), Some(pb)) = (pow(self.scale), pow(other.scale)) else {
            return self.scale.cmp(&other.scale).reverse();
        };
        let (ia, fa) = (self.mantissa / pa, self.mantissa % pa);
        let (ib, fb) = (other.mantissa / pb, other.mantissa % pb);
        ia.cmp(&ib).then_with(|| {
            let s = self.scale.max(other.scale);
            let up_a = pow(s - self.scale).and_then(|p| fa.checked_mul(p));
            let up_b = pow(s - other.scale).and_then(|p| fb.checked_mul(p));
            up_a.cmp(&up_b)
        })
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self.negative, other.negative) {
            (false, true) => std::cmp::Ordering::Greater,
            (true, false) => std::cmp::Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => self.cmp_magnitude(other).reverse(),
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Decimal {
    /// Appends the value in plain notation (what [`Decimal`]'s `Display` writes): the output
    /// tables write one or two per amount and count row, so this avoids the formatting
    /// machinery and 128-bit division for mantissas that fit in 64 bits.
    pub fn push_to(&self, out: &mut String) {
        let mut buffer = [0; DIGITS_MAX];
        let digits = ascii_digits(self.mantissa, &mut buffer);
        if self.negative {
            out.push('-');
        }
        let scale = self.scale as usize;
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            out.push_str(int);
            if !frac.is_empty() {
                out.push('.');
                out.push_str(frac);
            }
        } else {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(digits);
        }
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.push_to(&mut text);
        f.write_str(&text)
    }
}

/// The most decimal digits a `u128` has.
pub const DIGITS_MAX: usize = 39;

/// The decimal digits of `n`, written at the end of `buffer`.
pub fn ascii_digits(n: u128, buffer: &mut [u8; DIGITS_MAX]) -> &str {
    let mut at = buffer.len();
    // 64-bit division is several times cheaper than 128-bit, and nearly every value fits.
    let mut high = n;
    while high > u128::from(u64::MAX) {
        at -= 1;
        buffer[at] = b'0' + (high % 10) as u8;
        high /= 10;
    }
    let mut low = u64::try_from(high).expect("the loop above left at most 64 bits");
    loop {
        at -= 1;
        buffer[at] = b'0' + (low % 10) as u8;
        low /= 10;
        if low == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[at..]).expect("decimal digits are ASCII")
}

/// Zero code points of the decimal digit blocks newsfacts reads (Unicode `Nd` runs).
const DIGIT_ZEROS: &[u32] = &[
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
];

/// A regex class of the digits [`digit_value`] reads. Rule patterns use it for `\\d`: Unicode
/// `\\d` also has digits newsfacts cannot read (and whose many 4-byte forms make every
/// automaton larger).
pub fn digit_class() -> String {
    let mut class = String::from("[");
    for &zero in DIGIT_ZEROS {
        let (Some(first), Some(last)) = (char::from_u32(zero), char::from_u32(zero + 9)) else {
            continue;
        };
        class.extend([first, '-', last]);
    }
    class.push(']');
    class
}

/// The value of a decimal digit in any of the supported scripts.
pub fn digit_value(c: char) -> Option<u32> {
    let cp = c as u32;
    DIGIT_ZEROS
        .iter()
        .find(|&&zero| cp >= zero && cp < zero + 10)
        .map(|zero| cp - zero)
}

/// How a language writes numbers: its decimal separator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberFormat {
    /// The decimal separator (`.` in English, `,` in French).
    pub decimal: char,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat { decimal: '.' }
    }
}

fn is_group_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '\u{2019}' | '\u{66c}'
    )
}

/// Parses digits with separators as written ("1 234,5", "1,234.5", "٢٠١٩", "3.000", "-12").
///
/// A leading `-` or `−` (U+2212), right before the first digit, makes the value negative.
/// Spaces (and `'`, `’`, the Arabic thousands separator) always group. For `.` and `,`: when
/// both occur, the last is the decimal separator; one kind occurring more than once groups;
/// occurring once, it is the decimal separator if it is the language's, and otherwise groups
/// when exactly three digits follow it.
pub fn parse_digits(s: &str, format: NumberFormat) -> Option<Decimal> {
    let s = s.trim();
    // A leading minus sign: ASCII hyphen-minus or U+2212 MINUS SIGN. Patterns
    // capture one only where a sign is meant ("€ -12"); `{number}` never includes it.
    let (negative, s) = match s.strip_prefix(['-', '\u{2212}']) {
        Some(rest) if rest.starts_with(|c| digit_value(c).is_some()) => (true, rest),
        Some(_) => return None,
        None => (false, s),
    };
    // One pass, no copies: the digits accumulate into the mantissa, and of the separators
    // only what decides the decimal one is kept (how many of each kind, and the last).
    let mut mantissa: u128 = 0;
    let mut digits = 0usize;
    let mut count = [0usize; 2]; // '.' (and the Arabic decimal separator), ','
    let mut last: Option<(usize, usize)> = None; // (digits before it, kind)
    for c in s.chars() {
        if let Some(d) = digit_value(c) {
            mantissa = mantissa.checked_mul(10)?.checked_add(u128::from(d))?;
            digits += 1;
        } else if is_group_space(c) {
        } else if c == '.' || c == ',' || c == '\u{66b}' {
            let kind = usize::from(c == ',');
            count[kind] += 1;
            last = Some((digits, kind));
        } else {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    let decimal_pos = last.and_then(|(pos, kind)| {
        let kinds_differ = count[1 - kind] > 0;
        let last_char = if kind == 1 { ',' } else { '.' };
        if kinds_differ {
            Some(pos)
        } else if count[kind] > 1 {
            None
        } else if last_char == format.decimal || digits - pos != 3 {
            Some(pos)
        } else {
            None
        }
    });
    let scale = u32::try_from(decimal_pos.map_or(0, |pos| digits - pos)).ok()?;
    let value = Decimal::signed(false, mantissa, scale);
    Some(if negative { value.negated() } else { value })
}

/// Characters that can start a number written with CJK numerals (digits in any script,
/// Han digits and units; Korean units only after a digit).
pub const CJK_NUMBER_START: &str =
    "\\d〇零一二两兩三四五六七八九十百千万萬亿億兆壹贰貳叁參肆伍陆陸柒捌玖拾佰仟";
/// Characters that can continue one.
pub const CJK_NUMBER_CHAR: &str =
    "\\d〇零一二两兩三四五六七八九十百千万萬亿億兆壹贰貳叁參肆伍陆陸柒捌玖拾佰仟천백십만억조";

/// The `{cjk_number}` pattern: 2019, 二〇一九, 三十五, 3.5万, 1兆2000億, 7천 5백만.
pub fn cjk_number_pattern() -> String {
    let (start, ch) = (CJK_NUMBER_START, CJK_NUMBER_CHAR);
    format!(r"[{start}](?:[{ch}]|[,，.．]\d|\s[{ch}])*")
}

fn cjk_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' | '壹' => 1,
        '二' | '贰' | '貳' | '两' | '兩' => 2,
        '三' | '叁' | '參' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return digit_value(c),
    })
}

fn cjk_small_unit(c: char) -> Option<u128> {
    Some(match c {
        '十' | '拾' | '십' => 10,
        '百' | '佰' | '백' => 100,
        '千' | '仟' | '천' => 1000,
        _ => return None,
    })
}

fn cjk_big_unit(c: char) -> Option<u32> {
    Some(match c {
        '万' | '萬' | '만' => 4,
        '亿' | '億' | '억' => 8,
        '兆' | '조' => 12,
        _ => return None,
    })
}

/// Reads a number written with CJK numerals and units, digits mixed in: 二〇一九 (digit by
/// digit), 三十五, 两千零五, 3.5万, 1兆2000億, 7천 5백만, 30만9천381.
///
/// Sections below 10^4 are built from digits and 十百千; each myriad unit (万 10^4, 亿 10^8,
/// 兆 10^12) multiplies the section before it.
pub fn parse_cjk(s: &str) -> Option<Decimal> {
    let mut total = Decimal::from_int(0);
    let mut section = Decimal::from_int(0);
    let mut buffer = String::new();
    let mut seen = false;
    let take = |buffer: &mut String| -> Option<Option<Decimal>> {
        if buffer.is_empty() {
            return Some(None);
        }
        let d = Decimal::parse_plain(buffer)?;
        buffer.clear();
        Some(Some(d))
    };
    for c in s.chars() {
        if let Some(d) = cjk_digit(c) {
            buffer.push(char::from_digit(d, 10)?);
            seen = true;
        } else if matches!(c, '.' | '．' | '点' | '點') {
            if buffer.contains('.') {
                return None;
            }
            buffer.push('.');
        } else if let Some(u) = cjk_small_unit(c) {
            let n = take(&mut buffer)?.unwrap_or(Decimal::from_int(1));
            section = section.checked_add(n.mul_int(u)?)?;
            seen = true;
        } else if let Some(e) = cjk_big_unit(c) {
            if let Some(n) = take(&mut buffer)? {
                section = section.checked_add(n)?;
            }
            if section == Decimal::from_int(0) {
                section = Decimal::from_int(1);
            }
            total = total.checked_add(section.shift(e)?)?;
            section = Decimal::from_int(0);
            seen = true;
        } else if matches!(c, ',' | '，' | ' ' | '\u{a0}') {
        } else {
            return None;
        }
    }
    if let Some(n) = take(&mut buffer)? {
        section = section.checked_add(n)?;
    }
    seen.then(|| total.checked_add(section)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Display` wrote before [`Decimal::push_to`]: through `u128`'s own formatting.
    fn formatted_the_old_way(d: &Decimal) -> String {
        let digits = d.mantissa.to_string();
        let scale = d.scale as usize;
        let sign = if d.negative { "-" } else { "" };
        if scale == 0 {
            format!("{sign}{digits}")
        } else if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            format!("{sign}{int}.{frac}")
        } else {
            format!("{sign}0.{}{digits}", "0".repeat(scale - digits.len()))
        }
    }

    #[test]
    fn push_to_writes_what_u128_formatting_wrote() {
        let mantissas = [
            0,
            5,
            10,
            12_345,
            u128::from(u64::MAX) - 1,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            10u128.pow(20),
            u128::MAX,
        ];
        for mantissa in mantissas {
            for scale in [0, 1, 3, 5, 19, 20, 40] {
                for negative in [false, true] {
                    let d = Decimal {
                        mantissa,
                        scale,
                        negative,
                    };
                    let mut pushed = String::from("x");
                    d.push_to(&mut pushed);
                    assert_eq!(pushed, format!("x{}", formatted_the_old_way(&d)), "{d:?}");
                    assert_eq!(d.to_string(), formatted_the_old_way(&d));
                }
            }
        }
    }

    const FR: NumberFormat = NumberFormat { decimal: ',' };
    const EN: NumberFormat = NumberFormat { decimal: '.' };

    /// `parse_digits` as first written: the digits copied into a string, every separator
    /// kept, and the result read back from `int.frac`.
    fn parsed_the_old_way(s: &str, format: NumberFormat) -> Option<Decimal> {
        let s = s.trim();
        let (negative, s) = match s.strip_prefix(['-', '\u{2212}']) {
            Some(rest) if rest.starts_with(|c| digit_value(c).is_some()) => (true, rest),
            Some(_) => return None,
            None => (false, s),
        };
        let mut digits = String::new();
        let mut seps: Vec<(usize, char)> = Vec::new();
        for c in s.chars() {
            if let Some(d) = digit_value(c) {
                digits.push(char::from_digit(d, 10)?);
            } else if is_group_space(c) {
            } else if c == '.' || c == ',' || c == '\u{66b}' {
                seps.push((digits.len(), if c == '\u{66b}' { '.' } else { c }));
            } else {
                return None;
            }
        }
        if digits.is_empty() {
            return None;
        }
        let decimal_pos = match seps.as_slice() {
            [] => None,
            [.., (pos, last)] => {
                if seps.iter().any(|(_, c)| c != last) {
                    Some(*pos)
                } else if seps.iter().filter(|(_, c)| c == last).count() > 1 {
                    None
                } else if *last == format.decimal || digits.len() - pos != 3 {
                    Some(*pos)
                } else {
                    None
                }
            }
        };
        let (int, frac) = match decimal_pos {
            Some(pos) => digits.split_at(pos),
            None => (digits.as_str(), ""),
        };
        let value = Decimal::parse_plain(format!("{int}.{frac}").trim_end_matches('.'))?;
        Some(if negative { value.negated() } else { value })
    }

    /// Every string of up to five characters from digits (Latin and Arabic-Indic),
    /// separators, a space, signs and a letter, and numbers too large for the mantissa,
    /// read in both number formats.
    #[test]
    fn parse_digits_reads_what_it_read_when_it_copied_the_digits() {
        let alphabet = [
            '1', '0', '\u{662}', ',', '.', '\u{66b}', ' ', '-', '\u{2212}', 'a',
        ];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        let nines = "9".repeat(39);
        texts.extend([
            nines.clone(),
            format!("{nines}9"),
            format!("{nines},5"),
            format!("1.{nines}"),
            format!("1 234 567,{nines}"),
        ]);
        for text in &texts {
            for format in [FR, EN] {
                assert_eq!(
                    parse_digits(text, format),
                    parsed_the_old_way(text, format),
                    "{text:?} {format:?}"
                );
            }
        }
    }

    fn p(s: &str, f: NumberFormat) -> String {
        parse_digits(s, f)
            .map(|d| d.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn french_decimal_comma_and_space_groups() {
        assert_eq!(p("1,2", FR), "1.2");
        assert_eq!(p("450 000", FR), "450000");
        assert_eq!(p("1 234,5", FR), "1234.5");
        assert_eq!(p("1\u{202f}200", FR), "1200");
    }

    #[test]
    fn english_comma_groups_and_point_decimal() {
        assert_eq!(p("1,234.5", EN), "1234.5");
        assert_eq!(p("3,000", EN), "3000");
        assert_eq!(p("34.6", EN), "34.6");
        assert_eq!(p("1,000,000", EN), "1000000");
    }

    #[test]
    fn foreign_separator_with_three_digits_groups() {
        assert_eq!(p("3.000", FR), "3000");
        assert_eq!(p("1.5", FR), "1.5");
        assert_eq!(p("1.234.567", FR), "1234567");
    }

    #[test]
    fn native_digits_are_read() {
        assert_eq!(p("٢٠١٩", EN), "2019");
        assert_eq!(p("۱۴۰۲", EN), "1402");
        assert_eq!(p("२०२३", EN), "2023");
        assert_eq!(p("２０１９", EN), "2019");
    }

    #[test]
    fn shift_is_exact() {
        let d = parse_digits("1,2", FR).unwrap().shift(9).unwrap();
        assert_eq!(d.to_string(), "1200000000");
        let d = parse_digits("34.6", EN).unwrap().shift(6).unwrap();
        assert_eq!(d.to_string(), "34600000");
        assert_eq!(Decimal::new(5, 3).to_string(), "0.005");
    }

    #[test]
    fn overflow_is_none_not_panic() {
        let d = Decimal::from_int(u128::MAX);
        assert!(d.shift(3).is_none());
        assert!(d.mul_int(2).is_none());
    }

    #[test]
    fn ordering_compares_values_not_representations() {
        let d = |s| Decimal::parse_plain(s).unwrap();
        assert!(d("20") < d("30"));
        assert!(d("2.5") < d("3"));
        assert!(d("2.05") < d("2.5"));
        assert_eq!(d("2.50").cmp(&d("2.5")), std::cmp::Ordering::Equal);
    }

    #[test]
    fn cjk_number_pattern_spans_whole_numbers() {
        let re = regex::Regex::new(&cjk_number_pattern()).unwrap();
        let m = |t: &str| {
            re.find(t)
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(m("投资20亿美元"), "20亿");
        assert_eq!(m("7천 5백만 달러"), "7천 5백만");
        assert_eq!(m("3,000人。"), "3,000");
        assert_eq!(m("1兆2000億円"), "1兆2000億");
    }

    #[test]
    fn cjk_numbers_are_read() {
        let c = |s: &str| parse_cjk(s).map(|d| d.to_string()).unwrap_or_default();
        assert_eq!(c("二〇一九"), "2019");
        assert_eq!(c("三十五"), "35");
        assert_eq!(c("十五"), "15");
        assert_eq!(c("两千零五"), "2005");
        assert_eq!(c("3.5万"), "35000");
        assert_eq!(c("20亿"), "2000000000");
        assert_eq!(c("1兆2000億"), "1200000000000");
        assert_eq!(c("7천 5백만"), "75000000");
        assert_eq!(c("30만9천381"), "309381");
        assert_eq!(c("四十九兆九千五百九十二億"), "49959200000000");
        assert_eq!(c("１２"), "12");
        assert_eq!(c("abc"), "");
        assert_eq!(c(""), "");
    }

    #[test]
    fn a_leading_minus_sign_makes_a_negative_value() {
        assert_eq!(p("-12", FR), "-12");
        assert_eq!(p("\u{2212}12", FR), "-12");
        assert_eq!(p("-1.234,5", FR), "-1234.5");
        assert_eq!(p("-0", FR), "0");
        assert!(parse_digits("- 12", FR).is_none());
        assert!(parse_digits("--12", FR).is_none());
        assert!(parse_digits("12-", FR).is_none());
    }

    #[test]
    fn signed_arithmetic_is_exact() {
        let d = |s| Decimal::parse_plain(s).unwrap();
        assert_eq!(d("-12").checked_add(d("0.5")).unwrap().to_string(), "-11.5");
        assert_eq!(
            d("-12").checked_add(d("-0.5")).unwrap().to_string(),
            "-12.5"
        );
        assert_eq!(d("0.5").checked_add(d("-12")).unwrap().to_string(), "-11.5");
        assert_eq!(d("12").checked_add(d("-12")).unwrap(), Decimal::from_int(0));
        assert!(!d("12").checked_add(d("-12")).unwrap().is_negative());
        assert_eq!(d("-2.5").shift(6).unwrap().to_string(), "-2500000");
        assert_eq!(d("-25").unshift(2).unwrap().to_string(), "-0.25");
        assert_eq!(d("-0.25").mul_int(3).unwrap().to_string(), "-0.75");
        assert_eq!(d("-2").checked_mul(d("0.25")).unwrap().to_string(), "-0.5");
        assert_eq!(d("-2").checked_mul(d("-0.25")).unwrap().to_string(), "0.5");
        assert_eq!(d("-0.05").negated().to_string(), "0.05");
        assert_eq!(Decimal::from_int(0).negated(), Decimal::from_int(0));
        assert_eq!(d("-3").as_int(), None);
    }

    #[test]
    fn negative_values_order_below_zero() {
        let d = |s| Decimal::parse_plain(s).unwrap();
        assert!(d("-12") < d("0"));
        assert!(d("-12") < d("-1.5"));
        assert!(d("-0.5") < d("0.25"));
        assert!(d("-2.50") == d("-2.5"));
    }

    #[test]
    fn parts_round_trip() {
        let d = |s| Decimal::parse_plain(s).unwrap();
        for s in [
            "1.5",
            "-12",
            "-0.015",
            "0",
            "340282366920938463463374607431768211455",
        ] {
            let (negative, mantissa, scale) = d(s).parts();
            assert_eq!(Decimal::from_parts(negative, mantissa, scale), d(s));
        }
        // Parts are normalized as any other decimal: 150 × 10^-2 is 1.5, and -0 is 0.
        assert_eq!(Decimal::from_parts(false, 150, 2), d("1.5"));
        assert!(!Decimal::from_parts(true, 0, 3).is_negative());
    }
    #[test]
    fn garbage_is_rejected() {
        assert!(parse_digits("", EN).is_none());
        assert!(parse_digits("12a", EN).is_none());
        assert!(parse_digits(",", EN).is_none());
    }
}
