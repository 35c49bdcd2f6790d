//! The polars side of [`TableBuilder`]: its typed cells become one
//! `DataFrame` per file. Apart so that `table.rs` stays polars-free.

use polars::prelude::*;
use polars::series::IsSorted;

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
                Cells::Text(c) => text(name, &c).into_column(),
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

fn text(name: PlSmallStr, cells: &TextCells) -> StringChunked {
    let mut builder = StringChunkedBuilder::new(name, cells.len());
    if cells.has_nulls() {
        for cell in cells.iter() {
            builder.append_option(cell);
        }
    } else {
        for cell in cells.iter().flatten() {
            builder.append_value(cell);
        }
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
