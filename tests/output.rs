//! Output formats (issue 7): `run --format jsonl` has the CSV tables' fields, typed;
//! `--csv-safe` neutralizes formula cells and is never on by default.

use std::path::Path;

use serde_json::Value;

use crate::util::{column, newsfacts, read_csv};

fn run(input: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", input, "-o", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    newsfacts(&args)
}

fn jsonl(path: &Path) -> Vec<serde_json::Map<String, Value>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

/// A JSON value as its CSV cell.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("no field is a {other}"),
    }
}

/// Compares JSON objects with CSV rows: same keys in the same order, same values (numbers as
/// numbers).
fn assert_same(
    table: &str,
    header: &[String],
    csv: &[Vec<String>],
    lines: &[serde_json::Map<String, Value>],
) {
    assert_eq!(csv.len(), lines.len(), "{table}: row count");
    for (row, line) in csv.iter().zip(lines) {
        let keys: Vec<&String> = line.keys().collect();
        assert_eq!(keys, header.iter().collect::<Vec<_>>(), "{table}");
        for ((name, value), expected) in line.iter().zip(row) {
            match value {
                Value::Number(n) => {
                    assert_eq!(n.as_f64(), expected.parse::<f64>().ok(), "{table}.{name}");
                }
                Value::String(s) if s.is_empty() => {
                    panic!("{table}.{name}: empty string, not null")
                }
                v => assert_eq!(&cell(v), expected, "{table}.{name}"),
            }
        }
    }
}

#[test]
fn jsonl_lines_have_the_fields_of_the_csv_tables_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let csv_dir = tmp.path().join("csv");
    let json_dir = tmp.path().join("jsonl");
    assert_eq!(run("fixtures", &csv_dir, &[]).status.code(), Some(0));
    let r = run("fixtures", &json_dir, &["--format", "jsonl"]);
    assert_eq!(
        r.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );

    // Hidden entries (the cache, `.cache/`) are not output files.
    let mut names: Vec<String> = std::fs::read_dir(&json_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "documents.jsonl",
            "errors.jsonl",
            "records.jsonl",
            "run.json"
        ]
    );
    let run_json: Value =
        serde_json::from_str(&std::fs::read_to_string(json_dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(run_json["options"]["format"], "jsonl");

    let (header, rows) = read_csv(&csv_dir.join("documents.csv"));
    assert_same(
        "documents",
        &header,
        &rows,
        &jsonl(&json_dir.join("documents.jsonl")),
    );

    let records = jsonl(&json_dir.join("records.jsonl"));
    let mut total = 0;
    for (kind, table) in [
        ("date", "dates"),
        ("amount", "amounts"),
        ("count", "counts"),
        ("country", "countries"),
    ] {
        let lines: Vec<_> = records
            .iter()
            .filter(|l| l["kind"] == kind)
            .map(|l| {
                let mut l = l.clone();
                l.shift_remove("kind");
                l
            })
            .collect();
        let (header, rows) = read_csv(&csv_dir.join(format!("{table}.csv")));
        assert_same(table, &header, &rows, &lines);
        total += rows.len();
    }
    assert_eq!(records.len(), total, "a kind that is not one of the four");
    // Types: offsets are numbers, exact decimals strings, booleans booleans.
    let amount = records
        .iter()
        .find(|l| l["kind"] == "amount" && l["text"] == "2 milliards USD")
        .unwrap();
    assert_eq!(amount["start"], Value::from(580));
    assert_eq!(amount["value"], Value::from("2000000000"));
    assert_eq!(amount["unit_value"], Value::from("2000000000"));
    assert_eq!(amount["unit"], Value::from("USD"));
    assert_eq!(amount["currency_ambiguous"], Value::Bool(false));
    assert_eq!(amount["qualifier"], Value::Null);
    // Records come by document, then offset.
    let keys: Vec<(String, u64)> = records
        .iter()
        .map(|l| {
            (
                l["doc_id"].as_str().unwrap().to_owned(),
                l["start"].as_u64().unwrap(),
            )
        })
        .collect();
    let docs: Vec<String> = column(&csv_dir.join("documents.csv"), "doc_id");
    let order = |d: &String| docs.iter().position(|x| x == d).unwrap();
    assert!(
        keys.windows(2)
            .all(|w| (order(&w[0].0), w[0].1) <= (order(&w[1].0), w[1].1))
    );
    assert_eq!(
        std::fs::read_to_string(json_dir.join("errors.jsonl")).unwrap(),
        ""
    );
}

#[test]
fn csv_safe_neutralizes_formula_cells_and_is_never_on_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // A plain text's title is its first line.
    for (name, first) in [
        ("a.txt", "=HYPERLINK(\"http://x\") Bilan"),
        ("b.txt", "+33 morts"),
        ("c.txt", "-5 degrés"),
        ("d.txt", "@SUM(A1) Bilan"),
        ("e.txt", "Bilan = 3"),
    ] {
        std::fs::write(
            input.join(name),
            format!("{first}\nLe 14 mai 2019, 17 pays ont signé à Paris un accord de pêche.\n"),
        )
        .unwrap();
    }
    let plain = tmp.path().join("plain");
    let safe = tmp.path().join("safe");
    let input = input.to_str().unwrap();
    assert_eq!(run(input, &plain, &["--lang", "fr"]).status.code(), Some(0));
    assert_eq!(
        run(input, &safe, &["--lang", "fr", "--csv-safe"])
            .status
            .code(),
        Some(0)
    );
    let titles = column(&plain.join("documents.csv"), "title");
    assert_eq!(
        titles,
        [
            "=HYPERLINK(\"http://x\") Bilan",
            "+33 morts",
            "-5 degrés",
            "@SUM(A1) Bilan",
            "Bilan = 3"
        ]
    );
    assert_eq!(
        column(&safe.join("documents.csv"), "title"),
        [
            "'=HYPERLINK(\"http://x\") Bilan",
            "'+33 morts",
            "'-5 degrés",
            "'@SUM(A1) Bilan",
            "Bilan = 3"
        ]
    );
    // Cells that do not start with a formula character are the same.
    for table in ["dates", "counts", "countries"] {
        assert_eq!(
            read_csv(&plain.join(format!("{table}.csv"))),
            read_csv(&safe.join(format!("{table}.csv"))),
            "{table}"
        );
    }
    // Spreadsheets do not open JSON lines: the option is refused there.
    let r = run(
        input,
        &tmp.path().join("j"),
        &["--csv-safe", "--format", "jsonl"],
    );
    assert_eq!(r.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("--csv-safe"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}
