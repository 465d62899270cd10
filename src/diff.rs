//! Differences between the records of two runs: which records were added, removed or
//! changed, per kind and rule, with examples.
//!
//! A record is identified by its `record_id` (a hash of doc id, kind, start, end and rule
//! id). A record is *added* when only the new run has its id, *removed* when only the old
//! one has it, and *changed* when both have it with different cells — the normalized values
//! (or, when the document itself changed, the surface text or language).
//!
//! [`compare`] works on one document's rows of one kind and reports each difference to a
//! callback; [`Summary`] tallies them per kind and rule with a few examples; [`diff_dirs`]
//! compares two output folders in one streaming pass (tables are sorted by document, so
//! memory holds one document's rows at a time). `newsfacts run` feeds [`compare`] with the
//! documents it processed again, and `newsfacts diff` uses [`diff_dirs`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result, bail};

use crate::fact::FactKind;
use crate::record;

/// A row of a fact table, as written (an empty cell is an empty string).
pub type Cells = Vec<String>;

/// What happened to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// Only the new run has it.
    Added,
    /// Only the old run has it.
    Removed,
    /// Both have it, with different values.
    Changed,
}

impl ChangeKind {
    /// `added`, `removed` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }

    fn sign(self) -> char {
        match self {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        }
    }
}

// Columns of every fact table (see `record::fact_columns`): record_id, doc_id, start, end,
// text, the kind's columns, rule_id, lang.
const RECORD_ID: usize = 0;
const DOC_ID: usize = 1;
const START: usize = 2;
const END: usize = 3;
const TEXT: usize = 4;
const KIND_COLUMNS: usize = 5;

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", String::as_str)
}

/// One record that differs between two runs.
#[derive(Clone, Copy, Debug)]
pub struct RecordChange<'a> {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// Its kind.
    pub kind: FactKind,
    /// Its document's source.
    pub source: &'a str,
    /// The old row (removed and changed records).
    pub old: Option<&'a [String]>,
    /// The new row (added and changed records).
    pub new: Option<&'a [String]>,
}

impl RecordChange<'_> {
    fn row(&self) -> &[String] {
        self.new.or(self.old).unwrap_or_default()
    }

    /// The record id.
    pub fn record_id(&self) -> &str {
        cell(self.row(), RECORD_ID)
    }

    /// The rule id.
    pub fn rule_id(&self) -> &str {
        cell(
            self.row(),
            KIND_COLUMNS + record::kind_columns(self.kind).len(),
        )
    }

    /// The old value (see [`value`]).
    pub fn old_value(&self) -> Option<String> {
        self.old.map(|r| value(self.kind, r))
    }

    /// The new value (see [`value`]).
    pub fn new_value(&self) -> Option<String> {
        self.new.map(|r| value(self.kind, r))
    }

    /// The cells that differ between the old and new row, as `name=old` and `name=new`.
    fn differences(&self) -> (String, String) {
        let (Some(old), Some(new)) = (self.old, self.new) else {
            return (String::new(), String::new());
        };
        let columns = record::fact_columns(self.kind);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (i, c) in columns.iter().enumerate().skip(TEXT) {
            if cell(old, i) != cell(new, i) {
                a.push(format!("{}={}", c.name, cell(old, i)));
                b.push(format!("{}={}", c.name, cell(new, i)));
            }
        }
        (a.join(" "), b.join(" "))
    }
}

