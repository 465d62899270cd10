//! Language identification: `--lang` or an HTML `lang` attribute when given, otherwise
//! whatlang on a bounded sample of the text (a few kilobytes identify a language; whole
//! articles would cost time for nothing).

use crate::document::LangSource;

/// How many bytes of text language detection looks at.
pub const SAMPLE_BYTES: usize = 512;

/// The language decided for a document.
#[derive(Clone, Debug, PartialEq)]
pub struct Detected {
    /// ISO 639-1 code (or the given code).
    pub code: Option<String>,
    /// whatlang's confidence when detected.
    pub confidence: Option<f64>,
    /// How it was decided.
    pub source: LangSource,
}

/// ISO 639-1 code of a whatlang language.
pub fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang as L;
    match lang {
        L::Epo => "eo",
        L::Eng => "en",
        L::Rus => "ru",
        L::Cmn => "zh",
        L::Spa => "es",
        L::Por => "pt",
        L::Ita => "it",
        L::Ben => "bn",
        L::Fra => "fr",
        L::Deu => "de",
        L::Ukr => "uk",
        L::Kat => "ka",
        L::Ara => "ar",
        L::Hin => "hi",
        L::Jpn => "ja",
        L::Heb => "he",
        L::Yid => "yi",
        L::Pol => "pl",
        L::Amh => "am",
        L::Jav => "jv",
        L::Kor => "ko",
        L::Nob => "nb",
        L::Dan => "da",
        L::Swe => "sv",
        L::Fin => "fi",
        L::Tur => "tr",
        L::Nld => "nl",
        L::Hun => "hu",
        L::Ces => "cs",
        L::Ell => "el",
        L::Bul => "bg",
        L::Bel => "be",
        L::Mar => "mr",
        L::Kan => "kn",
        L::Ron => "ro",
        L::Slv => "sl",
        L::Hrv => "hr",
        L::Srp => "sr",
        L::Mkd => "mk",
        L::Lit => "lt",
        L::Lav => "lv",
        L::Est => "et",
        L::Tam => "ta",
        L::Vie => "vi",
        L::Urd => "ur",
        L::Tha => "th",
        L::Guj => "gu",
        L::Uzb => "uz",
        L::Pan => "pa",
        L::Aze => "az",
        L::Ind => "id",
        L::Tel => "te",
        L::Pes => "fa",
        L::Mal => "ml",
        L::Ori => "or",
        L::Mya => "my",
        L::Nep => "ne",
        L::Sin => "si",
        L::Khm => "km",
        L::Tuk => "tk",
        L::Aka => "ak",
        L::Zul => "zu",
        L::Sna => "sn",
        L::Afr => "af",
        L::Lat => "la",
        L::Slk => "sk",
        L::Cat => "ca",
        L::Tgl => "tl",
        L::Hye => "hy",
        L::Cym => "cy",
    }
}

/// A prefix of at most `max` bytes, cut at a character boundary.
pub fn sample(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Normalizes a language tag to its primary subtag (`fr-FR` → `fr`, `no` → `nb`).
pub fn primary_subtag(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    Some(if primary == "no" {
        "nb".to_owned()
    } else {
        primary
    })
}

/// Detects the language of a text from a bounded sample.
pub fn detect(text: &str) -> Detected {
    match whatlang::detect(sample(text, SAMPLE_BYTES)) {
        Some(info) => Detected {
            code: Some(iso639_1(info.lang()).to_owned()),
            confidence: Some((info.confidence() * 1000.0).round() / 1000.0),
            source: LangSource::Detected,
        },
        None => Detected {
            code: None,
            confidence: None,
            source: LangSource::Unknown,
        },
    }
}

/// The language given on the command line (or in a JSON line), normalized to its primary
/// subtag; `None` when absent or not a language tag.
pub fn given(code: Option<&str>) -> Option<Detected> {
    code.and_then(primary_subtag).map(|code| Detected {
        code: Some(code),
        confidence: None,
        source: LangSource::Given,
    })
}

/// The language a document's content says: its HTML `lang` attribute, then detection. This
/// depends on the content only, so the stage cache keeps it.
pub fn from_content(html_attr: Option<&str>, text: &str) -> Detected {
    if let Some(code) = html_attr.and_then(primary_subtag) {
        return Detected {
            code: Some(code),
            confidence: None,
            source: LangSource::Html,
        };
    }
    detect(text)
}

/// Decides a document's language: given code, then HTML attribute, then detection.
pub fn decide(given_code: Option<&str>, html_attr: Option<&str>, text: &str) -> Detected {
    given(given_code).unwrap_or_else(|| from_content(html_attr, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_language_wins_over_attribute_and_text() {
        let d = decide(
            Some("fr"),
            Some("en"),
            "The quick brown fox jumps over the lazy dog.",
        );
        assert_eq!(d.code.as_deref(), Some("fr"));
        assert_eq!(d.source, LangSource::Given);
    }

    #[test]
    fn html_attribute_subtag_is_used() {
        let d = decide(None, Some("fr-FR"), "The quick brown fox.");
        assert_eq!(d.code.as_deref(), Some("fr"));
    }

    #[test]
    fn french_text_is_detected() {
        let d = decide(
            None,
            None,
            "La Corée du Nord continuerait d'intensifier ses attaques contre les échanges de cryptomonnaies.",
        );
        assert_eq!(d.code.as_deref(), Some("fr"));
        assert_eq!(d.source, LangSource::Detected);
    }

    #[test]
    fn sample_cuts_at_char_boundary() {
        assert_eq!(sample("ééé", 3), "é");
    }
}
