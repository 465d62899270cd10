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
//! <cache>/CACHEDIR.TAG                 marks the folder as a cache for backup tools
//! <cache>/fetch/                       fetched bytes of URLs (owned by the fetch stage)
//! <cache>/stages/v4/manifest.json      fingerprints of the code the entries were made by
//! <cache>/stages/v4/packs/<n>.pack     entries, appended by one run each; n = 1, 2, …
//! ```
//!
//! **Entries.** The key of an entry is a hash of the raw bytes and of what else the stages read
//! besides them (whether the name says HTML, a declared charset), so two sources with the same
//! bytes share an entry; entries hold no doc id or source. An entry has the decode stage's result
//! (the encoding and how it was decided), the text stage's (media type, main text, title,
//! publication date, `lang` attribute) and the language the content says (attribute or detection;
//! `--lang` is applied on top; a run with `--lang` detects none and stores the given language as
//! such, which a run without `--lang` takes for "not detected yet"), and the records last
//! extracted from that text. The full decoded text of an HTML page is not kept: only the text
//! stage reads it, its result is kept, and decoding again from the bytes (which a run reads
//! anyway to hash them) is the cheap part of the work. For the same reason a plain-text entry
//! keeps no text at all, only the language decided for it ([`CachedStages::Lang`]): its main
//! text is its decoded bytes with line ends and blank lines cleaned, quicker to make again than
//! to store and read back.
//!
//! **Packs.** A run appends the entries it stores to a pack of its own, created at its first
//! write and numbered after the packs already there. Each entry is one frame:
//!
//! ```text
//! "NFC2"  payload length (u32 LE)  key (32 hex digits)  checksum (32 bytes)  payload
//! ```
//!
//! where the checksum is the BLAKE3 hash of the length, the key and the payload. The first
//! lookup or store of a run reads the frame headers of every pack (seeking over the
//! payloads) into an index in memory, key to pack and offset; the last frame of a key in the
//! newest pack wins, which is how an entry is replaced. A lookup reads that one frame and
//! checks its checksum. Before the index is used, the packs are compacted when their dead
//! bytes (replaced entries, torn frames) exceed both the live ones and 8 MiB, or when there
//! are more than 64 packs: the live entries are copied into a new pack, written under a
//! temporary name and renamed, and the old packs are deleted; a compaction that fails is
//! tried again by the next run. Two runs may share a cache folder at once: a compaction by
//! one can drop entries the other is storing, which only costs time.
//!
//! **Versions.** `v4` is the entry format (frames and payloads): a new format moves to `v5`,
//! and older format folders are removed when the cache is opened. Text parts carry the
//! fingerprint of the source code of the stages that made them (computed by `build.rs` from
//! `src/decode*`, `src/text*`, `src/lang*`, `src/pipeline*`, `src/cache*` and `Cargo.lock`),
//! so that an entry made by other stage code is recomputed, never misread; when that
//! fingerprint changes, the whole folder is emptied. Records carry the fingerprint of the
//! whole code, of the rule files that applied to their document (its language folder,
//! `common/`, `countries.csv`) and the language they were extracted for, and are used only
//! when all three match. An entry whose checksum fails, that does not parse, or names another
//! key or format, is a miss: the cache can be deleted at any time.
//!
//! **Format.** Payloads are a compact binary form (`payload`: fields in a fixed order,
//! varints, length-prefixed strings): records are tuples with their rule ids listed once per
//! entry and their surface texts left out (their character offsets into the entry's main
//! text give them back). Until format `v3` they were JSON, which took a twentieth of a large
//! first run's CPU to write and made packs nearly the size of the corpus; this form is
//! written several times faster and is smaller. Documents whose rows are kept from the
//! previous output never read
//! their entry. Entries are packed rather than written one file each because creating a file
//! per document (an inode each on ext4) took a fifth to a quarter of a first run's wall time.
//!
//! **Crash safety.** Frames are buffered and written to the pack when 1 MiB has accumulated
//! or the oldest has waited a quarter of a second (checked as entries are stored), and when
//! the run ends ([`StageCache::flush`], also on drop), so a killed run loses at most its
//! last MiB or quarter second of entries. Only the run that created a pack appends to it: a
//! killed run leaves a pack whose complete frames are all readable and whose torn last frame
//! is skipped, and later runs write to new packs, never after a torn frame. A failed write
//! abandons the pack (its buffered entries count as not written) and the next entries go to
//! a new one. Nothing is synced to disk: after a power loss, a frame whose bytes did not all
//! reach the disk fails its checksum or ends the reading of its pack, and is recomputed.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::decode::EncodingSource;
use crate::document::{LangSource, MediaType};
use crate::fact::{Extracted, Fact};
use crate::lang::Detected;
use crate::text::MainText;

mod payload;

/// The entry format version; it names the folder under `stages/`.
pub const FORMAT: u32 = 4;

/// The first bytes of every frame.
const MAGIC: [u8; 4] = *b"NFC2";
/// Frame header: magic, payload length, key, checksum.
const HEADER: usize = 4 + 4 + 32 + 32;
/// Buffered frames are written to the pack once they reach this size...
const FLUSH_AT: usize = 1 << 20;
/// ... or when the oldest has waited this long.
const FLUSH_AFTER: Duration = Duration::from_millis(250);
/// The packs are compacted when their dead bytes exceed the live ones and this...
const COMPACT_MIN_DEAD: u64 = if cfg!(test) { 64 << 10 } else { 8 << 20 };
/// ... or when there are more packs than this.
const MAX_PACKS: usize = 64;
/// Temporary files of compactions older than this were left by a killed run.
const STALE_TMP: Duration = Duration::from_secs(3600);

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

    /// The key's hex digits as bytes, as in a frame header.
    fn bytes(&self) -> KeyBytes {
        self.0
            .as_bytes()
            .try_into()
            .expect("a key has 32 hex digits")
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
    pub text: Option<CachedStages>,
    /// The records last extracted.
    records: Option<RecordsFile<'static>>,
}

