//! The columns of the contract's input sources (contract section 2), as
//! data: one table per source saying each column's name, kind and whether it
//! is required (`Source::fields` picks a source's). Readers and the row
//! builder work from these tables, so a column is declared once and named
//! the same everywhere downstream.

/// How a cell is parsed and which polars type its column gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Trimmed text; empty is null.
    Text,
    /// A calendar date (`Date`).
    Date,
    /// A Warsaw local timestamp (`Datetime(ms)`).
    Timestamp,
    /// Grosze (`Int64`).
    Amount,
    /// An upper-case three-letter code.
    Currency,
    /// One of the four offline modes.
    Mode,
    /// MAINTENANCE, FAILURE or TOTAL_FAILURE.
    Category,
    /// OFF, BFK, DI or empty.
    Marker,
    /// A SHA-256 in any of its spellings, kept as standard padded Base64.
    Hash,
    /// A whole number of at most 18 digits, kept as its digits (a status
    /// message's `version`).
    Integer,
    /// A KSeF number, its 36-character spelling read as the 35-character
    /// one; checked later (INVALID_KSEF_NUMBER), never rejected here.
    KsefNumber,
    /// One of the access log's actions.
    Action,
    /// An exchange rate with at most four decimals (an NBP mid rate), kept
    /// as the digits of its ten-thousandths (`4.2693` is `42693`).
    Rate,
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// Whether the loaded table keeps the column. A field no rule or
    /// report reads is still parsed, so a bad value rejects its row as the
    /// contract says, but its cells are not stored: at 10M rows each such
    /// column would hold 160 MB of text views or 80 MB of numbers through
    /// matching and the rules for nothing.
    pub kept: bool,
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
        kept: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        kept: true,
    }
}

/// An optional field that is checked but not kept (see [`Field::kept`]).
const fn checked(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
        kept: false,
    }
}

use Kind::*;

pub const LEDGER: &[Field] = &[
    req("invoice_number", Text),
    req("issue_date", Date),
    req("seller_nip", Text),
    req("gross_amount", Amount),
    req("currency", Currency),
    opt("net_amount", Amount),
    opt("vat_amount", Amount),
    checked("buyer_id", Text),
    opt("ksef_number", KsefNumber),
    opt("ksef_marker", Marker),
    checked("invoice_type", Text),
    checked("source_id", Text),
    // JPK `TypDokumentu`: RO and WEW are documents other than invoices,
    // which never require KSeF; FP (an invoice for a receipt) is an invoice.
    opt("document_type", Text),
];

pub const OFFLINE_LOG: &[Field] = &[
    req("invoice_number", Text),
    req("seller_nip", Text),
    req("issue_date", Date),
    req("issued_at", Timestamp),
    req("mode", Mode),
    req("issued_by", Text),
    opt("decision_id", Text),
    opt("owner", Text),
    opt("invoice_hash", Hash),
    opt("gross_amount", Amount),
    opt("currency", Currency),
];

pub const DECISIONS: &[Field] = &[
    req("decision_id", Text),
    req("mode", Mode),
    req("started_at", Timestamp),
    opt("ended_at", Timestamp),
    opt("announcement_id", Text),
    opt("reason", Text),
    req("declared_by", Text),
    opt("approved_by", Text),
    opt("approved_at", Timestamp),
    opt("closed_by", Text),
    opt("closed_at", Timestamp),
];

/// Announcements: CSV rows are events of their own; status-service messages
/// carry the `event_id` that groups them into one event.
pub const ANNOUNCEMENTS: &[Field] = &[
    req("announcement_id", Text),
    req("category", Category),
    req("start", Timestamp),
    opt("end", Timestamp),
    opt("event_id", Text),
    opt("type", Text),
    opt("version", Integer),
];

pub const KSEF_METADATA: &[Field] = &[
    req("ksef_number", KsefNumber),
    req("invoice_number", Text),
    req("seller_nip", Text),
    req("issue_date", Date),
    req("invoicing_date", Timestamp),
    // When KSeF numbered the invoice (contract section 5): the JPK and
    // correction rules compare it.
    opt("acquisition_date", Timestamp),
    opt("gross_amount", Amount),
    opt("net_amount", Amount),
    opt("vat_amount", Amount),
    opt("currency", Currency),
    opt("invoicing_mode", Text),
    checked("invoice_type", Text),
    opt("invoice_hash", Hash),
    opt("hash_of_corrected_invoice", Hash),
    // When KSeF stored the record for good: how a truncated extract is
    // known to be continued by another file (see `extract`).
    opt("permanent_storage_date", Timestamp),
];

