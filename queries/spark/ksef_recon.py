"""ksef-recon's matching, exception rules and reports on Apache Spark.

    python queries/spark/ksef_recon.py --tables TABLES --out RESULTS [--master local[2]]
    spark-submit queries/spark/ksef_recon.py --tables s3a://... --out s3a://...

TABLES is a folder `ksef-recon export-tables` wrote. Every `*.parquet` in
it is registered as a temporary view under its file name (`ledger`,
`params`, `deadline_keys`, ...). Then, all in Spark SQL:

1. The matching: the files of queries/matching/ in the order
   queries/matching/ORDER gives (the list the Rust engine reads too). Each
   file's statements run in turn and its last statement is registered
   under the file's name for the files after it. `reconciliation` is one
   row per invoice; `rule_invoices` is the invoice table as the rules read
   it.
2. The rules: the rules' context tables of the export (`context_<name>`,
   the tables about rows, files, series, decisions and grants that the
   Rust driver computes: docs/scaling.md) are registered as `<name>`,
   `rule_invoices` as `invoices`, and queries/shared/ is run. Every rule
   file `rules.parquet` says runs (its inputs are in the bundle) is run, its
   result given the findings' columns as text, and the findings, unioned as
   `found`, go through queries/reports/exceptions.sql (context, severity,
   ageing). Each finding's exception_id is `EX-` and the first 16 hex
   digits of the SHA-256 of its identifying columns, each followed by
   U+001F (null as empty), as the Rust engine computes it.
3. The reports: queries/reports/ (completeness, responsibility, the JPK
   corrections worklist, the counts by status) over the same tables.

RESULTS then holds, each a folder with one Parquet file, the files `ksef-recon
run --format parquet` writes, typed as it types them (contract section 6:
DATE, TIMESTAMP, DECIMAL(18,2), BOOLEAN, INTEGER; `deadline_kind` beside
`deadline`): exceptions, reconciliation, completeness, responsibility,
jpk_corrections, and status_counts. `ksef-recon report --tables TABLES
--results RESULTS --out OUT` makes run's output files from them (CSV, the
workbook, the dashboard, run.json, the exception register).

The files are written for polars SQL; these named substitutions make them
Spark SQL, applied here to the text and nothing else:

1. `CREATE TABLE name AS SELECT ...` (a helper table, which polars keeps in
   its context) becomes `CREATE OR REPLACE TEMPORARY VIEW name AS SELECT
   ...` (on Spark the former writes a managed table to the warehouse).
2. `ARRAY_TO_STRING(ARRAY_AGG(x ORDER BY y), ' ')` (polars 0.55 has no
   LISTAGG) becomes `LISTAGG(x, ' ') WITHIN GROUP (ORDER BY y)` (Spark 4;
   `collect_list` keeps no order).
3. `STRING_AGG(x, sep ORDER BY y)` becomes `LISTAGG(x, sep) WITHIN GROUP
   (ORDER BY y)`, for the same reason.
4. `STRFTIME(x, '%Y-%m-%d %H:%M')` becomes `DATE_FORMAT(x, 'yyyy-MM-dd
   HH:mm')`: the same pattern in Spark's letters.
5. `CAST(x AS VARCHAR)` becomes `CAST(x AS STRING)`: Spark's VARCHAR needs
   a length.

And one setting rather than a substitution: double-quoted names (`"user"`,
`e."end"`) are identifiers, as in polars SQL and standard SQL
(`spark.sql.ansi.doubleQuotedIdentifiers`).

The session time zone is Europe/Warsaw, as the engine's timestamps are
Warsaw local time. Python 3 standard library and pyspark (4.x) only.
"""

import argparse
import functools
import os
import re
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType, IntegralType, StringType

HERE = os.path.dirname(os.path.abspath(__file__))
QUERIES = os.path.join(HERE, os.pardir)

CREATE_TABLE = re.compile(r"^(\s*)CREATE TABLE (\w+) AS\b", re.M)
ORDERED_JOIN = re.compile(
    r"ARRAY_TO_STRING\(\s*ARRAY_AGG\(\s*([\w.]+)\s+ORDER BY\s+([\w.]+)\s*\)\s*,\s*' '\s*\)"
)
VARCHAR = re.compile(r"\bAS VARCHAR\)")
STRFTIME_LETTERS = {"Y": "yyyy", "m": "MM", "d": "dd", "H": "HH", "M": "mm", "S": "ss"}

