//! Turns records of text cells into one typed table per source.
//!
//! Readers (CSV, XLSX, JSON) hand over rows as "give me the cell of field i";
//! this module maps file headers to the contract's columns, parses each cell
//! by its [`Kind`], and either appends the row or returns why it was rejected.
//! It does not know about files or formats, nor about polars: turning the
//! collected cells into a `DataFrame` is `frame.rs`, so the readers can be
//! fuzzed without polars (see `docs/fuzzing.md`).

use std::collections::HashMap;

use rayon::prelude::*;

pub use super::cells::{Cells, TextCells, Values};
use super::fields::{self, Dialect};
use super::schema::{ACTIONS, Field, Kind};
use crate::deadline::{Category, Mode};

/// Where a row came from; `line` is 1-based, the header being line 1 in CSV.
#[derive(Debug, Clone, Copy)]
pub struct Location<'a> {
    pub file: &'a str,
    pub line: u64,
}

/// Maps the contract's fields to column positions in one file's header.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    positions: Vec<Option<usize>>,
}

impl HeaderMap {
    /// Column names are matched trimmed and case-insensitively; `renames`
    /// maps a contract name to the file's own header (from `recon.toml`).
    /// Unknown columns are ignored; a missing required column or a column
    /// given twice is an error.
    pub fn new(
        headers: &[String],
        fields: &[Field],
        renames: &HashMap<String, String>,
    ) -> Result<HeaderMap, String> {
        let normal: Vec<String> = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut positions = Vec::with_capacity(fields.len());
        let mut missing = Vec::new();
        for field in fields {
            let wanted = renames
                .get(field.name)
                .map(|s| s.trim().to_lowercase())
                .unwrap_or_else(|| field.name.to_string());
            let found: Vec<usize> = (0..normal.len()).filter(|&i| normal[i] == wanted).collect();
            match found.as_slice() {
                [] if field.required => missing.push(wanted),
                [] => positions.push(None),
                [i] => positions.push(Some(*i)),
                _ => {
                    return Err(format!(
                        "column '{wanted}' appears {} times in the header",
                        found.len()
                    ));
                }
            }
        }
        if missing.is_empty() {
            Ok(HeaderMap { positions })
        } else {
            Err(format!(
                "missing required column(s): {} (header has: {})",
                missing.join(", "),
                headers.join(", ")
            ))
        }
    }

    /// The column position of field `i`, if the file has it.
    pub fn position(&self, i: usize) -> Option<usize> {
        self.positions[i]
    }
}

/// A run of consecutive rows from one file: the `_file` column is stored
/// once per file, not once per row.
#[derive(Debug, Clone)]
pub struct FileRun {
    pub file: String,
    pub rows: usize,
}

/// Collects the accepted rows of one source.
pub struct TableBuilder {
    pub(super) fields: &'static [Field],
    pub(super) cells: Vec<Cells>,
    pub(super) files: Vec<FileRun>,
    pub(super) lines: Vec<u64>,
}

