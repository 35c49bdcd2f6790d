//! The polars side of [`TableBuilder`]: its typed cells, in the parts it
//! took over, become one `DataFrame` per source. Apart so that `table.rs`
//! stays polars-free.

use polars::prelude::*;
use polars::series::IsSorted;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::array::{Utf8ViewArray, View};
use polars_arrow::bitmap::BitmapBuilder;
use polars_buffer::Buffer;
use rayon::prelude::*;

use super::table::{Cells, FileRun, TableBuilder, TextCells, Values};

impl TableBuilder {
    /// The table with one column per field plus `_file` and `_line`, which
    /// keep every finding traceable to its input row. The parts taken over
    /// whole (see [`TableBuilder::earlier`]) are joined here, column by
    /// column on rayon's pool: their text buffers become the column's
    /// buffers as they are.
    pub fn finish(mut self) -> PolarsResult<DataFrame> {
        let fields = self.fields;
        let mut parts = std::mem::take(&mut self.earlier);
        if parts.is_empty() || !self.lines.is_empty() {
            parts.push(self);
        }
        let height = parts.iter().map(|p| p.lines.len()).sum();
        let mut by_field: Vec<Vec<Cells>> = fields
            .iter()
            .map(|_| Vec::with_capacity(parts.len()))
            .collect();
        let mut runs: Vec<FileRun> = Vec::new();
        let mut lines: Vec<u64> = Vec::new();
        for part in parts {
            for (column, cells) in by_field.iter_mut().zip(part.cells) {
                column.push(cells);
            }
            for run in part.files {
                match runs.last_mut() {
                    Some(last) if last.file == run.file => last.rows += run.rows,
                    _ => runs.push(run),
                }
            }
            if lines.is_empty() {
                // The first part's line numbers are kept, not copied.
                lines = part.lines;
                lines.reserve_exact(height - lines.len());
            } else {
                lines.extend_from_slice(&part.lines);
            }
        }
        let columns: Vec<Option<Column>> = fields
            .par_iter()
            .zip(by_field)
            .map(|(field, cells)| column(PlSmallStr::from_static(field.name), cells))
            .collect::<PolarsResult<_>>()?;
        let mut columns: Vec<Column> = columns.into_iter().flatten().collect();
        columns.push(files(&runs)?);
        columns.push(UInt64Chunked::from_vec("_line".into(), lines).into_column());
        DataFrame::new(height, columns)
    }
}

/// One field's column from its cells in each part, or none for a field
/// that is checked but not kept.
fn column(name: PlSmallStr, parts: Vec<Cells>) -> PolarsResult<Option<Column>> {
    let column = match parts.first() {
        None | Some(Cells::Checked(_)) => return Ok(None),
        Some(Cells::Text(_)) => {
            let parts = each(&name, parts, Cells::into_text)?;
            match constant(&parts) {
                Some(value) => held_once(name, value, parts.iter().map(TextCells::len).sum()),
                None => text(name, parts).into_column(),
            }
        }
        Some(Cells::Date(_)) => {
            numbers::<Int32Type>(name.clone(), each(&name, parts, Cells::into_days)?)
                .into_date()
                .into_column()
        }
        Some(Cells::Timestamp(_)) => {
            numbers::<Int64Type>(name.clone(), each(&name, parts, Cells::into_i64)?)
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_column()
        }
        Some(Cells::Amount(_)) => {
            numbers::<Int64Type>(name.clone(), each(&name, parts, Cells::into_i64)?).into_column()
        }
    };
    Ok(Some(column))
}

/// The text every cell holds, when they all hold the same one (a
/// one-company bundle's seller NIP): the column is then kept as that value
/// and a length, where views would cost 16 bytes a row (320 MiB for the
/// seller NIPs of 10M ledger rows and 10M KSeF records).
fn constant(parts: &[TextCells]) -> Option<&str> {
    let first = parts.iter().find(|p| !p.is_empty())?.get(0)?;
    parts
        .iter()
        .all(|p| !p.has_nulls() && p.iter().all(|cell| cell == Some(first)))
        .then_some(first)
}

/// A text column of `rows` rows that all hold `value`, kept as that value
/// and a length (a polars scalar column).
fn held_once(name: PlSmallStr, value: &str, rows: usize) -> Column {
    let value = Scalar::new(DataType::String, AnyValue::StringOwned(value.into()));
    Column::new_scalar(name, value, rows)
}

/// The cells of every part as the kind of the first: all parts follow the
/// same field table, so another kind means a bug, reported as an error.
fn each<T>(name: &str, parts: Vec<Cells>, kind: fn(Cells) -> Option<T>) -> PolarsResult<Vec<T>> {
    parts
        .into_iter()
        .map(|cells| {
            kind(cells).ok_or_else(
                || polars_err!(ComputeError: "the parts of column {name} hold cells of different kinds"),
            )
        })
        .collect()
}

