-- CORRECTION_BEFORE_ORIGINAL (medium)
-- Contract: an archived FA(3) correction (`RodzajFaktury` KOR, KOR_ZAL,
-- KOR_ROZ) whose corrected invoice (`DaneFaKorygowanej`: `NrFaKorygowanej`,
-- same seller) is an offline-log invoice, and which KSeF numbered before
-- that invoice had its KSeF number (a correction must cite the number of
-- the invoice it corrects). One finding per corrected invoice under the
-- correction's number, the corrected invoice's number its discriminator.
-- When KSeF numbered an invoice (`numbered_at`, `corrected_numbered_at`
-- of `corrections`): its `acquisitionDate`, else a production UPO's
-- `DataNadaniaNumeruKSeF`, compared as instants; a reference where either
-- invoice has neither is not judged, and run.json counts that invoice.
SELECT
    'CORRECTION_BEFORE_ORIGINAL' AS code,
    c.seller_nip,
    c.invoice_number,
    c.corrected_number AS discriminator,
    'correction ' || c.invoice_number || ' was numbered by KSeF at '
        || STRFTIME(c.numbered_at, '%Y-%m-%d %H:%M:%S') || ', before offline invoice '
        || c.corrected_number || ' it corrects had its KSeF number'
        || COALESCE(' ' || c.corrected_ksef_number, '') || ' (at '
        || STRFTIME(c.corrected_numbered_at, '%Y-%m-%d %H:%M:%S') || ')' AS detail
FROM corrections AS c
WHERE c.corrected_in_offline_log
  AND c.numbered_at IS NOT NULL
  AND c.corrected_numbered_at IS NOT NULL
  AND c.numbered_at < c.corrected_numbered_at
