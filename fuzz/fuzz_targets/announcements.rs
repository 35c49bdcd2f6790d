//! Announcements (status-service JSON or CSV) and the deadline rules they
//! feed: every accepted outage is applied to invoices of every mode issued
//! on each outage's start. Input: `[selector] file`; an even selector reads
//! JSON, an odd one CSV.
#![no_main]

use ksef_recon_fuzz::config::SourceConfig;
use ksef_recon_fuzz::contract::{Mode, Source};
use ksef_recon_fuzz::deadline::{self, Deadline, Period};
use ksef_recon_fuzz::ingest;
use libfuzzer_sys::fuzz_target;

const MODES: [Mode; 5] = [
    Mode::Online,
    Mode::Offline24,
    Mode::Offline,
    Mode::Emergency,
    Mode::TotalFailure,
];

fuzz_target!(|data: &[u8]| {
    let Some((selector, file)) = data.split_first() else {
        return;
    };
    let name = if selector % 2 == 0 { "a.json" } else { "a.csv" };
    let read =
        ksef_recon_fuzz::read_checked(Source::Announcements, name, file, &SourceConfig::default());
    let outages = ingest::outages(&read.builder);
    for issue in outages.iter().map(|o| o.start).take(8) {
        for mode in MODES {
            for period in [None, Some(Period::Ongoing), Some(Period::Ended(issue))] {
                let d = deadline::deadline(mode, issue, period, &outages);
                if let Deadline::Date(d) = d {
                    assert!(d >= issue, "a deadline never precedes the issue date");
                }
            }
        }
    }
});
