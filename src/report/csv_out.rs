//! CSV outputs: a text-only frame written with a header, `,` separators and
//! quotes where needed, and every free-text cell neutralised against
//! spreadsheet formula injection, while exact data (hashes, amounts) is
//! written exactly in its canonical form (contract section 6).

use std::io::Write;

use anyhow::Result;
use polars::prelude::*;
use polars_arrow::array::{Array, Utf8ViewArray};
use rayon::prelude::*;

/// Prefixes a cell that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or CR) with `'`, so it arrives as inert text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// How the cells of one column are written.
#[derive(Clone, Copy)]
enum Guard {
    /// Numbers: written as they are (a negative amount is no formula).
    None,
    /// Exact data (contract section 6): a value in its canonical form is
    /// written exactly, even where it starts like a formula (a Base64 hash
    /// may start with `+`, an amount with `-`); anything else in the column
    /// is neutralised like free text.
    Exact(fn(&str) -> bool),
    /// Free text: neutralised.
    Text,
}

/// The guard of a column by its name. Only hashes and amounts can start
/// like a formula in their canonical form; KSeF numbers, NIPs and dates
/// start with a digit, so as free text they are already written exactly,
/// and a malformed one is neutralised.
fn guard(name: &str, numeric: &[&str]) -> Guard {
    if numeric.contains(&name) {
        Guard::None
    } else if name.ends_with("hash") {
        Guard::Exact(is_canonical_hash)
    } else if name.ends_with("_amount") || name.ends_with("_pln") {
        Guard::Exact(is_canonical_amount)
    } else {
        Guard::Text
    }
}

/// A SHA-256 in standard padded Base64, the one spelling the engine keeps.
fn is_canonical_hash(cell: &str) -> bool {
    crate::contract::parse_hash(cell).is_ok_and(|canonical| canonical == cell)
}

