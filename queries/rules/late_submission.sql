-- LATE_SUBMISSION (high)
-- Contract: submitted after its deadline. An invoice with no offline-log row
-- that KSeF records as sent offline after its issue date keeps this code:
-- KSeF marks a late online invoice offline by itself (the detail says so).
SELECT
    'LATE_SUBMISSION' AS code,
    seller_nip,
    invoice_number,
    'submitted to KSeF on ' || CAST(submitted_on AS VARCHAR)
        || ', deadline was ' || CAST(deadline AS VARCHAR)
        || CASE
            WHEN sent_offline AND NOT in_offline_log
                THEN '; KSeF recorded it as sent offline, which it does by itself for an invoice sent after its issue date'
            ELSE ''
        END AS detail
FROM invoices
WHERE status = 'submitted_late'
