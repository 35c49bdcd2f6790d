-- KSEF_NUMBER_MISMATCH (medium)
-- Contract: ledger `ksef_number` differs from the matched KSeF record's.
-- Also a UPO receipt naming another KSeF number than the metadata record
-- for the same invoice (issue 3: UPO and metadata disagreements).
SELECT
    'KSEF_NUMBER_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    ksef_number,
    'ledger has ' || ledger_ksef_number || ', KSeF has ' || ksef_number AS detail,
    CAST(NULL AS VARCHAR) AS discriminator
FROM invoices
WHERE in_ledger
  AND in_ksef
  AND ledger_ksef_number IS NOT NULL
  AND ledger_ksef_number <> ksef_number
UNION ALL
SELECT
    'KSEF_NUMBER_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    upo_ksef_number AS ksef_number,
    'UPO ' || upo_file || ' confirms ' || upo_ksef_number
        || ', KSeF metadata has ' || meta_ksef_number AS detail,
    'upo' AS discriminator
FROM invoices
WHERE in_upo
  AND in_ksef_metadata
  AND upo_ksef_number <> meta_ksef_number