/// The access log: who did what, when (contract section 2, `access/`).
pub const ACTIVITY: &[Field] = &[
    req("at", Timestamp),
    req("user", Text),
    req("action", Action),
    opt("object", Text),
    opt("decision_id", Text),
];

/// The actions an access log row may record.
pub const ACTIONS: &[&str] = &[
    "issue_offline_invoice",
    "change_master_data",
    "approve_exception",
    "approve_decision",
    "close_decision",
];

/// Time-limited emergency access grants.
pub const GRANTS: &[Field] = &[
    req("user", Text),
    req("granted_by", Text),
    req("valid_from", Timestamp),
    req("valid_to", Timestamp),
    opt("reviewed_by", Text),
    opt("reviewed_at", Timestamp),
];

/// One row per archived FA(3) file (`archive/`, any depth): what the file
/// says, and its SHA-256 over the exact bytes, as KSeF computes it.
pub const ARCHIVE: &[Field] = &[
    req("archive_file", Text),
    req("archive_hash", Text),
    req("kod1_url", Text),
    req("invoice_number", Text),
    req("issue_date", Date),
    req("seller_nip", Text),
    opt("buyer_id", Text),
    req("currency", Currency),
    req("gross_amount", Amount),
    req("net_amount", Amount),
    req("vat_amount", Amount),
    req("invoice_type", Text),
    opt("corrected_ksef_numbers", Text),
    // One item per `DaneFaKorygowanej` with a `NrFaKorygowanej`, in file
    // order, the three lists of one file of the same length, items
    // separated by [`LIST_SEPARATOR`]: the corrected invoice's number, the
    // KSeF number it cites (`-` for none) and `1` where it says `NrKSeFN`
    // (`0` otherwise). `matching` splits them into one row per reference.
    opt("corrected_numbers", Text),
    opt("corrected_cited_ksef", Text),
    opt("corrected_outside_ksef", Text),
];

/// Separates the items of the archive's `corrected_*` lists: a control
/// character that no XML 1.0 text may hold (a decoded `&#31;` is replaced
/// before the lists are joined).
pub const LIST_SEPARATOR: char = '\u{1f}';

/// One row per `Dokument` of a UPO v4-3 receipt (`ksef/upo/`).
pub const UPO: &[Field] = &[
    req("ksef_number", KsefNumber),
    req("invoice_number", Text),
    req("seller_nip", Text),
    req("issue_date", Date),
    req("submitted_at", Timestamp),
    opt("ksef_number_assigned_at", Timestamp),
    req("invoice_hash", Hash),
    opt("sending_mode", Text),
    req("upo_file", Text),
    // `NazwaPodmiotuPrzyjmujacego`: exactly `Ministerstwo Finansów` in
    // production; a test or demo environment names itself there.
    opt("receiver", Text),
];

/// How controllers close findings (`resolutions/*.csv`, `*.xlsx`): checked
/// against the run's exceptions and the approval rule in `crate::register`.
pub const RESOLUTIONS: &[Field] = &[
    req("exception_id", Text),
    req("status", Text),
    req("by", Text),
    req("at", Timestamp),
    opt("comment", Text),
    opt("approved_by", Text),
];

/// NBP table A mid rates (`rates/`): the day the table was published,
/// the currency, its mid rate in PLN and the table's number.
pub const RATES: &[Field] = &[
    req("date", Date),
    req("currency", Currency),
    req("rate", Rate),
    opt("table", Text),
];

/// The NBP web API's names for [`RATES`], as its tables are flattened: a
/// table's `effectiveDate` and `no` beside each of its rates.
pub const RATE_JSON_NAMES: &[&str] = &["effectiveDate", "code", "mid", "no"];

/// The KSeF API's JSON names for [`KSEF_METADATA`], in the same order.
pub const KSEF_JSON_NAMES: &[&str] = &[
    "ksefNumber",
    "invoiceNumber",
    "seller.nip",
    "issueDate",
    "invoicingDate",
    "acquisitionDate",
    "grossAmount",
    "netAmount",
    "vatAmount",
    "currency",
    "invoicingMode",
    "invoiceType",
    "invoiceHash",
    "hashOfCorrectedInvoice",
    "permanentStorageDate",
];

/// The status service's JSON names for [`ANNOUNCEMENTS`], in the same order.
pub const ANNOUNCEMENT_JSON_NAMES: &[&str] = &[
    "id", "category", "start", "end", "eventId", "type", "version",
];
