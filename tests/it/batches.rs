//! `export-tables --batches`: the whole export put together from the
//! exports of a bundle's batches (`--files`), without the files, must be
//! byte for byte the export of the whole bundle: every source table, the
//! deadline keys, the rules' context, run_facts.json and the manifest.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{binary, fixtures, output_files};

/// Runs `export-tables` with `args`; gives the exit status and stderr.
fn export_tables(args: &[&std::ffi::OsStr]) -> (i32, String) {
    let output = binary()
        .arg("export-tables")
        .arg("--quiet")
        .args(args)
        .output()
        .expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn os(s: &(impl AsRef<std::ffi::OsStr> + ?Sized)) -> &std::ffi::OsStr {
    s.as_ref()
}

/// Exports `input` whole into `out`.
fn whole(input: &Path, as_of: &str, out: &Path) {
    let (status, stderr) = export_tables(&[
        os("--input"),
        os(input),
        os("--as-of"),
        os(as_of),
        os("--out"),
        os(out),
    ]);
    assert_eq!(status, 0, "{stderr}");
}

/// The paths of the input files an export lists in its manifest.
fn listed_files(export: &Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(export.join("manifest.json")).expect("manifest"))
            .expect("json");
    manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect()
}

/// Exports the batch of `input`'s `files` at `as_of` into `out` (its list
/// written beside it); gives the exit status and stderr.
fn batch(input: &Path, as_of: &str, files: &[&str], out: &Path) -> (i32, String) {
    let list = out.with_extension("txt");
    let text: String = files.iter().map(|f| format!("{f}\n")).collect();
    fs::write(&list, text).expect("list");
    export_tables(&[
        os("--input"),
        os(input),
        os("--as-of"),
        os(as_of),
        os("--files"),
        os(&list),
        os("--out"),
        os(out),
    ])
}

/// Splits the files of the whole export in `whole_dir` into `n` batches
/// (every n-th file in each, so every source is spread over them), exports
/// each into `tmp/batch<k>` and gives their folders.
fn batches(input: &Path, as_of: &str, whole_dir: &Path, n: usize, tmp: &Path) -> Vec<PathBuf> {
    let files = listed_files(whole_dir);
    assert!(files.len() >= n, "{} files for {n} batches", files.len());
    (0..n)
        .map(|k| {
            let mine: Vec<&str> = files
                .iter()
                .skip(k)
                .step_by(n)
                .map(String::as_str)
                .collect();
            let out = tmp.join(format!("batch{k}"));
            let (status, stderr) = batch(input, as_of, &mine, &out);
            assert_eq!(status, 0, "batch {k}: {stderr}");
            out
        })
        .collect()
}

/// Requires every file of the two folders byte-identical.
fn assert_same_files(whole: &Path, together: &Path, what: &str) {
    let (a, b) = (output_files(whole), output_files(together));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{what}: the same tables"
    );
    let differ: Vec<&String> = a
        .iter()
        .filter(|(k, v)| &b[*k] != *v)
        .map(|(k, _)| k)
        .collect();
    assert!(differ.is_empty(), "{what}: {differ:?}");
}

/// `--batches` over `batches` into `out`.
fn put_together(batches: &[PathBuf], out: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec![os("--batches")];
    args.extend(batches.iter().map(os));
    args.extend([os("--out"), os(out)]);
    args.extend(extra.iter().map(os));
    export_tables(&args)
}

/// What [`batches_make_the_whole`] made, in its temporary folder.
pub(crate) struct Made {
    pub tmp: tempfile::TempDir,
    pub batches: Vec<PathBuf>,
    /// The export the batches were put together into.
    pub together: PathBuf,
}

/// Exports `input` whole and in `n` batches put together, and requires
/// the two folders byte-identical.
pub(crate) fn batches_make_the_whole(input: &Path, as_of: &str, n: usize) -> Made {
    let tmp = tempfile::tempdir().expect("temp");
    let whole_dir = tmp.path().join("whole");
    whole(input, as_of, &whole_dir);
    let parts = batches(input, as_of, &whole_dir, n, tmp.path());
    let together = tmp.path().join("together");
    let (status, stderr) = put_together(&parts, &together, &[]);
    assert_eq!(status, 0, "{stderr}");
    assert_same_files(
        &whole_dir,
        &together,
        &format!("{} in {n}", input.display()),
    );
    Made {
        tmp,
        batches: parts,
        together,
    }
}

