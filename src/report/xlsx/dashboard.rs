//! The Dashboard and Ageing sheets: the [`Summary`] laid out as small
//! labelled blocks a controller can print, with two charts drawn from the
//! blocks' own cells (so the chart and the numbers beside it agree).

use std::collections::BTreeSet;

use rust_xlsxwriter::{Chart, ChartFont, ChartType, ColNum, RowNum, Worksheet};

use super::cells::{self, Formats, text};
use crate::lang::{Texts, fill, label};
use crate::report::summary::{
    AgeingRow, BUCKETS, Money, OFFLINE_MODES, STATUSES, Summary, TrendPoint,
};

fn num(ws: &mut Worksheet, r: RowNum, c: ColNum, v: u64, f: &Formats) -> anyhow::Result<()> {
    ws.write_number_with_format(r, c, v as f64, &f.integer)?;
    Ok(())
}

fn money(ws: &mut Worksheet, r: RowNum, c: ColNum, cents: i64, f: &Formats) -> anyhow::Result<()> {
    ws.write_number_with_format(r, c, cents as f64 / 100.0, &f.amount)?;
    Ok(())
}

fn currencies<'a>(values: impl Iterator<Item = &'a Money>) -> Vec<String> {
    let set: BTreeSet<&String> = values.flat_map(|m| m.keys()).collect();
    set.into_iter().cloned().collect()
}

/// A block title and its header row; returns the first data row.
fn block(
    ws: &mut Worksheet,
    row: RowNum,
    title: &str,
    headers: &[&str],
    f: &Formats,
) -> anyhow::Result<RowNum> {
    text(ws, row, 0, title, &f.bold)?;
    cells::header(ws, row + 1, headers, f)?;
    Ok(row + 2)
}

/// The Dashboard: the run's facts, then one block per question a controller
/// asks, top to bottom, and two charts beside them drawn from the blocks'
/// cells. Each block starts below where the one before ended (the modes
/// found vary by run), so every step returns the rows it filled.
pub fn write(ws: &mut Worksheet, s: &Summary, f: &Formats) -> anyhow::Result<()> {
    let t = s.lang.texts();
    page_setup(ws, t)?;
    run_facts(ws, s, f)?;
    let r = offline_by_mode(ws, s, f)?;
    let status_rows = submission_status(ws, s, r + 1, f)?;
    let total_row = open_by_severity(ws, s, status_rows.1 + 2, f)?;
    let age_rows = ageing_by_bucket(ws, s, total_row + 2, f)?;
    let end = oldest_items(ws, s, age_rows.1 + 2, f)?;
    let end = penalty_by_owner(ws, s, end + 1, f)?;
    charts(ws, t, status_rows, age_rows)?;
    match &s.trend {
        Some(points) => trend(ws, s, points, end + 2, f),
        None => Ok(()),
    }
}

/// Sheet name, column widths, and a landscape A4 print one page wide, so
/// that a controller can print the blocks as they are laid out.
fn page_setup(ws: &mut Worksheet, t: &Texts) -> anyhow::Result<()> {
    ws.set_name(t.sheet_dashboard)?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 24)?;
    for c in 2..=9 {
        ws.set_column_width(c, 15)?;
    }
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// Rows 0-5: the title and what the numbers below are of (as-of date,
/// input fingerprint, tool version, invoices, the KSeF extract's reach), so
/// a printed page can be traced to its run.
fn run_facts(ws: &mut Worksheet, s: &Summary, f: &Formats) -> anyhow::Result<()> {
    let t = s.lang.texts();
    text(ws, 0, 0, t.wb_heading, &f.title)?;
    text(ws, 1, 0, t.wb_as_of, &f.bold)?;
    match chrono::NaiveDate::parse_from_str(&s.as_of, "%Y-%m-%d")
        .ok()
        .and_then(cells::date_of)
    {
        Some(d) => ws
            .write_datetime_with_format(1, 1, d, &f.date)
            .map(|_| ())?,
        None => text(ws, 1, 1, &s.as_of, &f.text)?,
    }
    text(ws, 2, 0, t.wb_fingerprint, &f.bold)?;
    text(ws, 2, 1, &s.input_fingerprint, &f.text)?;
    text(ws, 3, 0, t.wb_version, &f.bold)?;
    text(ws, 3, 1, &s.version, &f.text)?;
    text(ws, 4, 0, t.wb_invoices, &f.bold)?;
    num(ws, 4, 1, s.invoices, f)?;
    text(ws, 5, 0, t.wb_extract, &f.bold)?;
    text(ws, 5, 1, &s.extract_line, &f.text)?;
    // To the right of the facts, where nothing else is.
    text(ws, 1, 3, t.wb_penalty, &f.bold)?;
    ws.write_number_with_format(2, 3, s.max_penalty.1 as f64 / 100.0, &f.pln)?;
    let note = fill(
        t.wb_penalty_note,
        &[&s.max_penalty.0.to_string(), t.penalty_note],
    );
    text(ws, 3, 3, &note, &f.text)?;
    if let Some(line) = &s.scenario_line {
        // Beside the title, where nothing else is, so a run on the records
        // as they are keeps its layout.
        text(ws, 0, 2, line, &f.bold)?;
    }
    Ok(())
}

