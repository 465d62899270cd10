//! Turning the raw bytes of an article file into a `String`: this module owns
//! character-encoding resolution (byte-order mark, a declared charset such as
//! an HTTP `Content-Type` header, the HTML `<meta>` prescan, UTF-8 validation
//! and statistical detection with `chardetng`), the refusal of binary and
//! empty input, and lossy decoding — invalid byte sequences become U+FFFD and
//! no input can make it panic.

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};

/// How many leading bytes are inspected for binary content.
const BINARY_SNIFF_LEN: usize = 8 * 1024;
/// How many leading bytes of an HTML document the `<meta>` prescan reads.
const META_PRESCAN_LEN: usize = 4 * 1024;

/// Text decoded from bytes, with the encoding that was used and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded text, without a leading U+FEFF.
    pub text: String,
    /// WHATWG name of the encoding used, e.g. `"UTF-8"`, `"windows-1252"`.
    pub encoding: &'static str,
    /// What decided the encoding.
    pub source: EncodingSource,
}

/// What decided the encoding of a [`Decoded`] text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodingSource {
    /// A byte-order mark at the start of the bytes.
    Bom,
    /// The charset declared by the caller (e.g. from a `Content-Type` header).
    Declared,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the HTML.
    Meta,
    /// The bytes are valid (or nearly valid) UTF-8.
    Utf8,
    /// Statistical detection (`chardetng`).
    Detected,
}

impl EncodingSource {
    /// Every source, in the order decoding tries them.
    pub const ALL: [EncodingSource; 5] = [
        EncodingSource::Bom,
        EncodingSource::Declared,
        EncodingSource::Meta,
        EncodingSource::Utf8,
        EncodingSource::Detected,
    ];

