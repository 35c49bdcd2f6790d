#!/usr/bin/env python3
"""Runs reference.sql with DuckDB on one generated bundle.

usage: run.py BUNDLE OUT [--as-of YYYY-MM-DD] [--threads N]

Prints the count per exception code as JSON, for comparison with
expected_counts.json and ksef-recon's run.json. DuckDB is a benchmark
reference only: nothing in the Rust build or tests needs it.
"""
import argparse
import json
import os
import pathlib

import duckdb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("out")
    ap.add_argument("--as-of")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    bundle = pathlib.Path(args.bundle).resolve()
    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    expected = json.loads((bundle / "expected_counts.json").read_text())
    as_of = args.as_of or expected["as_of"]
    sellers = ", ".join(f"'{s}'" for s in ["5265877635"])
    sql = (pathlib.Path(__file__).with_name("reference.sql")).read_text()
    sql = (sql.replace("{bundle}", str(bundle)).replace("{out}", str(out))
              .replace("{as_of}", as_of).replace("{seller}", sellers))
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    con.execute(sql)
    counts = dict(con.execute("SELECT code, n FROM (SELECT code, count(*) AS n FROM exceptions GROUP BY code)").fetchall())
    print(json.dumps({k: counts.get(k, 0) for k in
                      ["AMOUNT_MISMATCH", "LATE_SUBMISSION", "NOT_IN_LEDGER", "OVERDUE_SUBMISSION"]},
                     sort_keys=True))


if __name__ == "__main__":
    main()
