//! The typed cells of one column while a table is being built.
//!
//! Text is kept as one byte buffer per column with the end offset of each
//! cell (which also marks a null), numbers as a plain vector with a
//! validity flag per row: a million-row ledger has some ten million cells,
//! and one `String` (or `Option` of one) each made allocation the larger
//! part of loading.
//! Polars-free like the readers; `to_polars.rs` turns these into columns.

use crate::contract::Kind;

/// One column's cells, by the kind of value its field holds.
#[derive(Clone)]
pub enum Cells {
    Text(TextCells),
    Date(Values<i32>),
    Timestamp(Values<i64>),
    Amount(Values<i64>),
    /// A field that is checked but not kept: only how many rows passed.
    Checked(usize),
}

impl Cells {
    /// Empty cells for a field of `kind`; every kind that is not a date,
    /// timestamp or amount is stored as text.
    pub fn new(kind: Kind) -> Cells {
        match kind {
            Kind::Date => Cells::Date(Values::default()),
            Kind::Timestamp => Cells::Timestamp(Values::default()),
            Kind::Amount => Cells::Amount(Values::default()),
            _ => Cells::Text(TextCells::default()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Cells::Text(c) => c.len(),
            Cells::Date(c) => c.len(),
            Cells::Timestamp(c) | Cells::Amount(c) => c.len(),
            Cells::Checked(rows) => *rows,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Room for `rows` more cells (and some text for each), so a file of a
    /// known size is read without the column growing again and again.
    pub fn reserve(&mut self, rows: usize) {
        match self {
            Cells::Text(c) => {
                c.ends.reserve(rows);
                c.bytes.reserve(rows.saturating_mul(TEXT_BYTES_GUESS));
            }
            Cells::Date(c) => c.reserve(rows),
            Cells::Timestamp(c) | Cells::Amount(c) => c.reserve(rows),
            Cells::Checked(_) => {}
        }
    }

    pub fn push_null(&mut self) {
        match self {
            Cells::Text(c) => c.push_null(),
            Cells::Date(c) => c.push_null(),
            Cells::Timestamp(c) | Cells::Amount(c) => c.push_null(),
            Cells::Checked(rows) => *rows += 1,
        }
    }

    /// Drops the cells from row `rows` on: how a row that failed halfway
    /// is taken back out.
    pub fn truncate(&mut self, rows: usize) {
        match self {
            Cells::Text(c) => c.truncate(rows),
            Cells::Date(c) => c.truncate(rows),
            Cells::Timestamp(c) | Cells::Amount(c) => c.truncate(rows),
            Cells::Checked(n) => *n = (*n).min(rows),
        }
    }

    pub fn into_text(self) -> Option<TextCells> {
        match self {
            Cells::Text(c) => Some(c),
            _ => None,
        }
    }

    pub fn into_days(self) -> Option<Values<i32>> {
        match self {
            Cells::Date(c) => Some(c),
            _ => None,
        }
    }

    /// The values of a timestamp or amount column.
    pub fn into_i64(self) -> Option<Values<i64>> {
        match self {
            Cells::Timestamp(c) | Cells::Amount(c) => Some(c),
            _ => None,
        }
    }

    /// The bytes of text held; none in a number column.
    pub fn text_bytes(&self) -> usize {
        match self {
            Cells::Text(c) => c.byte_len(),
            _ => 0,
        }
    }

    /// Appends the cells of `other`, a column of the same field.
    pub fn append(&mut self, other: Cells) {
        match (self, other) {
            (Cells::Text(a), Cells::Text(b)) => a.append(b),
            (Cells::Date(a), Cells::Date(b)) => a.append(b),
            (Cells::Timestamp(a), Cells::Timestamp(b)) | (Cells::Amount(a), Cells::Amount(b)) => {
                a.append(b)
            }
            (Cells::Checked(a), Cells::Checked(b)) => *a += b,
            _ => unreachable!("both builders follow the same field table"),
        }
    }
}

/// Text cells: cell `i` is `bytes[end(i - 1)..end(i)]` (from 0 for the
/// first), where `end` is the cell's end offset without [`NULL`]; a null is
/// an empty cell whose end offset has [`NULL`] set.
///
/// Four bytes per cell, where an end offset of `usize` and a validity flag
/// took nine: at ten million invoices the cells of the ledger and KSeF
/// exports held in this form until their tables are made came to over a
/// gigabyte, all of it memory the kernel had to hand out and zero first.
/// The builder keeps a column's text under [`TextCells::MAX_BYTES`] (see
/// `TableBuilder::push`), so an offset fits in the 31 bits below [`NULL`].
#[derive(Debug, Default, Clone)]
pub struct TextCells {
    bytes: String,
    ends: Vec<u32>,
    nulls: usize,
}

/// Bytes of text [`Cells::reserve`] makes room for per cell: a guess (an
/// invoice number, a NIP), since room reserved and not written takes no
/// memory, only addresses.
const TEXT_BYTES_GUESS: usize = 12;

/// The bit of an end offset that marks its cell as null.
const NULL: u32 = 1 << 31;

impl TextCells {
    /// The most text one column of cells can hold: polars' limit for one
    /// buffer of a text column, below which every offset has its top bit
    /// free for [`NULL`].
    pub const MAX_BYTES: usize = i32::MAX as usize;

    pub fn push(&mut self, value: &str) {
        self.bytes.push_str(value);
        self.close(true);
    }

    /// Appends `value` upper-cased, written straight into the buffer.
    pub fn push_ascii_uppercase(&mut self, value: &str) {
        let start = self.bytes.len();
        self.bytes.push_str(value);
        self.bytes[start..].make_ascii_uppercase();
        self.close(true);
    }

    pub fn push_null(&mut self) {
        self.nulls += 1;
        self.close(false);
    }

    fn close(&mut self, valid: bool) {
        debug_assert!(self.bytes.len() <= Self::MAX_BYTES);
        let end = self.bytes.len() as u32;
        self.ends.push(if valid { end } else { end | NULL });
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn has_nulls(&self) -> bool {
        self.nulls > 0
    }

    /// The bytes of text held.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The end offset of cell `row` in the buffer.
    fn end(&self, row: usize) -> usize {
        (self.ends[row] & !NULL) as usize
    }

    pub fn get(&self, row: usize) -> Option<&str> {
        let (start, end, valid) = self.span(row)?;
        valid.then(|| &self.bytes[start..end])
    }

    /// Where cell `row` lies in the buffer and whether it is valid.
    fn span(&self, row: usize) -> Option<(usize, usize, bool)> {
        let end = *self.ends.get(row)?;
        let start = if row == 0 { 0 } else { self.end(row - 1) };
        Some((start, (end & !NULL) as usize, end & NULL == 0))
    }

    /// Each cell's start and end in [`TextCells::bytes`] and whether it is
    /// valid (a null is empty), in row order.
    pub fn spans(&self) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let span = (start, (end & !NULL) as usize, end & NULL == 0);
            start = span.1;
            span
        })
    }

    /// The text of every cell, one after another.
    pub fn bytes(&self) -> &str {
        &self.bytes
    }

    /// The text buffer, for a column to keep as it is.
    pub fn into_bytes(self) -> String {
        self.bytes
    }

    /// The cells in row order.
    pub fn iter(&self) -> impl Iterator<Item = Option<&str>> + '_ {
        self.spans()
            .map(|(start, end, valid)| valid.then(|| &self.bytes[start..end]))
    }

