//! Finding inputs: files named on the command line, the article files in folders, and URLs
//! (named on the command line or listed in `--urls` files); [`fetch`] downloads the URLs.
//!
//! Folders are walked recursively in sorted order, skipping hidden entries; only `.txt`,
//! `.text`, `.html`, `.htm` and `.xhtml` files are taken from folders, and the others are
//! reported as skipped. A file named explicitly is always read. An input that starts with
//! `http://` or `https://` is a URL. A path that does not exist, an unreadable URL list or a
//! line of it that is not an `http(s)` URL becomes a [`Failure`]; this module reads no URL.

pub mod fetch;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::document::{Input, Source, UrlInput};
use crate::error::{Failure, Stage};

/// Extensions read from folders.
pub const ARTICLE_EXTENSIONS: &[&str] = &["txt", "text", "html", "htm", "xhtml"];

/// What walking the inputs found.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files and URLs to read, sorted by source, without duplicates.
    pub sources: Vec<Source>,
    /// Files in folders that are not articles.
    pub skipped: Vec<String>,
    /// Inputs that could not be walked.
    pub failures: Vec<Failure>,
}

/// Whether a path names an HTML file by its extension.
pub fn is_html_path(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("html" | "htm" | "xhtml")
    )
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

fn io_failure(source: String, e: &std::io::Error) -> Failure {
    let kind = match e.kind() {
        std::io::ErrorKind::NotFound => "not_found",
        std::io::ErrorKind::PermissionDenied => "permission_denied",
        _ => "io",
    };
    let hint = match kind {
        "not_found" => " (check the path)",
        "permission_denied" => " (check the file's permissions)",
        _ => "",
    };
    Failure::new(source, Stage::Ingest, kind, format!("{e}{hint}"))
}

/// Whether an input names a URL (`http://` or `https://`, any case) rather than a path.
pub fn is_url(input: &str) -> bool {
    let lower = input
        .get(..8)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Parses a URL input; `at` names where it was written (for the message).
fn url_input(text: &str, at: &str) -> Result<UrlInput, Failure> {
    let invalid = |why: String| {
        Failure::new(
            text,
            Stage::Ingest,
            "invalid_url",
            format!("{at}not a valid http(s) URL: {why}"),
        )
    };
    let url = url::Url::parse(text).map_err(|e| invalid(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "scheme {} is not http or https",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host".into()));
    }
    Ok(UrlInput {
        source: text.to_owned(),
        url,
    })
}

/// Reads a URL list: one URL a line; blank lines and lines starting with `#` are ignored.
/// `-` reads standard input.
fn read_url_list(list: &Path, out: &mut Inputs) {
    let name = display(list);
    let content = if list.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(list)
    };
    let content = match content {
        Ok(c) => c,
        Err(e) => {
            out.failures.push(io_failure(name, &e));
            return;
        }
    };
    for (n, line) in content.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{FEFF}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("{name}:{}: ", n + 1);
        if !is_url(line) {
            out.failures.push(Failure::new(
                line,
                Stage::Ingest,
                "invalid_url",
                format!("{at}not an http:// or https:// URL (one URL a line, # for comments)"),
            ));
            continue;
        }
        match url_input(line, &at) {
            Ok(u) => out.sources.push(Source::Url(u)),
            Err(f) => out.failures.push(f),
        }
    }
}

fn walk(dir: &Path, out: &mut Inputs) {
    // Whether each entry is a folder, from the listing itself (no `stat` per file, which is
    // most of the walk's time on a large corpus); links are followed as `Path::is_dir` does.
    let mut entries: Vec<(PathBuf, bool)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| {
                let path = e.path();
                let is_dir = match e.file_type() {
                    Ok(t) if !t.is_symlink() => t.is_dir(),
                    _ => path.is_dir(),
                };
                (path, is_dir)
            })
            .collect(),
        Err(e) => {
            out.failures.push(io_failure(display(dir), &e));
            return;
        }
    };
    entries.sort();
    for (path, is_dir) in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if is_dir {
            walk(&path, out);
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if ext.is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.as_str())) {
            out.sources.push(Source::File(Input {
                source: display(&path),
                path,
            }));
        } else {
            out.skipped.push(display(&path));
        }
    }
}

