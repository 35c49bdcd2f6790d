//! CSV files: the header read once, then every record offered to the
//! builder (`rows.rs`), by one reader or, for a large file, by one reader
//! per piece (`pieces.rs`).

mod pieces;
mod rows;

use crate::ingest::reader::{FileOutcome, Reading, decode};
use rows::{CsvHeader, csv_reader, csv_rows, line_at};

/// When a CSV file is read in parallel pieces (`pieces.rs`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Split {
    /// Files shorter than this (decoded) are read in one piece.
    pub min_bytes: usize,
    /// The length a piece is cut at, at the next record boundary.
    pub piece_bytes: usize,
    /// Whether a text without quotes is read by `rows::plain_rows` rather than
    /// the `csv` crate's reader (off only in tests that compare the two).
    pub plain: bool,
}

impl Split {
    /// Pieces of 4 MB from 8 MB on: small files gain nothing from threads,
    /// and a 4 MB piece (20,000 to 35,000 rows of a ledger or KSeF export)
    /// is small enough to keep two cores evenly busy to the end.
    pub const DEFAULT: Split = Split {
        min_bytes: 8 << 20,
        piece_bytes: 4 << 20,
        plain: true,
    };
}

/// Reads a CSV file: the header, then its records, in pieces when the file
/// is large enough for `split` and can be cut.
pub(super) fn read_csv(mut ctx: Reading<'_>, split: Split) -> FileOutcome {
    let text = match decode(ctx.input.bytes, ctx.input.config) {
        Ok(t) => t,
        Err(e) => return ctx.fail(None, e),
    };
    let text = text.as_bytes();
    let mut reader = csv_reader(text, ctx.input.config);
    let header = match CsvHeader::read(&mut reader, ctx.input) {
        Ok(h) => h,
        Err((line, reason)) => return ctx.fail(line, reason),
    };
    let body = usize::try_from(reader.position().byte())
        .unwrap_or(text.len())
        .min(text.len());
    if text.len() >= split.min_bytes {
        let cuts = pieces::cuts(text, body, ctx.input.config.delimiter, split.piece_bytes);
        if cuts.len() > 2 {
            pieces::read_pieces(&mut ctx, text, &cuts, &header, split.plain);
            return ctx.done();
        }
    }
    csv_rows(
        &mut ctx,
        &text[body..],
        line_at(text, body),
        &header,
        split.plain,
    );
    ctx.done()
}
