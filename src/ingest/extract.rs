//! How complete the KSeF metadata extract is (what proves that KSeF does
//! NOT have an invoice). KSeF's query API pages say whether more pages
//! follow (`hasMore`), whether the query hit its 10,000-record cap
//! (`isTruncated`) and up to when its data are final
//! (`permanentStorageHwmDate`); an export's status response says the same
//! of its package. This module reads those flags per file and, with each
//! file's first and last record, decides whether the extract is complete
//! and which dates it covers.
//!
//! It decides nothing about invoices: the matching uses [`Extract::covers`]
//! to tell `unverified` from `pending`/`overdue`. It has no polars in it
//! (the records' span is read from the KSeF table by `ingest`), so the
//! fuzz harness mounts it with the readers.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::documents::upo::parse_timestamp;

/// What a KSeF metadata file is, by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
pub enum FileKind {
    /// A `QueryInvoicesMetadataResponse` page (it has `hasMore`).
    ApiPage,
    /// An export's `_metadata.json`, or any JSON of records without flags.
    Records,
    /// An `InvoiceExportStatusResponse` (its `package` object): no records,
    /// only the flags of the export beside it.
    ExportStatus,
    /// CSV or Parquet: no flags, complete as far as it goes.
    Table,
}

/// One file of the extract: its flags and the span of its records.
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct ExtractFile {
    /// Path inside the bundle, as `run.json` names it.
    pub path: String,
    pub kind: FileKind,
    pub has_more: Option<bool>,
    pub is_truncated: bool,
    /// `permanentStorageHwmDate`, Warsaw local time.
    pub hwm: Option<NaiveDateTime>,
    /// Earliest and latest record, by `permanentStorageDate`, else
    /// `invoicingDate` (Warsaw local time): how a truncated file is known
    /// to be continued by another.
    pub first_record: Option<NaiveDateTime>,
    pub last_record: Option<NaiveDateTime>,
    /// Earliest and latest `invoicingDate` of its records.
    pub first_invoicing: Option<NaiveDateTime>,
    pub last_invoicing: Option<NaiveDateTime>,
}

