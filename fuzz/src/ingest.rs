//! The readers of `src/ingest/`, without its `mod.rs` (file discovery and
//! polars) and without the Parquet reader (polars, see [`parquet`]), plus a
//! view of accepted announcement rows for the deadline target.

#[path = "../../src/ingest/cells.rs"]
mod cells;
#[path = "../../src/ingest/csv/mod.rs"]
mod csv;
#[path = "../../src/ingest/extract.rs"]
pub mod extract;
#[path = "../../src/ingest/input.rs"]
mod input;
#[path = "../../src/ingest/json.rs"]
mod json;
#[path = "../../src/ingest/read.rs"]
pub mod read;
#[path = "../../src/ingest/reader.rs"]
pub mod reader;
#[path = "../../src/ingest/table.rs"]
pub mod table;
#[path = "../../src/ingest/xlsx.rs"]
pub mod xlsx;
#[path = "../../src/ingest/xlsx_guard.rs"]
pub mod xlsx_guard;
#[path = "../../src/ingest/xml.rs"]
pub mod xml;

/// The Parquet reader uses polars, which the harness leaves out, so the
/// dispatcher (`read.rs`) gets this stand-in for it: a `.parquet` file is
/// refused whole. No target names one.
mod parquet {
    use super::reader::{FileOutcome, Reading};

    pub(super) fn read_parquet(ctx: Reading<'_>) -> FileOutcome {
        ctx.fail(None, "Parquet is not read by the fuzz harness".to_string())
    }
}

pub use input::{Rejection, SourceInput};

use crate::contract::Category;
use crate::deadline::Outage;
use table::{Cells, TableBuilder};

/// The announcement rows a builder accepted, as outages (one per row,
/// not merged by event: the deadline rules must cope with overlaps): the
/// rows of the parts it set apart (`TableBuilder::earlier`, a builder
/// whose text outgrows its split size) first, then its own.
pub fn outages(builder: &TableBuilder) -> Vec<Outage> {
    let mut found: Vec<Outage> = builder.earlier.iter().flat_map(outages).collect();
    found.extend(own_outages(builder));
    found
}

/// The outages of the rows `builder` holds itself.
fn own_outages(builder: &TableBuilder) -> Vec<Outage> {
    let [
        Cells::Text(id),
        Cells::Text(category),
        Cells::Timestamp(start),
        Cells::Timestamp(end),
        ..,
    ] = builder.cells.as_slice()
    else {
        panic!("announcement columns changed; update the fuzz harness");
    };
    let date = |ms: i64| crate::contract::ms_to_date(ms);
    (0..builder.lines.len())
        .filter_map(|row| {
            Some(Outage {
                id: id.get(row).unwrap_or_default().to_string(),
                category: Category::parse(category.get(row)?)?,
                start: date(start.get(row)?),
                end: end.get(row).map(date),
            })
        })
        .collect()
}
