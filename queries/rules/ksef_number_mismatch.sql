-- KSEF_NUMBER_MISMATCH (medium)
-- Contract: ledger `ksef_number` differs from the matched KSeF record's.
SELECT
    'KSEF_NUMBER_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'ledger has ' || ledger_ksef_number || ', KSeF has ' || ksef_number AS detail
FROM invoices
WHERE in_ledger
  AND in_ksef
  AND ledger_ksef_number IS NOT NULL
  AND ledger_ksef_number <> ksef_number