# The columns a rule's result may have, as text (rules::FINDING_COLUMNS).
FINDING_COLUMNS = [
    "code", "seller_nip", "invoice_number", "decision_id", "user", "ksef_number",
    "detail", "discriminator", "gross_amount", "currency",
]
# What identifies a finding, hashed into its exception_id (rules::with_ids).
ID_PARTS = [
    "code", "seller_nip", "invoice_number", "finding_decision_id", "finding_user",
    "discriminator",
]
# exceptions.csv's columns (contract section 6), before the register's.
EXCEPTION_COLUMNS = [
    "exception_id", "code", "severity", "seller_nip", "invoice_number", "ksef_number",
    "mode", "decision_id", "user", "owner", "deadline", "submitted_on",
    "age_business_days", "ageing_bucket", "gross_amount", "currency", "detail",
]
RECONCILIATION_COLUMNS = [
    "seller_nip", "invoice_number", "issue_date", "mode", "decision_id", "in_ledger",
    "in_offline_log", "in_ksef", "ksef_number", "submitted_on", "deadline", "status",
    "gross_amount", "currency", "owner", "deadline_basis", "max_penalty_pln",
    "archive_file", "archive_hash", "kod1_url", "upo_file", "corrects", "corrected_by",
]
STATUSES = [
    "submitted_on_time", "submitted_late", "pending", "unverified", "overdue",
    "not_required",
]

# The type of each output column by its name (report::columns::kind_of).
DATES = {"issue_date", "deadline", "submitted_on", "period_end", "first_seen"}
DATETIMES = {
    "started_at", "ended_at", "approved_at", "closed_at", "announcement_start",
    "announcement_end", "jpk_made_at", "ksef_numbered_at",
}
AMOUNTS = {"gross_amount", "max_penalty_pln"}
INTEGERS = {
    "age_business_days", "invoices", "line", "days_open", "open_exceptions",
    "rows_to_change", *STATUSES,
}
FLAGS = {"in_ledger", "in_offline_log", "in_ksef"}
MINUTE = "yyyy-MM-dd HH:mm"
# What only a whole export of this version holds (a batch leaves these out).
NEEDED = ["deadline_keys", "rules", "context_params"]


def order():
    """The matching's files' names, in the order they run (queries/matching/ORDER)."""
    with open(os.path.join(QUERIES, "matching", "ORDER"), encoding="utf-8") as f:
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


def scan(text, start=0, depth=0):
    """Each character of text from start with the parentheses' depth at it,
    for the characters outside quotes."""
    quoted = False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "'":
            quoted = not quoted
        elif not quoted:
            depth += (ch == "(") - (ch == ")")
            yield i, ch, depth


def closing(text, start):
    """The index of the parenthesis closing the one before `start`."""
    for i, ch, depth in scan(text, start, depth=1):
        if ch == ")" and depth == 0:
            return i
    raise ValueError(f"unbalanced parentheses in: {text[start - 20:start + 80]}")


def top_level(text, word):
    """The index of the last `word` outside parentheses and quotes, or -1."""
    found = -1
    for i, ch, depth in scan(text):
        if depth == 0 and ch not in "()" and text.startswith(word, i):
            found = i
    return found


def replace_calls(sql, name, rewrite):
    """Every call `name(...)` in sql, its argument text passed through rewrite."""
    pattern = re.compile(r"\b" + name + r"\(")
    out, at = [], 0
    while True:
        m = pattern.search(sql, at)
        if not m:
            return "".join(out) + sql[at:]
        end = closing(sql, m.end())
        out.append(sql[at:m.start()])
        out.append(rewrite(replace_calls(sql[m.end():end], name, rewrite)))
        at = end + 1


def string_agg(args):
    """STRING_AGG(x, sep ORDER BY y) as Spark's LISTAGG (substitution 3)."""
    by = top_level(args, "ORDER BY")
    values, ordered = args[:by].rstrip(), args[by + len("ORDER BY"):].strip()
    comma = top_level(values, ",")
    return (
        f"LISTAGG({values[:comma].strip()}, {values[comma + 1:].strip()}) "
        f"WITHIN GROUP (ORDER BY {ordered})"
    )


