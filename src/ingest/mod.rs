//! Loading the input bundle (contract section 2): find each source's files,
//! hash them, read them in parallel, and return one typed table per source
//! with every row that could not be used listed with its reason.
//!
//! This stage decides nothing about invoices; it only guarantees that what
//! comes out is typed, trimmed and traceable (`_file`, `_line`), and that
//! rows read = rows used + rows rejected for every file.
//!
//! Laid out as the data flows: `files.rs` finds and opens the files;
//! `read.rs` picks each file's reader by its format (`csv/`, `xlsx.rs`,
//! `json.rs`, `xml.rs` for the XML documents, `parquet.rs`), all of
//! them handing rows over through `reader.rs`; `table.rs` (with
//! `cells.rs`) types the rows and `to_polars.rs` makes them a polars table;
//! `load.rs` runs it all for a bundle and `bundle.rs` is what it returns.

mod bundle;
mod cells;
mod csv;
pub mod extract;
pub mod files;
mod input;
mod json;
mod load;
mod parquet;
pub mod read;
pub mod reader;
pub mod table;
mod to_polars;
pub mod xlsx;
pub mod xlsx_guard;
pub mod xml;

pub use bundle::{Bundle, InputFile};
pub use input::{Rejection, SourceInput};
pub use load::{
    Keep, drop_replaced_announcements, latest_versions, load, load_chosen, load_with,
    set_aside_unusable,
};
pub use read::is_parquet;
