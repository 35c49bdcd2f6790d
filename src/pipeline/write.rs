//! Stage 5: the outputs into the staging folder that then replaces `--out`.

use anyhow::{Context, Result};

use super::assemble::Outputs;
use crate::lang::Lang;
use crate::progress::Step;
use crate::register;
use crate::report::atomic::Staging;
use crate::report::parquet_out::{self, Formats};
use crate::report::summary::{Summary, TrendPoint};
use crate::report::{self, csv_out, html, xlsx};

/// What the views (the workbook and the dashboard) show beyond the
/// outputs: the register's trend and the language people read them in.
#[derive(Debug, Clone, Default)]
pub struct Views {
    /// `None` shows no trend section (no register).
    pub trend: Option<Vec<TrendPoint>>,
    pub lang: Lang,
}

/// Writes every output of a run into `staging`: the tabular files and the
/// views side by side, then `run.json`.
pub fn write(
    staging: &Staging,
    outputs: &mut Outputs,
    formats: Formats,
    reconciliation_sheet: bool,
    views: &Views,
) -> Result<()> {
    parquet_out::list_outputs(&mut outputs.run.outputs, &outputs.frames, formats);
    let outputs = &*outputs;
    // The tabular files (formatted in parallel pieces) and the workbook
    // (written by one thread) go to the staging folder side by side.
    let (tables, views) = rayon::join(
        || write_tables(staging, outputs, formats),
        || write_views(staging, outputs, reconciliation_sheet, views),
    );
    tables?;
    views?;
    let mut json = serde_json::to_vec_pretty(&outputs.run)?;
    json.push(b'\n');
    staging.write("run.json", &json)?;
    Ok(())
}

/// The CSV and Parquet outputs (a run in parts' reconciliation is moved in
/// from where it was written).
fn write_tables(staging: &Staging, outputs: &Outputs, formats: Formats) -> Result<()> {
    let _step = Step::start("CSV and Parquet files");
    let frames = &outputs.frames;
    let written = |name: &str| outputs.written.is_some() && name.starts_with("reconciliation.");
    if formats.csv {
        for (name, df) in frames.csv_files() {
            if !written(name) {
                staging.write_with(name, |out| csv_out::write(df, &report::NUMERIC, out))?;
            }
        }
    }
    if formats.parquet {
        parquet_out::write_all(frames, staging, &written)?;
    }
    if let Some(written) = &outputs.written {
        written.file.move_into(staging)?;
    }
    Ok(())
}

/// `ageing.xlsx` and `dashboard.html`; both count open and reopened
/// exceptions only.
fn write_views(
    staging: &Staging,
    outputs: &Outputs,
    reconciliation_sheet: bool,
    views: &Views,
) -> Result<()> {
    let _step = Step::start("summary, workbook and dashboard");
    let step = Step::start("summary");
    let open = report::Frames {
        exceptions: register::open_only(&outputs.frames.exceptions)?,
        ..outputs.frames.clone()
    };
    let mut view = match &outputs.written {
        Some(written) => Summary::build_from(&open, &outputs.run, &written.digest, views.lang)?,
        None => Summary::build(&open, &outputs.run, views.lang)?,
    };
    view.trend = views.trend.clone();
    drop(step);
    let _workbook = Step::start("workbook");
    xlsx::write_file(
        &outputs.frames,
        &view,
        &staging.path("ageing.xlsx"),
        &xlsx::Options {
            reconciliation_max_rows: reconciliation_sheet
                .then_some(xlsx::RECONCILIATION_SHEET_MAX_ROWS),
            reconciliation_rows: outputs.written.as_ref().map(|w| w.file.rows as usize),
            needing_action_rows: (outputs.written.as_ref())
                .map(|w| w.file.needing_action_rows as usize),
            ..Default::default()
        },
    )
    .context("cannot write ageing.xlsx")?;
    staging.write("dashboard.html", html::render(&view).as_bytes())?;
    Ok(())
}
