//! The stage cache: what the decode, text and language stages made of a document's bytes,
//! and the records extraction found in it, stored by content hash so that a re-run after a
//! rule edit neither decodes, parses HTML nor detects languages again, and a run killed
//! midway resumes without redoing the documents it finished.
//!
//! This module owns the cache folder (`<output>/.cache` or `--cache DIR`), its layout, its
//! versioning and its entry format. It runs no stage: [`crate::pipeline`] asks for an entry,
//! computes what is missing with the stages and stores the result.
//!
//! ```text
//! <cache>/CACHEDIR.TAG                   marks the folder as a cache for backup tools
//! <cache>/fetch/                         fetched bytes of URLs (owned by the fetch stage)
//! <cache>/stages/v1/manifest.json        fingerprints of the code the entries were made by
//! <cache>/stages/v1/entries/ab/<key>.json  one entry per content
//! ```
//!
//! **Entries.** `<key>` is a hash of the raw bytes and of what else the stages read besides
//! them (whether the name says HTML, a declared charset), so two sources with the same bytes
//! share an entry; entries hold no doc id or source. An entry has the decode stage's result
//! (the encoding and how it was decided), the text stage's (media type, main text, title,
//! publication date, `lang` attribute) and the language the content says (attribute or
//! detection; `--lang` is applied on top), and the records last extracted from that text.
//! The full decoded text of an HTML page is not kept: only the text stage reads it, its
//! result is kept, and decoding again from the bytes (which a run reads anyway to hash them)
//! is the cheap part of the work.
//!
//! **Versions.** `v1` is the entry format: a new format moves to `v2`, and older format
//! folders are removed when the cache is opened. Text parts carry the fingerprint of the
//! source code of the stages that made them (computed by `build.rs` from `src/decode*`,
//! `src/text*`, `src/lang*`, `src/pipeline*`, `src/cache*` and `Cargo.lock`), so that an
//! entry made by other stage code is recomputed, never misread; when that fingerprint
//! changes, the whole folder is emptied. Records carry the fingerprint of the whole code,
//! of the rule files that applied to their document (its language folder, `common/`,
//! `countries.csv`) and the language they were extracted for, and are used only when all
//! three match. An entry that does not parse, or names another key or format, is a miss:
//! the cache can be deleted at any time.
//!
//! **Format.** JSON through serde: already a dependency, readable when debugging, and
//! compact enough once records are written as tuples with their rule ids listed once per
//! entry. Documents whose rows are kept from the previous output never read their entry.
//!
//! **Crash safety.** Every entry is written to a temporary file beside it and renamed, so a
//! killed run leaves whole entries or none. Entries are not synced to disk: after a power
//! loss a torn entry fails to parse and is recomputed.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::decode::EncodingSource;
use crate::document::{LangSource, MediaType};
use crate::fact::{Extracted, Fact};
use crate::lang::Detected;
use crate::text::MainText;

/// The entry format version; it names the folder under `stages/`.
pub const FORMAT: u32 = 1;

/// Fingerprint of the code of the decode, text and language stages.
pub const TEXT_STAGES_FINGERPRINT: &str = env!("NEWSFACTS_FP_TEXT_STAGES");
/// Fingerprint of all the source code of this build: records made by another build are not
/// reused.
pub const BUILD_FINGERPRINT: &str = env!("NEWSFACTS_FP_BUILD");

/// The cache key of a content: what the stages before extraction read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key(String);

impl Key {
    /// The key of raw bytes (given by their BLAKE3 hash) read as HTML by name or not, with a
    /// declared charset (from an HTTP header) or none.
    pub fn new(
        bytes_hash: &blake3::Hash,
        html_by_name: bool,
        declared_charset: Option<&str>,
    ) -> Key {
        let mut h = blake3::Hasher::new();
        h.update(bytes_hash.as_bytes());
        h.update(&[u8::from(html_by_name)]);
        if let Some(c) = declared_charset {
            h.update(c.as_bytes());
        }
        Key(h.finalize().to_hex()[..32].to_owned())
    }

    /// The key as hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What the decode, text and language stages made of one content.
#[derive(Clone, Debug, PartialEq)]
pub struct TextStages {
    /// The encoding (WHATWG name) the bytes were decoded with.
    pub encoding: &'static str,
    /// How the encoding was decided.
    pub encoding_source: EncodingSource,
    /// HTML or plain text.
    pub media_type: MediaType,
    /// The main text and its metadata.
    pub main: MainText,
    /// The language the content says (HTML attribute or detection).
    pub lang: Detected,
}

/// The records extracted from one content, and under which conditions.
#[derive(Clone, Debug, PartialEq)]
pub struct Records {
    /// The language they were extracted for.
    pub lang: Option<String>,
    /// Fingerprint of the rule files that applied (see
    /// [`crate::rules::applicable_fingerprint`]).
    pub rules: String,
    /// The records.
    pub facts: Vec<Extracted>,
}

/// A cache entry as read: its text stages (when made by this build's stage code) and its
/// records (when made by this build).
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// The text stages' results.
    pub text: Option<TextStages>,
    /// The records last extracted.
    pub records: Option<Records>,
}

