//! The management view of one run: the numbers a CFO asks for (offline
//! invoices by mode with their value, submission status, open exceptions by
//! severity and ageing, per decision and in total), computed once from the
//! output frames so that `ageing.xlsx`'s Dashboard and `dashboard.html`
//! can never disagree with each other or with the CSVs.
//!
//! "Open" is what the caller hands over: `run` passes only the exceptions
//! the register still has `open` or `reopened`; an evidence pack, which has
//! no register, counts every finding of the scope.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use polars::prelude::*;

use super::Frames;
use super::run_json::{ExtractJson, RunJson, ScenarioJson};
use crate::contract::{Bucket, Severity, parse_written};
use crate::lang::{Lang, fill};

/// The ageing buckets of contract section 6, in order.
pub const BUCKETS: [&str; 6] = Bucket::NAMES;

/// The statuses of contract section 4, in order.
pub const STATUSES: [&str; 6] = crate::contract::Status::NAMES;

/// The offline modes, in the contract's order.
pub const OFFLINE_MODES: [&str; 4] = ["offline24", "offline", "emergency", "total_failure"];

/// The severities, most serious first.
pub const SEVERITIES: [&str; 3] = Severity::NAMES;

/// Amounts per currency, in grosze (or cents).
pub type Money = BTreeMap<String, i64>;

/// A value given per currency, also in PLN: each amount converted at the
/// NBP rate `matching::exposure` converts at (the table of the business
/// day before the invoice's P_1, no older one). The PLN sum is worth
/// showing only when every amount in it was converted; otherwise the
/// views say how many were not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InPln {
    /// The converted amounts and the PLN ones, in grosze.
    pub grosze: i64,
    /// Amounts in another currency, converted or not.
    pub foreign: u64,
    /// Amounts in another currency without a rate.
    pub unconverted: u64,
}

impl InPln {
    /// Adds one amount; `rate` is its currency's rate in ten-thousandths,
    /// `None` when the bundle has none (or the currency is PLN).
    fn add(&mut self, cents: i64, currency: &str, rate: Option<i64>) {
        if currency == "PLN" {
            self.grosze += cents;
            return;
        }
        self.foreign += 1;
        match rate {
            Some(rate) => self.grosze += crate::matching::exposure::to_pln(cents, rate),
            None => self.unconverted += 1,
        }
    }
}

/// The bundle's NBP rates by (date, currency), in ten-thousandths.
pub type Rates = BTreeMap<(String, String), i64>;

/// The rates of [`super::Frames::rates`] as a map.
fn rates_of(rates: &DataFrame) -> Result<Rates> {
    let (date, currency, rate) = (
        strings(rates, "date")?,
        strings(rates, "currency")?,
        strings(rates, "rate")?,
    );
    let mut out = Rates::new();
    for ((d, c), r) in date.iter().zip(currency.iter()).zip(rate.iter()) {
        if let (Some(d), Some(c), Some(r)) = (d, c, r.and_then(|r| r.parse().ok())) {
            out.entry((d.to_string(), c.to_string())).or_insert(r);
        }
    }
    Ok(out)
}

/// The rate an amount of `currency` issued on `issue_date` converts at,
/// if the bundle has it (PLN needs none).
fn rate_for(rates: &Rates, issue_date: Option<&str>, currency: &str) -> Option<i64> {
    let p1 = chrono::NaiveDate::parse_from_str(issue_date?, "%Y-%m-%d").ok()?;
    let day = crate::matching::exposure::rate_day(p1).to_string();
    rates.get(&(day, currency.to_string())).copied()
}

#[derive(Debug, Clone, Default)]
pub struct ModeRow {
    pub mode: String,
    pub invoices: u64,
    pub value: Money,
    /// The same value in PLN, as far as rates allow.
    pub pln: InPln,
}

/// One ageing row: a key (owner or mode) in one currency, counts and values
/// per bucket.
#[derive(Debug, Clone, Default)]
pub struct AgeingRow {
    pub key: String,
    pub currency: String,
    pub counts: [u64; 6],
    pub values: [i64; 6],
}

#[derive(Debug, Clone)]
pub struct OpenItem {
    pub exception_id: String,
    pub code: String,
    pub severity: String,
    pub invoice_number: String,
    pub decision_id: String,
    pub owner: String,
    pub deadline: String,
    pub age_business_days: Option<i64>,
    pub ageing_bucket: String,
    pub gross_amount: Option<i64>,
    pub currency: String,
}

