//! KSeF metadata JSON (API pages and export `_metadata.json`) as
//! `ksef/metadata/*.json` reads it. Input: the raw file.
#![no_main]

use ksef_recon_fuzz::config::SourceConfig;
use ksef_recon_fuzz::contract::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ksef_recon_fuzz::read_checked(
        Source::KsefMetadata,
        "ksef/metadata/x.json",
        data,
        &SourceConfig::default(),
    );
});
