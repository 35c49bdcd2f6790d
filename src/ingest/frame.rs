//! The polars side of [`TableBuilder`]: its typed cells become one
//! `DataFrame` per file. Apart so that `table.rs` stays polars-free.

use polars::prelude::*;

use super::table::{Cells, TableBuilder};

impl TableBuilder {
    /// The table with one column per field plus `_file` and `_line`, which
    /// keep every finding traceable to its input row.
    pub fn finish(self) -> PolarsResult<DataFrame> {
        let height = self.lines.len();
        let mut columns = Vec::with_capacity(self.fields.len() + 2);
        for (field, cells) in self.fields.iter().zip(self.cells) {
            let name = PlSmallStr::from_static(field.name);
            let column = match cells {
                Cells::Text(v) => Column::new(name, v),
                Cells::Date(v) => Column::new(name, v).cast(&DataType::Date)?,
                Cells::Timestamp(v) => {
                    Column::new(name, v).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
                }
                Cells::Amount(v) => Column::new(name, v),
            };
            columns.push(column);
        }
        columns.push(Column::new("_file".into(), self.files));
        columns.push(Column::new("_line".into(), self.lines));
        DataFrame::new(height, columns)
    }
}
