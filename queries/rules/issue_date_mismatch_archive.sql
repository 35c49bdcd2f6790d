-- ISSUE_DATE_MISMATCH (medium), archive part
-- Contract: an archived file's P_1 differs from its offline-log issue_date.
-- Runs whenever archive/ and the offline log are given, with or without
-- KSeF metadata.
SELECT
    'ISSUE_DATE_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'archived file ' || archive_file || ' P_1 ' || CAST(archive_issue_date AS VARCHAR)
        || ', offline log ' || CAST(log_issue_date AS VARCHAR) AS detail,
    'archive' AS discriminator
FROM invoices
WHERE in_archive
  AND in_offline_log
  AND archive_issue_date <> log_issue_date
