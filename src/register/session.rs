//! The register as one run uses it: opened (locked, verified, repaired or
//! upgraded in memory), bound to the run's company, given the run's rows,
//! and saved once the outputs are in place. Nothing reaches the disk
//! before [`Session::save`], so a run refused or failed leaves the state
//! folder as it was.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use polars::prelude::*;

use super::chain::Row;
use super::store::State;
use super::trail::Trail;
use crate::contract::Severity;
use crate::report::summary::TrendPoint;

/// One run's hold on its register.
pub struct Session {
    state: State,
    /// The register before this run.
    pub prior: DataFrame,
    trail: Trail,
}

impl Session {
    /// Locks and verifies the state folder: a broken history or a
    /// `register.csv` that does not replay from it stops the run here (exit
    /// 1), as does an as-of earlier than the register's last.
    pub fn open(dir: &Path, as_of: NaiveDate) -> Result<Session> {
        let state = State::open(dir)?;
        let stored = state.read()?;
        if let Some(last) = super::update::last_as_of(&stored.register)?
            && last > as_of
        {
            bail!(
                "the register in {} was last updated as of {last}; a run as of the earlier {as_of} would rewrite its history (use another --state folder to look back)",
                dir.display()
            );
        }
        let (prior, trail) = Trail::begin(stored, &as_of.to_string())?;
        for note in &trail.notes {
            tracing::warn!("{}: {note}", dir.display());
        }
        Ok(Session {
            state,
            prior,
            trail,
        })
    }

    /// Binds the register to the run's sellers (contract section 8); an
    /// [`super::IdentityError`] when they share no NIP with its own.
    pub fn bind(&mut self, sellers: &BTreeSet<String>, source_of: &'static str) -> Result<()> {
        let dir = self.state.dir().to_path_buf();
        self.trail.bind(sellers, source_of, &dir)?;
        Ok(())
    }

    /// The run's resolution rows (those not yet recorded) and status changes.
    pub fn record(&mut self, resolutions: Vec<Row>, changes: &[[String; 5]]) {
        self.trail.resolutions(resolutions);
        self.trail.statuses(changes);
    }

    /// The run's own counts for the trend, after its other rows.
    pub fn record_run(&mut self, open: &std::collections::BTreeMap<Severity, u64>, overdue: u64) {
        self.trail.run(super::trend::detail(open, overdue));
    }

    /// The trend of the runs the history holds (this one's included once
    /// recorded).
    pub fn trend(&self) -> Vec<TrendPoint> {
        super::trend::points(&self.trail.chain)
    }

    /// The history's head after this run's rows, and how many rows it has.
    pub fn head(&self) -> (&str, usize) {
        (self.trail.chain.head(), self.trail.chain.rows.len())
    }

    /// Writes the history, then the register with the new head, and logs
    /// the head: the scheduler's log then keeps a copy of it outside the
    /// state folder (docs/security.md).
    pub fn save(&self, register: &DataFrame) -> Result<()> {
        self.state.save(register, &self.trail.chain)?;
        let (head, rows) = self.head();
        tracing::info!(
            "register {}: {rows} history rows, head {head}",
            self.state.dir().display()
        );
        Ok(())
    }
}
