//! CSV outputs: a text-only frame written with a header, `,` separators and
//! quotes where needed, and every text cell neutralised against spreadsheet
//! formula injection (contract section 6).

use std::io::Write;

use anyhow::Result;
use polars::prelude::*;

/// Prefixes a cell that a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or CR) with `'`, so it arrives as inert text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Writes `df` as CSV. All columns must already be text (see
/// [`crate::report::text_frame`]); `numeric` names the columns that hold
/// numbers, which are written as they are (a negative amount is no formula).
pub fn write(df: &DataFrame, numeric: &[&str], out: impl Write) -> Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    writer.write_record(&names)?;
    let columns: Vec<&StringChunked> = df
        .columns()
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()
        .map_err(|e| anyhow::anyhow!("output columns must be text: {e}"))?;
    let guard: Vec<bool> = names.iter().map(|n| !numeric.contains(n)).collect();
    let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
    let mut row: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(names.len());
    for _ in 0..df.height() {
        row.clear();
        for (it, &guarded) in iters.iter_mut().zip(&guard) {
            let cell = it.next().flatten().unwrap_or("");
            row.push(if guarded {
                neutralise(cell)
            } else {
                cell.into()
            });
        }
        writer.write_record(row.iter().map(|c| c.as_bytes()))?;
    }
    writer.flush()?;
    Ok(())
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
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("plain"), "plain");
    }
}
