//! What a long run tells the person watching it: one `tracing` line per
//! stage with its duration (stderr, for schedulers' logs), and a spinner
//! while a stage runs, only when stderr is a terminal and the run is not
//! `--quiet`. Nothing here touches the outputs.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

static SPINNERS: AtomicBool = AtomicBool::new(false);

/// Turns spinners on for this process when stderr is a terminal.
pub fn enable_spinners(quiet: bool) {
    SPINNERS.store(!quiet && std::io::stderr().is_terminal(), Ordering::Relaxed);
}

/// A running stage; logs its duration when dropped.
pub struct Stage {
    name: &'static str,
    started: Instant,
    spinner: Option<ProgressBar>,
}

impl Stage {
    pub fn start(name: &'static str) -> Stage {
        let spinner = SPINNERS.load(Ordering::Relaxed).then(|| {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
                bar.set_style(style);
            }
            bar.set_message(name);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Stage {
            name,
            started: Instant::now(),
            spinner,
        }
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
        tracing::info!(
            stage = self.name,
            seconds = format!("{:.2}", self.started.elapsed().as_secs_f64()),
            "done"
        );
    }
}

/// A step inside a stage, timed at debug level (`KSEF_RECON_LOG=debug`), for
/// finding where a large run spends its time (docs/performance.md).
pub struct Step {
    name: &'static str,
    started: Instant,
}

impl Step {
    pub fn start(name: &'static str) -> Step {
        Step {
            name,
            started: Instant::now(),
        }
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        tracing::debug!(
            step = self.name,
            seconds = format!("{:.2}", self.started.elapsed().as_secs_f64()),
            rss_mib = resident_mib(),
            "done"
        );
    }
}

/// The process's resident memory now, in MiB (Linux; 0 elsewhere): with the
/// step timings it shows which step holds the memory of a large run.
pub fn resident_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}
