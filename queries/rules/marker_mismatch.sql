-- MARKER_MISMATCH (medium)
-- Contract: one per ledger row whose KSeF marker contradicts the facts, the
-- broken clauses listed in `detail`:
--   any ledger: `BFK` on an offline-log invoice whose mode is not
--     `total_failure` (such an invoice must reach KSeF, whatever its row says);
--   JPK_V7 files only, where the markers have their statutory meaning:
--     `OFF` on an invoice not in emergency mode (an offline-log mode other
--     than `emergency`, or no log row);
--     `DI`, `OFF` or no marker without `NrKSeF` on an invoice that KSeF had
--     numbered at or before the moment the file was made (it must carry the
--     number).
-- The clauses that read the offline log are judged only when it is given
-- (`given.offline_log`); run.json then lists them under checks_skipped.
-- A JPK_V7 row is judged in the return that stands for its period
-- (`jpk_rows`, with the invoice's facts: its log mode and when KSeF
-- numbered it); the period is the discriminator. Other ledgers' rows are
-- judged per invoice, with no discriminator.

-- Other ledgers: the candidates come from `invoices` first (`log_mode` is
-- gathered only for offline-log invoices).
CREATE TABLE bfk_offline AS
SELECT seller_nip, invoice_number, log_mode
FROM invoices
WHERE in_offline_log AND ksef_marker = 'BFK';

CREATE TABLE jpk_keys AS
SELECT DISTINCT seller_nip, invoice_number, TRUE AS in_jpk
FROM jpk_rows;

CREATE TABLE jpk_clauses AS
SELECT
    r.seller_nip,
    r.invoice_number,
    r.jpk_period,
    r._file,
    CASE
        WHEN g.offline_log AND r.jpk_marker = 'BFK' AND r.in_offline_log
            AND r.log_mode <> 'total_failure'
        THEN 'marker BFK, but the offline log lists it in mode ' || r.log_mode
            || ', which requires KSeF'
    END AS bfk_clause,
    CASE
        WHEN g.offline_log AND r.jpk_marker = 'OFF' AND r.in_offline_log
            AND r.log_mode <> 'emergency'
        THEN 'marker OFF, but the offline log lists it in mode ' || r.log_mode
            || ', not emergency'
        WHEN g.offline_log AND r.jpk_marker = 'OFF' AND NOT r.in_offline_log
        THEN 'marker OFF, but the offline log has no row for it (OFF is for emergency mode)'
    END AS off_clause,
    CASE
        WHEN (r.jpk_marker IN ('DI', 'OFF') OR (r.jpk_marker IS NULL AND r.ksef_number IS NULL))
            AND r.numbered_at <= r.jpk_made_at
        THEN COALESCE('marker ' || r.jpk_marker, 'no marker') || ' without NrKSeF, but KSeF numbered it '
            || r.known_ksef_number || ' at ' || STRFTIME(r.numbered_at, '%Y-%m-%d %H:%M')
            || ', before the file was made (' || STRFTIME(r.jpk_made_at, '%Y-%m-%d %H:%M')
            || '): the row must carry the number'
    END AS numbered_clause
FROM jpk_rows AS r
CROSS JOIN given AS g;

SELECT
    'MARKER_MISMATCH' AS code,
    b.seller_nip,
    b.invoice_number,
    'ledger marker BFK, but the offline log lists it in mode ' || b.log_mode
        || ', which requires KSeF' AS detail,
    CAST(NULL AS VARCHAR) AS discriminator
FROM bfk_offline AS b
LEFT JOIN jpk_keys AS k
  ON b.seller_nip = k.seller_nip AND b.invoice_number = k.invoice_number
CROSS JOIN given AS g
WHERE g.offline_log AND b.log_mode <> 'total_failure' AND k.in_jpk IS NULL

UNION ALL

SELECT
    'MARKER_MISMATCH' AS code,
    seller_nip,
    invoice_number,
    'JPK ' || jpk_period || ' (' || _file || '): '
        || CONCAT_WS('; ', bfk_clause, off_clause, numbered_clause) AS detail,
    jpk_period AS discriminator
FROM jpk_clauses
WHERE bfk_clause IS NOT NULL OR off_clause IS NOT NULL OR numbered_clause IS NOT NULL
