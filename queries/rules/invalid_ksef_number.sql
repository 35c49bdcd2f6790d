-- INVALID_KSEF_NUMBER (medium)
-- Contract: a KSeF number fails its format or CRC-8 check (poly 0x07,
-- init 0, over the first 32 characters). `ksef_number_valid` is computed by
-- the engine's validator (src/validate.rs) on every ledger, KSeF metadata
-- and UPO row.
SELECT
    'INVALID_KSEF_NUMBER' AS code,
    seller_nip,
    invoice_number,
    ksef_number,
    _file || ' line ' || CAST(_line AS VARCHAR)
        || ': ' || ksef_number || ' fails the format or CRC-8 check' AS detail,
    'ledger:' || ksef_number AS discriminator
FROM ledger
WHERE ksef_number IS NOT NULL
  AND NOT ksef_number_valid
UNION ALL
SELECT
    'INVALID_KSEF_NUMBER' AS code,
    seller_nip,
    invoice_number,
    ksef_number,
    _file || ' line ' || CAST(_line AS VARCHAR)
        || ': ' || ksef_number || ' fails the format or CRC-8 check' AS detail,
    'ksef:' || ksef_number AS discriminator
FROM ksef
WHERE NOT ksef_number_valid
UNION ALL
SELECT
    'INVALID_KSEF_NUMBER' AS code,
    seller_nip,
    invoice_number,
    ksef_number,
    upo_file || ' line ' || CAST(_line AS VARCHAR)
        || ': ' || ksef_number || ' fails the format or CRC-8 check' AS detail,
    'upo:' || ksef_number AS discriminator
FROM upo
WHERE NOT ksef_number_valid
