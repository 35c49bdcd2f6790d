//! What the history says the register should hold: each exception's last
//! status, and the sellers the register belongs to. `register.csv` is
//! checked against it, so an edited status in `register.csv` stops the run
//! just as an edited history row does. Only the statuses are replayed: the
//! dates and resolution columns of `register.csv` are not in the history.

use std::collections::{BTreeSet, HashMap};

use anyhow::{Result, bail};
use polars::prelude::*;

use super::chain::{Chain, Event};

/// Each exception's status after the history's status rows.
pub fn statuses(chain: &Chain) -> HashMap<&str, (&str, usize)> {
    let mut out = HashMap::with_capacity(chain.rows.len());
    for (i, row) in chain.rows.iter().enumerate() {
        if row.event == Event::Status {
            out.insert(row.exception_id.as_str(), (row.to.as_str(), i + 1));
        }
    }
    out
}

/// The sellers (NIPs) the register belongs to: the `to` of the last
/// identity row; `None` before any (or if it named none, which would make
/// every later run a stranger).
pub fn sellers(chain: &Chain) -> Option<BTreeSet<String>> {
    chain
        .rows
        .iter()
        .rev()
        .find(|r| r.event.is_identity())
        .map(|r| split_nips(&r.to))
        .filter(|s| !s.is_empty())
}

/// A space-separated NIP list, as identity rows write it.
pub fn split_nips(text: &str) -> BTreeSet<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Errors naming the first `register.csv` row (line, counting its head
/// line and header) whose status the history does not give, or the first
/// exception of the history missing from it.
pub fn check(register: &DataFrame, chain: &Chain) -> Result<()> {
    let mut expected = statuses(chain);
    let ids = register.column("exception_id")?.str()?;
    let status = register.column("status")?.str()?;
    for (i, (id, st)) in ids.iter().zip(status.iter()).enumerate() {
        let (id, st) = (id.unwrap_or(""), st.unwrap_or(""));
        let line = i + 3;
        match expected.remove(id) {
            None => bail!(
                "line {line}: exception {id} (status {st}) has no row in history.csv: \
                 the row was added to register.csv by hand"
            ),
            Some((was, row)) if was != st => bail!(
                "line {line}: exception {id} has status '{st}', but history.csv row {row} \
                 left it '{was}': register.csv was edited"
            ),
            Some(_) => {}
        }
    }
    if let Some((id, (_, row))) = expected.into_iter().min_by_key(|(_, (_, row))| *row) {
        bail!("exception {id} of history.csv row {row} is missing: its row was deleted");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::chain::Row;
    use super::*;

    fn chain(rows: &[(&str, &str)]) -> Chain {
        let mut c = Chain::default();
        c.push(Row {
            to: "5265877635".into(),
            ..Row::new("2026-04-01", Event::Created)
        });
        for (id, to) in rows {
            c.push(Row {
                exception_id: id.to_string(),
                to: to.to_string(),
                ..Row::new("2026-04-01", Event::Status)
            });
        }
        c
    }

    fn register(rows: &[(&str, &str)]) -> DataFrame {
        let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
        let st: Vec<&str> = rows.iter().map(|r| r.1).collect();
        DataFrame::new(
            rows.len(),
            vec![
                Column::new("exception_id".into(), ids),
                Column::new("status".into(), st),
            ],
        )
        .unwrap()
    }

    #[test]
    fn the_register_must_hold_what_the_history_left() {
        let c = chain(&[("A", "open"), ("B", "open"), ("A", "cleared")]);
        assert!(check(&register(&[("A", "cleared"), ("B", "open")]), &c).is_ok());
        let edited = check(&register(&[("A", "resolved"), ("B", "open")]), &c).unwrap_err();
        assert!(
            edited.to_string().contains("line 3: exception A")
                && edited.to_string().contains("row 4"),
            "{edited}"
        );
        let deleted = check(&register(&[("A", "cleared")]), &c).unwrap_err();
        assert!(deleted.to_string().contains("exception B"), "{deleted}");
        let added = check(
            &register(&[("A", "cleared"), ("B", "open"), ("C", "open")]),
            &c,
        )
        .unwrap_err();
        assert!(added.to_string().contains("line 5"), "{added}");
        assert_eq!(
            sellers(&c),
            Some(BTreeSet::from(["5265877635".to_string()]))
        );
    }
}