def strftime(args):
    """STRFTIME(x, '%...') as DATE_FORMAT(x, '...') (substitution 4)."""
    comma = top_level(args, ",")
    pattern = args[comma + 1:].strip().strip("'")
    spark, i = "", 0
    while i < len(pattern):
        if pattern[i] == "%":
            spark += STRFTIME_LETTERS[pattern[i + 1]]
            i += 2
        elif pattern[i].isalpha():
            spark += "\\'" + pattern[i] + "\\'"
            i += 1
        else:
            spark += pattern[i]
            i += 1
    return f"DATE_FORMAT({args[:comma].strip()}, '{spark}')"


def for_spark(statement):
    """The substitutions (see the module's docstring)."""
    statement = CREATE_TABLE.sub(r"\1CREATE OR REPLACE TEMPORARY VIEW \2 AS", statement)
    statement = ORDERED_JOIN.sub(r"LISTAGG(\1, ' ') WITHIN GROUP (ORDER BY \2)", statement)
    statement = replace_calls(statement, "STRING_AGG", string_agg)
    statement = replace_calls(statement, "STRFTIME", strftime)
    return VARCHAR.sub("AS STRING)", statement)


def run_file(spark, relative):
    """Runs one file of queries/ (its statements in turn); returns its last result."""
    with open(os.path.join(QUERIES, relative), encoding="utf-8") as f:
        steps = [for_spark(s) for s in statements(f.read())]
    for step in steps[:-1]:
        spark.sql(step)
    return spark.sql(steps[-1])


def tables_in(spark, folder):
    """The names of the `*.parquet` tables in folder (local or any Hadoop file system)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(folder)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    names = [s.getPath().getName() for s in fs.listStatus(path)]
    return sorted(n[: -len(".parquet")] for n in names if n.endswith(".parquet"))


def read(spark, folder, name):
    return spark.read.parquet(f"{folder.rstrip('/')}/{name}.parquet")


def kept(df):
    """df computed once and kept, its plan cut: a view is a query, and without
    this every later file would plan (and run) every file before it again."""
    return df.localCheckpoint(eager=True)


def matching(spark):
    """Runs queries/matching/ in ORDER, each result a view under its file's name."""
    for name in order():
        kept(run_file(spark, os.path.join("matching", f"{name}.sql"))).createOrReplaceTempView(
            name
        )


def rules_context(spark, folder, names):
    """The rules' context over the matching's views (see the docstring, step 2)."""
    for name in names:
        if name.startswith("context_"):
            read(spark, folder, name).createOrReplaceTempView(name[len("context_"):])
    spark.table("rule_invoices").createOrReplaceTempView("invoices")
    run_file(spark, os.path.join("shared", "decision_activity.sql"))


def findings(spark):
    """Every rule that runs, its findings in context with their ids, sorted."""
    found = []
    for row in spark.table("rules").where("runs").select("file").collect():
        result = run_file(spark, os.path.join("rules", row.file))
        found.append(
            result.select(
                [
                    (F.col(c) if c in result.columns else F.lit(None)).cast("string").alias(c)
                    for c in FINDING_COLUMNS
                ]
            )
        )
    empty = spark.sql(
        "SELECT " + ", ".join(f"CAST(NULL AS STRING) AS `{c}`" for c in FINDING_COLUMNS)
    ).where("FALSE")
    kept(functools.reduce(lambda a, b: a.unionByName(b), found, empty)).createOrReplaceTempView(
        "found"
    )
    enriched = run_file(spark, os.path.join("reports", "exceptions.sql"))
    identity = F.concat(
        *[x for p in ID_PARTS for x in (F.coalesce(F.col(p), F.lit("")), F.lit("\x1f"))]
    )
    with_ids = enriched.withColumn(
        "exception_id", F.concat(F.lit("EX-"), F.substring(F.sha2(identity, 256), 1, 16))
    )
    order_by = ["severity_rank", "code", "seller_nip", "invoice_number", "decision_id"]
    return kept(
        with_ids.orderBy(*[F.col(c).asc_nulls_last() for c in order_by + ["exception_id"]])
    )