/// Offline invoices by mode and in total, one value column per currency
/// (amounts in different currencies are never added), and when some are in
/// another currency a last column in PLN: the sum where every amount had a
/// rate, else how many had none; returns the row after the block.
fn offline_by_mode(ws: &mut Worksheet, s: &Summary, f: &Formats) -> anyhow::Result<RowNum> {
    let t = s.lang.texts();
    let cur = currencies(s.offline_by_mode.iter().map(|m| &m.value));
    let mut headers = vec![t.wb_mode, t.wb_invoices_col];
    headers.extend(cur.iter().map(String::as_str));
    let in_pln = s.offline_total.pln.foreign > 0;
    if in_pln {
        headers.push(t.wb_pln_col);
    }
    let mut r = block(ws, 6, t.wb_modes_title, &headers, f)?;
    let total = s.offline_by_mode.len();
    for (k, m) in s
        .offline_by_mode
        .iter()
        .chain([&s.offline_total])
        .enumerate()
    {
        let (name, fmt) = if k == total {
            (t.all_offline, &f.bold)
        } else {
            (label(&OFFLINE_MODES, &t.modes, &m.mode), &f.text)
        };
        text(ws, r, 0, name, fmt)?;
        num(ws, r, 1, m.invoices, f)?;
        for (k, c) in cur.iter().enumerate() {
            money(
                ws,
                r,
                2 + k as ColNum,
                m.value.get(c).copied().unwrap_or(0),
                f,
            )?;
        }
        let c = 2 + cur.len() as ColNum;
        match m.pln.unconverted {
            _ if !in_pln => {}
            0 => ws
                .write_number_with_format(r, c, m.pln.grosze as f64 / 100.0, &f.pln)
                .map(|_| ())?,
            n => text(
                ws,
                r,
                c,
                &fill(t.pln_unconverted, &[&n.to_string()]),
                &f.text,
            )?,
        }
        r += 1;
    }
    Ok(r)
}

