//! The fetch cache: raw bytes of fetched URLs, so that a re-run (after a rule edit) does not
//! download them again. Bodies are stored once by content hash (BLAKE3); a small JSON entry
//! per URL (named by the hash of the URL) gives the body's hash and the provenance of the
//! fetch. Every file is written to a temporary name and renamed, so an interrupted run never
//! leaves a torn entry, and a body is stored before the entry that names it.
//!
//! Layout, under the cache root (`<output>/.cache` or `--cache DIR`):
//! ```text
//! fetch/v1/urls/<32 hex of BLAKE3(url)>.json
//! fetch/v1/bodies/<2 hex>/<64 hex of BLAKE3(body)>
//! ```
//! `v1` is the format version: a change of format moves to `v2` and ignores older entries.
//! An entry whose body is missing or does not match its hash is a miss.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};
use url::Url;

use super::Fetched;
use crate::document::Provenance;

/// The folder of this format version, under `<root>/fetch/`.
pub const FORMAT_VERSION: &str = "v1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    url: String,
    final_url: String,
    fetched_at: String,
    http_status: u16,
    content_type: Option<String>,
    body_hash: String,
    bytes: u64,
}

/// A fetch cache folder, shared by the fetch threads.
#[derive(Debug)]
pub struct FetchCache {
    dir: PathBuf,
    temp_counter: AtomicU64,
}

impl FetchCache {
    /// Opens (creating it if needed) the fetch cache under a cache root.
    ///
    /// # Errors
    ///
    /// When the folders cannot be created.
    pub fn open(root: &Path) -> io::Result<FetchCache> {
        let dir = root.join("fetch").join(FORMAT_VERSION);
        std::fs::create_dir_all(dir.join("urls"))?;
        std::fs::create_dir_all(dir.join("bodies"))?;
        Ok(FetchCache {
            dir,
            temp_counter: AtomicU64::new(0),
        })
    }

    fn entry_path(&self, url: &Url) -> PathBuf {
        let key = blake3::hash(url.as_str().as_bytes()).to_hex();
        self.dir.join("urls").join(format!("{}.json", &key[..32]))
    }

    fn body_path(&self, hash: &str) -> PathBuf {
        self.dir
            .join("bodies")
            .join(hash.get(..2).unwrap_or("00"))
            .join(hash)
    }

    /// The cached fetch of `url`, if any and intact.
    pub fn get(&self, url: &Url) -> Option<Fetched> {
        let json = std::fs::read(self.entry_path(url)).ok()?;
        let entry: Entry = serde_json::from_slice(&json).ok()?;
        if entry.url != url.as_str() {
            return None;
        }
        let bytes = std::fs::read(self.body_path(&entry.body_hash)).ok()?;
        if blake3::hash(&bytes).to_hex().as_str() != entry.body_hash {
            return None;
        }
        Some(Fetched {
            bytes,
            provenance: Provenance {
                final_url: entry.final_url,
                fetched_at: entry.fetched_at,
                http_status: entry.http_status,
                content_type: entry.content_type,
            },
            from_cache: true,
        })
    }

    /// Stores a fetch of `url`.
    ///
    /// # Errors
    ///
    /// When a file cannot be written or renamed.
    pub fn put(&self, url: &Url, fetched: &Fetched) -> io::Result<()> {
        let hash = blake3::hash(&fetched.bytes).to_hex().to_string();
        let body = self.body_path(&hash);
        if !body.exists() {
            if let Some(parent) = body.parent() {
                std::fs::create_dir_all(parent)?;
            }
            self.write_atomic(&body, &fetched.bytes)?;
        }
        let p = &fetched.provenance;
        let entry = Entry {
            url: url.to_string(),
            final_url: p.final_url.clone(),
            fetched_at: p.fetched_at.clone(),
            http_status: p.http_status,
            content_type: p.content_type.clone(),
            body_hash: hash,
            bytes: fetched.bytes.len() as u64,
        };
        let json = serde_json::to_vec_pretty(&entry).map_err(io::Error::other)?;
        self.write_atomic(&self.entry_path(url), &json)
    }

    /// Writes to a temporary file beside `path` (unique to this process and call), then
    /// renames it into place.
    fn write_atomic(&self, path: &Path, content: &[u8]) -> io::Result<()> {
        let n = self.temp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!(".tmp-{}-{n}", std::process::id()));
        let written = std::fs::write(&tmp, content).and_then(|()| std::fs::rename(&tmp, path));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(body: &[u8]) -> Fetched {
        Fetched {
            bytes: body.to_vec(),
            provenance: Provenance {
                final_url: "http://a.test/final".into(),
                fetched_at: "2024-05-01T12:34:56Z".into(),
                http_status: 200,
                content_type: Some("text/html".into()),
            },
            from_cache: false,
        }
    }

    #[test]
    fn entries_round_trip_under_a_versioned_folder() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FetchCache::open(dir.path()).unwrap();
        let url = Url::parse("http://a.test/").unwrap();
        assert!(cache.get(&url).is_none());
        cache.put(&url, &fetched(b"<p>x</p>")).unwrap();
        let hit = cache.get(&url).unwrap();
        assert!(hit.from_cache);
        assert_eq!(hit.bytes, b"<p>x</p>");
        assert_eq!(hit.provenance, fetched(b"").provenance);
        assert!(dir.path().join("fetch/v1/urls").read_dir().unwrap().count() == 1);
        let leftovers: Vec<_> = dir
            .path()
            .join("fetch/v1")
            .read_dir()
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn a_damaged_body_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = FetchCache::open(dir.path()).unwrap();
        let url = Url::parse("http://a.test/").unwrap();
        cache.put(&url, &fetched(b"abc")).unwrap();
        let hash = blake3::hash(b"abc").to_hex().to_string();
        std::fs::write(cache.body_path(&hash), b"abd").unwrap();
        assert!(cache.get(&url).is_none());
    }
}
