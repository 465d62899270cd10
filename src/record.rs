//! Output rows: the columns of every table (one definition, used for the CSV header, the
//! rows, the JSON lines of `run --format jsonl`, the SQL schemas of [`crate::schema`] and the
//! SQLite loader of [`crate::load`]) and the functions that turn documents and facts into rows.

use serde_json::{Map, Value};

use crate::document::Document;
use crate::error::Failure;
use crate::fact::{Cell, Extracted, FactKind};

/// What a column holds, independent of any database; [`crate::schema`] maps it to each
/// dialect's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    /// Text.
    Text,
    /// A 64-bit integer, written in decimal.
    Integer,
    /// An exact decimal of any size, written as plain digits with an optional `.` fraction.
    Numeric,
    /// `true` or `false`.
    Boolean,
    /// A floating-point number, written in its shortest round-trip form.
    Real,
}

/// One column of an output table.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Header name.
    pub name: &'static str,
    /// SQL type.
    pub sql: SqlType,
    /// What it holds.
    pub comment: &'static str,
}

const fn col(name: &'static str, sql: SqlType, comment: &'static str) -> Column {
    Column { name, sql, comment }
}

/// `documents.csv`.
pub const DOCUMENT_COLUMNS: &[Column] = &[
    col("doc_id", SqlType::Text, "stable id: hash of source"),
    col("source", SqlType::Text, "the input as named (path or URL)"),
    col(
        "final_url",
        SqlType::Text,
        "URL after redirects (URL inputs only)",
    ),
    col(
        "fetched_at",
        SqlType::Text,
        "fetch time, RFC 3339 UTC (URL inputs only; the original fetch for cached bytes)",
    ),
    col(
        "http_status",
        SqlType::Integer,
        "HTTP status of the final response (URL inputs only)",
    ),
    col(
        "content_type",
        SqlType::Text,
        "Content-Type header of the final response, as sent (URL inputs only)",
    ),
    col(
        "content_hash",
        SqlType::Text,
        "BLAKE3 of the raw bytes, 16 hex digits",
    ),
    col("bytes", SqlType::Integer, "size of the raw bytes"),
    col("media_type", SqlType::Text, "text/html or text/plain"),
    col(
        "encoding",
        SqlType::Text,
        "WHATWG encoding name the bytes were decoded with",
    ),
    col(
        "encoding_source",
        SqlType::Text,
        "bom, declared, meta, utf8 or detected",
    ),
    col(
        "title",
        SqlType::Text,
        "title of the page or first line of the text",
    ),
    col(
        "published",
        SqlType::Text,
        "publication date or datetime, ISO 8601, as found",
    ),
    col("lang", SqlType::Text, "ISO 639-1 language code"),
    col(
        "lang_confidence",
        SqlType::Real,
        "whatlang confidence (detected languages only)",
    ),
    col(
        "lang_source",
        SqlType::Text,
        "given, html, detected or unknown",
    ),
    col(
        "rule_set",
        SqlType::Text,
        "rule set applied: a language code, or common",
    ),
    col(
        "chars",
        SqlType::Integer,
        "length of the extracted text in characters",
    ),
    col(
        "countries",
        SqlType::Text,
        "ISO 3166-1 codes, space-separated, first-mention order",
    ),
    col("status", SqlType::Text, "ok"),
];

/// `errors.csv`.
pub const ERROR_COLUMNS: &[Column] = &[
    col("source", SqlType::Text, "the input as named"),
    col(
        "stage",
        SqlType::Text,
        "ingest, fetch, read, decode, text, lang, extract or write",
    ),
    col(
        "kind",
        SqlType::Text,
        "stable error kind, e.g. not_found, binary, empty, timeout, http_status",
    ),
    col("message", SqlType::Text, "what went wrong"),
    col(
        "http_status",
        SqlType::Integer,
        "HTTP status of the last response (fetch failures that got one)",
    ),
];

const RECORD_PREFIX: &[Column] = &[
    col(
        "record_id",
        SqlType::Text,
        "stable id: hash of doc_id, kind, start, end, rule_id",
    ),
    col("doc_id", SqlType::Text, "the document (documents.doc_id)"),
    col(
        "start",
        SqlType::Integer,
        "start offset in Unicode code points into the extracted text, 0-based",
    ),
    col(
        "end",
        SqlType::Integer,
        "end offset in Unicode code points, exclusive",
    ),
    col("text", SqlType::Text, "the surface text matched"),
];

const RECORD_SUFFIX: &[Column] = &[
    col("rule_id", SqlType::Text, "the rule that matched"),
    col("lang", SqlType::Text, "the document's language"),
];

