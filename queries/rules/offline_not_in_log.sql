-- OFFLINE_NOT_IN_LOG (high)
-- Contract: KSeF (invoicingMode) or a production UPO (TrybWysylki) records
-- the invoice as sent in offline mode on its issue date P_1, and the
-- offline log, which is given, has no row for it. Only our sellers'
-- invoices (every seller when `sellers` is unset), in the ledger or not.
-- Sent after P_1, KSeF marks an online invoice offline by itself, so such a
-- record proves nothing about the log (`offline_not_in_log` is set in
-- reconciliation only for a submission on P_1).
SELECT
    'OFFLINE_NOT_IN_LOG' AS code,
    seller_nip,
    invoice_number,
    'KSeF records it as sent in offline mode on its issue date '
        || CAST(issue_date AS VARCHAR) || ' (' || COALESCE(ksef_number, 'no number')
        || '); the offline log has no row for it' AS detail
FROM invoices
WHERE offline_not_in_log
