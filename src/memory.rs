//! How the process takes memory from the kernel.
//!
//! A run touches several times its peak memory over its life: polars
//! allocates and frees column buffers at every step, and the kernel zeroes
//! each page the process touches afresh. With transparent huge pages that
//! zeroing is done 2 MiB at a time even where a buffer uses a few KiB of
//! the page. On the 2-core virtual machine of docs/performance.md, with
//! runs alternated in both orders, turning them off made runs faster up to
//! 5M invoices and slower at 10M:
//!
//! | invoices (bundle) | huge pages off | huge pages on |
//! |---|---|---|
//! | 1M (362 MB), 6 pairs | 4.95-6.49 s, kernel 1.4-2.3 s | 7.24-11.01 s, kernel 4.1-7.8 s |
//! | 2M (724 MB), 3 pairs | 10.9-12.1 s | 12.9-16.5 s |
//! | 5M (1.8 GB), 2 pairs | 30.9-36.3 s | 41.6-51.1 s |
//! | 10M (3.6 GB), 4 pairs | 94.4-109.5 s | 89.0-96.2 s |
//!
//! At 10M (14 GiB peak) the page tables of 4 KiB pages cost more than the
//! zeroing saves. So huge pages are turned off for bundles under
//! [`SMALL_BUNDLE_BYTES`].

use std::path::Path;

/// Bundles smaller than this run without transparent huge pages: between
/// the 5M bundle (1.8 GB) and the 10M one (3.6 GB); the crossover between
/// them was not narrowed further.
pub const SMALL_BUNDLE_BYTES: u64 = 3 << 30;

/// Whether a bundle of `bytes` should run with transparent huge pages.
pub fn huge_pages_pay(bytes: u64) -> bool {
    bytes >= SMALL_BUNDLE_BYTES
}

/// Sets the process's transparent huge pages for the bundle at `input`:
/// off when it is small, the system's setting otherwise. A folder that
/// cannot be read counts what could be; loading reports the rest.
pub fn fit_pages_to(input: &Path) {
    set_huge_pages(huge_pages_pay(bundle_bytes(input)));
}

/// The size of every file under `dir`, not following links.
fn bundle_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => bundle_bytes(&entry.path()),
            Ok(t) if t.is_file() => entry.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// Returns to the kernel the memory freed so far on every thread of
/// rayon's pool and on the caller's.
///
/// mimalloc gives freed pages back only when the thread that owns them next
/// calls the allocator; a pool thread that falls idle after loading keeps
/// what it freed (the file pieces it parsed) for the rest of the run. At 1M
/// invoices that was about 300 MiB at the end of loading, and collecting
/// it there lowered the run's peak by about 6 % (docs/performance.md).
/// Collecting after later steps did not lower the peak further (their
/// peaks are inside the steps), so it is done once, after loading.
/// Without mimalloc as the global allocator (the library's tests) there is
/// nothing to collect and the calls cost nothing.
pub fn give_back_freed() {
    // SAFETY: mi_collect takes no pointers and may run on any thread.
    rayon::broadcast(|_| unsafe { libmimalloc_sys::mi_collect(true) });
    unsafe { libmimalloc_sys::mi_collect(true) };
}

#[cfg(target_os = "linux")]
fn set_huge_pages(on: bool) {
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and no pointers; a
    // failure (an old kernel) leaves the setting as it was, which is fine.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, libc::c_ulong::from(!on), 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn set_huge_pages(_on: bool) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bundles_run_without_huge_pages() {
        assert!(!huge_pages_pay(362_000_000));
        assert!(!huge_pages_pay(1_800_000_000));
        assert!(huge_pages_pay(3_600_000_000));
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ledger")).unwrap();
        std::fs::write(dir.path().join("ledger/a.csv"), vec![b'x'; 1000]).unwrap();
        std::fs::write(dir.path().join("b.csv"), vec![b'x'; 24]).unwrap();
        assert_eq!(bundle_bytes(dir.path()), 1024);
        assert_eq!(bundle_bytes(&dir.path().join("missing")), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_setting_reaches_the_kernel() {
        // Another thread of the test binary may set it too; both set "off"
        // for small bundles, so the check below holds either way.
        let dir = tempfile::tempdir().unwrap();
        fit_pages_to(dir.path());
        let disabled = unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        assert_eq!(disabled, 1);
    }
}
