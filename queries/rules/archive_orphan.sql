-- ARCHIVE_ORPHAN (low)
-- Contract: an archived FA(3) file (P_1 on or before as-of: later files do
-- not exist yet for the run and were left out) that matches no invoice of
-- the ledger, the offline log or KSeF; its invoice columns come from the
-- file, and the file's path is its discriminator. An orphan is an invoice
-- issued and archived that no register books.
CREATE TABLE known_keys AS
SELECT seller_nip, invoice_number, TRUE AS known
FROM invoices;

SELECT
    'ARCHIVE_ORPHAN' AS code,
    a.seller_nip,
    a.invoice_number,
    a.archive_file AS discriminator,
    CAST(a.gross_amount AS VARCHAR) AS gross_amount,
    a.currency,
    a.archive_file || ': archived FA(3) invoice of ' || CAST(a.issue_date AS VARCHAR)
        || ' matches no invoice of the ledger, the offline log or KSeF' AS detail
FROM archive AS a
LEFT JOIN known_keys AS k
  ON a.seller_nip = k.seller_nip AND a.invoice_number = k.invoice_number
WHERE k.known IS NULL
