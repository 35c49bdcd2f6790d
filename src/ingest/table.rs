//! Turns records of text cells into one typed table per source.
//!
//! Readers (CSV, XLSX, JSON) hand over rows as "give me the cell of field i";
//! this module maps file headers to the contract's columns, parses each cell
//! by its [`Kind`], and either appends the row or returns why it was rejected.
//! It does not know about files or formats, nor about polars: turning the
//! collected cells into a `DataFrame` is `to_polars.rs`, so the readers can be
//! fuzzed without polars (see `docs/fuzzing.md`).

use std::collections::HashMap;

pub use super::cells::{Cells, TextCells, Values};
use crate::config::Dialect;
use crate::contract::{
    Field, Kind, ksef_number, parse_action, parse_category, parse_currency, parse_hash,
    parse_marker, parse_offline_mode, parse_rate, parse_whole_number, trim_cell,
};

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
    /// given twice is an error, unless `constants` (by field, from
    /// `recon.toml`) gives the missing column its one value.
    pub fn new(
        headers: &[String],
        fields: &[Field],
        renames: &HashMap<String, String>,
        constants: &[Option<String>],
    ) -> Result<HeaderMap, String> {
        let normal: Vec<String> = headers
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
            .collect();
        let mut positions = Vec::with_capacity(fields.len());
        let mut missing = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            let constant = constants.get(i).is_some_and(Option::is_some);
            let wanted = renames
                .get(field.name)
                .map(|s| s.trim().to_lowercase())
                .unwrap_or_else(|| field.name.to_string());
            let found: Vec<usize> = (0..normal.len()).filter(|&i| normal[i] == wanted).collect();
            match found.as_slice() {
                [] if field.required && !constant => missing.push(wanted),
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
    /// Whole builders whose rows come before the rows in `cells`. Large
    /// parts (the pieces of a file read in parallel, a source's files) are
    /// taken over as they are and joined only when the table is made
    /// (`finish`): each text buffer becomes one of its column's buffers, so
    /// no cell is copied on the way. On this machine a copy of a 1 GB
    /// export into fresh memory took 6-7 s, nearly all of it the kernel
    /// zeroing pages.
    pub(super) earlier: Vec<TableBuilder>,
}

/// Parts with fewer rows than this are copied into the builder they join
/// rather than kept apart: a folder of one-invoice FA(3) files would
/// otherwise give a text column one buffer per file.
const KEPT_APART_FROM_ROWS: usize = 1024;

/// The longest value a cell may hold, in bytes. No field of an invoice
/// comes near it; the limit keeps one cell from pushing a column's text
/// past what its buffer can address (see [`SPLIT_FROM_BYTES`]).
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// When a text column of a builder's own rows holds more than this, those
/// rows are set apart as a part (see [`TableBuilder::earlier`]) and the
/// builder goes on empty. Checked every [`SPLIT_CHECK_ROWS`] rows, so a
/// column stays under 1 GiB + 64 MiB, well within
/// [`TextCells::MAX_BYTES`] (2 GiB). Unit tests split at 4 KiB, so that
/// every reader's tests go through it.
const SPLIT_FROM_BYTES: usize = if cfg!(test) { 1 << 12 } else { 1 << 30 };
const SPLIT_CHECK_ROWS: usize = 64;

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
            earlier: Vec::new(),
        }
    }

    /// Room for `rows` more rows (see [`Cells::reserve`]): for a reader
    /// that can tell from a file's size about how many rows it holds.
    pub fn reserve(&mut self, rows: usize) {
        self.lines.reserve(rows);
        for cells in &mut self.cells {
            cells.reserve(rows);
        }
    }

    /// All rows, those of the parts taken over included.
    pub fn len(&self) -> usize {
        self.lines.len() + self.earlier.iter().map(TableBuilder::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        self.push_cells(|i| cell(i).map(Cell::Text), dialect, at)
    }

    /// [`push`](Self::push) for a reader that hands over some cells already
    /// typed ([`Cell`]); text cells are parsed as `push` parses them.
    pub fn push_cells<'a>(
        &mut self,
        cell: impl Fn(usize) -> Option<Cell<'a>>,
        dialect: &Dialect,
        at: &Location<'_>,
    ) -> Result<(), String> {
        if self.lines.len().is_multiple_of(SPLIT_CHECK_ROWS) && self.text_bytes() > SPLIT_FROM_BYTES
        {
            self.set_own_rows_apart();
        }
        let rows = self.lines.len();
        let fields = self.fields;
        for (i, field) in fields.iter().enumerate() {
            let column = &mut self.cells[i];
            let pushed = match cell(i) {
                Some(Cell::Text(raw)) => push_text(column, field, Some(raw), dialect),
                // Past what an amount cell may hold: refused as that text is.
                Some(Cell::Grosze(grosze)) if grosze.unsigned_abs() >= AMOUNT_BOUND => {
                    let text = crate::contract::format_amount(grosze);
                    push_text(column, field, Some(&text), &Dialect::default())
                }
                Some(typed) => {
                    push_typed(column, typed).map_err(|e| format!("{}: {e}", field.name))
                }
                None => push_text(column, field, None, dialect),
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

    /// Appends the rows of `other`, a builder of the same source, after
    /// these: a small one is copied in, a large one is kept apart until
    /// `finish` (see [`TableBuilder::earlier`]).
    pub fn append(&mut self, mut other: TableBuilder) {
        for part in std::mem::take(&mut other.earlier) {
            self.append(part);
        }
        if other.lines.len() < KEPT_APART_FROM_ROWS {
            if self.text_bytes() + other.text_bytes() > SPLIT_FROM_BYTES {
                self.set_own_rows_apart();
            }
            for (column, cells) in self.cells.iter_mut().zip(other.cells.drain(..)) {
                column.append(cells);
            }
            self.append_rows(other);
        } else {
            if !self.lines.is_empty() {
                self.set_own_rows_apart();
            }
            self.earlier.push(other);
        }
    }

    /// Hands over the rows so far in buffers of their exact size, and
    /// empties this builder but keeps its buffers: a builder reused for
    /// piece after piece grows once, and what each piece keeps until the
    /// table is made has no growth slack (with huge pages that slack was
    /// resident, 1.4 GiB at 10M invoices).
    pub fn take_exact(&mut self) -> TableBuilder {
        // `Clone` of a vector or string allocates exactly its length.
        let part = TableBuilder {
            fields: self.fields,
            cells: self.cells.clone(),
            files: std::mem::take(&mut self.files),
            lines: self.lines.clone(),
            earlier: std::mem::take(&mut self.earlier),
        };
        for column in &mut self.cells {
            column.truncate(0);
        }
        self.lines.clear();
        part
    }

    /// The bytes of text in the most-filled column of this builder's own
    /// rows.
    fn text_bytes(&self) -> usize {
        self.cells.iter().map(Cells::text_bytes).max().unwrap_or(0)
    }

    /// Sets this builder's own rows (not its `earlier` parts) apart as the
    /// last of its parts; the builder goes on with none of its own.
    fn set_own_rows_apart(&mut self) {
        let empty = TableBuilder::new(self.fields);
        let own = TableBuilder {
            fields: self.fields,
            cells: std::mem::replace(&mut self.cells, empty.cells),
            files: std::mem::take(&mut self.files),
            lines: std::mem::take(&mut self.lines),
            earlier: Vec::new(),
        };
        self.earlier.push(own);
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

/// When one job of rayon's reading a file's pieces hands over the rows it
/// has read: once a text column holds this much. mimalloc rounds a block of
/// 64 KiB to 16 MiB up to one of four sizes per doubling (up to a quarter
/// more) and, with huge pages, that rounding is resident: handed over
/// piece by piece (4 MB pieces), a 10M-invoice bundle kept some 330 MiB
/// more after loading. Over 16 MiB a block is sized to the page. (1 KiB
/// in unit tests, so that the readers' tests hand over parts.)
const PART_TEXT_BYTES: usize = if cfg!(test) { 1 << 10 } else { 32 << 20 };

/// The rows one job of rayon's reads from consecutive pieces of a file (a
/// job's pieces are consecutive, and the jobs' results are joined in
/// order). The pieces are read into one builder that grows once and is
/// reused; its rows are handed over in buffers of their exact size
/// ([`TableBuilder::take_exact`]) every [`PART_TEXT_BYTES`] of text.
pub struct Parts {
    reading: TableBuilder,
    read: TableBuilder,
}

impl Parts {
    pub fn new(fields: &'static [Field]) -> Parts {
        Parts {
            reading: TableBuilder::new(fields),
            read: TableBuilder::new(fields),
        }
    }

    /// The builder the next piece is read into.
    pub fn builder(&mut self) -> &mut TableBuilder {
        &mut self.reading
    }

    /// Called after each piece: hands the rows read so far over once they
    /// are enough.
    pub fn piece_done(&mut self) {
        if self.reading.text_bytes() >= PART_TEXT_BYTES {
            self.read.append(self.reading.take_exact());
        }
    }

    /// Every row the job read, in order.
    pub fn finish(mut self) -> TableBuilder {
        self.read.append(self.reading.take_exact());
        self.read
    }
}

/// Parses one text cell of `field` into its column, or a null where it is
/// empty; the reason names the column when it cannot.
fn push_text(
    column: &mut Cells,
    field: &Field,
    raw: Option<&str>,
    dialect: &Dialect,
) -> Result<(), String> {
    match raw.map(trim_cell).filter(|s| !s.is_empty()) {
        None if field.required => Err(format!("{}: required value is empty", field.name)),
        Some(raw) if raw.len() > MAX_CELL_BYTES => Err(format!(
            "{}: value of {} bytes is over the limit of {MAX_CELL_BYTES} bytes",
            field.name,
            raw.len()
        )),
        None => {
            column.push_null();
            Ok(())
        }
        Some(raw) => push_parsed(column, field.kind, raw, dialect)
            .map_err(|e| format!("{}: {e}", field.name)),
    }
}

/// The grosze an amount cell can hold: 17 digits (`contract::parse_amount`).
const AMOUNT_BOUND: u64 = 100_000_000_000_000_000;

/// A cell as a reader hands it over: text, parsed by its field's kind, or
/// a value a typed document already holds. A JPK_V7 register's dates and
/// amounts are read as values (`documents::jpk`); handing them over as
/// values spares writing them as text to parse them again, and keeps them
/// out of the ledger's CSV dialect (a decimal comma), which is not theirs.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    /// A date, as days since 1970-01-01.
    Days(i32),
    /// An amount in grosze.
    Grosze(i64),
}

/// Appends a typed cell to its column. A reader hands over a value only for
/// a field of its kind (a date for a date, an amount for an amount); a
/// field that is not kept only counts it. Any other pairing is a reader's
/// mistake, refused like a bad value rather than stored wrong.
fn push_typed(column: &mut Cells, cell: Cell<'_>) -> Result<(), String> {
    match (column, cell) {
        (Cells::Date(c), Cell::Days(days)) => c.push(days),
        (Cells::Amount(c), Cell::Grosze(grosze)) => c.push(grosze),
        (Cells::Checked(rows), _) => *rows += 1,
        (_, cell) => return Err(format!("{cell:?} handed over for a column of another type")),
    }
    Ok(())
}

/// Parses one non-empty cell of `kind` into its column; on error the
/// column is left as it was. A field that is not kept is parsed for its
/// errors only (`Dialect::check_cell`).
fn push_parsed(column: &mut Cells, kind: Kind, raw: &str, dialect: &Dialect) -> Result<(), String> {
    match (column, kind) {
        (Cells::Checked(rows), kind) => {
            dialect.check_cell(kind, raw)?;
            *rows += 1;
        }
        (Cells::Date(c), _) => c.push(dialect.date_days(raw)?),
        (Cells::Timestamp(c), _) => c.push(dialect.timestamp_ms(raw)?),
        (Cells::Amount(c), _) => c.push(dialect.parse_amount(raw)?),
        (Cells::Text(c), Kind::Currency) => {
            if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
                c.push_ascii_uppercase(raw);
            } else {
                c.push(&parse_currency(raw)?);
            }
        }
        (Cells::Text(c), Kind::Hash) => c.push(&parse_hash(raw)?),
        (Cells::Text(c), Kind::KsefNumber) => c.push(&ksef_number(raw)),
        (Cells::Text(c), Kind::Integer) => c.push(parse_whole_number(raw)?),
        (Cells::Text(c), Kind::Marker) => match parse_marker(raw)? {
            Some(marker) => c.push(&marker),
            None => c.push_null(),
        },
        (Cells::Text(c), Kind::Mode) => c.push(parse_offline_mode(raw)?.as_str()),
        (Cells::Text(c), Kind::Action) => c.push(parse_action(raw)?),
        (Cells::Text(c), Kind::Category) => c.push(parse_category(raw)?.as_str()),
        (Cells::Text(c), Kind::Rate) => c.push(&parse_rate(raw)?),
        (Cells::Text(c), _) => c.push(raw),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Source;

    const LEDGER: &[Field] = Source::Ledger.fields();
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
        let map = HeaderMap::new(&h, LEDGER, &HashMap::new(), &[]).unwrap();
        assert_eq!(map.position(0), Some(0));
        assert_eq!(map.position(5), None);
        let err = HeaderMap::new(&h[1..], LEDGER, &HashMap::new(), &[]).unwrap_err();
        assert!(err.contains("invoice_number"), "{err}");
        // A constant from recon.toml stands in for the missing column.
        let constant = [Some("FV/1".to_string())];
        let map = HeaderMap::new(&h[1..], LEDGER, &HashMap::new(), &constant).unwrap();
        assert_eq!(map.position(0), None);
        let dup = headers(&[
            "invoice_number",
            "Invoice_number",
            "issue_date",
            "seller_nip",
            "gross_amount",
            "currency",
        ]);
        assert!(
            HeaderMap::new(&dup, LEDGER, &HashMap::new(), &[])
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
        // The maximum penalty reads the VAT (`matching::exposure`).
        assert!(names.contains(&"vat_amount"), "{names:?}");
        for dropped in ["buyer_id", "invoice_type", "source_id"] {
            assert!(!names.contains(&dropped), "{names:?}");
        }
        let kept = LEDGER.iter().filter(|f| f.kept).count();
        assert_eq!(df.width(), kept + 2, "kept fields plus _file and _line");
    }

    #[test]
    fn typed_cells_are_the_values_their_text_would_give() {
        let text = [
            "FV/1",
            "2026-03-02",
            "5265877635",
            "123.00",
            "PLN",
            "100.00",
            "23.00",
        ];
        let mut by_text = TableBuilder::new(LEDGER);
        by_text
            .push(|i| text.get(i).copied(), &Dialect::default(), &AT)
            .unwrap();
        let days = crate::contract::fast::date_days("2026-03-02").unwrap();
        let typed = [
            Cell::Text("FV/1"),
            Cell::Days(days),
            Cell::Text("5265877635"),
            Cell::Grosze(12_300),
            Cell::Text("PLN"),
            Cell::Grosze(10_000),
            Cell::Grosze(2_300),
        ];
        // A decimal comma is the text's dialect, not a typed value's.
        let comma = Dialect {
            decimal_comma: true,
            ..Dialect::default()
        };
        let mut by_value = TableBuilder::new(LEDGER);
        by_value
            .push_cells(|i| typed.get(i).copied(), &comma, &AT)
            .unwrap();
        assert_eq!(by_value.finish().unwrap(), by_text.finish().unwrap());
    }

    #[test]
    fn a_typed_cell_that_does_not_fit_is_refused_not_stored() {
        let mut b = TableBuilder::new(LEDGER);
        let row = |gross: Cell<'static>, date: Cell<'static>| {
            [
                Cell::Text("FV/1"),
                date,
                Cell::Text("5265877635"),
                gross,
                Cell::Text("PLN"),
            ]
        };
        let days = Cell::Days(0);
        let huge = row(Cell::Grosze(i64::MAX), days);
        let err = b
            .push_cells(|i| huge.get(i).copied(), &Dialect::default(), &AT)
            .unwrap_err();
        assert!(
            err.starts_with("gross_amount: '92233720368547758.07' is not an amount"),
            "{err}"
        );
        let swapped = row(Cell::Grosze(1), Cell::Grosze(1));
        let err = b
            .push_cells(|i| swapped.get(i).copied(), &Dialect::default(), &AT)
            .unwrap_err();
        assert!(
            err.starts_with("issue_date: Grosze(1) handed over"),
            "{err}"
        );
        assert!(b.is_empty());
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
        assert!(HeaderMap::new(&h, LEDGER, &renames, &[]).is_ok());
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

    /// Ledger row `i`: texts of both lengths (inline in a view and not),
    /// nulls in an optional text and an optional amount, and every few
    /// rows from a second file.
    fn push_row(b: &mut TableBuilder, i: usize) {
        let number = format!("FV/2026/03/{i:06}");
        let day = format!("2026-03-{:02}", i % 28 + 1);
        let gross = format!("{i}.25");
        let net = (!i.is_multiple_of(3)).then(|| format!("{i}.00"));
        let ksef = (!i.is_multiple_of(5)).then(|| format!("5265877635-20260302-{i:012X}"));
        let cells = [
            Some(number.as_str()),
            Some(day.as_str()),
            Some("5265877635"),
            Some(gross.as_str()),
            Some("PLN"),
            net.as_deref(),
            None,
            None,
            ksef.as_deref(),
        ];
        let file = if i % 700 < 350 {
            "ledger/a.csv"
        } else {
            "ledger/b.csv"
        };
        let at = Location {
            file,
            line: i as u64 + 2,
        };
        b.push(
            |f| cells.get(f).copied().flatten(),
            &Dialect::default(),
            &at,
        )
        .unwrap();
    }

    /// Parts of any size, joined in any grouping, reused after
    /// `take_exact`, give the table one builder given every row gives.
    #[test]
    fn parts_join_into_the_table_of_one_builder() {
        let rows = 6_000;
        let mut one = TableBuilder::new(LEDGER);
        (0..rows).for_each(|i| push_row(&mut one, i));
        let expected = one.finish().unwrap();
        // Pieces around the size kept apart, with small ones between.
        let sizes = [10, 2_000, 5, 1_023, 1_024, 1, 1_500];
        let mut scratch = TableBuilder::new(LEDGER);
        let mut joined = TableBuilder::new(LEDGER);
        let mut next = 0;
        for (n, size) in sizes.iter().enumerate() {
            (next..next + size).for_each(|i| push_row(&mut scratch, i));
            next += size;
            let part = scratch.take_exact();
            assert_eq!(part.len(), *size);
            assert!(scratch.is_empty());
            if n % 2 == 0 {
                joined.append(part);
            } else {
                // A part that holds parts of its own.
                let mut outer = TableBuilder::new(LEDGER);
                outer.append(part);
                joined.append(outer);
            }
        }
        // Rows pushed after parts were taken over come after them.
        (next..rows).for_each(|i| push_row(&mut joined, i));
        assert_eq!(joined.len(), rows);
        assert!(joined.earlier.len() >= 3, "large parts are kept apart");
        let df = joined.finish().unwrap();
        assert!(df.equals_missing(&expected));
        for column in df.columns() {
            assert_eq!(column.n_chunks(), 1, "{}", column.name());
        }
        let files = df.column("_file").unwrap().str().unwrap();
        assert_eq!(files.get(349), Some("ledger/a.csv"));
        assert_eq!(files.get(350), Some("ledger/b.csv"));
    }

    #[test]
    fn a_cell_over_the_limit_rejects_its_row() {
        let mut b = TableBuilder::new(LEDGER);
        let long = "x".repeat(MAX_CELL_BYTES + 1);
        let row = [
            "FV/1",
            "2026-03-02",
            "5265877635",
            "1.00",
            "PLN",
            "",
            "",
            &long,
        ];
        let err = b
            .push(|i| row.get(i).copied(), &Dialect::default(), &AT)
            .unwrap_err();
        assert!(err.starts_with("buyer_id: value of 1048577 bytes"), "{err}");
        assert!(b.is_empty());
    }

    /// Rows go on into a new part once a column's text passes the split
    /// size (4 KiB in tests), and the table is the same.
    #[test]
    fn a_builder_splits_its_rows_as_text_grows() {
        let mut b = TableBuilder::new(LEDGER);
        (0..2_000).for_each(|i| push_row(&mut b, i));
        assert!(b.earlier.len() > 5, "{} parts", b.earlier.len());
        let biggest = b.earlier.iter().map(TableBuilder::text_bytes).max();
        assert!(biggest <= Some(SPLIT_FROM_BYTES + SPLIT_CHECK_ROWS * 40));
        let df = b.finish().unwrap();
        assert_eq!(df.height(), 2_000);
        let numbers = df.column("invoice_number").unwrap().str().unwrap();
        assert_eq!(numbers.get(1_999), Some("FV/2026/03/001999"));
        let ksef = df.column("ksef_number").unwrap().str().unwrap();
        assert_eq!(ksef.null_count(), 400);
    }

    #[test]
    fn the_file_of_a_one_file_table_is_held_once() {
        let mut b = TableBuilder::new(LEDGER);
        (0..300).for_each(|i| push_row(&mut b, i));
        let df = b.finish().unwrap();
        let file = df.column("_file").unwrap();
        assert!(file.as_scalar_column().is_some());
        assert_eq!(file.len(), 300);
        assert_eq!(file.str().unwrap().get(299), Some("ledger/a.csv"));
    }
}
