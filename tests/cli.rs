//! CLI contract: exit codes, errors for bad input, rule errors, the JSON lines interface.

use std::path::Path;

use crate::util::{column, newsfacts, newsfacts_stdin, read_csv};

#[test]
fn bad_inputs_become_error_rows_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("good.txt"),
        "Le 14 mai 2019, 17 pays ont signé à Paris.",
    )
    .unwrap();
    std::fs::write(d.join("empty.txt"), "").unwrap();
    std::fs::write(
        d.join("image.txt"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01",
    )
    .unwrap();
    // A dangling link cannot be read, even by root (for whom permissions do not apply).
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("gone.txt"), d.join("unreadable.txt")).unwrap();
    let out = d.join("out");
    let missing = d.join("missing.txt");
    let r = newsfacts(&[
        "run",
        d.to_str().unwrap(),
        missing.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{stderr}");
    let kinds = column(&out.join("errors.csv"), "kind");
    let stages = column(&out.join("errors.csv"), "stage");
    let mut pairs: Vec<(String, String)> = stages.into_iter().zip(kinds).collect();
    pairs.sort();
    let mut expected = vec![
        ("decode".to_owned(), "binary".to_owned()),
        ("decode".to_owned(), "empty".to_owned()),
        ("ingest".to_owned(), "not_found".to_owned()),
    ];
    #[cfg(unix)]
    expected.push(("read".to_owned(), "not_found".to_owned()));
    expected.sort();
    assert_eq!(pairs, expected);
    // One stderr line per failure.
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("newsfacts: ") && !l.contains("documents ("))
            .count(),
        expected.len(),
        "{stderr}"
    );
    assert_eq!(column(&out.join("documents.csv"), "lang"), vec!["fr"]);
    assert_eq!(
        column(&out.join("dates.csv"), "date_start"),
        vec!["2019-05-14"]
    );
}

#[test]
fn quiet_run_prints_nothing_and_exit_code_zero_on_success() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Yesterday 40 boats left.").unwrap();
    let out = dir.path().join("out");
    let r = newsfacts(&[
        "run",
        dir.path().join("a.txt").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(r.status.code(), Some(0));
    assert!(
        r.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert!(r.stdout.is_empty());
}

fn write_rules(dir: &Path, dates: &str) {
    std::fs::create_dir_all(dir.join("fr")).unwrap();
    std::fs::write(dir.join("fr/dates.toml"), dates).unwrap();
}

#[test]
fn invalid_rules_exit_2_naming_file_line_and_rule_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    write_rules(
        &rules,
        "[[rule]]\nid = \"fr.date.a\"\nkind = \"date\"\npattern = '{mois}'\nexamples = [{ text = \"x\" }]\n",
    );
    let out = dir.path().join("out");
    let r = newsfacts(&[
        "run",
        "fixtures",
        "--rules",
        rules.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("fr/dates.toml:4: rule fr.date.a: unknown placeholder {mois}"),
        "{stderr}"
    );
    assert!(
        !out.exists(),
        "nothing may be written when the rules are invalid"
    );
}

#[test]
fn rules_check_reports_failing_examples() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    write_rules(
        &rules,
        "[[rule]]\nid = \"fr.date.year\"\nkind = \"date\"\npattern = '''(?<year>{year})'''\nexamples = [{ text = \"en 2019\", expect = { date_start = \"2018\" } }]\n",
    );
    let r = newsfacts(&["rules", "check", "--rules", rules.to_str().unwrap()]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("rule fr.date.year: example \"en 2019\": expected {date_start=2018}"),
        "{stderr}"
    );
}

#[test]
fn builtin_rules_pass_their_own_check() {
    let r = newsfacts(&["rules", "check"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn extract_jsonl_keeps_going_after_a_bad_line_and_counts_characters() {
    let input = concat!(
        "{\"id\": 1, \"text\": \"Le 14 mai 2019, Pyongyang a volé 2 milliards USD.\", \"lang\": \"fr\"}\n",
        "not json\n",
        "{\"id\": \"b\", \"text\": \"Yesterday twelve ships left the harbour after the storm, and the port authority said more would follow.\", \"published\": \"2024-03-13\"}\n",
    );
    let r = newsfacts_stdin(&["extract", "--jsonl"], input);
    assert_eq!(r.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(r.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let first = &lines[0]["records"];
    let amount = first
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "amount")
        .unwrap();
    assert_eq!(amount["value"], "2000000000");
    assert_eq!(amount["currency"], "USD");
    // "Le 14 mai 2019, Pyongyang a volé " is 33 characters (é is one), more bytes.
    assert_eq!(amount["start"], 33);
    assert!(
        lines[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("bad input line")
    );
    let second = lines[2]["records"].as_array().unwrap();
    let date = second.iter().find(|r| r["kind"] == "date").unwrap();
    assert_eq!(date["date_start"], "2024-03-12");
    assert_eq!(date["relative"], true);
    assert_eq!(lines[2]["lang"], "en");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(newsfacts(&["run"]).status.code(), Some(2));
    assert_eq!(newsfacts(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn text_command_prints_main_text_and_meta() {
    let r = newsfacts(&["text", "fixtures/en/port-strike.html", "--meta"]);
    assert_eq!(r.status.code(), Some(0));
    let meta: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(meta["media_type"], "text/html");
    let (_, _) = read_csv(&crate::util::repo().join("output/documents.csv"));
}

#[test]
fn explain_shows_records_and_rejected_candidates_with_reasons() {
    let r = newsfacts(&[
        "explain",
        "--lang",
        "fr",
        "Un rapport de 142 pages, 2 min read, de décembre 2015 à mai 2019.",
    ]);
    assert_eq!(r.status.code(), Some(0));
    let out = String::from_utf8(r.stdout).unwrap();
    assert!(
        out.contains("\"142 pages\"  value=142 unit=pages  [fr.count.number]"),
        "{out}"
    );
    assert!(
        out.contains(
            "\"2 min\"  [fr.count.number]  unit \"min\" is in the lexicon's [unit_stop] table"
        ),
        "{out}"
    );
    assert!(
        out.contains("\"mai 2019\"  [fr.date.month_year]  overlaps fr.date.range_month_year"),
        "{out}"
    );
}