impl Entry {
    /// The records, if they were extracted for `lang` with rule files of fingerprint
    /// `rules`.
    pub fn records_for(&mut self, lang: Option<&str>, rules: &str) -> Option<Vec<Extracted>> {
        match &self.records {
            Some(r) if r.lang.as_deref() == lang && r.rules == rules => {
                self.records.take().map(|r| r.facts)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct EntryFile {
    format: u32,
    key: String,
    stages: String,
    encoding: String,
    encoding_source: String,
    media_type: String,
    text: String,
    title: Option<String>,
    published: Option<String>,
    lang_attr: Option<String>,
    lang: Option<String>,
    lang_confidence: Option<f64>,
    lang_source: String,
    records: Option<RecordsFile>,
}

/// One record: start, end, surface text, index into `rule_ids`, fact.
type CompactFact = (usize, usize, String, usize, Fact);

#[derive(Debug, Serialize, Deserialize)]
struct RecordsFile {
    build: String,
    rules: String,
    lang: Option<String>,
    rule_ids: Vec<String>,
    facts: Vec<CompactFact>,
}

impl RecordsFile {
    fn new(r: &Records) -> RecordsFile {
        let mut rule_ids: Vec<String> = Vec::new();
        let facts = r
            .facts
            .iter()
            .map(|e| {
                let i = rule_ids
                    .iter()
                    .position(|id| *id == e.rule_id)
                    .unwrap_or_else(|| {
                        rule_ids.push(e.rule_id.clone());
                        rule_ids.len() - 1
                    });
                (e.start, e.end, e.text.clone(), i, e.fact.clone())
            })
            .collect();
        RecordsFile {
            build: BUILD_FINGERPRINT.to_owned(),
            rules: r.rules.clone(),
            lang: r.lang.clone(),
            rule_ids,
            facts,
        }
    }

    fn into_records(self) -> Option<Records> {
        if self.build != BUILD_FINGERPRINT {
            return None;
        }
        let facts = self
            .facts
            .into_iter()
            .map(|(start, end, text, i, fact)| {
                Some(Extracted {
                    start,
                    end,
                    text,
                    rule_id: self.rule_ids.get(i)?.clone(),
                    fact,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Records {
            lang: self.lang,
            rules: self.rules,
            facts,
        })
    }
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    stages: String,
    build: String,
}

/// An open stage cache, shared by the workers.
#[derive(Debug)]
pub struct StageCache {
    root: PathBuf,
    dir: PathBuf,
    counter: AtomicU64,
    write_errors: Mutex<(usize, Option<String>)>,
}

const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by newsfacts.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

fn media_type(s: &str) -> Option<MediaType> {
    [MediaType::Html, MediaType::Text]
        .into_iter()
        .find(|m| m.as_str() == s)
}

fn lang_source(s: &str) -> Option<LangSource> {
    [
        LangSource::Given,
        LangSource::Html,
        LangSource::Detected,
        LangSource::Unknown,
    ]
    .into_iter()
    .find(|l| l.as_str() == s)
}

/// The `&'static` WHATWG name of an encoding name read back from an entry.
fn encoding_name(name: &str) -> Option<&'static str> {
    encoding_rs::Encoding::for_label(name.as_bytes())
        .map(encoding_rs::Encoding::name)
        .filter(|n| *n == name)
}

impl EntryFile {
    fn text_stages(&self) -> Option<TextStages> {
        if self.stages != TEXT_STAGES_FINGERPRINT {
            return None;
        }
        Some(TextStages {
            encoding: encoding_name(&self.encoding)?,
            encoding_source: EncodingSource::parse(&self.encoding_source)?,
            media_type: media_type(&self.media_type)?,
            main: MainText {
                text: self.text.clone(),
                title: self.title.clone(),
                published: self.published.clone(),
                lang_attr: self.lang_attr.clone(),
            },
            lang: Detected {
                code: self.lang.clone(),
                confidence: self.lang_confidence,
                source: lang_source(&self.lang_source)?,
            },
        })
    }
}

impl StageCache {
    /// Opens the cache under `root`, creating it if needed. Folders of other formats are
    /// removed, and so are all entries when the stages' code changed (they can never be
    /// valid again).
    pub fn open(root: &Path) -> io::Result<StageCache> {
        let stages = root.join("stages");
        let dir = stages.join(format!("v{FORMAT}"));
        std::fs::create_dir_all(&dir)?;
        let tag = root.join("CACHEDIR.TAG");
        if !tag.exists() {
            std::fs::write(&tag, CACHEDIR_TAG)?;
        }
        for entry in std::fs::read_dir(&stages)?.flatten() {
            let name = entry.file_name();
            if entry.path() != dir && name.to_string_lossy().starts_with('v') {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
        let current = Manifest {
            format: FORMAT,
            stages: TEXT_STAGES_FINGERPRINT.to_owned(),
            build: BUILD_FINGERPRINT.to_owned(),
        };
        let manifest_path = dir.join("manifest.json");
        let old: Option<Manifest> = std::fs::read(&manifest_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let cache = StageCache {
            root: root.to_path_buf(),
            dir,
            counter: AtomicU64::new(0),
            write_errors: Mutex::new((0, None)),
        };
        if old.as_ref() != Some(&current) {
            if old.as_ref().is_none_or(|m| m.stages != current.stages) {
                remove_if_present(&cache.dir.join("entries"))?;
            }
            let json = serde_json::to_vec_pretty(&current).map_err(io::Error::other)?;
            cache.write_atomic(&manifest_path, &json, old.is_some())?;
        }
        Ok(cache)
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn entry_path(&self, key: &Key) -> PathBuf {
        let k = key.as_str();
        self.dir
            .join("entries")
            .join(&k[..2])
            .join(format!("{k}.json"))
    }

    /// The entry of a content, as far as it is valid for this build; `None` when there is
    /// no usable entry.
    pub fn get(&self, key: &Key) -> Option<Entry> {
        let bytes = std::fs::read(self.entry_path(key)).ok()?;
        let mut f: EntryFile = serde_json::from_slice(&bytes).ok()?;
        if f.format != FORMAT || f.key != key.as_str() {
            return None;
        }
        let text = f.text_stages()?;
        Some(Entry {
            text: Some(text),
            records: f.records.take().and_then(RecordsFile::into_records),
        })
    }

    /// Stores the entry of a content; `replacing` says that [`StageCache::get`] found one.
    /// A failure to write is remembered (see [`StageCache::write_errors`]), not returned: the
    /// cache only saves time.
    pub fn put(&self, key: &Key, text: &TextStages, records: Option<&Records>, replacing: bool) {
        let file = EntryFile {
            format: FORMAT,
            key: key.as_str().to_owned(),
            stages: TEXT_STAGES_FINGERPRINT.to_owned(),
            encoding: text.encoding.to_owned(),
            encoding_source: text.encoding_source.as_str().to_owned(),
            media_type: text.media_type.as_str().to_owned(),
            text: text.main.text.clone(),
            title: text.main.title.clone(),
            published: text.main.published.clone(),
            lang_attr: text.main.lang_attr.clone(),
            lang: text.lang.code.clone(),
            lang_confidence: text.lang.confidence,
            lang_source: text.lang.source.as_str().to_owned(),
            records: records.map(RecordsFile::new),
        };
        let path = self.entry_path(key);
        let result = serde_json::to_vec(&file)
            .map_err(io::Error::other)
            .and_then(|json| self.write_atomic(&path, &json, replacing));
        if let Err(e) = result {
            let mut errors = self
                .write_errors
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            errors.0 += 1;
            if errors.1.is_none() {
                errors.1 = Some(format!("{}: {e}", path.display()));
            }
        }
    }

    /// How many entries could not be written, and the first error.
    pub fn write_errors(&self) -> (usize, Option<String>) {
        self.write_errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Writes a temporary file beside `path` and renames it into place.
    fn write_atomic(&self, path: &Path, content: &[u8], replacing: bool) -> io::Result<()> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
        if let Err(e) = std::fs::write(&tmp, content) {
            if e.kind() != io::ErrorKind::NotFound {
                return Err(e);
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&tmp, content)?;
        }
        // Remove the entry being replaced first: on ext4, a rename over an existing file
        // starts writing the new file out at once (the auto_da_alloc heuristic), which made
        // replacing entries cost milliseconds each. Between the two steps a reader finds no
        // entry, which is a miss like any other.
        if replacing
            && let Err(e) = std::fs::remove_file(path)
            && e.kind() != io::ErrorKind::NotFound
        {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

fn remove_if_present(dir: &Path) -> io::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::{CountryFact, CountryForm};

    fn stages() -> TextStages {
        TextStages {
            encoding: "windows-1252",
            encoding_source: EncodingSource::Meta,
            media_type: MediaType::Html,
            main: MainText {
                text: "Le 14 mai 2019 au Japon".into(),
                title: Some("Titre".into()),
                published: Some("2019-05-15".into()),
                lang_attr: None,
            },
            lang: Detected {
                code: Some("fr".into()),
                confidence: Some(0.9),
                source: LangSource::Detected,
            },
        }
    }

    fn records(rules: &str) -> Records {
        let country = |start, text: &str| Extracted {
            start,
            end: start + 5,
            text: text.into(),
            rule_id: "fr.country.name".into(),
            fact: Fact::Country(CountryFact {
                code: "JP".into(),
                form: CountryForm::Name,
            }),
        };
        Records {
            lang: Some("fr".into()),
            rules: rules.into(),
            facts: vec![country(18, "Japon"), country(30, "Japon")],
        }
    }

    #[test]
    fn entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let key = Key::new(&blake3::hash(b"x"), true, None);
        assert!(cache.get(&key).is_none());
        cache.put(&key, &stages(), Some(&records("r1")), true);
        let got = cache.get(&key).unwrap();
        assert_eq!(got.text, Some(stages()));
        assert_eq!(got.records, Some(records("r1")));
        assert_eq!(cache.write_errors().0, 0);
    }

    #[test]
    fn keys_differ_by_what_the_stages_read() {
        let h = blake3::hash(b"x");
        assert_ne!(Key::new(&h, true, None), Key::new(&h, false, None));
        assert_ne!(
            Key::new(&h, true, None),
            Key::new(&h, true, Some("iso-8859-1"))
        );
    }

    #[test]
    fn records_are_used_only_with_the_same_rules_and_language() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let key = Key::new(&blake3::hash(b"x"), false, None);
        cache.put(&key, &stages(), Some(&records("r1")), true);
        let entry = cache.get(&key).unwrap();
        assert_eq!(entry.clone().records_for(Some("fr"), "r2"), None);
        assert_eq!(entry.clone().records_for(Some("de"), "r1"), None);
        assert_eq!(
            entry.clone().records_for(Some("fr"), "r1"),
            Some(records("r1").facts)
        );
    }

    #[test]
    fn corrupt_or_foreign_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let key = Key::new(&blake3::hash(b"x"), false, None);
        cache.put(&key, &stages(), None, true);
        let path = cache.entry_path(&key);
        let full = std::fs::read_to_string(&path).unwrap();
        // Truncated, as after a power loss.
        std::fs::write(&path, &full[..full.len() / 2]).unwrap();
        assert!(cache.get(&key).is_none());
        // Another key's entry under this name.
        let other = Key::new(&blake3::hash(b"y"), false, None);
        cache.put(&other, &stages(), None, true);
        std::fs::copy(cache.entry_path(&other), &path).unwrap();
        assert!(cache.get(&key).is_none());
        // Another format, or other stage code.
        for (from, to) in [
            (format!("\"format\":{FORMAT}"), "\"format\":999".to_owned()),
            (
                TEXT_STAGES_FINGERPRINT.to_owned(),
                "0000000000000000".to_owned(),
            ),
        ] {
            std::fs::write(&path, full.replace(&from, &to)).unwrap();
            assert!(cache.get(&key).is_none(), "{to}");
        }
        // Records of another build are dropped, the text is kept.
        cache.put(&key, &stages(), Some(&records("r1")), true);
        let json = std::fs::read_to_string(&path)
            .unwrap()
            .replace(BUILD_FINGERPRINT, "0000000000000000");
        std::fs::write(&path, json).unwrap();
        let entry = cache.get(&key).unwrap();
        assert!(entry.text.is_some() && entry.records.is_none());
    }

    #[test]
    fn other_formats_and_stale_entries_are_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let key = Key::new(&blake3::hash(b"x"), false, None);
        cache.put(&key, &stages(), None, true);
        std::fs::create_dir_all(dir.path().join("stages/v0/entries")).unwrap();
        let _ = StageCache::open(dir.path()).unwrap();
        assert!(!dir.path().join("stages/v0").exists());
        assert!(cache.get(&key).is_some(), "same code: entries kept");
        let manifest = cache.dir.join("manifest.json");
        let json = std::fs::read_to_string(&manifest)
            .unwrap()
            .replace(TEXT_STAGES_FINGERPRINT, "0000000000000000");
        std::fs::write(&manifest, json).unwrap();
        let _ = StageCache::open(dir.path()).unwrap();
        assert!(
            cache.get(&key).is_none(),
            "other stage code: entries removed"
        );
        assert!(dir.path().join("CACHEDIR.TAG").exists());
    }
}