#[test]
fn the_demos_batches_make_its_whole_export() {
    let demo = fixtures().join("demo");
    for n in [2, 3, 7] {
        batches_make_the_whole(&demo, "2026-04-10", n);
    }
}

/// The generated year with every anomaly, and a 5k bundle whose KSeF
/// extract says it is truncated (the extract is judged from every batch's
/// files' flags and spans).
#[test]
fn a_generated_bundles_batches_make_its_whole_export() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("bundle");
    let as_of = crate::matching_sql::generated(&bundle, "20000", &crate::support::every_anomaly());
    batches_make_the_whole(&bundle, &as_of, 4);
    let truncated = tmp.path().join("truncated");
    let as_of = crate::matching_sql::generated(&truncated, "5000", &["--truncate-extract"]);
    batches_make_the_whole(&truncated, &as_of, 3);
}

/// JPK returns and their corrections, the 2027 penalties, and real public
/// files (MF's API page and export, its UPO samples, FA(3) samples).
#[test]
fn other_bundles_batches_make_their_whole_exports() {
    let corrections = crate::corrections::bundle();
    batches_make_the_whole(corrections.path(), crate::corrections::AS_OF, 3);
    let exposure = crate::exposure::bundle();
    batches_make_the_whole(exposure.path(), crate::exposure::AS_OF, 2);
    for bundle in crate::real::public_bundles() {
        batches_make_the_whole(bundle.path(), crate::real::REAL_AS_OF, 2);
    }
}

/// What cannot be put together is refused, naming why: a file in two
/// batches (its rows would count twice), batches of different as-of dates,
/// a folder that is no batch's export, an as-of other than the batches'.
#[test]
fn batches_that_do_not_fit_together_are_refused() {
    let demo = fixtures().join("demo");
    let Made {
        tmp,
        batches: parts,
        ..
    } = batches_make_the_whole(&demo, "2026-04-10", 2);
    let out = tmp.path().join("refused");

    let twice = [parts[0].clone(), parts[0].clone()];
    let (status, stderr) = put_together(&twice, &out, &[]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("each file belongs to one batch"),
        "{stderr}"
    );

    let (status, stderr) = put_together(&parts, &out, &["--as-of", "2026-04-11"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("the batches were exported as of 2026-04-10"),
        "{stderr}"
    );

    let later = tmp.path().join("later");
    let (status, stderr) = batch(&demo, "2026-04-11", &["ledger/sales_2026-03.csv"], &later);
    assert_eq!(status, 0, "{stderr}");
    let (status, stderr) = put_together(&[parts[0].clone(), later], &out, &[]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("every batch needs the same --as-of"),
        "{stderr}"
    );

    let (status, stderr) = put_together(&[parts[0].clone(), tmp.path().join("whole")], &out, &[]);
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("is") && stderr.contains("the export of a batch"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing written when refused");
}

/// A batch whose ledger files were all refused is still a batch of a
/// bundle with good ones: whether a source has nothing usable is judged
/// when the batches are put together, as for the whole bundle.
#[test]
fn a_batch_of_refused_ledger_files_is_judged_with_the_others() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("bundle");
    crate::support::copy_dir(&fixtures().join("demo"), &bundle);
    fs::write(
        bundle.join("ledger").join("zz_broken.csv"),
        "not,a,ledger\n1,2,3\n",
    )
    .expect("write");
    let whole_dir = tmp.path().join("whole");
    whole(&bundle, "2026-04-10", &whole_dir);
    let broken = tmp.path().join("broken");
    let (status, stderr) = batch(&bundle, "2026-04-10", &["ledger/zz_broken.csv"], &broken);
    assert_eq!(status, 0, "{stderr}");
    let files = listed_files(&whole_dir);
    let rest: Vec<&str> = files
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "ledger/zz_broken.csv")
        .collect();
    let others = tmp.path().join("others");
    let (status, stderr) = batch(&bundle, "2026-04-10", &rest, &others);
    assert_eq!(status, 0, "{stderr}");
    let together = tmp.path().join("together");
    let (status, stderr) = put_together(&[broken, others], &together, &[]);
    assert_eq!(status, 0, "{stderr}");
    assert_same_files(&whole_dir, &together, "a batch of refused files");
    let rejected = fs::read_to_string(whole_dir.join("run_facts.json")).expect("facts");
    assert!(
        rejected.contains("zz_broken.csv"),
        "the refused file is listed"
    );
}