#[derive(Debug, Clone, Default)]
pub struct DecisionRow {
    pub decision_id: String,
    pub mode: String,
    pub started_at: String,
    pub ended_at: String,
    pub approved_by: String,
    pub announcement_id: String,
    pub owners: Vec<String>,
    pub invoices: u64,
    pub value: Money,
    /// Counts in the order of [`STATUSES`].
    pub statuses: [u64; STATUSES.len()],
    pub completeness_pct: String,
    pub open_exceptions: u64,
}

/// One run date of the register's trend: open exceptions per
/// [`SEVERITIES`] and overdue invoices after that date's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendPoint {
    pub as_of: String,
    pub open: [u64; 3],
    pub overdue: u64,
}

/// One VAT return (JPK_V7) to correct: a `period` entry of
/// `jpk_corrections.csv`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JpkPeriod {
    pub seller_nip: String,
    pub period: String,
    pub jpk_file: String,
    pub jpk_made_at: String,
    pub rows_to_change: u64,
}

/// Everything the Dashboard sheet and the HTML page show.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub as_of: String,
    pub input_fingerprint: String,
    /// What the KSeF extract proves, in one line, and whether it is
    /// complete (else the line says why absence is not proven).
    pub extract_line: String,
    pub extract_complete: bool,
    /// What a scenario assumed, when the run is one (`run --assume-end`).
    pub scenario_line: Option<String>,
    pub version: String,
    pub invoices: u64,
    /// All invoices per status, in the order of [`STATUSES`].
    pub status_all: [u64; STATUSES.len()],
    /// Offline invoices per status.
    pub status_offline: [u64; STATUSES.len()],
    pub offline_by_mode: Vec<ModeRow>,
    pub offline_total: ModeRow,
    pub open_exceptions: u64,
    /// Per [`SEVERITIES`].
    pub by_severity: [u64; 3],
    /// Open exceptions per bucket (count and value per currency).
    pub buckets: [(u64, Money); 6],
    pub oldest: Vec<OpenItem>,
    pub decisions: Vec<DecisionRow>,
    pub by_owner: Vec<AgeingRow>,
    pub by_mode: Vec<AgeingRow>,
    /// Invoices with a maximum penalty (art. 106ni) and its sum in grosze.
    pub max_penalty: (u64, i64),
    /// The same per owner (empty: no owner), by owner.
    pub max_penalty_by_owner: BTreeMap<String, (u64, i64)>,
    /// The register's trend, oldest run first (`register::trend`); `None`
    /// where there is no register (an evidence pack), which shows no
    /// trend section at all.
    pub trend: Option<Vec<TrendPoint>>,
    /// The VAT returns to correct, as `jpk_corrections.csv` orders them.
    pub jpk: Vec<JpkPeriod>,
    /// The language the views are written in.
    pub lang: Lang,
}

/// The KSeF extract's line in `lang`: in English the one `run.json`
/// records, in another language the same facts in its words.
fn extract_line(extract: &ExtractJson, lang: Lang) -> String {
    let t = lang.texts();
    match (lang, &extract.covers_through) {
        (Lang::En, _) => extract.headline.clone(),
        (_, Some(through)) if extract.complete => fill(t.extract_complete, &[&lang.date(through)]),
        _ if extract.files.is_empty() => t.extract_none.to_string(),
        _ => match extract.why_not.first() {
            Some(why) => fill(t.extract_incomplete, &[why]),
            None => t.extract_empty.to_string(),
        },
    }
}

/// What a scenario assumed, in `lang` (in English, `run.json`'s words).
fn scenario_line(scenario: &ScenarioJson, lang: Lang) -> String {
    if lang == Lang::En {
        return scenario.headline();
    }
    let t = lang.texts();
    let ends: Vec<String> = scenario
        .assume_end
        .iter()
        .map(|a| fill(t.scenario_end, &[&a.ended, &lang.date(&a.at)]))
        .collect();
    fill(t.scenario, &[&ends.join(t.scenario_and)])
}

/// How many open items the Dashboard lists.
const OLDEST: usize = 10;

