-- BFK_IN_KSEF (medium)
-- Contract: a `total_failure` invoice, or a ledger `BFK` one, found in KSeF.
-- Such invoices are issued outside KSeF for good; one in KSeF is a second
-- copy of the same sale or a wrong mode.
-- The candidates are taken from `invoices` first (`log_mode` is there
-- only for invoices in the offline log): a WHERE that reads `log_mode` is
-- applied only after the log's columns are gathered for every invoice.
CREATE TABLE bfk_candidates AS
SELECT seller_nip, invoice_number, ksef_number, ksef_marker, log_mode
FROM invoices
WHERE in_ksef AND (in_offline_log OR ksef_marker = 'BFK');

SELECT
    'BFK_IN_KSEF' AS code,
    seller_nip,
    invoice_number,
    CASE
        WHEN log_mode = 'total_failure' THEN 'total_failure invoice'
        ELSE 'ledger BFK invoice'
    END || ' found in KSeF as ' || ksef_number AS detail
FROM bfk_candidates
WHERE log_mode = 'total_failure' OR ksef_marker = 'BFK'
