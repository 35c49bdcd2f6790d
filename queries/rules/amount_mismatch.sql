-- AMOUNT_MISMATCH (high)
-- Contract: ledger and KSeF metadata differ in currency, or gross or net by
-- more than the tolerance (0.01 by default). Amounts are in grosze here, so
-- the comparison is exact. Net is compared only where both sides have it.
-- A JPK_V7 ledger row states its amounts in PLN (contract section 2), so it
-- is compared only with a KSeF record in PLN: an invoice in another
-- currency booked in a JPK_V7 return (`ledger_in_return`) is not an
-- AMOUNT_MISMATCH.
SELECT
    'AMOUNT_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'ledger ' || ledger_gross_text || ' ' || ledger_currency
        || ' gross / ' || COALESCE(ledger_net_text, '-') || ' net; KSeF '
        || COALESCE(ksef_gross_text, '-') || ' ' || COALESCE(ksef_currency, '-')
        || ' gross / ' || COALESCE(ksef_net_text, '-') || ' net' AS detail
FROM (
    -- Any difference at all, before the tolerance is applied: the
    -- tolerance is never negative, so this drops no finding, and it lets
    -- the engine skip the matching invoices before joining the parameters.
    SELECT *
    FROM invoices
    WHERE in_ledger
      AND in_ksef_metadata
      AND (
            ledger_currency <> ksef_currency
         OR ledger_gross_amount <> ksef_gross_amount
         OR ledger_net_amount <> ksef_net_amount
      )
) AS differing
CROSS JOIN params AS p
WHERE NOT (ledger_in_return AND ksef_currency <> 'PLN')
  AND (
        ledger_currency <> ksef_currency
     OR ABS(ledger_gross_amount - ksef_gross_amount) > p.amount_tolerance
     OR ABS(ledger_net_amount - ksef_net_amount) > p.amount_tolerance
  )
