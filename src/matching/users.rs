//! People as the contract compares them: by their name trimmed and
//! lower-cased.

use polars::prelude::*;

/// Adds `<name>_key` for each user column: the name trimmed and lower-cased,
/// which is how the contract compares people.
pub(super) fn with_user_keys(lf: LazyFrame, columns: &[&str]) -> LazyFrame {
    let keys: Vec<Expr> = columns
        .iter()
        .map(|c| {
            let name = if *c == "user" {
                "user_key".to_string()
            } else {
                format!("{c}_key")
            };
            col(*c)
                .str()
                .strip_chars(lit(NULL))
                .str()
                .to_lowercase()
                .alias(name)
        })
        .collect();
    lf.with_columns(keys)
}
