//! The loaded tables as a warehouse reads them (contract section 6): the
//! engine keeps amounts as whole grosze and rates as ten-thousandths, which
//! another engine would misread as plain numbers, so they are written as
//! the decimals they are; every other column keeps the engine's own type,
//! but for the narrow and unsigned integers (`_line`) that Spark and most
//! warehouses have no type for.

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::contract::{Kind, Source};

/// One source's table as `ingest` loaded it, typed for the warehouse:
/// amounts `DECIMAL(18,2)`, rates `DECIMAL(18,4)`, whole numbers kept as
/// digits `BIGINT`, `_line` and other small counts `INTEGER`; dates,
/// timestamps and text as they are.
pub fn source_table(source: Source, df: &DataFrame) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(df.width());
    for column in df.columns() {
        let name = column.name().as_str();
        let kind = source
            .fields()
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.kind);
        let typed = match kind {
            Some(Kind::Amount) => decimal(column, 2),
            Some(Kind::Rate) => decimal(column, 4),
            Some(Kind::Integer) => column.strict_cast(&DataType::Int64),
            _ => warehouse(column),
        };
        let context = || format!("{} column {name}", source.name());
        columns.push(Context::with_context(typed, context)?);
    }
    Ok(DataFrame::new(df.height(), columns)?)
}

/// The exact inverse of [`source_table`]: a source's table as a batch
/// export wrote it, back in the types `ingest` gives it (grosze and
/// ten-thousandths from the decimals, digits from the `BIGINT`s, `_line`
/// unsigned), so a bundle put together from its batches' tables is the one
/// loaded from its files. A column the source lacks, or one that is not
/// of its type, is an error naming it.
pub fn loaded_table(source: Source, typed: &DataFrame) -> Result<DataFrame> {
    let template = crate::ingest::table::TableBuilder::new(source.fields()).finish()?;
    let mut columns = Vec::with_capacity(template.width());
    for wanted in template.columns() {
        let name = wanted.name().as_str();
        let column = Context::with_context(typed.column(name), || {
            format!("{} has no column {name}", source.name())
        })?;
        let units = match column.dtype() {
            DataType::Decimal(..) => decimal_units(column),
            _ => Ok(column.clone()),
        };
        let loaded = units.and_then(|c| c.strict_cast(wanted.dtype()));
        let context = || {
            format!(
                "{} column {name} ({}) cannot be read as {}",
                source.name(),
                type_name(column.dtype()),
                wanted.dtype()
            )
        };
        columns.push(Context::with_context(loaded, context)?);
    }
    Ok(DataFrame::new(typed.height(), columns)?)
}

/// A decimal column as its whole units (`123.45` as `12345`), the inverse
/// of [`decimal`].
fn decimal_units(column: &Column) -> PolarsResult<Column> {
    let series = column.as_materialized_series();
    let units = series.decimal()?.physical().cast(&DataType::Int64)?;
    Ok(units.with_name(column.name().clone()).into_column())
}

/// A column of whole units of `10^-scale` (grosze, ten-thousandths; as
/// numbers or as their digits) as `DECIMAL(18, scale)` of the same value.
pub fn decimal(column: &Column, scale: usize) -> PolarsResult<Column> {
    let units = column.strict_cast(&DataType::Int64)?;
    let units = units.i64()?;
    let series = Int128Chunked::from_iter_options(
        column.name().clone(),
        units.iter().map(|v| v.map(i128::from)),
    )
    .into_decimal(18, scale)?
    .into_series();
    Ok(series.into_column())
}

/// The engine's type where a warehouse has it: small and unsigned
/// integers widened to `INTEGER` (`UInt64` to `BIGINT`, but `_line`, which
/// is `INTEGER` as the contract counts lines), categoricals as text.
pub fn warehouse(column: &Column) -> PolarsResult<Column> {
    let to = match column.dtype() {
        DataType::UInt64 if column.name().as_str() == "_line" => DataType::Int32,
        DataType::UInt64 => DataType::Int64,
        DataType::Int8
        | DataType::Int16
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => DataType::Int32,
        DataType::Categorical(..) | DataType::Enum(..) => DataType::String,
        _ => return Ok(column.clone()),
    };
    column.strict_cast(&to)
}

/// A column's type as a warehouse names it (the manifest's `type`):
/// `DATE`, `TIMESTAMP`, `DECIMAL(18,2)`, `BOOLEAN`, `INTEGER`, `BIGINT`,
/// `STRING`, `ARRAY<...>`.
pub fn type_name(dtype: &DataType) -> String {
    match dtype {
        DataType::Date => "DATE".to_string(),
        DataType::Datetime(..) => "TIMESTAMP".to_string(),
        DataType::Decimal(p, s) => format!("DECIMAL({p},{s})"),
        DataType::Boolean => "BOOLEAN".to_string(),
        DataType::Int32 => "INTEGER".to_string(),
        DataType::Int64 => "BIGINT".to_string(),
        DataType::String => "STRING".to_string(),
        DataType::List(inner) => format!("ARRAY<{}>", type_name(inner)),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grosze_become_the_decimal_they_are() {
        let c = Column::new("gross_amount".into(), [Some(12_345i64), None, Some(-5)]);
        let d = decimal(&c, 2).unwrap();
        assert_eq!(d.dtype(), &DataType::Decimal(18, 2));
        let text = d.cast(&DataType::String).unwrap();
        let text: Vec<Option<&str>> = text.str().unwrap().iter().collect();
        assert_eq!(text, vec![Some("123.45"), None, Some("-0.05")]);
    }

    #[test]
    fn a_source_table_typed_and_read_back_is_the_one_loaded() {
        let grosze = Column::new("gross_amount".into(), [Some(12_345i64), None, Some(-5)]);
        let typed = decimal(&grosze, 2).unwrap();
        let back = decimal_units(&typed).unwrap();
        assert_eq!(back.dtype(), &DataType::Int64);
        let back: Vec<Option<i64>> = back.i64().unwrap().iter().collect();
        assert_eq!(back, vec![Some(12_345), None, Some(-5)]);
        let empty = crate::ingest::table::TableBuilder::new(Source::Ledger.fields())
            .finish()
            .unwrap();
        let typed = source_table(Source::Ledger, &empty).unwrap();
        let loaded = loaded_table(Source::Ledger, &typed).unwrap();
        assert_eq!(loaded.schema(), empty.schema());
        let err = loaded_table(Source::Ledger, &typed.drop("_line").unwrap()).unwrap_err();
        assert!(
            format!("{err:#}").contains("ledger has no column _line"),
            "{err:#}"
        );
    }

    #[test]
    fn rate_digits_become_four_decimals() {
        let c = Column::new("rate".into(), ["42693"]);
        let d = decimal(&c, 4).unwrap();
        let text = d.cast(&DataType::String).unwrap();
        assert_eq!(text.str().unwrap().get(0), Some("4.2693"));
    }
}