/// A text column of an output frame.
pub fn strings<'a>(df: &'a DataFrame, name: &str) -> Result<&'a StringChunked> {
    df.column(name)
        .and_then(|c| c.str())
        .map_err(|e| anyhow::anyhow!("output frame has no text column {name}: {e}"))
}

/// One open finding as the Dashboard lists it, from its row of the
/// exceptions frame.
fn open_item(ex: &DataFrame, row: usize, age: Option<i64>) -> Result<OpenItem> {
    let text = |name: &str| -> Result<String> {
        Ok(strings(ex, name)?.get(row).unwrap_or("").to_string())
    };
    Ok(OpenItem {
        exception_id: text("exception_id")?,
        code: text("code")?,
        severity: text("severity")?,
        invoice_number: text("invoice_number")?,
        decision_id: text("decision_id")?,
        owner: text("owner")?,
        deadline: text("deadline")?,
        age_business_days: age,
        ageing_bucket: text("ageing_bucket")?,
        gross_amount: parse_written(&text("gross_amount")?),
        currency: text("currency")?,
    })
}

fn add(value: &mut Money, currency: Option<&str>, cents: Option<i64>) {
    if let (Some(c), Some(v)) = (currency, cents) {
        *value.entry(c.to_string()).or_insert(0) += v;
    }
}

fn status_index(status: &str) -> Option<usize> {
    STATUSES.iter().position(|s| *s == status)
}

/// The bucket's place in [`BUCKETS`]; an unknown label counts as not due.
fn bucket_index(bucket: &str) -> usize {
    Bucket::parse(bucket).map_or(0, Bucket::index)
}

/// Invoices with a maximum penalty and its sum in grosze, per owner: one
/// visit per such invoice (late or overdue with a deadline from 2027).
fn penalty_by_owner(penalties: &DataFrame) -> Result<BTreeMap<String, (u64, i64)>> {
    let mut out: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let owners = strings(penalties, "owner")?;
    let amounts = strings(penalties, "max_penalty_pln")?;
    for (owner, amount) in owners.iter().zip(amounts.iter()) {
        let Some(cents) = amount.and_then(crate::contract::parse_written) else {
            continue;
        };
        let entry = out.entry(owner.unwrap_or("").to_string()).or_default();
        entry.0 += 1;
        entry.1 += cents;
    }
    Ok(out)
}

/// The `period` entries of the JPK worklist: the returns to correct, each
/// with how many of its rows must change (the `row` entries are the
/// worklist's own detail, for `jpk_corrections.csv`).
fn jpk_periods(worklist: &DataFrame) -> Result<Vec<JpkPeriod>> {
    let get = |n| strings(worklist, n);
    let (entry, seller, period, file, made, rows) = (
        get("entry")?,
        get("seller_nip")?,
        get("period")?,
        get("jpk_file")?,
        get("jpk_made_at")?,
        get("rows_to_change")?,
    );
    let text = |c: &StringChunked, i: usize| c.get(i).unwrap_or("").to_string();
    Ok((0..worklist.height())
        .filter(|&i| entry.get(i) == Some("period"))
        .map(|i| JpkPeriod {
            seller_nip: text(seller, i),
            period: text(period, i),
            jpk_file: text(file, i),
            jpk_made_at: text(made, i),
            rows_to_change: rows.get(i).and_then(|r| r.parse().ok()).unwrap_or(0),
        })
        .collect())
}

/// What the summary reads of the reconciliation: its row count, the
/// invoices per status, each decision's owners and the offline invoices'
/// mode, status and value. Taken from the whole reconciliation, or, in a
/// partitioned run (`crate::partition`), from each part's and joined
/// ([`InvoiceDigest::append`]): every figure built from it is a count, a
/// sum or a set, so the order of the parts does not change it.
pub struct InvoiceDigest {
    pub invoices: u64,
    /// `status`, `n`: may hold a status more than once (one row per part).
    by_status: DataFrame,
    /// `decision_id`, `owner`: may repeat a pair.
    owner_pairs: DataFrame,
    /// `mode`, `status`, `gross_amount`, `currency`, `issue_date` of the
    /// offline invoices.
    offline: DataFrame,
    /// `owner`, `max_penalty_pln` of the invoices that have one.
    penalties: DataFrame,
}