impl TableBuilder {
    pub fn new(fields: &'static [Field]) -> TableBuilder {
        TableBuilder {
            fields,
            cells: fields
                .iter()
                .map(|f| {
                    if f.kept {
                        Cells::new(f.kind)
                    } else {
                        Cells::Checked(0)
                    }
                })
                .collect(),
            files: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// An empty builder with room for `rows` rows (text excepted).
    pub fn with_capacity(fields: &'static [Field], rows: usize) -> TableBuilder {
        let mut builder = TableBuilder::new(fields);
        builder.reserve(rows, |_| 0);
        builder
    }

    /// Reserves room for `rows` more rows, with `bytes(i)` more bytes of
    /// text in column `i`.
    fn reserve(&mut self, rows: usize, bytes: impl Fn(usize) -> usize) {
        for (i, column) in self.cells.iter_mut().enumerate() {
            column.reserve(rows, bytes(i));
        }
        self.lines.reserve(rows);
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Parses one row; `cell(i)` gives the raw text of field `i` (or `None`
    /// when the file has no such column). On error nothing is appended and
    /// the reason names the column and the value.
    pub fn push<'a>(
        &mut self,
        cell: impl Fn(usize) -> Option<&'a str>,
        dialect: &Dialect,
        at: &Location<'_>,
    ) -> Result<(), String> {
        let rows = self.len();
        let fields = self.fields;
        for (i, field) in fields.iter().enumerate() {
            let raw = cell(i).map(super::fast::trim).filter(|s| !s.is_empty());
            let pushed = match raw {
                None if field.required => Err(format!("{}: required value is empty", field.name)),
                None => {
                    self.cells[i].push_null();
                    Ok(())
                }
                Some(raw) => push_parsed(&mut self.cells[i], field.kind, raw, dialect)
                    .map_err(|e| format!("{}: {e}", field.name)),
            };
            if let Err(reason) = pushed {
                // A row is appended whole or not at all.
                for column in &mut self.cells[..i] {
                    column.truncate(rows);
                }
                return Err(reason);
            }
        }
        match self.files.last_mut() {
            Some(run) if run.file == at.file => run.rows += 1,
            _ => self.files.push(FileRun {
                file: at.file.to_string(),
                rows: 1,
            }),
        }
        self.lines.push(at.line);
        Ok(())
    }

    /// Appends the rows of `parts`, builders of the same source, in order:
    /// how the pieces of one file read in parallel are joined. Memory for
    /// all of them is reserved at once rather than grown piece by piece,
    /// and the columns are joined side by side on rayon's pool: the copy
    /// is mostly the kernel handing out fresh pages, which one thread
    /// alone left the other core idle for (visible as a dip in CPU use
    /// between the pieces and the next step).
    pub fn append_all(&mut self, parts: Vec<TableBuilder>) {
        let rows = parts.iter().map(TableBuilder::len).sum();
        self.reserve(rows, |i| {
            parts.iter().map(|p| p.cells[i].text_bytes()).sum()
        });
        let mut by_column: Vec<Vec<Cells>> = self
            .cells
            .iter()
            .map(|_| Vec::with_capacity(parts.len()))
            .collect();
        for mut part in parts {
            for (column, cells) in by_column.iter_mut().zip(part.cells.drain(..)) {
                column.push(cells);
            }
            self.append_rows(part);
        }
        self.cells
            .par_iter_mut()
            .zip(by_column)
            .for_each(|(column, pieces)| {
                for cells in pieces {
                    column.append(cells);
                }
            });
    }

    /// Appends the file runs and line numbers of `other`, whose cells are
    /// appended apart.
    fn append_rows(&mut self, other: TableBuilder) {
        let mut runs = other.files.into_iter();
        if let (Some(last), Some(first)) = (self.files.last_mut(), runs.as_slice().first())
            && last.file == first.file
        {
            last.rows += first.rows;
            runs.next();
        }
        self.files.extend(runs);
        self.lines.extend(other.lines);
    }
}

/// Parses one non-empty cell of a field that is not kept, for its errors
/// only. Plain text cannot fail; the coded kinds are parsed into scratch
/// cells, which allocate only for the few fields that have them.
fn check(kind: Kind, raw: &str, dialect: &Dialect) -> Result<(), String> {
    match kind {
        Kind::Text => Ok(()),
        Kind::Date => fields::date_days(raw, dialect).map(drop),
        Kind::Timestamp => fields::timestamp_ms(raw, dialect).map(drop),
        Kind::Amount => fields::parse_amount(raw, dialect).map(drop),
        _ => push_parsed(&mut Cells::new(kind), kind, raw, dialect),
    }
}

/// Parses one non-empty cell of `kind` into its column; on error the
/// column is left as it was.
fn push_parsed(column: &mut Cells, kind: Kind, raw: &str, dialect: &Dialect) -> Result<(), String> {
    match (column, kind) {
        (Cells::Checked(rows), kind) => {
            check(kind, raw, dialect)?;
            *rows += 1;
        }
        (Cells::Date(c), _) => c.push(fields::date_days(raw, dialect)?),
        (Cells::Timestamp(c), _) => c.push(fields::timestamp_ms(raw, dialect)?),
        (Cells::Amount(c), _) => c.push(fields::parse_amount(raw, dialect)?),
        (Cells::Text(c), Kind::Currency) => {
            if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
                c.push_ascii_uppercase(raw);
            } else {
                c.push(&fields::parse_currency(raw)?);
            }
        }
        (Cells::Text(c), Kind::Marker) => match fields::parse_marker(raw)? {
            Some(marker) => c.push(&marker),
            None => c.push_null(),
        },
        (Cells::Text(c), Kind::Mode) => match Mode::parse(raw) {
            Some(m) if m != Mode::Online => c.push(m.as_str()),
            _ => {
                return Err(format!(
                    "unknown mode '{raw}' (expected offline24, offline, emergency or total_failure)"
                ));
            }
        },
        (Cells::Text(c), Kind::Action) => {
            match ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(raw)) {
                Some(action) => c.push(action),
                None => {
                    return Err(format!(
                        "unknown action '{raw}' (expected one of {})",
                        ACTIONS.join(", ")
                    ));
                }
            }
        }
        (Cells::Text(c), Kind::Category) => match Category::parse(raw) {
            Some(category) => c.push(category.as_str()),
            None => {
                return Err(format!(
                    "unknown category '{raw}' (expected MAINTENANCE, FAILURE or TOTAL_FAILURE)"
                ));
            }
        },
        (Cells::Text(c), _) => c.push(raw),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::LEDGER;
    use polars::prelude::DataType;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn header_matching_is_case_insensitive_and_names_missing_columns() {
        let h = headers(&[
            "Invoice_Number",
            "ISSUE_DATE",
            "seller_nip",
            "gross_amount",
            "currency",
        ]);
        let map = HeaderMap::new(&h, LEDGER, &HashMap::new()).unwrap();
        assert_eq!(map.position(0), Some(0));
        assert_eq!(map.position(5), None);
        let err = HeaderMap::new(&h[1..], LEDGER, &HashMap::new()).unwrap_err();
        assert!(err.contains("invoice_number"), "{err}");
        let dup = headers(&[
            "invoice_number",
            "Invoice_number",
            "issue_date",
            "seller_nip",
            "gross_amount",
            "currency",
        ]);
        assert!(
            HeaderMap::new(&dup, LEDGER, &HashMap::new())
                .unwrap_err()
                .contains("2 times")
        );
    }

    /// Where the test rows come from.
    const AT: Location<'static> = Location {
        file: "ledger/a.csv",
        line: 2,
    };

    #[test]
    fn checked_fields_reject_bad_values_but_are_not_kept() {
        let mut b = TableBuilder::new(LEDGER);
        let at = AT;
        // invoice_number, issue_date, seller_nip, gross_amount, currency,
        // net_amount, vat_amount, buyer_id
        let good = [
            "FV/1",
            "2026-03-02",
            "5265877635",
            "123.00",
            "PLN",
            "100.00",
            "23.00",
            "B1",
        ];
        b.push(|i| good.get(i).copied(), &Dialect::default(), &at)
            .unwrap();
        let bad_vat = [
            "FV/2",
            "2026-03-02",
            "5265877635",
            "123.00",
            "PLN",
            "100.00",
            "23,x",
            "B1",
        ];
        let err = b
            .push(|i| bad_vat.get(i).copied(), &Dialect::default(), &at)
            .unwrap_err();
        assert!(err.starts_with("vat_amount:"), "{err}");
        let df = b.finish().unwrap();
        assert_eq!(df.height(), 1);
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert!(names.contains(&"net_amount"), "{names:?}");
        for dropped in ["vat_amount", "buyer_id", "invoice_type", "source_id"] {
            assert!(!names.contains(&dropped), "{names:?}");
        }
        let kept = LEDGER.iter().filter(|f| f.kept).count();
        assert_eq!(df.width(), kept + 2, "kept fields plus _file and _line");
    }

    #[test]
    fn renamed_columns() {
        let h = headers(&[
            "Numer faktury",
            "Data wystawienia",
            "NIP",
            "Brutto",
            "Waluta",
        ]);
        let renames: HashMap<String, String> = [
            ("invoice_number", "Numer faktury"),
            ("issue_date", "Data wystawienia"),
            ("seller_nip", "nip"),
            ("gross_amount", "Brutto"),
            ("currency", "Waluta"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert!(HeaderMap::new(&h, LEDGER, &renames).is_ok());
    }

    #[test]
    fn rows_are_parsed_whole_or_rejected_with_the_column() {
        let mut b = TableBuilder::new(LEDGER);
        let at = AT;
        let good = ["FV/1", "2026-03-02", "5265877635", "123.00", "pln"];
        b.push(|i| good.get(i).copied(), &Dialect::default(), &at)
            .unwrap();
        let bad = ["FV/2", "2026-02-30", "5265877635", "1.00", "PLN"];
        let err = b
            .push(|i| bad.get(i).copied(), &Dialect::default(), &at)
            .unwrap_err();
        assert!(err.starts_with("issue_date:"), "{err}");
        let empty = ["", "2026-03-02", "5265877635", "1.00", "PLN"];
        assert!(
            b.push(|i| empty.get(i).copied(), &Dialect::default(), &at)
                .is_err()
        );
        let df = b.finish().unwrap();
        assert_eq!(df.height(), 1);
        assert_eq!(df.column("issue_date").unwrap().dtype(), &DataType::Date);
        assert_eq!(
            df.column("gross_amount").unwrap().i64().unwrap().get(0),
            Some(12300)
        );
        assert_eq!(
            df.column("currency").unwrap().str().unwrap().get(0),
            Some("PLN")
        );
    }
}
