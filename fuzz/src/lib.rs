//! Harness for the fuzz targets: the engine's polars-free parsing modules,
//! mounted from `../src` by path so that the fuzzers exercise exactly the
//! code `ksef-recon run` uses, and the invariants every reader must keep.
//!
//! Why by path and not as a dependency: the engine crate pulls in polars,
//! which cargo-fuzz would rebuild with coverage instrumentation (about a
//! quarter of an hour here). The readers are kept polars-free for this
//! (`src/ingest/table.rs` vs `to_polars.rs`); see `docs/fuzzing.md`.

#[path = "../../src/calendar.rs"]
pub mod calendar;
#[path = "../../src/config.rs"]
pub mod config;
#[path = "../../src/contract/mod.rs"]
pub mod contract;
#[path = "../../src/deadline.rs"]
pub mod deadline;
#[path = "../../src/documents/mod.rs"]
pub mod documents;
#[path = "../../src/lang/mod.rs"]
pub mod lang;

pub mod ingest;

use config::SourceConfig;
use contract::Source;
use ingest::read;
use ingest::reader::FileOutcome;
use ingest::table::TableBuilder;
use ingest::{Rejection, SourceInput};

/// What one file gave: its outcome, accepted rows and rejections.
pub struct Read {
    pub outcome: FileOutcome,
    pub builder: TableBuilder,
    pub rejected: Vec<Rejection>,
}

/// Reads one file as `source` the way `ingest::load` does, then checks the
/// contract's accounting (rows read = used + rejected, every rejection
/// recorded, nothing used from a file that failed as a whole).
pub fn read_checked(source: Source, file: &str, bytes: &[u8], config: &SourceConfig) -> Read {
    let input = SourceInput {
        source,
        file,
        bytes,
        config,
    };
    let mut builder = TableBuilder::new(source.fields());
    let mut rejected = Vec::new();
    let outcome = read::read_file(&input, &mut builder, &mut rejected);
    let c = outcome.counts;
    assert_eq!(c.read, c.used + c.rejected, "rows read = used + rejected");
    if outcome.error.is_none() {
        assert_eq!(builder.len() as u64, c.used, "used rows are in the table");
        assert_eq!(rejected.len() as u64, c.rejected, "one rejection per row");
    } else {
        assert_eq!(c.used, 0, "a failed file contributes no rows");
        let n = rejected.len() as u64;
        assert!(n >= 1 && n <= c.read + 1, "a failed file is named once");
    }
    for r in &rejected {
        assert!(!r.reason.is_empty(), "every rejection says why");
        assert_eq!(r.file, file);
    }
    Read {
        outcome,
        builder,
        rejected,
    }
}

/// Splits a tabular target's input into a source, a `recon.toml` text and
/// the file bytes: `[selector] toml \0\0 file`. Without the separator the
/// whole rest is the file and the configuration is the default. A TOML text
/// the engine refuses falls back to the default too (exit 2 in a real run).
pub fn split_tabular(data: &[u8]) -> Option<(Source, SourceConfig, &[u8])> {
    const TABULAR: [Source; 7] = [
        Source::Ledger,
        Source::OfflineLog,
        Source::Decisions,
        Source::Announcements,
        Source::KsefMetadata,
        Source::Activity,
        Source::Grants,
    ];
    let (selector, rest) = data.split_first()?;
    let source = TABULAR[usize::from(*selector) % TABULAR.len()];
    let (toml, file) = match rest.windows(2).position(|w| w == b"\0\0") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (&[][..], rest),
    };
    let config = std::str::from_utf8(toml)
        .ok()
        .and_then(|text| config::parse(text).ok())
        .map(|c| c.source(source))
        .unwrap_or_default();
    Some((source, config, file))
}