impl InvoiceDigest {
    /// The digest of a reconciliation frame (text columns, as written).
    pub fn of(rec: &DataFrame) -> PolarsResult<InvoiceDigest> {
        let by_status = rec
            .clone()
            .lazy()
            .group_by([col("status")])
            .agg([len().alias("n")])
            .collect()?;
        let owner_pairs = rec
            .clone()
            .lazy()
            .filter(
                col("decision_id")
                    .is_not_null()
                    .and(col("owner").is_not_null()),
            )
            .select([col("decision_id"), col("owner")])
            .unique(None, UniqueKeepStrategy::Any)
            .collect()?;
        let offline = rec
            .clone()
            .lazy()
            .filter(crate::frame::one_of(col("mode"), &OFFLINE_MODES))
            .select([
                col("mode"),
                col("status"),
                col("gross_amount"),
                col("currency"),
                col("issue_date"),
            ])
            .collect()?;
        let penalties = rec
            .clone()
            .lazy()
            .filter(col("max_penalty_pln").is_not_null())
            .select([col("owner"), col("max_penalty_pln")])
            .collect()?;
        // Copied out: these few rows would otherwise hold on to the whole
        // reconciliation's text, and a partitioned run keeps every part's.
        Ok(InvoiceDigest {
            invoices: rec.height() as u64,
            by_status,
            owner_pairs: crate::frame::compact(owner_pairs)?,
            offline: crate::frame::compact(offline)?,
            penalties: crate::frame::compact(penalties)?,
        })
    }

    /// Adds another part's digest to this one.
    pub fn append(&mut self, other: &InvoiceDigest) -> PolarsResult<()> {
        self.invoices += other.invoices;
        self.by_status.vstack_mut(&other.by_status)?;
        self.owner_pairs.vstack_mut(&other.owner_pairs)?;
        self.offline.vstack_mut(&other.offline)?;
        self.penalties.vstack_mut(&other.penalties)?;
        Ok(())
    }
}

impl Summary {
    pub fn build(frames: &Frames, run: &RunJson, lang: Lang) -> Result<Summary> {
        Summary::build_from(
            frames,
            run,
            &InvoiceDigest::of(&frames.reconciliation)?,
            lang,
        )
    }

    /// [`Summary::build`] with the reconciliation read from `digest` (a
    /// partitioned run's reconciliation is on disk, not in `frames`).
    pub fn build_from(
        frames: &Frames,
        run: &RunJson,
        digest: &InvoiceDigest,
        lang: Lang,
    ) -> Result<Summary> {
        let mut s = Summary {
            as_of: run.as_of.clone(),
            input_fingerprint: run.input_fingerprint.clone(),
            extract_line: extract_line(&run.ksef_extract, lang),
            extract_complete: run.ksef_extract.complete,
            scenario_line: run.scenario.as_ref().map(|s| scenario_line(s, lang)),
            lang,
            version: run.version.to_string(),
            invoices: digest.invoices,
            max_penalty: (
                run.max_penalty_pln.invoices,
                run.max_penalty_pln.total_grosze,
            ),
            ..Summary::default()
        };
        let owners = s.add_invoices(digest, &rates_of(&frames.rates)?)?;
        s.max_penalty_by_owner = penalty_by_owner(&digest.penalties)?;
        s.add_exceptions(&frames.exceptions)?;
        s.add_decisions(frames, &owners)?;
        s.jpk = jpk_periods(&frames.jpk_corrections)?;
        Ok(s)
    }

