-- AMOUNT_MISMATCH (high), archive part
-- Contract: an archived file's P_15 differs from its offline-log
-- gross_amount (or currency). Runs whenever archive/ and the offline log
-- are given, with or without KSeF metadata.
SELECT
    'AMOUNT_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'archived file ' || archive_file || ' P_15 ' || archive_gross_text || ' '
        || archive_currency || ', offline log ' || log_gross_text || ' '
        || COALESCE(log_currency, archive_currency) AS detail,
    'archive' AS discriminator
FROM invoices
CROSS JOIN params AS p
WHERE in_archive
  AND in_offline_log
  AND log_gross_amount IS NOT NULL
  AND (
        ABS(archive_gross_amount - log_gross_amount) > p.amount_tolerance
     OR archive_currency <> log_currency
  )
