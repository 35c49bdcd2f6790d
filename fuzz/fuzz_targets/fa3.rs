//! FA(3) invoices as `archive/` reads them: the parser, the hash and KOD I
//! link, and the row they become. Input: the raw file.
#![no_main]

use ksef_recon_fuzz::config::SourceConfig;
use ksef_recon_fuzz::contract::Source;
use ksef_recon_fuzz::documents::fa3;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fa3::parse_fa3(data);
    let read = ksef_recon_fuzz::read_checked(
        Source::Archive,
        "archive/x.xml",
        data,
        &SourceConfig::default(),
    );
    // An archived file is one row: used or rejected, never both or neither.
    assert_eq!(read.outcome.counts.read, 1);
});