#[derive(Deserialize)]
struct Flags {
    #[serde(rename = "hasMore")]
    has_more: Option<bool>,
    #[serde(rename = "isTruncated")]
    is_truncated: Option<bool>,
    #[serde(rename = "permanentStorageHwmDate")]
    hwm: Option<String>,
    package: Option<PackageFlags>,
    invoices: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct PackageFlags {
    #[serde(rename = "isTruncated")]
    is_truncated: Option<bool>,
    #[serde(rename = "permanentStorageHwmDate")]
    hwm: Option<String>,
}

/// Whether a JSON text is an export's status response (it has a `package`
/// object and no records): such a file holds flags, not rows.
pub fn is_export_status(text: &str) -> bool {
    matches!(
        serde_json::from_str::<Flags>(text),
        Ok(Flags {
            package: Some(_),
            invoices: None,
            ..
        })
    )
}

/// The flags of one KSeF metadata file (records are added later by
/// `ingest::extract_spans`). A file that is not a JSON object has none.
pub fn file_flags(path: &str, bytes: &[u8]) -> ExtractFile {
    let mut file = ExtractFile {
        path: path.to_string(),
        kind: FileKind::Table,
        has_more: None,
        is_truncated: false,
        hwm: None,
        first_record: None,
        last_record: None,
        first_invoicing: None,
        last_invoicing: None,
    };
    if !path.to_ascii_lowercase().ends_with(".json") {
        return file;
    }
    file.kind = FileKind::Records;
    let Ok(flags) = serde_json::from_slice::<Flags>(bytes) else {
        return file;
    };
    let when = |t: Option<String>| t.and_then(|t| parse_timestamp(&t).ok());
    match flags.package {
        Some(package) if flags.invoices.is_none() => {
            file.kind = FileKind::ExportStatus;
            file.is_truncated = package.is_truncated.unwrap_or(false);
            file.hwm = when(package.hwm);
        }
        _ => {
            if flags.has_more.is_some() {
                file.kind = FileKind::ApiPage;
            }
            file.has_more = flags.has_more;
            file.is_truncated = flags.is_truncated.unwrap_or(false);
            file.hwm = when(flags.hwm);
        }
    }
    file
}

/// Widens a file's record span by one group of its records (see
/// `ingest::extract_spans`, which reads them from the KSeF table).
pub fn widen(
    file: &mut ExtractFile,
    first_record: Option<NaiveDateTime>,
    last_record: Option<NaiveDateTime>,
    first_invoicing: Option<NaiveDateTime>,
    last_invoicing: Option<NaiveDateTime>,
) {
    file.first_record = min_of(file.first_record, first_record);
    file.last_record = max_of(file.last_record, last_record);
    file.first_invoicing = min_of(file.first_invoicing, first_invoicing);
    file.last_invoicing = max_of(file.last_invoicing, last_invoicing);
}

fn min_of(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_of(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A reason the extract does not prove absence, and the file it is about
/// (none for the extract as a whole): each is one KSEF_EXTRACT_INCOMPLETE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub file: Option<String>,
    pub detail: String,
}

/// The extract as a whole: whether it is complete and which Warsaw dates
/// it covers.
#[derive(Debug, Clone, Default)]
pub struct Extract {
    /// Whether KSeF metadata was given and usable.
    pub given: bool,
    pub files: Vec<String>,
    pub earliest_invoicing: Option<NaiveDate>,
    pub latest_invoicing: Option<NaiveDate>,
    pub latest_hwm: Option<NaiveDateTime>,
    pub through: Option<NaiveDateTime>,
    /// Why it is incomplete; empty when complete.
    pub gaps: Vec<Gap>,
    /// First and last date it covers, when complete and covering any.
    pub span: Option<(NaiveDate, NaiveDate)>,
}

impl Extract {
    /// Judges the extract from its files; `through` is the configured
    /// `ksef_extract_through`.
    pub fn judge(given: bool, files: &[ExtractFile], through: Option<NaiveDateTime>) -> Extract {
        let mut extract = Extract {
            given,
            through,
            files: files.iter().map(|f| f.path.clone()).collect(),
            ..Extract::default()
        };
        if !given {
            return extract;
        }
        let dates = |f: fn(&ExtractFile) -> Option<NaiveDateTime>| files.iter().filter_map(f);
        extract.earliest_invoicing = dates(|f| f.first_invoicing).min().map(|t| t.date());
        extract.latest_invoicing = dates(|f| f.last_invoicing).max().map(|t| t.date());
        extract.latest_hwm = dates(|f| f.hwm).max();
        extract.gaps = gaps(files);
        if extract.gaps.is_empty() {
            extract.span = extract.covered();
        }
        extract
    }

    pub fn complete(&self) -> bool {
        self.given && self.gaps.is_empty()
    }

    /// The dates a complete extract covers: its records' invoicing dates,
    /// the end raised to the HWM and `ksef_extract_through`; an extract
    /// without records covers everything up to `through` (without it,
    /// nothing).
    fn covered(&self) -> Option<(NaiveDate, NaiveDate)> {
        let end = [
            self.latest_invoicing,
            self.latest_hwm.map(|t| t.date()),
            self.through.map(|t| t.date()),
        ]
        .into_iter()
        .flatten()
        .max()?;
        let start = self.earliest_invoicing.unwrap_or(NaiveDate::MIN);
        Some((start, end))
    }

    /// Whether the extract proves absence for an invoice with this P_1 and
    /// deadline: complete, and its span holds both.
    pub fn covers(&self, issue_date: NaiveDate, deadline: NaiveDate) -> bool {
        self.span
            .is_some_and(|(start, end)| start <= issue_date && deadline <= end)
    }

    /// One sentence for the dashboard.
    pub fn headline(&self) -> String {
        match (&self.span, self.gaps.first()) {
            (_, _) if !self.given => {
                "No KSeF metadata extract given: the absence of submissions is not proven".into()
            }
            (Some((_, end)), None) => format!("KSeF extract complete through {end}"),
            (None, None) => {
                "KSeF extract holds no records and no ksef_extract_through: the absence of submissions is not proven".into()
            }
            (_, Some(gap)) => format!(
                "KSeF extract incomplete, the absence of submissions is not proven: {}",
                gap.detail
            ),
        }
    }
}

/// Why the files do not make a complete extract: truncated files not
/// continued by another, and API pages of which none is the last.
fn gaps(files: &[ExtractFile]) -> Vec<Gap> {
    let mut out = Vec::new();
    for truncated in files.iter().filter(|f| f.is_truncated) {
        // An export's status speaks for the records beside it.
        let records: Vec<&ExtractFile> = match truncated.kind {
            FileKind::ExportStatus => {
                let dir = parent(&truncated.path);
                files
                    .iter()
                    .filter(|f| f.kind != FileKind::ExportStatus && parent(&f.path) == dir)
                    .collect()
            }
            _ => vec![truncated],
        };
        let last = records.iter().filter_map(|f| f.last_record).max();
        let healed = last.is_some_and(|last| {
            files.iter().any(|other| {
                !records.iter().any(|r| r.path == other.path)
                    && other.first_record.is_some_and(|first| first <= last)
                    && other.last_record.is_some_and(|end| end > last)
            })
        });
        if !healed {
            let through = last.map_or("its first record".to_string(), |t| {
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            });
            out.push(Gap {
                file: Some(truncated.path.clone()),
                detail: format!(
                    "{} says it is truncated (isTruncated) and no other file of the extract continues it after {through}",
                    truncated.path
                ),
            });
        }
    }
    let pages: Vec<&ExtractFile> = files
        .iter()
        .filter(|f| f.kind == FileKind::ApiPage)
        .collect();
    if !pages.is_empty() && !pages.iter().any(|p| p.has_more == Some(false)) {
        out.push(Gap {
            file: None,
            detail: format!(
                "every one of the {} API pages says more follow (hasMore): the last page is missing",
                pages.len()
            ),
        });
    }
    out
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<NaiveDateTime> {
        parse_timestamp(text).ok()
    }

    fn page(path: &str, more: bool, truncated: bool, first: &str, last: &str) -> ExtractFile {
        let mut file = file_flags(
            path,
            format!(r#"{{"hasMore": {more}, "isTruncated": {truncated}, "invoices": []}}"#)
                .as_bytes(),
        );
        file.first_record = at(first);
        file.last_record = at(last);
        file.first_invoicing = at(first);
        file.last_invoicing = at(last);
        file
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn flags_are_read_by_the_file_shape() {
        let p = file_flags(
            "ksef/metadata/p.json",
            br#"{"hasMore": false, "isTruncated": true, "permanentStorageHwmDate": "2026-04-10T06:00:00Z", "invoices": []}"#,
        );
        assert_eq!(p.kind, FileKind::ApiPage);
        assert_eq!(p.has_more, Some(false));
        assert!(p.is_truncated);
        assert_eq!(p.hwm, at("2026-04-10T08:00:00"));
        let status = file_flags(
            "ksef/metadata/x/status.json",
            br#"{"status": {"code": 200}, "package": {"invoiceCount": 3, "size": 1, "parts": [], "isTruncated": true}}"#,
        );
        assert_eq!(status.kind, FileKind::ExportStatus);
        assert!(status.is_truncated);
        assert!(is_export_status(
            r#"{"status": {"code": 200}, "package": {"isTruncated": false}}"#
        ));
        assert!(!is_export_status(r#"{"invoices": []}"#));
        let export = file_flags("ksef/metadata/x/_metadata.json", br#"{"invoices": []}"#);
        assert_eq!(export.kind, FileKind::Records);
        assert_eq!(file_flags("a.csv", b"x").kind, FileKind::Table);
    }

    #[test]
    fn the_last_page_makes_api_pages_complete() {
        let one = page(
            "1.json",
            true,
            false,
            "2026-03-01T10:00:00",
            "2026-03-10T10:00:00",
        );
        let two = page(
            "2.json",
            false,
            false,
            "2026-03-10T11:00:00",
            "2026-03-31T10:00:00",
        );
        let whole = Extract::judge(true, &[one.clone(), two], None);
        assert!(whole.complete());
        assert_eq!(whole.span, Some((day("2026-03-01"), day("2026-03-31"))));
        let cut = Extract::judge(true, &[one], None);
        assert!(!cut.complete());
        assert_eq!(cut.gaps.len(), 1);
        assert_eq!(cut.gaps[0].file, None);
        assert!(!cut.covers(day("2026-03-02"), day("2026-03-03")));
    }

    #[test]
    fn a_truncated_page_is_healed_only_by_a_file_that_overlaps_its_end() {
        let cut = page(
            "1.json",
            false,
            true,
            "2026-03-01T10:00:00",
            "2026-03-10T10:00:00",
        );
        let continues = page(
            "2.json",
            false,
            false,
            "2026-03-10T10:00:00",
            "2026-03-20T10:00:00",
        );
        let after_gap = page(
            "3.json",
            false,
            false,
            "2026-03-10T10:00:01",
            "2026-03-20T10:00:00",
        );
        assert!(Extract::judge(true, &[cut.clone(), continues], None).complete());
        let left = Extract::judge(true, &[cut, after_gap], None);
        assert_eq!(left.gaps.len(), 1);
        assert_eq!(left.gaps[0].file.as_deref(), Some("1.json"));
    }

    #[test]
    fn an_export_status_speaks_for_the_records_beside_it() {
        let status = file_flags(
            "ksef/metadata/e/status.json",
            br#"{"package": {"isTruncated": true}}"#,
        );
        let mut records = file_flags("ksef/metadata/e/_metadata.json", br#"{"invoices": []}"#);
        records.first_record = at("2026-03-01T00:00:00");
        records.last_record = at("2026-03-15T00:00:00");
        let extract = Extract::judge(true, &[status.clone(), records.clone()], None);
        assert_eq!(
            extract.gaps[0].file.as_deref(),
            Some("ksef/metadata/e/status.json")
        );
        let mut next = file_flags("ksef/metadata/f/_metadata.json", br#"{"invoices": []}"#);
        next.first_record = at("2026-03-14T00:00:00");
        next.last_record = at("2026-03-31T00:00:00");
        assert!(Extract::judge(true, &[status, records, next], None).complete());
    }

    #[test]
    fn coverage_holds_p1_and_deadline_and_is_raised_by_hwm_and_through() {
        let mut one = page(
            "1.json",
            false,
            false,
            "2026-03-02T10:00:00",
            "2026-03-20T10:00:00",
        );
        let plain = Extract::judge(true, &[one.clone()], None);
        assert!(plain.covers(day("2026-03-02"), day("2026-03-20")));
        assert!(
            !plain.covers(day("2026-03-01"), day("2026-03-03")),
            "P_1 before"
        );
        assert!(
            !plain.covers(day("2026-03-19"), day("2026-03-23")),
            "deadline after"
        );
        one.hwm = at("2026-03-25T00:00:00");
        assert!(
            Extract::judge(true, &[one.clone()], None).covers(day("2026-03-19"), day("2026-03-23"))
        );
        let through = at("2026-04-10T06:00:00");
        assert!(Extract::judge(true, &[one], through).covers(day("2026-03-30"), day("2026-04-10")));
        let empty = file_flags("ksef/metadata/k.csv", b"");
        assert!(
            !Extract::judge(true, std::slice::from_ref(&empty), None)
                .covers(day("2026-03-02"), day("2026-03-03"))
        );
        assert!(
            Extract::judge(true, &[empty], through).covers(day("2020-01-02"), day("2026-04-10"))
        );
        assert!(!Extract::judge(false, &[], through).covers(day("2026-03-02"), day("2026-03-03")));
    }
}
