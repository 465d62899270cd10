//! Dates: absolute dates at their precision, ranges, and dates relative to the anchor
//! (the publication date).
//!
//! Nothing is invented: "mai 2019" has month precision and no day; a year-less "14 mai" or a
//! relative date is resolved only against an anchor, flagged relative, and left empty when
//! there is none. Groups: `year month day` (and `end_*` for a range's end), `rel` (lexicon
//! `[relative]`, e.g. `hier = "day-1"`), `weekday` (`[weekday]`, Monday = 1), `offset` +
//! `unit` (`[time_unit]`) + `direction` (`past`|`future`), `quarter`, `half`, `part`
//! (`[part]`: early|mid|late) with a `year`.

use super::{Context, Groups, Reject, parse_number};
use crate::fact::{DateFact, Precision};
use crate::rules::lexicon::LexValue;

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ymd {
    /// Year.
    pub y: i32,
    /// Month, 1–12.
    pub m: u32,
    /// Day, 1–31.
    pub d: u32,
}

impl Ymd {
    /// Parses the date part of an ISO 8601 date or datetime (`2024-03-12T08:30:00+01:00`).
    pub fn parse_iso(s: &str) -> Option<Ymd> {
        let s = s.trim();
        let date = s.get(..10)?;
        let mut parts = date.split('-');
        let y: i32 = parts.next()?.parse().ok()?;
        let m: u32 = parts.next()?.parse().ok()?;
        let d: u32 = parts.next()?.parse().ok()?;
        ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then_some(Ymd { y, m, d })
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        // Days since 1970-01-01 (proleptic Gregorian), after H. Hinnant's civil algorithm.
        let y = i64::from(self.y) - i64::from(self.m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.m);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `z` days after 1970-01-01.
    #[allow(clippy::cast_sign_loss)] // day and month are small positive numbers here
    pub fn from_days(z: i64) -> Ymd {
        let z = z + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
        Ymd { y, m, d }
    }

    fn add_days(self, n: i64) -> Ymd {
        Ymd::from_days(self.days() + n)
    }

    /// Monday = 1 … Sunday = 7.
    pub fn weekday(self) -> u32 {
        ((self.days() + 3).rem_euclid(7) + 1) as u32
    }

    fn add_months(self, n: i64) -> (i32, u32) {
        let total = i64::from(self.y) * 12 + i64::from(self.m) - 1 + n;
        (
            total.div_euclid(12) as i32,
            (total.rem_euclid(12) + 1) as u32,
        )
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn fmt_day(d: Ymd) -> String {
    let mut out = fmt_month(d.y, d.m);
    push_two_digits(&mut out, d.d);
    out
}

fn fmt_month(y: i32, m: u32) -> String {
    let mut out = fmt_year(y);
    push_two_digits(&mut out, m);
    out
}

/// `format!("{y:04}")`, written directly for the years of news (most dates are written,
/// and the formatting machinery cost more than the rest of rendering them).
fn fmt_year(y: impl Into<i64>) -> String {
    let y: i64 = y.into();
    match u16::try_from(y) {
        Ok(y @ 0..=9999) => {
            let mut out = String::with_capacity(10);
            for div in [1000, 100, 10, 1] {
                out.push(char::from(b'0' + (y / div % 10) as u8));
            }
            out
        }
        _ => format!("{y:04}"),
    }
}

/// `-` and `format!("{n:02}")` for a month or a day.
fn push_two_digits(out: &mut String, n: u32) {
    out.push('-');
    if n < 100 {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    } else {
        out.push_str(&n.to_string());
    }
}

/// Normalizes a date match.
pub fn normalize(groups: &Groups<'_>, cx: &Context<'_>) -> Result<DateFact, Reject> {
    if let Some(word) = groups.get("rel") {
        let narrowed = ["month", "day", "quarter", "half", "part", "weekday"]
            .iter()
            .any(|g| groups.get(g).is_some());
        return if narrowed {
            relative_with_parts(word, groups, cx)
        } else {
            relative_word(word, cx)
        };
    }
    if let Some(decade) = groups.get("decade") {
        return decade_of(decade, cx);
    }
    if let Some(word) = groups.get("weekday") {
        return weekday(word, groups, cx);
    }
    if let Some(n) = groups.get("offset") {
        return offset(n, groups, cx);
    }
    if groups.get("quarter").is_some()
        || groups.get("half").is_some()
        || groups.get("part").is_some()
    {
        return part_of_year(groups, cx);
    }
    absolute(groups, cx)
}

fn relative(
    start: Option<String>,
    end: Option<String>,
    precision: Precision,
    cx: &Context<'_>,
) -> DateFact {
    DateFact {
        start,
        end,
        precision,
        relative: true,
        anchor: cx.anchor.map(fmt_day),
    }
}

fn unresolved(precision: Precision) -> DateFact {
    DateFact {
        start: None,
        end: None,
        precision,
        relative: true,
        anchor: None,
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
}

fn parse_unit(s: &str) -> Option<Unit> {
    Some(match s {
        "day" => Unit::Day,
        "week" => Unit::Week,
        "month" => Unit::Month,
        "year" => Unit::Year,
        _ => return None,
    })
}

/// The date `n` units from the anchor, at that unit's precision.
fn shifted(anchor: Ymd, unit: Unit, n: i64, cx: &Context<'_>) -> DateFact {
    match unit {
        Unit::Day => {
            let d = anchor.add_days(n);
            relative(Some(fmt_day(d)), None, Precision::Day, cx)
        }
        Unit::Week => {
            let monday = anchor.add_days(-i64::from(anchor.weekday() - 1) + 7 * n);
            relative(
                Some(fmt_day(monday)),
                Some(fmt_day(monday.add_days(6))),
                Precision::Week,
                cx,
            )
        }
        Unit::Month => {
            let (y, m) = anchor.add_months(n);
            relative(Some(fmt_month(y, m)), None, Precision::Month, cx)
        }
        Unit::Year => {
            let y = i64::from(anchor.y) + n;
            relative(Some(fmt_year(y)), None, Precision::Year, cx)
        }
    }
}

fn precision_of(unit: Unit) -> Precision {
    match unit {
        Unit::Day => Precision::Day,
        Unit::Week => Precision::Week,
        Unit::Month => Precision::Month,
        Unit::Year => Precision::Year,
    }
}

fn relative_word(word: &str, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let (unit, n) = relative_spec(word, cx)?;
    Ok(match cx.anchor {
        Some(a) => shifted(a, unit, n, cx),
        None => unresolved(precision_of(unit)),
    })
}

/// Reads a `[relative]` word's value: a unit and an offset.
fn relative_spec(word: &str, cx: &Context<'_>) -> Result<(Unit, i64), Reject> {
    let spec = cx
        .lexicon
        .get("relative", word)
        .and_then(LexValue::as_string)
        .ok_or_else(|| {
            format!("relative word {word:?} is not in the lexicon's [relative] table")
        })?;
    let split = spec
        .find(['+', '-'])
        .ok_or_else(|| format!("[relative] value {spec:?} must look like day-1 or year+0"))?;
    let unit = parse_unit(&spec[..split]).ok_or_else(|| {
        format!("[relative] value {spec:?}: unit must be day, week, month or year")
    })?;
    let n: i64 = spec[split..]
        .trim_start_matches('+')
        .parse()
        .map_err(|_| format!("[relative] value {spec:?}: bad offset"))?;
    Ok((unit, n))
}

/// A relative period narrowed by parts: 去年5月 (last year, May), this year's first quarter,
/// next week's Wednesday, 本月10日 (this month, the 10th).
fn relative_with_parts(
    word: &str,
    groups: &Groups<'_>,
    cx: &Context<'_>,
) -> Result<DateFact, Reject> {
    let (unit, offset) = relative_spec(word, cx)?;
    let has = |g: &str| groups.get(g).is_some();
    let precision = if has("day") || has("weekday") {
        Precision::Day
    } else if has("quarter") {
        Precision::Quarter
    } else {
        Precision::Month
    };
    let Some(a) = cx.anchor else {
        return Ok(unresolved(precision));
    };
    let resolved = |start: String, end: Option<String>, precision: Precision| {
        relative(Some(start), end, precision, cx)
    };
    match unit {
        Unit::Year => {
            let y = i32::try_from(i64::from(a.y) + offset).map_err(|_| "year out of range")?;
            if has("quarter") || has("half") || has("part") {
                let (from, to, precision) = year_part(groups, cx)?;
                return Ok(resolved(
                    fmt_month(y, from),
                    Some(fmt_month(y, to)),
                    precision,
                ));
            }
            let mut p = parts(groups, cx, "")?;
            if p.m.is_none() {
                return Err("a relative year needs a month, quarter, half or part".into());
            }
            p.y = Some(y);
            Ok(resolved(render(p)?, None, precision))
        }
        Unit::Month => {
            let (y, m) = a.add_months(offset);
            let d = parts(groups, cx, "")?
                .d
                .ok_or("a relative month needs a day")?;
            Ok(resolved(
                render(Parts {
                    y: Some(y),
                    m: Some(m),
                    d: Some(d),
                })?,
                None,
                Precision::Day,
            ))
        }
        Unit::Week => {
            let word = groups
                .get("weekday")
                .ok_or("a relative week needs a weekday")?;
            let wd = cx
                .lexicon
                .get("weekday", word)
                .and_then(LexValue::as_int)
                .filter(|d| (1..=7).contains(d))
                .ok_or_else(|| {
                    format!("weekday {word:?} is not in the lexicon's [weekday] table (1–7)")
                })?;
            let monday = a.add_days(-i64::from(a.weekday() - 1) + 7 * offset);
            Ok(resolved(
                fmt_day(monday.add_days(wd - 1)),
                None,
                Precision::Day,
            ))
        }
        Unit::Day => Err("a relative day cannot be narrowed by parts".into()),
    }
}

fn weekday(word: &str, groups: &Groups<'_>, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let wd = cx
        .lexicon
        .get("weekday", word)
        .and_then(LexValue::as_int)
        .filter(|n| (1..=7).contains(n))
        .ok_or_else(|| format!("weekday {word:?} is not in the lexicon's [weekday] table (1–7)"))?;
    let Some(a) = cx.anchor else {
        return Ok(unresolved(Precision::Day));
    };
    // No direction: the latest such day on or before the anchor ("on Tuesday", in news).
    // "past" ("last Friday") is strictly before the anchor; "future" strictly after.
    let cur = i64::from(a.weekday());
    let delta = match groups.get("direction") {
        Some("future") => {
            let d = (wd - cur).rem_euclid(7);
            if d == 0 { 7 } else { d }
        }
        Some("past") => {
            let d = (cur - wd).rem_euclid(7);
            -(if d == 0 { 7 } else { d })
        }
        _ => -(cur - wd).rem_euclid(7),
    };
    Ok(shifted(a, Unit::Day, delta, cx))
}

fn offset(n: &str, groups: &Groups<'_>, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let value = parse_number(n, cx)
        .and_then(super::number::Decimal::as_int)
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| format!("offset {n:?} is not a whole number"))?;
    let word = groups
        .get("unit")
        .ok_or("an offset needs a (?<unit>…) group")?;
    let unit = cx
        .lexicon
        .get("time_unit", word)
        .and_then(LexValue::as_string)
        .and_then(|u| parse_unit(&u))
        .ok_or_else(|| format!("time unit {word:?} is not in the lexicon's [time_unit] table"))?;
    let sign = match groups.get("direction").unwrap_or("past") {
        "past" => -1,
        "future" => 1,
        other => return Err(format!("direction {other:?} must be past or future")),
    };
    Ok(match cx.anchor {
        Some(a) => shifted(a, unit, sign * value, cx),
        None => unresolved(precision_of(unit)),
    })
}

fn small_int(text: &str, cx: &Context<'_>, table: &str) -> Option<u32> {
    if let Some(v) = cx.lexicon.get(table, text).and_then(LexValue::as_int) {
        return u32::try_from(v).ok();
    }
    parse_number(text, cx)?
        .as_int()
        .and_then(|v| u32::try_from(v).ok())
}

fn year_of(text: &str, cx: &Context<'_>) -> Result<i32, Reject> {
    let y = parse_number(text, cx)
        .and_then(super::number::Decimal::as_int)
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| format!("year {text:?} is not a number"))?;
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let y = if digits == 2 || (y < 100 && text.chars().count() == 2) {
        // Two-digit years: pivot around the anchor's century (or 2000), 50 years back.
        let base = cx.anchor.map_or(2000, |a| a.y);
        let century = base - base.rem_euclid(100);
        let candidate = century + y;
        if candidate > base + 50 {
            candidate - 100
        } else {
            candidate
        }
    } else {
        y
    };
    if !(1000..=2999).contains(&y) {
        return Err(format!("year {y} is out of range (1000–2999)"));
    }
    Ok(y)
}

fn part_of_year(groups: &Groups<'_>, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let year_text = groups
        .get("year")
        .ok_or("a quarter, half or part of a year needs a year")?;
    let y = year_of(year_text, cx)?;
    let (from, to, precision) = year_part(groups, cx)?;
    Ok(DateFact {
        start: Some(fmt_month(y, from)),
        end: Some(fmt_month(y, to)),
        precision,
        relative: false,
        anchor: None,
    })
}

/// The first and last month of a quarter, half or part of a year.
fn year_part(groups: &Groups<'_>, cx: &Context<'_>) -> Result<(u32, u32, Precision), Reject> {
    Ok(if let Some(q) = groups.get("quarter") {
        let q = small_int(q, cx, "ordinal")
            .filter(|q| (1..=4).contains(q))
            .ok_or_else(|| format!("quarter {q:?} is not 1–4"))?;
        (3 * q - 2, 3 * q, Precision::Quarter)
    } else if let Some(h) = groups.get("half") {
        let h = small_int(h, cx, "ordinal")
            .filter(|h| (1..=2).contains(h))
            .ok_or_else(|| format!("half {h:?} is not 1 or 2"))?;
        (6 * h - 5, 6 * h, Precision::Month)
    } else {
        let word = groups.get("part").unwrap_or_default();
        let part = cx
            .lexicon
            .get("part", word)
            .and_then(LexValue::as_string)
            .ok_or_else(|| format!("part {word:?} is not in the lexicon's [part] table"))?;
        match part.as_str() {
            "early" => (1, 4, Precision::Month),
            "mid" => (5, 8, Precision::Month),
            "late" => (9, 12, Precision::Month),
            other => return Err(format!("[part] value {other:?} must be early, mid or late")),
        }
    })
}

/// A decade ("the 1990s", "90년대"): its first to last year.
fn decade_of(text: &str, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let digits = text.chars().filter(|c| c.is_numeric()).count();
    let y = if digits == 2 {
        // "the 70s": the latest such decade that began by the anchor year.
        let a = cx
            .anchor
            .ok_or("a two-digit decade needs a publication date")?;
        let n = parse_number(text, cx)
            .and_then(super::number::Decimal::as_int)
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| format!("decade {text:?} is not a number"))?;
        let century = a.y - a.y.rem_euclid(100);
        if century + n > a.y {
            century + n - 100
        } else {
            century + n
        }
    } else {
        year_of(text, cx)?
    };
    if y % 10 != 0 {
        return Err(format!("decade {y} does not end in 0"));
    }
    Ok(DateFact {
        start: Some(fmt_year(y)),
        end: Some(fmt_year(y + 9)),
        precision: Precision::Year,
        relative: false,
        anchor: None,
    })
}

#[derive(Clone, Copy, Default)]
struct Parts {
    y: Option<i32>,
    m: Option<u32>,
    d: Option<u32>,
}

fn parts(groups: &Groups<'_>, cx: &Context<'_>, prefix: &str) -> Result<Parts, Reject> {
    let g = |name: &str| groups.get_prefixed(prefix, name);
    let y = g("year").map(|t| year_of(t, cx)).transpose()?;
    let m = match g("month") {
        None => None,
        Some(t) => Some(
            small_int(t, cx, "month")
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(|| format!("month {t:?} is not a month"))?,
        ),
    };
    let d = match g("day") {
        None => None,
        Some(t) => Some(
            small_int(t, cx, "ordinal")
                .filter(|d| (1..=31).contains(d))
                .ok_or_else(|| format!("day {t:?} is not a day of the month"))?,
        ),
    };
    Ok(Parts { y, m, d })
}

/// Formats parts at their precision, checking the day exists.
fn render(p: Parts) -> Result<String, Reject> {
    let y = p.y.ok_or("a date part without a year")?;
    match (p.m, p.d) {
        (Some(m), Some(d)) => {
            if d > days_in_month(y, m) {
                return Err(format!("{y:04}-{m:02} has no day {d}"));
            }
            Ok(fmt_day(Ymd { y, m, d }))
        }
        (Some(m), None) => Ok(fmt_month(y, m)),
        (None, None) => Ok(fmt_year(y)),
        (None, Some(_)) => Err("a day without a month".into()),
    }
}

/// A day of the month alone ("le 17", "14日", "지난 14일"): the anchor's month, or the
/// previous one when that day is still to come (the next one with `direction = "future"`).
fn day_only(day: u32, groups: &Groups<'_>, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let Some(a) = cx.anchor else {
        return Ok(unresolved(Precision::Day));
    };
    let shift = match groups.get("direction") {
        Some("future") if day <= a.d => 1,
        Some("future") => 0,
        _ if day > a.d => -1,
        _ => 0,
    };
    let (y, m) = a.add_months(shift);
    if day > days_in_month(y, m) {
        return Err(format!("{y:04}-{m:02} has no day {day}"));
    }
    Ok(relative(
        Some(fmt_day(Ymd { y, m, d: day })),
        None,
        Precision::Day,
        cx,
    ))
}

