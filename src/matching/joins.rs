//! The invoice key and the joins every stage uses on it. Each join keeps
//! its left side's order, so that outputs never depend on hash-table
//! iteration.

use polars::prelude::*;

/// The key of an invoice: its seller's NIP and its number.
pub(crate) fn keys() -> [Expr; 2] {
    [col("seller_nip"), col("invoice_number")]
}

/// The first row of each invoice, in the table's order.
pub(crate) fn first_per_invoice(lf: LazyFrame) -> LazyFrame {
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