/// A text column made from the parts' own buffers, which become the
/// column's data buffers as they are: each cell gets a 16-byte view
/// (holding texts of up to 12 bytes itself, pointing into its part's
/// buffer otherwise), and no text is copied. Loading a large export used to
/// copy every text once more here, into memory the kernel had to zero
/// first.
fn text(name: PlSmallStr, parts: Vec<TextCells>) -> StringChunked {
    let rows = parts.iter().map(TextCells::len).sum();
    let mut views: Vec<View> = Vec::with_capacity(rows);
    let mut buffers: Vec<Buffer<u8>> = Vec::new();
    let mut validity = parts
        .iter()
        .any(TextCells::has_nulls)
        .then(|| BitmapBuilder::with_capacity(rows));
    let mut total_bytes = 0;
    for part in parts {
        let index = buffers.len() as u32;
        let bytes = part.bytes().as_bytes();
        let mut longest = 0;
        for (start, end, valid) in part.spans() {
            let cell = &bytes[start..end];
            longest = longest.max(cell.len());
            // Offsets fit: a part's text is under `TextCells::MAX_BYTES`.
            views.push(View::new_from_bytes(cell, index, start as u32));
            if let Some(validity) = &mut validity {
                validity.push(valid);
            }
        }
        total_bytes += bytes.len();
        // When every text fits in its view the buffer is not needed at all.
        if longest > View::MAX_INLINE_SIZE as usize {
            buffers.push(Buffer::from(part.into_bytes().into_bytes()));
        }
    }
    let buffer_len = buffers.iter().map(Buffer::len).sum();
    // SAFETY: every cell is a `&str` pushed whole into its part's buffer (so
    // each slice is UTF-8); a view that is not inline points at exactly
    // that slice of the buffer its part was given, which is kept whenever
    // the part has such a view; the validity (when any) has one flag per
    // view.
    let array = unsafe {
        Utf8ViewArray::new_unchecked(
            ArrowDataType::Utf8View,
            Buffer::from(views),
            Buffer::from(buffers),
            validity.map(BitmapBuilder::freeze),
            Some(total_bytes),
            buffer_len,
        )
    };
    StringChunked::with_chunk(name, array)
}

/// A number column; from one part without nulls its vector becomes the
/// column as it is, from several they are copied into one.
fn numbers<T>(name: PlSmallStr, parts: Vec<Values<T::Native>>) -> ChunkedArray<T>
where
    T: PolarsNumericType,
{
    let rows = parts.iter().map(Values::len).sum();
    let mut validity = parts
        .iter()
        .any(Values::has_nulls)
        .then(|| BitmapBuilder::with_capacity(rows));
    let mut values = Vec::new();
    for part in parts {
        let (part_values, valid) = part.into_parts();
        if let Some(validity) = &mut validity {
            match valid {
                Some(valid) => valid.iter().for_each(|&v| validity.push(v)),
                None => validity.extend_constant(part_values.len(), true),
            }
        }
        if values.is_empty() {
            values = part_values;
            values.reserve_exact(rows - values.len());
        } else {
            values.extend_from_slice(&part_values);
        }
    }
    let array = PrimitiveArray::from_vec(values).with_validity(validity.map(BitmapBuilder::freeze));
    ChunkedArray::with_chunk(name, array)
}

/// `_file`: each file's name stored once and referenced by its rows; the
/// name of a source's only file is held once for all of them (as in
/// [`constant`]), where views would cost 16 bytes a row.
fn files(runs: &[FileRun]) -> PolarsResult<Column> {
    if let [run] = runs {
        return Ok(held_once("_file".into(), &run.file, run.rows));
    }
    let mut column = StringChunked::from_slice("_file".into(), &[] as &[&str]);
    for run in runs {
        let mut part = StringChunked::full("_file".into(), &run.file, run.rows);
        // `full` marks its column sorted; a column of file names is not.
        part.set_sorted_flag(IsSorted::Not);
        column.append_owned(part)?;
    }
    Ok(column.rechunk().into_owned().into_column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[Option<&str>]) -> StringChunked {
        let mut cells = TextCells::default();
        for v in values {
            match v {
                Some(v) => cells.push(v),
                None => cells.push_null(),
            }
        }
        text("t".into(), vec![cells])
    }

    #[test]
    fn text_columns_hold_the_cells_without_copying_them() {
        let values = [
            Some("FV/2026/03/0001"),
            None,
            Some(""),
            Some("PLN"),
            Some("zażółć gęślą jaźń"),
            Some("exactly12byt"),
            Some("thirteen byte"),
        ];
        let ca = column(&values);
        assert_eq!(ca.iter().collect::<Vec<_>>(), values);
        assert_eq!(ca.null_count(), 1);
        let short = [Some("PLN"), Some("EUR"), None];
        assert_eq!(column(&short).iter().collect::<Vec<_>>(), short);
    }

    #[test]
    fn a_text_every_row_shares_is_held_once() {
        let cells = |values: &[Option<&str>]| {
            let mut cells = TextCells::default();
            for v in values {
                match v {
                    Some(v) => cells.push(v),
                    None => cells.push_null(),
                }
            }
            Cells::Text(cells)
        };
        let nip = Some("5265877635");
        let same = vec![cells(&[nip, nip]), cells(&[]), cells(&[nip])];
        let held = super::column("seller_nip".into(), same).unwrap().unwrap();
        assert!(held.as_scalar_column().is_some());
        assert_eq!(held.len(), 3);
        assert_eq!(held.str().unwrap().get(2), nip);
        for differs in [
            vec![cells(&[nip]), cells(&[nip, Some("1234563218")])],
            vec![cells(&[nip, None])],
            vec![cells(&[None, None])],
        ] {
            let viewed = super::column("seller_nip".into(), differs)
                .unwrap()
                .unwrap();
            assert!(viewed.as_scalar_column().is_none());
        }
    }
}