    fn truncate(&mut self, rows: usize) {
        if rows >= self.len() {
            return;
        }
        self.nulls -= self.ends[rows..].iter().filter(|&&e| e & NULL != 0).count();
        self.bytes
            .truncate(if rows == 0 { 0 } else { self.end(rows - 1) });
        self.ends.truncate(rows);
    }

    /// Appends the cells of `other`; the caller keeps the text of both
    /// under [`TextCells::MAX_BYTES`].
    fn append(&mut self, other: TextCells) {
        debug_assert!(self.bytes.len() + other.bytes.len() <= Self::MAX_BYTES);
        let base = self.bytes.len() as u32;
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|end| end + base));
        self.nulls += other.nulls;
    }
}

/// Number cells (days, milliseconds, grosze); a null holds the default
/// value and a false `valid` flag.
#[derive(Debug, Clone)]
pub struct Values<T> {
    values: Vec<T>,
    valid: Vec<bool>,
    nulls: usize,
}

impl<T> Default for Values<T> {
    fn default() -> Self {
        Values {
            values: Vec::new(),
            valid: Vec::new(),
            nulls: 0,
        }
    }
}

impl<T: Copy + Default> Values<T> {
    fn reserve(&mut self, rows: usize) {
        self.values.reserve(rows);
        self.valid.reserve(rows);
    }

    pub fn push(&mut self, value: T) {
        self.values.push(value);
        self.valid.push(true);
    }

    pub fn push_null(&mut self) {
        self.values.push(T::default());
        self.valid.push(false);
        self.nulls += 1;
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn has_nulls(&self) -> bool {
        self.nulls > 0
    }

    pub fn get(&self, row: usize) -> Option<T> {
        if *self.valid.get(row)? {
            Some(self.values[row])
        } else {
            None
        }
    }

    /// The values and, when any cell is null, the validity flags.
    pub fn into_parts(self) -> (Vec<T>, Option<Vec<bool>>) {
        let valid = (self.nulls > 0).then_some(self.valid);
        (self.values, valid)
    }

    fn truncate(&mut self, rows: usize) {
        if rows >= self.len() {
            return;
        }
        self.nulls -= self.valid[rows..].iter().filter(|v| !**v).count();
        self.values.truncate(rows);
        self.valid.truncate(rows);
    }

    fn append(&mut self, other: Values<T>) {
        self.values.extend(other.values);
        self.valid.extend(other.valid);
        self.nulls += other.nulls;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_truncate_and_append() {
        let mut a = TextCells::default();
        a.push("ab");
        a.push_null();
        a.push_ascii_uppercase("pln");
        a.truncate(2);
        assert_eq!(a.iter().collect::<Vec<_>>(), [Some("ab"), None]);
        let mut b = TextCells::default();
        b.push("");
        b.push("zł");
        a.append(b);
        assert_eq!(
            a.iter().collect::<Vec<_>>(),
            [Some("ab"), None, Some(""), Some("zł")]
        );
        assert_eq!(a.get(3), Some("zł"));
        assert!(a.has_nulls());
        a.truncate(1);
        assert!(!a.has_nulls());
        assert_eq!(a.get(1), None);
    }

    #[test]
    fn values_report_validity_only_with_nulls() {
        let mut v = Values::default();
        v.push(1i64);
        v.push_null();
        v.truncate(1);
        assert_eq!(v.into_parts(), (vec![1], None));
    }
}