/// Expands inputs (files, folders and URLs) and URL lists into the list of sources.
pub fn collect(inputs: &[PathBuf], url_lists: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    for path in inputs {
        if let Some(text) = path.to_str().filter(|t| is_url(t)) {
            match url_input(text, "") {
                Ok(u) => out.sources.push(Source::Url(u)),
                Err(f) => out.failures.push(f),
            }
            continue;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, &mut out),
            Ok(_) => out.sources.push(Source::File(Input {
                source: display(path),
                path: path.clone(),
            })),
            Err(e) => out.failures.push(io_failure(display(path), &e)),
        }
    }
    for list in url_lists {
        read_url_list(list, &mut out);
    }
    out.sources.sort_by(|a, b| a.name().cmp(b.name()));
    out.sources.dedup_by(|a, b| a.name() == b.name());
    out.skipped.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_walked_sorted_and_other_files_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("b")).unwrap();
        std::fs::write(dir.path().join("b/z.txt"), "x").unwrap();
        std::fs::write(dir.path().join("a.html"), "x").unwrap();
        std::fs::write(dir.path().join("notes.pdf"), "x").unwrap();
        std::fs::write(dir.path().join(".hidden.txt"), "x").unwrap();
        let found = collect(&[dir.path().to_path_buf()], &[]);
        let names: Vec<_> = found
            .sources
            .iter()
            .map(|s| {
                let Source::File(i) = s else {
                    panic!("not a file: {s:?}")
                };
                i.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec!["a.html", "b/z.txt"]);
        assert_eq!(found.skipped.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn links_to_folders_are_walked_and_links_to_files_read() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(elsewhere.path().join("d")).unwrap();
        std::fs::write(elsewhere.path().join("d/in.txt"), "x").unwrap();
        std::fs::write(elsewhere.path().join("f.txt"), "x").unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("d"), dir.path().join("linked")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("f.txt"), dir.path().join("l.txt"))
            .unwrap();
        let found = collect(&[dir.path().to_path_buf()], &[]);
        let names: Vec<_> = found.sources.iter().map(Source::name).collect();
        let root = display(dir.path());
        assert_eq!(
            names,
            vec![format!("{root}/l.txt"), format!("{root}/linked/in.txt")]
        );
    }

    #[test]
    fn missing_path_is_a_failure_not_a_panic() {
        let found = collect(&[PathBuf::from("no/such/place.txt")], &[]);
        assert_eq!(found.failures.len(), 1);
        assert_eq!(found.failures[0].kind, "not_found");
        assert_eq!(found.failures[0].stage, Stage::Ingest);
    }

    #[test]
    fn urls_are_recognized_and_lists_skip_comments_and_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("urls.txt");
        std::fs::write(
            &list,
            "# news\n\nhttps://example.org/b\n  http://example.org/a  \nftp://example.org/c\nhttp://\n",
        )
        .unwrap();
        let found = collect(
            &[
                PathBuf::from("HTTPS://example.org/z"),
                PathBuf::from("https://example.org/b"),
            ],
            &[list],
        );
        let names: Vec<_> = found.sources.iter().map(Source::name).collect();
        assert_eq!(
            names,
            vec![
                "HTTPS://example.org/z",
                "http://example.org/a",
                "https://example.org/b"
            ]
        );
        let kinds: Vec<_> = found.failures.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, vec!["invalid_url", "invalid_url"]);
        assert!(
            found.failures[0].message.contains("urls.txt:5: "),
            "{:?}",
            found.failures
        );
    }
}
