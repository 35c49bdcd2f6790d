-- Matching, step 1: the ledger's row compared for each invoice.
-- Contract section 2 (what exists at the as-of date; several JPK_V7 files
-- for one period: the one made last replaces the others whole) and
-- section 4 (invoices are matched on seller NIP and invoice number; of
-- several ledger rows of one invoice the first, by file and line, is
-- compared; the others are DUPLICATE_NUMBER).
--
-- Reads: ledger, jpk_returns (which return stands, judged by the driver
-- from the files' headers), params (as_of).
-- Gives: one row per (seller_nip, invoice_number) of the ledger, its
-- columns named ledger_*.
--
-- Engine substitution (Spark SQL): each `CREATE TABLE name AS` below is run
-- as `CREATE OR REPLACE TEMPORARY VIEW name AS` (docs/scaling.md, "Matching
-- as SQL"); polars SQL runs it as written.

CREATE TABLE ledger_known AS
SELECT l.seller_nip, l.invoice_number, l.issue_date, l.gross_amount,
       l.net_amount, l.vat_amount, l.currency, l.ksef_number, l.ksef_marker,
       l.document_type, j.file IS NOT NULL AS in_return, l._file, l._line
FROM ledger l
LEFT JOIN jpk_returns j ON l._file = j.file
CROSS JOIN params p
-- A row of a replaced return, or of one made after the as-of date, is
-- not the ledger's; nor is a row issued after the as-of date.
WHERE (j.standing IS NULL OR j.standing = 'stands')
  AND (l.issue_date IS NULL OR l.issue_date <= p.as_of);

SELECT seller_nip, invoice_number,
       TRUE AS in_ledger,
       issue_date AS ledger_issue_date,
       gross_amount AS ledger_gross_amount,
       vat_amount AS ledger_vat_amount,
       currency AS ledger_currency,
       ksef_number AS ledger_ksef_number,
       ksef_marker AS ledger_ksef_marker,
       document_type AS ledger_document_type,
       net_amount AS ledger_net_amount,
       in_return AS ledger_in_return,
       ledger_rows
FROM (
  SELECT seller_nip, invoice_number, issue_date, gross_amount, vat_amount,
         currency,
         ksef_number, ksef_marker, document_type, net_amount, in_return,
         ROW_NUMBER() OVER (PARTITION BY seller_nip, invoice_number
                            ORDER BY _file, _line) AS row_in_key,
         COUNT(*) OVER (PARTITION BY seller_nip, invoice_number) AS ledger_rows
  FROM ledger_known
) ranked
WHERE row_in_key = 1
