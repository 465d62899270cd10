//! Embeds the repository's `rules/` folder (the default rule set) into the binary, so an
//! installed `newsfacts` works anywhere. The loader reads the embedded copy exactly like a
//! `--rules DIR` folder.
//!
//! Also fingerprints the source code the binary is built from, so that the stage cache and
//! the reuse of a previous run's rows are invalidated by any change of the code that produced
//! them, without anyone having to remember to bump a version (see `src/cache.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, root, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("toml" | "csv")
        ) {
            let rel = path
                .strip_prefix(root)
                .expect("walked paths are under the root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path));
        }
    }
}

/// FNV-1a, 64 bits: deterministic across builds and platforms, and enough to tell versions of
/// the code apart (this is not a defence against an adversary).
fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
}

/// Every file under `dir` (recursively), sorted.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Fingerprint of some source files: `names` are paths relative to the crate root; a name
/// `src/x` stands for `src/x.rs` and everything under `src/x/`.
fn fingerprint(root: &Path, names: &[&str]) -> String {
    let mut paths = Vec::new();
    for name in names {
        let path = root.join(name);
        if path.is_dir() {
            files_under(&path, &mut paths);
        } else if path.is_file() {
            paths.push(path);
        }
        let rs = root.join(format!("{name}.rs"));
        if rs.is_file() {
            paths.push(rs);
        }
    }
    paths.sort();
    paths.dedup();
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for path in &paths {
        let rel = path.strip_prefix(root).unwrap_or(path);
        fnv1a(&mut hash, rel.to_string_lossy().as_bytes());
        fnv1a(&mut hash, &[0]);
        fnv1a(&mut hash, &std::fs::read(path).unwrap_or_default());
        fnv1a(&mut hash, &[0]);
    }
    format!("{hash:016x}")
}

fn source_fingerprints(root: &Path) {
    // The stage cache's text entries are valid while the code of the stages that made them
    // is unchanged; Cargo.lock covers the dependencies (encoding_rs, scraper, whatlang …),
    // whose upgrades can change results too. Records depend on all the code.
    let stages: [(&str, &[&str]); 2] = [
        (
            "NEWSFACTS_FP_TEXT_STAGES",
            &[
                "Cargo.lock",
                "src/decode",
                "src/text",
                "src/lang",
                "src/pipeline",
                "src/cache",
            ],
        ),
        ("NEWSFACTS_FP_BUILD", &["Cargo.lock", "src"]),
    ];
    for (var, names) in stages {
        println!("cargo:rustc-env={var}={}", fingerprint(root, names));
    }
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    source_fingerprints(&manifest);
    let root = manifest.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut code = String::from(
        "/// The default rule files: (path relative to rules/, content).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, path) in &files {
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("embedded_rules.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
