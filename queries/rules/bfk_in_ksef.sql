-- BFK_IN_KSEF (medium)
-- Contract: a `total_failure` invoice, or a ledger `BFK` one, found in KSeF.
-- Such invoices are issued outside KSeF for good; one in KSeF is a second
-- copy of the same sale or a wrong mode.
SELECT
    'BFK_IN_KSEF' AS code,
    seller_nip,
    invoice_number,
    CASE
        WHEN log_mode = 'total_failure' THEN 'total_failure invoice'
        ELSE 'ledger BFK invoice'
    END || ' found in KSeF as ' || ksef_number AS detail
FROM invoices
WHERE in_ksef
  AND (log_mode = 'total_failure' OR ksef_marker = 'BFK')
