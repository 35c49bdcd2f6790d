-- MARKER_MISMATCH (medium), the clause that holds for any ledger
-- Contract: a ledger row marked `BFK` (issued outside KSeF for good) on an
-- invoice the offline log lists with a mode other than `total_failure`:
-- such an invoice must reach KSeF, whatever its ledger row says. The JPK
-- period is the discriminator (empty for ledgers other than JPK_V7).
-- The candidates come from `invoices` first (`log_mode` is gathered only
-- for offline-log invoices).
CREATE TABLE bfk_offline AS
SELECT seller_nip, invoice_number, log_mode
FROM invoices
WHERE in_offline_log AND ksef_marker = 'BFK';

SELECT
    'MARKER_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'ledger marker BFK, but the offline log lists it in mode ' || log_mode
        || ', which requires KSeF' AS detail
FROM bfk_offline
WHERE log_mode <> 'total_failure'
