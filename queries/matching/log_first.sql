-- Matching, step 2: the offline log's row compared for each invoice.
-- Contract section 2 (a row issued after the as-of date does not exist
-- yet) and section 4 (the first row per invoice, by file and line, is the
-- one compared).
--
-- Reads: offline_log, params (as_of).
-- Gives: one row per (seller_nip, invoice_number) of the offline log, its
-- columns named log_*, and decision_id and owner as reconciliation.csv
-- shows them.

SELECT seller_nip, invoice_number,
       TRUE AS in_offline_log,
       issue_date AS log_issue_date,
       issued_at AS log_issued_at,
       mode AS log_mode,
       decision_id,
       owner,
       gross_amount AS log_gross_amount,
       currency AS log_currency,
       issued_by,
       LOWER(TRIM(issued_by)) AS issued_by_key,
       invoice_hash AS log_invoice_hash
FROM (
  SELECT o.seller_nip, o.invoice_number, o.issue_date, o.issued_at, o.mode,
         o.decision_id, o.owner, o.gross_amount, o.currency, o.issued_by,
         o.invoice_hash,
         ROW_NUMBER() OVER (PARTITION BY o.seller_nip, o.invoice_number
                            ORDER BY o._file, o._line) AS row_in_key
  FROM offline_log o
  CROSS JOIN params p
  WHERE o.issue_date IS NULL OR o.issue_date <= p.as_of
) ranked
WHERE row_in_key = 1