const DATE_COLUMNS: &[Column] = &[
    col(
        "date_start",
        SqlType::Text,
        "ISO 8601 at the given precision (YYYY, YYYY-MM or YYYY-MM-DD); empty when unresolved",
    ),
    col(
        "date_end",
        SqlType::Text,
        "end of a range, same form; empty for a single date",
    ),
    col(
        "precision",
        SqlType::Text,
        "day, week, month, quarter or year",
    ),
    col(
        "relative",
        SqlType::Boolean,
        "true when the value depends on the anchor",
    ),
    col(
        "anchor",
        SqlType::Text,
        "the publication date a relative date was resolved against",
    ),
];

const AMOUNT_COLUMNS: &[Column] = &[
    col(
        "value",
        SqlType::Numeric,
        "exact decimal value, in the main unit of the currency",
    ),
    col("currency", SqlType::Text, "ISO 4217 code"),
    col(
        "unit_value",
        SqlType::Numeric,
        "exact decimal value in the unit the text states it in (25 for 25 cent)",
    ),
    col(
        "unit",
        SqlType::Text,
        "that unit as written: currency word or symbol, or minor unit or coin (cent, kwartje)",
    ),
    col(
        "currency_ambiguous",
        SqlType::Boolean,
        "true when the surface (a bare $) does not pin the currency",
    ),
    col(
        "qualifier",
        SqlType::Text,
        "more_than, less_than, at_least, at_most, about, nearly or up_to",
    ),
];

const COUNT_COLUMNS: &[Column] = &[
    col("value", SqlType::Numeric, "the number, exact decimal"),
    col("min", SqlType::Numeric, "lower bound of a range"),
    col("max", SqlType::Numeric, "upper bound of a range"),
    col(
        "qualifier",
        SqlType::Text,
        "more_than, less_than, at_least, at_most, about, nearly or up_to",
    ),
    col("unit", SqlType::Text, "the counted noun as written"),
];

const COUNTRY_COLUMNS: &[Column] = &[
    col("country_code", SqlType::Text, "ISO 3166-1 alpha-2"),
    col("form", SqlType::Text, "name, short, demonym or capital"),
];

/// The kind-specific columns, in the order of `Fact::fields`.
pub fn kind_columns(kind: FactKind) -> &'static [Column] {
    match kind {
        FactKind::Date => DATE_COLUMNS,
        FactKind::Amount => AMOUNT_COLUMNS,
        FactKind::Count => COUNT_COLUMNS,
        FactKind::Country => COUNTRY_COLUMNS,
    }
}

/// All columns of a fact table.
pub fn fact_columns(kind: FactKind) -> Vec<Column> {
    RECORD_PREFIX
        .iter()
        .chain(kind_columns(kind))
        .chain(RECORD_SUFFIX)
        .copied()
        .collect()
}

/// Header names of a list of columns.
pub fn header(columns: &[Column]) -> Vec<&'static str> {
    columns.iter().map(|c| c.name).collect()
}

/// A row: one optional cell per column (`None` is an unquoted empty field).
pub type Row = Vec<Option<String>>;

/// Stable record id: the first 16 hex digits of the BLAKE3 hash of doc id, kind, start,
/// end and rule id, each followed by a NUL byte but the last. Hashed in one call: the
/// incremental hasher cost twice as much on such short inputs.
pub fn record_id(doc_id: &str, kind: FactKind, start: usize, end: usize, rule_id: &str) -> String {
    let digits = record_id_digits(&mut String::new(), doc_id, kind, start, end, rule_id);
    hex_str(&digits).to_owned()
}