/// What an entry keeps of the text stages' results.
#[derive(Clone, Debug, PartialEq)]
pub enum CachedStages {
    /// All of them: an HTML page's main text and metadata cost a parse to make again.
    Whole(TextStages),
    /// The language of a plain text only: decoding and cleaning its bytes again (which a
    /// run reads anyway to hash them) costs less than storing the text, and detecting the
    /// language is the costly part.
    Lang(Detected),
}

impl Entry {
    /// The records, if they were extracted for `lang` with rule files of fingerprint
    /// `rules` by this build; `main_text` is the text they were extracted from (the stages'
    /// main text), which gives their surface texts back.
    pub fn records_for(
        &mut self,
        lang: Option<&str>,
        rules: &str,
        main_text: &str,
    ) -> Option<Vec<Extracted>> {
        if !self.has_records_for(lang, rules) {
            return None;
        }
        self.records
            .take()
            .and_then(|r| r.into_records(main_text))
            .map(|r| r.facts)
    }

    /// Whether the entry holds records extracted for `lang` with rule files of fingerprint
    /// `rules` by this build (see [`Entry::records_for`]).
    pub fn has_records_for(&self, lang: Option<&str>, rules: &str) -> bool {
        self.records
            .as_ref()
            .is_some_and(|r| r.lang.as_deref() == lang && r.rules == rules)
    }
}

/// An entry as stored ([`payload`] has its bytes). Written from borrowed parts (no copy of
/// the text or the records); read back borrowing from the frame.
#[derive(Debug)]
struct EntryFile<'a> {
    format: u32,
    key: Cow<'a, str>,
    stages: Cow<'a, str>,
    encoding: Cow<'a, str>,
    encoding_source: Cow<'a, str>,
    media_type: Cow<'a, str>,
    /// `None` for plain text (see [`CachedStages::Lang`]).
    text: Option<Cow<'a, str>>,
    title: Option<Cow<'a, str>>,
    published: Option<Cow<'a, str>>,
    lang_attr: Option<Cow<'a, str>>,
    lang: Option<Cow<'a, str>>,
    lang_confidence: Option<f64>,
    lang_source: Cow<'a, str>,
    records: Option<RecordsFile<'a>>,
}

/// One record: start, end (in characters of the entry's main text, which gives the surface
/// text back), index into `rule_ids`, fact.
type CompactFact<'a> = (usize, usize, usize, Cow<'a, Fact>);

#[derive(Clone, Debug)]
struct RecordsFile<'a> {
    build: Cow<'a, str>,
    rules: Cow<'a, str>,
    lang: Option<Cow<'a, str>>,
    rule_ids: Vec<Cow<'a, str>>,
    facts: Vec<CompactFact<'a>>,
}

impl<'a> RecordsFile<'a> {
    fn new(r: &'a Records) -> RecordsFile<'a> {
        let mut rule_ids: Vec<Cow<'a, str>> = Vec::new();
        let facts = r
            .facts
            .iter()
            .map(|e| {
                let i = rule_ids
                    .iter()
                    .position(|id| *id == e.rule_id)
                    .unwrap_or_else(|| {
                        rule_ids.push(Cow::Borrowed(&e.rule_id));
                        rule_ids.len() - 1
                    });
                (e.start, e.end, i, Cow::Borrowed(&e.fact))
            })
            .collect();
        RecordsFile {
            build: Cow::Borrowed(BUILD_FINGERPRINT),
            rules: Cow::Borrowed(&r.rules),
            lang: r.lang.as_deref().map(Cow::Borrowed),
            rule_ids,
            facts,
        }
    }

    /// The same, owning its strings.
    fn into_owned(self) -> RecordsFile<'static> {
        let owned = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        RecordsFile {
            build: owned(self.build),
            rules: owned(self.rules),
            lang: self.lang.map(owned),
            rule_ids: self.rule_ids.into_iter().map(owned).collect(),
            facts: self
                .facts
                .into_iter()
                .map(|(s, e, i, f)| (s, e, i, Cow::Owned(f.into_owned())))
                .collect(),
        }
    }

    /// The records, their surface texts taken from `text`, the main text they were
    /// extracted from; `None` if another build made them or an offset is out of range.
    fn into_records(self, text: &str) -> Option<Records> {
        if self.build != BUILD_FINGERPRINT {
            return None;
        }
        let bytes = char_to_byte(text, self.facts.iter().flat_map(|f| [f.0, f.1]))?;
        let byte = |c: usize| {
            bytes
                .binary_search_by_key(&c, |&(c, _)| c)
                .ok()
                .map(|i| bytes[i].1)
        };
        let facts = self
            .facts
            .into_iter()
            .map(|(start, end, i, fact)| {
                Some(Extracted {
                    start,
                    end,
                    text: text.get(byte(start)?..byte(end)?)?.to_owned(),
                    rule_id: self.rule_ids.get(i)?.clone().into_owned(),
                    fact: fact.into_owned(),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Records {
            lang: self.lang.map(Cow::into_owned),
            rules: self.rules.into_owned(),
            facts,
        })
    }
}

/// The byte offsets of character offsets of `text`, as `(char, byte)` pairs sorted by
/// character; `None` if one is past the end.
fn char_to_byte(text: &str, chars: impl Iterator<Item = usize>) -> Option<Vec<(usize, usize)>> {
    let mut wanted: Vec<usize> = chars.collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = Vec::with_capacity(wanted.len());
    let mut positions = text
        .char_indices()
        .map(|(b, _)| b)
        .chain(std::iter::once(text.len()))
        .enumerate();
    for c in wanted {
        let (_, b) = positions.find(|&(i, _)| i == c)?;
        out.push((c, b));
    }
    Some(out)
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    stages: String,
    build: String,
}

/// The key of a frame: the key's 32 hex digits.
type KeyBytes = [u8; 32];

/// Where a frame is: pack (index into [`State::packs`]), offset of its header, payload
/// length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Loc {
    pack: usize,
    offset: u64,
    len: u32,
}

impl Loc {
    fn frame_len(self) -> usize {
        HEADER + self.len as usize
    }
}

/// A pack file, open for reading (and for appending when this run created it).
#[derive(Debug)]
struct Pack {
    path: PathBuf,
    file: File,
}

impl Pack {
    /// Reads `buf.len()` bytes at `offset`.
    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset)
    }