/// Invoices per status, all and offline, from `row`; returns the first and
/// last data rows, which the status chart draws.
fn submission_status(
    ws: &mut Worksheet,
    s: &Summary,
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<(RowNum, RowNum)> {
    let t = s.lang.texts();
    let top = block(ws, row, t.wb_status_title, &t.wb_status_head, f)?;
    for (k, status) in t.wb_statuses.iter().enumerate() {
        let row = top + k as RowNum;
        text(ws, row, 0, status, &f.text)?;
        num(ws, row, 1, s.status_all[k], f)?;
        num(ws, row, 2, s.status_offline[k], f)?;
    }
    Ok((top, top + STATUSES.len() as RowNum - 1))
}

/// Open exceptions per severity and their total, from `row`; returns the
/// total's row.
fn open_by_severity(
    ws: &mut Worksheet,
    s: &Summary,
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<RowNum> {
    let t = s.lang.texts();
    let top = block(ws, row, t.wb_severity_title, &t.wb_severity_head, f)?;
    for (k, sev) in t.severities.iter().enumerate() {
        text(ws, top + k as RowNum, 0, sev, &f.text)?;
        num(ws, top + k as RowNum, 1, s.by_severity[k], f)?;
    }
    let total_row = top + t.severities.len() as RowNum;
    text(ws, total_row, 0, t.wb_all_open, &f.bold)?;
    num(ws, total_row, 1, s.open_exceptions, f)?;
    Ok(total_row)
}

/// Open exceptions per ageing bucket, counted and valued per currency,
/// from `row`; returns the first and last data rows, which the ageing
/// chart draws.
fn ageing_by_bucket(
    ws: &mut Worksheet,
    s: &Summary,
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<(RowNum, RowNum)> {
    let t = s.lang.texts();
    let bucket_cur = currencies(s.buckets.iter().map(|b| &b.1));
    let mut headers = t.wb_ageing_head.to_vec();
    headers.extend(bucket_cur.iter().map(String::as_str));
    let top = block(ws, row, t.wb_ageing_title, &headers, f)?;
    for (k, bucket) in t.buckets.iter().enumerate() {
        let row = top + k as RowNum;
        text(ws, row, 0, bucket, &f.text)?;
        num(ws, row, 1, s.buckets[k].0, f)?;
        for (j, c) in bucket_cur.iter().enumerate() {
            let v = s.buckets[k].1.get(c).copied().unwrap_or(0);
            money(ws, row, 2 + j as ColNum, v, f)?;
        }
    }
    Ok((top, top + BUCKETS.len() as RowNum - 1))
}

/// The maximum penalty (art. 106ni, from 2027) per owner, with what it
/// is: the statutory maximum, which the tax office may lower; returns the
/// row of that note.
fn penalty_by_owner(
    ws: &mut Worksheet,
    s: &Summary,
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<RowNum> {
    let t = s.lang.texts();
    let top = block(ws, row, t.wb_penalty_title, &t.wb_penalty_head, f)?;
    let mut r = top;
    for (owner, (n, cents)) in &s.max_penalty_by_owner {
        let name = if owner.is_empty() {
            t.wb_no_owner
        } else {
            owner
        };
        text(ws, r, 0, name, &f.text)?;
        num(ws, r, 1, *n, f)?;
        ws.write_number_with_format(r, 2, *cents as f64 / 100.0, &f.pln)?;
        r += 1;
    }
    text(ws, r, 0, t.wb_total, &f.bold)?;
    num(ws, r, 1, s.max_penalty.0, f)?;
    ws.write_number_with_format(r, 2, s.max_penalty.1 as f64 / 100.0, &f.pln)?;
    text(ws, r + 1, 0, t.penalty_note, &f.text)?;
    Ok(r + 1)
}

/// The oldest open items; returns the row after them.
fn oldest_items(
    ws: &mut Worksheet,
    s: &Summary,
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<RowNum> {
    let headers = [
        "exception_id",
        "code",
        "severity",
        "invoice_number",
        "decision_id",
        "owner",
        "deadline",
        "age_business_days",
        "gross_amount",
        "currency",
    ];
    let t = s.lang.texts();
    let shown: Vec<&str> = headers.iter().map(|h| t.column(h)).collect();
    let top = block(ws, row, t.wb_oldest_title, &shown, f)?;
    for (r, item) in (top..).zip(&s.oldest) {
        let values = [
            &item.exception_id,
            &item.code,
            &item.severity,
            &item.invoice_number,
            &item.decision_id,
            &item.owner,
            &item.deadline,
        ];
        for (c, v) in values.iter().enumerate() {
            let kind = cells::kind_of(headers[c]);
            cells::cell(ws, r, c as ColNum, kind, Some(v.as_str()), f)?;
        }
        if let Some(age) = item.age_business_days {
            ws.write_number_with_format(r, 7, age as f64, &f.integer)?;
        }
        if let Some(g) = item.gross_amount {
            money(ws, r, 8, g, f)?;
        }
        text(ws, r, 9, &item.currency, &f.text)?;
    }
    Ok(top + s.oldest.len() as RowNum)
}

/// The status and ageing charts to the right of the blocks, each over its
/// block's own rows (first, last).
fn charts(
    ws: &mut Worksheet,
    t: &Texts,
    (status_top, status_end): (RowNum, RowNum),
    (age_top, age_end): (RowNum, RowNum),
) -> anyhow::Result<()> {
    let sheet = t.sheet_dashboard;
    let mut status_chart = bar_chart(
        ChartType::Bar,
        t.wb_status_chart,
        (sheet, status_top, status_end, 2),
    );
    status_chart.set_width(520).set_height(260);
    ws.insert_chart(1, 5, &status_chart)?;
    let mut age_chart = bar_chart(
        ChartType::Column,
        t.wb_ageing_chart,
        (sheet, age_top, age_end, 1),
    );
    age_chart.set_width(520).set_height(260);
    ws.insert_chart(15, 5, &age_chart)?;
    Ok(())
}

/// A one-series chart over rows `first..=last` of the Dashboard: categories
/// in column A, values in `value_col`.
fn bar_chart(
    kind: ChartType,
    title: &str,
    (sheet, first, last, value_col): (&str, RowNum, RowNum, ColNum),
) -> Chart {
    let mut chart = Chart::new(kind);
    chart
        .title()
        .set_name(title)
        .set_font(ChartFont::new().set_size(11));
    if kind == ChartType::Bar {
        // Bars list from the bottom up; reversed, they read in table order.
        chart.y_axis().set_reverse();
    }
    chart
        .add_series()
        .set_categories((sheet, first, 0, last, 0))
        .set_values((sheet, first, value_col, last, value_col));
    chart.legend().set_hidden();
    chart
}

/// The Ageing sheet: open exceptions by owner × bucket and by mode × bucket,
/// one row per key and currency, counts then values.
pub fn ageing(ws: &mut Worksheet, s: &Summary, f: &Formats) -> anyhow::Result<()> {
    let t = s.lang.texts();
    ws.set_name(t.sheet_ageing)?;
    ws.set_column_width(0, 22)?;
    ws.set_freeze_panes(0, 2)?;
    let mut headers: Vec<String> = vec![t.ageing_key.into(), t.ageing_currency.into()];
    headers.extend(t.buckets.iter().map(|b| fill(t.ageing_count, &[b])));
    headers.push(t.ageing_count_total.into());
    headers.extend(t.buckets.iter().map(|b| fill(t.ageing_value, &[b])));
    headers.push(t.ageing_value_total.into());
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut r = 0;
    for (title, key, rows) in [
        (t.ageing_by_owner, t.owner, &s.by_owner),
        (t.ageing_by_mode, t.mode, &s.by_mode),
    ] {
        let mut h = headers.clone();
        h[0] = key;
        r = block(ws, r, title, &h, f)?;
        for row in rows {
            let key = if key == t.mode {
                label(&OFFLINE_MODES, &t.modes, &row.key)
            } else {
                &row.key
            };
            ageing_row(ws, r, key, row, f)?;
            r += 1;
        }
        r += 1;
    }
    for c in 1..headers.len() {
        ws.set_column_width(c as ColNum, 13)?;
    }
    Ok(())
}

/// One key's row of the Ageing sheet, the key as `key` names it.
fn ageing_row(
    ws: &mut Worksheet,
    r: RowNum,
    key: &str,
    row: &AgeingRow,
    f: &Formats,
) -> anyhow::Result<()> {
    text(ws, r, 0, key, &f.text)?;
    text(ws, r, 1, &row.currency, &f.text)?;
    let n = BUCKETS.len() as ColNum;
    for (k, count) in row.counts.iter().enumerate() {
        num(ws, r, 2 + k as ColNum, *count, f)?;
    }
    num(ws, r, 2 + n, row.counts.iter().sum(), f)?;
    for (k, value) in row.values.iter().enumerate() {
        money(ws, r, 3 + n + k as ColNum, *value, f)?;
    }
    money(ws, r, 3 + 2 * n, row.values.iter().sum(), f)?;
    Ok(())
}

/// The trend block from `row`: one row per run date (open exceptions per
/// severity, overdue invoices) and a line chart over those cells beside
/// it; before a second run, a sentence saying there is no trend yet.
fn trend(
    ws: &mut Worksheet,
    s: &Summary,
    points: &[TrendPoint],
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<()> {
    let (t, lang) = (s.lang.texts(), s.lang);
    if points.len() < 2 {
        text(ws, row, 0, t.wb_trend_title, &f.bold)?;
        let sentence = match points.first() {
            Some(p) => fill(t.trend_one, &[&lang.date(&p.as_of)]),
            None => t.trend_none.to_string(),
        };
        return text(ws, row + 1, 0, &sentence, &f.text);
    }
    let top = block(ws, row, t.wb_trend_title, &t.wb_trend_head, f)?;
    for (r, p) in (top..).zip(points) {
        match chrono::NaiveDate::parse_from_str(&p.as_of, "%Y-%m-%d")
            .ok()
            .and_then(cells::date_of)
        {
            Some(d) => ws
                .write_datetime_with_format(r, 0, d, &f.date)
                .map(|_| ())?,
            None => text(ws, r, 0, &p.as_of, &f.text)?,
        }
        for (c, v) in p.open.iter().chain([&p.overdue]).enumerate() {
            num(ws, r, 1 + c as ColNum, *v, f)?;
        }
    }
    let last = top + points.len() as RowNum - 1;
    let mut chart = Chart::new(ChartType::Line);
    chart
        .title()
        .set_name(t.wb_trend_chart)
        .set_font(ChartFont::new().set_size(11));
    for c in 1..=4 {
        chart
            .add_series()
            .set_name((t.sheet_dashboard, top - 1, c))
            .set_categories((t.sheet_dashboard, top, 0, last, 0))
            .set_values((t.sheet_dashboard, top, c, last, c));
    }
    chart.set_width(620).set_height(280);
    ws.insert_chart(row, 6, &chart)?;
    Ok(())
}
