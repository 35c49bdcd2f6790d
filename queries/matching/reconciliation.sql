-- Matching, step 10: the maximum penalty from 2027 (VAT Act art. 106ni),
-- and reconciliation.csv's rows in its order.
-- docs/outputs.md, max_penalty_pln (contract section 6a): for an invoice
-- submitted_late or overdue whose deadline is a date in 2027 or later, the
-- most the tax office may impose: its VAT, or 18.7 % of its gross amount
-- when its VAT is zero, as an absolute value, in PLN, rounded half up to
-- the grosz once. Another currency is converted at the NBP table A mid
-- rate of the last business day before P_1 (art. 31a), from `rates`;
-- without that day's table (no older one stands in) or without a VAT the
-- penalty is null.
--
-- Amounts are turned into whole grosze and rates into ten-thousandths
-- (BIGINT), so the arithmetic is exact on every engine; `max_penalty_grosze`
-- is the penalty in grosze. Division rounds half up by adding half the
-- divisor and dividing out the exact remainder: `(n - n % d) / d` is a
-- whole number on both engines (polars SQL's `//` and Spark's `DIV` are
-- each the other's syntax error).
--
-- Reads: statuses (step 9), rates, calendar (date, business_day).
-- Gives: one row per invoice, sorted by seller NIP and invoice number.
--
-- Engine substitution (Spark SQL): each `CREATE TABLE name AS` below is run
-- as `CREATE OR REPLACE TEMPORARY VIEW name AS` (docs/scaling.md, "Matching
-- as SQL"); polars SQL runs it as written.

-- The first rate of a day and currency, by file and line.
CREATE TABLE rate_of_day AS
SELECT rate_date, rate_currency, rate_units
FROM (
  SELECT r.date AS rate_date, r.currency AS rate_currency,
         CAST(r.rate * 10000 AS BIGINT) AS rate_units,
         ROW_NUMBER() OVER (PARTITION BY r.date, r.currency
                            ORDER BY r._file, r._line) AS row_in_key
  FROM rates r
) ranked
WHERE row_in_key = 1;

CREATE TABLE exposed AS
SELECT seller_nip, invoice_number, issue_date, currency,
       CAST(vat_amount * 100 AS BIGINT) AS vat_grosze,
       CAST(gross_amount * 100 AS BIGINT) AS gross_grosze
FROM statuses
WHERE status IN ('submitted_late', 'overdue')
  AND deadline_kind = 'date'
  AND EXTRACT(YEAR FROM deadline) >= 2027;

-- The last business day before each P_1 of an exposed invoice.
CREATE TABLE rate_days AS
SELECT p1.issue_date, MAX(c.date) AS rate_date
FROM (SELECT DISTINCT issue_date FROM exposed) p1
CROSS JOIN calendar c
WHERE c.business_day AND c.date < p1.issue_date
GROUP BY p1.issue_date;

-- The multiplier in ten-thousandths (PLN: 10000; null where the rate day's
-- table is missing), then the numerator and divisor of the penalty.
CREATE TABLE exposed_rated AS
SELECT x.seller_nip, x.invoice_number, x.vat_grosze, x.gross_grosze,
       CASE WHEN x.currency = 'PLN' THEN 10000
            ELSE rd.rate_units END AS multiplier
FROM exposed x
LEFT JOIN rate_days d ON x.issue_date = d.issue_date
LEFT JOIN rate_of_day rd
  ON d.rate_date = rd.rate_date AND x.currency = rd.rate_currency;

CREATE TABLE penalties AS
SELECT seller_nip, invoice_number,
       CASE WHEN vat_grosze = 0
            THEN ABS(gross_grosze) * 187 * multiplier + 5000000
            ELSE ABS(vat_grosze) * multiplier + 5000 END AS numerator,
       CASE WHEN vat_grosze = 0 THEN 10000000 ELSE 10000 END AS divisor
FROM exposed_rated;

SELECT s.seller_nip, s.invoice_number, s.issue_date, s.mode, s.decision_id,
       s.in_ledger, s.in_offline_log, s.in_ksef, s.ksef_number,
       s.submitted_at, s.submitted_on, s.deadline, s.deadline_kind, s.status,
       s.gross_amount, s.currency, s.owner, s.deadline_basis,
       CAST(ROUND((pen.numerator - pen.numerator % pen.divisor) / pen.divisor)
            AS BIGINT)
         AS max_penalty_grosze,
       s.archive_file, s.archive_hash, s.kod1_url, s.upo_file,
       s.corrects, s.corrected_by
FROM statuses s
LEFT JOIN penalties pen
  ON s.seller_nip = pen.seller_nip AND s.invoice_number = pen.invoice_number
ORDER BY s.seller_nip, s.invoice_number