    /// Reads `buf.len()` bytes at `offset` (through a handle of its own, so that readers in
    /// several threads do not share a file position).
    #[cfg(not(unix))]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = File::open(&self.path)?;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf)
    }
}

/// The pack this run appends to.
#[derive(Debug)]
struct Output {
    /// Its index in [`State::packs`], reserved before its file exists.
    slot: usize,
    /// Bytes already written to its file.
    written: u64,
    /// Frames not written yet; they go at offset `written`.
    buf: Vec<u8>,
    /// The keys of the frames in `buf`.
    pending: Vec<KeyBytes>,
    /// When the first frame in `buf` was buffered.
    since: Instant,
}

/// The index and the output, behind one lock.
#[derive(Debug)]
struct State {
    index: HashMap<KeyBytes, Loc>,
    /// The packs, oldest first; `None` for the output's slot until its file is created.
    packs: Vec<Option<Arc<Pack>>>,
    out: Output,
    /// The number to try for the next pack created.
    next_number: u64,
}

/// An open stage cache, shared by the workers.
#[derive(Debug)]
pub struct StageCache {
    root: PathBuf,
    packs_dir: PathBuf,
    state: OnceLock<Mutex<State>>,
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

/// The fingerprint of the rules that the records of an entry's payload were extracted
/// with; `None` when it has no records or is not a payload. For tests that read packs.
#[doc(hidden)]
pub fn payload_rules(payload: &[u8]) -> Option<String> {
    Some(payload::read(payload)?.records?.rules.into_owned())
}

impl EntryFile<'_> {
    fn text_stages(&self) -> Option<CachedStages> {
        if self.stages != TEXT_STAGES_FINGERPRINT {
            return None;
        }
        let lang = Detected {
            code: self.lang.clone().map(Cow::into_owned),
            confidence: self.lang_confidence,
            source: lang_source(&self.lang_source)?,
        };
        let Some(text) = &self.text else {
            return Some(CachedStages::Lang(lang));
        };
        Some(CachedStages::Whole(TextStages {
            encoding: encoding_name(&self.encoding)?,
            encoding_source: EncodingSource::parse(&self.encoding_source)?,
            media_type: media_type(&self.media_type)?,
            main: MainText {
                text: text.clone().into_owned(),
                title: self.title.clone().map(Cow::into_owned),
                published: self.published.clone().map(Cow::into_owned),
                lang_attr: self.lang_attr.clone().map(Cow::into_owned),
            },
            lang,
        }))
    }
}

impl StageCache {
    /// Opens the cache under `root`, creating it if needed. Folders of other formats are
    /// removed, and so are all entries when the stages' code changed (they can never be
    /// valid again). The packs are read at the first lookup or store.
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
        let packs_dir = dir.join("packs");
        if old.as_ref() != Some(&current) {
            if old.as_ref().is_none_or(|m| m.stages != current.stages) {
                remove_if_present(&packs_dir)?;
            }
            let json = serde_json::to_vec_pretty(&current).map_err(io::Error::other)?;
            write_atomic(&manifest_path, &json)?;
        }
        std::fs::create_dir_all(&packs_dir)?;
        remove_stale_tmp(&packs_dir);
        Ok(StageCache {
            root: root.to_path_buf(),
            packs_dir,
            state: OnceLock::new(),
            write_errors: Mutex::new((0, None)),
        })
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The index and the output, made at the first use: a run whose documents all keep
    /// their rows does not read the packs.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .get_or_init(|| Mutex::new(State::load(&self.packs_dir)))
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry of a content, as far as it is valid for this build; `None` when there is
    /// no usable entry.
    pub fn get(&self, key: &Key) -> Option<Entry> {
        let k = key.bytes();
        // Copy the frame out of the buffer, or find its pack; read the pack unlocked.
        let (frame, at) = {
            let state = self.lock();
            let loc = *state.index.get(&k)?;
            let out = &state.out;
            if loc.pack == out.slot && loc.offset >= out.written {
                let start = (loc.offset - out.written) as usize;
                let frame = out.buf.get(start..start + loc.frame_len())?.to_vec();
                (frame, None)
            } else {
                let pack = state.packs.get(loc.pack)?.clone()?;
                (vec![0; loc.frame_len()], Some((pack, loc.offset)))
            }
        };
        let mut frame = frame;
        if let Some((pack, offset)) = at {
            pack.read_at(&mut frame, offset).ok()?;
        }
        let mut f = payload::read(verified(&frame, &k)?)?;
        if f.format != FORMAT || f.key != key.as_str() {
            return None;
        }
        let text = f.text_stages()?;
        Some(Entry {
            text: Some(text),
            records: f.records.take().map(RecordsFile::into_owned),
        })
    }

