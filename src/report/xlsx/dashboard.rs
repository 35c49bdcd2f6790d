//! The Dashboard and Ageing sheets: the [`Summary`] laid out as small
//! labelled blocks a controller can print, with two charts drawn from the
//! blocks' own cells (so the chart and the numbers beside it agree).

use std::collections::BTreeSet;

use rust_xlsxwriter::{Chart, ChartFont, ChartType, ColNum, RowNum, Worksheet};

use super::cells::{self, Formats, text};
use crate::report::summary::{AgeingRow, BUCKETS, Money, SEVERITIES, STATUSES, Summary};

pub const DASHBOARD: &str = "Dashboard";

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
    page_setup(ws)?;
    run_facts(ws, s, f)?;
    let r = offline_by_mode(ws, s, f)?;
    let status_rows = submission_status(ws, s, r + 1, f)?;
    let total_row = open_by_severity(ws, s, status_rows.1 + 2, f)?;
    let age_rows = ageing_by_bucket(ws, s, total_row + 2, f)?;
    let end = oldest_items(ws, s, age_rows.1 + 2, f)?;
    penalty_by_owner(ws, s, end + 1, f)?;
    charts(ws, status_rows, age_rows)
}

/// Sheet name, column widths, and a landscape A4 print one page wide, so
/// that a controller can print the blocks as they are laid out.
fn page_setup(ws: &mut Worksheet) -> anyhow::Result<()> {
    ws.set_name(DASHBOARD)?;
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
    text(ws, 0, 0, "KSeF offline invoices: dashboard", &f.title)?;
    text(ws, 1, 0, "As of", &f.bold)?;
    match chrono::NaiveDate::parse_from_str(&s.as_of, "%Y-%m-%d")
        .ok()
        .and_then(cells::date_of)
    {
        Some(d) => ws
            .write_datetime_with_format(1, 1, d, &f.date)
            .map(|_| ())?,
        None => text(ws, 1, 1, &s.as_of, &f.text)?,
    }
    text(ws, 2, 0, "Input fingerprint", &f.bold)?;
    text(ws, 2, 1, &s.input_fingerprint, &f.text)?;
    text(ws, 3, 0, "ksef-recon version", &f.bold)?;
    text(ws, 3, 1, &s.version, &f.text)?;
    text(ws, 4, 0, "Invoices reconciled", &f.bold)?;
    num(ws, 4, 1, s.invoices, f)?;
    text(ws, 5, 0, "KSeF extract", &f.bold)?;
    text(ws, 5, 1, &s.extract_line, &f.text)?;
    // To the right of the facts, where nothing else is.
    text(
        ws,
        1,
        3,
        "Maximum penalty exposure (art. 106ni, from 2027), PLN",
        &f.bold,
    )?;
    money(ws, 2, 3, s.max_penalty.1, f)?;
    text(
        ws,
        3,
        3,
        &format!(
            "{} invoices; {}",
            s.max_penalty.0,
            crate::report::run_json::PENALTY_NOTE
        ),
        &f.text,
    )?;
    if let Some(line) = &s.scenario_line {
        // Beside the title, where nothing else is, so a run on the records
        // as they are keeps its layout.
        text(ws, 0, 2, line, &f.bold)?;
    }
    Ok(())
}

