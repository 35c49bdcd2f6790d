-- DUPLICATE_IN_KSEF (high)
-- Contract: two or more KSeF numbers for one (seller, number).
SELECT
    'DUPLICATE_IN_KSEF' AS code,
    seller_nip,
    invoice_number,
    CAST(COUNT(DISTINCT ksef_number) AS VARCHAR) || ' KSeF numbers: '
        || MIN(ksef_number) || ' ... ' || MAX(ksef_number) AS detail
FROM ksef
GROUP BY seller_nip, invoice_number
HAVING COUNT(DISTINCT ksef_number) > 1