    /// Statuses and offline counts; returns the owners of each decision's
    /// invoices. Status counts and owners per decision come from polars
    /// group-bys over the whole reconciliation ([`InvoiceDigest::of`]);
    /// only the offline invoices (a few percent of it) are visited one by
    /// one, for their value per mode.
    fn add_invoices(
        &mut self,
        digest: &InvoiceDigest,
        rates: &Rates,
    ) -> Result<BTreeMap<String, BTreeSet<String>>> {
        let by_status = &digest.by_status;
        for (st, n) in strings(by_status, "status")?
            .iter()
            .zip(by_status.column("n")?.idx()?.iter())
        {
            if let (Some(i), Some(n)) = (st.and_then(status_index), n) {
                self.status_all[i] += u64::from(n);
            }
        }
        let pairs = &digest.owner_pairs;
        let mut owners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (d, o) in strings(pairs, "decision_id")?
            .iter()
            .zip(strings(pairs, "owner")?.iter())
        {
            if let (Some(d), Some(o)) = (d, o) {
                owners
                    .entry(d.to_string())
                    .or_default()
                    .insert(o.to_string());
            }
        }

        let mut modes: BTreeMap<&str, ModeRow> = OFFLINE_MODES
            .iter()
            .map(|m| {
                (
                    *m,
                    ModeRow {
                        mode: m.to_string(),
                        ..ModeRow::default()
                    },
                )
            })
            .collect();
        let offline = &digest.offline;
        let (mode, status, gross, currency) = (
            strings(offline, "mode")?,
            strings(offline, "status")?,
            strings(offline, "gross_amount")?,
            strings(offline, "currency")?,
        );
        let rows = mode
            .iter()
            .zip(status.iter())
            .zip(gross.iter().zip(currency.iter()));
        for ((m, st), (g, c)) in rows {
            let Some(row) = m.and_then(|m| modes.get_mut(m)) else {
                continue;
            };
            row.invoices += 1;
            let cents = g.and_then(parse_written);
            add(&mut row.value, c, cents);
            self.offline_total.invoices += 1;
            add(&mut self.offline_total.value, c, cents);
            if let Some(i) = st.and_then(status_index) {
                self.status_offline[i] += 1;
            }
        }
        self.offline_total.mode = "all offline".into();
        self.add_offline_pln(digest, rates, &mut modes)?;
        self.offline_by_mode = modes.into_values().collect();
        self.offline_by_mode
            .sort_by_key(|r| OFFLINE_MODES.iter().position(|m| *m == r.mode));
        Ok(owners)
    }

    /// The offline invoices' value in PLN, per mode and in total.
    fn add_offline_pln(
        &mut self,
        digest: &InvoiceDigest,
        rates: &Rates,
        modes: &mut BTreeMap<&str, ModeRow>,
    ) -> Result<()> {
        let offline = &digest.offline;
        let rows = strings(offline, "mode")?.iter().zip(
            strings(offline, "gross_amount")?
                .iter()
                .zip(strings(offline, "currency")?.iter())
                .zip(strings(offline, "issue_date")?.iter()),
        );
        for (m, ((g, c), p1)) in rows {
            let (Some(row), Some(cents), Some(c)) = (
                m.and_then(|m| modes.get_mut(m)),
                g.and_then(parse_written),
                c,
            ) else {
                continue;
            };
            let rate = rate_for(rates, p1, c);
            row.pln.add(cents, c, rate);
            self.offline_total.pln.add(cents, c, rate);
        }
        Ok(())
    }

    fn add_exceptions(&mut self, ex: &DataFrame) -> Result<()> {
        const COLUMNS: [&str; 7] = [
            "severity",
            "ageing_bucket",
            "currency",
            "gross_amount",
            "owner",
            "mode",
            "age_business_days",
        ];
        let mut values = Vec::with_capacity(COLUMNS.len());
        for name in COLUMNS {
            values.push(strings(ex, name)?.iter());
        }
        let ids = strings(ex, "exception_id")?;
        let t = self.lang.texts();
        let mut by_owner: BTreeMap<(&str, &str), AgeingRow> = BTreeMap::new();
        let mut by_mode: BTreeMap<(&str, &str), AgeingRow> = BTreeMap::new();
        // Each finding's age, id and row, for the oldest; the texts are
        // borrowed from the frame: at 10M invoices its 380,000 findings
        // were each cut into ten owned strings, 0.5 s ahead of the workbook.
        let mut ages: Vec<(Option<i64>, &str, usize)> = Vec::with_capacity(ex.height());
        for (row, id) in ids.iter().enumerate() {
            // A null reads as "", as an empty cell of the CSV.
            let [severity, bucket, currency, gross, owner, mode, age] =
                std::array::from_fn(|k| values[k].next().flatten().unwrap_or(""));
            let gross = parse_written(gross);
            self.open_exceptions += 1;
            if let Some(sev) = Severity::parse(severity) {
                self.by_severity[sev as usize] += 1;
            }
            let b = bucket_index(bucket);
            self.buckets[b].0 += 1;
            add(
                &mut self.buckets[b].1,
                Some(currency).filter(|c| !c.is_empty()),
                gross,
            );
            let owner = if owner.is_empty() {
                t.wb_no_owner
            } else {
                owner
            };
            let mode = if mode.is_empty() { t.no_mode } else { mode };
            for (table, key) in [(&mut by_owner, owner), (&mut by_mode, mode)] {
                let row = table.entry((key, currency)).or_insert_with(|| AgeingRow {
                    key: key.to_string(),
                    currency: currency.to_string(),
                    ..AgeingRow::default()
                });
                row.counts[b] += 1;
                row.values[b] += gross.unwrap_or(0);
            }
            ages.push((age.parse().ok(), id.unwrap_or(""), row));
        }
        // The oldest first, then by exception id (the row breaks a tie
        // only between equal ids, as the order they came in).
        let order = |a: &(Option<i64>, &str, usize), b: &(Option<i64>, &str, usize)| {
            let age = |x: &(Option<i64>, &str, usize)| x.0.unwrap_or(i64::MIN);
            age(b)
                .cmp(&age(a))
                .then_with(|| a.1.cmp(b.1))
                .then(a.2.cmp(&b.2))
        };
        if ages.len() > OLDEST {
            ages.select_nth_unstable_by(OLDEST - 1, order);
            ages.truncate(OLDEST);
        }
        ages.sort_by(order);
        self.oldest = ages
            .into_iter()
            .map(|(age, _, row)| open_item(ex, row, age))
            .collect::<Result<_>>()?;
        self.by_owner = by_owner.into_values().collect();
        self.by_mode = by_mode.into_values().collect();
        Ok(())
    }

