-- NOT_IN_LEDGER (high)
-- Contract: in KSeF (seller among `sellers` in the config, if set), not in
-- the ledger. `is_our_seller` is true for every seller when none is set.
SELECT
    'NOT_IN_LEDGER' AS code,
    seller_nip,
    invoice_number,
    'KSeF ' || ksef_number || ' received ' || CAST(submitted_on AS VARCHAR)
        || ' has no ledger row' AS detail
FROM invoices
WHERE in_ksef
  AND NOT in_ledger
  AND is_our_seller