def completeness(spark):
    """completeness.csv's rows: the counts of queries/reports/completeness.sql and
    each scope's gross amounts by currency, `PLN 1234.50; EUR 10.00`."""
    run_file(spark, "reports/completeness_months.sql").createOrReplaceTempView(
        "month_scoped_invoices"
    )
    run_file(spark, "reports/completeness_scopes.sql")
    counts = run_file(spark, "reports/completeness.sql")
    values = run_file(spark, "reports/completeness_values.sql")
    by_scope = values.groupBy("scope", "scope_id").agg(
        F.expr(
            "LISTAGG(currency || ' ' || CAST(CAST(gross_amount AS DECIMAL(20, 0)) / 100 "
            "AS DECIMAL(20, 2)), '; ') WITHIN GROUP (ORDER BY currency)"
        ).alias("gross_by_currency")
    )
    joined = counts.join(by_scope, ["scope", "scope_id"], "left")
    return joined.orderBy("scope", "scope_id").select(*counts.columns, "gross_by_currency")


def grosze_to_amount(column):
    return (F.col(column).cast(DecimalType(20, 0)) / 100).cast(DecimalType(18, 2))


def typed(df, columns):
    """df's columns in order, typed as `run --format parquet` types them."""
    out = []
    for c in columns:
        dtype = df.schema[c].dataType
        if c == "deadline":
            kind = F.col("deadline_kind")
            out.append(F.when(kind == "date", F.col(c).cast("date")).alias(c))
            out.append(
                F.when(kind == "date", "date")
                .when(kind.isin("none", "lapsed"), "none")
                .when(kind == "open", "open")
                .alias("deadline_kind")
            )
        elif c in DATES:
            out.append(F.col(c).cast("date").alias(c))
        elif c in DATETIMES:
            text = F.col(c) if isinstance(dtype, StringType) else F.date_format(c, MINUTE)
            out.append(F.to_timestamp_ntz(text, F.lit(MINUTE)).alias(c))
        elif c in AMOUNTS and isinstance(dtype, IntegralType):
            out.append(grosze_to_amount(c).alias(c))
        elif c in AMOUNTS:
            out.append(F.col(c).cast(DecimalType(18, 2)).alias(c))
        elif c in INTEGERS:
            out.append(F.col(c).cast("int").alias(c))
        elif c == "completeness_pct":
            out.append(F.col(c).cast(DecimalType(6, 2)).alias(c))
        elif c in FLAGS:
            out.append(F.col(c).cast("boolean").alias(c))
        else:
            out.append(F.col(c).cast("string").alias(c))
    return df.select(out)


def results(spark):
    """The result tables by their file names."""
    reconciliation = spark.table("reconciliation").withColumn(
        "max_penalty_pln", grosze_to_amount("max_penalty_grosze")
    )
    exceptions = findings(spark)
    exceptions.createOrReplaceTempView("findings")
    out = {
        "reconciliation": typed(reconciliation, RECONCILIATION_COLUMNS),
        "exceptions": typed(exceptions, EXCEPTION_COLUMNS),
        "completeness": completeness(spark),
    }
    for name in ["responsibility", "jpk_corrections", "status_counts"]:
        result = run_file(spark, os.path.join("reports", f"{name}.sql"))
        out[name] = typed(result, result.columns)
    out["completeness"] = typed(out["completeness"], out["completeness"].columns)
    return out


def session(args):
    builder = SparkSession.builder.appName("ksef-recon")
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
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.ansi.doubleQuotedIdentifiers", "true")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MILLIS")
        .config("spark.ui.showConsoleProgress", "false")
    )
    for setting in args.conf:
        key, _, value = setting.partition("=")
        builder = builder.config(key, value)
    return builder.getOrCreate()


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
    spark = session(args)
    spark.sparkContext.setLogLevel("ERROR")

    names = tables_in(spark, args.tables)
    missing = [n for n in NEEDED if n not in names]
    if missing:
        spark.stop()
        sys.exit(
            f"{args.tables}: no {', '.join(missing)}: not a whole export of this version "
            "(a --files batch leaves them out); put the batches together with "
            "`ksef-recon export-tables --batches`, or export the whole bundle"
        )
    for name in names:
        read(spark, args.tables, name).createOrReplaceTempView(name)
    matching(spark)
    rules_context(spark, args.tables, names)
    for name, df in results(spark).items():
        out = f"{args.out.rstrip('/')}/{name}.parquet"
        # One file, in the result's order (coalesce keeps a sorted
        # result's order; it does not shuffle).
        df.coalesce(1).write.mode("overwrite").parquet(out)
        print(f"{name} -> {out}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main()
