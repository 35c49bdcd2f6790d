#!/usr/bin/env python3
"""Runs reference.sql (or, with --lean, lean.sql) with DuckDB on one bundle.

usage: run.py BUNDLE OUT [--as-of YYYY-MM-DD] [--threads N] [--lean]

Prints the count per exception code as JSON, for comparison with
expected_counts.json and ksef-recon's run.json. DuckDB is a benchmark
reference only: nothing in the Rust build or tests needs it.

reference.sql reads a bundle of `ksef-recon generate` (any shape: a file the
lean shape lacks, calendar.csv, offline/decisions.csv or the KSeF API pages,
is made empty or, for the calendar, written by this script into OUT).
lean.sql reads only the ledger and KSeF metadata CSVs; its business-day
calendar is computed here.
"""
import argparse
import datetime as dt
import json
import pathlib
import re

import duckdb

FULL_CODES = ["AMOUNT_MISMATCH", "LATE_SUBMISSION", "NOT_IN_LEDGER", "OVERDUE_SUBMISSION"]
LEAN_CODES = FULL_CODES + ["ONLINE_SENT_LATE"]


def easter(year):
    """Gregorian Easter Sunday (anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l) // 451
    n = h + l - 7 * m + 114
    return dt.date(year, n // 31, n % 31 + 1)


def holidays(year):
    """Polish public holidays (Christmas Eve from 2025)."""
    fixed = [(1, 1), (1, 6), (5, 1), (5, 3), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26)]
    if year >= 2025:
        fixed.append((12, 24))
    e = easter(year)
    moving = [e, e + dt.timedelta(1), e + dt.timedelta(49), e + dt.timedelta(60)]
    return {dt.date(year, m, d) for m, d in fixed} | set(moving)


def calendar(first_year=2024, last_year=2027):
    """(day, next business day, 7th business day after) for every day."""
    off = set()
    for y in range(first_year, last_year + 2):
        off |= holidays(y)

    def business(d):
        return d.weekday() < 5 and d not in off

    def add(d, n):
        while n:
            d += dt.timedelta(1)
            n -= business(d)
        return d

    day, last = dt.date(first_year, 1, 1), dt.date(last_year, 12, 31)
    rows = []
    while day <= last:
        rows.append((day, add(day, 1), add(day, 7)))
        day += dt.timedelta(1)
    return rows


def full_sql(bundle, out):
    sql = (pathlib.Path(__file__).with_name("reference.sql")).read_text()
    if not (bundle / "calendar.csv").exists():
        path = out / "calendar.csv"
        path.write_text("date,next_business_day,add7_business_days\n" + "".join(
            f"{d},{n},{a}\n" for d, n, a in calendar()))
        sql = sql.replace("{bundle}/calendar.csv", str(path))
    if not (bundle / "offline/decisions.csv").exists():
        path = out / "decisions.csv"
        path.write_text("decision_id,mode,started_at,ended_at\n")
        sql = sql.replace("{bundle}/offline/decisions.csv", str(path))
    header = next(iter(sorted((bundle / "ledger").glob("*.csv")))).open().readline()
    for column, expr in [("ksef_marker", "upper(coalesce(ksef_marker, ''))"),
                         ("document_type", "upper(coalesce(trim(document_type), ''))")]:
        if column not in header.strip().split(","):
            sql = sql.replace(expr, "''").replace(f"'{column}': 'VARCHAR',", "")
    if not list((bundle / "ksef/metadata").glob("*.json")):
        sql = re.sub(r"UNION ALL\s+SELECT trim\(inv\.seller\.nip\).*?1073741824\)\);", ";",
                     sql, flags=re.S)
    return sql


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("out")
    ap.add_argument("--as-of")
    ap.add_argument("--threads", type=int)
    ap.add_argument("--lean", action="store_true", help="run lean.sql instead of reference.sql")
    args = ap.parse_args()
    bundle = pathlib.Path(args.bundle).resolve()
    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    expected = json.loads((bundle / "expected_counts.json").read_text())
    as_of = args.as_of or expected["as_of"]
    sellers = ", ".join(f"'{s}'" for s in ["5265877635"])
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    if args.lean:
        sql = (pathlib.Path(__file__).with_name("lean.sql")).read_text()
        values = ", ".join(f"(DATE '{d}', DATE '{n}')" for d, n, _ in calendar())
        con.execute(f"CREATE TABLE cal AS SELECT * FROM (VALUES {values}) AS t(day, next_business_day)")
    else:
        sql = full_sql(bundle, out)
    sql = (sql.replace("{bundle}", str(bundle)).replace("{out}", str(out))
              .replace("{as_of}", as_of).replace("{seller}", sellers))
    con.execute(sql)
    counts = dict(con.execute("SELECT code, count(*) FROM exceptions GROUP BY code").fetchall())
    codes = LEAN_CODES if args.lean else FULL_CODES
    print(json.dumps({k: counts.get(k, 0) for k in codes}, sort_keys=True))


if __name__ == "__main__":
    main()