    fn add_decisions(
        &mut self,
        frames: &Frames,
        owners: &BTreeMap<String, BTreeSet<String>>,
    ) -> Result<()> {
        let dec = &frames.decisions;
        let (id, mode, start, end, approved, ann) = (
            strings(dec, "decision_id")?,
            strings(dec, "mode")?,
            strings(dec, "started_at")?,
            strings(dec, "ended_at")?,
            strings(dec, "approved_by")?,
            strings(dec, "announcement_id")?,
        );
        let mut rows: BTreeMap<String, DecisionRow> = BTreeMap::new();
        for i in 0..dec.height() {
            let v = |c: &StringChunked| c.get(i).unwrap_or("").to_string();
            let key = v(id);
            rows.insert(
                key.clone(),
                DecisionRow {
                    owners: owners
                        .get(&key)
                        .map(|s| s.iter().cloned().collect())
                        .unwrap_or_default(),
                    decision_id: key,
                    mode: v(mode),
                    started_at: v(start),
                    ended_at: v(end),
                    approved_by: v(approved),
                    announcement_id: v(ann),
                    ..DecisionRow::default()
                },
            );
        }
        self.add_completeness(&frames.completeness, &mut rows)?;
        let ex_decision = strings(&frames.exceptions, "decision_id")?;
        for d in ex_decision.iter().flatten() {
            if let Some(row) = rows.get_mut(d) {
                row.open_exceptions += 1;
            }
        }
        self.decisions = rows.into_values().collect();
        Ok(())
    }

    fn add_completeness(
        &self,
        comp: &DataFrame,
        rows: &mut BTreeMap<String, DecisionRow>,
    ) -> Result<()> {
        let scope = strings(comp, "scope")?;
        let scope_id = strings(comp, "scope_id")?;
        let invoices = strings(comp, "invoices")?;
        let pct = strings(comp, "completeness_pct")?;
        let gross = strings(comp, "gross_by_currency")?;
        let status_cols: Vec<&StringChunked> = STATUSES
            .iter()
            .map(|s| strings(comp, s))
            .collect::<Result<_>>()?;
        for i in 0..comp.height() {
            if scope.get(i) != Some("decision") {
                continue;
            }
            let Some(row) = scope_id.get(i).and_then(|id| rows.get_mut(id)) else {
                continue;
            };
            let num = |c: &StringChunked| c.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
            row.invoices = num(invoices);
            for (k, c) in status_cols.iter().enumerate() {
                row.statuses[k] = num(c);
            }
            row.completeness_pct = pct.get(i).unwrap_or("").to_string();
            for part in gross.get(i).unwrap_or("").split("; ") {
                if let Some((cur, amount)) = part.split_once(' ') {
                    add(&mut row.value, Some(cur), parse_written(amount));
                }
            }
        }
        Ok(())
    }
}
