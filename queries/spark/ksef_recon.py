"""The matching of ksef-recon on Apache Spark.

    python queries/spark/ksef_recon.py --tables TABLES --out RESULTS [--master local[2]]
    spark-submit queries/spark/ksef_recon.py --tables s3a://... --out s3a://...

TABLES is a folder `ksef-recon export-tables` wrote (every `*.parquet` in it
is registered as a temporary view under its file name: `ledger`, `params`,
`deadline_keys`, ...). The files of queries/matching/ run in the order
queries/matching/ORDER gives (the list the Rust engine reads too); each
file's statements run in turn and its last statement is registered under
the file's name for the files after it. The last, `reconciliation`, is
written to RESULTS/reconciliation.parquet (one Parquet file, in
reconciliation.csv's order). The CSV text of run's reconciliation.csv is
made from it by the test (tests/it/spark.rs).

The files are written for polars SQL; two named substitutions make them
Spark SQL, applied here to the text and nothing else:

1. `CREATE TABLE name AS SELECT ...` (a helper table, which polars keeps in
   its context) becomes `CREATE OR REPLACE TEMPORARY VIEW name AS SELECT
   ...` (on Spark the former writes a managed table to the warehouse).
2. `ARRAY_TO_STRING(ARRAY_AGG(x ORDER BY y), ' ')` (polars 0.55 has no
   LISTAGG) becomes `LISTAGG(x, ' ') WITHIN GROUP (ORDER BY y)` (Spark 4;
   `collect_list` keeps no order).

The session time zone is Europe/Warsaw, as the engine's timestamps are
Warsaw local time. Python 3 standard library and pyspark (4.x) only.
"""

import argparse
import os
import re
import sys

from pyspark.sql import SparkSession

HERE = os.path.dirname(os.path.abspath(__file__))
MATCHING = os.path.join(HERE, os.pardir, "matching")

CREATE_TABLE = re.compile(r"^(\s*)CREATE TABLE (\w+) AS\b", re.M)
ORDERED_JOIN = re.compile(
    r"ARRAY_TO_STRING\(\s*ARRAY_AGG\(\s*([\w.]+)\s+ORDER BY\s+([\w.]+)\s*\)\s*,\s*' '\s*\)"
)


def order():
    """The matching files' names, in the order they run (queries/matching/ORDER)."""
    with open(os.path.join(MATCHING, "ORDER"), encoding="utf-8") as f:
        lines = (line.strip() for line in f)
        return [line for line in lines if line and not line.startswith("#")]


def statements(script):
    """A file's statements: `--` comment lines dropped, split after a line ending in `;`."""
    out, current = [], []
    for line in script.splitlines():
        text = line.strip()
        if text.startswith("--"):
            continue
        if text.endswith(";"):
            current.append(line.rstrip()[:-1])
            out.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if "\n".join(current).strip():
        out.append("\n".join(current))
    return out


def for_spark(statement):
    """The two substitutions (see the module's docstring)."""
    statement = CREATE_TABLE.sub(r"\1CREATE OR REPLACE TEMPORARY VIEW \2 AS", statement)
    return ORDERED_JOIN.sub(r"LISTAGG(\1, ' ') WITHIN GROUP (ORDER BY \2)", statement)


def tables_in(spark, folder):
    """The names of the `*.parquet` tables in folder (local or any Hadoop file system)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    names = [s.getPath().getName() for s in fs.listStatus(path)]
    return sorted(n[: -len(".parquet")] for n in names if n.endswith(".parquet"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", required=True, help="an export-tables folder")
    parser.add_argument("--out", required=True, help="the results folder")
    parser.add_argument(
        "--master",
        help="Spark master (default: spark-submit's, else local[*])",
    )
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Spark setting (repeatable), e.g. spark.sql.shuffle.partitions=4",
    )
    args = parser.parse_args(argv)

    builder = SparkSession.builder.appName("ksef-recon matching")
    if args.master:
        builder = builder.master(args.master)
    elif not os.environ.get("SPARK_ENV_LOADED") and "--master" not in os.environ.get(
        "PYSPARK_SUBMIT_ARGS", ""
    ):
        # Run with python, not spark-submit (whose launcher sets
        # SPARK_ENV_LOADED) and no master given: every local core.
        builder = builder.master("local[*]")
    builder = (
        builder.config("spark.sql.session.timeZone", "Europe/Warsaw")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.ui.showConsoleProgress", "false")
    )
    for setting in args.conf:
        key, _, value = setting.partition("=")
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")

    for name in tables_in(spark, args.tables):
        spark.read.parquet(f"{args.tables.rstrip('/')}/{name}.parquet").createOrReplaceTempView(
            name
        )
    result = None
    for name in order():
        with open(os.path.join(MATCHING, f"{name}.sql"), encoding="utf-8") as f:
            steps = [for_spark(s) for s in statements(f.read())]
        for step in steps[:-1]:
            spark.sql(step)
        result = spark.sql(steps[-1])
        result.createOrReplaceTempView(name)

    out = f"{args.out.rstrip('/')}/reconciliation.parquet"
    # One file, in the last statement's order (coalesce keeps a sorted
    # result's order; it does not shuffle).
    result.coalesce(1).write.mode("overwrite").parquet(out)
    print(f"reconciliation -> {out}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
