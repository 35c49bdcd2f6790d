-- DUPLICATE_KSEF_NUMBER (high)
-- Contract: one KSeF number on KSeF metadata records or production UPOs of
-- two or more different (seller, number) invoices: one finding per invoice,
-- the number its discriminator. KSeF gives every invoice its own number, so
-- a shared one is a wrong key in an extract or a mixed-up receipt.
-- Numbers seen on more than one record are found first (one grouping of
-- the numbers alone); only their records are then told apart by invoice,
-- since most repeats are an invoice's metadata record and its own UPO.
CREATE TABLE numbered AS
SELECT ksef_number, seller_nip, invoice_number FROM ksef WHERE ksef_number IS NOT NULL
UNION ALL
SELECT ksef_number, seller_nip, invoice_number FROM upo WHERE ksef_number IS NOT NULL;

CREATE TABLE repeated AS
SELECT ksef_number
FROM numbered
GROUP BY ksef_number
HAVING COUNT(*) > 1;

CREATE TABLE pairs AS
SELECT DISTINCT n.ksef_number, n.seller_nip, n.invoice_number
FROM numbered AS n
INNER JOIN repeated AS r ON n.ksef_number = r.ksef_number;

CREATE TABLE shared_numbers AS
SELECT ksef_number, COUNT(*) AS invoices
FROM pairs
GROUP BY ksef_number
HAVING COUNT(*) > 1;

SELECT
    'DUPLICATE_KSEF_NUMBER' AS code,
    p.seller_nip,
    p.invoice_number,
    p.ksef_number,
    p.ksef_number AS discriminator,
    'KSeF number ' || p.ksef_number || ' is recorded for '
        || CAST(s.invoices AS VARCHAR) || ' different invoices' AS detail
FROM pairs AS p
INNER JOIN shared_numbers AS s ON p.ksef_number = s.ksef_number
