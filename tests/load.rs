//! Feeding databases (issue 7): `newsfacts load --sqlite` upserts a run (twice changes
//! nothing, a re-run after a rule edit replaces exactly what changed, a failure changes
//! nothing), and `newsfacts schema` creates tables that take the CSV files as they are.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use crate::util::{TABLES, newsfacts, read_csv, repo};

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `newsfacts run INPUT -o OUT [extra]`, which must succeed.
fn run(input: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["run", input, "-o", path_str(out), "--quiet"];
    args.extend_from_slice(extra);
    let r = newsfacts(&args);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

/// `newsfacts load --sqlite DB DIR`: exit code and stderr.
fn load(db: &Path, dir: &Path) -> (Option<i32>, String) {
    let r = newsfacts(&["load", "--sqlite", path_str(db), path_str(dir)]);
    (
        r.status.code(),
        String::from_utf8_lossy(&r.stderr).into_owned(),
    )
}

/// A load that must succeed; returns (inserted, updated, deleted, unchanged) per table, as
/// reported on stderr.
fn load_ok(db: &Path, dir: &Path) -> BTreeMap<String, [usize; 4]> {
    let (code, stderr) = load(db, dir);
    assert_eq!(code, Some(0), "{stderr}");
    parse_counts(&stderr)
}

fn parse_counts(stderr: &str) -> BTreeMap<String, [usize; 4]> {
    let mut counts = BTreeMap::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("newsfacts: ") else {
            continue;
        };
        let Some((table, numbers)) = rest.split_once(": ") else {
            continue;
        };
        if !TABLES.contains(&table) {
            continue;
        }
        let n: Vec<usize> = numbers
            .split(", ")
            .map(|part| part.split(' ').next().unwrap().parse().unwrap())
            .collect();
        counts.insert(table.to_owned(), [n[0], n[1], n[2], n[3]]);
    }
    assert_eq!(counts.len(), TABLES.len(), "{stderr}");
    counts
}

/// A cell as the CSV writes it: NULL is empty, numbers in their shortest form.
fn cell_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
        ValueRef::Blob(_) => panic!("no column holds blobs"),
    }
}

/// Every row of a table, as CSV cells in CSV column order, sorted.
fn table_rows(db: &Path, table: &str) -> Vec<Vec<String>> {
    let def = newsfacts::record::tables()
        .into_iter()
        .find(|t| t.name == table)
        .unwrap();
    let columns: Vec<String> = def
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT {} FROM {table}", columns.join(", ")))
        .unwrap();
    let n = stmt.column_count();
    let mut rows: Vec<Vec<String>> = stmt
        .query_map([], |r| {
            Ok((0..n)
                .map(|i| cell_text(r.get_ref(i).unwrap()))
                .collect::<Vec<_>>())
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    rows
}

/// Every table of a database, as sorted CSV cells.
fn dump(db: &Path) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    TABLES.iter().map(|t| (*t, table_rows(db, t))).collect()
}

/// Every table of a run folder, sorted.
fn csv_tables(dir: &Path) -> BTreeMap<&'static str, Vec<Vec<String>>> {
    TABLES
        .iter()
        .map(|t| {
            let mut rows = read_csv(&dir.join(format!("{t}.csv"))).1;
            rows.sort();
            (*t, rows)
        })
        .collect()
}

/// A copy of the default rules with three edits: "dollars" becomes CAD (changes the values
/// of existing records), fr.count.range is renamed (its records get new ids) and
/// fr.count.approx is removed (its records go).
fn edited_rules(dir: &Path) -> PathBuf {
    let rules = dir.join("rules");
    copy_dir(&repo().join("rules"), &rules);
    let edit = |file: &str, from: &str, to: &str| {
        let path = rules.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} no longer contains {from:?}");
        std::fs::write(&path, text.replace(from, to)).unwrap();
    };
    edit(
        "fr/lexicon.toml",
        "\"dollar\" = \"USD?\"",
        "\"dollar\" = \"CAD?\"",
    );
    edit(
        "fr/lexicon.toml",
        "\"dollars\" = \"USD?\"",
        "\"dollars\" = \"CAD?\"",
    );
    edit(
        "fr/amounts.toml",
        "currency = \"USD\", currency_ambiguous = \"true\"",
        "currency = \"CAD\", currency_ambiguous = \"true\"",
    );
    edit(
        "fr/counts.toml",
        "id = \"fr.count.range\"",
        "id = \"fr.count.range_a\"",
    );
    let counts = rules.join("fr/counts.toml");
    let text = std::fs::read_to_string(&counts).unwrap();
    let approx = text.find("[[rule]]\nid = \"fr.count.approx\"").unwrap();
    let next = text[approx + 1..]
        .find("[[rule]]")
        .map_or(text.len(), |i| approx + 1 + i);
    std::fs::write(&counts, format!("{}{}", &text[..approx], &text[next..])).unwrap();
    rules
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