    /// Parses a name written by [`EncodingSource::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<EncodingSource> {
        EncodingSource::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Stable lowercase name: `"bom"`, `"declared"`, `"meta"`, `"utf8"`, `"detected"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EncodingSource::Bom => "bom",
            EncodingSource::Declared => "declared",
            EncodingSource::Meta => "meta",
            EncodingSource::Utf8 => "utf8",
            EncodingSource::Detected => "detected",
        }
    }
}

impl fmt::Display for EncodingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why bytes could not be turned into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// No bytes at all, or nothing but whitespace once decoded.
    Empty,
    /// The bytes look like a binary file: a NUL byte, or too many other
    /// control bytes, near the start. `offset` is the first such byte.
    Binary {
        /// Byte offset of the first NUL (or, without NUL, control) byte.
        offset: usize,
    },
}

impl DecodeError {
    /// Stable `snake_case` name of the error kind, for the `kind` column of `errors.csv`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty",
            DecodeError::Binary { .. } => "binary",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Empty => f.write_str("empty file"),
            DecodeError::Binary { offset } => {
                write!(f, "binary content (NUL or control byte at offset {offset})")
            }
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `bytes` to text.
///
/// The encoding is taken from, in this order: a byte-order mark (UTF-8,
/// UTF-16LE, UTF-16BE); `declared_charset` (a label such as `"iso-8859-1"`,
/// or a whole `Content-Type` value; unknown labels are ignored); for HTML,
/// a `<meta>` charset in the first 4 KB (unless it names a legacy encoding
/// while the bytes are strictly valid, non-ASCII UTF-8); UTF-8 when the
/// bytes are valid UTF-8; otherwise `chardetng`'s guess. Invalid sequences
/// become U+FFFD.
///
/// # Errors
///
/// [`DecodeError::Empty`] for no bytes or only whitespace once decoded;
/// [`DecodeError::Binary`] for a NUL byte or more than 10 % control bytes
/// in the first 8 KB (not checked for UTF-16 marked by a BOM or declared).
///
/// The bytes are taken by value: valid UTF-8 (most inputs) becomes the text
/// in place, checked once and not copied.
pub fn decode(
    bytes: impl Into<Vec<u8>>,
    is_html: bool,
    declared_charset: Option<&str>,
) -> Result<Decoded, DecodeError> {
    let bytes: Vec<u8> = bytes.into();
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(&bytes) {
        let body = bytes.get(bom_len..).unwrap_or_default();
        if encoding == UTF_8 {
            check_binary(body)?;
        }
        return finish(encoding, body, EncodingSource::Bom);
    }
    let declared = declared_charset.and_then(encoding_from_declared);
    if let Some(encoding) = declared
        && is_utf16(encoding)
    {
        return finish(encoding, &bytes, EncodingSource::Declared);
    }
    check_binary(&bytes)?;
    if let Some(encoding) = declared {
        return finish(encoding, &bytes, EncodingSource::Declared);
    }
    if is_html && let Some(encoding) = prescan_meta_charset(&bytes) {
        // A page that declares a legacy charset but is strictly valid UTF-8
        // with non-ASCII text was converted or saved as UTF-8: its bytes
        // make no sense in the declared encoding.
        let utf8_instead =
            encoding != UTF_8 && !bytes.is_ascii() && std::str::from_utf8(&bytes).is_ok();
        if !utf8_instead {
            return finish(encoding, &bytes, EncodingSource::Meta);
        }
    }
    let bytes = match String::from_utf8(bytes) {
        // Pure ASCII with escape sequences may be ISO-2022-JP: left to the detector.
        Ok(text) if !(text.contains('\x1B') && text.is_ascii()) => {
            return finish_text(text, UTF_8, EncodingSource::Utf8);
        }
        Ok(text) => text.into_bytes(),
        Err(e) => e.into_bytes(),
    };
    if looks_like_utf8(&bytes) {
        return finish(UTF_8, &bytes, EncodingSource::Utf8);
    }
    finish(detect(&bytes), &bytes, EncodingSource::Detected)
}

/// Decodes with `encoding`, strips a leading U+FEFF and refuses blank text.
fn finish(
    encoding: &'static Encoding,
    bytes: &[u8],
    source: EncodingSource,
) -> Result<Decoded, DecodeError> {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    let text = match text {
        Cow::Borrowed(s) => s.strip_prefix('\u{FEFF}').unwrap_or(s).to_owned(),
        Cow::Owned(s) => s,
    };
    finish_text(text, encoding, source)
}

/// Strips a leading U+FEFF from decoded text and refuses blank text.
fn finish_text(
    mut text: String,
    encoding: &'static Encoding,
    source: EncodingSource,
) -> Result<Decoded, DecodeError> {
    if text.starts_with('\u{FEFF}') {
        text.drain(..'\u{FEFF}'.len_utf8());
    }
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(Decoded {
        text,
        encoding: encoding.name(),
        source,
    })
}

fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == UTF_16LE || encoding == UTF_16BE
}

/// Refuses bytes whose first 8 KB hold a NUL byte or more than 10 % C0
/// control bytes other than tab, line feed, form feed, carriage return and
/// escape.
fn check_binary(bytes: &[u8]) -> Result<(), DecodeError> {
    let sample = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    // ESC is spared too: ISO-2022-JP text is full of escape sequences.
    let control =
        |b: u8| u8::from(b < 0x20) & u8::from(!matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B));
    let is_control = |b: u8| control(b) != 0;
    // Text has no control byte (NUL is one): a fold without short-circuits over every byte,
    // which the compiler vectorizes, settles it for nearly every document.
    if sample.iter().fold(0, |seen, &b| seen | control(b)) == 0 {
        return Ok(());
    }
    if let Some(offset) = sample.iter().position(|&b| b == 0) {
        return Err(DecodeError::Binary { offset });
    }
    let controls = sample.iter().filter(|&&b| is_control(b)).count();
    if controls * 10 > sample.len()
        && let Some(offset) = sample.iter().position(|&b| is_control(b))
    {
        return Err(DecodeError::Binary { offset });
    }
    Ok(())
}

/// Resolves a declared charset: a bare label (`"utf-8"`) or a media type
/// with a `charset` parameter (`"text/html; charset=utf-8"`). Unknown labels
/// and the "replacement" encoding give `None`.
fn encoding_from_declared(declared: &str) -> Option<&'static Encoding> {
    let label = charset_parameter(declared.as_bytes()).unwrap_or(declared.as_bytes());
    let label = trim_quotes(label);
    Encoding::for_label_no_replacement(label)
}

/// Per WHATWG, a `<meta>`-declared UTF-16 means UTF-8 and x-user-defined
/// means windows-1252.
fn meta_encoding(label: &[u8]) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label_no_replacement(trim_quotes(label))?;
    Some(if is_utf16(encoding) {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    })
}

fn trim_quotes(label: &[u8]) -> &[u8] {
    let label = label.trim_ascii();
    let label = label
        .strip_prefix(b"\"")
        .or_else(|| label.strip_prefix(b"'"))
        .unwrap_or(label);
    let label = label
        .strip_suffix(b"\"")
        .or_else(|| label.strip_suffix(b"'"))
        .unwrap_or(label);
    label.trim_ascii()
}

/// Finds `charset=VALUE` (case-insensitive) in a `Content-Type` value.
fn charset_parameter(content: &[u8]) -> Option<&[u8]> {
    let mut from = 0;
    while let Some(pos) = find_ci(content.get(from..)?, b"charset") {
        let mut i = from + pos + b"charset".len();
        from = i;
        while content.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if content.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while content.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let rest = content.get(i..)?;
        let value = match rest.first() {
            Some(&q @ (b'"' | b'\'')) => {
                let inner = rest.get(1..)?;
                let end = inner.iter().position(|&b| b == q)?;
                &inner[..end]
            }
            Some(_) => {
                let end = rest
                    .iter()
                    .position(|&b| b == b';' || b.is_ascii_whitespace())
                    .unwrap_or(rest.len());
                &rest[..end]
            }
            None => return None,
        };
        return (!value.is_empty()).then_some(value);
    }
    None
}

/// Case-insensitive (ASCII) search of `needle` in `haystack`.
fn find_ci(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// A simplified WHATWG "prescan a byte stream to determine its encoding"
/// over the first 4 KB: skips comments and other tags, and reads `<meta>`
/// attributes `charset`, `http-equiv` and `content`.
fn prescan_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let data = &bytes[..bytes.len().min(META_PRESCAN_LEN)];
    let mut i = 0;
    while i < data.len() {
        let rest = &data[i..];
        if rest.starts_with(b"<!--") {
            i += find_ci(&rest[4..], b"-->").map_or(data.len(), |p| p + 4 + 3);
        } else if rest.len() > 5
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && (rest[5].is_ascii_whitespace() || rest[5] == b'/')
        {
            let (encoding, consumed) = meta_tag_charset(&rest[5..]);
            if encoding.is_some() {
                return encoding;
            }
            i += 5 + consumed;
        } else if rest.len() > 1
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic() || rest[1] == b'/')
        {
            // Another tag: skip its name and attributes.
            let mut j = 1 + usize::from(rest[1] == b'/');
            while rest
                .get(j)
                .is_some_and(|&b| !b.is_ascii_whitespace() && b != b'>' && b != b'/')
            {
                j += 1;
            }
            let (_, consumed) = read_attributes(&rest[j..], |_, _| {});
            i += j + consumed;
        } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
            i += rest
                .iter()
                .position(|&b| b == b'>')
                .map_or(data.len(), |p| p + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Reads the attributes of one `<meta>` tag (after `<meta`); returns the
/// charset it declares, if any, and the number of bytes consumed.
fn meta_tag_charset(tag: &[u8]) -> (Option<&'static Encoding>, usize) {
    let mut charset: Option<&'static Encoding> = None;
    let mut content_charset: Option<&'static Encoding> = None;
    let mut http_equiv_content_type = false;
    let (_, consumed) = read_attributes(tag, |name, value| {
        if name.eq_ignore_ascii_case(b"charset") {
            if charset.is_none() {
                charset = meta_encoding(value);
            }
        } else if name.eq_ignore_ascii_case(b"http-equiv") {
            http_equiv_content_type |= value.trim_ascii().eq_ignore_ascii_case(b"content-type");
        } else if name.eq_ignore_ascii_case(b"content") && content_charset.is_none() {
            content_charset = charset_parameter(value).and_then(meta_encoding);
        }
    });
    let encoding = charset.or(if http_equiv_content_type {
        content_charset
    } else {
        None
    });
    (encoding, consumed)
}

/// Reads `name=value` attributes up to the closing `>`, calling `on_attr`
/// for each; returns `(reached_end, bytes consumed)`.
fn read_attributes(tag: &[u8], mut on_attr: impl FnMut(&[u8], &[u8])) -> (bool, usize) {
    let mut i = 0;
    loop {
        while tag
            .get(i)
            .is_some_and(|&b| b.is_ascii_whitespace() || b == b'/')
        {
            i += 1;
        }
        match tag.get(i) {
            None => return (false, i),
            Some(b'>') => return (true, i + 1),
            Some(_) => {}
        }
        let name_start = i;
        while tag
            .get(i)
            .is_some_and(|&b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let name = &tag[name_start..i];
        while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            on_attr(name, b"");
            continue;
        }
        i += 1;
        while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let value = if let Some(&q @ (b'"' | b'\'')) = tag.get(i) {
            let start = i + 1;
            let end = tag
                .get(start..)
                .and_then(|r| r.iter().position(|&b| b == q))
                .map_or(tag.len(), |p| start + p);
            i = (end + 1).min(tag.len());
            &tag[start..end]
        } else {
            let start = i;
            while tag
                .get(i)
                .is_some_and(|&b| !b.is_ascii_whitespace() && b != b'>')
            {
                i += 1;
            }
            &tag[start..i]
        };
        on_attr(name, value);
    }
}

/// Valid UTF-8, valid UTF-8 cut short at the very end, or UTF-8 with a few
/// stray invalid bytes among many valid multi-byte characters. Pure ASCII
/// with ISO-2022-JP escape sequences is left to the detector.
fn looks_like_utf8(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    let mut errors = 0usize;
    loop {
        match std::str::from_utf8(rest) {
            Ok(_) => break,
            Err(e) => {
                let Some(bad) = e.error_len() else {
                    // Truncated sequence at the end of the input.
                    break;
                };
                errors += 1;
                rest = &rest[e.valid_up_to() + bad..];
            }
        }
    }
    if errors == 0 {
        let ascii_with_escapes = bytes.is_ascii() && bytes.contains(&0x1B);
        return !ascii_with_escapes || detect(bytes) != encoding_rs::ISO_2022_JP;
    }
    // A few invalid bytes among plenty of well-formed multi-byte characters:
    // still UTF-8 (legacy encodings rarely form valid UTF-8 sequences).
    let multibyte = bytes
        .iter()
        .filter(|&&b| (0xC2..=0xF4).contains(&b))
        .count();
    errors <= 8 && multibyte >= 20 * errors
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Allow);
    detector.feed(bytes, true);
    detector.guess(None, chardetng::Utf8Detection::Deny)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, used, had_errors) = encoding.encode(text);
        assert_eq!(used, encoding, "encoder fell back to another encoding");
        assert!(!had_errors, "text not representable in {}", encoding.name());
        bytes.into_owned()
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            let pair = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&pair);
        }
        out
    }

    fn ok(result: Result<Decoded, DecodeError>) -> Decoded {
        match result {
            Ok(decoded) => decoded,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    const FRENCH: &str = "Le café du village a rouvert ses portes mercredi après \
        trois mois de travaux. Les habitués étaient déjà là à sept heures, \
        et le patron a offert la première tournée à tout le monde.";

    #[test]
    fn utf8_without_bom_is_valid_utf8() {
        let d = ok(decode(FRENCH.as_bytes(), false, None));
        assert_eq!(d.text, FRENCH);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.source, EncodingSource::Utf8);
    }

    #[test]
    fn utf8_bom_is_used_and_stripped() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(FRENCH.as_bytes());
        let d = ok(decode(bytes, false, Some("windows-1252")));
        assert_eq!(d.text, FRENCH);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.source, EncodingSource::Bom);
    }

    #[test]
    fn utf16le_with_bom_is_decoded() {
        let text = "Prezydent podpisał ustawę 12 marca 2024 r.";
        let d = ok(decode(utf16(text, false), false, None));
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, "UTF-16LE");
        assert_eq!(d.source, EncodingSource::Bom);
    }

    #[test]
    fn utf16be_with_bom_is_decoded() {
        let text = "東京都は3日、新たに120人の感染を確認した。";
        let d = ok(decode(utf16(text, true), false, None));
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, "UTF-16BE");
        assert_eq!(d.source, EncodingSource::Bom);
    }

    #[test]
    fn declared_utf16_without_bom_skips_the_binary_check() {
        let text = "Budget: 3 millions d'euros";
        let mut bytes = utf16(text, false);
        bytes.drain(..2);
        let d = ok(decode(bytes, false, Some("utf-16le")));
        assert_eq!(d.text, text);
        assert_eq!(d.source, EncodingSource::Declared);
    }

    #[test]
    fn windows_1252_french_is_detected_not_utf8() {
        let bytes = encode(WINDOWS_1252, FRENCH);
        assert!(bytes.windows(4).any(|w| w == [0x63, 0x61, 0x66, 0xE9]));
        let d = ok(decode(bytes, false, None));
        assert_eq!(d.text, FRENCH);
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.source, EncodingSource::Detected);
    }

    #[test]
    fn shift_jis_japanese_is_detected() {
        let text = "政府は十日、来年度の予算案を閣議決定した。総額は過去最大となる見通しで、\
            防衛費と社会保障費の増加が目立つ。財務省によると、新規国債の発行額は前年度を下回る。";
        let d = ok(decode(encode(encoding_rs::SHIFT_JIS, text), false, None));
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, "Shift_JIS");
    }

    #[test]
    fn gb18030_chinese_is_detected() {
        let text = "国家统计局周一公布的数据显示，今年前三季度国内生产总值同比增长百分之五，\
            消费对经济增长的贡献率继续提高，就业形势总体稳定，居民收入稳步增加。";
        let d = ok(decode(encode(encoding_rs::GB18030, text), false, None));
        assert_eq!(d.text, text);
        assert!(
            matches!(d.encoding, "GBK" | "gb18030"),
            "guessed {}",
            d.encoding
        );
    }

    #[test]
    fn euc_kr_korean_is_detected() {
        let text = "정부는 오늘 내년도 예산안을 발표했다. 총지출은 지난해보다 늘어난 규모로, \
            복지와 국방 분야의 증가가 두드러진다. 기획재정부는 경기 회복을 뒷받침하겠다고 밝혔다.";
        let d = ok(decode(encode(encoding_rs::EUC_KR, text), false, None));
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, "EUC-KR");
    }

    #[test]
    fn windows_1251_russian_is_detected() {
        let text = "Правительство утвердило проект бюджета на следующий год. Расходы \
            на образование и здравоохранение вырастут, сообщили в министерстве финансов.";
        let d = ok(decode(encode(encoding_rs::WINDOWS_1251, text), false, None));
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, "windows-1251");
    }

    #[test]
    fn iso_8859_1_declared_in_meta_is_used() {
        let html = "<html><head><META HTTP-EQUIV=\"Content-Type\" \
            CONTENT=\"text/html; charset=ISO-8859-1\"></head><body><p>Ça coûte 5 €?</p></body></html>";
        let html = html.replace('€', "euros");
        let d = ok(decode(encode(WINDOWS_1252, &html), true, None));
        assert_eq!(d.text, html);
        assert_eq!(d.encoding, "windows-1252");
        assert_eq!(d.source, EncodingSource::Meta);
    }

    #[test]
    fn meta_charset_attribute_is_found_after_comments_and_other_tags() {
        let html = "<!DOCTYPE html><!-- <meta charset=koi8-r> --><html lang=ru>\
            <head><title>x</title><meta charset='windows-1251'/></head><body>Москва</body></html>";
        let d = ok(decode(encode(encoding_rs::WINDOWS_1251, html), true, None));
        assert_eq!(d.text, html);
        assert_eq!(d.encoding, "windows-1251");
        assert_eq!(d.source, EncodingSource::Meta);
    }

    #[test]
    fn meta_legacy_charset_loses_to_valid_non_ascii_utf8() {
        let html = "<html><head><meta charset=\"gb2312\"></head><body><p>国家统计局公布数据</p></body></html>";
        let d = ok(decode(html.as_bytes(), true, None));
        assert_eq!(d.text, html);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.source, EncodingSource::Utf8);
    }

    #[test]
    fn meta_is_ignored_for_plain_text() {
        let text = "<meta charset=\"windows-1251\"> naïve";
        let d = ok(decode(text.as_bytes(), false, None));
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.source, EncodingSource::Utf8);
    }

    #[test]
    fn meta_declaring_utf16_means_utf8() {
        let html = "<html><head><meta charset=\"utf-16\"></head><body>Zürich</body></html>";
        let d = ok(decode(html.as_bytes(), true, None));
        assert_eq!(d.text, html);
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.source, EncodingSource::Meta);
    }

    #[test]
    fn declared_header_charset_wins_over_meta() {
        let html =
            "<html><head><meta charset=\"utf-8\"></head><body><p>Żółć i gęś</p></body></html>";
        let bytes = encode(encoding_rs::ISO_8859_2, html);
        let d = ok(decode(bytes, true, Some("text/html; charset=ISO-8859-2")));
        assert_eq!(d.text, html);
        assert_eq!(d.encoding, "ISO-8859-2");
        assert_eq!(d.source, EncodingSource::Declared);
    }

    #[test]
    fn unknown_declared_label_is_ignored() {
        let d = ok(decode(
            "plain ascii".as_bytes(),
            false,
            Some("x-no-such-charset"),
        ));
        assert_eq!(d.source, EncodingSource::Utf8);
    }

    #[test]
    fn png_header_is_binary() {
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R',
        ];
        let Err(err) = decode(png, false, None) else {
            panic!("PNG bytes were decoded");
        };
        assert_eq!(err, DecodeError::Binary { offset: 8 });
        assert_eq!(err.kind(), "binary");
        assert_eq!(
            err.to_string(),
            "binary content (NUL or control byte at offset 8)"
        );
    }

    #[test]
    fn many_control_bytes_without_nul_are_binary() {
        let bytes: Vec<u8> = b"ab\x01\x02cd\x03\x04ef".to_vec();
        assert_eq!(
            decode(bytes, false, None),
            Err(DecodeError::Binary { offset: 2 })
        );
    }

    #[test]
    fn a_few_stray_control_bytes_are_not_binary() {
        let text = format!("{}\x01{}", "word ".repeat(20), "word ".repeat(20));
        let d = decode(text.as_bytes(), false, None).unwrap();
        assert_eq!(d.text, text);
    }

    #[test]
    fn tabs_and_form_feeds_are_not_binary() {
        let text = "a\tb\x0Cc\r\nd\te\tf\tg\th";
        assert!(decode(text.as_bytes(), false, None).is_ok());
    }

    #[test]
    fn zero_bytes_are_empty() {
        let Err(err) = decode(b"", true, None) else {
            panic!("empty input was decoded");
        };
        assert_eq!(err, DecodeError::Empty);
        assert_eq!(err.kind(), "empty");
        assert_eq!(err.to_string(), "empty file");
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert_eq!(decode(b" \r\n\t \n", false, None), Err(DecodeError::Empty));
        assert_eq!(
            decode(utf16("  \n ", true), false, None),
            Err(DecodeError::Empty)
        );
        assert_eq!(
            decode([0xEF, 0xBB, 0xBF, b' '], false, None),
            Err(DecodeError::Empty)
        );
    }

    #[test]
    fn invalid_utf8_never_panics_and_is_replaced() {
        let inputs: [&[u8]; 6] = [
            b"\xFF\xFE\xFD",
            b"abc\xC3",
            b"\xE2\x82",
            b"\xF0\x9F\x98",
            b"\xC0\xAF\xED\xA0\x80 text",
            b"<meta charset=\"",
        ];
        for bytes in inputs {
            let _ = decode(bytes, true, None);
            let _ = decode(bytes, false, Some("utf-8"));
        }
        let d = ok(decode(b"caf\xC3", false, Some("utf-8")));
        assert_eq!(d.text, "caf\u{FFFD}");
    }

    #[test]
    fn mostly_utf8_with_a_stray_byte_stays_utf8() {
        let mut bytes = "Überraschung in München: Bürgermeister öffnet Bäder früher. "
            .repeat(3)
            .into_bytes();
        bytes.push(0xE9);
        let d = ok(decode(bytes, false, None));
        assert_eq!(d.source, EncodingSource::Utf8);
        assert!(d.text.ends_with('\u{FFFD}'));
    }

    #[test]
    fn leading_feff_is_stripped_after_decoding() {
        // A doubled byte-order mark leaves U+FEFF at the start of the text.
        let d = ok(decode(utf16("\u{FEFF}Hi", false), false, None));
        assert_eq!(d.text, "Hi");
        let d = ok(decode(encode(UTF_8, "\u{FEFF}\u{FEFF}Hi"), false, None));
        assert_eq!(d.text, "Hi");
    }

    #[test]
    fn iso_2022_jp_is_detected_despite_being_ascii() {
        let text = "政府は十日、来年度の予算案を閣議決定した。";
        let bytes = encode(encoding_rs::ISO_2022_JP, text);
        let d = ok(decode(bytes, false, None));
        assert_eq!(d.text, text);
        assert_eq!(d.encoding, "ISO-2022-JP");
        assert_eq!(d.source, EncodingSource::Detected);
    }

    #[test]
    fn source_names_are_stable() {
        let names: Vec<&str> = EncodingSource::ALL
            .into_iter()
            .map(EncodingSource::as_str)
            .collect();
        assert_eq!(names, ["bom", "declared", "meta", "utf8", "detected"]);
        for e in EncodingSource::ALL {
            assert_eq!(EncodingSource::parse(e.as_str()), Some(e));
        }
    }
}