/// An amount as the engine writes it: `-?digits.dd`.
fn is_canonical_amount(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    match digits.split_once('.') {
        Some((whole, cents)) => {
            !whole.is_empty()
                && cents.len() == 2
                && whole
                    .bytes()
                    .chain(cents.bytes())
                    .all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// `cell` as the column's guard writes it.
fn guarded(cell: &str, guard: Guard) -> std::borrow::Cow<'_, str> {
    match guard {
        Guard::None => cell.into(),
        Guard::Exact(exact) if exact(cell) => cell.into(),
        Guard::Exact(_) | Guard::Text => neutralise(cell),
    }
}

/// Rows formatted per piece. Pieces are formatted in parallel and written
/// in order; a cell's quoting depends on that cell only, so the bytes are
/// those of one writer going through every row.
const PIECE_ROWS: usize = if cfg!(test) { 3 } else { 32 * 1024 };

/// Pieces formatted at a time; the next batch is formatted while one is
/// written, so at most twice this many are held in formatted text.
const PIECES_IN_FLIGHT: usize = 16;

/// Writes `df` as CSV. All columns must already be text (see
/// [`crate::report::text_frame`]); `numeric` names the columns that hold
/// numbers, which are written as they are (a negative amount is no formula).
///
/// Writing a batch is mostly the kernel copying into the page cache on one
/// thread, so the next batch is formatted meanwhile on the other.
pub fn write(df: &DataFrame, numeric: &[&str], mut out: impl Write + Send) -> Result<()> {
    write_header(df, &mut out)?;
    write_rows(df, numeric, out)
}

/// The header line of `df`'s CSV.
pub fn write_header(df: &DataFrame, out: &mut impl Write) -> Result<()> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let mut header = csv::WriterBuilder::new().from_writer(Vec::new());
    header.write_record(&names)?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    Ok(())
}

/// The rows of `df` as [`write`] writes them, without the header (a
/// partitioned run appends its reconciliation range by range).
pub fn write_rows(df: &DataFrame, numeric: &[&str], mut out: impl Write + Send) -> Result<()> {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let guard: Vec<Guard> = names.iter().map(|n| guard(n, numeric)).collect();
    let starts: Vec<usize> = (0..df.height()).step_by(PIECE_ROWS).collect();
    let format = |batch: &[usize]| -> Vec<Result<Vec<u8>>> {
        batch
            .par_iter()
            .map(|&start| rows(&df.slice(start as i64, PIECE_ROWS), &guard))
            .collect()
    };
    let write_out = |out: &mut dyn Write, pieces: Vec<Result<Vec<u8>>>| -> Result<()> {
        for piece in pieces {
            out.write_all(&piece?)?;
        }
        Ok(())
    };
    let mut formatted: Vec<Result<Vec<u8>>> = Vec::new();
    for batch in starts.chunks(PIECES_IN_FLIGHT) {
        let pieces = std::mem::take(&mut formatted);
        let (written, next) = rayon::join(|| write_out(&mut out, pieces), || format(batch));
        written?;
        formatted = next;
    }
    write_out(&mut out, formatted)?;
    out.flush()?;
    Ok(())
}

/// The CSV text of every row of `df` (no header), byte for byte what the
/// `csv` crate's writer gives with its defaults (`,`, `"` doubled inside
/// quotes, `\n` after each row): a cell is quoted when it holds `,`, `"`,
/// CR or LF, and a row of one empty cell is written `""` so that it is not
/// a blank line. Cells are copied straight from the columns' views; going
/// through the crate's `ByteRecord` and `write_byte_record` copied each
/// cell twice and was some 10 % of a 200k-invoice run's instructions.
fn rows(df: &DataFrame, guard: &[Guard]) -> Result<Vec<u8>> {
    let columns: Vec<StringChunked> = df
        .columns()
        .iter()
        .map(|c| c.str().map(|s| s.rechunk().into_owned()))
        .collect::<PolarsResult<_>>()
        .map_err(|e| anyhow::anyhow!("output columns must be text: {e}"))?;
    let arrays: Vec<&Utf8ViewArray> = columns.iter().map(|c| c.downcast_as_array()).collect();
    let mut out = Vec::with_capacity(df.height() * 128);
    for row in 0..df.height() {
        for (i, (array, &column_guard)) in arrays.iter().zip(guard).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let cell = if array.is_valid(row) {
                array.value(row)
            } else {
                ""
            };
            if arrays.len() == 1 && cell.is_empty() {
                out.extend_from_slice(b"\"\"");
            } else {
                push_cell(&mut out, guarded(cell, column_guard).as_bytes());
            }
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// Appends one cell, in quotes (with its quotes doubled) when it holds a
/// byte that would otherwise end it: `,`, `"`, CR or LF.
fn push_cell(out: &mut Vec<u8>, cell: &[u8]) {
    if !needs_quotes(cell) {
        out.extend_from_slice(cell);
        return;
    }
    out.push(b'"');
    for &b in cell {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Whether `cell` holds `,`, `"`, CR or LF, looked for eight bytes at a
/// time: a 10M-invoice reconciliation is 2.2 GB of cells, and the scan a
/// byte at a time was about a quarter of formatting them (`perf annotate`).
fn needs_quotes(cell: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `word` is `byte`: a byte of `word ^ byte * ONES`
    // is zero exactly there, and the expression below is non-zero exactly
    // when some byte is zero.
    let holds = |word: u64, byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS != 0
    };
    let mut words = cell.chunks_exact(8);
    for chunk in &mut words {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8]));
        if holds(word, b',') || holds(word, b'"') || holds(word, b'\r') || holds(word, b'\n') {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
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

    /// Exact data is written in its canonical form even where it starts
    /// like a formula; anything else in those columns is neutralised.
    #[test]
    fn exact_data_is_never_altered() {
        let hash = "+AdeXbtVI5JoQkt6Yr20PtjXlKkBgOofFRGuWVGJ39A=";
        let df = DataFrame::new(
            3,
            vec![
                Column::new("archive_hash".into(), [hash, "+cmd|' /C calc'!A0", "-x"]),
                Column::new("net_amount".into(), ["-12.50", "-1+2", "=1"]),
                Column::new(
                    "ksef_number".into(),
                    ["5265877635-20260302-0100001AF629-37", "-1", "@x"],
                ),
                Column::new("detail".into(), [hash, "-12.50", "ok"]),
            ],
        )
        .unwrap();
        let mut out = Vec::new();
        write(&df, &[], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            format!(
                "archive_hash,net_amount,ksef_number,detail\n\
                 {hash},-12.50,5265877635-20260302-0100001AF629-37,'{hash}\n\
                 '+cmd|' /C calc'!A0,'-1+2,'-1,'-12.50\n\
                 '-x,'=1,'@x,ok\n"
            )
        );
    }

    #[test]
    fn quotes_are_needed_exactly_where_a_byte_would_end_the_cell() {
        let special = |b: u8| matches!(b, b',' | b'"' | b'\r' | b'\n');
        // Every byte value at every place of cells of 1 to 24 bytes, among
        // bytes one away from the special ones (where a borrow could spill).
        for len in 1..=24 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut cell = vec![b'+'; len];
                    for (i, c) in cell.iter_mut().enumerate() {
                        *c = [b'-', b'#', b'\x0b', b'\x0e', b'!', 0xff, 0x80][i % 7];
                    }
                    cell[at] = b;
                    assert_eq!(
                        needs_quotes(&cell),
                        cell.iter().any(|&c| special(c)),
                        "{cell:?}"
                    );
                }
            }
        }
        assert!(!needs_quotes(b""));
    }

    proptest::proptest! {
        /// Any cells, with the bytes that need quotes, formula starts and
        /// nulls, in frames of one to four columns, give the `csv` crate's
        /// writer's bytes for the same (neutralised) cells.
        #[test]
        fn rows_are_written_as_the_csv_writer_writes_them(
            width in 1usize..5,
            cells in proptest::collection::vec(
                proptest::option::weighted(0.8, "[a,\"\r\n=+@\t' -]{0,6}"), 0..40),
        ) {
            let height = cells.len() / width;
            let columns: Vec<Column> = (0..width)
                .map(|c| {
                    let values: Vec<Option<&str>> =
                        (0..height).map(|r| cells[r * width + c].as_deref()).collect();
                    Column::new(format!("c{c}").into(), values)
                })
                .collect();
            let df = DataFrame::new(height, columns).unwrap();
            let numeric = ["c1"];
            let mut out = Vec::new();
            write(&df, &numeric, &mut out).unwrap();
            let mut one = csv::Writer::from_writer(Vec::new());
            one.write_record((0..width).map(|c| format!("c{c}"))).unwrap();
            for r in 0..height {
                let row: Vec<String> = (0..width)
                    .map(|c| {
                        let cell = cells[r * width + c].as_deref().unwrap_or("");
                        if c == 1 { cell.to_string() } else { neutralise(cell).into_owned() }
                    })
                    .collect();
                one.write_record(&row).unwrap();
            }
            proptest::prop_assert_eq!(out, one.into_inner().unwrap());
        }
    }
}
