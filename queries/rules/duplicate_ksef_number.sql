-- DUPLICATE_KSEF_NUMBER (high)
-- Contract: one KSeF number on KSeF metadata records or production UPOs of
-- two or more different (seller, number) invoices: one finding per invoice,
-- the number its discriminator. KSeF gives every invoice its own number, so
-- a shared one is a wrong key in an extract or a mixed-up receipt.
CREATE TABLE numbered AS
SELECT DISTINCT ksef_number, seller_nip, invoice_number
FROM (
    SELECT ksef_number, seller_nip, invoice_number FROM ksef WHERE ksef_number IS NOT NULL
    UNION ALL
    SELECT ksef_number, seller_nip, invoice_number FROM upo WHERE ksef_number IS NOT NULL
) AS records;

CREATE TABLE shared_numbers AS
SELECT ksef_number, COUNT(*) AS invoices
FROM numbered
GROUP BY ksef_number
HAVING COUNT(*) > 1;

SELECT
    'DUPLICATE_KSEF_NUMBER' AS code,
    n.seller_nip,
    n.invoice_number,
    n.ksef_number,
    n.ksef_number AS discriminator,
    'KSeF number ' || n.ksef_number || ' is recorded for '
        || CAST(s.invoices AS VARCHAR) || ' different invoices' AS detail
FROM numbered AS n
INNER JOIN shared_numbers AS s ON n.ksef_number = s.ksef_number
