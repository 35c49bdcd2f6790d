-- HASH_MISMATCH (high)
-- Contract: offline-log `invoice_hash`, or the archived file's SHA-256,
-- differs from KSeF's `invoiceHash`. A KSeF record whose
-- `hashOfCorrectedInvoice` equals the compared hash is a technical
-- correction of that invoice: its new hash is no mismatch.
-- `ksef_hash` is KSeF metadata's invoiceHash, else the UPO's SkrotDokumentu.
-- A UPO whose SkrotDokumentu disagrees with the metadata's invoiceHash is
-- flagged too (issue 3: "flag disagreements in KSeF number or hash").
--
-- The three comparisons read the rows below, taken from `invoices` once.
-- Named three times, `invoices` itself would be computed whole before each
-- comparison filtered it: at 10M invoices that gathered five hash and file
-- columns for every invoice, 10 s and 0.7 GiB for about 2,000 findings.
CREATE TABLE hash_candidates AS
SELECT
    seller_nip,
    invoice_number,
    in_offline_log,
    in_archive,
    in_upo,
    in_ksef,
    in_ksef_metadata,
    log_invoice_hash,
    archive_file,
    archive_hash,
    upo_file,
    upo_invoice_hash,
    ksef_invoice_hash,
    ksef_hash,
    ksef_hash_of_corrected_invoice
FROM invoices
WHERE in_ksef AND (in_offline_log OR in_archive OR in_upo);

SELECT
    'HASH_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'offline log hash ' || log_invoice_hash || ', KSeF invoiceHash ' || ksef_hash AS detail,
    CAST(NULL AS VARCHAR) AS discriminator
FROM hash_candidates
WHERE in_offline_log
  AND in_ksef
  AND log_invoice_hash IS NOT NULL
  AND ksef_hash IS NOT NULL
  AND log_invoice_hash <> ksef_hash
  AND (ksef_hash_of_corrected_invoice IS NULL
       OR ksef_hash_of_corrected_invoice <> log_invoice_hash)
UNION ALL
SELECT
    'HASH_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'archived file ' || archive_file || ' has SHA-256 ' || archive_hash
        || ', KSeF invoiceHash ' || ksef_hash AS detail,
    'archive' AS discriminator
FROM hash_candidates
WHERE in_archive
  AND in_ksef
  AND ksef_hash IS NOT NULL
  AND archive_hash <> ksef_hash
  AND (ksef_hash_of_corrected_invoice IS NULL
       OR ksef_hash_of_corrected_invoice <> archive_hash)
UNION ALL
SELECT
    'HASH_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'UPO ' || upo_file || ' SkrotDokumentu ' || upo_invoice_hash
        || ', KSeF metadata invoiceHash ' || ksef_invoice_hash AS detail,
    'upo' AS discriminator
FROM hash_candidates
WHERE in_upo
  AND in_ksef_metadata
  AND ksef_invoice_hash IS NOT NULL
  AND upo_invoice_hash <> ksef_invoice_hash
