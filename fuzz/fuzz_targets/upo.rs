//! UPO v4-3 receipts as `ksef/upo/` reads them. Input: the raw file.
#![no_main]

use ksef_recon_fuzz::config::SourceConfig;
use ksef_recon_fuzz::contract::Source;
use ksef_recon_fuzz::documents::upo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = upo::parse_upo(data);
    let read = ksef_recon_fuzz::read_checked(
        Source::Upo,
        "ksef/upo/x.xml",
        data,
        &SourceConfig::default(),
    );
    if let Ok(documents) = parsed {
        assert_eq!(read.outcome.counts.read, documents.len() as u64);
    }
});
