-- DUPLICATE_NUMBER (high)
-- Contract: one (seller, number) on two or more offline-log rows, or ledger
-- rows. One finding per source and number. `ledger_rows` is the number of
-- ledger rows that hold the invoice's (seller, number).
SELECT
    'DUPLICATE_NUMBER' AS code,
    seller_nip,
    invoice_number,
    'on ' || CAST(ledger_rows AS VARCHAR) || ' ledger rows' AS detail,
    'ledger' AS discriminator
FROM invoices
WHERE ledger_rows > 1
UNION ALL
SELECT
    'DUPLICATE_NUMBER' AS code,
    seller_nip,
    invoice_number,
    'on ' || CAST(COUNT(*) AS VARCHAR) || ' offline-log rows' AS detail,
    'offline_log' AS discriminator
FROM offline_log
GROUP BY seller_nip, invoice_number
HAVING COUNT(*) > 1
