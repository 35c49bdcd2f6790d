-- CORRECTION_REFERENCE_WRONG (medium)
-- Contract: an archived FA(3) correction (`RodzajFaktury` KOR, KOR_ZAL,
-- KOR_ROZ) whose `NrKSeFFaKorygowanej` differs from the KSeF number of the
-- invoice it corrects (`NrFaKorygowanej`, same seller), or that says
-- `NrKSeFN` (corrected invoice outside KSeF) although KSeF numbered that
-- invoice before the correction was issued. One finding per corrected
-- invoice under the correction's number, the corrected invoice's number
-- its discriminator.
-- The KSeF number of the corrected invoice is KSeF's own (its metadata
-- record, else a production UPO); where KSeF holds none, a cited number is
-- not judged. "Before the correction was issued": KSeF numbered the
-- corrected invoice (its `acquisitionDate`, else a production UPO's
-- `DataNadaniaNumeruKSeF`, Warsaw time) on a day before the correction's
-- P_1, which is a date; without that moment the reference is not judged,
-- and run.json counts the invoice.
SELECT
    'CORRECTION_REFERENCE_WRONG' AS code,
    c.seller_nip,
    c.invoice_number,
    c.corrected_number AS discriminator,
    CASE
        WHEN c.outside_ksef THEN
            'correction ' || c.invoice_number || ' of ' || CAST(c.issue_date AS VARCHAR)
            || ' says NrKSeFN (corrected invoice outside KSeF), but KSeF numbered '
            || c.corrected_number || ' as ' || COALESCE(c.corrected_ksef_number, '?')
            || ' at ' || STRFTIME(c.corrected_numbered_at, '%Y-%m-%d %H:%M:%S')
        ELSE
            'correction ' || c.invoice_number || ' cites NrKSeFFaKorygowanej '
            || c.cited_ksef_number || ', but KSeF numbered ' || c.corrected_number
            || ' as ' || c.corrected_ksef_number
    END AS detail
FROM corrections AS c
WHERE (
        NOT c.outside_ksef
        AND c.cited_ksef_number IS NOT NULL
        AND c.corrected_ksef_number IS NOT NULL
        AND c.cited_ksef_number <> c.corrected_ksef_number
    )
   OR (
        c.outside_ksef
        AND c.corrected_numbered_at IS NOT NULL
        AND CAST(c.corrected_numbered_at AS DATE) < c.issue_date
    )
