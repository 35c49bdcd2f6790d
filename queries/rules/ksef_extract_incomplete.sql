-- KSEF_EXTRACT_INCOMPLETE (high)
-- Contract: the KSeF metadata extract says it is incomplete: one finding per
-- truncated file (an API page whose isTruncated is true, or an export whose
-- status response says so) that no other file of the extract continues (a
-- file whose earliest record is at or before the truncated file's last and
-- whose latest is after it), and one for the extract when API pages are
-- given and none of them says hasMore false. `extract_gaps` holds these
-- reasons, worked out from the files' flags as they were read.
-- Without a complete extract the absence of a submission is not proven:
-- such invoices are `unverified`, never `overdue`.
SELECT
    'KSEF_EXTRACT_INCOMPLETE' AS code,
    file AS discriminator,
    detail
FROM extract_gaps