#[test]
fn loading_a_run_stores_every_cell_and_loading_it_twice_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("news.db");
    run("fixtures", &out, &[]);
    let csv = csv_tables(&out);

    let first = load_ok(&db, &out);
    for t in TABLES {
        assert_eq!(first[t], [csv[t].len(), 0, 0, 0], "{t}");
    }
    // Every cell as written, empty cells as NULL (not empty strings).
    assert_eq!(dump(&db), csv);
    let conn = Connection::open(&db).unwrap();
    let empty: i64 = conn
        .query_row(
            "SELECT count(*) FROM dates WHERE date_end = '' OR anchor = ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(empty, 0);
    let null_ends: i64 = conn
        .query_row(
            "SELECT count(*) FROM dates WHERE date_end IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(null_ends > 0);
    // The seed-like French fixture: the amount is exact, the countries those it names.
    let doc = "fixtures/fr/onu-pirates-nord-coreens-hopitaux.html";
    let amount: (String, String) = conn
        .query_row(
            "SELECT a.value, a.currency FROM amounts a JOIN documents d USING (doc_id) \
             WHERE d.source = ?1 AND a.text = '2 milliards USD'",
            [doc],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(amount, ("2000000000".to_owned(), "USD".to_owned()));
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT c.country_code FROM countries c JOIN documents d USING (doc_id) \
             WHERE d.source = ?1 ORDER BY 1",
        )
        .unwrap();
    let codes: Vec<String> = stmt
        .query_map([doc], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(codes, ["CN", "DE", "JP", "KP", "KR", "PH", "RU", "US"]);
    drop(stmt);
    drop(conn);

    let bytes_before = std::fs::read(&db).unwrap();
    let second = load_ok(&db, &out);
    for t in TABLES {
        assert_eq!(second[t], [0, 0, 0, csv[t].len()], "{t}");
    }
    assert_eq!(dump(&db), csv);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes_before,
        "a second load must not even rewrite the file's pages"
    );
}

#[test]
fn loading_a_rerun_after_a_rule_edit_replaces_exactly_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let rerun = tmp.path().join("rerun");
    let db = tmp.path().join("news.db");
    run("fixtures", &base, &[]);
    load_ok(&db, &base);

    // Re-run only the French fixtures with edited rules.
    let rules = edited_rules(tmp.path());
    run("fixtures/fr", &rerun, &["--rules", path_str(&rules)]);
    let old = csv_tables(&base);
    let new = csv_tables(&rerun);
    let rerun_docs: BTreeSet<String> = new["documents"].iter().map(|r| r[0].clone()).collect();
    assert_eq!(rerun_docs.len(), 4);

    let counts = load_ok(&db, &rerun);
    let mut expected_db = BTreeMap::new();
    let (mut inserted, mut updated, mut deleted) = (0, 0, 0);
    for t in TABLES {
        let doc_col = usize::from(t != "documents");
        let of_rerun = |row: &Vec<String>| t != "errors" && rerun_docs.contains(&row[doc_col]);
        // What the table must hold: the old rows of other documents, the new rows of the
        // re-run's documents.
        let mut rows: Vec<Vec<String>> = old[t].iter().filter(|r| !of_rerun(r)).cloned().collect();
        rows.extend(new[t].iter().cloned());
        rows.sort();
        expected_db.insert(t, rows);
        if t == "errors" {
            continue;
        }
        let old_rows: BTreeMap<&String, &Vec<String>> = old[t]
            .iter()
            .filter(|r| of_rerun(r))
            .map(|r| (&r[0], r))
            .collect();
        let new_rows: BTreeMap<&String, &Vec<String>> = new[t].iter().map(|r| (&r[0], r)).collect();
        let expect = [
            new_rows
                .keys()
                .filter(|k| !old_rows.contains_key(*k))
                .count(),
            new_rows
                .iter()
                .filter(|(k, r)| old_rows.get(*k).is_some_and(|o| o != *r))
                .count(),
            old_rows
                .keys()
                .filter(|k| !new_rows.contains_key(*k))
                .count(),
            new_rows
                .iter()
                .filter(|(k, r)| old_rows.get(*k).is_some_and(|o| o == *r))
                .count(),
        ];
        assert_eq!(counts[t], expect, "{t}");
        inserted += expect[0];
        updated += expect[1];
        deleted += expect[2];
    }
    // The edits must exercise every path: renamed rule, changed values, removed rule.
    assert!(inserted > 0 && updated > 0 && deleted > 0, "{counts:?}");
    assert_eq!(
        counts["amounts"][1], 4,
        "the four dollar amounts became CAD"
    );
    assert_eq!(dump(&db), expected_db);
    // Documents not in the re-run keep their records.
    assert!(
        expected_db["countries"].len() > new["countries"].len(),
        "other documents' records are still there"
    );

    let again = load_ok(&db, &rerun);
    for t in TABLES {
        assert_eq!(again[t][..3], [0, 0, 0], "{t}");
    }
    assert_eq!(dump(&db), expected_db);
}

