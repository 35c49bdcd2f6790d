//! CSV outputs: a text-only frame written with a header, `,` separators and
//! quotes where needed, and every text cell neutralised against spreadsheet
//! formula injection (contract section 6).

use std::io::Write;

use anyhow::Result;
use polars::prelude::*;
use rayon::prelude::*;

/// Prefixes a cell that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or CR) with `'`, so it arrives as inert text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Rows formatted per piece. Pieces are formatted in parallel and written
/// in order; a cell's quoting depends on that cell only, so the bytes are
/// those of one writer going through every row.
const PIECE_ROWS: usize = if cfg!(test) { 3 } else { 32 * 1024 };

/// Pieces formatted before they are written out, which bounds the memory
/// held in formatted text.
const PIECES_IN_FLIGHT: usize = 16;

/// Writes `df` as CSV. All columns must already be text (see
/// [`crate::report::text_frame`]); `numeric` names the columns that hold
/// numbers, which are written as they are (a negative amount is no formula).
pub fn write(df: &DataFrame, numeric: &[&str], mut out: impl Write) -> Result<()> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let mut header = csv::WriterBuilder::new().from_writer(Vec::new());
    header.write_record(&names)?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    let guard: Vec<bool> = names.iter().map(|n| !numeric.contains(n)).collect();
    let starts: Vec<usize> = (0..df.height()).step_by(PIECE_ROWS).collect();
    for batch in starts.chunks(PIECES_IN_FLIGHT) {
        let pieces: Vec<Result<Vec<u8>>> = batch
            .par_iter()
            .map(|&start| rows(&df.slice(start as i64, PIECE_ROWS), &guard))
            .collect();
        for piece in pieces {
            out.write_all(&piece?)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The CSV text of every row of `df` (no header).
fn rows(df: &DataFrame, guard: &[bool]) -> Result<Vec<u8>> {
    let columns: Vec<&StringChunked> = df
        .columns()
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()
        .map_err(|e| anyhow::anyhow!("output columns must be text: {e}"))?;
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::with_capacity(df.height() * 128));
    let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
    // One record refilled per row: the csv crate writes a whole
    // `ByteRecord` in one pass, where `write_record` runs its field state
    // machine for every cell (some 7 % of a 200k-invoice run's instructions
    // under callgrind).
    let mut row = csv::ByteRecord::with_capacity(256, columns.len());
    for _ in 0..df.height() {
        row.clear();
        for (it, &guarded) in iters.iter_mut().zip(guard) {
            let cell = it.next().flatten().unwrap_or("");
            if guarded {
                row.push_field(neutralise(cell).as_bytes());
            } else {
                row.push_field(cell.as_bytes());
            }
        }
        writer.write_byte_record(&row)?;
    }
    Ok(writer.into_inner().map_err(|e| e.into_error())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_numbers_are_not() {
        let df = DataFrame::new(
            2,
            vec![
                Column::new(
                    "invoice_number".into(),
                    ["=HYPERLINK(\"http://x\")", "FV/1"],
                ),
                Column::new("gross_amount".into(), ["-12.00", "3.00"]),
            ],
        )
        .unwrap();
        let mut out = Vec::new();
        write(&df, &["gross_amount"], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "invoice_number,gross_amount\n\"'=HYPERLINK(\"\"http://x\"\")\",-12.00\nFV/1,3.00\n"
        );
        // Pieces of 3 rows (under test) join into the one-writer text.
        let many: Vec<String> = (0..10).map(|i| format!("FV/{i},\"x\"")).collect();
        let df = DataFrame::new(10, vec![Column::new("n".into(), &many)]).unwrap();
        let mut out = Vec::new();
        write(&df, &[], &mut out).unwrap();
        let mut one = csv::Writer::from_writer(Vec::new());
        one.write_record(["n"]).unwrap();
        for m in &many {
            one.write_record([m]).unwrap();
        }
        assert_eq!(out, one.into_inner().unwrap());
        let empty = df.slice(0, 0);
        let mut out = Vec::new();
        write(&empty, &[], &mut out).unwrap();
        assert_eq!(out, b"n\n");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("plain"), "plain");
    }
}
