-- LATE_SUBMISSION (high)
-- Contract: submitted after its deadline.
SELECT
    'LATE_SUBMISSION' AS code,
    seller_nip,
    invoice_number,
    'submitted to KSeF on ' || CAST(submitted_on AS VARCHAR)
        || ', deadline was ' || CAST(deadline AS VARCHAR) AS detail
FROM invoices
WHERE status = 'submitted_late'