    /// Stores the entry of a content, replacing any other (for plain text, its language and
    /// records: see [`CachedStages::Lang`]). A failure
    /// to write is remembered (see [`StageCache::write_errors`]), not returned: the cache only
    /// saves time.
    pub fn put(&self, key: &Key, text: &TextStages, records: Option<&Records>) {
        // Plain text keeps no text stage results (see `CachedStages::Lang`).
        let main = (text.media_type != MediaType::Text).then_some(&text.main);
        let file = EntryFile {
            format: FORMAT,
            key: Cow::Borrowed(key.as_str()),
            stages: Cow::Borrowed(TEXT_STAGES_FINGERPRINT),
            encoding: Cow::Borrowed(text.encoding),
            encoding_source: Cow::Borrowed(text.encoding_source.as_str()),
            media_type: Cow::Borrowed(text.media_type.as_str()),
            text: main.map(|m| Cow::Borrowed(m.text.as_str())),
            title: main.and_then(|m| m.title.as_deref()).map(Cow::Borrowed),
            published: main.and_then(|m| m.published.as_deref()).map(Cow::Borrowed),
            lang_attr: main.and_then(|m| m.lang_attr.as_deref()).map(Cow::Borrowed),
            lang: text.lang.code.as_deref().map(Cow::Borrowed),
            lang_confidence: text.lang.confidence,
            lang_source: Cow::Borrowed(text.lang.source.as_str()),
            records: records.map(RecordsFile::new),
        };
        let k = key.bytes();
        let mut frame = vec![0; HEADER];
        payload::write(&file, &mut frame);
        let sealed = seal(&mut frame, &k);
        if let Err(e) = sealed {
            self.failed(1, format!("entry {}: {e}", key.as_str()));
            return;
        }
        let failure = {
            let mut state = self.lock();
            let out = &mut state.out;
            let loc = Loc {
                pack: out.slot,
                offset: out.written + out.buf.len() as u64,
                len: (frame.len() - HEADER) as u32,
            };
            if out.buf.is_empty() {
                out.since = Instant::now();
            }
            out.buf.extend_from_slice(&frame);
            out.pending.push(k);
            let full = out.buf.len() >= FLUSH_AT || out.since.elapsed() >= FLUSH_AFTER;
            state.index.insert(k, loc);
            if full {
                state.write_out(&self.packs_dir).err()
            } else {
                None
            }
        };
        if let Some((n, message)) = failure {
            self.failed(n, message);
        }
    }

    /// Writes the buffered entries to the pack. The pipeline calls it at the end of a run,
    /// before [`StageCache::write_errors`]; dropping the cache does it too.
    pub fn flush(&self) {
        let Some(state) = self.state.get() else {
            return;
        };
        let failure = state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_out(&self.packs_dir)
            .err();
        if let Some((n, message)) = failure {
            self.failed(n, message);
        }
    }

    /// How many entries could not be written, and the first error.
    pub fn write_errors(&self) -> (usize, Option<String>) {
        self.write_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Counts `n` entries that could not be written.
    fn failed(&self, n: usize, message: String) {
        let mut errors = self
            .write_errors
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        errors.0 += n;
        if errors.1.is_none() {
            errors.1 = Some(message);
        }
    }
}

impl Drop for StageCache {
    fn drop(&mut self) {
        self.flush();
    }
}

impl State {
    /// Reads the frame headers of every pack, compacts them when most of their bytes are
    /// dead, and reserves the slot of the output pack. Packs that cannot be read are misses.
    fn load(packs_dir: &Path) -> State {
        let mut state = scan(packs_dir).unwrap_or_else(|_| State::new(1));
        let live: u64 = state.index.values().map(|l| l.frame_len() as u64).sum();
        let total: u64 = state
            .packs
            .iter()
            .flatten()
            .filter_map(|p| p.file.metadata().ok())
            .map(|m| m.len())
            .sum();
        let dead = total.saturating_sub(live);
        if (dead > live && dead > COMPACT_MIN_DEAD) || state.packs.len() > MAX_PACKS {
            // On failure the packs are left as they are, and read as they are.
            let _ = compact(packs_dir, &mut state);
        }
        state.out.slot = state.packs.len();
        state.packs.push(None);
        state
    }

    /// No packs; the next one created is numbered `next_number` or after.
    fn new(next_number: u64) -> State {
        State {
            index: HashMap::new(),
            packs: Vec::new(),
            out: Output {
                slot: 0,
                written: 0,
                buf: Vec::new(),
                pending: Vec::new(),
                since: Instant::now(),
            },
            next_number,
        }
    }

