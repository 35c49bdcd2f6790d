-- Matching, step 5: the archived FA(3) file of each invoice (the evidence
-- columns of reconciliation.csv: archive_file, archive_hash, kod1_url).
-- Contract section 2 (a file whose P_1 is after the as-of date is
-- ignored) and section 4 (matched on seller NIP and invoice number, the
-- first by file and line). The archive adds no invoice of its own.
--
-- Reads: archive, params (as_of).
-- Gives: one row per (seller_nip, invoice_number) archived, its columns
-- named archive_*.

SELECT seller_nip, invoice_number,
       archive_file, archive_hash, kod1_url,
       gross_amount AS archive_gross_amount,
       currency AS archive_currency,
       issue_date AS archive_issue_date
FROM (
  SELECT a.seller_nip, a.invoice_number, a.archive_file, a.archive_hash,
         a.kod1_url, a.gross_amount, a.currency, a.issue_date,
         ROW_NUMBER() OVER (PARTITION BY a.seller_nip, a.invoice_number
                            ORDER BY a._file, a._line) AS row_in_key
  FROM archive a
  CROSS JOIN params p
  WHERE a.issue_date IS NULL OR a.issue_date <= p.as_of
) ranked
WHERE row_in_key = 1
