//! The bundle's tables as matching reads them: cut at the as-of date
//! ([`AsOfCut`]), with people's keys and KSeF numbers checked. The
//! row-level tables ([`ROW_LEVEL`]) are released from the bundle once read,
//! so that only matching's copies of them live on.

use chrono::NaiveDate;
use polars::prelude::*;

use super::as_of::{AsOfCut, end_of_day, known_at};
use super::matched::ROW_LEVEL;
use super::numbering;
use super::periods;
use super::receipts::production_receipts;
use super::returns::{self, JpkReturn};
use super::scenario::{self, Applied, AssumedEnd};
use super::users::with_user_keys;
use super::validity::with_validity;
use crate::contract::Source;
use crate::frame::{date_lit, local_lit};
use crate::ingest::Bundle;

/// The records the offline periods are judged by, as known at the as-of
/// date.
pub(super) struct Records {
    /// Announcements merged into events.
    pub events: DataFrame,
    /// A scenario's assumptions and what each ended (`run --assume-end`).
    pub scenario: Vec<Applied>,
    /// The access log, with `user_key`.
    pub activity: DataFrame,
    /// Emergency access grants, with `user_key` and `reviewed_by_key`.
    pub grants: DataFrame,
    /// Decisions with their period, when and by whom they were closed, and
    /// their people's keys.
    pub decisions: DataFrame,
}

/// The row-level tables at the as-of date.
pub(super) struct Rows {
    /// The ledger's rows issued by then, with `ksef_number_valid`.
    pub ledger: DataFrame,
    /// The offline log's rows issued by then, with `issued_by_key`.
    pub offline_log: DataFrame,
    /// Numbers missing inside the offline log's series.
    pub numbering_gaps: DataFrame,
    /// KSeF metadata records known by then, with `submitted_on` and
    /// `ksef_number_valid`, and how many were left out.
    pub ksef: DataFrame,
    pub ksef_after_as_of: u64,
    /// Production KSeF's UPO documents known by then, as `ksef`, and how
    /// many were left out.
    pub upo: DataFrame,
    pub upo_after_as_of: u64,
    /// UPO files of any other receiver: `upo_file`, `receiver`.
    pub upo_not_production: DataFrame,
    /// Archived FA(3) files of invoices issued by then.
    pub archive: DataFrame,
    /// The JPK_V7 files read as returns, and what became of each.
    pub jpk_returns: Vec<JpkReturn>,
    /// The ledger rows of the returns that stand (see [`returns`]).
    pub jpk_rows: DataFrame,
    /// Ledger rows left out as rows of replaced returns.
    pub jpk_replaced_rows: u64,
}

/// The bundle's table of `source`. The only error, a table the bundle
/// released already, becomes a polars error, which is what every step of
/// matching returns.
fn table(bundle: &Bundle, source: Source) -> PolarsResult<DataFrame> {
    bundle
        .table(source)
        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))
}

/// Events, the access log, grants and decisions, read before the invoices:
/// an offline-log row's period depends on its decision and on the events
/// (see [`periods::log_periods`]). A record is known once the moment it is
/// dated has passed, up to the end of the as-of day.
pub(super) fn records(
    bundle: &Bundle,
    as_of: NaiveDate,
    assumed: &[AssumedEnd],
    cut: &mut AsOfCut,
) -> PolarsResult<Records> {
    let as_of_end = local_lit(end_of_day(as_of));
    let mut applied = Vec::new();
    let announcements = cut.keep(
        table(bundle, Source::Announcements)?,
        Source::Announcements,
        col("start").lt_eq(as_of_end.clone()),
    )?;
    let announcements = scenario::end_events(announcements, assumed, &mut applied)?.lazy();
    let events = periods::events(announcements.clone()).collect()?;
    let links = periods::announcement_events(announcements);
    let activity = cut.keep(
        table(bundle, Source::Activity)?,
        Source::Activity,
        col("at").lt_eq(as_of_end.clone()),
    )?;
    let activity = with_user_keys(activity.lazy(), &["user"]).collect()?;
    let grants = with_user_keys(
        table(bundle, Source::Grants)?.lazy(),
        &["user", "reviewed_by"],
    )
    .collect()?;
    let decisions = cut.keep(
        table(bundle, Source::Decisions)?,
        Source::Decisions,
        col("started_at").lt_eq(as_of_end),
    )?;
    let decisions = scenario::end_decisions(decisions, assumed, &mut applied)?.lazy();
    let decisions = decision_table(decisions, &events, links, &activity, &applied)?;
    Ok(Records {
        events,
        activity,
        grants,
        decisions,
        scenario: scenario::outcome(assumed, applied),
    })
}

