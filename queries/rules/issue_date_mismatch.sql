-- ISSUE_DATE_MISMATCH (medium)
-- Contract: ledger issue date differs from KSeF's `issueDate` (P_1).
SELECT
    'ISSUE_DATE_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'ledger issue date ' || CAST(ledger_issue_date AS VARCHAR)
        || ', KSeF issueDate ' || CAST(ksef_issue_date AS VARCHAR) AS detail
FROM invoices
WHERE in_ledger
  AND in_ksef_metadata
  AND ledger_issue_date <> ksef_issue_date
