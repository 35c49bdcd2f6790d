//! `dashboard.html`: one self-contained page for management (inline CSS and
//! SVG, no script, nothing fetched from a network, so it opens from a USB
//! stick and prints on one A4 page). It shows the [`Summary`]: how
//! many invoices were issued offline and their value, who owns them, their
//! submission status, and the unresolved exceptions with their ageing, per
//! decision and in total, and the register's trend over its runs. Every
//! word comes from the summary's language table (`crate::lang`), so the
//! English and the Polish page differ only in words, dates and amounts.
//!
//! Every value that came from input is HTML-escaped with [`escape`].

use std::fmt::Write;

use super::summary::{
    DecisionRow, InPln, Money, OFFLINE_MODES, SEVERITIES, STATUSES, Summary, TrendPoint,
};
use crate::lang::{Lang, fill, label};

/// Where `overdue` sits in the status counts.
const OVERDUE: usize = crate::contract::Status::Overdue as usize;
/// Where `unverified` sits in the status counts.
const UNVERIFIED: usize = crate::contract::Status::Unverified as usize;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{font:10pt/1.35 "Segoe UI",Arial,Helvetica,sans-serif;color:#1b1b1b;margin:16px auto;max-width:1100px;padding:0 12px}
h1{font-size:18pt;margin:0 0 2px}
h2{font-size:12pt;margin:16px 0 6px;border-bottom:1px solid #bbb;padding-bottom:2px}
.meta{color:#555;margin:0 0 4px}
.extract{margin:0 0 10px}
.extract.alert{color:#a61b0f;font-weight:bold}
code{font-size:8.5pt}
.kpis{display:flex;flex-wrap:wrap;gap:8px}
.kpi{border:1px solid #ccc;border-radius:4px;padding:6px 10px;min-width:150px;flex:1}
.kpi .label{display:block;color:#555;font-size:8.5pt}
.kpi .value{display:block;font-size:16pt;font-weight:600}
.kpi .value.money{font-size:12pt}
.nw{white-space:nowrap}
#jpk-returns td:nth-child(3){overflow-wrap:anywhere}
#decisions{font-size:8.5pt}
#decisions th,#decisions td{padding:2px 3px}
.note{color:#555;font-size:8.5pt;margin:2px 0}
.note.alert{color:#a61b0f}
.kpi.alert{border-color:#c0392b}
.kpi.alert .value{color:#a61b0f}
.kpi small{color:#555;display:block}
small.pln{color:#555}
table{border-collapse:collapse;width:100%;margin:4px 0}
th,td{border-bottom:1px solid #ddd;padding:2px 5px;text-align:left;vertical-align:top}
th{background:#eef1f6;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:600;border-top:2px solid #888}
.sev-high{color:#a61b0f;font-weight:600}
.sev-medium{color:#8a5300}
.sev-low{color:#5f5f00}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.charts figure{margin:0}
figcaption{font-size:8.5pt;color:#555}
footer{margin-top:14px;color:#555;font-size:8.5pt}
.print-only{display:none}
@page{size:A4;margin:6mm 7mm}
@media print{
body{margin:0;max-width:none;padding:0;font:7pt/1.2 "Segoe UI",Arial,Helvetica,sans-serif;display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);grid-auto-flow:row dense;column-gap:10px;align-items:start}
header,.kpis,.wide,footer{grid-column:1/-1}
section{break-inside:avoid;min-width:0}
h1{font-size:12pt}
h2{font-size:8.5pt;margin:3px 0 1px;padding-bottom:1px}
p{margin:1px 0}
.extract{margin:0 0 3px}
code,.note,figcaption,.kpi .label,#decisions,#ageing-owner,footer{font-size:6.5pt}
.kpis{flex-wrap:nowrap;gap:4px}
.kpi{min-width:0;padding:2px 5px}
.kpi:last-child{flex:2.2}
.kpi .value{font-size:10pt}
.kpi .value.money{font-size:8pt}
.kpi small{font-size:6.5pt;display:block;line-height:1.15}
table{margin:1px 0}
th,td,#decisions th,#decisions td{padding:0 2px}
#decisions th.n{overflow-wrap:anywhere}
.charts{gap:6px;flex-wrap:nowrap}
.charts figure{flex:1;min-width:0}
.charts svg{width:auto;max-width:100%;height:90px;display:block}
.charts svg text{font-size:11.5px}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.3fr);gap:10px;align-items:start}
#trend svg{width:auto;height:84px;display:block}
#trend svg text{font-size:13px}
.print-more,tbody .pln{display:none}
.print-only{display:block}
footer{margin-top:4px}
}
"#;

/// A horizontal bar chart as inline SVG.
fn bars(title: &str, items: &[(String, u64)], colour: &str) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (130.0, 260.0, 20.0);
    let height = row_h * items.len() as f64 + 4.0;
    let mut svg = format!(
        r#"<figure><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" viewBox="0 0 {w} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        w = label_w + bar_w + 60.0,
        t = escape(title),
    );
    for (k, (label, value)) in items.iter().enumerate() {
        let y = k as f64 * row_h + 2.0;
        let w = (*value as f64 / max as f64 * bar_w).max(if *value > 0 { 1.0 } else { 0.0 });
        let _ = write!(
            svg,
            r#"<text x="0" y="{ty}" font-size="11">{l}</text><rect x="{label_w}" y="{y}" width="{w:.1}" height="{bh}" fill="{colour}"/><text x="{tx:.1}" y="{ty}" font-size="11">{value}</text>"#,
            ty = y + 13.0,
            l = escape(label),
            bh = row_h - 6.0,
            tx = label_w + w + 4.0,
        );
    }
    let _ = write!(
        svg,
        "</svg><figcaption>{}</figcaption></figure>",
        escape(title)
    );
    svg
}

/// One line per currency, escaped, the amount written as `lang` writes it.
fn money_lines(value: &Money, lang: Lang) -> String {
    if value.is_empty() {
        return "-".into();
    }
    value
        .iter()
        .map(|(c, v)| escape(&format!("{} {c}", lang.amount(*v))))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A total's PLN line, escaped: the sum when every amount in another
/// currency had a rate, else how many had none; nothing when the total is
/// all in PLN already.
fn pln_line(pln: &InPln, lang: Lang) -> Option<String> {
    let t = lang.texts();
    match (pln.foreign, pln.unconverted) {
        (0, _) => None,
        (_, 0) => Some(escape(&fill(t.pln_approx, &[&lang.pln(pln.grosze)]))),
        (_, n) => Some(escape(&fill(t.pln_unconverted, &[&n.to_string()]))),
    }
}

/// [`money_cell`] with the value's PLN line below, `id` on it if given.
fn money_pln_cell(value: &Money, pln: &InPln, lang: Lang, id: &str) -> String {
    let Some(line) = pln_line(pln, lang) else {
        return money_cell(value, lang);
    };
    let id = if id.is_empty() {
        String::new()
    } else {
        format!(r#" id="{id}""#)
    };
    format!(
        r#"<td class="n nw">{}<br><small class="pln"{id}>{line}</small></td>"#,
        money_lines(value, lang)
    )
}

fn money_cell(value: &Money, lang: Lang) -> String {
    format!(r#"<td class="n nw">{}</td>"#, money_lines(value, lang))
}

/// Table headers, each escaped, right-aligned (`class="n"`) when `numeric`.
fn headers(h: &mut String, names: &[&str], numeric: bool) {
    for name in names {
        let class = if numeric { r#" class="n""# } else { "" };
        let _ = write!(h, "<th{class}>{}</th>", escape(name));
    }
}

fn add_money(total: &mut Money, value: &Money) {
    for (c, v) in value {
        *total.entry(c.clone()).or_insert(0) += v;
    }
}

/// Renders the page in the summary's language.
pub fn render(s: &Summary) -> String {
    let t = s.lang.texts();
    let mut h = String::with_capacity(32 * 1024);
    let as_of = escape(&s.lang.date(&s.as_of));
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title><style>{CSS}</style></head><body>
<header><h1>{heading}</h1><p class="meta">{as_of_label} <strong id="as-of">{as_of}</strong> &middot; {fp_label} <code id="fingerprint">{fp}</code> &middot; ksef-recon {v}</p><p class="extract{extract_alert}" id="ksef-extract">{extract}</p>{scenario}</header>"#,
        html_lang = t.html_lang,
        title = escape(&fill(t.page_title, &[&s.lang.date(&s.as_of)])),
        heading = escape(t.heading),
        as_of_label = escape(t.as_of),
        fp_label = escape(t.fingerprint),
        scenario = match &s.scenario_line {
            Some(line) => format!(
                r#"<p class="extract alert" id="scenario">{}</p>"#,
                escape(line)
            ),
            None => String::new(),
        },
        extract = escape(&s.extract_line),
        extract_alert = if s.extract_complete { "" } else { " alert" },
        fp = escape(&s.input_fingerprint),
        v = escape(&s.version),
    );
    kpis(&mut h, s);
    status(&mut h, s);
    decisions(&mut h, s);
    modes(&mut h, s);
    jpk(&mut h, s);
    ageing(&mut h, s);
    oldest(&mut h, s);
    if let Some(points) = &s.trend {
        trend(&mut h, points, s.lang);
    }
    let _ = write!(h, "<footer>{}</footer></body></html>", escape(t.footer));
    h.push('\n');
    h
}

fn kpis(h: &mut String, s: &Summary) {
    let (t, lang) = (s.lang.texts(), s.lang);
    let sev: Vec<String> = t
        .severities
        .iter()
        .zip(s.by_severity)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    let _ = write!(
        h,
        r#"<section class="kpis">
<div class="kpi"><span class="label">{l_inv}</span><span class="value" id="total-invoices">{inv}</span></div>
<div class="kpi"><span class="label">{l_off}</span><span class="value" id="offline-invoices">{off}</span></div>
<div class="kpi"><span class="label">{l_val}</span><span class="value money" id="offline-value">{val}</span>{val_pln}</div>
<div class="kpi{alert}"><span class="label">{l_open}</span><span class="value" id="open-exceptions">{open}</span><small>{sev}</small></div>
<div class="kpi{alert_over}"><span class="label">{l_over}</span><span class="value" id="overdue-offline">{over}</span></div>
<div class="kpi"><span class="label">{l_pen}</span><span class="value money" id="max-penalty">{penalty}</span><small>{note}</small></div>
</section>"#,
        l_inv = escape(t.kpi_invoices),
        l_off = escape(t.kpi_offline),
        l_val = escape(t.kpi_offline_value),
        l_open = escape(t.kpi_open),
        l_over = escape(t.kpi_overdue),
        l_pen = escape(t.kpi_penalty),
        penalty = escape(&lang.pln(s.max_penalty.1)),
        note = escape(&fill(
            t.kpi_penalty_note,
            &[&s.max_penalty.0.to_string(), t.penalty_note]
        )),
        inv = s.invoices,
        off = s.offline_total.invoices,
        val = money_lines(&s.offline_total.value, lang),
        val_pln = pln_line(&s.offline_total.pln, lang)
            .map(|l| format!(r#"<small id="offline-value-pln">{l}</small>"#))
            .unwrap_or_default(),
        open = s.open_exceptions,
        alert = if s.open_exceptions > 0 { " alert" } else { "" },
        sev = escape(&sev.join(" · ")),
        over = s.status_offline[OVERDUE],
        alert_over = if s.status_offline[OVERDUE] > 0 {
            " alert"
        } else {
            ""
        },
    );
}

fn status(h: &mut String, s: &Summary) {
    let t = s.lang.texts();
    let items = |counts: &[u64; STATUSES.len()]| -> Vec<(String, u64)> {
        t.statuses
            .iter()
            .zip(counts)
            .map(|(n, c)| (n.to_string(), *c))
            .collect()
    };
    let _ = write!(
        h,
        r#"<section class="wide"><h2>{}</h2><div class="charts">{}{}</div></section>"#,
        escape(t.status_heading),
        bars(t.status_offline_chart, &items(&s.status_offline), "#2e6da4"),
        bars(t.status_all_chart, &items(&s.status_all), "#7f8c8d"),
    );
}

fn decisions(h: &mut String, s: &Summary) {
    let (t, lang) = (s.lang.texts(), s.lang);
    let _ = write!(
        h,
        r#"<section class="wide"><h2>{}</h2><table id="decisions"><thead><tr>"#,
        escape(t.decisions_heading)
    );
    headers(h, &t.decisions_head[..5], false);
    headers(h, &t.decisions_head[5..], true);
    headers(h, &t.decisions_statuses, true);
    headers(h, &t.decisions_tail, true);
    h.push_str("</tr></thead><tbody>");
    let mut total_value = Money::new();
    let (mut inv, mut st, mut open) = (0, [0u64; STATUSES.len()], 0);
    for d in &s.decisions {
        decision_row(h, d, s.lang);
        inv += d.invoices;
        open += d.open_exceptions;
        for (t, c) in st.iter_mut().zip(d.statuses) {
            *t += c;
        }
        add_money(&mut total_value, &d.value);
    }
    let _ = write!(
        h,
        r#"</tbody><tfoot><tr><td colspan="5">{}</td><td class="n" id="decisions-invoices">{inv}</td>{}"#,
        escape(t.all_decisions),
        money_cell(&total_value, lang)
    );
    for c in st {
        let _ = write!(h, r#"<td class="n">{c}</td>"#);
    }
    let _ = write!(
        h,
        r#"<td></td><td class="n">{open}</td></tr></tfoot></table>"#
    );
    let unverified = st[UNVERIFIED];
    if unverified > 0 {
        let _ = write!(
            h,
            r#"<p class="note alert" id="unverified-note">{}</p>"#,
            escape(&fill(t.unverified_note, &[&unverified.to_string()]))
        );
    }
    let without = s.offline_total.invoices.saturating_sub(inv);
    if without > 0 {
        let _ = write!(
            h,
            r#"<p class="note">{}</p>"#,
            escape(&fill(t.without_decision_note, &[&without.to_string()]))
        );
    }
    h.push_str("</section>");
}

/// One decision's row of the per-decision table.
fn decision_row(h: &mut String, d: &DecisionRow, lang: Lang) {
    let t = lang.texts();
    let _ = write!(
        h,
        r#"<tr><td class="nw">{}</td><td>{}</td><td class="nw">{}<br>&ndash; {}</td><td>{}</td><td>{}</td><td class="n">{}</td>{}"#,
        escape(&d.decision_id),
        escape(label(&OFFLINE_MODES, &t.modes, &d.mode)),
        escape(&lang.date(&d.started_at)),
        escape(&if d.ended_at.is_empty() {
            t.still_on.to_string()
        } else {
            lang.date(&d.ended_at)
        }),
        escape(&d.owners.join(", ")),
        escape(if d.approved_by.is_empty() {
            "-"
        } else {
            &d.approved_by
        }),
        d.invoices,
        money_cell(&d.value, lang),
    );
    for c in d.statuses {
        let _ = write!(h, r#"<td class="n">{c}</td>"#);
    }
    let pct = match (lang, d.completeness_pct.as_str()) {
        (_, "") => "-".to_string(),
        (Lang::Pl, pct) => pct.replace('.', ","),
        (Lang::En, pct) => pct.to_string(),
    };
    let _ = write!(
        h,
        r#"<td class="n">{}</td><td class="n">{}</td></tr>"#,
        escape(&pct),
        d.open_exceptions
    );
}

fn modes(h: &mut String, s: &Summary) {
    let (t, lang) = (s.lang.texts(), s.lang);
    let _ = write!(
        h,
        r#"<section><h2>{}</h2><table id="modes"><thead><tr>"#,
        escape(t.modes_heading)
    );
    headers(h, &t.modes_head[..1], false);
    headers(h, &t.modes_head[1..], true);
    h.push_str("</tr></thead><tbody>");
    for m in &s.offline_by_mode {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td>{}</tr>"#,
            escape(label(&OFFLINE_MODES, &t.modes, &m.mode)),
            m.invoices,
            money_pln_cell(&m.value, &m.pln, lang, "")
        );
    }
    let _ = write!(
        h,
        r#"</tbody><tfoot><tr><td>{}</td><td class="n">{}</td>{}</tr></tfoot></table></section>"#,
        escape(t.all_offline),
        s.offline_total.invoices,
        money_pln_cell(
            &s.offline_total.value,
            &s.offline_total.pln,
            lang,
            "modes-total-pln"
        )
    );
}

/// The VAT returns to correct, one row per return (the worklist's
/// `period` entries), or one sentence when there are none.
fn jpk(h: &mut String, s: &Summary) {
    let (t, lang) = (s.lang.texts(), s.lang);
    let _ = write!(h, r#"<section id="jpk"><h2>{}</h2>"#, escape(t.jpk_heading));
    if s.jpk.is_empty() {
        let _ = write!(
            h,
            r#"<p class="note" id="jpk-none">{}</p></section>"#,
            escape(t.jpk_none)
        );
        return;
    }
    h.push_str(r#"<table id="jpk-returns"><thead><tr>"#);
    headers(h, &t.jpk_head[..4], false);
    headers(h, &t.jpk_head[4..], true);
    h.push_str("</tr></thead><tbody>");
    for r in &s.jpk {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="nw">{}</td><td>{}</td><td class="nw">{}</td><td class="n">{}</td></tr>"#,
            escape(&r.seller_nip),
            escape(&r.period),
            escape(&r.jpk_file),
            escape(&lang.date(&r.jpk_made_at)),
            r.rows_to_change
        );
    }
    let _ = write!(
        h,
        r#"</tbody></table><p class="note">{}</p></section>"#,
        escape(t.jpk_rows_note)
    );
}

fn ageing(h: &mut String, s: &Summary) {
    let (t, lang) = (s.lang.texts(), s.lang);
    let items: Vec<(String, u64)> = t
        .bucket_bars
        .iter()
        .zip(&s.buckets)
        .map(|(b, (c, _))| (b.to_string(), *c))
        .collect();
    let _ = write!(
        h,
        r#"<section class="wide"><h2>{}</h2><p>{}</p><div class="side"><div class="charts">{}</div><table id="ageing-owner"><thead><tr>"#,
        escape(t.ageing_heading),
        t.ageing_intro,
        bars(t.ageing_chart, &items, "#c0392b")
    );
    headers(h, &t.ageing_head, false);
    headers(h, &t.buckets, true);
    headers(h, &t.ageing_tail, true);
    h.push_str("</tr></thead><tbody>");
    for row in &s.by_owner {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            escape(&row.key),
            escape(&row.currency)
        );
        for c in row.counts {
            let _ = write!(h, r#"<td class="n">{c}</td>"#);
        }
        let value: i64 = row.values.iter().sum();
        let _ = write!(
            h,
            r#"<td class="n">{}</td><td class="n">{}</td></tr>"#,
            row.counts.iter().sum::<u64>(),
            if row.currency.is_empty() {
                "-".into()
            } else {
                escape(&lang.amount(value))
            }
        );
    }
    h.push_str("</tbody></table></div></section>");
}

/// How many of the oldest open items a printed page lists: the page must
/// fit one A4 sheet, and the rest are a file away (the note says where).
const PRINT_OLDEST: usize = 5;

fn oldest(h: &mut String, s: &Summary) {
    let (t, lang) = (s.lang.texts(), s.lang);
    let _ = write!(
        h,
        r#"<section class="wide"><h2>{}</h2><table id="oldest"><thead><tr>"#,
        escape(t.oldest_heading)
    );
    headers(h, &t.oldest_head[..6], false);
    headers(h, &t.oldest_head[6..], true);
    h.push_str("</tr></thead><tbody>");
    for (k, i) in s.oldest.iter().enumerate() {
        let gross = match i.gross_amount {
            Some(g) => format!("{} {}", lang.amount(g), i.currency),
            None => "-".into(),
        };
        let _ = write!(
            h,
            r#"<tr{more}><td>{}</td><td class="sev-{sev}">{sev_label}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&i.code),
            escape(&i.invoice_number),
            escape(&i.decision_id),
            escape(&i.owner),
            escape(&lang.date(&i.deadline)),
            i.age_business_days.map_or("-".into(), |a| a.to_string()),
            escape(&gross),
            sev = escape(&i.severity),
            sev_label = escape(label(&SEVERITIES, &t.severities, &i.severity)),
            more = if k < PRINT_OLDEST {
                ""
            } else {
                r#" class="print-more""#
            },
        );
    }
    h.push_str("</tbody></table>");
    let printed = s.oldest.len().min(PRINT_OLDEST);
    if (printed as u64) < s.open_exceptions {
        let _ = write!(
            h,
            r#"<p class="note print-only" id="oldest-print-note">{}</p>"#,
            escape(&fill(
                t.oldest_print_note,
                &[&printed.to_string(), &s.open_exceptions.to_string()]
            ))
        );
    }
    h.push_str("</section>");
}

/// The trend section: a line per severity and one for overdue invoices
/// over the register's run dates, or, before a second run, a sentence
/// saying there is no trend yet (never an empty chart).
fn trend(h: &mut String, points: &[TrendPoint], lang: Lang) {
    let t = lang.texts();
    let _ = write!(
        h,
        r#"<section class="wide" id="trend"><h2>{}</h2>"#,
        escape(t.trend_heading)
    );
    match points {
        [] | [_] => {
            let text = match points.first() {
                Some(p) => fill(t.trend_one, &[&lang.date(&p.as_of)]),
                None => t.trend_none.to_string(),
            };
            let _ = write!(
                h,
                r#"<p class="note" id="trend-none">{}</p>"#,
                escape(&text)
            );
        }
        _ => h.push_str(&trend_chart(points, lang)),
    }
    h.push_str("</section>");
}

/// The colours of the trend's lines: the severities' (as in the tables),
/// then overdue invoices.
const TREND_COLOURS: [&str; 4] = ["#a61b0f", "#d68910", "#9a9a00", "#2e6da4"];

/// The trend's lines as inline SVG: the run dates along x (first and last
/// labelled), counts up y from 0, a legend on the right.
fn trend_chart(points: &[TrendPoint], lang: Lang) -> String {
    let t = lang.texts();
    let (left, top, plot_w, plot_h) = (34.0, 8.0, 520.0, 110.0);
    let series: Vec<Vec<u64>> = (0..4)
        .map(|k| {
            points
                .iter()
                .map(|p| if k < 3 { p.open[k] } else { p.overdue })
                .collect()
        })
        .collect();
    let max = series.iter().flatten().copied().max().unwrap_or(0).max(1);
    let step = plot_w / (points.len() - 1) as f64;
    let x = |i: usize| left + i as f64 * step;
    let y = |v: u64| top + plot_h - v as f64 / max as f64 * plot_h;
    let caption = fill(
        t.trend_caption,
        &[&crate::register::trend::TREND_RUNS.to_string()],
    );
    let mut svg = format!(
        r##"<figure><svg xmlns="http://www.w3.org/2000/svg" width="700" height="{h}" viewBox="0 0 700 {h}" role="img" aria-label="{c}" id="trend-chart"><title>{c}</title><line x1="{left}" y1="{base}" x2="{right}" y2="{base}" stroke="#888"/><line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#888"/><text x="{lx}" y="{ty}" font-size="10" text-anchor="end">{max}</text><text x="{lx}" y="{base}" font-size="10" text-anchor="end">0</text>"##,
        h = top + plot_h + 24.0,
        c = escape(&caption),
        base = top + plot_h,
        right = left + plot_w,
        lx = left - 4.0,
        ty = top + 8.0,
    );
    for (k, values) in series.iter().enumerate() {
        let line: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect();
        let dash = if k == 3 {
            r#" stroke-dasharray="5,3""#
        } else {
            ""
        };
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="2"{dash} points="{}"/>"#,
            TREND_COLOURS[k],
            line.join(" ")
        );
    }
    let names = [
        t.severities[0],
        t.severities[1],
        t.severities[2],
        t.trend_overdue,
    ];
    for (k, name) in names.iter().enumerate() {
        let ly = top + 10.0 + k as f64 * 18.0;
        let _ = write!(
            svg,
            r#"<rect x="570" y="{}" width="12" height="4" fill="{}"/><text x="588" y="{ly}" font-size="11">{}</text>"#,
            ly - 5.0,
            TREND_COLOURS[k],
            escape(name)
        );
    }
    let last = points.len() - 1;
    let _ = write!(
        svg,
        r#"<text x="{left}" y="{dy}" font-size="10">{}</text><text x="{}" y="{dy}" font-size="10" text-anchor="end">{}</text></svg><figcaption>{}</figcaption></figure>"#,
        escape(&lang.date(&points[0].as_of)),
        x(last),
        escape(&lang.date(&points[last].as_of)),
        escape(&caption),
        dy = top + plot_h + 16.0,
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_cannot_become_markup() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        let s = Summary {
            as_of: "2026-04-10".into(),
            input_fingerprint: "<b>".into(),
            ..Summary::default()
        };
        let page = render(&s);
        assert!(!page.contains("<b>"));
        assert!(!page.contains("<script"));
        // Nothing is loaded from anywhere: no links, sources, imports or urls.
        for fetch in ["src=", "href=", "<link", "@import", "url(", "<script"] {
            assert!(!page.contains(fetch), "{fetch}");
        }
    }

    #[test]
    fn a_trend_needs_two_runs_and_never_draws_an_empty_chart() {
        let point = |as_of: &str, overdue| TrendPoint {
            as_of: as_of.into(),
            open: [3, 1, 0],
            overdue,
        };
        let page = |trend: Option<Vec<TrendPoint>>, lang| {
            render(&Summary {
                as_of: "2026-04-10".into(),
                trend,
                lang,
                ..Summary::default()
            })
        };
        assert!(!page(None, Lang::En).contains("<h2>Trend</h2>"));
        let none = page(Some(vec![]), Lang::En);
        assert!(none.contains(r#"id="trend-none""#) && !none.contains("<polyline"));
        let one = page(Some(vec![point("2026-04-10", 2)]), Lang::Pl);
        assert!(one.contains("jednego uruchomienia (10.04.2026)") && !one.contains("<polyline"));
        let two = page(
            Some(vec![point("2026-04-09", 2), point("2026-04-10", 0)]),
            Lang::En,
        );
        assert_eq!(two.matches("<polyline").count(), 4);
        assert!(two.contains(">2026-04-09</text>") && !two.contains("trend-none"));
    }
}