    /// Writes the buffered frames to the output pack, creating it at the first write. On
    /// failure the pack is abandoned (the next frames go to a new one), the buffered frames
    /// are dropped from the index, and their count and the error are returned.
    fn write_out(&mut self, packs_dir: &Path) -> Result<(), (usize, String)> {
        if self.out.buf.is_empty() {
            return Ok(());
        }
        let slot = self.out.slot;
        let pack = match &self.packs[slot] {
            Some(pack) => Ok(pack.clone()),
            None => create_pack(packs_dir, &mut self.next_number).map(Arc::new),
        };
        let result = pack.and_then(|pack| {
            self.packs[slot] = Some(pack.clone());
            (&pack.file)
                .write_all(&self.out.buf)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", pack.path.display())))
        });
        let out = &mut self.out;
        match result {
            Ok(()) => {
                out.written += out.buf.len() as u64;
                out.buf.clear();
                out.pending.clear();
                Ok(())
            }
            Err(e) => {
                let n = out.pending.len();
                for k in out.pending.drain(..) {
                    if let Some(loc) = self.index.get(&k)
                        && loc.pack == slot
                        && loc.offset >= out.written
                    {
                        self.index.remove(&k);
                    }
                }
                out.buf.clear();
                out.written = 0;
                out.slot = self.packs.len();
                self.packs.push(None);
                Err((n, e.to_string()))
            }
        }
    }
}

/// Fills in the header of a frame whose payload follows `HEADER` bytes of room.
fn seal(frame: &mut [u8], key: &KeyBytes) -> io::Result<()> {
    let len = u32::try_from(frame.len() - HEADER)
        .map_err(|_| io::Error::other("entry larger than 4 GiB"))?;
    frame[..4].copy_from_slice(&MAGIC);
    frame[4..8].copy_from_slice(&len.to_le_bytes());
    frame[8..40].copy_from_slice(key);
    let sum = checksum(&frame[4..40], &frame[HEADER..]);
    frame[40..HEADER].copy_from_slice(sum.as_bytes());
    Ok(())
}

/// The checksum of a frame: BLAKE3 of its length and key (`head`) and its payload.
fn checksum(head: &[u8], payload: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(head);
    h.update(payload);
    h.finalize()
}

/// The payload length and key of a frame header, if it is one.
fn parse_header(header: &[u8; HEADER]) -> Option<(u32, KeyBytes)> {
    if header[..4] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(header[4..8].try_into().ok()?);
    Some((len, header[8..40].try_into().ok()?))
}

/// The payload of a whole frame, if it is a frame of `key` with a valid checksum.
fn verified<'a>(frame: &'a [u8], key: &KeyBytes) -> Option<&'a [u8]> {
    let (header, payload) = frame.split_at_checked(HEADER)?;
    let (len, k) = parse_header(header.try_into().ok()?)?;
    (len as usize == payload.len()
        && k == *key
        && checksum(&header[4..40], payload).as_bytes()[..] == header[40..])
        .then_some(payload)
}

/// The number of a pack named `<n>.pack`.
fn pack_number(name: &std::ffi::OsStr) -> Option<u64> {
    let n = name.to_str()?.strip_suffix(".pack")?;
    n.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| n.parse().ok())?
}

fn pack_path(packs_dir: &Path, number: u64) -> PathBuf {
    packs_dir.join(format!("{number:08}.pack"))
}

/// Creates a new pack, numbered `next_number` or the first free number after it.
fn create_pack(packs_dir: &Path, next_number: &mut u64) -> io::Result<Pack> {
    std::fs::create_dir_all(packs_dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", packs_dir.display())))?;
    loop {
        let path = pack_path(packs_dir, *next_number);
        *next_number += 1;
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok(Pack { path, file }),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        }
    }
}

/// Reads the frame headers of every pack into the index. A pack that cannot be opened is
/// skipped; the reading of a pack stops at its first torn or unreadable frame.
fn scan(packs_dir: &Path) -> io::Result<State> {
    let mut found: Vec<(u64, PathBuf)> = std::fs::read_dir(packs_dir)?
        .flatten()
        .filter_map(|e| Some((pack_number(&e.file_name())?, e.path())))
        .collect();
    found.sort();
    let mut state = State::new(found.last().map_or(1, |(n, _)| n + 1));
    let mut header = [0; HEADER];
    for (_, path) in found {
        let Ok(file) = File::open(&path) else {
            continue;
        };
        let pack = Pack { path, file };
        let size = pack.file.metadata()?.len();
        let slot = state.packs.len();
        let mut offset = 0;
        while offset + HEADER as u64 <= size {
            if pack.read_at(&mut header, offset).is_err() {
                break;
            }
            let Some((len, key)) = parse_header(&header) else {
                break;
            };
            let end = offset + HEADER as u64 + u64::from(len);
            if end > size {
                break;
            }
            state.index.insert(
                key,
                Loc {
                    pack: slot,
                    offset,
                    len,
                },
            );
            offset = end;
        }
        state.packs.push(Some(Arc::new(pack)));
    }
    Ok(state)
}

