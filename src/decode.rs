//! Bytes to text (interim version; replaced by the full decoder).

use std::fmt;

/// Decoded text.
pub struct Decoded {
    /// The text.
    pub text: String,
    /// WHATWG encoding name.
    pub encoding: &'static str,
    /// How it was decided.
    pub source: EncodingSource,
}

/// How the encoding was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodingSource {
    /// Byte order mark.
    Bom,
    /// Declared by the caller.
    Declared,
    /// HTML meta.
    Meta,
    /// Valid UTF-8.
    Utf8,
    /// Detected.
    Detected,
}

impl EncodingSource {
    /// Name.
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

/// Decode errors.
#[derive(Debug)]
pub enum DecodeError {
    /// Nothing in it.
    Empty,
    /// Not text.
    Binary {
        /// Offset of the evidence.
        offset: usize,
    },
}

impl DecodeError {
    /// errors.csv kind.
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
                write!(f, "binary content (NUL byte at offset {offset})")
            }
        }
    }
}

/// Decodes bytes.
pub fn decode(
    bytes: &[u8],
    _is_html: bool,
    _declared: Option<&str>,
) -> Result<Decoded, DecodeError> {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        let (t, _) = enc.decode_with_bom_removal(bytes);
        return Ok(Decoded {
            text: t.into_owned(),
            encoding: enc.name(),
            source: EncodingSource::Bom,
        });
    }
    if let Some(offset) = bytes.iter().take(8192).position(|&b| b == 0) {
        return Err(DecodeError::Binary { offset });
    }
    let (text, encoding, source) = match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), "UTF-8", EncodingSource::Utf8),
        Err(_) => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(bytes, true);
            let enc = det.guess(None, chardetng::Utf8Detection::Deny);
            (
                enc.decode(bytes).0.into_owned(),
                enc.name(),
                EncodingSource::Detected,
            )
        }
    };
    if text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(Decoded {
        text,
        encoding,
        source,
    })
}