/// A record's normalized value for people: its kind's non-empty columns as `name=value`,
/// separated by `; ` (the typed values are in the tables, by `record_id`).
pub fn value(kind: FactKind, row: &[String]) -> String {
    record::kind_columns(kind)
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name, cell(row, KIND_COLUMNS + i)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Compares one document's rows of one kind in two runs and reports each difference, in
/// the order of the records' offsets.
pub fn compare(
    kind: FactKind,
    source: &str,
    old: &[Cells],
    new: &[Cells],
    emit: &mut dyn FnMut(&RecordChange<'_>),
) {
    let by_id: HashMap<&str, &Cells> = old.iter().map(|r| (cell(r, RECORD_ID), r)).collect();
    let mut seen = HashSet::new();
    let mut changes: Vec<RecordChange<'_>> = Vec::new();
    for n in new {
        let id = cell(n, RECORD_ID);
        match by_id.get(id) {
            Some(o) => {
                seen.insert(id);
                if *o != n {
                    changes.push(RecordChange {
                        change: ChangeKind::Changed,
                        kind,
                        source,
                        old: Some(o),
                        new: Some(n),
                    });
                }
            }
            None => changes.push(RecordChange {
                change: ChangeKind::Added,
                kind,
                source,
                old: None,
                new: Some(n),
            }),
        }
    }
    for o in old.iter().filter(|o| !seen.contains(cell(o, RECORD_ID))) {
        changes.push(RecordChange {
            change: ChangeKind::Removed,
            kind,
            source,
            old: Some(o),
            new: None,
        });
    }
    let offset = |c: &RecordChange<'_>, i: usize| cell(c.row(), i).parse::<usize>().unwrap_or(0);
    changes.sort_by_key(|c| (offset(c, START), offset(c, END), c.change));
    for c in &changes {
        emit(c);
    }
}

/// Changes of one rule.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// Records added.
    pub added: usize,
    /// Records removed.
    pub removed: usize,
    /// Records changed.
    pub changed: usize,
    /// The first few changes.
    pub examples: Vec<Example>,
}

/// One change, for people.
#[derive(Clone, Debug)]
pub struct Example {
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The document's source.
    pub source: String,
    /// Start offset.
    pub start: String,
    /// End offset.
    pub end: String,
    /// The surface text.
    pub text: String,
    /// The old value (for a changed record, only the cells that changed).
    pub old: String,
    /// The new value (likewise).
    pub new: String,
}

/// Changes tallied per kind and rule, with a few examples each.
#[derive(Clone, Debug)]
pub struct Summary {
    examples: usize,
    groups: BTreeMap<(FactKind, String), Group>,
    documents: HashSet<String>,
}

impl Summary {
    /// An empty summary keeping `examples` examples per rule.
    pub fn new(examples: usize) -> Summary {
        Summary {
            examples,
            groups: BTreeMap::new(),
            documents: HashSet::new(),
        }
    }

    /// Counts a change.
    pub fn add(&mut self, c: &RecordChange<'_>) {
        let group = self
            .groups
            .entry((c.kind, c.rule_id().to_owned()))
            .or_default();
        match c.change {
            ChangeKind::Added => group.added += 1,
            ChangeKind::Removed => group.removed += 1,
            ChangeKind::Changed => group.changed += 1,
        }
        if group.examples.len() < self.examples {
            let row = c.row();
            let (old, new) = match c.change {
                ChangeKind::Changed => c.differences(),
                _ => (
                    c.old_value().unwrap_or_default(),
                    c.new_value().unwrap_or_default(),
                ),
            };
            group.examples.push(Example {
                change: c.change,
                source: c.source.to_owned(),
                start: cell(row, START).to_owned(),
                end: cell(row, END).to_owned(),
                text: cell(row, TEXT).to_owned(),
                old,
                new,
            });
        }
        if !self.documents.contains(c.source) {
            self.documents.insert(c.source.to_owned());
        }
    }

    /// Records added, removed and changed.
    pub fn totals(&self) -> (usize, usize, usize) {
        self.groups.values().fold((0, 0, 0), |(a, r, c), g| {
            (a + g.added, r + g.removed, c + g.changed)
        })
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The changes per kind and rule.
    pub fn groups(&self) -> &BTreeMap<(FactKind, String), Group> {
        &self.groups
    }

    /// Documents with at least one change.
    pub fn documents(&self) -> usize {
        self.documents.len()
    }

    /// The summary as text: a total line, a line per rule, and its examples.
    pub fn render(&self) -> String {
        let (a, r, c) = self.totals();
        let mut out = format!(
            "{a} record{} added, {r} removed, {c} changed in {} document{}\n",
            if a == 1 { "" } else { "s" },
            self.documents(),
            if self.documents() == 1 { "" } else { "s" }
        );
        let width = self
            .groups
            .keys()
            .map(|(_, id)| id.len())
            .max()
            .unwrap_or(0);
        for ((kind, rule), g) in &self.groups {
            let _ = writeln!(
                out,
                "  {:<8}{rule:<width$}  +{} -{} ~{}",
                kind.as_str(),
                g.added,
                g.removed,
                g.changed
            );
            for e in &g.examples {
                let value = match e.change {
                    ChangeKind::Added => e.new.clone(),
                    ChangeKind::Removed => e.old.clone(),
                    ChangeKind::Changed => format!("{} → {}", e.old, e.new),
                };
                let _ = writeln!(
                    out,
                    "      {} {} {}-{} {:?}: {value}",
                    e.change.sign(),
                    e.source,
                    e.start,
                    e.end,
                    e.text
                );
            }
        }
        out
    }
}

/// Header of `newsfacts diff --format csv`.
pub const CSV_HEADER: [&str; 11] = [
    "change",
    "kind",
    "rule_id",
    "record_id",
    "doc_id",
    "source",
    "start",
    "end",
    "text",
    "old_value",
    "new_value",
];

/// A change as a row under [`CSV_HEADER`].
pub fn csv_row(c: &RecordChange<'_>) -> [String; 11] {
    let row = c.row();
    [
        c.change.as_str().to_owned(),
        c.kind.as_str().to_owned(),
        c.rule_id().to_owned(),
        c.record_id().to_owned(),
        cell(row, DOC_ID).to_owned(),
        c.source.to_owned(),
        cell(row, START).to_owned(),
        cell(row, END).to_owned(),
        cell(row, TEXT).to_owned(),
        c.old_value().unwrap_or_default(),
        c.new_value().unwrap_or_default(),
    ]
}

/// `doc_id` → source, from an output folder's `documents.csv`.
fn sources(dir: &Path) -> Result<HashMap<String, String>> {
    let path = dir.join("documents.csv");
    let mut r =
        csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut map = HashMap::new();
    for row in r.records() {
        let row = row.with_context(|| format!("cannot read {}", path.display()))?;
        map.insert(
            row.get(0).unwrap_or("").to_owned(),
            row.get(1).unwrap_or("").to_owned(),
        );
    }
    Ok(map)
}

/// A fact table read one document at a time.
struct Groups<'a> {
    reader: csv::Reader<std::fs::File>,
    path: std::path::PathBuf,
    sources: &'a HashMap<String, String>,
    pending: Option<Cells>,
    last_source: Option<String>,
}

impl<'a> Groups<'a> {
    fn open(dir: &Path, kind: FactKind, sources: &'a HashMap<String, String>) -> Result<Self> {
        let path = dir.join(format!("{}.csv", kind.table()));
        let reader = csv::Reader::from_path(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(Groups {
            reader,
            path,
            sources,
            pending: None,
            last_source: None,
        })
    }

    fn read(&mut self) -> Result<Option<Cells>> {
        let mut row = csv::StringRecord::new();
        if self
            .reader
            .read_record(&mut row)
            .with_context(|| format!("cannot read {}", self.path.display()))?
        {
            Ok(Some(row.iter().map(str::to_owned).collect()))
        } else {
            Ok(None)
        }
    }

    /// The next document's source and rows.
    fn next_group(&mut self) -> Result<Option<(String, Vec<Cells>)>> {
        let first = match self.pending.take() {
            Some(r) => r,
            None => match self.read()? {
                Some(r) => r,
                None => return Ok(None),
            },
        };
        let doc_id = cell(&first, DOC_ID).to_owned();
        let mut rows = vec![first];
        while let Some(r) = self.read()? {
            if cell(&r, DOC_ID) == doc_id {
                rows.push(r);
            } else {
                self.pending = Some(r);
                break;
            }
        }
        let Some(source) = self.sources.get(&doc_id) else {
            bail!(
                "{}: row for document {doc_id}, which documents.csv does not list",
                self.path.display()
            );
        };
        if self.last_source.as_ref().is_some_and(|l| l >= source) {
            bail!(
                "{}: rows are not sorted by document; was the folder written by newsfacts?",
                self.path.display()
            );
        }
        self.last_source = Some(source.clone());
        Ok(Some((source.clone(), rows)))
    }
}

/// Compares the records of two output folders and reports each difference, kind by kind,
/// in document order.
pub fn diff_dirs(old: &Path, new: &Path, emit: &mut dyn FnMut(&RecordChange<'_>)) -> Result<()> {
    for dir in [old, new] {
        crate::reuse::check_headers(dir)?;
    }
    let (old_sources, new_sources) = (sources(old)?, sources(new)?);
    for kind in FactKind::ALL {
        let mut a = Groups::open(old, kind, &old_sources)?;
        let mut b = Groups::open(new, kind, &new_sources)?;
        let (mut ga, mut gb) = (a.next_group()?, b.next_group()?);
        loop {
            match (&ga, &gb) {
                (None, None) => break,
                (Some((sa, ra)), Some((sb, rb))) if sa == sb => {
                    compare(kind, sa, ra, rb, emit);
                    ga = a.next_group()?;
                    gb = b.next_group()?;
                }
                (Some((sa, ra)), next) if next.as_ref().is_none_or(|(sb, _)| sa < sb) => {
                    compare(kind, sa, ra, &[], emit);
                    ga = a.next_group()?;
                }
                (_, Some((sb, rb))) => {
                    compare(kind, sb, &[], rb, emit);
                    gb = b.next_group()?;
                }
                (Some(_), None) => unreachable!("handled by the arm above"),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, start: usize, unit: &str) -> Cells {
        [
            id,
            "d",
            &start.to_string(),
            &(start + 5).to_string(),
            "17 pays",
            "17",
            "",
            "",
            "",
            unit,
            "fr.count.x",
            "fr",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn changes(old: &[Cells], new: &[Cells]) -> Vec<(ChangeKind, String)> {
        let mut out = Vec::new();
        compare(FactKind::Count, "a.txt", old, new, &mut |c| {
            out.push((c.change, c.record_id().to_owned()));
        });
        out
    }

    #[test]
    fn same_id_with_other_values_is_a_change_and_equal_rows_are_not_reported() {
        let old = vec![row("a", 0, "pays"), row("b", 10, "pays"), row("c", 20, "x")];
        let new = vec![
            row("a", 0, "pays"),
            row("b", 10, "États"),
            row("d", 30, "x"),
        ];
        assert_eq!(
            changes(&old, &new),
            vec![
                (ChangeKind::Changed, "b".into()),
                (ChangeKind::Removed, "c".into()),
                (ChangeKind::Added, "d".into()),
            ]
        );
    }

    #[test]
    fn summary_counts_per_rule_and_shows_what_changed() {
        let mut s = Summary::new(1);
        compare(
            FactKind::Count,
            "a.txt",
            &[row("b", 10, "pays"), row("c", 20, "x")],
            &[row("b", 10, "États")],
            &mut |c| s.add(c),
        );
        assert_eq!(s.totals(), (0, 1, 1));
        let text = s.render();
        assert!(text.contains("count   fr.count.x  +0 -1 ~1"), "{text}");
        assert!(
            text.contains("~ a.txt 10-15 \"17 pays\": unit=pays → unit=États"),
            "{text}"
        );
        assert_eq!(
            s.groups()[&(FactKind::Count, "fr.count.x".into())]
                .examples
                .len(),
            1
        );
    }

    #[test]
    fn value_lists_the_non_empty_normalized_columns() {
        assert_eq!(
            value(FactKind::Count, &row("a", 0, "pays")),
            "value=17; unit=pays"
        );
    }
}
