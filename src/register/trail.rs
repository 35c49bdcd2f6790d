//! The history rows one run adds, in the order they are chained: rows an
//! interrupted run left are taken back, a register made before v1.2 is
//! chained and adopted, the register is bound to its company (contract
//! section 8), then the resolutions read and the status changes.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use polars::prelude::*;

use super::chain::{Chain, Event, Row};
use super::replay;
use super::store::Stored;

/// A run whose sellers share none of the register's: the register belongs
/// to another company. Exit status 2 (bad usage), like a wrong `--config`.
#[derive(Debug, thiserror::Error)]
#[error(
    "the register in {dir} belongs to seller(s) {known}; this run's seller(s) {run} ({source_of}) share none of them. \
     The register was left as it was: give each company its own --state folder"
)]
pub struct IdentityError {
    pub dir: String,
    pub known: String,
    pub run: String,
    pub source_of: &'static str,
}

/// Errors when `sellers` share no NIP with the register's `known` ones.
pub fn belongs(
    known: &BTreeSet<String>,
    sellers: &BTreeSet<String>,
    source_of: &'static str,
    dir: &Path,
) -> Result<(), IdentityError> {
    if !known.is_disjoint(sellers) {
        return Ok(());
    }
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(" ");
    Err(IdentityError {
        dir: dir.display().to_string(),
        known: list(known),
        run: if sellers.is_empty() {
            "(none)".into()
        } else {
            list(sellers)
        },
        source_of,
    })
}

/// The history a run appends to.
pub struct Trail {
    pub chain: Chain,
    as_of: String,
    legacy: bool,
    new: bool,
    /// What the run should tell its operator (upgrades, taken-back rows).
    pub notes: Vec<String>,
}

impl Trail {
    /// The stored history with the rows that repair or upgrade it; the
    /// register is returned as stored.
    pub fn begin(stored: Stored, as_of: &str) -> PolarsResult<(DataFrame, Trail)> {
        let new = stored.is_new();
        let Stored {
            register,
            chain,
            uncommitted,
            legacy,
        } = stored;
        let mut trail = Trail {
            chain,
            as_of: as_of.to_string(),
            legacy,
            new,
            notes: Vec::new(),
        };
        if uncommitted > 0 {
            let first = trail.chain.rows.len() + 1;
            let detail = format!(
                "{} written by a run that stopped before it saved register.csv; taken back",
                super::chain::rows_text(first, first + uncommitted - 1, "was", "were")
            );
            trail.notes.push(format!("history.csv: {detail}"));
            trail.chain.push(Row {
                detail,
                ..Row::new(as_of, Event::RolledBack)
            });
        }
        if legacy {
            trail.upgrade(&register)?;
        }
        Ok((register, trail))
    }

    /// Chains a history made before v1.2 (its rows were chained as read)
    /// and adds a status row for every register row the old history does
    /// not account for, so that the register replays from now on.
    fn upgrade(&mut self, register: &DataFrame) -> PolarsResult<()> {
        let rows = self.chain.rows.len();
        let detail = format!(
            "history.csv had no hash chain (made before v1.2); its {rows} rows were chained as they were"
        );
        self.notes.push(format!(
            "upgrading the register: {detail}, and the register is bound to this run's sellers"
        ));
        self.chain.push(Row {
            detail,
            ..Row::new(&self.as_of, Event::Chained)
        });
        let replayed: HashMap<String, String> = replay::statuses(&self.chain)
            .into_iter()
            .map(|(id, (st, _))| (id.to_string(), st.to_string()))
            .collect();
        let (ids, codes, status) = (
            register.column("exception_id")?.str()?,
            register.column("code")?.str()?,
            register.column("status")?.str()?,
        );
        for i in 0..register.height() {
            let (id, st) = (ids.get(i).unwrap_or(""), status.get(i).unwrap_or(""));
            let was = replayed.get(id).map_or("", String::as_str);
            if was != st {
                self.chain.push(Row {
                    exception_id: id.to_string(),
                    code: codes.get(i).unwrap_or("").to_string(),
                    from: was.to_string(),
                    to: st.to_string(),
                    detail:
                        "status in register.csv that the history made before v1.2 did not record"
                            .into(),
                    ..Row::new(&self.as_of, Event::Status)
                });
            }
        }
        Ok(())
    }