/// Offline invoices by mode and in total, one value column per currency
/// (amounts in different currencies are never added); returns the row
/// after the block.
fn offline_by_mode(ws: &mut Worksheet, s: &Summary, f: &Formats) -> anyhow::Result<RowNum> {
    let cur = currencies(s.offline_by_mode.iter().map(|m| &m.value));
    let mut headers = vec!["mode", "invoices"];
    headers.extend(cur.iter().map(String::as_str));
    let mut r = block(
        ws,
        6,
        "Offline invoices by mode (gross value per currency)",
        &headers,
        f,
    )?;
    for m in s.offline_by_mode.iter().chain([&s.offline_total]) {
        let fmt = if m.mode == "all offline" {
            &f.bold
        } else {
            &f.text
        };
        text(ws, r, 0, &m.mode, fmt)?;
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
    let top = block(
        ws,
        row,
        "Submission status",
        &["status", "all invoices", "offline invoices"],
        f,
    )?;
    for (k, status) in STATUSES.iter().enumerate() {
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
    let top = block(
        ws,
        row,
        "Open exceptions by severity",
        &["severity", "open"],
        f,
    )?;
    for (k, sev) in SEVERITIES.iter().enumerate() {
        text(ws, top + k as RowNum, 0, sev, &f.text)?;
        num(ws, top + k as RowNum, 1, s.by_severity[k], f)?;
    }
    let total_row = top + SEVERITIES.len() as RowNum;
    text(ws, total_row, 0, "all open", &f.bold)?;
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
    let bucket_cur = currencies(s.buckets.iter().map(|b| &b.1));
    let mut headers = vec!["business days overdue", "open"];
    headers.extend(bucket_cur.iter().map(String::as_str));
    let top = block(ws, row, "Ageing of open exceptions", &headers, f)?;
    for (k, bucket) in BUCKETS.iter().enumerate() {
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

/// The oldest open items, one per row from `row`: what to chase first.
/// The maximum penalty (art. 106ni, from 2027) per owner, with what it
/// is: the statutory maximum, which the tax office may lower.
fn penalty_by_owner(
    ws: &mut Worksheet,
    s: &Summary,
    row: RowNum,
    f: &Formats,
) -> anyhow::Result<()> {
    let headers = ["owner", "invoices", "max_penalty_pln"];
    let title = "Maximum penalty exposure (art. 106ni, from 2027) by owner, PLN";
    let top = block(ws, row, title, &headers, f)?;
    let mut r = top;
    for (owner, (n, cents)) in &s.max_penalty_by_owner {
        let name = if owner.is_empty() {
            "(no owner)"
        } else {
            owner
        };
        text(ws, r, 0, name, &f.text)?;
        num(ws, r, 1, *n, f)?;
        money(ws, r, 2, *cents, f)?;
        r += 1;
    }
    text(ws, r, 0, "total", &f.bold)?;
    num(ws, r, 1, s.max_penalty.0, f)?;
    money(ws, r, 2, s.max_penalty.1, f)?;
    text(ws, r + 1, 0, crate::report::run_json::PENALTY_NOTE, &f.text)?;
    Ok(())
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
    let top = block(ws, row, "Oldest open items", &headers, f)?;
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
    (status_top, status_end): (RowNum, RowNum),
    (age_top, age_end): (RowNum, RowNum),
) -> anyhow::Result<()> {
    let mut status_chart = bar_chart(
        ChartType::Bar,
        "Offline invoices by submission status",
        (status_top, status_end, 2),
    );
    status_chart.set_width(520).set_height(260);
    ws.insert_chart(1, 5, &status_chart)?;
    let mut age_chart = bar_chart(
        ChartType::Column,
        "Open exceptions by business days overdue",
        (age_top, age_end, 1),
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
    (first, last, value_col): (RowNum, RowNum, ColNum),
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
        .set_categories((DASHBOARD, first, 0, last, 0))
        .set_values((DASHBOARD, first, value_col, last, value_col));
    chart.legend().set_hidden();
    chart
}

/// The Ageing sheet: open exceptions by owner × bucket and by mode × bucket,
/// one row per key and currency, counts then values.
pub fn ageing(ws: &mut Worksheet, s: &Summary, f: &Formats) -> anyhow::Result<()> {
    ws.set_name("Ageing")?;
    ws.set_column_width(0, 22)?;
    ws.set_freeze_panes(0, 2)?;
    let mut headers: Vec<String> = vec!["key".into(), "currency".into()];
    headers.extend(BUCKETS.iter().map(|b| format!("count {b}")));
    headers.push("count total".into());
    headers.extend(BUCKETS.iter().map(|b| format!("value {b}")));
    headers.push("value total".into());
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut r = 0;
    for (title, rows) in [
        ("Open exceptions by owner", &s.by_owner),
        ("Open exceptions by mode", &s.by_mode),
    ] {
        let mut h = headers.clone();
        h[0] = if title.ends_with("owner") {
            "owner"
        } else {
            "mode"
        };
        r = block(ws, r, title, &h, f)?;
        for row in rows {
            ageing_row(ws, r, row, f)?;
            r += 1;
        }
        r += 1;
    }
    for c in 1..headers.len() {
        ws.set_column_width(c as ColNum, 13)?;
    }
    Ok(())
}

fn ageing_row(ws: &mut Worksheet, r: RowNum, row: &AgeingRow, f: &Formats) -> anyhow::Result<()> {
    text(ws, r, 0, &row.key, &f.text)?;
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