fn absolute(groups: &Groups<'_>, cx: &Context<'_>) -> Result<DateFact, Reject> {
    let mut start = parts(groups, cx, "")?;
    let is_range = ["end_year", "end_month", "end_day"]
        .iter()
        .any(|g| groups.get(g).is_some());
    let mut end = if is_range {
        Some(parts(groups, cx, "end_")?)
    } else {
        None
    };
    if let Some(end) = end.as_mut() {
        // "du 3 au 5 mars 2021", "from January to March 2022": the start borrows what it
        // omits from the end; an end without a month borrows the start's ("du 3 mars au 5").
        if start.d.is_some() && start.m.is_none() {
            start.m = end.m;
        }
        if start.y.is_none() {
            start.y = end.y.map(|y| match (start.m, end.m) {
                (Some(sm), Some(em)) if sm > em => y - 1,
                _ => y,
            });
        }
        if end.d.is_some() && end.m.is_none() {
            end.m = start.m;
        }
        if end.y.is_none() && end.m.is_some() {
            end.y = start.y;
        }
    }
    if start.y.is_none() && start.m.is_none() {
        let Some(day) = start.d else {
            return Err("a date needs at least a day, a month or a year".into());
        };
        if end.is_some() {
            return Err("a range of bare days needs a month".into());
        }
        return day_only(day, groups, cx);
    }
    if start.d.is_some() && start.m.is_none() {
        return Err("a day without a month".into());
    }
    let precision = if start.d.is_some() {
        Precision::Day
    } else if start.m.is_some() {
        Precision::Month
    } else {
        Precision::Year
    };
    // A year-less date ("14 mai") takes the anchor's year: the nearest such date, which in
    // news is usually within the past year.
    let mut relative = false;
    if start.y.is_none() {
        let Some(a) = cx.anchor else {
            return Ok(unresolved(precision));
        };
        let (m, d) = (start.m.unwrap_or(1), start.d.unwrap_or(1));
        // A month without a day is compared as a whole month: "last June" said in June is
        // the previous June.
        let anchor_day = if start.d.is_some() { a.d } else { 1 };
        let mut y = a.y;
        match groups.get("direction") {
            // "next June", "juin prochain": the first such date after the anchor.
            Some("future") if (m, d) <= (a.m, anchor_day) => y += 1,
            // "last June": the latest such date before the anchor.
            Some("past") if (m, d) >= (a.m, anchor_day) => y -= 1,
            // No direction: the nearest, which in news is usually in the past year.
            None if (m, d) > (a.m, a.d) && (m - a.m) > 1 => y -= 1,
            _ => {}
        }
        start.y = Some(y);
        if let Some(end) = end.as_mut()
            && end.y.is_none()
        {
            end.y = Some(if end.m < start.m { y + 1 } else { y });
        }
        relative = true;
    }
    let start_text = render(start)?;
    let end_text = match end {
        Some(e) => {
            let t = render(e)?;
            if t < start_text && !t.starts_with(&start_text) {
                return Err(format!("range ends ({t}) before it starts ({start_text})"));
            }
            Some(t)
        }
        None => None,
    };
    Ok(DateFact {
        start: Some(start_text),
        end: end_text,
        precision,
        relative,
        anchor: if relative {
            cx.anchor.map(fmt_day)
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::rules::Lexicon;

    #[test]
    fn dates_render_as_format_renders_them() {
        for y in [-12, 0, 7, 99, 999, 1999, 2026, 9999, 10000, 123_456] {
            assert_eq!(fmt_year(y), format!("{y:04}"));
            for m in [1, 9, 10, 12] {
                assert_eq!(fmt_month(y, m), format!("{y:04}-{m:02}"));
                for d in [1, 9, 10, 31, 100] {
                    let ymd = Ymd { y, m, d };
                    assert_eq!(fmt_day(ymd), format!("{y:04}-{m:02}-{d:02}"));
                }
            }
        }
    }

    fn lexicon() -> Lexicon {
        let src = r#"
[month]
"mai" = 5
"décembre" = 12
[relative]
"hier" = "day-1"
"cette année" = "year+0"
"la semaine dernière" = "week-1"
[weekday]
"mardi" = 2
[time_unit]
"jours" = "day"
[part]
"début" = "early"
"#;
        Lexicon::from_toml(&src.parse().unwrap()).unwrap()
    }

    fn run(pairs: &[(&str, &str)], anchor: Option<&str>) -> Result<DateFact, Reject> {
        let lex = lexicon();
        let cx = Context {
            lexicon: &lex,
            number_format: crate::normalize::number::NumberFormat { decimal: ',' },
            anchor: anchor.and_then(Ymd::parse_iso),
        };
        let mut g = Groups::default();
        for (k, v) in pairs {
            g.push(k, v);
        }
        normalize(&g, &cx)
    }

    #[test]
    fn month_without_day_has_month_precision() {
        let d = run(&[("month", "mai"), ("year", "2019")], None).unwrap();
        assert_eq!(d.start.as_deref(), Some("2019-05"));
        assert_eq!(d.precision, Precision::Month);
        assert!(!d.relative);
    }

    #[test]
    fn range_keeps_both_ends_at_their_precision() {
        let d = run(
            &[
                ("month", "décembre"),
                ("year", "2015"),
                ("end_month", "mai"),
                ("end_year", "2019"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end.as_deref()),
            (Some("2015-12"), Some("2019-05"))
        );
    }

    #[test]
    fn day_range_start_borrows_month_and_year_from_end() {
        let d = run(
            &[
                ("day", "3"),
                ("end_day", "5"),
                ("end_month", "mai"),
                ("end_year", "2021"),
            ],
            None,
        )
        .unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end.as_deref()),
            (Some("2021-05-03"), Some("2021-05-05"))
        );
    }

    #[test]
    fn relative_without_anchor_is_unresolved_and_flagged() {
        let d = run(&[("rel", "cette année")], None).unwrap();
        assert_eq!(d.start, None);
        assert!(d.relative);
        assert_eq!(d.precision, Precision::Year);
    }

    #[test]
    fn relative_resolves_against_anchor() {
        let a = Some("2024-03-12T08:30:00+01:00");
        assert_eq!(
            run(&[("rel", "hier")], a).unwrap().start.as_deref(),
            Some("2024-03-11")
        );
        assert_eq!(
            run(&[("rel", "cette année")], a).unwrap().start.as_deref(),
            Some("2024")
        );
        let w = run(&[("rel", "la semaine dernière")], a).unwrap();
        assert_eq!(
            (w.start.as_deref(), w.end.as_deref()),
            (Some("2024-03-04"), Some("2024-03-10"))
        );
        // 2024-03-12 is a Tuesday: "mardi" is that day, "mardi dernier" the one before.
        assert_eq!(
            run(&[("weekday", "mardi")], a).unwrap().start.as_deref(),
            Some("2024-03-12")
        );
        assert_eq!(
            run(&[("weekday", "mardi"), ("direction", "past")], a)
                .unwrap()
                .start
                .as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(
            run(&[("weekday", "mardi"), ("direction", "future")], a)
                .unwrap()
                .start
                .as_deref(),
            Some("2024-03-19")
        );
        assert_eq!(
            run(&[("offset", "2"), ("unit", "jours")], a)
                .unwrap()
                .start
                .as_deref(),
            Some("2024-03-10")
        );
    }

    #[test]
    fn relative_periods_narrowed_by_parts() {
        let a = Some("2024-03-12");
        let d = run(&[("rel", "cette année"), ("part", "début")], a).unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end.as_deref()),
            (Some("2024-01"), Some("2024-04"))
        );
        let d = run(&[("rel", "cette année"), ("month", "mai")], a).unwrap();
        assert_eq!(d.start.as_deref(), Some("2024-05"));
        assert!(d.relative);
        let d = run(&[("rel", "la semaine dernière"), ("weekday", "mardi")], a).unwrap();
        assert_eq!(d.start.as_deref(), Some("2024-03-05"));
        assert!(run(&[("rel", "hier"), ("month", "mai")], a).is_err());
    }

    #[test]
    fn decades_span_ten_years() {
        let d = run(&[("decade", "1990")], None).unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end.as_deref()),
            (Some("1990"), Some("1999"))
        );
        assert!(run(&[("decade", "1995")], None).is_err());
        let d = run(&[("decade", "70")], Some("2024-03-12")).unwrap();
        assert_eq!(d.start.as_deref(), Some("1970"));
        let d = run(&[("decade", "20")], Some("2024-03-12")).unwrap();
        assert_eq!(d.start.as_deref(), Some("2020"));
    }

    #[test]
    fn a_bare_day_takes_the_anchor_month() {
        let a = Some("2024-03-12");
        assert_eq!(
            run(&[("day", "5")], a).unwrap().start.as_deref(),
            Some("2024-03-05")
        );
        assert_eq!(
            run(&[("day", "20")], a).unwrap().start.as_deref(),
            Some("2024-02-20")
        );
        let next = run(&[("day", "5"), ("direction", "future")], a).unwrap();
        assert_eq!(next.start.as_deref(), Some("2024-04-05"));
        assert!(run(&[("day", "30")], Some("2024-03-01")).is_err());
        assert_eq!(run(&[("day", "5")], None).unwrap().start, None);
    }

    #[test]
    fn yearless_dates_follow_their_direction() {
        let a = Some("2024-03-12");
        assert_eq!(
            run(&[("month", "mai")], a).unwrap().start.as_deref(),
            Some("2023-05")
        );
        let next = run(&[("month", "mai"), ("direction", "future")], a).unwrap();
        assert_eq!(next.start.as_deref(), Some("2024-05"));
        let last = run(&[("month", "mai"), ("direction", "past")], a).unwrap();
        assert_eq!(last.start.as_deref(), Some("2023-05"));
        // Said in May: "last May" is the year before, "next May" the year after.
        let in_may = Some("2024-05-20");
        let last = run(&[("month", "mai"), ("direction", "past")], in_may).unwrap();
        assert_eq!(last.start.as_deref(), Some("2023-05"));
        let next = run(&[("month", "mai"), ("direction", "future")], in_may).unwrap();
        assert_eq!(next.start.as_deref(), Some("2025-05"));
    }

    #[test]
    fn impossible_dates_are_rejected() {
        assert!(run(&[("day", "31"), ("month", "2"), ("year", "2019")], None).is_err());
        assert!(run(&[("month", "13"), ("year", "2019")], None).is_err());
        assert!(run(&[("year", "0999")], None).is_err());
        assert!(run(&[("day", "29"), ("month", "2"), ("year", "2024")], None).is_ok());
    }

    #[test]
    fn early_year_is_a_month_range() {
        let d = run(&[("part", "début"), ("year", "2018")], None).unwrap();
        assert_eq!(
            (d.start.as_deref(), d.end.as_deref()),
            (Some("2018-01"), Some("2018-04"))
        );
    }

    #[test]
    fn weekday_arithmetic_round_trips() {
        let a = Ymd::parse_iso("2000-02-29").unwrap();
        assert_eq!(Ymd::from_days(a.days()), a);
        assert_eq!(Ymd::parse_iso("1970-01-01").unwrap().weekday(), 4);
    }
}
