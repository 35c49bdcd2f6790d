-- ONLINE_SENT_LATE (low)
-- Contract: requires KSeF (or did until its duty lapsed), no offline-log row,
-- submitted after P_1, and not LATE_SUBMISSION (a lapsed duty with a
-- submission is `submitted_on_time`).
-- KSeF then treats the invoice as offline24 (deadline next(P_1)).
SELECT
    'ONLINE_SENT_LATE' AS code,
    seller_nip,
    invoice_number,
    'issued ' || CAST(issue_date AS VARCHAR) || ', submitted '
        || CAST(submitted_on AS VARCHAR) || ' (KSeF treats it as offline24'
        || CASE WHEN sent_offline THEN ' and recorded it as sent offline' ELSE '' END
        || ')' AS detail
FROM invoices
WHERE NOT in_offline_log
  AND requires_ksef
  AND status = 'submitted_on_time'
  AND submitted_on > issue_date