/// Copies the live entries whose checksum holds into a new pack (written under a temporary
/// name, then renamed), points the index at it and deletes the other packs.
fn compact(packs_dir: &Path, state: &mut State) -> io::Result<()> {
    let mut live: Vec<(KeyBytes, Loc)> = state.index.iter().map(|(k, l)| (*k, *l)).collect();
    live.sort_by_key(|(_, l)| (l.pack, l.offset));
    let tmp = packs_dir.join(format!(".compact-{}.tmp", std::process::id()));
    let mut index = HashMap::with_capacity(live.len());
    let written = (|| {
        let mut w = BufWriter::with_capacity(FLUSH_AT, File::create(&tmp)?);
        let mut frame = Vec::new();
        let mut offset = 0;
        for (key, loc) in live {
            let Some(pack) = &state.packs[loc.pack] else {
                continue;
            };
            frame.resize(loc.frame_len(), 0);
            if pack.read_at(&mut frame, loc.offset).is_err() || verified(&frame, &key).is_none() {
                continue;
            }
            w.write_all(&frame)?;
            index.insert(
                key,
                Loc {
                    pack: 0,
                    offset,
                    len: loc.len,
                },
            );
            offset += frame.len() as u64;
        }
        w.into_inner().map_err(io::IntoInnerError::into_error)?;
        // Claim a number, then rename over the empty file that claims it.
        let path = create_pack(packs_dir, &mut state.next_number)?.path;
        std::fs::rename(&tmp, &path)?;
        Ok(Pack {
            file: File::open(&path)?,
            path,
        })
    })();
    let pack = match written {
        Ok(pack) => pack,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    for old in state.packs.drain(..).flatten() {
        let _ = std::fs::remove_file(&old.path);
    }
    state.packs.push(Some(Arc::new(pack)));
    state.index = index;
    Ok(())
}

/// Removes temporary files that compactions of killed runs left.
fn remove_stale_tmp(packs_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(packs_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_TMP);
        if stale && entry.file_name().to_string_lossy().ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes a temporary file beside `path` and renames it into place.
fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, content)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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

    /// The main text of [`stages`].
    const TEXT: &str = "Le 14 mai 2019 au Japon, puis le Japon";

    fn stages() -> TextStages {
        TextStages {
            encoding: "windows-1252",
            encoding_source: EncodingSource::Meta,
            media_type: MediaType::Html,
            main: MainText {
                text: TEXT.into(),
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

    /// Records of the text of [`stages`] (and [`long_stages`], which starts with it).
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
            facts: vec![country(18, "Japon"), country(33, "Japon")],
        }
    }

    #[test]
    fn records_take_their_surface_texts_from_the_main_text() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let mut s = stages();
        s.main.text = "Ça: 2019 au Japon, où…".into();
        let japon = Extracted {
            start: 12,
            end: 17,
            text: "Japon".into(),
            rule_id: "fr.country.name".into(),
            fact: Fact::Country(CountryFact {
                code: "JP".into(),
                form: CountryForm::Name,
            }),
        };
        let year = Extracted {
            start: 4,
            end: 8,
            text: "2019".into(),
            rule_id: "fr.date.year".into(),
            fact: Fact::Date(crate::fact::DateFact {
                start: Some("2019".into()),
                end: None,
                precision: crate::fact::Precision::Year,
                relative: false,
                anchor: None,
            }),
        };
        let r = Records {
            lang: Some("fr".into()),
            rules: "r".into(),
            facts: vec![japon.clone(), year],
        };
        cache.put(&key("a"), &s, Some(&r));
        assert_eq!(
            cache
                .get(&key("a"))
                .unwrap()
                .records_for(Some("fr"), "r", &s.main.text),
            Some(r.facts)
        );
        // An offset past the end of the text makes the records a miss, not a panic.
        let bad = Records {
            lang: Some("fr".into()),
            rules: "r".into(),
            facts: vec![Extracted {
                start: 20,
                end: 40,
                ..japon
            }],
        };
        cache.put(&key("b"), &s, Some(&bad));
        let entry = cache.get(&key("b")).unwrap();
        assert_eq!(
            entry.clone().records_for(Some("fr"), "r", &s.main.text),
            None
        );
        assert_eq!(entry.text, Some(CachedStages::Whole(s)));
    }

    fn key(name: &str) -> Key {
        Key::new(&blake3::hash(name.as_bytes()), false, None)
    }

    /// Text stages of about 5 KB, different for each `n`.
    fn long_stages(n: usize) -> TextStages {
        let mut s = stages();
        s.main.text = format!("{}. {}", s.main.text, format!("Document {n}. ").repeat(400));
        s
    }

    /// The pack files, oldest first.
    fn packs(root: &Path) -> Vec<PathBuf> {
        let dir = root.join(format!("stages/v{FORMAT}/packs"));
        let mut packs: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "pack"))
            .collect();
        packs.sort();
        packs
    }

    /// A frame of `key` holding `payload`.
    fn frame(key: &Key, payload: &[u8]) -> Vec<u8> {
        let mut frame = vec![0; HEADER];
        frame.extend_from_slice(payload);
        seal(&mut frame, &key.bytes()).unwrap();
        frame
    }

    fn size(path: &Path) -> u64 {
        std::fs::metadata(path).unwrap().len()
    }

    #[test]
    fn entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let key = Key::new(&blake3::hash(b"x"), true, None);
        assert!(cache.get(&key).is_none());
        cache.put(&key, &stages(), Some(&records("r1")));
        // From the buffer, from the pack, and after opening again.
        let check = |cache: &StageCache| {
            let got = cache.get(&key).unwrap();
            assert_eq!(got.text, Some(CachedStages::Whole(stages())));
            assert_eq!(
                got.clone()
                    .records_for(Some("fr"), "r1", &stages().main.text),
                Some(records("r1").facts)
            );
        };
        check(&cache);
        assert!(
            packs(dir.path()).is_empty(),
            "nothing written before a flush"
        );
        cache.flush();
        assert_eq!(packs(dir.path()).len(), 1);
        check(&cache);
        assert_eq!(cache.write_errors(), (0, None));
        drop(cache);
        check(&StageCache::open(dir.path()).unwrap());
        // A run that stores nothing creates no pack.
        assert_eq!(packs(dir.path()).len(), 1);
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
        cache.put(&key, &stages(), Some(&records("r1")));
        let entry = cache.get(&key).unwrap();
        assert_eq!(entry.clone().records_for(Some("fr"), "r2", TEXT), None);
        assert_eq!(entry.clone().records_for(Some("de"), "r1", TEXT), None);
        assert_eq!(
            entry.clone().records_for(Some("fr"), "r1", TEXT),
            Some(records("r1").facts)
        );
    }

    #[test]
    fn corrupt_or_foreign_frames_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let key = key("x");
        StageCache::open(dir.path())
            .unwrap()
            .put(&key, &stages(), Some(&records("r1")));
        let pack = packs(dir.path())[0].clone();
        let full = std::fs::read(&pack).unwrap();
        let payload = full[HEADER..].to_vec();
        // The payload with one string replaced by another of the same length.
        let replaced = |from: &str, to: &str| {
            assert_eq!(from.len(), to.len());
            let at = payload
                .windows(from.len())
                .position(|w| w == from.as_bytes())
                .unwrap_or_else(|| panic!("{from} is in the payload"));
            let mut p = payload.clone();
            p[at..at + to.len()].copy_from_slice(to.as_bytes());
            p
        };
        let read = |bytes: &[u8]| {
            std::fs::write(&pack, bytes).unwrap();
            StageCache::open(dir.path()).unwrap().get(&key)
        };
        let entry = read(&full).unwrap();
        assert!(entry.text.is_some() && entry.records.is_some());
        // Torn, as after a killed run: in the header or in the payload.
        assert!(read(&full[..HEADER - 1]).is_none());
        assert!(read(&full[..full.len() - 1]).is_none());
        // Bytes changed after the checksum was made, as after a power loss.
        let mut flipped = full.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(read(&flipped).is_none());
        let mut bad_magic = full.clone();
        bad_magic[0] = b'X';
        assert!(read(&bad_magic).is_none());
        // A whole frame that names another key, another format, or other stage code.
        let other = Key::new(&blake3::hash(b"y"), false, None);
        for (from, to) in [
            (key.as_str(), other.as_str()),
            (TEXT_STAGES_FINGERPRINT, "0000000000000000"),
        ] {
            assert!(read(&frame(&key, &replaced(from, to))).is_none(), "{to}");
        }
        // The format comes first.
        assert_eq!(u32::from(payload[0]), FORMAT);
        let mut other_format = payload.clone();
        other_format[0] = 99;
        assert!(read(&frame(&key, &other_format)).is_none());
        assert!(read(&frame(&key, b"\xff\xff not a payload")).is_none());
        // Records of another build are dropped, the text is kept.
        let entry = read(&frame(
            &key,
            &replaced(BUILD_FINGERPRINT, "0000000000000000"),
        ))
        .unwrap();
        assert!(entry.text.is_some());
        assert_eq!(entry.clone().records_for(Some("fr"), "r1", TEXT), None);
    }

    #[test]
    fn plain_text_entries_keep_the_language_and_records_not_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        let mut plain = stages();
        plain.media_type = MediaType::Text;
        plain.encoding = "UTF-8";
        plain.encoding_source = EncodingSource::Utf8;
        let html = key("html");
        cache.put(&key("plain"), &plain, Some(&records("r1")));
        cache.put(&html, &stages(), Some(&records("r1")));
        let entry = cache.get(&key("plain")).unwrap();
        assert_eq!(entry.text, Some(CachedStages::Lang(plain.lang.clone())));
        // The records need the text made again from the bytes.
        assert_eq!(
            entry.clone().records_for(Some("fr"), "r1", TEXT),
            Some(records("r1").facts)
        );
        // The text is not in the pack; the HTML page's is.
        cache.flush();
        let packed: Vec<u8> = packs(dir.path())
            .iter()
            .flat_map(|p| std::fs::read(p).unwrap())
            .collect();
        let count = |needle: &str| {
            packed
                .windows(needle.len())
                .filter(|w| *w == needle.as_bytes())
                .count()
        };
        assert_eq!(count(TEXT), 1);
    }

    #[test]
    fn other_formats_and_stale_entries_are_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::new(&blake3::hash(b"x"), false, None);
        StageCache::open(dir.path())
            .unwrap()
            .put(&key, &stages(), None);
        std::fs::create_dir_all(dir.path().join("stages/v0/entries")).unwrap();
        std::fs::create_dir_all(dir.path().join("stages/v1/entries/ab")).unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        assert!(!dir.path().join("stages/v0").exists());
        assert!(!dir.path().join("stages/v1").exists());
        assert!(cache.get(&key).is_some(), "same code: entries kept");
        drop(cache);
        let manifest = dir.path().join(format!("stages/v{FORMAT}/manifest.json"));
        let json = std::fs::read_to_string(&manifest)
            .unwrap()
            .replace(TEXT_STAGES_FINGERPRINT, "0000000000000000");
        std::fs::write(&manifest, json).unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        assert!(
            cache.get(&key).is_none(),
            "other stage code: entries removed"
        );
        assert!(packs(dir.path()).is_empty());
        assert!(dir.path().join("CACHEDIR.TAG").exists());
    }

    #[test]
    fn concurrent_puts_are_all_read_back() {
        const THREADS: usize = 4;
        const EACH: usize = 250; // about 5 MB in all: several flushes
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let cache = &cache;
                s.spawn(move || {
                    for n in (0..EACH).map(|i| t * EACH + i) {
                        let k = key(&n.to_string());
                        cache.put(&k, &long_stages(n), Some(&records("r1")));
                        assert_eq!(
                            cache.get(&k).unwrap().text,
                            Some(CachedStages::Whole(long_stages(n)))
                        );
                    }
                });
            }
        });
        assert_eq!(cache.write_errors(), (0, None));
        drop(cache);
        assert_eq!(packs(dir.path()).len(), 1);
        let cache = StageCache::open(dir.path()).unwrap();
        for n in 0..THREADS * EACH {
            let entry = cache.get(&key(&n.to_string())).unwrap();
            assert_eq!(entry.text, Some(CachedStages::Whole(long_stages(n))));
            assert_eq!(
                entry
                    .clone()
                    .records_for(Some("fr"), "r1", &long_stages(n).main.text),
                Some(records("r1").facts)
            );
        }
    }

    #[test]
    fn a_torn_tail_loses_only_its_entry_and_is_never_appended_to() {
        for cut_into_header in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            let cache = StageCache::open(dir.path()).unwrap();
            cache.put(&key("a"), &stages(), None);
            cache.put(&key("b"), &stages(), None);
            cache.flush();
            let pack = packs(dir.path())[0].clone();
            let start_of_c = size(&pack);
            cache.put(&key("c"), &stages(), None);
            drop(cache);
            let cut = if cut_into_header {
                start_of_c + 10
            } else {
                size(&pack) - 10
            };
            std::fs::OpenOptions::new()
                .write(true)
                .open(&pack)
                .unwrap()
                .set_len(cut)
                .unwrap();
            let cache = StageCache::open(dir.path()).unwrap();
            assert!(cache.get(&key("a")).is_some());
            assert!(cache.get(&key("b")).is_some());
            assert!(cache.get(&key("c")).is_none());
            cache.put(&key("c"), &stages(), None);
            cache.put(&key("d"), &stages(), None);
            drop(cache);
            assert_eq!(packs(dir.path()).len(), 2, "a new pack");
            assert_eq!(size(&pack), cut, "nothing after the torn tail");
            let cache = StageCache::open(dir.path()).unwrap();
            for k in ["a", "b", "c", "d"] {
                assert!(cache.get(&key(k)).is_some(), "{k}");
            }
        }
    }

    #[test]
    fn the_last_entry_stored_wins_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let k = key("x");
        let cache = StageCache::open(dir.path()).unwrap();
        cache.put(&k, &stages(), Some(&records("r1")));
        cache.flush();
        cache.put(&k, &stages(), Some(&records("r2")));
        drop(cache);
        let records_of = |cache: &StageCache| cache.get(&k).unwrap().records.unwrap().rules;
        let cache = StageCache::open(dir.path()).unwrap();
        assert_eq!(records_of(&cache), "r2", "later in the same pack");
        cache.put(&k, &stages(), Some(&records("r3")));
        assert_eq!(records_of(&cache), "r3");
        drop(cache);
        assert_eq!(packs(dir.path()).len(), 2);
        assert_eq!(
            records_of(&StageCache::open(dir.path()).unwrap()),
            "r3",
            "in a newer pack"
        );
    }

    #[test]
    fn compaction_keeps_live_entries_and_drops_dead_bytes() {
        const KEYS: usize = 40; // about 200 KB of entries
        const REPLACED: usize = 30;
        let dir = tempfile::tempdir().unwrap();
        let run = |rules: &str, keys: usize| {
            let cache = StageCache::open(dir.path()).unwrap();
            for n in 0..keys {
                cache.put(&key(&n.to_string()), &long_stages(n), Some(&records(rules)));
            }
        };
        run("r1", KEYS);
        run("r2", REPLACED);
        // Dead bytes (150 KB) fewer than live ones: not compacted.
        run("r3", REPLACED);
        assert_eq!(packs(dir.path()).len(), 3);
        // And a torn frame at the end of the last pack.
        let last = packs(dir.path())[2].clone();
        let mut torn = std::fs::read(&last).unwrap();
        torn.truncate(HEADER + 100);
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&last)
            .unwrap();
        file.write_all(&torn).unwrap();
        drop(file);
        let before: u64 = packs(dir.path()).iter().map(|p| size(p)).sum();

        let cache = StageCache::open(dir.path()).unwrap();
        assert_eq!(packs(dir.path()).len(), 3, "read at the first use");
        let live: u64 = cache
            .lock()
            .index
            .values()
            .map(|l| l.frame_len() as u64)
            .sum();
        let after = packs(dir.path());
        assert_eq!(after.len(), 1, "compacted into one pack");
        assert_eq!(size(&after[0]), live, "no dead bytes left");
        assert!(live * 2 < before);
        for n in 0..KEYS {
            let entry = cache.get(&key(&n.to_string())).unwrap();
            assert_eq!(entry.text, Some(CachedStages::Whole(long_stages(n))));
            let rules = if n < REPLACED { "r3" } else { "r1" };
            assert_eq!(entry.records.unwrap().rules, rules, "{n}");
        }
        let names: Vec<_> = std::fs::read_dir(after[0].parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        // The next run's pack comes after the compacted one.
        cache.put(&key("new"), &stages(), None);
        drop(cache);
        let cache = StageCache::open(dir.path()).unwrap();
        assert_eq!(packs(dir.path()).len(), 2);
        assert!(cache.get(&key("new")).is_some());
        assert!(cache.get(&key("0")).is_some());
    }

    #[test]
    fn many_packs_are_compacted() {
        let dir = tempfile::tempdir().unwrap();
        for n in 0..=MAX_PACKS {
            StageCache::open(dir.path())
                .unwrap()
                .put(&key(&n.to_string()), &stages(), None);
        }
        assert_eq!(packs(dir.path()).len(), MAX_PACKS + 1);
        let cache = StageCache::open(dir.path()).unwrap();
        for n in 0..=MAX_PACKS {
            assert!(cache.get(&key(&n.to_string())).is_some(), "{n}");
        }
        assert_eq!(packs(dir.path()).len(), 1);
    }

    #[test]
    fn failed_writes_are_counted_and_their_entries_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let cache = StageCache::open(dir.path()).unwrap();
        // A file where the packs folder should be: no pack can be created.
        std::fs::remove_dir_all(&cache.packs_dir).unwrap();
        std::fs::write(&cache.packs_dir, b"").unwrap();
        cache.put(&key("a"), &stages(), None);
        cache.put(&key("b"), &stages(), None);
        cache.flush();
        let (n, first) = cache.write_errors();
        assert_eq!(n, 2);
        assert!(first.unwrap().contains("packs"));
        assert!(cache.get(&key("a")).is_none());
        // Once the folder is back, entries are stored again.
        std::fs::remove_file(&cache.packs_dir).unwrap();
        cache.put(&key("c"), &stages(), None);
        cache.flush();
        assert_eq!(cache.write_errors().0, 2);
        drop(cache);
        assert!(
            StageCache::open(dir.path())
                .unwrap()
                .get(&key("c"))
                .is_some()
        );
    }
}