/// Workers that each hold only some of the bundle's folders (one the
/// ledger, one everything else): a worker's `--input` without a ledger
/// still exports its batch, and the batches put together are the whole
/// bundle's export. The configuration is one file given to all.
#[test]
fn workers_with_some_folders_each_make_the_whole_export() {
    let demo = fixtures().join("demo");
    let config = demo.join("recon.toml");
    let tmp = tempfile::tempdir().expect("temp");
    let (ledger_worker, other_worker) = (tmp.path().join("w1"), tmp.path().join("w2"));
    crate::support::copy_dir(&demo.join("ledger"), &ledger_worker.join("ledger"));
    crate::support::copy_dir(&demo, &other_worker);
    fs::remove_dir_all(other_worker.join("ledger")).expect("no ledger on this worker");
    fs::remove_file(other_worker.join("recon.toml")).expect("the config is given");
    let with_config = |input: &Path, out: &Path, extra: &[&std::ffi::OsStr]| {
        let mut args = vec![
            os("--input"),
            os(input),
            os("--as-of"),
            os("2026-04-10"),
            os("--config"),
            os(&config),
            os("--out"),
            os(out),
        ];
        args.extend(extra);
        let (status, stderr) = export_tables(&args);
        assert_eq!(status, 0, "{}: {stderr}", input.display());
    };
    let whole_dir = tmp.path().join("whole");
    with_config(&demo, &whole_dir, &[]);
    let files = listed_files(&whole_dir);
    let mut parts = Vec::new();
    for (worker, ledger) in [(&ledger_worker, true), (&other_worker, false)] {
        let mine: String = files
            .iter()
            .filter(|f| f.starts_with("ledger/") == ledger)
            .map(|f| format!("{f}\n"))
            .collect();
        let list = worker.with_extension("txt");
        fs::write(&list, mine).expect("list");
        let out = worker.with_extension("tables");
        with_config(worker, &out, &[os("--files"), os(&list)]);
        parts.push(out);
    }
    let together = tmp.path().join("together");
    let (status, stderr) = put_together(&parts, &together, &[]);
    assert_eq!(status, 0, "{stderr}");
    assert_same_files(&whole_dir, &together, "two workers");
    // The ledger is still required of the bundle as a whole.
    let (status, stderr) = put_together(&parts[1..], &tmp.path().join("no-ledger"), &[]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("no batch read a ledger file"), "{stderr}");
}

/// With `--batches`, `--files` names the whole bundle's files: a batch left
/// out, or files the list does not name, are refused (exit 2) rather than
/// reported on as files the bundle lacks.
#[test]
fn the_bundles_file_list_finds_a_batch_left_out() {
    let demo = fixtures().join("demo");
    let Made {
        tmp,
        batches: parts,
        together,
    } = batches_make_the_whole(&demo, "2026-04-10", 2);
    let all = listed_files(&tmp.path().join("whole"));
    let list = |name: &str, files: &[String]| {
        let path = tmp.path().join(name);
        let text: String = files.iter().map(|f| format!("{f}\n")).collect();
        fs::write(&path, text).expect("list");
        path
    };
    let all_list = list("all.txt", &all);
    let checked = tmp.path().join("checked");
    let files_arg = ["--files", all_list.to_str().expect("utf-8")];
    let (status, stderr) = put_together(&parts, &checked, &files_arg);
    assert_eq!(status, 0, "{stderr}");
    assert_same_files(&together, &checked, "with the bundle's list");

    let (status, stderr) = put_together(&parts[..1], &tmp.path().join("one"), &files_arg);
    assert_eq!(status, 2, "{stderr}");
    assert!(
        stderr.contains("names files that no batch read"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&all[1]),
        "the first file of batch 1 is named: {stderr}"
    );

    let first_only = list("first.txt", &listed_files(&parts[0]));
    let first_arg = ["--files", first_only.to_str().expect("utf-8")];
    let (status, stderr) = put_together(&parts, &tmp.path().join("two"), &first_arg);
    assert_eq!(status, 2, "{stderr}");
    assert!(
        stderr.contains("does not name files the batches read"),
        "{stderr}"
    );
}
