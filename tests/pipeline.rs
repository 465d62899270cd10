//! The golden test: `newsfacts run fixtures` must reproduce the committed `output/` tables,
//! row for row. After a reviewed change, `NEWSFACTS_BLESS=1 cargo test` rewrites `output/`.

use crate::util::{TABLES, newsfacts, read_csv, repo};

#[test]
fn fixtures_reproduce_the_committed_output() {
    let bless = std::env::var_os("NEWSFACTS_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let out = if bless {
        repo().join("output")
    } else {
        tmp.path().to_path_buf()
    };
    let result = newsfacts(&["run", "fixtures", "-o", out.to_str().unwrap(), "--quiet"]);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    if bless {
        return;
    }
    let mut diffs = Vec::new();
    for table in TABLES {
        let file = format!("{table}.csv");
        let (eh, expected) = read_csv(&repo().join("output").join(&file));
        let (gh, got) = read_csv(&out.join(&file));
        assert_eq!(eh, gh, "{file}: header differs");
        for row in expected.iter().filter(|r| !got.contains(r)) {
            diffs.push(format!("{file}: missing {row:?}"));
        }
        for row in got.iter().filter(|r| !expected.contains(r)) {
            diffs.push(format!("{file}: unexpected {row:?}"));
        }
        if diffs.is_empty() {
            assert_eq!(expected, got, "{file}: same rows in a different order");
        }
    }
    assert!(
        diffs.is_empty(),
        "output differs from the committed output/ (review, then NEWSFACTS_BLESS=1 cargo test):\n{}",
        diffs.join("\n")
    );
    let schema = std::fs::read_to_string(out.join("schema.sql")).unwrap();
    assert_eq!(
        schema,
        std::fs::read_to_string(repo().join("output/schema.sql")).unwrap()
    );
}

#[test]
fn output_is_identical_with_one_and_four_jobs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for (dir, jobs) in [(&a, "1"), (&b, "4")] {
        let r = newsfacts(&[
            "run",
            "fixtures",
            "-o",
            dir.path().to_str().unwrap(),
            "--quiet",
            "--jobs",
            jobs,
        ]);
        assert_eq!(r.status.code(), Some(0));
    }
    for table in TABLES {
        let file = format!("{table}.csv");
        assert_eq!(
            std::fs::read(a.path().join(&file)).unwrap(),
            std::fs::read(b.path().join(&file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn every_fixture_language_has_records_of_every_numeric_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let r = newsfacts(&[
        "run",
        "fixtures",
        "-o",
        tmp.path().to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(r.status.code(), Some(0));
    let docs = crate::util::column(&tmp.path().join("documents.csv"), "source");
    assert!(docs.len() >= 26, "{docs:?}");
    for table in ["dates", "amounts", "counts", "countries"] {
        let n = read_csv(&tmp.path().join(format!("{table}.csv"))).1.len();
        assert!(n > 0, "{table} is empty");
    }
}
