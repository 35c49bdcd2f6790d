//! `dashboard.html`: one self-contained page for management (inline CSS and
//! SVG, no script, nothing fetched from a network, so it opens from a USB
//! stick and prints on one or two A4 pages). It shows the [`Summary`]: how
//! many invoices were issued offline and their value, who owns them, their
//! submission status, and the unresolved exceptions with their ageing, per
//! decision and in total.
//!
//! Every value that came from input is HTML-escaped with [`escape`].

use std::fmt::Write;

use super::summary::{BUCKETS, Money, SEVERITIES, STATUSES, Summary};
use crate::contract::grouped;

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
#decisions{font-size:8.5pt}
#decisions th,#decisions td{padding:2px 3px}
.note{color:#555;font-size:8.5pt;margin:2px 0}
.note.alert{color:#a61b0f}
.kpi.alert{border-color:#c0392b}
.kpi.alert .value{color:#a61b0f}
.kpi small{color:#555}
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
@page{size:A4;margin:10mm}
@media print{body{margin:0;max-width:none;font-size:8.5pt}section{break-inside:avoid}h2{margin-top:10px}.kpi .value{font-size:13pt}}
"#;

/// A horizontal bar chart as inline SVG.
fn bars(title: &str, items: &[(String, u64)], colour: &str) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (130.0, 260.0, 20.0);
    let height = row_h * items.len() as f64 + 4.0;
    let mut svg = format!(
        r#"<figure><svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" role="img" aria-label="{t}"><title>{t}</title>"#,
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

/// One line per currency, escaped.
fn money_lines(value: &Money) -> String {
    if value.is_empty() {
        return "-".into();
    }
    value
        .iter()
        .map(|(c, v)| escape(&format!("{} {c}", grouped(*v))))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn money_cell(value: &Money) -> String {
    format!(r#"<td class="n nw">{}</td>"#, money_lines(value))
}

fn add_money(total: &mut Money, value: &Money) {
    for (c, v) in value {
        *total.entry(c.clone()).or_insert(0) += v;
    }
}

/// Renders the page.
pub fn render(s: &Summary) -> String {
    let mut h = String::with_capacity(32 * 1024);
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>KSeF offline invoices as of {as_of}</title><style>{CSS}</style></head><body>
<header><h1>KSeF offline invoices</h1><p class="meta">As of <strong id="as-of">{as_of}</strong> &middot; input fingerprint <code id="fingerprint">{fp}</code> &middot; ksef-recon {v}</p><p class="extract{extract_alert}" id="ksef-extract">{extract}</p>{scenario}</header>"#,
        scenario = match &s.scenario_line {
            Some(line) => format!(
                r#"<p class="extract alert" id="scenario">{}</p>"#,
                escape(line)
            ),
            None => String::new(),
        },
        extract = escape(&s.extract_line),
        extract_alert = if s.extract_complete { "" } else { " alert" },
        as_of = escape(&s.as_of),
        fp = escape(&s.input_fingerprint),
        v = escape(&s.version),
    );
    kpis(&mut h, s);
    status(&mut h, s);
    decisions(&mut h, s);
    modes(&mut h, s);
    ageing(&mut h, s);
    oldest(&mut h, s);
    h.push_str(r#"<footer>Unresolved means open or reopened in the exception register (resolved, accepted and cleared findings are listed in exceptions.csv with their status). Statuses and deadlines follow the KSeF rules for offline24, unavailability (offline), emergency and total-failure invoices, counted in Polish business days. Details: exceptions.csv, reconciliation.csv, completeness.csv and ageing.xlsx beside this page; run.json lists every input file with its SHA-256.</footer></body></html>"#);
    h.push('\n');
    h
}

fn kpis(h: &mut String, s: &Summary) {
    let sev: Vec<String> = SEVERITIES
        .iter()
        .zip(s.by_severity)
        .map(|(n, c)| format!("{n} {c}"))
        .collect();
    let _ = write!(
        h,
        r#"<section class="kpis">
<div class="kpi"><span class="label">Invoices reconciled</span><span class="value" id="total-invoices">{inv}</span></div>
<div class="kpi"><span class="label">Issued offline</span><span class="value" id="offline-invoices">{off}</span></div>
<div class="kpi"><span class="label">Offline gross value</span><span class="value money" id="offline-value">{val}</span></div>
<div class="kpi{alert}"><span class="label">Unresolved exceptions</span><span class="value" id="open-exceptions">{open}</span><small>{sev}</small></div>
<div class="kpi{alert_over}"><span class="label">Overdue offline invoices</span><span class="value" id="overdue-offline">{over}</span></div>
<div class="kpi"><span class="label">Maximum penalty exposure (art. 106ni, from 2027)*</span><span class="value money" id="max-penalty">PLN {penalty}</span><small>{penalty_n} invoices. *{note}.</small></div>
</section>"#,
        penalty = grouped(s.max_penalty.1),
        penalty_n = s.max_penalty.0,
        note = escape(super::run_json::PENALTY_NOTE),
        inv = s.invoices,
        off = s.offline_total.invoices,
        val = money_lines(&s.offline_total.value),
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
    let items = |counts: &[u64; STATUSES.len()]| -> Vec<(String, u64)> {
        STATUSES
            .iter()
            .zip(counts)
            .map(|(n, c)| (n.replace('_', " "), *c))
            .collect()
    };
    let _ = write!(
        h,
        r#"<section><h2>Submission status</h2><div class="charts">{}{}</div></section>"#,
        bars(
            "Offline invoices by status",
            &items(&s.status_offline),
            "#2e6da4"
        ),
        bars("All invoices by status", &items(&s.status_all), "#7f8c8d"),
    );
}

fn decisions(h: &mut String, s: &Summary) {
    h.push_str(r#"<section><h2>Per decision</h2><table id="decisions"><thead><tr><th>decision</th><th>mode</th><th>period</th><th>owner</th><th>approved by</th><th class="n">invoices</th><th class="n">gross value</th><th class="n">on time</th><th class="n">late</th><th class="n">pending</th><th class="n">unverified</th><th class="n">overdue</th><th class="n">not required</th><th class="n">complete %</th><th class="n">open exc.</th></tr></thead><tbody>"#);
    let mut total_value = Money::new();
    let (mut inv, mut st, mut open) = (0, [0u64; STATUSES.len()], 0);
    for d in &s.decisions {
        let _ = write!(
            h,
            r#"<tr><td class="nw">{}</td><td>{}</td><td class="nw">{}<br>&ndash; {}</td><td>{}</td><td>{}</td><td class="n">{}</td>{}"#,
            escape(&d.decision_id),
            escape(&d.mode),
            escape(&d.started_at),
            escape(if d.ended_at.is_empty() {
                "still on"
            } else {
                &d.ended_at
            }),
            escape(&d.owners.join(", ")),
            escape(if d.approved_by.is_empty() {
                "-"
            } else {
                &d.approved_by
            }),
            d.invoices,
            money_cell(&d.value),
        );
        for c in d.statuses {
            let _ = write!(h, r#"<td class="n">{c}</td>"#);
        }
        let _ = write!(
            h,
            r#"<td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(if d.completeness_pct.is_empty() {
                "-"
            } else {
                &d.completeness_pct
            }),
            d.open_exceptions
        );
        inv += d.invoices;
        open += d.open_exceptions;
        for (t, c) in st.iter_mut().zip(d.statuses) {
            *t += c;
        }
        add_money(&mut total_value, &d.value);
    }
    let _ = write!(
        h,
        r#"</tbody><tfoot><tr><td colspan="5">all decisions</td><td class="n" id="decisions-invoices">{inv}</td>{}"#,
        money_cell(&total_value)
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
            r#"<p class="note alert" id="unverified-note">{unverified} invoice(s) unverified: no KSeF submission found and the KSeF extract cannot prove there is none; complete % counts them as not submitted.</p>"#
        );
    }
    let without = s.offline_total.invoices.saturating_sub(inv);
    if without > 0 {
        let _ = write!(
            h,
            r#"<p class="note">{without} offline invoice(s) cite no decision or one that is not in the decisions file (see MODE_OUTSIDE_DECISION).</p>"#
        );
    }
    h.push_str("</section>");
}

fn modes(h: &mut String, s: &Summary) {
    h.push_str(r#"<section><h2>Offline invoices by mode</h2><table id="modes"><thead><tr><th>mode</th><th class="n">invoices</th><th class="n">gross value</th></tr></thead><tbody>"#);
    for m in &s.offline_by_mode {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td>{}</tr>"#,
            escape(&m.mode),
            m.invoices,
            money_cell(&m.value)
        );
    }
    let _ = write!(
        h,
        r#"</tbody><tfoot><tr><td>all offline</td><td class="n">{}</td>{}</tr></tfoot></table></section>"#,
        s.offline_total.invoices,
        money_cell(&s.offline_total.value)
    );
}

fn ageing(h: &mut String, s: &Summary) {
    let items: Vec<(String, u64)> = BUCKETS
        .iter()
        .zip(&s.buckets)
        .map(|(b, (c, _))| (format!("{b} days"), *c))
        .collect();
    let _ = write!(
        h,
        r#"<section><h2>Unresolved exceptions and their ageing</h2><p>Business days past the deadline (&ldquo;not due&rdquo;: deadline not passed, or no deadline).</p><div class="charts">{}</div><table id="ageing-owner"><thead><tr><th>owner</th><th>currency</th>"#,
        bars("Open exceptions by ageing bucket", &items, "#c0392b")
    );
    for b in BUCKETS {
        let _ = write!(h, r#"<th class="n">{}</th>"#, escape(b));
    }
    h.push_str(r#"<th class="n">total</th><th class="n">gross value</th></tr></thead><tbody>"#);
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
                escape(&grouped(value))
            }
        );
    }
    h.push_str("</tbody></table></section>");
}

fn oldest(h: &mut String, s: &Summary) {
    h.push_str(r#"<section><h2>Oldest open items</h2><table id="oldest"><thead><tr><th>code</th><th>severity</th><th>invoice</th><th>decision</th><th>owner</th><th>deadline</th><th class="n">business days overdue</th><th class="n">gross</th></tr></thead><tbody>"#);
    for i in &s.oldest {
        let gross = match i.gross_amount {
            Some(g) => format!("{} {}", grouped(g), i.currency),
            None => "-".into(),
        };
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="sev-{sev}">{sev}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            escape(&i.code),
            escape(&i.invoice_number),
            escape(&i.decision_id),
            escape(&i.owner),
            escape(&i.deadline),
            i.age_business_days.map_or("-".into(), |a| a.to_string()),
            escape(&gross),
            sev = escape(&i.severity),
        );
    }
    h.push_str("</tbody></table></section>");
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
}