#[test]
fn a_failed_load_rolls_back_and_leaves_the_database_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let db = tmp.path().join("news.db");
    run("fixtures", &base, &[]);
    load_ok(&db, &base);
    let before = dump(&db);

    // A re-run whose tables would change the database, with a broken last table: the
    // documents and records are merged before errors.csv is read, and must be undone.
    let rules = edited_rules(tmp.path());
    let broken = tmp.path().join("broken");
    run("fixtures/fr", &broken, &["--rules", path_str(&rules)]);
    let errors = broken.join("errors.csv");
    let mut text = std::fs::read_to_string(&errors).unwrap();
    text.push_str("a.txt,decode\n");
    std::fs::write(&errors, text).unwrap();
    let (code, stderr) = load(&db, &broken);
    assert_eq!(code, Some(2), "{stderr}");
    let columns = newsfacts::record::ERROR_COLUMNS.len();
    assert!(
        stderr.contains(&format!(
            "errors.csv:2: 2 fields where the header has {columns}"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was loaded"), "{stderr}");
    assert_eq!(dump(&db), before);

    // A record of a document that is nowhere.
    let orphan = tmp.path().join("orphan");
    run("fixtures/fr", &orphan, &[]);
    let counts = orphan.join("counts.csv");
    let mut text = std::fs::read_to_string(&counts).unwrap();
    text.push_str("0123456789abcdef,ffffffffffffffff,1,2,x,1,,,,x,fr.count.number,fr\n");
    std::fs::write(&counts, text).unwrap();
    let (code, stderr) = load(&db, &orphan);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("doc_id ffffffffffffffff is neither in documents.csv nor in"),
        "{stderr}"
    );
    assert_eq!(dump(&db), before);

    // Into a new file: no file is left behind.
    let fresh = tmp.path().join("fresh.db");
    let (code, _) = load(&fresh, &broken);
    assert_eq!(code, Some(2));
    assert!(!fresh.exists());
}

#[test]
fn load_upgrades_tables_of_an_older_version_and_refuses_a_newer_one() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("news.db");
    run("fixtures", &out, &[]);
    load_ok(&db, &out);
    // An older version's tables: no dates.anchor column, and (version 1) no amounts.unit_value
    // and amounts.unit (issue #3).
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(
        "ALTER TABLE dates DROP COLUMN anchor; ALTER TABLE amounts DROP COLUMN unit_value; \
         ALTER TABLE amounts DROP COLUMN unit; PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let (code, stderr) = load(&db, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("added columns dates.anchor, amounts.unit_value, amounts.unit"),
        "{stderr}"
    );
    // Every amount has a unit: every row gained values.
    let amounts = read_csv(&out.join("amounts.csv")).1.len();
    assert!(amounts > 0);
    assert_eq!(parse_counts(&stderr)["amounts"][1], amounts, "{stderr}");
    let anchored = read_csv(&out.join("dates.csv"))
        .1
        .iter()
        .filter(|r| !r[9].is_empty())
        .count();
    assert!(anchored > 0);
    assert_eq!(parse_counts(&stderr)["dates"][1], anchored, "{stderr}");
    assert_eq!(dump(&db), csv_tables(&out));

    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA user_version = 99;").unwrap();
    drop(conn);
    let (code, stderr) = load(&db, &out);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("tables of schema version 99, written by a newer newsfacts"),
        "{stderr}"
    );
}

