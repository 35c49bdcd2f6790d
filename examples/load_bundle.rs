//! Loads a bundle the way `run` does (`ingest::load`, the "loading the
//! bundle" stage) a few times and prints each wall time and the rows per
//! source, to measure the load stage apart from the rest of a run. Uses
//! mimalloc like the binary, since allocation is much of the cost.
//!
//! usage: cargo run --release --example load_bundle -- BUNDLE [RUNS]

use std::path::Path;
use std::time::Instant;

use ksef_recon::config::Config;
use ksef_recon::ingest;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: load_bundle BUNDLE [RUNS]"))?;
    let runs: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let dir = Path::new(&dir);
    let config = Config::load(None, dir)?;
    for run in 1..=runs {
        let started = Instant::now();
        let bundle = ingest::load(dir, &config)?;
        let secs = started.elapsed().as_secs_f64();
        let rows: Vec<String> = bundle
            .tables
            .iter()
            .map(|(source, df)| format!("{} {}", source.name(), df.height()))
            .collect();
        println!("run {run}: {secs:.2} s ({})", rows.join(", "));
        if std::env::var_os("COLUMN_BYTES").is_some() {
            for (source, df) in &bundle.tables {
                for c in df.columns() {
                    println!(
                        "  {} {} {:?} {:.1} MB",
                        source.name(),
                        c.name(),
                        c.dtype(),
                        ksef_recon::frame::held_bytes(c) as f64 / 1e6
                    );
                }
            }
        }
    }
    Ok(())
}
