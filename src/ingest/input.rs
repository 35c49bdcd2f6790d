//! What a reader is handed and what it hands back when a row or file
//! cannot be used. Kept free of polars (like every reader but Parquet's,
//! `reader`, `read` and `table`) so that the fuzz targets in `fuzz/` can
//! mount the readers without building polars with instrumentation.

use crate::config::SourceConfig;
use crate::contract::{Field, Source};

/// A row or file that could not be used (`rejected.csv`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rejection {
    pub source: &'static str,
    pub file: String,
    pub line: Option<u64>,
    pub reason: String,
}

/// One file handed to a reader.
pub struct SourceInput<'a> {
    pub source: Source,
    /// Path relative to the bundle, with `/` separators.
    pub file: &'a str,
    pub bytes: &'a [u8],
    pub config: &'a SourceConfig,
}

impl SourceInput<'_> {
    pub fn fields(&self) -> &'static [Field] {
        self.source.fields()
    }

    /// Whether the file is an XML document (JPK_V7, FA(3), UPO), whose
    /// fields no `recon.toml` constant fills.
    pub fn is_xml(&self) -> bool {
        self.file
            .rsplit_once('.')
            .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("xml"))
    }

    /// The JSON names of the fields, for sources that come as JSON.
    pub fn json_names(&self) -> Option<&'static [&'static str]> {
        self.source.json_names()
    }
}
