//! The polars side of [`TableBuilder`]: its typed cells become one
//! `DataFrame` per file. Apart so that `table.rs` stays polars-free.

use polars::prelude::*;
use polars::series::IsSorted;
use polars_arrow::array::{BINVIEW_ARROW_BUFFER_LEN_LIMIT, Utf8ViewArray, View};
use polars_arrow::bitmap::Bitmap;
use polars_buffer::Buffer;

use super::table::{Cells, FileRun, TableBuilder, TextCells, Values};

impl TableBuilder {
    /// The table with one column per field plus `_file` and `_line`, which
    /// keep every finding traceable to its input row.
    pub fn finish(self) -> PolarsResult<DataFrame> {
        let height = self.lines.len();
        let mut columns = Vec::with_capacity(self.fields.len() + 2);
        for (field, cells) in self.fields.iter().zip(self.cells) {
            let name = PlSmallStr::from_static(field.name);
            let column = match cells {
                Cells::Checked(_) => continue,
                Cells::Text(c) => text(name, c).into_column(),
                Cells::Date(c) => numbers::<Int32Type>(name, c).into_date().into_column(),
                Cells::Timestamp(c) => numbers::<Int64Type>(name, c)
                    .into_datetime(TimeUnit::Milliseconds, None)
                    .into_column(),
                Cells::Amount(c) => numbers::<Int64Type>(name, c).into_column(),
            };
            columns.push(column);
        }
        columns.push(files(&self.files)?.into_column());
        columns.push(UInt64Chunked::from_vec("_line".into(), self.lines).into_column());
        DataFrame::new(height, columns)
    }
}

/// A text column made from the cells' own buffer, which becomes the
/// column's data buffer as it is: each cell gets a 16-byte view (holding
/// texts of up to 12 bytes itself, pointing into the buffer otherwise), and
/// no text is copied. Loading a large export used to copy every text once
/// more here, into memory the kernel had to zero first.
fn text(name: PlSmallStr, cells: TextCells) -> StringChunked {
    let (bytes, ends, valid) = cells.into_parts();
    if bytes.len() >= BINVIEW_ARROW_BUFFER_LEN_LIMIT {
        return copied_text(name, &bytes, &ends, valid.as_deref());
    }
    let mut start = 0;
    let mut longest = 0;
    let views: Vec<View> = ends
        .iter()
        .map(|&end| {
            let cell = &bytes.as_bytes()[start..end];
            longest = longest.max(cell.len());
            // Offsets fit: the buffer is under `i32::MAX` bytes.
            let view = View::new_from_bytes(cell, 0, start as u32);
            start = end;
            view
        })
        .collect();
    let total_bytes = bytes.len();
    // When every text fits in its view the buffer is not needed at all.
    let buffers: Vec<Buffer<u8>> = if longest > View::MAX_INLINE_SIZE as usize {
        vec![Buffer::from(bytes.into_bytes())]
    } else {
        Vec::new()
    };
    let buffer_len = buffers.iter().map(Buffer::len).sum();
    let validity = valid.map(Bitmap::from_iter);
    // SAFETY: every cell is a `&str` pushed whole into `bytes` (so each
    // slice is UTF-8), the views point at exactly those slices of buffer 0,
    // and the validity (when any) has one flag per view.
    let array = unsafe {
        Utf8ViewArray::new_unchecked(
            ArrowDataType::Utf8View,
            Buffer::from(views),
            Buffer::from(buffers),
            validity,
            Some(total_bytes),
            buffer_len,
        )
    };
    StringChunked::with_chunk(name, array)
}

/// The copying way, for a column of 2 GiB or more of text.
fn copied_text(
    name: PlSmallStr,
    bytes: &str,
    ends: &[usize],
    valid: Option<&[bool]>,
) -> StringChunked {
    let mut builder = StringChunkedBuilder::new(name, ends.len());
    let mut start = 0;
    for (i, &end) in ends.iter().enumerate() {
        if valid.is_none_or(|v| v[i]) {
            builder.append_value(&bytes[start..end]);
        } else {
            builder.append_null();
        }
        start = end;
    }
    builder.finish()
}

/// A number column; without nulls its vector becomes the column as it is.
fn numbers<T>(name: PlSmallStr, cells: Values<T::Native>) -> ChunkedArray<T>
where
    T: PolarsNumericType,
{
    match cells.into_parts() {
        (values, None) => ChunkedArray::from_vec(name, values),
        (values, Some(valid)) => ChunkedArray::from_iter_options(
            name,
            values.into_iter().zip(valid).map(|(v, ok)| ok.then_some(v)),
        ),
    }
}

/// `_file`: each file's name stored once and referenced by its rows.
fn files(runs: &[FileRun]) -> PolarsResult<StringChunked> {
    let mut column = StringChunked::from_slice("_file".into(), &[] as &[&str]);
    for run in runs {
        let mut part = StringChunked::full("_file".into(), &run.file, run.rows);
        // `full` marks its column sorted; a column of file names is not.
        part.set_sorted_flag(IsSorted::Not);
        column.append_owned(part)?;
    }
    Ok(column)
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
        text("t".into(), cells)
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
        let copied = copied_text("t".into(), "abcdef", &[3, 3, 6], Some(&[true, false, true]));
        assert_eq!(
            copied.iter().collect::<Vec<_>>(),
            [Some("abc"), None, Some("def")]
        );
    }
}
