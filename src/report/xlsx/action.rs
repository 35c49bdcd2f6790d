//! What the Reconciliation sheet lists once a bundle is too large for a
//! sheet of every invoice to be worth its cost: the invoices that need
//! action. A sheet of a million invoices took some 7 s of a 12 s run and
//! 95 MB, and Excel barely works with it; at month end a controller acts
//! on the few percent that are not settled, while `reconciliation.csv`
//! keeps every invoice (docs/outputs.md, "ageing.xlsx").

use anyhow::Result;
use polars::prelude::*;

use crate::contract::Status;

/// The invoices of `rows` (reconciliation rows, in their order) that need
/// action: every status but `submitted_on_time` and `not_required` (that
/// is overdue, submitted late, pending or unverified), and any invoice
/// with an exception in `exceptions`, whatever its status (an amount that
/// differs, an invoice KSeF has and the ledger has not, ...).
pub fn needs_action(rows: &DataFrame, exceptions: &DataFrame) -> Result<DataFrame> {
    let flagged = keys(exceptions)?;
    let settled = [Status::SubmittedOnTime, Status::NotRequired].map(Status::as_str);
    let status = rows.column("status")?.str()?;
    let nip = rows.column("seller_nip")?.str()?;
    let number = rows.column("invoice_number")?.str()?;
    let mask: BooleanChunked = status
        .iter()
        .zip(nip.iter().zip(number.iter()))
        .map(|(s, (n, i))| {
            let open = s.is_none_or(|s| !settled.contains(&s));
            Some(open || flagged.contains(&(n.unwrap_or(""), i.unwrap_or(""))))
        })
        .collect();
    Ok(rows.filter(&mask)?)
}

/// The (seller NIP, invoice number) of every exception about an invoice
/// (exceptions about a decision or a grant have no invoice number). In
/// polars' hash set: every settled invoice is looked up, and std's SipHash
/// of a million key pairs cost a tenth of a second.
fn keys(exceptions: &DataFrame) -> Result<PlHashSet<(&str, &str)>> {
    let nip = exceptions.column("seller_nip")?.str()?;
    let number = exceptions.column("invoice_number")?.str()?;
    Ok(nip
        .iter()
        .zip(number.iter())
        .filter_map(|(n, i)| Some((n.unwrap_or(""), i?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> DataFrame {
        df!(
            "seller_nip" => ["1", "1", "1", "1", "1", "1", "2"],
            "invoice_number" => ["A", "B", "C", "D", "E", "F", "A"],
            "status" => [
                "submitted_on_time",
                "submitted_late",
                "overdue",
                "not_required",
                "pending",
                "unverified",
                "submitted_on_time",
            ],
        )
        .unwrap()
    }

    fn numbers(df: &DataFrame) -> Vec<String> {
        let nip = df.column("seller_nip").unwrap().str().unwrap();
        let number = df.column("invoice_number").unwrap().str().unwrap();
        nip.iter()
            .zip(number.iter())
            .map(|(n, i)| format!("{}/{}", n.unwrap(), i.unwrap()))
            .collect()
    }

    #[test]
    fn open_statuses_and_invoices_with_an_exception_need_action() {
        // An exception about 2/A (settled otherwise), one about a decision
        // (no invoice), and one about 1/C (open anyway, listed once).
        let exceptions = df!(
            "seller_nip" => [Some("2"), None, Some("1")],
            "invoice_number" => [Some("A"), None, Some("C")],
        )
        .unwrap();
        let picked = needs_action(&rows(), &exceptions).unwrap();
        assert_eq!(numbers(&picked), ["1/B", "1/C", "1/E", "1/F", "2/A"]);
    }

    #[test]
    fn settled_invoices_without_exceptions_are_left_out() {
        let none = df!(
            "seller_nip" => Vec::<&str>::new(),
            "invoice_number" => Vec::<&str>::new(),
        )
        .unwrap();
        let picked = needs_action(&rows(), &none).unwrap();
        assert_eq!(numbers(&picked), ["1/B", "1/C", "1/E", "1/F"]);
        // Same seller, another invoice: the key is the pair.
        let other = df!("seller_nip" => ["2"], "invoice_number" => ["B"]).unwrap();
        assert_eq!(needs_action(&rows(), &other).unwrap().height(), 4);
    }
}
