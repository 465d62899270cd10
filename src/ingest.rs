//! Finding inputs: files named on the command line and the article files in folders.
//!
//! Folders are walked recursively in sorted order, skipping hidden entries; only `.txt`,
//! `.text`, `.html`, `.htm` and `.xhtml` files are taken from folders, and the others are
//! reported as skipped. A file named explicitly is always read. A path that does not exist
//! becomes a [`Failure`].

use std::path::{Path, PathBuf};

use crate::document::Input;
use crate::error::{Failure, Stage};

/// Extensions read from folders.
pub const ARTICLE_EXTENSIONS: &[&str] = &["txt", "text", "html", "htm", "xhtml"];

/// What walking the inputs found.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Files to read, sorted by source, without duplicates.
    pub files: Vec<Input>,
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
    Failure {
        source,
        stage: Stage::Ingest,
        kind,
        message: format!("{e}{hint}"),
    }
}

fn walk(dir: &Path, out: &mut Inputs) {
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => {
            out.failures.push(io_failure(display(dir), &e));
            return;
        }
    };
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if ext.is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.as_str())) {
            out.files.push(Input {
                source: display(&path),
                path,
            });
        } else {
            out.skipped.push(display(&path));
        }
    }
}

/// Expands paths (files and folders) into the list of inputs.
pub fn collect(paths: &[PathBuf]) -> Inputs {
    let mut out = Inputs::default();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, &mut out),
            Ok(_) => out.files.push(Input {
                source: display(path),
                path: path.clone(),
            }),
            Err(e) => out.failures.push(io_failure(display(path), &e)),
        }
    }
    out.files.sort();
    out.files.dedup();
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
        let found = collect(&[dir.path().to_path_buf()]);
        let names: Vec<_> = found
            .files
            .iter()
            .map(|i| {
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

    #[test]
    fn missing_path_is_a_failure_not_a_panic() {
        let found = collect(&[PathBuf::from("no/such/place.txt")]);
        assert_eq!(found.failures.len(), 1);
        assert_eq!(found.failures[0].kind, "not_found");
        assert_eq!(found.failures[0].stage, Stage::Ingest);
    }
}
