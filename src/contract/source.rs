//! The bundle's input sources (contract section 2): their names in
//! `run.json`, `rejected.csv` and `recon.toml`, where each lives in the
//! bundle, and the columns each one has (`columns.rs`).

use super::columns::{
    ACTIVITY, ANNOUNCEMENT_JSON_NAMES, ANNOUNCEMENTS, ARCHIVE, DECISIONS, Field, GRANTS,
    KSEF_JSON_NAMES, KSEF_METADATA, LEDGER, OFFLINE_LOG, RATE_JSON_NAMES, RATES, RESOLUTIONS, UPO,
};

/// One input source of the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Ledger,
    OfflineLog,
    Decisions,
    Announcements,
    KsefMetadata,
    Activity,
    Grants,
    Archive,
    Upo,
    Resolutions,
    Rates,
}

impl Source {
    pub const ALL: [Source; 11] = [
        Source::Ledger,
        Source::OfflineLog,
        Source::Decisions,
        Source::Announcements,
        Source::KsefMetadata,
        Source::Activity,
        Source::Grants,
        Source::Archive,
        Source::Upo,
        Source::Resolutions,
        Source::Rates,
    ];

    /// The source's name in `run.json`, `rejected.csv` and `recon.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Ledger => "ledger",
            Source::OfflineLog => "offline_log",
            Source::Decisions => "decisions",
            Source::Announcements => "announcements",
            Source::KsefMetadata => "ksef_metadata",
            Source::Activity => "activity",
            Source::Grants => "grants",
            Source::Archive => "archive",
            Source::Upo => "upo",
            Source::Resolutions => "resolutions",
            Source::Rates => "rates",
        }
    }

    /// Where the source lives in the bundle, for `not_provided`.
    pub fn location(self) -> &'static str {
        match self {
            Source::Ledger => "ledger/",
            Source::OfflineLog => "offline/log.*",
            Source::Decisions => "offline/decisions.*",
            Source::Announcements => "announcements/",
            Source::KsefMetadata => "ksef/metadata/",
            Source::Activity => "access/activity.*",
            Source::Grants => "access/grants.*",
            Source::Archive => "archive/",
            Source::Upo => "ksef/upo/",
            Source::Resolutions => "resolutions/",
            Source::Rates => "rates/",
        }
    }

    /// The source's columns, in the order its readers hand cells over.
    pub const fn fields(self) -> &'static [Field] {
        match self {
            Source::Ledger => LEDGER,
            Source::OfflineLog => OFFLINE_LOG,
            Source::Decisions => DECISIONS,
            Source::Announcements => ANNOUNCEMENTS,
            Source::KsefMetadata => KSEF_METADATA,
            Source::Activity => ACTIVITY,
            Source::Grants => GRANTS,
            Source::Archive => ARCHIVE,
            Source::Upo => UPO,
            Source::Resolutions => RESOLUTIONS,
            Source::Rates => RATES,
        }
    }

    /// The names a source that comes as JSON gives its fields, in the
    /// order of [`Source::fields`]: the KSeF API's for KSeF metadata, the
    /// status service's for announcements, the NBP web API's for rates;
    /// `None` for the others.
    pub fn json_names(self) -> Option<&'static [&'static str]> {
        match self {
            Source::KsefMetadata => Some(KSEF_JSON_NAMES),
            Source::Announcements => Some(ANNOUNCEMENT_JSON_NAMES),
            Source::Rates => Some(RATE_JSON_NAMES),
            _ => None,
        }
    }
}
