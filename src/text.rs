//! HTML to main text (interim version; replaced by the full extractor).

use std::fmt;

/// Main text and metadata.
pub struct MainText {
    /// Text.
    pub text: String,
    /// Title.
    pub title: Option<String>,
    /// Published date.
    pub published: Option<String>,
    /// html lang.
    pub lang_attr: Option<String>,
}

/// Text errors.
#[derive(Debug)]
pub enum TextError {
    /// No content.
    NoContent,
}

impl TextError {
    /// Kind.
    pub fn kind(&self) -> &'static str {
        "no_content"
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no main content found")
    }
}

/// Plain text.
pub fn from_plain(text: &str) -> Result<MainText, TextError> {
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(TextError::NoContent);
    }
    let title = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().to_owned());
    Ok(MainText {
        text,
        title,
        published: None,
        lang_attr: None,
    })
}

/// HTML.
pub fn from_html(html: &str) -> Result<MainText, TextError> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("p, h1, h2, li").expect("valid selector");
    let text: Vec<String> = doc
        .select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect();
    let text = text.join("\n\n");
    if text.trim().is_empty() {
        return Err(TextError::NoContent);
    }
    Ok(MainText {
        text,
        title: None,
        published: None,
        lang_attr: None,
    })
}

/// Sniff.
pub fn looks_like_html(s: &str) -> bool {
    let head: String = s
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    head.contains("<html") || head.contains("<!doctype html")
}
