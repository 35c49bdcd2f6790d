//! The pack's `README.txt`: what the pack holds, what each file proves and
//! how an auditor verifies it, with the scope, as-of date, tool version and
//! input fingerprint filled in.

use super::options::EvidenceOptions;
use super::scope::Scope;
use crate::report::run_json::RunJson;

/// The README of a pack built for `options` from `run`.
pub fn readme(options: &EvidenceOptions, run: &RunJson) -> String {
    let scope = match &options.scope {
        Scope::Decision(id) => format!("decision {id}: the invoices issued under it"),
        Scope::Month(m) => format!(
            "month {m}: offline invoices and online invoices sent after their issue date, issued in {m}"
        ),
    };
    format!(
        "KSeF evidence pack
==================

Scope:   {scope}
As of:   {as_of} (KSeF submissions after this date are not counted)
Tool:    ksef-recon {version}
Inputs:  fingerprint {fp} (SHA-256 over every input file's hash and path)

What each file proves
---------------------
decisions.csv       who declared, approved and closed each offline period in
                    scope, and the MF announcement (event, category, start,
                    end) it links; period_end sets the invoices' deadlines.
reconciliation.csv  every invoice in scope: where it was found (ledger,
                    offline log, KSeF), its KSeF number, submission date,
                    legal deadline, how that deadline was reached
                    (deadline_basis) and status.
exceptions.csv      every finding on those invoices and decisions, with its
                    severity, owner and business days overdue.
completeness.csv    counts by status and value per currency for the scope,
                    and its completeness percentage.
responsibility.csv  per decision: who declared, approved and closed it, who
                    issued its invoices, approved exceptions or changed
                    master data, the access grants used, and a verdict.
ageing.xlsx         the same, as a workbook (Dashboard, Exceptions, Ageing,
                    Completeness, Decisions, Reconciliation sheets).
input/              the raw input files that prove the scope, byte for byte
                    as found in the bundle: offline/decisions.*, every
                    announcements/ file, and for each invoice in scope its
                    archived FA(3) file (archive/, matched on seller NIP and
                    P_2; its SHA-256 is reconciliation.csv's archive_hash and
                    KSeF's invoiceHash) and the UPO receipt (ksef/upo/) in
                    which KSeF confirmed it.
input/rows/         the scope's rows of every ledger, offline-log, KSeF
                    metadata, activity and grants file, each tagged with
                    its file (_file) and line (_line): CSV records and JSON
                    objects byte for byte, JPK rows as written, workbooks
                    and Parquet as a CSV under their own column names.
manifest.json       the SHA-256 and size of every file above, the tool
                    version, the as-of date, the scope, and every input
                    file's SHA-256 as recorded by the run (input_files).

How to verify
-------------
1. ksef-recon verify-pack PACK.zip
   recomputes every SHA-256 in manifest.json; it names each altered, missing
   or extra file and exits 1, or prints \"ok: N files verified\".
   Without the tool: sha256sum each file and compare with manifest.json.
2. For each file under input/ but input/rows/, its SHA-256 must also equal
   the input_files entry of the same path: the pack holds the very bytes the
   run read. For a row under input/rows/, the file it names has its SHA-256
   in input_files; its line _line is the row.
3. Re-running `ksef-recon evidence` with the same bundle, scope and --as-of
   gives a byte-identical zip.

Text cells starting with =, +, -, @, tab or CR are prefixed with ' so that
no spreadsheet runs them.
",
        as_of = run.as_of,
        version = run.version,
        fp = run.input_fingerprint,
    )
}