#[test]
fn load_refuses_spreadsheet_safe_runs_and_folders_without_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("news.db");
    let safe = tmp.path().join("safe");
    run("fixtures/fr", &safe, &["--csv-safe"]);
    let (code, stderr) = load(&db, &safe);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("written with --csv-safe"), "{stderr}");

    let jsonl = tmp.path().join("jsonl");
    run("fixtures/fr", &jsonl, &["--format", "jsonl"]);
    let (code, stderr) = load(&db, &jsonl);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("documents.csv: not found"), "{stderr}");

    let (code, stderr) = load(&db, &tmp.path().join("nothing"));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("nothing: no such folder"), "{stderr}");
    assert!(!db.exists());
}

#[test]
fn sqlite_schema_creates_the_tables_that_load_fills() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("news.db");
    run("fixtures/fr", &out, &[]);
    let schema = newsfacts(&["schema", "--dialect", "sqlite"]);
    assert_eq!(schema.status.code(), Some(0));
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(&String::from_utf8(schema.stdout).unwrap())
        .unwrap();
    drop(conn);
    let (code, stderr) = load(&db, &out);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("created tables"), "{stderr}");
    assert_eq!(dump(&db), csv_tables(&out));
}

#[test]
fn the_schema_sql_of_a_run_is_the_postgres_dialect() {
    let tmp = tempfile::tempdir().unwrap();
    run("fixtures/fr", tmp.path(), &[]);
    let schema = newsfacts(&["schema", "--dialect", "postgres"]);
    assert_eq!(schema.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("schema.sql")).unwrap(),
        String::from_utf8(schema.stdout).unwrap()
    );
    for d in ["sqlite", "duckdb", "postgresql"] {
        let r = newsfacts(&["schema", "--dialect", d]);
        assert_eq!(r.status.code(), Some(0), "{d}");
    }
    assert_eq!(
        newsfacts(&["schema", "--dialect", "mysql"]).status.code(),
        Some(2)
    );
}

#[test]
fn errors_of_the_sources_in_a_run_are_replaced_by_the_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("good.txt"), "Le 14 mai 2019, 17 pays ont signé.").unwrap();
    std::fs::write(input.join("empty.txt"), "").unwrap();
    let out = tmp.path().join("out");
    let db = tmp.path().join("news.db");
    let input = path_str(&input);
    let r = newsfacts(&["run", input, "-o", path_str(&out), "-q"]);
    assert_eq!(r.status.code(), Some(1), "empty.txt fails");
    let counts = load_ok(&db, &out);
    assert_eq!(counts["errors"], [1, 0, 0, 0]);
    assert_eq!(counts["documents"], [1, 0, 0, 0]);
    assert_eq!(load_ok(&db, &out)["errors"], [0, 0, 0, 1]);

    // The file is fixed: its error goes, its document comes.
    std::fs::write(
        tmp.path().join("in/empty.txt"),
        "En 2018, trois navires ont quitté le port.",
    )
    .unwrap();
    run(input, &out, &[]);
    let counts = load_ok(&db, &out);
    assert_eq!(counts["errors"], [0, 0, 1, 0]);
    assert_eq!(counts["documents"], [1, 0, 0, 1]);
    assert_eq!(dump(&db), csv_tables(&out));
}
