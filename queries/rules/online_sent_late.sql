-- ONLINE_SENT_LATE (low)
-- Contract: no offline-log row, submitted after P_1 but by its deadline.
-- KSeF then treats the invoice as offline24 (deadline next(P_1)).
SELECT
    'ONLINE_SENT_LATE' AS code,
    seller_nip,
    invoice_number,
    'issued ' || CAST(issue_date AS VARCHAR) || ', submitted '
        || CAST(submitted_on AS VARCHAR) || ' (KSeF treats it as offline24)' AS detail
FROM invoices
WHERE NOT in_offline_log
  AND requires_ksef
  AND status = 'submitted_on_time'
  AND submitted_on > issue_date
