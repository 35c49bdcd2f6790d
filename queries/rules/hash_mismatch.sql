-- HASH_MISMATCH (high)
-- Contract: offline-log `invoice_hash` differs from KSeF's `invoiceHash`.
-- A KSeF record whose `hashOfCorrectedInvoice` equals the logged hash is a
-- technical correction of that invoice: its new hash is no mismatch.
SELECT
    'HASH_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'offline log hash ' || log_invoice_hash || ', KSeF invoiceHash '
        || ksef_invoice_hash AS detail
FROM invoices
WHERE in_offline_log
  AND in_ksef
  AND log_invoice_hash IS NOT NULL
  AND ksef_invoice_hash IS NOT NULL
  AND log_invoice_hash <> ksef_invoice_hash
  AND (ksef_hash_of_corrected_invoice IS NULL
       OR ksef_hash_of_corrected_invoice <> log_invoice_hash)