/// The record id's hex digits (see [`record_id`]), with `key` as scratch space.
fn record_id_digits(
    key: &mut String,
    doc_id: &str,
    kind: FactKind,
    start: usize,
    end: usize,
    rule_id: &str,
) -> [u8; 16] {
    // What `format!("{doc_id}\0{kind}\0{start}\0{end}\0{rule_id}")` writes.
    key.clear();
    key.push_str(doc_id);
    key.push('\0');
    key.push_str(kind.as_str());
    key.push('\0');
    crate::fact::push_decimal(key, start);
    key.push('\0');
    crate::fact::push_decimal(key, end);
    key.push('\0');
    key.push_str(rule_id);
    let hash = blake3::hash(key.as_bytes());
    // The first 8 bytes in lower-case hex, as `Hash::to_hex` begins (it writes all 64 digits).
    let mut digits = [0; 16];
    for (pair, byte) in digits.chunks_exact_mut(2).zip(hash.as_bytes()) {
        pair[0] = HEX_DIGITS[usize::from(byte >> 4)];
        pair[1] = HEX_DIGITS[usize::from(byte & 0xf)];
    }
    digits
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Hex digits as text.
fn hex_str(digits: &[u8; 16]) -> &str {
    std::str::from_utf8(digits).expect("hex digits are ASCII")
}

/// The `documents.csv` row of a document.
pub fn document_row(doc: &Document) -> Row {
    let countries = crate::extract::countries_in_order(&doc.facts).join(" ");
    let fetch = doc.provenance.as_ref();
    vec![
        Some(doc.id.clone()),
        Some(doc.source.clone()),
        fetch.map(|p| p.final_url.clone()),
        fetch.map(|p| p.fetched_at.clone()),
        fetch.map(|p| p.http_status.to_string()),
        fetch.and_then(|p| p.content_type.clone()),
        Some(doc.content_hash.clone()),
        Some(doc.bytes.to_string()),
        Some(doc.media_type.as_str().to_owned()),
        Some(doc.encoding.to_owned()),
        Some(doc.encoding_source.to_owned()),
        doc.title.clone(),
        doc.published.clone(),
        doc.lang.clone(),
        doc.lang_confidence.map(|c| c.to_string()),
        Some(doc.lang_source.as_str().to_owned()),
        Some(doc.rule_set.clone()),
        Some(doc.chars.to_string()),
        (!countries.is_empty()).then_some(countries),
        Some("ok".to_owned()),
    ]
}

/// The row of a fact in its kind's table.
pub fn fact_row(doc_id: &str, lang: Option<&str>, ex: &Extracted) -> Row {
    let mut row = Row::with_capacity(16);
    visit_fact_row(&mut String::new(), doc_id, lang, ex, |cell| {
        row.push(cell.map(|c| c.to_string()));
    });
    row
}

/// The cells of a fact's row as text, in column order, without allocating: what
/// [`fact_row`] collects (`None` as an empty cell, as in a CSV file), passed to `field` one at
/// a time, text borrowed from the fact and numbers written into a buffer used again for the
/// next row. The flag says the field is plain: a number, a flag or empty, which no CSV
/// writer needs to quote.
pub fn fact_fields(
    buffers: &mut FactFields,
    doc_id: &str,
    lang: Option<&str>,
    ex: &Extracted,
    mut field: impl FnMut(&str, bool),
) {
    let FactFields { key, value } = buffers;
    visit_fact_row(key, doc_id, lang, ex, |cell| match cell {
        None => field("", true),
        Some(Cell::Text(text)) => field(text, false),
        Some(cell) => {
            value.clear();
            cell.write_to(value);
            field(value, true);
        }
    });
}

/// Reused buffers for [`fact_fields`].
#[derive(Debug, Default)]
pub struct FactFields {
    key: String,
    value: String,
}

/// Calls `cell` with each cell of a fact's row, in column order; `key` is scratch space.
fn visit_fact_row(
    key: &mut String,
    doc_id: &str,
    lang: Option<&str>,
    ex: &Extracted,
    mut cell: impl FnMut(Option<Cell<'_>>),
) {
    let id = record_id_digits(key, doc_id, ex.fact.kind(), ex.start, ex.end, &ex.rule_id);
    cell(Some(Cell::Text(hex_str(&id))));
    cell(Some(Cell::Text(doc_id)));
    cell(Some(Cell::Offset(ex.start)));
    cell(Some(Cell::Offset(ex.end)));
    cell(Some(Cell::Text(&ex.text)));
    ex.fact.visit_fields(|_, value| cell(value));
    cell(Some(Cell::Text(&ex.rule_id)));
    cell(lang.map(Cell::Text));
}

/// The `errors.csv` row of a failure.
pub fn failure_row(f: &Failure) -> Row {
    vec![
        Some(f.source.clone()),
        Some(f.stage.as_str().to_owned()),
        Some(f.kind.to_owned()),
        Some(f.message.clone()),
        f.http_status.map(|s| s.to_string()),
    ]
}

/// One output table: its name (CSV file stem and SQL table name), columns and key.
#[derive(Clone, Debug)]
pub struct TableDef {
    /// File stem and table name (`documents`, `dates` …).
    pub name: &'static str,
    /// The columns, in CSV order.
    pub columns: Vec<Column>,
    /// The primary key column; `None` for `errors`, a log without a key.
    pub key: Option<&'static str>,
    /// Whether `doc_id` references `documents`.
    pub references_documents: bool,
    /// What a row is.
    pub comment: &'static str,
}

/// The `documents` table.
pub fn documents_table() -> TableDef {
    TableDef {
        name: "documents",
        columns: DOCUMENT_COLUMNS.to_vec(),
        key: Some("doc_id"),
        references_documents: false,
        comment: "one row per document processed",
    }
}

/// The table of a kind of fact.
pub fn fact_table(kind: FactKind) -> TableDef {
    TableDef {
        name: kind.table(),
        columns: fact_columns(kind),
        key: Some("record_id"),
        references_documents: true,
        comment: match kind {
            FactKind::Date => "one row per date, date range or relative date found",
            FactKind::Amount => "one row per money amount found",
            FactKind::Count => "one row per count (a number or range and the counted noun) found",
            FactKind::Country => "one row per country mention found",
        },
    }
}

/// The `errors` table.
pub fn errors_table() -> TableDef {
    TableDef {
        name: "errors",
        columns: ERROR_COLUMNS.to_vec(),
        key: None,
        references_documents: false,
        comment: "one row per input that could not be processed",
    }
}

/// Every output table, documents first (the fact tables reference it), errors last.
pub fn tables() -> Vec<TableDef> {
    let mut all = vec![documents_table()];
    all.extend(FactKind::ALL.into_iter().map(fact_table));
    all.push(errors_table());
    all
}

/// A cell as a JSON value typed by its column: integers and reals as numbers, booleans as
/// booleans, text and exact decimals as strings (a JSON number is often read as a float, which
/// would not keep `2000000000.05` exact), an empty cell as `null`.
pub fn json_cell(sql: SqlType, cell: Option<&str>) -> Value {
    let Some(cell) = cell else {
        return Value::Null;
    };
    let typed = match sql {
        SqlType::Integer => cell.parse::<i64>().ok().map(Value::from),
        SqlType::Real => cell
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        SqlType::Boolean => match cell {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        SqlType::Text | SqlType::Numeric => None,
    };
    typed.unwrap_or_else(|| Value::String(cell.to_owned()))
}

/// A row as a JSON object: the columns' names as keys, in column order, typed by
/// [`json_cell`].
pub fn json_row(columns: &[Column], row: &Row) -> Map<String, Value> {
    columns
        .iter()
        .zip(row)
        .map(|(c, cell)| (c.name.to_owned(), json_cell(c.sql, cell.as_deref())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fact::{AmountFact, CountFact, CountryFact, CountryForm, DateFact, Fact, Precision};
    use crate::normalize::number::Decimal;

    #[test]
    fn kind_columns_follow_fact_fields() {
        let facts = [
            Fact::Date(DateFact {
                start: None,
                end: None,
                precision: Precision::Year,
                relative: false,
                anchor: None,
            }),
            Fact::Amount(AmountFact {
                value: Decimal::from_int(1),
                currency: "EUR".into(),
                unit_value: Decimal::from_int(1),
                unit: "€".into(),
                currency_ambiguous: false,
                qualifier: None,
            }),
            Fact::Count(CountFact {
                value: None,
                min: None,
                max: None,
                qualifier: None,
                unit: "x".into(),
            }),
            Fact::Country(CountryFact {
                code: "FR".into(),
                form: CountryForm::Name,
            }),
        ];
        for f in facts {
            let names: Vec<_> = f.fields().into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, header(kind_columns(f.kind())), "{:?}", f.kind());
        }
    }

    #[test]
    fn reused_cell_buffers_hold_the_fact_row() {
        let facts = [
            Fact::Count(CountFact {
                value: Some(Decimal::from_int(12)),
                min: None,
                max: None,
                qualifier: Some(crate::fact::Qualifier::AtLeast),
                unit: "soldats".into(),
            }),
            Fact::Date(DateFact {
                start: Some("2019-05-01".into()),
                end: None,
                precision: Precision::Day,
                relative: true,
                anchor: Some("2019-05-02".into()),
            }),
            Fact::Amount(AmountFact {
                value: Decimal::parse_plain("-5.25").unwrap(),
                currency: "EUR".into(),
                unit_value: Decimal::from_int(5),
                unit: "€".into(),
                currency_ambiguous: true,
                qualifier: None,
            }),
            Fact::Country(CountryFact {
                code: "FR".into(),
                form: CountryForm::Demonym,
            }),
        ];
        // One set of buffers for every row, shorter rows after longer ones included.
        let mut buffers = FactFields::default();
        for (i, fact) in facts.into_iter().enumerate() {
            let ex = Extracted {
                start: i,
                end: i + 3,
                text: "x,\"y\"".into(),
                rule_id: "fr.count.number".into(),
                fact,
            };
            for lang in [Some("fr"), None] {
                let row = fact_row("doc", lang, &ex);
                let mut fields = Vec::new();
                fact_fields(&mut buffers, "doc", lang, &ex, |f, plain| {
                    assert!(!plain || !f.contains([',', '"', '\r', '\n']), "{f:?}");
                    fields.push(f.to_owned());
                });
                let want: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("")).collect();
                assert_eq!(fields, want);
                assert_eq!(row.len(), fact_columns(ex.fact.kind()).len());
                assert_eq!(
                    row[0].as_deref(),
                    Some(record_id("doc", ex.fact.kind(), i, i + 3, "fr.count.number").as_str())
                );
            }
        }
    }

    #[test]
    fn record_ids_hash_the_documented_key() {
        for (start, end) in [(0, 9), (10, 123_456), (usize::MAX - 1, usize::MAX)] {
            let key = format!("doc\0date\0{start}\0{end}\0fr.date.x");
            assert_eq!(
                record_id("doc", FactKind::Date, start, end, "fr.date.x"),
                blake3::hash(key.as_bytes()).to_hex()[..16]
            );
        }
    }

    #[test]
    fn rows_have_one_cell_per_column() {
        use crate::document::{LangSource, MediaType, Provenance};
        let doc = Document {
            id: "d".into(),
            source: "http://a.test/".into(),
            provenance: Some(Provenance {
                final_url: "http://a.test/b".into(),
                fetched_at: "2024-05-01T12:34:56Z".into(),
                http_status: 200,
                content_type: Some("text/html".into()),
            }),
            content_hash: "h".into(),
            bytes: 1,
            media_type: MediaType::Html,
            encoding: "UTF-8",
            encoding_source: "declared",
            title: None,
            published: None,
            lang: None,
            lang_confidence: None,
            lang_source: LangSource::Unknown,
            rule_set: "common".into(),
            chars: 1,
            facts: Vec::new(),
        };
        let row = document_row(&doc);
        assert_eq!(row.len(), DOCUMENT_COLUMNS.len());
        let at = |name: &str| {
            let i = DOCUMENT_COLUMNS
                .iter()
                .position(|c| c.name == name)
                .unwrap();
            row[i].as_deref()
        };
        assert_eq!(at("final_url"), Some("http://a.test/b"));
        assert_eq!(at("http_status"), Some("200"));
        assert_eq!(at("content_type"), Some("text/html"));
        let failure = Failure {
            http_status: Some(404),
            ..Failure::new("s", crate::error::Stage::Fetch, "http_status", "HTTP 404")
        };
        let row = failure_row(&failure);
        assert_eq!(row.len(), ERROR_COLUMNS.len());
        assert_eq!(row.last().cloned().flatten().as_deref(), Some("404"));
    }

    #[test]
    fn record_ids_are_stable() {
        // The value every release has written: ids must not change between versions.
        assert_eq!(
            record_id("d", FactKind::Date, 1, 2, "fr.date.x"),
            "18c496405ced5979"
        );
        assert_ne!(
            record_id("d", FactKind::Date, 1, 2, "fr.date.x"),
            record_id("d", FactKind::Date, 1, 3, "fr.date.x")
        );
    }

    #[test]
    fn tables_come_documents_first_and_have_their_keys() {
        let names: Vec<_> = tables().iter().map(|t| t.name).collect();
        assert_eq!(
            names,
            [
                "documents",
                "dates",
                "amounts",
                "counts",
                "countries",
                "errors"
            ]
        );
        for t in tables() {
            if let Some(key) = t.key {
                assert_eq!(t.columns[0].name, key, "{}", t.name);
            }
            assert_eq!(
                t.references_documents,
                t.columns.iter().any(|c| c.name == "doc_id") && t.name != "documents"
            );
        }
    }

    #[test]
    fn json_cells_are_typed_by_column() {
        assert_eq!(json_cell(SqlType::Integer, Some("271")), Value::from(271));
        assert_eq!(json_cell(SqlType::Boolean, Some("true")), Value::Bool(true));
        assert_eq!(json_cell(SqlType::Real, Some("0.5")), Value::from(0.5));
        // Exact decimals stay strings, so no reader turns them into floats.
        assert_eq!(
            json_cell(SqlType::Numeric, Some("2000000000.05")),
            Value::from("2000000000.05")
        );
        assert_eq!(json_cell(SqlType::Text, None), Value::Null);
    }
}