    /// Binds the register to its company: a new register is made for
    /// `sellers`, one made before v1.2 is adopted for them, a known one
    /// must share at least one NIP with them and gains the others.
    /// `source_of` says where the sellers came from.
    pub fn bind(
        &mut self,
        sellers: &BTreeSet<String>,
        source_of: &'static str,
        dir: &Path,
    ) -> Result<(), IdentityError> {
        let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(" ");
        let Some(known) = replay::sellers(&self.chain) else {
            if sellers.is_empty() {
                // Nothing to bind to (a ledger without seller NIPs); the
                // first run that has some binds the register.
                return Ok(());
            }
            let (event, detail) = match (self.new, self.legacy) {
                (true, _) => (
                    Event::Created,
                    format!("register made for the sellers of the {source_of}"),
                ),
                (false, true) => (
                    Event::Adopted,
                    format!("register made before v1.2 adopted for the sellers of the {source_of}"),
                ),
                (false, false) => (
                    Event::Adopted,
                    format!(
                        "register that named no seller adopted for the sellers of the {source_of}"
                    ),
                ),
            };
            self.chain.push(Row {
                to: list(sellers),
                detail,
                ..Row::new(&self.as_of, event)
            });
            return Ok(());
        };
        belongs(&known, sellers, source_of, dir)?;
        let added: BTreeSet<String> = sellers.difference(&known).cloned().collect();
        if !added.is_empty() {
            let all: BTreeSet<String> = known.union(sellers).cloned().collect();
            self.chain.push(Row {
                from: list(&known),
                to: list(&all),
                detail: format!(
                    "seller(s) {} added beside the known ones ({source_of})",
                    list(&added)
                ),
                ..Row::new(&self.as_of, Event::SellerAdded)
            });
        }
        Ok(())
    }

    /// One status row per change of this run (`register::update`'s history).
    pub fn statuses(&mut self, changes: &[[String; 5]]) {
        for [as_of, id, code, from, to] in changes {
            self.chain.push(Row {
                exception_id: id.clone(),
                code: code.clone(),
                from: from.clone(),
                to: to.clone(),
                ..Row::new(as_of, Event::Status)
            });
        }
    }

    /// The run's `run` row (see [`super::trend`]), unless the history's
    /// last `run` row already says the same for the same date: running the
    /// same as-of again then adds nothing.
    pub fn run(&mut self, detail: String) {
        let last = self.chain.rows.iter().rev().find(|r| r.event == Event::Run);
        if last.is_some_and(|r| r.as_of == self.as_of && r.detail == detail) {
            return;
        }
        self.chain.push(Row {
            detail,
            ..Row::new(&self.as_of, Event::Run)
        });
    }

    /// Appends the resolution rows not already in the history: the same
    /// file (by its SHA-256), line and outcome is recorded once, however
    /// many nights the file stays in the bundle.
    pub fn resolutions(&mut self, rows: Vec<Row>) {
        let key = |r: &Row| {
            (
                r.event.as_str().to_string(),
                r.file.clone(),
                r.line.clone(),
                r.file_sha256.clone(),
                r.exception_id.clone(),
            )
        };
        let seen: HashSet<_> = self
            .chain
            .rows
            .iter()
            .filter(|r| {
                matches!(
                    r.event,
                    Event::ResolutionAccepted | Event::ResolutionRefused
                )
            })
            .map(key)
            .collect();
        for row in rows {
            if !seen.contains(&key(&row)) {
                self.chain.push(row);
            }
        }
    }
}