/// Each decision once (the first row of an id), with the period it
/// declares (its linked event's end, else its own), when and by whom it
/// was closed, and the keys of the people it names, which the rules
/// compare with the access log's.
fn decision_table(
    decisions: LazyFrame,
    events: &DataFrame,
    links: LazyFrame,
    activity: &DataFrame,
    applied: &[Applied],
) -> PolarsResult<DataFrame> {
    let decisions = periods::decisions(
        decisions.unique_stable_generic(Some(vec![col("decision_id")]), UniqueKeepStrategy::First),
        events.clone().lazy(),
        links,
    );
    let decisions = scenario::decision_periods(decisions, applied);
    with_user_keys(
        periods::with_effective_close(decisions, activity.clone().lazy()),
        &["declared_by", "approved_by", "closed_effective_by"],
    )
    .collect()
}

/// The row-level tables at the as-of date: the ledger's, offline log's and
/// archive's rows issued by then, KSeF's and the UPOs' records known by
/// then. The bundle's copies of [`ROW_LEVEL`] are released at the end: the
/// tables returned are the only ones left.
pub(super) fn rows(bundle: &mut Bundle, as_of: NaiveDate, cut: &mut AsOfCut) -> PolarsResult<Rows> {
    let issued = col("issue_date").lt_eq(date_lit(as_of));
    let jpk_returns = returns::judge(&bundle.files, as_of);
    let step = crate::progress::Step::start("returns that stand");
    let (ledger, made_later, jpk_replaced_rows) =
        returns::standing_rows(table(bundle, Source::Ledger)?, &jpk_returns)?;
    drop(step);
    cut.add(Source::Ledger, made_later);
    let ledger = cut.keep(ledger, Source::Ledger, issued.clone())?;
    let ledger = with_validity(ledger, "ksef_number")?;
    let ledger = returns::with_in_return(ledger, &jpk_returns)?;
    let step = crate::progress::Step::start("rows of the returns");
    let jpk_rows = returns::jpk_rows(&ledger, &jpk_returns)?;
    drop(step);
    let offline_log = cut.keep(
        table(bundle, Source::OfflineLog)?,
        Source::OfflineLog,
        issued.clone(),
    )?;
    let offline_log = with_user_keys(offline_log.lazy(), &["issued_by"]).collect()?;
    let numbering_gaps = numbering::gaps(offline_log.clone().lazy())?;
    let (ksef, ksef_after_as_of) = ksef_known(bundle, as_of)?;
    let (upo, upo_after_as_of, upo_not_production) = upo_known(bundle, as_of)?;
    let jpk_rows = returns::with_numbering(jpk_rows, &ksef, &upo, as_of)?;
    let archive = cut.keep(table(bundle, Source::Archive)?, Source::Archive, issued)?;
    bundle.release(&ROW_LEVEL);
    Ok(Rows {
        ledger,
        offline_log,
        numbering_gaps,
        ksef,
        ksef_after_as_of,
        upo,
        upo_after_as_of,
        upo_not_production,
        archive,
        jpk_returns,
        jpk_rows,
        jpk_replaced_rows,
    })
}

/// KSeF's metadata records that KSeF had received by the as-of date
/// (`invoicingDate` as `submitted_on`), with their numbers checked, and how
/// many were left out: a record received later did not exist for the run.
fn ksef_known(bundle: &Bundle, as_of: NaiveDate) -> PolarsResult<(DataFrame, u64)> {
    let all = table(bundle, Source::KsefMetadata)?
        .lazy()
        .with_column(
            col("invoicing_date")
                .cast(DataType::Date)
                .alias("submitted_on"),
        )
        .collect()?;
    let all_rows = all.height();
    let ksef = with_validity(known_at(all, &date_lit(as_of))?, "ksef_number")?;
    let after_as_of = (all_rows - ksef.height()) as u64;
    Ok((ksef, after_as_of))
}

/// Production KSeF's UPO documents submitted by the as-of date, with their
/// numbers checked, how many were left out for being later, and the files
/// of any other receiver, which prove nothing (see
/// [`production_receipts`]).
fn upo_known(bundle: &Bundle, as_of: NaiveDate) -> PolarsResult<(DataFrame, u64, DataFrame)> {
    let (all, not_production) = production_receipts(table(bundle, Source::Upo)?)?;
    let all_rows = all.height();
    let dated = all
        .lazy()
        .with_column(
            col("submitted_at")
                .cast(DataType::Date)
                .alias("submitted_on"),
        )
        .collect()?;
    let upo = with_validity(known_at(dated, &date_lit(as_of))?, "ksef_number")?;
    let after_as_of = (all_rows - upo.height()) as u64;
    Ok((upo, after_as_of, not_production))
}
