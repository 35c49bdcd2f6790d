//! What every format's reader shares: the context a reader hands its rows
//! to ([`Reading`]: the file, its builder and rejections, and the row counts),
//! what it hands back for the file ([`FileOutcome`]), and the decoding of a
//! text file's bytes. Every data row either lands in the builder or in the
//! rejections with its line and reason; a file that cannot be read at all
//! is one rejection naming the file, and its rows count as rejected.

use super::input::{Rejection, SourceInput};
use super::table::{Cell, Location, TableBuilder};
use crate::config::SourceConfig;

/// Row counts of one file, for `run.json`.
#[derive(Debug, Default, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub read: u64,
    pub used: u64,
    pub rejected: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.read += other.read;
        self.used += other.used;
        self.rejected += other.rejected;
    }
}

/// What a reader produces for one file.
pub struct FileOutcome {
    pub counts: Counts,
    /// Set when the whole file could not be read.
    pub error: Option<String>,
    /// A JPK_V7 file's header: the return it is.
    pub jpk: Option<crate::documents::jpk::JpkHeader>,
}

/// What one parallel job of a reader gave (the pieces of a large CSV file,
/// the row groups of a Parquet file), to be joined in file order
/// ([`Reading::join`]).
pub(super) type Piece = (TableBuilder, Vec<Rejection>, Counts);

pub(super) struct Reading<'a> {
    pub(super) input: &'a SourceInput<'a>,
    builder: &'a mut TableBuilder,
    rejected: &'a mut Vec<Rejection>,
    pub(super) counts: Counts,
    /// Set by the JPK_V7 reader once the file's header was read.
    pub(super) jpk: Option<crate::documents::jpk::JpkHeader>,
}

impl<'a> Reading<'a> {
    pub(super) fn new(
        input: &'a SourceInput<'a>,
        builder: &'a mut TableBuilder,
        rejected: &'a mut Vec<Rejection>,
    ) -> Reading<'a> {
        Reading {
            input,
            builder,
            rejected,
            counts: Counts::default(),
            jpk: None,
        }
    }

    pub(super) fn reject(&mut self, line: Option<u64>, reason: String) {
        self.counts.rejected += 1;
        self.rejected.push(Rejection {
            source: self.input.source.name(),
            file: self.input.file.to_string(),
            line,
            reason,
        });
    }

    /// Offers one row to the builder, recording a rejection on failure.
    /// `cell(i)` is `None` only where the file has no column for field
    /// `i` (a JSON record: no such key); there, a constant from
    /// `recon.toml` stands in, except in XML documents, whose fields are
    /// fixed by their schema.
    pub(super) fn row<'v>(&mut self, line: u64, cell: impl Fn(usize) -> Option<&'v str>) {
        self.counts.read += 1;
        let at = Location {
            file: self.input.file,
            line,
        };
        let constants: &[Option<String>] = if self.input.is_xml() {
            &[]
        } else {
            &self.input.config.constants
        };
        let cell = |i| cell(i).or_else(|| constants.get(i)?.as_deref());
        let pushed = self.builder.push(cell, &self.input.config.dialect, &at);
        self.count(line, pushed);
    }

    /// Offers one row of a typed document (see [`Cell`]): no constants
    /// stand in, as in any XML document.
    pub(super) fn typed_row<'v>(&mut self, line: u64, cell: impl Fn(usize) -> Option<Cell<'v>>) {
        self.counts.read += 1;
        let at = Location {
            file: self.input.file,
            line,
        };
        let pushed = self
            .builder
            .push_cells(cell, &self.input.config.dialect, &at);
        self.count(line, pushed);
    }

    fn count(&mut self, line: u64, pushed: Result<(), String>) {
        match pushed {
            Ok(()) => self.counts.used += 1,
            Err(reason) => self.reject(Some(line), reason),
        }
    }

    pub(super) fn fail(mut self, line: Option<u64>, reason: String) -> FileOutcome {
        self.rejected.push(Rejection {
            source: self.input.source.name(),
            file: self.input.file.to_string(),
            line,
            reason: reason.clone(),
        });
        // Rows already handed over go with the file: none of it is used.
        self.counts.used = 0;
        self.counts.rejected = self.counts.read;
        FileOutcome {
            counts: self.counts,
            error: Some(reason),
            jpk: None,
        }
    }

    /// Takes over what the pieces of the same file gave, in order, after
    /// the rows and rejections already here.
    pub(super) fn join(&mut self, pieces: Vec<Piece>) {
        for (builder, rejected, counts) in pieces {
            self.builder.append(builder);
            self.rejected.extend(rejected);
            self.counts += counts;
        }
    }

    pub(super) fn done(self) -> FileOutcome {
        FileOutcome {
            counts: self.counts,
            error: None,
            jpk: self.jpk,
        }
    }
}

/// Decodes the file's bytes as the configured encoding. Invalid bytes stop
/// the file: a lossy decode would change invoice numbers silently.
pub(super) fn decode<'b>(
    bytes: &'b [u8],
    config: &SourceConfig,
) -> Result<std::borrow::Cow<'b, str>, String> {
    let encoding = config.encoding;
    if encoding == encoding_rs::UTF_8 {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        return simdutf8::compat::from_utf8(body).map(Into::into).map_err(|e| {
            let upto = e.valid_up_to();
            let line = body[..upto].iter().filter(|&&b| b == b'\n').count() + 1;
            format!(
                "line {line}: not valid UTF-8 (byte {upto}); if the file is in another encoding, set it in recon.toml"
            )
        });
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| format!("not valid {}", encoding.name()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Source;

    #[test]
    fn a_file_failing_after_rows_counts_every_row_rejected() {
        let config = SourceConfig::default();
        let input = SourceInput {
            source: Source::Ledger,
            file: "ledger/a.csv",
            bytes: b"",
            config: &config,
        };
        let mut builder = TableBuilder::new(Source::Ledger.fields());
        let mut rejected = Vec::new();
        let mut ctx = Reading::new(&input, &mut builder, &mut rejected);
        let good = ["FV/1", "2026-03-02", "5265877635", "1.00", "PLN"];
        ctx.row(2, |i| good.get(i).copied());
        ctx.row(3, |_| None);
        let out = ctx.fail(Some(4), "broken".into());
        let c = out.counts;
        assert_eq!((c.read, c.used, c.rejected), (2, 0, 2));
        assert_eq!(rejected.len(), 2);
    }
}