/// One history row per resolution this run read: the accepted ones (with
/// `_file` and `_line`) and the refused ones (the `rejected.csv` rows of
/// source `resolutions`), each naming its file, line and the file's
/// SHA-256 (from `file_hashes`). Sorted by file and line.
pub fn resolution_rows(
    as_of: &str,
    accepted: &DataFrame,
    rejected: &DataFrame,
    file_hashes: &HashMap<String, String>,
    codes: &HashMap<String, String>,
) -> PolarsResult<Vec<Row>> {
    let text = |df: &DataFrame, c: &str| -> PolarsResult<StringChunked> {
        Ok(df.column(c)?.cast(&DataType::String)?.str()?.clone())
    };
    let mut rows = Vec::new();
    let (ids, status, by, approved, file, line) = (
        text(accepted, "exception_id")?,
        text(accepted, "status")?,
        text(accepted, "by")?,
        text(accepted, "approved_by")?,
        text(accepted, "_file")?,
        text(accepted, "_line")?,
    );
    for i in 0..accepted.height() {
        let id = ids.get(i).unwrap_or("").trim().to_string();
        let approval = approved
            .get(i)
            .filter(|a| !a.trim().is_empty())
            .map_or(String::new(), |a| format!(", approved by {}", a.trim()));
        rows.push(Row {
            code: codes.get(&id).cloned().unwrap_or_default(),
            exception_id: id,
            to: status.get(i).unwrap_or("").to_string(),
            detail: format!("by {}{approval}", by.get(i).unwrap_or("").trim()),
            ..source_row(
                as_of,
                Event::ResolutionAccepted,
                file.get(i),
                line.get(i),
                file_hashes,
            )
        });
    }
    let (source, file, line, reason) = (
        text(rejected, "source")?,
        text(rejected, "file")?,
        text(rejected, "line")?,
        text(rejected, "reason")?,
    );
    for i in 0..rejected.height() {
        if source.get(i) == Some("resolutions") {
            rows.push(Row {
                detail: reason.get(i).unwrap_or("").to_string(),
                ..source_row(
                    as_of,
                    Event::ResolutionRefused,
                    file.get(i),
                    line.get(i),
                    file_hashes,
                )
            });
        }
    }
    rows.sort_by(|a, b| {
        let line = |r: &Row| r.line.parse::<u64>().unwrap_or(0);
        (&a.file, line(a), a.event.as_str()).cmp(&(&b.file, line(b), b.event.as_str()))
    });
    Ok(rows)
}

fn source_row(
    as_of: &str,
    event: Event,
    file: Option<&str>,
    line: Option<&str>,
    file_hashes: &HashMap<String, String>,
) -> Row {
    let file = file.unwrap_or("").to_string();
    Row {
        file_sha256: file_hashes.get(&file).cloned().unwrap_or_default(),
        file,
        line: line.unwrap_or("").to_string(),
        ..Row::new(as_of, event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nips(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn fresh() -> Trail {
        Trail {
            chain: Chain::default(),
            as_of: "2026-04-01".into(),
            legacy: false,
            new: true,
            notes: Vec::new(),
        }
    }

    #[test]
    fn a_register_belongs_to_the_sellers_it_was_made_for() {
        let dir = Path::new("state");
        let mut t = fresh();
        t.bind(&nips(&["5265877635"]), "ledger", dir).unwrap();
        assert_eq!(t.chain.rows[0].event, Event::Created);
        // The same company again: nothing to add.
        t.bind(&nips(&["5265877635"]), "ledger", dir).unwrap();
        assert_eq!(t.chain.rows.len(), 1);
        // A second seller beside the known one is added, saying so.
        t.bind(&nips(&["5265877635", "1234563218"]), "configuration", dir)
            .unwrap();
        let added = &t.chain.rows[1];
        assert_eq!(added.event, Event::SellerAdded);
        assert_eq!(
            (added.from.as_str(), added.to.as_str()),
            ("5265877635", "1234563218 5265877635")
        );
        // Another company: refused, nothing added.
        let e = t.bind(&nips(&["7770001112"]), "ledger", dir).unwrap_err();
        assert!(e.to_string().contains("share none"), "{e}");
        assert_eq!(t.chain.rows.len(), 2);
    }

    #[test]
    fn a_resolution_file_line_and_outcome_is_recorded_once() {
        let mut t = fresh();
        let row = Row {
            file: "resolutions/2026-04.csv".into(),
            line: "2".into(),
            file_sha256: "ab".into(),
            ..Row::new("2026-04-01", Event::ResolutionRefused)
        };
        t.resolutions(vec![row.clone()]);
        t.resolutions(vec![row.clone()]);
        assert_eq!(t.chain.rows.len(), 1);
        // The file changed: recorded again under its new hash.
        t.resolutions(vec![Row {
            file_sha256: "cd".into(),
            ..row
        }]);
        assert_eq!(t.chain.rows.len(), 2);
    }

    #[test]
    fn the_same_run_again_adds_no_run_row() {
        let mut t = fresh();
        t.run("open_high=1 open_medium=0 open_low=0 overdue_invoices=2".into());
        t.run("open_high=1 open_medium=0 open_low=0 overdue_invoices=2".into());
        assert_eq!(t.chain.rows.len(), 1);
        t.run("open_high=0 open_medium=0 open_low=0 overdue_invoices=2".into());
        assert_eq!(t.chain.rows.len(), 2);
    }
}
