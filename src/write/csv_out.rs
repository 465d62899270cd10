//! CSV rows written straight into a buffered file.
//!
//! The output tables are written field by field on the writer thread, the one stage of a run
//! that does not scale with `--jobs`; this encoder is the `csv` crate's writer reduced to what
//! the tables use, without its second buffer: RFC 4180, `,` between fields, `\n` after each
//! row, and quotes only around a field that holds `,`, `"`, `\r` or `\n` (a `"` inside is
//! doubled). That is byte for byte what `csv::Writer` writes with its defaults and a `\n`
//! terminator (a test below checks it), so tables stay identical to earlier runs' and the
//! `csv` reader reads them back. `newsfacts diff --format csv` writes with it too.

use std::io::{self, BufWriter, Write};

/// A CSV file being written, one field at a time.
#[derive(Debug)]
pub struct CsvOut<W: Write> {
    out: BufWriter<W>,
    /// Bytes written in the row under way (delimiters included).
    row_bytes: usize,
    /// Fields written in the row under way.
    fields: usize,
}

/// Whether a field must be quoted. Folds over every byte without stopping early, which the
/// compiler turns into wide vector compares: most fields need no quotes, so all their bytes
/// are looked at anyway.
fn needs_quotes(field: &[u8]) -> bool {
    let special = |b: &u8| u8::from(matches!(b, b',' | b'"' | b'\n' | b'\r'));
    field.iter().fold(0, |seen, b| seen | special(b)) != 0
}

impl<W: Write> CsvOut<W> {
    /// Writes rows into `out`, which may already hold whole rows.
    pub fn new(out: BufWriter<W>) -> CsvOut<W> {
        CsvOut {
            out,
            row_bytes: 0,
            fields: 0,
        }
    }

    /// Appends a field to the row under way.
    pub fn field(&mut self, field: &[u8]) -> io::Result<()> {
        if !needs_quotes(field) {
            return self.plain_field(field);
        }
        self.separate()?;
        self.out.write_all(b"\"")?;
        for (i, part) in field.split(|&b| b == b'"').enumerate() {
            if i > 0 {
                self.out.write_all(b"\"\"")?;
            }
            self.out.write_all(part)?;
        }
        self.row_bytes += field.len() + 2;
        self.out.write_all(b"\"")
    }

    /// Appends a field that needs no quotes (a number, say) without looking for characters
    /// that would need them.
    pub fn plain_field(&mut self, field: &[u8]) -> io::Result<()> {
        debug_assert!(!needs_quotes(field), "{field:?} needs quotes");
        self.separate()?;
        self.row_bytes += field.len();
        self.out.write_all(field)
    }

    /// Writes the delimiter before a field that is not the row's first.
    fn separate(&mut self) -> io::Result<()> {
        self.fields += 1;
        if self.fields > 1 {
            self.row_bytes += 1;
            self.out.write_all(b",")?;
        }
        Ok(())
    }

    /// Ends the row under way. A row that would be an empty line (no field, or one empty
    /// field) is written as `""`, which a reader cannot take for a blank line.
    pub fn end_row(&mut self) -> io::Result<()> {
        if self.row_bytes == 0 {
            self.out.write_all(b"\"\"")?;
        }
        self.row_bytes = 0;
        self.fields = 0;
        self.out.write_all(b"\n")
    }

    /// Writes a whole row.
    pub fn row<'c>(&mut self, cells: impl IntoIterator<Item = &'c [u8]>) -> io::Result<()> {
        for cell in cells {
            self.field(cell)?;
        }
        self.end_row()
    }

    /// The buffered file underneath (for raw bytes: whole rows only).
    pub fn buffered(&mut self) -> &mut BufWriter<W> {
        debug_assert_eq!(self.fields, 0, "a row is under way");
        &mut self.out
    }

    /// Flushes the buffer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The writer underneath (after a [`CsvOut::flush`]).
    pub fn get_ref(&self) -> &W {
        self.out.get_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `csv::Writer` writes for these rows, with the settings the tables had.
    fn by_the_csv_crate(rows: &[Vec<&str>]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        for row in rows {
            w.write_record(row).unwrap();
        }
        w.into_inner().unwrap()
    }

    fn by_csv_out(rows: &[Vec<&str>]) -> Vec<u8> {
        let mut w = CsvOut::new(BufWriter::new(Vec::new()));
        for row in rows {
            w.row(row.iter().map(|c| c.as_bytes())).unwrap();
        }
        w.out.into_inner().unwrap()
    }

    #[test]
    fn rows_are_written_as_the_csv_crate_writes_them() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["id", "doc_id", "start", "text"],
            vec!["plain", "a b", "12", "1 200,50 €"],
            vec!["\"quoted\"", "say \"hi\"", "\"", "\"\""],
            vec!["line\nbreak", "carriage\rreturn", "crlf\r\n", ","],
            vec!["", "", "", ""],
            vec![""],
            vec![],
            vec!["only"],
            vec!["  spaces  ", "tab\there", "#hash", "'quote", "=formula"],
            vec!["é à ü", "日本語", "🙂", "\u{feff}bom"],
            vec!["x,", ",y", "\"a,b\"", "trailing\""],
        ];
        assert_eq!(
            String::from_utf8(by_csv_out(&rows)).unwrap(),
            String::from_utf8(by_the_csv_crate(&rows)).unwrap()
        );
    }

    #[test]
    fn what_is_written_reads_back_as_the_fields_given() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["a", "b\"c", "d,e", "f\ng"],
            vec!["", "\r", "\"\"", "h"],
        ];
        let bytes = by_csv_out(&rows);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[..]);
        let read: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(read, rows);
    }
}
