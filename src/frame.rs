//! Small polars expression helpers shared by the stages, so that money,
//! dates and deadlines are written the same way in every output.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::contract::{checked_days_to_date, date_to_days, push_two_digits, write_amount};

/// A date literal of polars type `Date`.
pub fn date_lit(d: NaiveDate) -> Expr {
    lit(date_to_days(d)).cast(DataType::Date)
}

/// A Warsaw local timestamp as a polars literal of the tables' timestamp
/// type (`Datetime(ms)`).
pub fn local_lit(t: chrono::NaiveDateTime) -> Expr {
    lit(crate::contract::local_to_ms(t)).cast(DataType::Datetime(TimeUnit::Milliseconds, None))
}

/// `expr` equals one of `values` (false for null).
pub fn one_of(expr: Expr, values: &[&str]) -> Expr {
    values
        .iter()
        .map(|v| expr.clone().eq(lit(*v)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
        .fill_null(lit(false))
}

/// The place of `text`'s value in `values` as an `Int32` code, `otherwise`
/// where it is none of them. With [`name_of`], a column chosen among a few
/// texts is chosen as codes and named once: every link of a `when` chain is
/// a whole column, 16 bytes per row for a text and 4 for a code.
pub fn code_of(text: Expr, values: &[&str], otherwise: Expr) -> Expr {
    // Built from the last value back, so the first value that matches wins.
    let coded: Vec<(&str, i32)> = values.iter().copied().zip(0..).collect();
    coded
        .into_iter()
        .rev()
        .fold(otherwise, |chosen, (value, code)| {
            when(text.clone().eq(lit(value)))
                .then(lit(code).cast(DataType::Int32))
                .otherwise(chosen)
        })
}

/// The name at each code of `code` (an index into `names`); a null code
/// gives a null name.
pub fn name_of(names: &[&str], code: Expr) -> Expr {
    lit(Series::new(PlSmallStr::EMPTY, names)).gather(code, false)
}

/// Grosze (`Int64`) as text with two decimals, `-1234.50`; null stays null.
pub fn money_text(cents: Expr) -> Expr {
    as_text(cents, |c| {
        let cents = c.cast(&DataType::Int64)?;
        Ok(texts(cents.i64()?, |v, out| {
            write_amount(v, out);
            true
        }))
    })
}

/// A `Date` as `YYYY-MM-DD`, as polars' cast to text writes it; null stays
/// null. Polars' cast parses chrono's `%Y-%m-%d` pattern again for every
/// value, which was most of the time of turning a 10-million-row
/// reconciliation into text; only years outside 0-9999 go through it here.
pub fn date_text(date: Expr) -> Expr {
    as_text(date, |c| {
        let days = c.cast(&DataType::Date)?;
        Ok(texts(days.date()?.physical(), |v, out| {
            let Some(d) = checked_days_to_date(v) else {
                return false;
            };
            if (0..=9999).contains(&d.year()) {
                let year = d.year() as u32;
                push_two_digits(out, year / 100);
                push_two_digits(out, year % 100);
                out.push('-');
                push_two_digits(out, d.month());
                out.push('-');
                push_two_digits(out, d.day());
            } else {
                use std::fmt::Write;
                let _ = write!(out, "{}", d.format("%Y-%m-%d"));
            }
            true
        }))
    })
}

/// `expr` turned into text by `to_text`, keeping its name.
fn as_text(
    expr: Expr,
    to_text: impl Fn(&Column) -> PolarsResult<StringChunked> + Send + Sync + 'static,
) -> Expr {
    expr.map(
        move |c| Ok(to_text(&c)?.with_name(c.name().clone()).into_column()),
        |_, field| Ok(Field::new(field.name().clone(), DataType::String)),
    )
}

/// Each value of `values` written by `write` (into an emptied buffer); null
/// for null, and where `write` returns false.
fn texts<T: PolarsNumericType>(
    values: &ChunkedArray<T>,
    write: impl Fn(T::Native, &mut String) -> bool,
) -> StringChunked {
    let mut out = polars_arrow::array::MutableBinaryViewArray::<str>::with_capacity(values.len());
    let mut buffer = String::with_capacity(24);
    for value in values.iter() {
        match value {
            Some(v) => {
                buffer.clear();
                if write(v, &mut buffer) {
                    out.push_value(&buffer);
                } else {
                    out.push_null();
                }
            }
            None => out.push_null(),
        }
    }
    StringChunked::with_chunk(PlSmallStr::EMPTY, out.freeze())
}

/// The contract's deadline text from `deadline` and `deadline_kind`: the
/// date, `none` (no duty, or it lapsed), `open` (period still on), or empty
/// when the invoice carries no duty at all.
pub fn deadline_text() -> Expr {
    let kind = col("deadline_kind");
    when(kind.clone().eq(lit("date")))
        .then(date_text(col("deadline")))
        .when(one_of(kind.clone(), &["none", "lapsed"]))
        .then(lit("none"))
        .when(kind.eq(lit("open")))
        .then(lit("open"))
        .otherwise(lit(NULL).cast(DataType::String))
}

/// The bytes a column holds, as polars estimates them, for the debug
/// lines. A scalar column (one value and a length, see
/// `ingest::to_polars::constant`) counts as nothing: polars' own
/// `estimated_size` makes it whole and keeps it so, and a debug line must
/// not change the memory it reports.
pub fn held_bytes(column: &Column) -> usize {
    if column.as_scalar_column().is_some() {
        0
    } else {
        column.as_materialized_series().estimated_size()
    }
}

/// [`held_bytes`] of every column of `df`.
pub fn frame_bytes(df: &DataFrame) -> usize {
    df.columns().iter().map(held_bytes).sum()
}

/// `df` with its text copied out of the buffers it shares. A filter (or a
/// take) keeps each kept text's 16-byte view but points it into the whole
/// table's buffers, so a few rows kept from a large table hold all of its
/// text: the first 50M-invoice run in parts (`crate::partition`) held
/// 5.6 GiB after loading its home part (2 % of the rows), and each range's
/// few rows kept for the reports held on to the range's invoice table.
pub fn compact(df: DataFrame) -> PolarsResult<DataFrame> {
    let height = df.height();
    let columns = df
        .into_columns()
        .into_iter()
        .map(|column| {
            if column.dtype() != &DataType::String || column.as_scalar_column().is_some() {
                return Ok(column);
            }
            let chunks: Vec<_> = column
                .str()?
                .downcast_iter()
                .map(|array| array.clone().gc())
                .collect();
            Ok(StringChunked::from_chunk_iter(column.name().clone(), chunks).into_column())
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(height, columns)
}

// The invoice key and the joins every stage uses on it. Each join keeps
// its left side's order, so that outputs never depend on hash-table
// iteration.

/// The key of an invoice: its seller's NIP and its number.
pub fn keys() -> [Expr; 2] {
    [col("seller_nip"), col("invoice_number")]
}

/// The first row of each invoice, in the table's order.
pub fn first_per_invoice(lf: LazyFrame) -> LazyFrame {
    lf.unique_stable_generic(Some(keys().to_vec()), UniqueKeepStrategy::First)
}

/// Left join keeping the left side's order, so outputs never depend on
/// hash-table iteration.
pub fn left() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Left);
    args.maintain_order = MaintainOrderJoin::Left;
    args
}

/// Inner join keeping the left side's order, for the same reason.
pub fn inner() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Inner);
    args.maintain_order = MaintainOrderJoin::Left;
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_a_scalar_columns_bytes_leaves_it_scalar() {
        let value = Scalar::new(DataType::String, AnyValue::StringOwned("5265877635".into()));
        let nip = Column::new_scalar("seller_nip".into(), value, 1_000_000);
        let numbers = Column::new("n".into(), vec![1i64, 2, 3]);
        let df = DataFrame::new(1_000_000, vec![nip]).unwrap();
        assert_eq!(frame_bytes(&df), 0);
        let column = df.column("seller_nip").unwrap().as_scalar_column().unwrap();
        assert!(column.lazy_as_materialized_series().is_none(), "made whole");
        assert_eq!(held_bytes(&numbers), 3 * 8);
        // What polars' own estimate does, and why it is not used.
        let _ = df.estimated_size();
        assert!(column.lazy_as_materialized_series().is_some());
    }

    fn texts_of(values: Column, expr: Expr) -> Vec<Option<String>> {
        let df = DataFrame::new(values.len(), vec![values.with_name("v".into())]).unwrap();
        let out = df.lazy().select([expr]).collect().unwrap();
        let column = out.column("v").unwrap();
        column
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    }

    #[test]
    fn texts_chosen_as_codes_are_named_back() {
        let names = ["online", "offline24", "total_failure"];
        let values = Column::new(
            "v".into(),
            [
                Some("offline24"),
                None,
                Some("online"),
                Some("other"),
                Some("total_failure"),
            ],
        );
        let coded = code_of(col("v"), &names, lit(NULL).cast(DataType::Int32));
        let df = DataFrame::new(values.len(), vec![values.clone()]).unwrap();
        let codes = df
            .lazy()
            .select([coded.clone().alias("v")])
            .collect()
            .unwrap();
        let codes: Vec<Option<i32>> = codes.column("v").unwrap().i32().unwrap().iter().collect();
        assert_eq!(codes, [Some(1), None, Some(0), None, Some(2)]);
        assert_eq!(
            texts_of(values, name_of(&names, coded).alias("v")),
            [
                Some("offline24"),
                None,
                Some("online"),
                None,
                Some("total_failure")
            ]
            .map(|v| v.map(str::to_string))
        );
    }

    #[test]
    fn dates_are_written_as_polars_casts_them() {
        let dates: Vec<Option<i32>> = [
            "1970-01-01",
            "2024-02-29",
            "2026-12-24",
            "0001-01-01",
            "9999-12-31",
        ]
        .iter()
        .map(|d| Some(date_to_days(d.parse().unwrap())))
        .chain([None, Some(-800_000), Some(3_000_000)])
        .collect();
        let column = Column::new("v".into(), dates)
            .cast(&DataType::Date)
            .unwrap();
        let ours = texts_of(column.clone(), date_text(col("v")));
        let cast = texts_of(column, col("v").cast(DataType::String));
        assert_eq!(ours, cast);
        assert_eq!(ours[2].as_deref(), Some("2026-12-24"));
        assert_eq!(ours[5], None);
    }

    #[test]
    fn money_has_two_decimals_and_a_sign() {
        let cents = Column::new(
            "v".into(),
            [
                Some(0i64),
                Some(5),
                Some(-5),
                Some(123_450),
                Some(-100),
                None,
                Some(99_999_999_999_999),
            ],
        );
        let ours = texts_of(cents, money_text(col("v")));
        let expected = ["0.00", "0.05", "-0.05", "1234.50", "-1.00"];
        for (got, want) in ours.iter().zip(expected) {
            assert_eq!(got.as_deref(), Some(want));
        }
        assert_eq!(ours[5], None);
        assert_eq!(
            ours[6].as_deref(),
            Some("999999999999.99"),
            "longer than a view holds"
        );
    }

    #[test]
    fn compacting_keeps_the_values_and_drops_the_text_of_rows_filtered_out() {
        let long: Vec<String> = (0..10_000).map(|i| format!("FV/2025/12/{i:012}")).collect();
        let df = DataFrame::new(
            long.len(),
            vec![
                Column::new("invoice_number".into(), &long),
                Column::new("n".into(), (0..10_000i64).collect::<Vec<_>>()),
            ],
        )
        .unwrap();
        let kept = df.lazy().filter(col("n").lt(lit(2i64))).collect().unwrap();
        let buffers = |df: &DataFrame| -> usize {
            let column = df.column("invoice_number").unwrap().str().unwrap();
            column.downcast_iter().map(|a| a.total_buffer_len()).sum()
        };
        assert!(buffers(&kept) >= 10_000 * 20, "a filter shares the buffers");
        let compacted = compact(kept.clone()).unwrap();
        assert!(buffers(&compacted) < 100, "{}", buffers(&compacted));
        assert!(compacted.equals(&kept));
    }
}
