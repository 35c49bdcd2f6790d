//! Micro benchmarks of the hot pure functions: the business calendar, the
//! KSeF number check, and FA(3) parse + hash. Run: `cargo bench --bench micro`.
//! Numbers and method: docs/performance.md.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use ksef_recon::calendar::{add_business_days, business_days_after, next_business_day};
use ksef_recon::documents::{fa3, hash};
use ksef_recon::validate::{crc8, is_valid_ksef_number};

fn calendar(c: &mut Criterion) {
    let d = NaiveDate::from_ymd_opt(2025, 12, 23).expect("date");
    let far = NaiveDate::from_ymd_opt(2027, 6, 30).expect("date");
    c.bench_function("calendar/next_business_day (over Christmas)", |b| {
        b.iter(|| next_business_day(black_box(d)))
    });
    c.bench_function("calendar/add_business_days 7", |b| {
        b.iter(|| add_business_days(black_box(d), 7))
    });
    c.bench_function("calendar/business_days_after 18 months", |b| {
        b.iter(|| business_days_after(black_box(d), black_box(far)))
    });
}

fn ksef_number(c: &mut Criterion) {
    let good = "5265877635-20260302-016041EA982B-0E";
    let bad = "5265877635-20260302-016041EA982B-0F";
    c.bench_function("ksef/crc8 32 bytes", |b| {
        b.iter(|| crc8(black_box(&good.as_bytes()[..32])))
    });
    c.bench_function("ksef/is_valid_ksef_number valid", |b| {
        b.iter(|| is_valid_ksef_number(black_box(good)))
    });
    c.bench_function("ksef/is_valid_ksef_number bad checksum", |b| {
        b.iter(|| is_valid_ksef_number(black_box(bad)))
    });
}

fn fa3_parse_and_hash(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/archive/2026/03");
    let files: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("demo archive")
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path()).ok())
        .collect();
    let bytes: u64 = files.iter().map(|f| f.len() as u64).sum();
    let mut g = c.benchmark_group("fa3");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("parse {} demo files", files.len()), |b| {
        b.iter(|| {
            for f in &files {
                black_box(fa3::parse_fa3(f).is_ok());
            }
        })
    });
    g.bench_function(format!("sha256 {} demo files", files.len()), |b| {
        b.iter(|| {
            for f in &files {
                black_box(hash::sha256_base64(f));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, calendar, ksef_number, fa3_parse_and_hash);
criterion_main!(benches);
