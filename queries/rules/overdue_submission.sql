-- OVERDUE_SUBMISSION (high)
-- Contract: requires KSeF, not submitted, `as-of` after its deadline.
-- `status` is set in reconciliation: requires_ksef, no KSeF submission dated
-- on or before the as-of date, and as_of > deadline.
SELECT
    'OVERDUE_SUBMISSION' AS code,
    seller_nip,
    invoice_number,
    'not in KSeF by ' || CAST(p.as_of AS VARCHAR)
        || '; deadline was ' || CAST(deadline AS VARCHAR) AS detail
FROM invoices
CROSS JOIN params AS p
WHERE status = 'overdue'
