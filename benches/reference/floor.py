#!/usr/bin/env python3
"""The floor under any reconciliation of a bundle, in DuckDB.

usage: floor.py read BUNDLE        # read and parse the ledger and KSeF CSVs, every column
       floor.py write OUT N        # write N reconciliation-shaped CSV rows to OUT/floor.csv

Prints the row count. Timed by benches/e2e.sh (FLOOR=1) under /usr/bin/time -v.
"""
import pathlib
import sys

import duckdb


def main():
    con = duckdb.connect()
    if sys.argv[1] == "read":
        b = pathlib.Path(sys.argv[2]).resolve()
        con.execute(f"CREATE TABLE l AS SELECT * FROM read_csv('{b}/ledger/*.csv', header = true)")
        con.execute(f"CREATE TABLE k AS SELECT * FROM read_csv('{b}/ksef/metadata/*.csv', header = true)")
        print(con.execute("SELECT (SELECT count(*) FROM l) + (SELECT count(*) FROM k)").fetchone()[0])
    elif sys.argv[1] == "write":
        out = pathlib.Path(sys.argv[2]).resolve()
        out.mkdir(parents=True, exist_ok=True)
        n = int(sys.argv[3])
        con.execute(f"""
            COPY (SELECT '5265877635' AS seller_nip,
                         'FV/2026/' || lpad(CAST(i % 12 + 1 AS VARCHAR), 2, '0') || '/' || lpad(CAST(i AS VARCHAR), 8, '0') AS invoice_number,
                         DATE '2026-02-02' + CAST(i % 270 AS INTEGER) AS issue_date,
                         '5265877635-20260202-' || lpad(upper(to_hex(i * 7919)), 12, '0') || '-4F' AS ksef_number,
                         DATE '2026-02-02' + CAST(i % 270 AS INTEGER) AS submitted_on,
                         DATE '2026-02-03' + CAST(i % 270 AS INTEGER) AS deadline,
                         'submitted_on_time' AS status,
                         CAST((i % 2000000) / 100 AS DECIMAL(18,2)) AS gross, 'PLN' AS currency
                  FROM range({n}) t(i))
            TO '{out}/floor.csv' (HEADER)""")
        print(n)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
