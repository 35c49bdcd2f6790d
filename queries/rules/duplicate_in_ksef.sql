-- DUPLICATE_IN_KSEF (high)
-- Contract: two or more KSeF numbers for one (seller, number). Only the
-- invoices with more than one KSeF record (`ksef_records`) can have two
-- numbers, so only their records are grouped.
SELECT
    'DUPLICATE_IN_KSEF' AS code,
    ksef_row.seller_nip,
    ksef_row.invoice_number,
    CAST(COUNT(DISTINCT ksef_row.ksef_number) AS VARCHAR) || ' KSeF numbers: '
        || MIN(ksef_row.ksef_number) || ' ... ' || MAX(ksef_row.ksef_number) AS detail
FROM ksef AS ksef_row
JOIN (
    SELECT seller_nip, invoice_number FROM invoices WHERE ksef_records > 1
) AS duplicated
  ON ksef_row.seller_nip = duplicated.seller_nip AND ksef_row.invoice_number = duplicated.invoice_number
GROUP BY ksef_row.seller_nip, ksef_row.invoice_number
HAVING COUNT(DISTINCT ksef_row.ksef_number) > 1
