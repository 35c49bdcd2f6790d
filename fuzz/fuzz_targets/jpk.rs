//! JPK_V7M/K(3) registers as `ledger/*.xml` reads them. Input: the raw file.
#![no_main]

use ksef_recon_fuzz::config::SourceConfig;
use ksef_recon_fuzz::contract::Source;
use ksef_recon_fuzz::documents::jpk;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = jpk::parse_jpk(data);
    let read = ksef_recon_fuzz::read_checked(
        Source::Ledger,
        "ledger/x.xml",
        data,
        &SourceConfig::default(),
    );
    if let Ok(register) = parsed {
        assert_eq!(read.outcome.counts.read, register.sales.len() as u64);
    }
});
