//! CSV files of any tabular source with a `recon.toml` dialect and column
//! mapping. Input: `[source selector] recon.toml \0\0 file` (see
//! `split_tabular`); the TOML is parsed by the engine's config parser too.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((source, config, file)) = ksef_recon_fuzz::split_tabular(data) {
        ksef_recon_fuzz::read_checked(source, "in/x.csv", file, &config);
    }
});
