-- JPK_CORRECTION_DUE (medium)
-- Contract: in a JPK_V7 file, an invoice row (not RO/WEW) marked `DI` that
-- KSeF numbered after the file was made: the JPK of that period must be
-- corrected to show the number (detail names the period and the number);
-- one per invoice, the period its discriminator.
-- Under the JPK_V7(3) rules `DI` marks an offline24 or unavailability
-- invoice that had no KSeF number yet when the file was made; once KSeF
-- numbers it, the return of its period is corrected to carry the number.
-- A row is judged in the return that stands for its period (`jpk_rows`),
-- and only where KSeF numbered the invoice by the as-of date.
SELECT
    'JPK_CORRECTION_DUE' AS code,
    seller_nip,
    invoice_number,
    known_ksef_number AS ksef_number,
    jpk_period AS discriminator,
    'JPK ' || jpk_period || ' (' || _file || ', made '
        || STRFTIME(jpk_made_at, '%Y-%m-%d %H:%M') || ') files it as DI; KSeF numbered it '
        || known_ksef_number || ' at ' || STRFTIME(numbered_at, '%Y-%m-%d %H:%M')
        || ': correct the JPK of ' || jpk_period || ' to show the number' AS detail
FROM jpk_rows
WHERE jpk_marker = 'DI'
  AND (document_type IS NULL OR document_type NOT IN ('RO', 'WEW'))
  AND numbered_at > jpk_made_at
