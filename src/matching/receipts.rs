//! UPO receipts: only production KSeF's prove a submission.

use polars::prelude::*;

/// The receiving party of production KSeF, as a UPO names it.
pub const PRODUCTION_RECEIVER: &str = "Ministerstwo Finansów";

/// Splits the UPO documents into those of production KSeF, which prove a
/// submission, and one row per file of any other receiver (a test or demo
/// environment): such a receipt proves nothing (UPO_NOT_PRODUCTION).
pub(super) fn production_receipts(upo: DataFrame) -> PolarsResult<(DataFrame, DataFrame)> {
    let production = col("receiver")
        .eq(lit(PRODUCTION_RECEIVER))
        .fill_null(lit(false));
    let others = upo
        .clone()
        .lazy()
        .filter(production.clone().not())
        .select([col("upo_file"), col("receiver")])
        .unique_stable_generic(Some(vec![col("upo_file")]), UniqueKeepStrategy::First)
        .sort(["upo_file"], SortMultipleOptions::default())
        .collect()?;
    if others.height() == 0 {
        return Ok((upo, others));
    }
    Ok((upo.lazy().filter(production).collect()?, others))
}
